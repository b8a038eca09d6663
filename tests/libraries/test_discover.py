"""Discovery: ranking from the snapshot, doc quality, licenses against the policy, and
PyPI's JSON API served by a real loopback server (recorded, slow, 404, malformed)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers import run_cli
from tests.pypi_server import pypi_server
from workbench.config import CompliancePolicy, DiscoverySettings
from workbench.errors import UnknownLibraryError, WorkbenchError
from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import find_package
from workbench.ingest.quality import doc_quality, has_example, is_typed
from workbench.libraries.discover import DiscoverContext, DiscoverOptions, discover, popularity, score
from workbench.libraries.pypi import PyPI
from workbench.libraries.snapshot import read_snapshot
from workbench.model import Entity

ROWS = [
    (1, "toppkg", "MIT", "The most downloaded package"),
    (4, "h11", "MIT", "A pure-Python HTTP/1.1 protocol library"),
    (9, "nolicensepkg", "", "License unknown offline"),
    (30, "gplpkg", "GPL-3.0-only", "Strong copyleft"),
    (200, "idna", "BSD-3-Clause", "Internationalized Domain Names in Applications"),
    (250, "optedpkg", "MIT", "Opted out by the team"),
    (2000, "rarepkg", "Apache-2.0", "Hardly anyone downloads it"),
]


def _snapshot(folder: Path, rows=ROWS) -> Path:
    path = folder / "popular.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["rank", "name", "latest_release_month", "license", "summary"])
        for rank, name, license_text, summary in rows:
            out.writerow([rank, name, "2026-11", license_text, summary])
    return path


def _locate(name: str):
    try:
        return find_package(name)
    except UnknownLibraryError:
        return None


def _discover(snapshot: Path, context: DiscoverContext, **options) -> list:
    settings = DiscoverySettings(snapshot=snapshot)
    policy = CompliancePolicy(allowed=("permissive", "weak-copyleft"))
    return discover(DiscoverOptions(sources=("snapshot",), **options), context, settings, policy, _locate)


def test_ranking_from_the_snapshot(tmp_path):
    context = DiscoverContext(indexed={"h11"}, opted_out={"optedpkg"}, suggested={"rarepkg": 3})
    ranked = _discover(_snapshot(tmp_path), context, quality=False)
    names = [c.name for c in ranked]
    assert "h11" not in names and "optedpkg" not in names  # indexed, opted out
    allowed = [c for c in ranked if c.allowed]
    refused = [c for c in ranked if not c.allowed]
    assert {c.name for c in refused} == {"gplpkg", "nolicensepkg"}
    assert ranked[: len(allowed)] == allowed  # refused ones come last
    assert [c.score for c in allowed] == sorted((c.score for c in allowed), reverse=True)
    assert allowed[0].name == "toppkg"
    idna = next(c for c in ranked if c.name == "idna")
    assert idna.installed_version  # installed here, so it gets the installed bonus
    rare = next(c for c in ranked if c.name == "rarepkg")
    assert rare.suggested == 3 and rare.score == pytest.approx(score(rare))
    assert score(rare) > 0.6 * popularity(2000) + 0.4 * 0.5  # the suggestion counts
    gpl = next(c for c in ranked if c.name == "gplpkg")
    assert gpl.license_class == "strong-copyleft"


def test_popularity_falls_with_rank():
    assert popularity(1) == 1.0 and popularity(None) == 0.0 and popularity(15000) == 0.0
    assert popularity(2) > popularity(20) > popularity(2000) > 0


def test_doc_quality_is_measured_on_installed_candidates(tmp_path):
    ranked = _discover(_snapshot(tmp_path), DiscoverContext(), quality=True)
    idna = next(c for c in ranked if c.name == "idna")
    assert idna.quality is not None and idna.quality.objects > 10
    assert 0 < idna.quality.docstrings <= 1 and 0 <= idna.quality.typed <= 1
    toppkg = next(c for c in ranked if c.name == "toppkg")
    assert toppkg.quality is None  # not installed: nothing to read


def test_doc_quality_shares_on_the_fixture():
    package = find_package("wbfixture")
    quality = doc_quality(extract(package, load_package(package)).entities)
    assert quality.objects > 10
    assert 0.5 < quality.docstrings <= 1
    assert 0 < quality.examples < 1 and 0.5 < quality.typed <= 1


def _entity(kind: str, signature: str, docstring: str = "", name: str = "f") -> Entity:
    return Entity(
        f"m.{name}", f"m.{name}", "m", "1", kind, name, "m", signature=signature, docstring=docstring
    )


def test_typed_and_example_rules():
    assert is_typed(_entity("function", "(a: int, *, b: str = 'x') -> bool"))
    assert not is_typed(_entity("function", "(a: int, b) -> bool"))
    assert not is_typed(_entity("function", "(a: int)"))  # no return annotation
    assert is_typed(_entity("class", "(a: int)")) and is_typed(_entity("class", ""))
    assert not is_typed(_entity("function", "(this is not python"))
    assert has_example(_entity("function", "()", "Use it:\n\n>>> f()\n1"))
    assert not has_example(_entity("function", "()", "No example here."))
    quality = doc_quality(
        [
            _entity("function", "(a: int) -> int", "Doc.\n\n>>> f(1)", "f"),
            _entity("function", "(a)", "", "g"),
            _entity("function", "(a)", "", "_private"),  # not measured
            _entity("attribute", "", "", "x"),  # not measured
        ]
    )
    assert (quality.objects, quality.docstrings, quality.typed, quality.examples) == (2, 0.5, 0.5, 0.5)


def test_the_bundled_snapshot_is_documented_and_large_enough():
    rows = read_snapshot(REPO / "data" / "pypi" / "popular.csv")
    assert len(rows) >= 200
    assert len({r.name for r in rows}) == len(rows)
    assert [r.rank for r in rows] == sorted(r.rank for r in rows)
    assert sum(1 for r in rows if r.license) > len(rows) / 2
    readme = (REPO / "data" / "pypi" / "README.md").read_text()
    assert "2026-11-25" in readme and "rank" in readme


def test_a_malformed_snapshot_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,summary\nx,y\n")
    with pytest.raises(WorkbenchError, match="no column rank"):
        read_snapshot(bad)
    bad.write_text("rank,name,latest_release_month,license,summary\nfirst,x,,,\n")
    with pytest.raises(WorkbenchError, match="not a number"):
        read_snapshot(bad)


def test_pypi_client_against_recorded_slow_404_and_malformed_responses():
    with pypi_server() as server:
        settings = DiscoverySettings(pypi_url=server.url, timeout_s=0.5, deadline_s=5.0)
        started = time.monotonic()
        with PyPI(settings) as pypi:
            answers = pypi.projects(
                ["h11", "pyqt5", "boto3", "slowpkg", "missingpkg", "brokenpkg", "shapelesspkg", "errorpkg"]
            )
        elapsed = time.monotonic() - started
    assert elapsed < 3.0  # the slow one is cut by the 0.5 s timeout, not waited for
    h11 = answers["h11"]
    assert h11.version == "0.16.0" and h11.license == "MIT" and h11.has_wheel
    assert answers["pyqt5"].license == "GPL v3"
    assert answers["boto3"].license == "Apache-2.0"
    assert answers["slowpkg"] == "PyPI timed out"
    assert answers["missingpkg"] == "not on PyPI"
    assert answers["brokenpkg"] == "PyPI sent a malformed response"
    assert answers["shapelesspkg"] == "PyPI sent a malformed response"
    assert answers["errorpkg"] == "PyPI answered HTTP 500"
    assert "/pypi/h11/json" in server.requests


def test_the_batch_deadline_bounds_the_whole_online_pass():
    with pypi_server() as server:
        settings = DiscoverySettings(pypi_url=server.url, timeout_s=10.0, deadline_s=0.8, workers=2)
        started = time.monotonic()
        with PyPI(settings) as pypi:
            answers = pypi.projects(["slowpkg", "h11"])
        assert time.monotonic() - started < 2.5
    assert answers["h11"].version == "0.16.0"
    assert "no answer" in answers["slowpkg"]


def test_unreachable_pypi_is_a_note_not_a_failure():
    settings = DiscoverySettings(pypi_url="http://127.0.0.1:9", timeout_s=0.5, deadline_s=2.0)
    with PyPI(settings) as pypi:
        answers = pypi.projects(["h11"])
    assert answers["h11"].startswith("PyPI unreachable")


def test_cli_discover_online_fills_licenses_and_versions(tmp_path, monkeypatch, built_db):
    rows = [
        (1, "boto3", "", "AWS SDK"),  # no license offline: PyPI's JSON says Apache-2.0
        (3, "pyqt5", "", "Qt bindings"),  # GPL v3 on PyPI: refused by the default policy
        (4, "h11", "MIT", "HTTP/1.1"),
        (5, "missingpkg", "MIT", "gone from PyPI"),
    ]
    monkeypatch.setenv("WORKBENCH_PYPI_SNAPSHOT", str(_snapshot(tmp_path, rows)))
    with pypi_server() as server:
        monkeypatch.setenv("WORKBENCH_PYPI_URL", server.url)
        offline = run_cli("discover", "--source", "snapshot", "--json", "--all", "--db", str(built_db))
        assert server.requests == []  # offline is the default: nothing is asked
        online = run_cli(
            "discover", "--source", "snapshot", "--online", "--json", "--all", "--db", str(built_db)
        )
    assert offline.exit_code == 0 and online.exit_code == 0, online.stderr
    before = {c["name"]: c for c in json.loads(offline.stdout)}
    after = {c["name"]: c for c in json.loads(online.stdout)}
    assert before["boto3"]["license_class"] == "unknown" and not before["boto3"]["allowed"]
    assert after["boto3"]["license"] == "Apache-2.0" and after["boto3"]["allowed"]
    assert after["boto3"]["latest_version"] == "1.44.8" and after["boto3"]["has_wheel"]
    assert after["pyqt5"]["license_class"] == "strong-copyleft" and not after["pyqt5"]["allowed"]
    assert after["h11"]["notes"] == ["indexed"] and after["h11"]["latest_version"] == "0.16.0"
    assert "not on PyPI" in after["missingpkg"]["notes"]
    assert [c["name"] for c in json.loads(online.stdout)][-1] == "pyqt5"


def test_cli_discover_table_without_any_file(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PYPI_SNAPSHOT", str(_snapshot(tmp_path)))
    monkeypatch.setenv("COLUMNS", "160")
    result = run_cli("discover", "-n", "3", "--no-quality", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 0, result.stderr
    assert "toppkg" in result.stdout and "PyPI rank" in result.stdout
    assert not (tmp_path / "none.duckdb").exists()

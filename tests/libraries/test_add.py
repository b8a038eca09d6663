"""`workbench add`: from a wheel file, from pip (a local find-links folder stands in for
the index), refusals and failures that leave the file unchanged."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

from tests.helpers import build_wheel, run_cli
from workbench import Workbench
from workbench.errors import FetchError, LibraryLoadError, LibraryOptedOutError

SOURCES_V1 = {
    "wbwheel/__init__.py": '"""A package that is only ever a wheel."""\n\nfrom wbwheel.core import Gauge\n\n'
    '__all__ = ["Gauge"]\n',
    "wbwheel/core.py": '"""Gauges."""\n\n\nclass Gauge:\n    """Measure the pressure of a boiler.\n\n'
    '    Examples:\n        >>> Gauge().read()\n        1.0\n    """\n\n'
    "    def read(self) -> float:\n"
    '        """Read the current boiler pressure in bar."""\n        return 1.0\n',
}


def _counts(path: Path, embedder) -> tuple:
    with Workbench(path, embedder=embedder) as wb:
        return tuple(sorted(wb.counts().items())), len(wb.history()), [lib.name for lib in wb.libraries()]


@pytest.fixture
def small_file(tmp_path, embedder) -> Path:
    path = tmp_path / "data" / "wb.duckdb"
    path.parent.mkdir()
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["idna"])
    return path


def test_add_from_a_wheel_file(tmp_path, small_file, embedder):
    wheel = build_wheel(tmp_path / "dist", "wbwheel", "1.2.0", SOURCES_V1)
    with Workbench(small_file, read_only=False, embedder=embedder) as wb:
        report = wb.add(str(wheel))
        assert (report.library, report.version, report.status) == ("wbwheel", "1.2.0", "ingested")
        lib = next(lib for lib in wb.libraries() if lib.name == "wbwheel")
        assert lib.origin == f"wheel {wheel.resolve()}" and lib.license == "MIT"
        assert Path(lib.source_dir).is_relative_to(small_file.parent / "packages" / "site")
        assert wb.search("boiler pressure", 3)[0].path.startswith("wbwheel")
        assert wb.show("wbwheel.Gauge").entity.path == "wbwheel.core.Gauge"
        verdict = next(v for v in wb.compliance() if v.library == "wbwheel")
        assert verdict.license == "MIT" and verdict.allowed
        assert wb.history("wbwheel")[0]["origin"] == lib.origin
        assert [c.state for c in wb.check_updates(["wbwheel"])] == ["current"]
        assert wb.add(str(wheel)).status == "unchanged"
    assert importlib.util.find_spec("wbwheel") is None  # nothing was installed


def test_add_a_version_fetched_with_pip(tmp_path, small_file, embedder, monkeypatch):
    links = tmp_path / "index"
    build_wheel(links, "wbwheel", "1.2.0", SOURCES_V1)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.delenv("PIP_CONSTRAINT", raising=False)
    result = run_cli("add", "wbwheel==1.2.0", "--quiet", "--db", str(small_file))
    assert result.exit_code == 0, result.stderr
    assert "wbwheel 1.2.0 from pypi wbwheel==1.2.0" in result.stdout
    assert list((small_file.parent / "packages" / "wheels").glob("wbwheel-1.2.0-*.whl"))
    with Workbench(small_file, embedder=embedder) as wb:
        assert "wbwheel" in wb.library_names()
    missing = run_cli("add", "wbwheel==9.9", "--quiet", "--db", str(small_file))
    assert missing.exit_code == 2
    assert "cannot fetch wbwheel==9.9" in missing.stderr and "no wheel" in missing.stderr


def test_a_wheel_griffe_cannot_read_leaves_the_file_unchanged(tmp_path, small_file, embedder):
    wheel = build_wheel(tmp_path / "dist", "wbbad", "0.1", {"wbbad/__init__.py": "def broken(:\n    pass\n"})
    before = _counts(small_file, embedder)
    with (
        Workbench(small_file, read_only=False, embedder=embedder) as wb,
        pytest.raises(LibraryLoadError, match="wbbad"),
    ):
        wb.add(str(wheel))
    assert _counts(small_file, embedder) == before
    assert not (small_file.parent / "packages" / "site" / "wbbad-0.1").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nothere-1.0-py3-none-any.whl", "no wheel file"),
        (lambda d: _write(d / "junk-1.0-py3-none-any.whl", b"not a zip"), "not a valid wheel"),
        (lambda d: _write(d / "junk.whl", b"x"), "not a wheel file name"),
        (lambda d: _zip(d / "evil-1.0-py3-none-any.whl", {"../escape.py": "x = 1\n"}), "unsafe member"),
        (lambda d: _zip(d / "empty-1.0-py3-none-any.whl", {"readme.txt": "hi"}), "no .dist-info"),
    ],
)
def test_bad_wheels_are_clear_errors(tmp_path, small_file, embedder, make, message):
    wheel = make(tmp_path)
    before = _counts(small_file, embedder)
    result = run_cli("add", str(wheel), "--quiet", "--db", str(small_file))
    assert result.exit_code == 2 and message in result.stderr
    assert _counts(small_file, embedder) == before
    assert not (tmp_path / "escape.py").exists()


def test_bad_specs_are_clear_errors(small_file, embedder):
    with (
        Workbench(small_file, read_only=False, embedder=embedder) as wb,
        pytest.raises(FetchError, match="neither a package name"),
    ):
        wb.add("not a name!")


def test_an_opted_out_library_is_refused_before_any_download(tmp_path, small_file, embedder, monkeypatch):
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    with Workbench(small_file, read_only=False, embedder=embedder) as wb:
        wb.opt_out("wbwheel", "legal review")
        with pytest.raises(LibraryOptedOutError, match="legal review"):
            wb.add("wbwheel==1.2.0")
        with pytest.raises(LibraryOptedOutError):
            wb.add(str(build_wheel(tmp_path / "dist", "wbwheel", "1.2.0", SOURCES_V1)))
    assert not (small_file.parent / "packages" / "wheels").exists()


def test_an_installed_library_is_ingested_in_place(small_file, embedder):
    with Workbench(small_file, read_only=False, embedder=embedder) as wb:
        report = wb.add("h11")
        assert report.status == "ingested" and report.origin == "installed"
    assert not (small_file.parent / "packages").exists()


def test_update_online_fetches_the_newer_release_of_a_pip_added_library(
    tmp_path, small_file, embedder, monkeypatch
):
    from tests.pypi_server import pypi_server

    links = tmp_path / "index"
    build_wheel(links, "wbwheel", "1.2.0", SOURCES_V1)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    with Workbench(small_file, read_only=False, embedder=embedder) as wb:
        wb.add("wbwheel==1.2.0")
    v2 = dict(SOURCES_V1)
    v2["wbwheel/core.py"] += '\n\ndef calibrate(offset: float) -> None:\n    """Zero the gauge."""\n'
    build_wheel(links, "wbwheel", "1.3.0", v2)
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    payload = {"info": {"name": "wbwheel", "version": "1.3.0", "license_expression": "MIT"}, "urls": []}
    (recorded / "wbwheel.json").write_text(json.dumps(payload))
    monkeypatch.setattr("tests.pypi_server.RECORDED", recorded)
    with pypi_server() as server:
        monkeypatch.setenv("WORKBENCH_PYPI_URL", server.url)
        from workbench.config import Settings

        with Workbench(small_file, read_only=False, embedder=embedder, settings=Settings()) as wb:
            check = {c.library: c for c in wb.check_updates(online=True)}
            assert check["wbwheel"].state == "newer on PyPI" and check["wbwheel"].latest_version == "1.3.0"
            assert check["idna"].note == "not on PyPI"  # the recorded server knows only wbwheel
            reports = wb.update(["wbwheel"], online=True)
            assert [(r.library, r.version, r.added) for r in reports] == [("wbwheel", "1.3.0", 1)]
            assert wb.show("wbwheel.core.calibrate").entity.name == "calibrate"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_a_wheel_with_two_top_level_packages_indexes_both(tmp_path, small_file, embedder):
    # like attrs, whose `attrs` package re-exports from its sibling `attr`
    wheel = build_wheel(
        tmp_path / "dist",
        "wbtwin",
        "0.1",
        {
            "wbtwin_core/__init__.py": '"""Core."""\n\n\ndef field(default: int = 0) -> int:\n'
            '    """Declare a field with a default value."""\n    return default\n',
            "wbtwin/__init__.py": '"""Twin."""\n\nfrom wbtwin_core import field\n\n__all__ = ["field"]\n',
        },
    )
    with Workbench(small_file, read_only=False, embedder=embedder) as wb:
        wb.add(str(wheel))
        assert wb.show("wbtwin.field").entity.path == "wbtwin_core.field"
        assert wb.show("wbtwin_core.field").entity.library == "wbtwin"

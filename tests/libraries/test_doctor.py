"""`workbench doctor` passes on a fresh index, fires (exit code 1) on a stale library, a
slow last bench or a damaged export, and keeps its thresholds in the state file."""

from __future__ import annotations

import json

import duckdb

from tests.helpers import run_cli
from workbench.bench.doctor import LAST_BENCH_KEY
from workbench.store.extensions import load_extensions
from workbench.store.state import StateFile, state_path


def _doctor(path, *args):
    result = run_cli("doctor", "--db", str(path), *args)
    assert result.exit_code in (0, 1), result.output + result.stderr
    return result


def _checks(result) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(result.output)["checks"]}


def test_doctor_passes_on_a_fresh_index(indexed):
    path, _ = indexed
    result = _doctor(path, "--stale-days", "0")
    assert result.exit_code == 0, result.output
    assert "all good" in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
    checks = _checks(_doctor(path, "--json"))
    assert {
        checks[n]["status"] for n in ("extensions", "file", "model", "hnsw index", "bm25 index", "graph")
    } == {"ok"}
    assert checks["libraries"]["detail"] == "1 of 1 current"
    assert checks["integrity"]["status"] == "skip"  # made by ingest: no manifest


def test_doctor_fires_on_a_stale_library(indexed):
    path, package = indexed
    module = package / "styles.py"
    module.write_text(module.read_text() + '\n\ndef added_later() -> None:\n    """New."""\n')
    lenient = _doctor(path)  # stale, but indexed less than the default 30 days ago
    assert lenient.exit_code == 0 and "WARN" in lenient.output and "stale wbfixture" in lenient.output
    strict = _doctor(path, "--stale-days", "0", "--json")
    assert strict.exit_code == 1
    assert _checks(strict)["stale wbfixture"]["status"] == "alert"
    assert "workbench update wbfixture" in _checks(strict)["stale wbfixture"]["detail"]


def test_thresholds_are_saved_and_checked(indexed):
    path, _ = indexed
    state = StateFile(state_path(path))
    state.save_setting(LAST_BENCH_KEY, {"hybrid_p95_ms": 45.0, "at": "2026-12-01T00:00:00+00:00"})
    slow = _doctor(path)
    assert slow.exit_code == 1 and "ALERT" in slow.output and "45.0 ms > 30 ms" in slow.output
    saved = _doctor(path, "--max-p95-ms", "50", "--save")
    assert saved.exit_code == 0
    assert state.setting("doctor") == {"max_p95_ms": 50.0}
    assert _doctor(path).exit_code == 0  # later runs (cron's) use the saved threshold
    bad = run_cli("doctor", "--db", str(path), "--max-error-rate", "2")
    assert bad.exit_code == 2 and "max_error_rate must be between 0 and 1" in bad.stderr


def test_doctor_alerts_on_a_file_that_does_not_open(tmp_path):
    result = _doctor(tmp_path / "missing.duckdb", "--json")
    assert result.exit_code == 1
    assert _checks(result)["file"]["status"] == "alert"


def test_doctor_verifies_an_export_and_shows_its_manifest(built_db, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_VERIFIED_CACHE", str(tmp_path / "verified.json"))
    export = tmp_path / "idna.duckdb"
    assert run_cli("export", str(export), "-l", "idna", "--db", str(built_db)).exit_code == 0
    result = _doctor(export, "--json")
    assert _checks(result)["integrity"]["status"] == "ok"
    manifest = json.loads(result.output)["manifest"]
    assert [lib["name"] for lib in manifest["libraries"]] == ["idna"] and manifest["left_out"] == [
        "h11",
        "wbfixture",
    ]
    conn = duckdb.connect(":memory:")
    load_extensions(conn)
    conn.execute(f"ATTACH '{export}' AS f")
    conn.execute("DELETE FROM f.aliases WHERE library = 'idna'")
    conn.close()
    damaged = _doctor(export, "--json")
    assert damaged.exit_code == 1
    assert "fails its checksum" in _checks(damaged)["file"]["detail"]

"""`workbench ingest` from the command line: summary table, no-op second run."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli


def test_cli_ingest_reports_each_library_and_is_idempotent(tmp_path: Path):
    db = str(tmp_path / "cli.duckdb")
    first = run_cli("ingest", "idna", "--db", db)
    assert first.exit_code == 0, first.output
    assert "idna" in first.output and "ingested" in first.output
    assert "1 libraries" in first.output
    second = run_cli("ingest", "idna", "--quiet", "--db", db)
    assert second.exit_code == 0 and "unchanged" in second.output
    listing = run_cli("libraries", "--db", db)
    assert "idna" in listing.output and "hnsw=yes" in listing.output

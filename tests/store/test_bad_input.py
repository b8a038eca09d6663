"""Bad input gets one clear line, exit code 2, and leaves every file as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import digest, run_cli
from workbench.errors import ExtensionMissingError, ModelMismatchError, StoreError
from workbench.store import extensions
from workbench.store.database import Database


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_text_file_is_not_a_duckdb_file(tmp_path: Path):
    path = tmp_path / "notes.duckdb"
    path.write_text("just some notes\n" * 50)
    before = digest(path)
    _one_line_error(run_cli("search", "timeout", "--db", str(path)), "not a DuckDB file")
    _one_line_error(run_cli("ingest", "idna", "--db", str(path)), "not a DuckDB file")
    assert digest(path) == before


def test_foreign_duckdb_file_is_refused(tmp_path: Path):
    path = tmp_path / "sales.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE sales AS SELECT 1 AS amount")
    before = digest(path)
    _one_line_error(run_cli("ingest", "idna", "--db", str(path)), "not a workbench index", "sales")
    assert digest(path) == before


def test_newer_schema_is_refused(built_db: Path, tmp_path: Path):
    path = tmp_path / "future.duckdb"
    shutil.copy(built_db, path)
    db = Database(path, read_only=False)
    db.set_meta("schema_version", "99")
    db.checkpoint()
    db.close()
    before = digest(path)
    _one_line_error(run_cli("libraries", "--db", str(path)), "schema version 99", "upgrade")
    _one_line_error(run_cli("ingest", "idna", "--db", str(path)), "schema version 99")
    assert digest(path) == before


def test_missing_index_for_a_query(tmp_path: Path):
    path = tmp_path / "nothing.duckdb"
    _one_line_error(run_cli("search", "timeout", "--db", str(path)), "workbench ingest")
    assert not path.exists()


def test_unknown_library_writes_nothing(tmp_path: Path, built_db: Path):
    fresh = tmp_path / "fresh.duckdb"
    _one_line_error(run_cli("ingest", "no_such_lib_xyz", "--db", str(fresh)), "no_such_lib_xyz")
    assert not fresh.exists()
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_db, copy)
    before = digest(copy)
    _one_line_error(run_cli("ingest", "idna", "no_such_lib_xyz", "--db", str(copy)), "unknown library")
    assert digest(copy) == before


def test_package_griffe_cannot_parse_is_reported(tmp_path: Path, built_db: Path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_db, copy)
    result = run_cli("ingest", "wbbroken", "--quiet", "--db", str(copy))
    assert result.exit_code == 2
    assert "wbbroken" in result.stderr and "Syntax error" in result.stderr
    with Database(copy) as db:
        names = {r[0] for r in db.execute("SELECT name FROM libraries").fetchall()}
    assert "wbbroken" not in names and "h11" in names


def test_empty_query_and_unknown_path(built_db: Path):
    _one_line_error(run_cli("search", "  ", "--db", str(built_db)), "empty query")
    _one_line_error(run_cli("show", "h11.Conection", "--db", str(built_db)), "h11.Connection")


def test_model_mismatch_is_detected(built_db: Path):
    with pytest.raises(ModelMismatchError, match="all-MiniLM-L6-v2"):
        Database(built_db, model_name="another/model", dimension=768)


def test_missing_extension_names_the_package(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(extensions.EXTENSION_PACKAGES, "vss", "duckdb-extension-nothere")
    with pytest.raises(ExtensionMissingError, match="pip install duckdb-extension-nothere"):
        extensions.extension_file("vss")


def test_directory_is_not_a_file(tmp_path: Path):
    with pytest.raises(StoreError, match="directory"):
        Database(tmp_path)

"""Schema versions: fresh files record their migrations; old files upgrade on request."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli
from workbench.errors import StoreError
from workbench.store import migrations
from workbench.store.database import Database


def test_fresh_file_records_every_migration(tmp_path: Path):
    with Database(tmp_path / "new.duckdb", read_only=False) as db:
        assert db.schema_version() == migrations.SCHEMA_VERSION
        assert [v for v, _ in db.applied_migrations()] == [v for v, _, _ in migrations.MIGRATIONS]


def test_old_file_is_refused_read_only_and_upgraded_by_migrate(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "old.duckdb"
    shutil.copy(built_db, path)

    def add_notes(conn, ctx):
        conn.execute("CREATE TABLE notes (path VARCHAR, note VARCHAR)")

    following = migrations.SCHEMA_VERSION + 1
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (following, "notes", add_notes)])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", following)
    with pytest.raises(StoreError, match="workbench migrate"):
        Database(path)
    result = run_cli("migrate", "--db", str(path))
    assert result.exit_code == 0, result.output
    with Database(path) as db:
        assert db.schema_version() == following
        assert db.applied_migrations()[-1] == (following, "notes")
        assert db.execute("SELECT count(*) FROM entities").fetchone()[0] > 0

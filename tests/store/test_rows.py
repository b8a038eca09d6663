"""`Database.rows`, the query path's statements on one cursor per thread: the same rows
as a cursor of their own, from any number of threads at once, and none once closed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from workbench.store.database import Database

SQL = "SELECT entity_path, count(*) FROM chunks WHERE library = ? GROUP BY 1 ORDER BY 1"


def test_rows_equal_a_fresh_cursors_rows(built_db: Path):
    """Two statements in a row on the thread's cursor each return all of their own rows."""
    db = Database(built_db)
    try:
        for library in ("h11", "idna", "h11"):
            assert db.rows(SQL, [library]) == db.execute(SQL, [library]).fetchall()
        assert db.rows(SQL, ["h11"]) != db.rows(SQL, ["idna"])
    finally:
        db.close()


def test_rows_from_many_threads_at_once(built_db: Path):
    """Threads that query at the same time each get their statement's answer."""
    db = Database(built_db)
    try:
        expected = {lib: db.execute(SQL, [lib]).fetchall() for lib in ("h11", "idna", "wbfixture")}
        asked = list(expected) * 30
        with ThreadPoolExecutor(max_workers=6) as pool:
            got = list(pool.map(lambda lib: db.rows(SQL, [lib]), asked))
        assert got == [expected[lib] for lib in asked]
    finally:
        db.close()


def test_rows_after_close_fail(built_db: Path):
    """A kept cursor does not keep a closed file readable (a swapped-out index)."""
    db = Database(built_db)
    assert db.rows("SELECT count(*) FROM chunks")[0][0] > 0
    db.close()
    with pytest.raises(duckdb.ConnectionException):
        db.rows("SELECT count(*) FROM chunks")

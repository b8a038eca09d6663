"""Compacting drops dead space, keeps every row and index, and never touches a copy's source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import ALL_BUILT, digest, run_cli
from workbench import Workbench
from workbench.errors import StoreError


def _top(path: Path, embedder) -> list[str]:
    with Workbench(path, embedder=embedder) as wb:
        return [h.path for h in wb.search("encode a unicode domain name", 5)]


def test_compact_in_place_shrinks_a_grown_file_and_keeps_answers(built_db, tmp_path, embedder):
    path = tmp_path / "grown.duckdb"
    shutil.copy(built_db, path)
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["idna"], force=True)  # replaces idna's rows: the old ones become dead space
        wb.db.checkpoint()
        counts = wb.counts()
        graph = wb.graph_size()
    expected = _top(path, embedder)
    grown = path.stat().st_size
    result = run_cli("compact", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert path.stat().st_size < grown
    assert not Path(f"{path}.compact").exists()
    with Workbench(path, embedder=embedder) as wb:
        assert wb.counts() == counts
        # "hnsw" means the query plan uses it: a plain copy loses the index's cosine metric
        assert wb.index_status() == ALL_BUILT
        assert wb.graph_size() == graph  # graph tables are rebuilt from the copied edges
    assert _top(path, embedder) == expected


def test_compact_copy_leaves_the_source_untouched(built_db, tmp_path, embedder):
    before = digest(built_db)
    copy = tmp_path / "team.duckdb"
    result = run_cli("compact", "--to", str(copy), "--db", str(built_db))
    assert result.exit_code == 0, result.output
    assert digest(built_db) == before
    assert _top(copy, embedder) == _top(built_db, embedder)
    with Workbench(copy, embedder=embedder) as wb:
        assert wb.index_status()["hnsw"]
    again = run_cli("compact", "--to", str(copy), "--db", str(built_db))
    assert again.exit_code == 2 and "exists already" in again.stderr


def test_compact_in_place_needs_a_writer(built_db, embedder):
    with Workbench(built_db, embedder=embedder) as wb, pytest.raises(StoreError, match="read_only=False"):
        wb.compact()

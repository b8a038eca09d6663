"""The graph tables refreshed for just the libraries that changed equal a full rebuild."""

from __future__ import annotations

from pathlib import Path

from workbench import Workbench
from workbench.graph import build


def _tables(wb: Workbench) -> tuple[list, list]:
    edges = wb.db.execute("SELECT * FROM graph_edges ORDER BY ALL").fetchall()
    nodes = wb.db.execute("SELECT * FROM graph_nodes ORDER BY ALL").fetchall()
    return edges, nodes


def _refreshed_equals_rebuilt(wb: Workbench, libraries: list[str]) -> tuple[list, list]:
    assert build.pending(wb.db) == libraries and build.is_stale(wb.db)
    assert build.update(wb.db) == "refreshed"
    assert not build.is_stale(wb.db) and build.pending(wb.db) == []
    refreshed = _tables(wb)
    build.rebuild(wb.db)
    assert _tables(wb) == refreshed
    return refreshed


def test_refresh_after_add_update_and_removal_equals_a_rebuild(
    tmp_path: Path, embedder, fixture_copy, on_path
):
    on_path(fixture_copy)
    path = tmp_path / "wb.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["wbfixture"])  # no graph yet: a full build
        stubs_before = wb.db.execute("SELECT count(*) FROM graph_nodes WHERE path LIKE 'h11.%'").fetchone()[0]
        assert stubs_before > 0  # wbfixture points into h11, which is not indexed yet

        from workbench.libraries import pipeline

        # h11's names were stubs
        pipeline.ingest_package(wb.db, pipeline.plan_ingest(["h11"]).packages[0], embedder)
        edges, nodes = _refreshed_equals_rebuilt(wb, ["h11"])
        resolved = [e for e in edges if e[0].startswith("wbfixture") and e[1].startswith("h11.")]
        assert resolved and all(not n[4] for n in nodes if n[0] in {e[1] for e in resolved})

        pool = fixture_copy / "wbfixture" / "pool.py"
        pool.write_text(pool.read_text() + '\n\ndef drain() -> None:\n    """Close every connection."""\n')
        pipeline.ingest_package(wb.db, pipeline.plan_ingest(["wbfixture"]).packages[0], embedder)
        edges, _ = _refreshed_equals_rebuilt(wb, ["wbfixture"])
        assert ("wbfixture.pool.drain", "wbfixture.pool", "member_of") in {e[:3] for e in edges}

        from workbench.store import writer

        writer.remove_library(wb.db, "h11")
        edges, nodes = _refreshed_equals_rebuilt(wb, ["h11"])
        assert not [n for n in nodes if n[3] == "h11" and not n[4]]  # h11's names are stubs again
        assert [n for n in nodes if n[0].startswith("h11.") and n[4]]

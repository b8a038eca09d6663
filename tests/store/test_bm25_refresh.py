"""The BM25 index refreshed for added and removed chunks equals a full rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import Workbench
from workbench.libraries import pipeline
from workbench.store import bm25, queries, writer

QUERIES = ["connection state", "encode domain name", "timeout", "close the pool", "standard deviation"]


def _state(wb: Workbench) -> dict:
    fts = bm25.FTS
    run = wb.db.execute
    return {
        "stats": run(f"SELECT num_docs, round(avgdl, 9) FROM {fts}.stats").fetchall(),
        "dict": dict(run(f"SELECT term, df FROM {fts}.dict").fetchall()),
        "docs": sorted(run(f"SELECT name, len FROM {fts}.docs").fetchall()),
        "postings": sorted(
            run(
                f"SELECT d.term, p.chunk_id, p.tf, p.doclen, p.library FROM bm25_postings p "
                f"JOIN {fts}.dict d ON d.termid = p.termid"
            ).fetchall()
        ),
        "scores": {q: queries.bm25_chunk_scores(wb.db, q, 20) for q in QUERIES},
    }


def _refreshed_equals_rebuilt(wb: Workbench, calls: list) -> dict:
    assert writer.fts_is_stale(wb.db)
    pipeline.ensure_indexes(wb.db)  # refreshes, since the index exists
    assert not writer.fts_is_stale(wb.db) and calls.pop() == "refresh"
    refreshed = _state(wb)
    for query in QUERIES:  # still what the extension's own macro computes
        reference = queries.bm25_reference_scores(wb.db, query, 20)
        assert [i for i, _ in refreshed["scores"][query]] == [i for i, _ in reference]
    with wb.db.transaction() as conn:
        bm25.build_index(conn)
    rebuilt = _state(wb)
    for key in ("stats", "dict", "docs", "postings"):
        assert refreshed[key] == rebuilt[key], key
    for query in QUERIES:
        ours, full = refreshed["scores"][query], rebuilt["scores"][query]
        assert [i for i, _ in ours] == [i for i, _ in full]
        assert [s for _, s in ours] == pytest.approx([s for _, s in full], rel=1e-9)
    return refreshed


def test_refresh_after_add_update_and_removal_equals_a_rebuild(
    tmp_path: Path, embedder, fixture_copy, on_path, monkeypatch
):
    on_path(fixture_copy)
    calls: list[str] = []
    refresh = bm25.refresh_index
    monkeypatch.setattr(bm25, "refresh_index", lambda conn: (calls.append("refresh"), refresh(conn)))
    with Workbench(tmp_path / "wb.duckdb", read_only=False, embedder=embedder) as wb:
        wb.ingest(["wbfixture", "idna"])  # no index yet: a full build
        package = pipeline.plan_ingest(["h11"]).packages[0]
        pipeline.ingest_package(wb.db, package, embedder)
        state = _refreshed_equals_rebuilt(wb, calls)
        assert any(lib == "h11" for *_, lib in state["postings"])

        styles = fixture_copy / "wbfixture" / "styles.py"
        styles.write_text(
            styles.read_text() + '\n\ndef zymurgy() -> None:\n    """Brew zymurgical ferments."""\n'
        )
        pipeline.ingest_package(wb.db, pipeline.plan_ingest(["wbfixture"]).packages[0], embedder)
        state = _refreshed_equals_rebuilt(wb, calls)
        assert "zymurgi" in state["dict"] or "zymurgy" in state["dict"]

        before = {i for q in QUERIES for i, _ in state["scores"][q]}
        writer.remove_library(wb.db, "idna")
        state = _refreshed_equals_rebuilt(wb, calls)
        assert not [p for p in state["postings"] if p[4] == "idna"]
        assert {i for q in QUERIES for i, _ in state["scores"][q]} != before


def test_chunk_ids_are_never_reused(tmp_path: Path, embedder):
    with Workbench(tmp_path / "wb.duckdb", read_only=False, embedder=embedder) as wb:
        wb.ingest(["idna"])
        high = wb.db.execute("SELECT max(id) FROM chunks").fetchone()[0]
        writer.remove_library(wb.db, "idna")
        wb.ingest(["idna"])
        assert wb.db.execute("SELECT min(id) FROM chunks").fetchone()[0] > high

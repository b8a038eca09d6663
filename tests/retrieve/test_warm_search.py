"""A warm reader (BM25 postings, ranking rows, chunk owners and in-degrees in memory)
ranks exactly as a cold one (every value looked up per search), in every mode and with
filters; `ask` answers the same with its texts embedded while its search runs."""

from __future__ import annotations

import pytest

from workbench.retrieve.intents import relation_chain
from workbench.store import background, queries

QUERIES = [
    "encode a unicode domain name to its ASCII form",
    "the start of an HTTP request with method, target and headers",
    "how do I retry a download when the network fails",
    "read_csv",
    "Client.fetch",
    "which exception is raised on a protocol error",
    "send data then close the connection",
]
OPTIONS = [
    {"mode": "hybrid"},
    {"mode": "bm25"},
    {"mode": "hybrid", "libraries": ["h11"]},
    {"mode": "hybrid", "kinds": ["class", "method"]},
]


def ranked(wb, query: str, options: dict) -> list[tuple]:
    wb.clear_caches()
    hits = wb.search(query, 10, **options)
    return [(h.definition_path, h.score, h.summary, h.signature, h.explain) for h in hits]


def test_warm_search_ranks_as_cold(wb):
    """Each hit (path, score, summary, signature, explain) is the same both ways."""
    cold = {}
    for query in QUERIES:
        for i, options in enumerate(OPTIONS):
            background.forget_maps(wb.db)  # no map has been used: values looked up per search
            cold[query, i] = ranked(wb, query, options)
    for query in QUERIES[:6]:  # start every background load, then wait for them
        wb.clear_caches()
        wb.search(query)
    wb.settle()
    loaded = {load.name for load in background.maps_of(wb.db) if load.loaded}
    assert {
        "bm25-postings",
        "ranking-rows",
        "display-rows",
        "chunk-owners",
        "usage",
        "card-vectors",
    } <= loaded
    for (query, i), expected in cold.items():
        got = ranked(wb, query, OPTIONS[i])
        assert [h[0] for h in got] == [h[0] for h in expected], (query, OPTIONS[i])
        for a, b in zip(got, expected, strict=True):
            assert a[1] == pytest.approx(b[1], rel=1e-12, abs=1e-15)
            assert a[2:4] == b[2:4]
            assert a[4] == b[4]
    assert any(cold.values())


def test_ranking_rows_equal_entity_summaries(wb):
    """The in-memory ranking row of every chunked entity equals its row in the table."""
    paths = [r[0] for r in wb.db.rows("SELECT DISTINCT entity_path FROM chunks")]
    expected = queries.entity_summaries(wb.db, paths, queries.RANKING_COLUMNS)
    background.forget_maps(wb.db)
    assert queries.ranking_rows(wb.db, paths) == expected  # looked up
    for _ in range(background.LOAD_AFTER_SEARCHES):  # the last use starts the load
        queries.ranking_rows_of(wb.db).value()
    queries.ranking_rows_of(wb.db).wait()
    assert queries.ranking_rows_of(wb.db).loaded
    assert queries.ranking_rows(wb.db, paths) == expected  # from memory
    assert len(expected) == len(paths) > 50


def test_display_and_candidate_rows_equal_entity_summaries(wb):
    """Summaries and signatures from memory equal the table's, for chunked entities and for
    ones without chunks (which the map lacks and the file answers); `candidate_rows`
    (ranking + display columns) equals `entity_summaries` before and after the maps load."""
    chunked = [r[0] for r in wb.db.rows("SELECT DISTINCT entity_path FROM chunks ORDER BY 1 LIMIT 300")]
    bare = [
        r[0]
        for r in wb.db.rows(
            "SELECT path FROM entities WHERE path NOT IN (SELECT entity_path FROM chunks) ORDER BY 1 LIMIT 20"
        )
    ]
    paths = [*chunked, *bare, "no.such.entity"]
    display = queries.entity_summaries(wb.db, paths, ("path", *queries.DISPLAY_COLUMNS))
    expected_display = {p: {k: v for k, v in row.items() if k != "path"} for p, row in display.items()}
    expected_full = queries.entity_summaries(wb.db, paths)
    background.forget_maps(wb.db)
    assert queries.display_rows(wb.db, paths) == expected_display  # looked up
    assert queries.candidate_rows(wb.db, paths) == expected_full
    for load in (queries.display_rows_of(wb.db), queries.ranking_rows_of(wb.db)):
        for _ in range(background.LOAD_AFTER_SEARCHES):
            load.value()
        load.wait()
        assert load.loaded
    assert queries.display_rows(wb.db, paths) == expected_display  # from memory, and the file
    assert queries.candidate_rows(wb.db, paths) == expected_full
    assert bare and len(expected_display) == len(paths) - 1
    assert any(row["summary"] for row in expected_display.values())


def test_ask_answers_as_with_its_texts_embedded_first(wb):
    """`ask` with every text embedded before its steps run (as before the prefetch) and
    with them embedded while they run gives the same answers."""
    question = "which exception does h11 raise on a protocol error, and what is its base class"
    clauses = [hop.text for hop in relation_chain(question, 3) if hop.text]
    assert clauses
    wb.clear_caches()
    wb.embedder.embed_queries([question, *clauses])
    before = wb.ask(question, 5)
    wb.clear_caches()
    after = wb.ask(question, 5)
    assert [i.path for i in after.items] == [i.path for i in before.items]
    assert [i.score for i in after.items] == pytest.approx([i.score for i in before.items], rel=1e-5)
    assert after.items and not after.degraded

"""BM25 in memory (`store.postings`) ranks the same chunks with the same scores as the
SQL over the postings table, with and without a library filter, and search switches to
it once the postings are loaded without changing any result."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.store import background, bm25, postings, queries
from workbench.store.background import LOAD_AFTER_SEARCHES
from workbench.store.database import Database

QUERIES = [
    "connection state",
    "encode domain name",
    "how do I send data then close the connection",
    "timeout",
    "h11 Request headers",
    "zzzz qqqq xyzzy",
]


def sql_top(db: Database, query: str, limit: int, libraries: list[str] | None) -> list[tuple[int, float]]:
    scored = bm25.chunk_scores_sql(db, query)
    if scored is None:
        return []
    sql, params = scored
    where, extra = ("WHERE library = ?", [libraries[0]]) if libraries else ("", [])
    rows = db.rows(
        f"WITH scores AS ({sql}) SELECT chunk_id, score FROM scores {where} "
        "ORDER BY score DESC, chunk_id LIMIT ?",
        [*params, *extra, limit],
    )
    return [(int(i), float(s)) for i, s in rows]


@pytest.fixture
def db(built_db: Path):
    opened = Database(built_db)
    yield opened
    opened.close()


@pytest.mark.parametrize("libraries", [None, ["h11"], ["idna"]])
@pytest.mark.parametrize("query", QUERIES)
def test_memory_ranks_like_sql(db, query, libraries):
    """Same chunk ids in the same order; scores equal up to the order DuckDB sums in."""
    memory = postings.load_postings(db)
    for limit in (5, 100):
        expected = sql_top(db, query, limit, libraries)
        got = memory.top(postings.query_stems(db, query), limit, libraries)
        assert [i for i, _ in got] == [i for i, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-12)
    if query.startswith("zzzz"):
        assert got == []


def test_search_candidates_unchanged_once_postings_are_in(db):
    """bm25_candidates answers the same before (SQL) and after (memory) the load."""
    before = {}
    for query in QUERIES:
        background.forget_maps(db)  # no use counted yet: scored in SQL
        before[query] = queries.bm25_candidates(db, query, 50)
    before_filtered = queries.bm25_candidates(db, "connection", 50, ["h11"])
    load = postings.postings_of(db)
    assert not load.started, "one or two searches never load the postings"
    for _ in range(LOAD_AFTER_SEARCHES):
        load.value()
    load.wait()
    assert load.loaded
    for query, expected in before.items():
        got = queries.bm25_candidates(db, query, 50)
        assert [p for p, _ in got] == [p for p, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-12)
    assert [p for p, _ in queries.bm25_candidates(db, "connection", 50, ["h11"])] == [
        p for p, _ in before_filtered
    ]
    assert any(before.values())


def test_python_stems_match_the_fts_extension(db):
    """ASCII queries are stemmed in Python (snowballstemmer's porter); the terms must be
    the fts extension's own for every eval question and for punctuation, digits, code
    names and odd whitespace."""
    import json

    questions = [
        json.loads(line)["question"]
        for name in ("questions.jsonl", "multihop.jsonl")
        for line in (Path(__file__).parents[2] / "data" / "eval" / name).read_text().splitlines()
        if line.strip()
    ]
    odd = [
        "read_csv DataFrame.group_by __init__ x2 utf-8 'quoted' \"double\" `tick`",
        "tab\tnew\nline\rcr\fff\vvertical  spaces \x1cfile-sep",
        "C++ & a|b ~tilde back\\slash a/b {x} [y] (z) 3.14 e=mc2 50% $var @dec #tag",
        "running runs ran generously agreed feed caresses ponies",
        "",
        "   ",
        "Größe café naïve",  # non-ASCII: DuckDB's to stem
    ]
    assert len(questions) > 300
    for query in [*questions, *odd]:
        rows = db.rows(f"SELECT DISTINCT stem(unnest({bm25.FTS}.tokenize(?)), 'porter')", [query])
        expected = {r[0] for r in rows if r[0]}
        got = postings.query_stems(db, query)
        assert len(got) == len(set(got)), query
        assert set(got) == expected, query

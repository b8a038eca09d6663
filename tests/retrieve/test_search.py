"""The three search modes find the right entity for real questions on a real index."""

from __future__ import annotations

import pytest

from workbench.errors import QueryError
from workbench.retrieve.levers import Levers

QUESTIONS = [
    # (question, expected public path, modes that must have it in their top 5)
    ("encode a unicode domain name to its ASCII form", "idna.encode", ("bm25", "vector", "hybrid")),
    (
        "the start of an HTTP request with method, target and headers",
        "h11.Request",
        ("bm25", "vector", "hybrid"),
    ),
    ("retry a download when the network fails", "wbfixture.Client.fetch", ("vector", "hybrid")),
    ("standard deviation of numbers", "wbfixture.numpy_style", ("bm25", "vector", "hybrid")),
    ("wrap prose to a maximum line width", "wbfixture.sphinx_style", ("bm25", "vector", "hybrid")),
]


@pytest.mark.parametrize(("question", "expected", "modes"), QUESTIONS)
def test_modes_find_the_expected_entity(wb, question, expected, modes):
    for mode in modes:
        paths = [h.path for h in wb.search(question, 5, mode=mode)]
        assert expected in paths, f"{mode}: {paths}"


@pytest.mark.parametrize("query", ["read_csv", "read csv", "wbfixture.read_csv"])
def test_identifier_and_words_both_hit(wb, query):
    hits = wb.search(query, 3, mode="bm25")
    assert hits[0].path == "wbfixture.read_csv"


def test_camel_case_words_hit_camel_case_names(wb):
    hits = wb.search("read timeout error", 3, mode="bm25")
    assert hits[0].path == "wbfixture.ReadTimeoutError"
    assert wb.search("ReadTimeoutError", 1, mode="bm25")[0].path == "wbfixture.ReadTimeoutError"


def test_hybrid_explains_its_score(wb):
    hit = wb.search("read_csv", 1, levers=Levers(learned_ranker=False))[0]
    assert hit.path == "wbfixture.read_csv"
    ex = hit.explain
    assert ex["name_boost"] > 0 and ex["public_boost"] > 0
    parts = ex["rrf"] + ex["member_support"] + ex["name_boost"] + ex["public_boost"] + ex["graph_prior"]
    assert hit.score == pytest.approx(parts, abs=1e-6)


def test_a_class_collects_support_from_its_matching_members(wb):
    # "release pooled connections" matches Client.close; Client gets a share of it
    hits = {h.path: h for h in wb.search("release every pooled connection and download bodies", 20)}
    assert "wbfixture.Client.close" in hits and "wbfixture.Client" in hits
    assert hits["wbfixture.Client"].explain["member_support"] > 0
    assert hits["wbfixture.Client.close"].explain["member_support"] == 0
    classes_only = wb.search("release every pooled connection", 5, kinds=["method"])
    assert all(h.kind == "method" for h in classes_only)


def test_results_show_the_public_path_once(wb):
    hits = wb.search("HTTP client with connection pooling", 10)
    paths = [h.path for h in hits]
    assert "wbfixture.Client" in paths
    assert "wbfixture._core.Client" not in paths
    assert len(paths) == len(set(paths))


def test_filters_by_library_and_kind(wb):
    hits = wb.search("connection", 10, libraries=["h11"], kinds=["class"])
    assert hits and all(h.library == "h11" and h.kind == "class" for h in hits)
    vector_hits = wb.search("connection", 10, mode="vector", libraries=["idna"])
    assert vector_hits and all(h.library == "idna" for h in vector_hits)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "   "}, "empty query"),
        ({"query": "x" * 5000}, "too long"),
        ({"query": "x", "libraries": ["nope"]}, "not in the index"),
        ({"query": "x", "kinds": ["widget"]}, "unknown kind"),
        ({"query": "x", "mode": "magic"}, "unknown mode"),
    ],
)
def test_bad_queries_raise_clear_errors(wb, kwargs, message):
    with pytest.raises(QueryError, match=message):
        wb.search(**kwargs)


def test_show_resolves_public_and_definition_paths(wb):
    by_public = wb.show("wbfixture.Client")
    by_definition = wb.show("wbfixture._core.Client")
    assert by_public.entity.path == by_definition.entity.path == "wbfixture._core.Client"
    assert "wbfixture.Client" in by_public.entity.aliases
    assert {"fetch", "close"} <= {name for name, _, _ in by_public.members}
    assert wb.show("h11.Connection").entity.path == "h11._connection.Connection"


def test_file_without_bm25_index_degrades_to_vectors(built_db, tmp_path, embedder):
    import shutil

    from workbench import Workbench
    from workbench.store.database import Database

    path = tmp_path / "no_bm25.duckdb"
    shutil.copy(built_db, path)
    with Database(path, read_only=False) as db, db.transaction() as conn:
        conn.execute("DROP TABLE bm25_postings")
    with Workbench(path, embedder=embedder) as bench:
        hits = bench.search("encode a unicode domain name", 3)
        assert hits[0].path == "idna.encode" and hits[0].explain["bm25_rank"] is None
        with pytest.raises(QueryError, match="no BM25 index"):
            bench.search("encode", mode="bm25")

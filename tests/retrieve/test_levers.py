"""Query understanding (a named library, filler words) and the graph prior, on their own and
in hybrid search over the real test index."""

from __future__ import annotations

import pytest

from workbench.retrieve.levers import NO_LEVERS, Levers, graph_prior
from workbench.retrieve.understand import bm25_text, named_libraries

KNOWN = frozenset({"httpx", "httpcore", "polars", "click", "rich", "huggingface_hub", "yaml"})


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("set a pool timeout with httpcore", ("httpcore",)),
        ("how do I explode a list column in Polars?", ("polars",)),
        ("convert a polars frame for httpx", ("polars", "httpx")),
        ("download a file from the Hugging Face Hub", ("huggingface_hub",)),
        ("load a config with PyYAML", ("yaml",)),
        ("prompt for a yes/no confirmation in click", ("click",)),
        ("what does click.confirm return", ("click",)),
    ],
)
def test_a_library_the_query_names_is_found(query, named):
    assert named_libraries(query, KNOWN) == named


@pytest.mark.parametrize(
    "query",
    ["click a button in the terminal app", "print rich text with colours", "httpxyz client", "polarsish"],
)
def test_words_that_only_look_like_library_names_are_not(query):
    assert named_libraries(query, KNOWN) == ()


def test_a_library_that_is_not_indexed_is_not_named():
    assert named_libraries("read a csv with pandas", KNOWN) == ()


def test_filler_leaves_the_bm25_query_but_identifiers_stay():
    assert bm25_text("Is there a way to split a string on whitespace?") == "split string on whitespace?"
    assert bm25_text("how do I call read_csv in python") == "call read_csv in"
    assert bm25_text("how do I") == "how do I"  # nothing left: the query as typed


def test_the_graph_prior_grows_with_in_degree_and_saturates():
    values = [graph_prior(n, 0.01) for n in (0, 1, 10, 100, 200, 10_000)]
    assert values[0] == 0.0 and values == sorted(values) and values[-1] == values[-2] == 0.01
    assert graph_prior(50, 0.0) == 0.0


def test_each_lever_can_be_switched_off_alone():
    levers = Levers()
    assert levers.without("graph_prior").graph_prior == 0.0
    assert levers.without("named_library") == Levers(named_library=False)
    assert Levers(named_library=False, filler_words=False, graph_prior=0.0, learned_ranker=False) == NO_LEVERS


def test_a_named_library_keeps_the_hits_inside_it(wb):
    question = "encode a name to bytes"
    anywhere = {h.library for h in wb.search(question, 10, levers=NO_LEVERS)}
    assert len(anywhere) > 1
    named = wb.search(f"{question} with idna", 10)
    assert named and {h.library for h in named} == {"idna"}
    assert named[0].explain["named_libraries"] == ["idna"]


def test_the_caller_s_library_filter_wins_over_the_named_one(wb):
    hits = wb.search("encode a name with idna", 5, libraries=["h11"])
    assert hits and {h.library for h in hits} == {"h11"}


def test_explain_carries_the_graph_prior(wb):
    hits = wb.search("connection to an HTTP server", 10)
    assert all("graph_prior" in h.explain and "in_degree" in h.explain for h in hits)
    pointed_at = [h for h in hits if h.explain["in_degree"] > 0]
    assert pointed_at and all(h.explain["graph_prior"] > 0 for h in pointed_at)
    off = wb.search("connection to an HTTP server", 10, levers=Levers(graph_prior=0.0))
    assert all(h.explain["graph_prior"] == 0 for h in off)


def test_usage_from_the_loaded_map_equals_the_per_search_lookup(built_db, embedder):
    """From the second search the file's whole usage (in-degrees and the libraries that
    use each entity) and chunk -> entity maps load in the background; the hits, their
    scores and usage are the same before and after (bm25 mode too, whose chunks map to
    entities through the second)."""
    from workbench import Workbench
    from workbench.store import queries, signals

    questions = ["connection to an HTTP server", "raise an error when the pool is full"]
    with Workbench(built_db, embedder=embedder) as bench:
        before = [bench.search(q, 10) for q in questions]
        bm25_before = [h.path for h in bench.search(questions[1], 10, mode="bm25")]
        bench.settle(timeout=60)
        assert signals.usage_of(bench.db).loaded, "the usage map loaded"
        assert queries.chunk_owners_of(bench.db).loaded, "the chunk -> entity map loaded"
        bench.clear_caches()
        after = [bench.search(q, 10) for q in questions]
        assert [h.path for h in bench.search(questions[1], 10, mode="bm25")] == bm25_before
    usage = ("in_degree", "used_by_libraries", "doc_length", "library_size")
    for old, new in zip(before, after, strict=True):
        assert [(h.path, *(h.explain[k] for k in usage), h.score) for h in old] == [
            (h.path, *(h.explain[k] for k in usage), h.score) for h in new
        ]
    assert any(h.explain["in_degree"] > 0 for hits in after for h in hits)
    assert any(h.explain["used_by_libraries"] > 0 for hits in after for h in hits)


def test_bm25_and_vector_modes_stay_the_raw_retrievers(wb):
    hits = wb.search("encode a name with idna", 10, mode="bm25")
    assert "graph_prior" not in hits[0].explain


def test_explain_carries_what_the_ranker_knows_of_each_entity(wb):
    """Each hybrid hit's usage by other libraries, its class's in-degree (members), its
    docstring's length and its library's size, as the file says (counted here in SQL)."""
    from workbench.store.signals import PRIOR_RELATIONS

    hits = wb.search("parse a response from the server", 25)
    relations = ", ".join(f"'{r}'" for r in PRIOR_RELATIONS)
    sizes = dict(wb.db.rows("SELECT library, count(*) FROM entities GROUP BY library"))
    users = dict(
        wb.db.rows(
            f"""SELECT e.dst, count(DISTINCT e.library) FROM graph_edges e JOIN entities d ON d.path = e.dst
            WHERE e.relation IN ({relations}) AND e.library <> d.library GROUP BY e.dst"""
        )
    )
    degrees = dict(
        wb.db.rows(f"SELECT dst, count(*) FROM graph_edges WHERE relation IN ({relations}) GROUP BY dst")
    )
    for hit in hits:
        entity = wb.show(hit.definition_path).entity
        assert hit.explain["doc_length"] == len(entity.docstring or "")
        assert hit.explain["library_size"] == sizes[hit.library]
        assert hit.explain["used_by_libraries"] == users.get(hit.definition_path, 0)
        if hit.kind in ("method", "property"):
            assert hit.explain["parent_in_degree"] == degrees.get(entity.parent_path, 0)
    # wbfixture's `parse_reply` returns h11's `Response`: used by one library besides h11
    response = [h for h in hits if h.definition_path == "h11._events.Response"]
    assert response and response[0].explain["used_by_libraries"] == 1
    assert any(h.explain.get("parent_in_degree", 0) > 0 for h in hits)

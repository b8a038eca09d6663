"""One contract, two twins: every test runs on the local `Workbench` and on the
`RemoteWorkbench` talking to a real `workbench serve` on loopback, and the twins must
return equal dataclasses and raise the same errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from workbench.errors import EntityNotFoundError, QueryError
from workbench.model import Answer, EntityDetail, GraphEdge, GraphPath, Hit, LibraryInfo, Subgraph
from workbench.protocol import WorkbenchReader


@pytest.fixture(scope="module")
def local(built_db: Path, embedder) -> Iterator[WorkbenchReader]:
    from workbench import Workbench

    with Workbench(built_db, embedder=embedder) as wb:
        yield wb


@pytest.fixture(params=["local", "remote"])
def reader(request: pytest.FixtureRequest) -> WorkbenchReader:
    return request.getfixturevalue(request.param)


def _timeless(answer: Answer) -> Answer:
    """An answer without its timings (they differ between any two runs)."""
    return replace(answer, seconds=0.0, results=[replace(r, seconds=0.0) for r in answer.results])


def test_both_twins_are_workbench_readers(reader):
    assert isinstance(reader, WorkbenchReader)


def test_search_returns_ranked_hits_with_explain(reader):
    hits = reader.search("read timeout", 5)
    assert 1 <= len(hits) <= 5 and all(isinstance(h, Hit) for h in hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert "rrf" in hits[0].explain
    assert "wbfixture.ReadTimeoutError" in [h.path for h in hits]


def test_search_filters_by_library_kind_and_mode(reader):
    hits = reader.search("connection", 10, mode="bm25", libraries=["h11"], kinds=["class"])
    assert hits and {h.library for h in hits} == {"h11"} and {h.kind for h in hits} == {"class"}


@pytest.mark.parametrize(
    ("query", "k", "mode", "libraries", "message"),
    [
        ("", 5, "hybrid", None, "empty query"),
        ("x" * 2001, 5, "hybrid", None, "too long"),
        ("timeout", 0, "hybrid", None, "k must be"),
        ("timeout", 5, "fuzzy", None, "unknown mode"),
        ("timeout", 5, "hybrid", ["nolib"], "not in the index"),
    ],
)
def test_bad_searches_raise_query_error(reader, query, k, mode, libraries, message):
    with pytest.raises(QueryError, match=message):
        reader.search(query, k, mode=mode, libraries=libraries)


def test_show_returns_the_entity_and_its_members(reader):
    detail = reader.show("h11.Connection")
    assert isinstance(detail, EntityDetail)
    assert detail.entity.public_path == "h11.Connection" and detail.entity.kind == "class"
    assert any(name == "send" for name, _, _ in detail.members)


def test_show_unknown_raises_entity_not_found(reader):
    with pytest.raises(EntityNotFoundError, match=r"wbfixture\.Nope"):
        reader.show("wbfixture.Nope")
    with pytest.raises(QueryError):
        reader.show("  ")


def test_resolve(reader):
    assert reader.resolve("h11.Connection") == "h11._connection.Connection"
    assert reader.resolve("h11.NoSuchThing") is None


def test_graph_reads(reader):
    edges = reader.neighbors("wbfixture.TransportError", ["inherits"], "in")
    assert edges and all(isinstance(e, GraphEdge) and e.relation == "inherits" for e in edges)
    sub = reader.subgraph("wbfixture.TransportError", 2, ["inherits"], "in")
    assert isinstance(sub, Subgraph) and len(sub.nodes) > 1 and sub.depth[sub.root] == 0
    found = reader.paths("wbfixture.ConnectionPool.acquire", "wbfixture.TransportError")
    assert found and all(isinstance(p, GraphPath) for p in found)
    assert found[0].nodes[0].endswith("acquire") and found[0].nodes[-1].endswith("TransportError")


def test_graph_unknown_node_raises_entity_not_found(reader):
    with pytest.raises(EntityNotFoundError):
        reader.neighbors("wbfixture.Nope")


def test_ask_returns_a_planned_answer_with_paths(reader):
    answer = reader.ask("what raises PoolTimeout", k=3)
    assert isinstance(answer, Answer) and answer.plan.steps and answer.items
    assert all(0.0 <= item.confidence <= 1.0 for item in answer.items)
    assert any(item.paths for item in answer.items)


def test_ask_empty_question_raises_query_error(reader):
    with pytest.raises(QueryError):
        reader.ask("   ")


def test_libraries_counts_and_status(reader):
    libs = reader.libraries()
    assert {lib.name for lib in libs} == {"h11", "idna", "wbfixture"}
    assert all(isinstance(lib, LibraryInfo) for lib in libs)
    assert reader.counts()["libraries"] == 3
    assert reader.index_status()["hnsw"] is True


def test_feedback_resolves_the_path_and_checks_the_verdict(reader):
    assert reader.feedback("read timeout", "wbfixture.ReadTimeoutError", "good") == (
        "wbfixture._core.ReadTimeoutError"
    )
    with pytest.raises(QueryError, match="good or bad"):
        reader.feedback("read timeout", "wbfixture.ReadTimeoutError", "meh")
    with pytest.raises(EntityNotFoundError):
        reader.feedback("read timeout", "wbfixture.Nope", "bad")


def test_suggestions_are_counted(reader):
    before = dict((name, count) for name, count, _ in reader.suggestions())
    assert reader.suggest("contractlib", "for the contract test") == before.get("contractlib", 0) + 1
    after = {name: (count, reasons) for name, count, reasons in reader.suggestions()}
    assert "for the contract test" in after["contractlib"][1]


# -- the twins agree exactly -----------------------------------------------------------


def test_twins_return_equal_results(local, remote):
    for mode in ("hybrid", "vector", "bm25"):
        assert remote.search("send a request and read the response", 10, mode=mode) == local.search(
            "send a request and read the response", 10, mode=mode
        )
    assert remote.show("wbfixture.ConnectionPool") == local.show("wbfixture.ConnectionPool")
    assert remote.subgraph("wbfixture.TransportError", 2) == local.subgraph("wbfixture.TransportError", 2)
    assert remote.paths("wbfixture.ConnectionPool.acquire", "wbfixture.TransportError") == local.paths(
        "wbfixture.ConnectionPool.acquire", "wbfixture.TransportError"
    )
    assert remote.libraries() == local.libraries()
    assert remote.counts() == local.counts() and remote.index_status() == local.index_status()


def test_twins_answer_alike(local, remote):
    question = "which exception does ConnectionPool.acquire raise, and what is its base class"
    assert _timeless(remote.ask(question, 3)) == _timeless(local.ask(question, 3))


def test_the_twins_have_the_protocols_signatures():
    """Both twins take the protocol's parameters in its order and kinds; the remote twin
    takes exactly the local one's defaults (the local one may add optional knobs)."""
    import inspect

    from workbench.client import RemoteWorkbench
    from workbench.facade import Workbench

    names = [n for n, v in vars(WorkbenchReader).items() if callable(v) and not n.startswith("_")]
    assert {"search", "show", "ask", "neighbors", "paths", "libraries", "feedback"} <= set(names)
    for name in names:
        wanted = inspect.signature(getattr(WorkbenchReader, name)).parameters
        local = inspect.signature(getattr(Workbench, name)).parameters
        remote = inspect.signature(getattr(RemoteWorkbench, name)).parameters
        assert list(remote) == list(wanted), name
        assert [n for n in local if n in wanted] == list(wanted), name
        assert all(p.default is not p.empty for n, p in local.items() if n not in wanted), name
        for param in wanted:
            assert remote[param].kind == local[param].kind == wanted[param].kind, (name, param)
            assert remote[param].default == local[param].default, (name, param)
        assert inspect.signature(getattr(RemoteWorkbench, name)).return_annotation == (
            inspect.signature(getattr(WorkbenchReader, name)).return_annotation
        ), name

"""The graph on a real small index: resolution across libraries, stubs, walks and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import EntityNotFoundError, QueryError, StoreError
from workbench.graph.backend import (
    PgqBackend,
    SqlBackend,
    create_property_graph,
    duckpgq_available,
    open_backend,
)
from workbench.model import RELATIONS

POOL = "wbfixture.pool"


def test_edges_resolve_across_libraries(wb):
    out = {(e.relation, e.dst) for e in wb.neighbors("wbfixture.pool.ProtocolFailure", direction="out")}
    # written as `h11.RemoteProtocolError` (a re-export), resolved to h11's definition
    assert ("inherits", "h11._util.RemoteProtocolError") in out
    assert wb.graph.nodes(["h11._util.RemoteProtocolError"])["h11._util.RemoteProtocolError"].is_stub is False


def test_types_no_library_defines_are_stub_nodes(wb):
    node = wb.graph.nodes(["builtins.Exception"])["builtins.Exception"]
    assert node.is_stub and node.kind == "external"
    raisers = {e.src for e in wb.neighbors("builtins.ValueError", ["raises"], "in")}
    assert {"wbfixture.styles.numpy_style", "wbfixture.styles.sphinx_style"} <= raisers


def test_neighbors_follow_direction_and_relation(wb):
    out = wb.neighbors("wbfixture.ConnectionPool.acquire", ["raises"], "out")
    assert [(e.src, e.dst) for e in out] == [(f"{POOL}.ConnectionPool.acquire", f"{POOL}.PoolTimeout")]
    incoming = wb.neighbors("wbfixture.PoolTimeout", ["raises"], "in")
    assert [e.src for e in incoming] == [f"{POOL}.ConnectionPool.acquire"]
    members = {e.src for e in wb.neighbors("wbfixture.ConnectionPool", ["member_of"], "in")}
    assert f"{POOL}.ConnectionPool.acquire" in members
    assert all(e.relation == "member_of" for e in wb.neighbors("wbfixture.ConnectionPool", ["member_of"]))


def test_subgraph_records_the_hop_of_each_node(wb):
    sub = wb.subgraph("wbfixture.ConnectionPool.acquire", 2, ["raises", "inherits"], "out")
    assert sub.depth[f"{POOL}.PoolTimeout"] == 1
    assert sub.depth["wbfixture._core.TransportError"] == 2
    assert "builtins.Exception" not in sub.depth  # three hops away
    assert not sub.truncated
    small = wb.subgraph("wbfixture", 1, max_nodes=3)
    assert small.truncated and len(small.nodes) == 3


def test_shortest_paths_between_two_nodes(wb):
    paths = wb.paths("wbfixture.ConnectionPool.acquire", "wbfixture.TransportError", 3)
    assert paths and all(p.hops == 2 for p in paths)
    best = paths[0]
    assert best.nodes == [
        f"{POOL}.ConnectionPool.acquire",
        f"{POOL}.PoolTimeout",
        "wbfixture._core.TransportError",
    ]
    assert [e.relation for e in best.edges] == ["raises", "inherits"]
    # across libraries, walking edges against their direction too
    cross = wb.paths("wbfixture.pool.ProtocolFailure", "h11.LocalProtocolError", 3)
    assert cross and cross[0].nodes[-1] == "h11._util.LocalProtocolError"
    for path in cross:
        for i, edge in enumerate(path.edges):
            assert {edge.src, edge.dst} == {path.nodes[i], path.nodes[i + 1]}


def test_no_path_within_the_hop_limit(wb):
    assert wb.paths("wbfixture.ConnectionPool.acquire", "wbfixture.TransportError", 1) == []
    assert wb.paths("wbfixture.Client", "wbfixture.Client")[0].hops == 0


def test_bad_graph_input_is_a_clear_error(wb):
    with pytest.raises(QueryError, match="unknown relation"):
        wb.neighbors("wbfixture.Client", ["friends_with"])
    with pytest.raises(QueryError, match="direction"):
        wb.neighbors("wbfixture.Client", direction="sideways")
    with pytest.raises(QueryError, match="hops"):
        wb.subgraph("wbfixture.Client", 9)
    with pytest.raises(EntityNotFoundError, match="did you mean"):
        wb.neighbors("wbfixture.Clinet")


def test_graph_size_counts_every_relation(wb):
    size = dict(wb.graph_size())
    for relation in RELATIONS:
        assert size[relation] > 0, relation
    assert size["nodes"] > size["stub nodes"] > 0


def test_adding_a_library_later_fills_in_its_stubs(tmp_path: Path, embedder):
    from workbench import Workbench

    with Workbench(tmp_path / "g.duckdb", read_only=False, embedder=embedder) as wb:
        wb.ingest(["wbfixture"])
        out = {e.dst for e in wb.neighbors("wbfixture.pool.ProtocolFailure", ["inherits"], "out")}
        assert out == {"h11.RemoteProtocolError"}
        assert wb.graph.nodes(out)["h11.RemoteProtocolError"].is_stub
        wb.ingest(["h11"])
        out = {e.dst for e in wb.neighbors("wbfixture.pool.ProtocolFailure", ["inherits"], "out")}
        assert out == {"h11._util.RemoteProtocolError"}
        assert not wb.graph.nodes(out)["h11._util.RemoteProtocolError"].is_stub


def test_read_only_file_without_graph_says_what_to_do(tmp_path: Path, built_db: Path, embedder):
    import shutil

    from workbench import Workbench
    from workbench.store.database import Database

    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_db, copy)
    with Database(copy, read_only=False) as db, db.transaction() as conn:
        db.set_meta("graph_dirty", "1", conn)
    with Workbench(copy, embedder=embedder) as wb, pytest.raises(StoreError, match="workbench ingest"):
        wb.neighbors("wbfixture.Client")
    with Workbench(copy, read_only=False, embedder=embedder) as wb:  # a writer rebuilds it
        assert wb.neighbors("wbfixture.Client")


def test_sql_backend_is_the_default_even_where_duckpgq_loads(wb, monkeypatch):
    """Chosen by speed (12 ms against 111 ms a hop on the default index), not by what loads."""
    monkeypatch.delenv("WORKBENCH_GRAPH_BACKEND", raising=False)
    assert isinstance(wb.graph.backend, SqlBackend)
    assert isinstance(open_backend(wb.db), SqlBackend)


def test_graph_backend_is_chosen_by_setting(wb, monkeypatch):
    monkeypatch.setenv("WORKBENCH_GRAPH_BACKEND", "bogus")
    with pytest.raises(StoreError, match="unknown graph backend 'bogus'"):
        open_backend(wb.db)
    monkeypatch.setenv("WORKBENCH_GRAPH_BACKEND", "duckpgq")
    if duckpgq_available(wb.db):
        assert isinstance(open_backend(wb.db), PgqBackend)
    else:
        with pytest.raises(StoreError, match="unset WORKBENCH_GRAPH_BACKEND"):
            open_backend(wb.db)


def test_duckpgq_and_sql_return_the_same_rows(wb):
    if not duckpgq_available(wb.db):
        pytest.skip("the duckpgq community extension is not installed here (no network)")
    create_property_graph(wb.db)
    sql, pgq = SqlBackend(wb.db), PgqBackend(wb.db)
    for frontier in (
        {f"{POOL}.ConnectionPool.acquire"},
        {"wbfixture._core.TransportError", "h11._util.ProtocolError"},
    ):
        for direction in ("out", "in", "both"):
            for relations in ((), ("raises",), ("inherits", "member_of")):
                assert sql.hop(frontier, relations, direction) == pgq.hop(frontier, relations, direction)

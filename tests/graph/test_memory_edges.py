"""Hops from the edges in memory (`graph.memory`) return the SQL's rows, for every node
of the fixture graph, direction and relation filter; a reader switches to them only
after more hops than one-off commands make, and `ask` answers the same either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.graph import memory
from workbench.graph.backend import SqlBackend
from workbench.store import background
from workbench.store.database import Database

RELATION_SETS = ((), ("raises",), ("inherits", "member_of"), ("calls", "returns", "accepts"))


@pytest.fixture
def db(built_db: Path):
    opened = Database(built_db)
    yield opened
    opened.close()


def sql_hop(db: Database, frontier: set[str], relations: tuple[str, ...], direction: str):
    background.forget_maps(db)  # no load counted yet: the hop runs in SQL
    return SqlBackend(db).hop(frontier, relations, direction)


def test_every_hop_equals_sql(db):
    """Single nodes (each of them), a mixed frontier and unknown nodes, all ways."""
    edges = memory.MemoryEdges(db)
    nodes = sorted(r[0] for r in db.rows("SELECT path FROM graph_nodes"))
    assert len(nodes) > 100
    frontiers = [{n} for n in nodes[::7]] + [set(nodes[::25]), {"no.such.node"}, {nodes[0], "no.such.node"}]
    compared = 0
    for frontier in frontiers:
        for direction in ("out", "in", "both"):
            for relations in RELATION_SETS:
                expected = sql_hop(db, frontier, relations, direction)
                assert edges.hop(frontier, relations, direction) == expected, (frontier, relations, direction)
                compared += bool(expected)
    assert compared > 100


def test_a_reader_switches_after_many_hops_only(db):
    """A one-off `ask` (fewer hops than LOAD_AFTER_HOPS) never starts the load."""
    backend = SqlBackend(db)
    frontier = {"wbfixture.pool.ProtocolFailure"}
    expected = backend.hop(frontier, (), "both")
    for _ in range(memory.LOAD_AFTER_HOPS - 2):
        backend.hop(frontier, (), "both")
    assert not memory.edges_of(db).started
    backend.hop(frontier, (), "both")
    memory.edges_of(db).wait()
    assert memory.edges_of(db).loaded
    assert backend.hop(frontier, (), "both") == expected


def test_ask_answers_the_same_with_edges_in_memory(wb):
    """Walk answers and their paths are the same before and after the load."""
    question = "which exception does h11 raise on a protocol error, and what is its base class"
    background.forget_maps(wb.db)
    before = wb.multi_hop(question, 5)
    for _ in range(memory.LOAD_AFTER_HOPS):
        memory.edges_of(wb.db).value()
    memory.edges_of(wb.db).wait()
    assert memory.edges_of(wb.db).loaded
    wb.clear_caches()
    after = wb.multi_hop(question, 5)
    assert [(i.path, i.score, i.paths) for i in after.items] == [
        (i.path, i.score, i.paths) for i in before.items
    ]
    assert before.items


def test_nodes_equal_sql(db):
    """Every node of the graph, and unknown paths, read from memory as from the table."""
    from workbench.graph.walk import Graph

    nodes = [r[0] for r in db.rows("SELECT path FROM graph_nodes")] + ["no.such.node", "builtins.Nope"]
    background.forget_maps(db)
    expected = Graph(db).nodes(nodes)
    loaded = memory.edges_of(db)
    for _ in range(memory.LOAD_AFTER_HOPS):
        loaded.value()
    loaded.wait()
    assert loaded.loaded
    found, rest = loaded.peek().nodes(nodes)
    assert len(found) > 100 and "no.such.node" in rest
    assert Graph(db).nodes(nodes) == expected
    assert any(node.is_stub for node in expected.values())

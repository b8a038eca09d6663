"""Multi-hop retrieval on the small index: walks, paths as evidence, skipping a hop."""

from __future__ import annotations

import pytest

from workbench.model import GraphEdge, GraphPath
from workbench.retrieve.multihop import path_is_valid

POOL = "wbfixture.pool"


def test_two_hop_question_reaches_the_answer_with_its_path(wb):
    result = wb.multi_hop(
        "which exception can acquiring a pooled connection raise, and what is its base class", 5
    )
    assert [h.relation for h in result.chain] == ["raises", "inherits"]
    top = result.items[0]
    assert top.path == "wbfixture._core.TransportError"
    assert top.paths[0].nodes == [
        f"{POOL}.ConnectionPool.acquire",
        f"{POOL}.PoolTimeout",
        "wbfixture._core.TransportError",
    ]
    assert path_is_valid(wb.graph, top.paths[0])
    assert 0 < top.confidence < 1


def test_member_hop_ranks_members_by_the_question(wb):
    result = wb.multi_hop(
        "what does ConnectionPool.acquire return, and which method runs the TLS handshake", 3
    )
    assert result.items[0].path == f"{POOL}.SecureConnection.handshake"
    assert [e.relation for e in result.items[0].paths[0].edges] == ["returns", "member_of"]


def test_cross_library_hop(wb):
    result = wb.multi_hop("what is the base class of the error raised by ConnectionPool.parse_reply", 5)
    assert "h11._util.RemoteProtocolError" in [i.path for i in result.items]


def test_question_without_relations_is_plain_search(wb):
    result = wb.multi_hop("wrap a paragraph of prose to a width", 3)
    assert result.chain == []
    assert result.items[0].path == "wbfixture.styles.sphinx_style"
    assert result.items[0].via == "search" and result.items[0].paths[0].edges == []


def test_invented_paths_are_not_valid(wb):
    real = wb.neighbors("wbfixture.ConnectionPool.acquire", ["raises"], "out")[0]
    assert path_is_valid(wb.graph, GraphPath([real.src, real.dst], [real]))
    fake = GraphEdge(real.src, "wbfixture._core.Client", "raises", "docstring", 0.9)
    assert not path_is_valid(wb.graph, GraphPath([real.src, fake.dst], [fake]))
    assert not path_is_valid(wb.graph, GraphPath([real.dst, real.src], [real, real]))


def test_chunk_vectors_load_beside_the_walks_and_change_no_answer(built_db, embedder):
    """From the third walk, chunk embeddings load on a thread of their own (no walk waits
    for them); answers ranked by the in-memory matrix equal those ranked by queries."""
    from workbench import Workbench

    question = "which exception does the pool's acquire raise, and what is its base class"
    with Workbench(built_db, embedder=embedder) as bench:
        by_query = [bench.multi_hop(question, 5) for _ in range(3)]
        assert bench._vectors_load().started, "the third walk starts the load"
        bench.settle(timeout=60)
        vectors = bench._vectors_load().value()
        assert vectors is not None and vectors.matrix.shape[1] == embedder.dimension
        by_matrix = bench.multi_hop(question, 5)
    assert by_matrix.items and by_matrix.items[0].path == by_query[0].items[0].path
    assert [(a.path, round(a.score, 4)) for a in by_matrix.items] == [
        (a.path, round(a.score, 4)) for a in by_query[0].items
    ]


def test_a_walk_may_come_back_to_its_seed_but_to_no_other_node(wb):
    """The seed is what search found, not a step already taken: a method that returns
    its own class (`Response.raise_for_status` returns the response) may be reached again
    as a member of that class, and walked on from there. No other node is revisited."""
    from workbench.retrieve import multihop
    from workbench.retrieve.intents import Hop

    acquire = f"{POOL}.ConnectionPool.acquire"
    seed = next(h for h in wb.search("ConnectionPool.acquire", 5) if h.definition_path == acquire)
    chain = [Hop("member_of", "out"), Hop("member_of", "in", "acquire a connection"), Hop("raises")]
    result = multihop.multi_hop(
        wb.db,
        wb.embedder,
        wb.graph,
        "acquire a connection, what does it raise",
        k=10,
        chain=chain,
        seeds=[seed],
    )
    answer = next(i for i in result.items if i.path == f"{POOL}.PoolTimeout")
    assert answer.paths[0].nodes == [acquire, f"{POOL}.ConnectionPool", acquire, f"{POOL}.PoolTimeout"]
    assert path_is_valid(wb.graph, answer.paths[0])
    for item in result.items:
        for path in item.paths:
            assert len(set(path.nodes[1:])) == len(path.nodes[1:]), path.nodes


def test_a_hop_ranks_a_node_by_its_closest_text_chunk_or_card(wb, monkeypatch):
    """A reached node is as close to the question as the closest of its chunks and its
    card: a card far closer than its chunks lifts a member, cards farther away than the
    chunks leave the best answer first."""
    from workbench.retrieve import multihop

    question = "what does ConnectionPool.acquire return, and which method runs the TLS handshake"
    handshake = f"{POOL}.SecureConnection.handshake"
    before = {i.path: i.score for i in wb.multi_hop(question, 10).items}
    assert next(iter(before)) == handshake
    other = next(p for p in before if p != handshake and p.startswith(f"{POOL}.SecureConnection."))
    real = multihop.cards.card_similarities

    def closer_card(db, paths, vector):
        found = real(db, paths, vector)
        return {**found, other: 1.0} if other in paths else found

    monkeypatch.setattr(multihop.cards, "card_similarities", closer_card)
    wb.clear_caches()
    lifted = {i.path: i.score for i in wb.multi_hop(question, 10).items}
    assert lifted[other] > before[other] * 1.2
    assert lifted[handshake] == pytest.approx(before[handshake])

    def farther_cards(db, paths, vector):
        return {path: -1.0 for path in paths}

    monkeypatch.setattr(multihop.cards, "card_similarities", farther_cards)
    wb.clear_caches()
    kept = {i.path: i.score for i in wb.multi_hop(question, 10).items}
    # the handshake keeps its place; its path only loses what the cards had added on the way
    assert next(iter(kept)) == handshake and kept[handshake] <= before[handshake] + 1e-12

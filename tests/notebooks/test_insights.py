"""The facade's aggregates the notebooks draw: degree histogram, hubs, documentation
quality of indexed libraries, the feedback log."""

from __future__ import annotations

import pytest

from workbench.errors import QueryError


def test_degree_histogram_adds_up_to_the_graph_size(wb):
    """Summing degree x nodes per relation gives that relation's edge count, both ways."""
    sizes = dict(wb.graph_size())
    for direction in ("in", "out"):
        totals: dict[str, int] = {}
        for relation, degree, nodes in wb.degree_histogram(direction):
            assert degree >= 1 and nodes >= 1
            totals[relation] = totals.get(relation, 0) + degree * nodes
        assert totals == {r: n for r, n in sizes.items() if r not in {"nodes", "stub nodes"}}


def test_hubs_are_the_most_connected_nodes_of_a_relation(wb):
    """The most raised exception of the small index is h11's LocalProtocolError; hubs come
    most edges first and a stub (builtins) keeps its path; a bad relation is refused."""
    raised = wb.hubs("raises", limit=5)
    assert raised[0][:2] == ("h11._util.LocalProtocolError", "h11.LocalProtocolError")
    degrees = [row[4] for row in raised]
    assert degrees == sorted(degrees, reverse=True) and len(raised) == 5
    assert any(path.startswith("builtins.") and kind == "external" for path, _, kind, _, _ in raised)
    assert wb.hubs("inherits", limit=1)[0][4] == max(
        d for r, d, _ in wb.degree_histogram("in") if r == "inherits"
    )
    with pytest.raises(QueryError, match="unknown relation"):
        wb.hubs("likes")


def test_doc_quality_of_indexed_libraries(wb):
    """Measured on the index: the fixture package documents every public callable."""
    quality = wb.doc_quality()
    assert set(quality) == {"h11", "idna", "wbfixture"}
    assert quality["wbfixture"].docstrings == 1.0 and quality["wbfixture"].objects > 10
    assert 0 < quality["h11"].docstrings < 1


def test_feedback_log_keeps_good_and_bad(index_copy, embedder):
    """Both verdicts are listed, oldest first, while feedback_cases keeps the good only."""
    from workbench import Workbench

    with Workbench(index_copy, embedder=embedder) as bench:
        bench.feedback("make a connection", "h11.Connection", "good")
        bench.feedback("make a connection", "idna.encode", "bad")
        log = bench.feedback_log()
        assert [(q, p, v) for q, p, v, _ in log] == [
            ("make a connection", "h11._connection.Connection", "good"),
            ("make a connection", "idna.core.encode", "bad"),
        ]
        assert [c.expected for c in bench.feedback_cases()] == [["h11._connection.Connection"]]

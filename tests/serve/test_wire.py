"""JSON <-> model dataclasses: what goes over the wire comes back equal, and a wrong shape
is refused rather than half-read."""

from __future__ import annotations

import json

import pytest

from workbench.model import (
    Answer,
    AnswerItem,
    EntityDetail,
    GraphEdge,
    GraphNode,
    GraphPath,
    Hit,
    Plan,
    PlanStep,
    StepResult,
    Subgraph,
)
from workbench.wire import from_wire, to_wire


def _roundtrip(value, kind):
    return from_wire(json.loads(json.dumps(to_wire(value))), kind)


def test_nested_dataclasses_come_back_equal():
    edge = GraphEdge("a.B", "a.C", "inherits", "structure", 0.1 + 0.2)
    path = GraphPath(["a.B", "a.C"], [edge])
    item = AnswerItem("a.B", "a.B", "class", "a", "s", 0.5, 0.25, "graph", [path])
    step = PlanStep("s1", "walk", "q", ["raises", "inherits<-"], [])
    answer = Answer(
        "q", Plan("q", "chain", [step]), [StepResult(step, "ok", 0.01, [item])], [item], False, 1.5
    )
    assert _roundtrip(answer, Answer) == answer
    sub = Subgraph("a.B", {"a.B": GraphNode("a.B", "a.B", "class", "a")}, [edge], {"a.B": 0}, True)
    assert _roundtrip(sub, Subgraph) == sub
    hit = Hit(1, "a.B", "a._b.B", "class", "a", 0.0321, "s", explain={"rrf": 0.1, "ranks": [1, None]})
    assert _roundtrip([hit], list[Hit]) == [hit]
    rows = [("httpx", 2, ["fast", "async"])]
    assert _roundtrip(rows, list[tuple[str, int, list[str]]]) == rows


def test_a_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="missing"):
        from_wire({"entity": {"path": "a"}}, EntityDetail)
    with pytest.raises(ValueError):
        from_wire([{"rank": "one"}], list[Hit])
    with pytest.raises(ValueError):
        from_wire({"nodes": "a", "edges": []}, GraphPath)

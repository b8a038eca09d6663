"""The planner: classification and decomposition, concurrent steps, degraded answers."""

from __future__ import annotations

import time

import pytest

from workbench.retrieve import planner

POOL = "wbfixture.pool"


@pytest.mark.parametrize(
    ("question", "kind", "steps"),
    [
        ("ConnectionPool vs Client", "comparison", [("a", "search"), ("b", "search"), ("link", "paths")]),
        ("what is the difference between read_csv and google_style?", "comparison", None),
        ("should I use Client or ConnectionPool", "comparison", None),
        (
            "open a secure connection then parse the reply",
            "chain",
            [("part1", "search"), ("part2", "search")],
        ),
        ("what raises PoolTimeout", "relationship", [("walk", "walk"), ("search", "search")]),
        (
            "which exception can acquire raise, and what is its base class",
            "chain",
            [("walk", "walk"), ("search", "search")],
        ),
        ("how do I wrap text to a width", "how-to", [("search", "search")]),
        ("wbfixture.read_csv", "lookup", [("search", "search")]),
    ],
)
def test_questions_are_classified_and_decomposed(question, kind, steps):
    plan = planner.plan(question)
    assert plan.kind == kind
    if steps is not None:
        assert [(s.id, s.kind) for s in plan.steps] == steps
    if kind == "comparison":
        sides = [s.query.lower() for s in plan.steps[:2]]
        assert all(sides) and sides[0] != sides[1]
        assert plan.steps[2].depends == ["a", "b"]


def test_walk_step_carries_the_relations():
    plan = planner.plan("which exception can acquire raise, and what is its base class")
    assert plan.steps[0].relations == ["raises", "inherits"]
    assert planner.plan("which functions raise ValueError").steps[0].relations == ["raises<-"]


def test_relationship_question_is_answered_through_the_graph(wb):
    answer = wb.ask("what raises PoolTimeout", 3)
    top = answer.items[0]
    assert top.path == f"{POOL}.ConnectionPool.acquire"
    assert top.via == "graph"
    assert [e.relation for e in top.paths[0].edges] == ["raises"]
    assert not answer.degraded
    assert {r.step.id: r.status for r in answer.results} == {"walk": "ok", "search": "ok"}


def test_comparison_returns_both_sides(wb):
    answer = wb.ask("ConnectionPool vs ReadTimeoutError", 4)
    paths = [i.path for i in answer.items]
    assert f"{POOL}.ConnectionPool" in paths and "wbfixture._core.ReadTimeoutError" in paths
    assert answer.results[2].step.kind == "paths"


def test_then_chain_answers_each_part(wb):
    answer = wb.ask("wrap a paragraph of prose then compute a standard deviation", 4)
    paths = [i.path for i in answer.items[:2]]
    assert paths == ["wbfixture.styles.sphinx_style", "wbfixture.styles.numpy_style"]


class _Failing:
    """The real workbench, but one kind of step breaks or hangs."""

    def __init__(self, wb, broken: str, hang: float = 0.0) -> None:
        self.wb, self.broken, self.hang = wb, broken, hang

    def search(self, query, k=10):
        if self.broken == "search":
            if self.hang:
                time.sleep(self.hang)
            else:
                raise RuntimeError("search index unavailable")
        return self.wb.search(query, k)

    def walk(self, question, hops, k):
        if self.broken == "walk":
            raise RuntimeError("graph unavailable")
        return self.wb.walk(question, hops, k)

    def paths(self, src, dst, max_hops=3):
        return self.wb.paths(src, dst, max_hops)


def test_a_failing_step_degrades_the_answer_but_does_not_fail_it(wb):
    plan = planner.plan("what raises PoolTimeout")
    answer = planner.Planner(_Failing(wb, "walk"), lambda s, r: 0.5, k=3).run(plan)
    assert answer.degraded
    status = {r.step.id: (r.status, r.message) for r in answer.results}
    assert status["walk"] == ("failed", "RuntimeError: graph unavailable")
    assert status["search"][0] == "ok" and answer.items  # search still answers
    answer = planner.Planner(_Failing(wb, "search"), lambda s, r: 0.5, k=3).run(plan)
    assert answer.degraded and answer.items[0].path == f"{POOL}.ConnectionPool.acquire"


def test_a_slow_step_times_out_and_the_answer_does_not_wait(wb):
    wb.embedder.load()
    plan = planner.plan("what raises PoolTimeout")
    started = time.perf_counter()
    answer = planner.Planner(_Failing(wb, "search", hang=3.0), lambda s, r: 0.5, k=3, timeout=0.8).run(plan)
    assert time.perf_counter() - started < 2.5
    status = {r.step.id: r.status for r in answer.results}
    assert status == {"walk": "ok", "search": "timeout"}
    assert answer.degraded and answer.items


def test_empty_steps_are_flagged(wb):
    plan = planner.plan("ConnectionPool vs ReadTimeoutError")
    plan.steps[1].query = "zzqx"  # matches nothing by words; vectors still return neighbours
    answer = planner.Planner(wb, lambda s, r: 0.5, k=3).run(plan)
    assert [r.step.id for r in answer.results] == ["a", "b", "link"]


def test_answer_json_lists_steps_and_paths(wb):
    payload = wb.ask("what raises PoolTimeout", 2).to_json()
    assert payload["kind"] == "relationship"
    assert [s["id"] for s in payload["steps"]] == ["walk", "search"]
    edges = payload["answer"][0]["paths"][0]["edges"]
    assert edges[0]["relation"] == "raises" and 0 <= payload["answer"][0]["confidence"] <= 1

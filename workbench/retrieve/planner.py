"""Query planner: classify a question, split it into sub-queries, run them concurrently
with a per-step timeout, and merge what they return.

Classes: `comparison` ("X vs Y", "difference between X and Y"), `relationship` (one
relation: "what inherits from Widget"), `chain` (several relations, or "A then B"),
`how-to` ("how do I ...") and `lookup` (anything else). A step that fails, times out or
finds nothing marks the answer `degraded`; the others still answer.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Protocol

from workbench.model import Answer, AnswerItem, GraphPath, Hit, Plan, PlanStep, StepResult
from workbench.retrieve.intents import Hop, relation_chain
from workbench.retrieve.multihop import SEEDS, WalkResult

STEP_TIMEOUT_S = 10.0
#: threads shared by every plan's steps (a plan has at most three; a timed-out step keeps
#: its thread until it ends)
MAX_WORKERS = 8

_COMPARISON = (
    re.compile(r"\bdifferences?\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)[?.!]*$"),
    re.compile(r"^(?:compare\s+)?(?P<a>.+?)\s+(?:vs\.?|versus|compared (?:to|with))\s+(?P<b>.+?)[?.!]*$"),
    re.compile(r"\bcompare\s+(?P<a>.+?)\s+(?:and|with|to)\s+(?P<b>.+?)[?.!]*$"),
    re.compile(r"\bshould\s+i\s+use\s+(?P<a>.+?)\s+or\s+(?P<b>.+?)[?.!]*$"),
)
_THEN = re.compile(r"\s*(?:,?\s+and\s+then|,?\s+then|;\s*then)\s+")
_HOW_TO = re.compile(
    r"^\s*(?:how\s+(?:do|can|should|would|to)\b|how\s+i\b|what'?s?\s+the\s+best\s+way)", re.I
)


class Services(Protocol):
    """What the planner's steps call; `workbench.facade.Workbench` provides it."""

    def search(self, query: str, k: int = 10) -> list[Hit]: ...

    def walk(self, question: str, hops: list[Hop], k: int) -> WalkResult: ...

    def paths(self, src: str, dst: str, max_hops: int = 3) -> list[GraphPath]: ...


_STEPS: ThreadPoolExecutor | None = None
_STEPS_LOCK = threading.Lock()


def _steps_pool() -> ThreadPoolExecutor:
    """Threads for plan steps, made on first use and kept: starting two threads per
    `ask` cost it ~1 ms, more on a busy machine."""
    global _STEPS
    with _STEPS_LOCK:
        if _STEPS is None:
            _STEPS = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="plan-step")
        return _STEPS


def _relations(hops: list[Hop]) -> list[str]:
    return [h.relation + ("" if h.direction == "out" else "<-") for h in hops]


def _hops(relations: list[str]) -> list[Hop]:
    return [Hop(r.removesuffix("<-"), "in" if r.endswith("<-") else "out") for r in relations]


def plan(question: str, max_hops: int = 3) -> Plan:
    """Classify a question and decompose it into steps (no I/O)."""
    text = question.strip()
    lowered = text.lower()
    for pattern in _COMPARISON:
        match = pattern.search(lowered)
        if match:
            a, b = (text[match.start(g) : match.end(g)].strip(" ?") for g in ("a", "b"))
            return Plan(
                text,
                "comparison",
                [
                    PlanStep("a", "search", a),
                    PlanStep("b", "search", b),
                    PlanStep("link", "paths", f"{a} <-> {b}", depends=["a", "b"]),
                ],
            )
    hops = relation_chain(text, max_hops)
    parts = [p for p in _THEN.split(text) if p.strip()]
    if len(parts) > 1 and len(hops) < 2:
        steps = [PlanStep(f"part{i + 1}", "search", part.strip(" ?.")) for i, part in enumerate(parts)]
        return Plan(text, "chain", steps)
    if hops:
        kind = "chain" if len(hops) > 1 else "relationship"
        return Plan(
            text,
            kind,
            [PlanStep("walk", "walk", text, _relations(hops)), PlanStep("search", "search", text)],
        )
    kind = "how-to" if _HOW_TO.search(text) else "lookup"
    return Plan(text, kind, [PlanStep("search", "search", text)])


def _search_items(hits: list[Hit], calibrate: Callable[[float, float], float]) -> list[AnswerItem]:
    best = hits[0].score if hits and hits[0].score > 0 else 1.0
    return [
        AnswerItem(
            path=h.definition_path,
            public_path=h.path,
            kind=h.kind,
            library=h.library,
            summary=h.summary,
            score=h.score,
            confidence=calibrate(h.score, h.score / best),
            via="search",
            paths=[GraphPath([h.definition_path], [])],
        )
        for h in hits
    ]


class Planner:
    """Runs plans against `Services`; `calibrate(score)` gives a search hit's confidence."""

    def __init__(
        self, services: Services, calibrate, *, k: int = 10, timeout: float = STEP_TIMEOUT_S
    ) -> None:
        self.services = services
        self.calibrate = calibrate
        self.k = k
        self.timeout = timeout

    def _run_step(self, step: PlanStep, done: dict[str, StepResult]) -> list[AnswerItem]:
        if step.kind == "search":
            # the walk's seeds are the same search: asking for as many shares one run
            hits = self.services.search(step.query, max(self.k, SEEDS))[: self.k]
            return _search_items(hits, self.calibrate)
        if step.kind == "walk":
            asked = relation_chain(step.query, max(len(step.relations), 1))
            hops = asked if _relations(asked) == step.relations else _hops(step.relations)
            return self.services.walk(step.query, hops, self.k).items
        if step.kind == "paths":
            ends = [done[d].items[0] for d in step.depends if d in done and done[d].items]
            if len(ends) < 2:
                return []
            found = self.services.paths(ends[0].path, ends[1].path, 4)
            if not found:
                return []
            return [replace(ends[1], via="graph", paths=found[:3])]
        raise ValueError(f"unknown step kind {step.kind}")

    def run(self, the_plan: Plan) -> Answer:
        """Run every step (independent ones at once), each within the timeout, and merge."""
        started = time.perf_counter()
        done: dict[str, StepResult] = {}
        pending = list(the_plan.steps)
        pool = _steps_pool()
        submitted: list[Future] = []
        try:
            while pending:
                ready = [s for s in pending if all(d in done for d in s.depends)]
                if not ready:  # a dependency cycle cannot happen in plans made here
                    break
                futures: dict[str, tuple[PlanStep, Future, float]] = {
                    s.id: (s, pool.submit(self._run_step, s, dict(done)), time.perf_counter()) for s in ready
                }
                submitted += [future for _, future, _ in futures.values()]
                for step, future, t0 in futures.values():
                    remaining = max(0.0, self.timeout - (time.perf_counter() - t0))
                    try:
                        items = future.result(timeout=remaining)
                        status = "ok" if items else "empty"
                        done[step.id] = StepResult(step, status, time.perf_counter() - t0, items)
                    except FutureTimeout:
                        done[step.id] = StepResult(
                            step,
                            "timeout",
                            time.perf_counter() - t0,
                            message=f"no answer in {self.timeout:.0f}s",
                        )
                    except Exception as error:  # a failing step degrades the answer, never fails it
                        done[step.id] = StepResult(
                            step,
                            "failed",
                            time.perf_counter() - t0,
                            message=f"{type(error).__name__}: {error}",
                        )
                pending = [s for s in pending if s.id not in done]
        finally:  # a timed-out step keeps its thread until it ends; the answer does not wait
            for future in submitted:
                future.cancel()  # only steps not started yet (the pool was busy)
        results = [done[s.id] for s in the_plan.steps if s.id in done]
        items = merge(the_plan, results, self.k)
        degraded = any(r.status != "ok" for r in results)
        return Answer(the_plan.question, the_plan, results, items, degraded, time.perf_counter() - started)


def merge(the_plan: Plan, results: list[StepResult], k: int) -> list[AnswerItem]:
    """One ranked list: walk answers first (search fills up), comparisons and chains
    interleaved side by side, each entity once."""
    by_id = {r.step.id: r.items for r in results}
    if the_plan.kind in {"comparison"} or (
        all(s.kind == "search" for s in the_plan.steps) and len(the_plan.steps) > 1
    ):
        lists = [by_id.get(s.id, []) for s in the_plan.steps if s.kind == "search"]
        linked = by_id.get("link", [])
        ordered: list[AnswerItem] = []
        for row in zip(*[lst + [None] * (k - len(lst)) for lst in lists], strict=False):
            ordered += [item for item in row if item is not None]
        if linked and ordered:  # the link's paths are evidence for the second side's top
            for item in ordered:
                if item.path == linked[0].path:
                    item.paths = linked[0].paths
                    break
        return _unique(ordered)[:k]
    walk = by_id.get("walk", [])
    search = by_id.get("search", [])
    return _unique(walk + search)[:k]


def _unique(items: list[AnswerItem]) -> list[AnswerItem]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.path not in seen:
            seen.add(item.path)
            out.append(item)
    return out

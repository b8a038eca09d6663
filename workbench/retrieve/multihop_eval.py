"""The multi-hop evaluation: search alone against search + graph (the planner), on
questions whose answers are two or three relations away, plus confidence calibration."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.model import Answer, AnswerItem, EvalCase, GraphPath, Hit, MultiHopCase, MultiHopRow
from workbench.retrieve import calibration
from workbench.retrieve.evaluation import read_jsonl


def load_multihop_cases(path: Path) -> list[MultiHopCase]:
    """Read a JSON-lines multi-hop set (question, expected, path, hops, library)."""
    return read_jsonl(
        path,
        "multi-hop evaluation",
        lambda raw, number: MultiHopCase(
            id=str(raw.get("id", number)),
            question=raw["question"],
            expected=list(raw["expected"]),
            path=list(raw["path"]),
            hops=int(raw.get("hops", len(raw["path"]) // 2)),
            library=raw.get("library", ""),
        ),
    )


@dataclass
class Scored:
    """One answer item of the graph system, for calibration: its score, confidence, outcome."""

    via: str
    score: float
    relative: float
    confidence: float
    correct: bool


@dataclass
class MultiHopReport:
    rows: list[MultiHopRow]
    scored: list[Scored]
    skipped: list[MultiHopCase]


def _percentiles(times: list[float]) -> tuple[float, float]:
    if not times:
        return 0.0, 0.0
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _matches(path: GraphPath, expected_nodes: list[str]) -> bool:
    return path.nodes == expected_nodes


def evaluate_multihop(
    cases: list[MultiHopCase],
    resolve: Callable[[str], str | None],
    search: Callable[[str], list[Hit]],
    ask: Callable[[str], Answer],
    valid: Callable[[GraphPath], bool],
) -> MultiHopReport:
    """Run both systems over the cases whose expected answers resolve in the index."""
    usable: list[tuple[MultiHopCase, set[str], list[str]]] = []
    skipped = []
    for case in cases:
        wanted = {p for p in (resolve(e) for e in case.expected) if p}
        nodes = [resolve(n) or n for n in case.path[::2]]
        (usable.append((case, wanted, nodes)) if wanted else skipped.append(case))
    rows = []
    scored: list[Scored] = []
    # search alone
    totals = {"a1": 0, "a5": 0}
    times, misses = [], []
    for case, wanted, _ in usable:
        start = time.perf_counter()
        ranked = [h.definition_path for h in search(case.question)][:5]
        times.append((time.perf_counter() - start) * 1000)
        totals["a1"] += bool(ranked[:1] and ranked[0] in wanted)
        totals["a5"] += bool(wanted & set(ranked))
        if not wanted & set(ranked):
            misses.append((case.question, case.expected, ranked[:3]))
    n = max(len(usable), 1)
    p50, p95 = _percentiles(times)
    rows.append(
        MultiHopRow(
            "hybrid", len(usable), totals["a1"] / n, totals["a5"] / n, totals["a5"] / n, 0.0, p50, p95, misses
        )
    )
    # search + graph, through the planner
    totals = {"a1": 0, "a5": 0, "ok": 0, "match": 0}
    times, misses = [], []
    for case, wanted, nodes in usable:
        start = time.perf_counter()
        items: list[AnswerItem] = ask(case.question).items[:5]
        times.append((time.perf_counter() - start) * 1000)
        hits = [i for i in items if i.path in wanted]
        totals["a1"] += bool(items and items[0].path in wanted)
        totals["a5"] += bool(hits)
        totals["ok"] += any(
            any(p.edges and p.nodes[-1] == i.path and valid(p) for p in i.paths) for i in hits
        )
        totals["match"] += any(_matches(p, nodes) for i in hits for p in i.paths)
        if not hits:
            misses.append((case.question, case.expected, [i.path for i in items[:3]]))
        best = items[0].score if items and items[0].score > 0 else 1.0
        scored += [Scored(i.via, i.score, i.score / best, i.confidence, i.path in wanted) for i in items]
    p50, p95 = _percentiles(times)
    rows.append(
        MultiHopRow(
            "hybrid+graph",
            len(usable),
            totals["a1"] / n,
            totals["a5"] / n,
            totals["ok"] / n,
            totals["match"] / n,
            p50,
            p95,
            misses,
        )
    )
    return MultiHopReport(rows, scored, [c for c in skipped])


def search_scored(
    cases: list[EvalCase], resolve: Callable[[str], str | None], search: Callable[[str], list[Hit]]
) -> list[Scored]:
    """The top 5 hybrid hits of lookup questions, for calibrating search answers."""
    out = []
    for case in cases:
        wanted = {p for p in (resolve(e) for e in case.expected) if p}
        if not wanted:
            continue
        hits = search(case.question)[:5]
        best = hits[0].score if hits and hits[0].score > 0 else 1.0
        for hit in hits:
            conf = calibration.probability(hit.score, hit.score / best, calibration.SEARCH)
            out.append(Scored("search", hit.score, hit.score / best, conf, hit.definition_path in wanted))
    return out


def calibrate(scored: list[Scored]) -> dict[str, dict]:
    """Per kind of answer (walk, search): parameters fitted on all items, and the
    reliability of confidences under 2-fold cross-validation (fit on one half, judge on the
    other) next to that of the parameters in use."""
    out = {}
    for via, current in (("graph", calibration.WALK), ("search", calibration.SEARCH)):
        items = [s for s in scored if s.via == via]
        if not items:
            continue
        params = calibration.fit([(s.score, s.relative) for s in items], [s.correct for s in items])
        folds = [items[0::2], items[1::2]]
        held_conf, held_ok = [], []
        for train, test in ((folds[0], folds[1]), (folds[1], folds[0])):
            fold = calibration.fit([(s.score, s.relative) for s in train], [s.correct for s in train])
            held_conf += [calibration.probability(s.score, s.relative, fold) for s in test]
            held_ok += [s.correct for s in test]
        out[via] = {
            "n": len(items),
            "accuracy": sum(s.correct for s in items) / len(items),
            "fitted": params,
            "in_use": current,
            "in_use_reliability": calibration.reliability(
                [calibration.probability(s.score, s.relative, current) for s in items],
                [s.correct for s in items],
            ),
            "held_out_reliability": calibration.reliability(held_conf, held_ok),
        }
    return out

"""The ablation table of `workbench eval`: hybrid search with every lever, each lever off in
turn, and none, with quality and latency side by side (what each lever pays and costs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from workbench.model import EvalCase, Hit
from workbench.retrieve.evaluation import score_mode
from workbench.retrieve.levers import LEVER_NAMES, NO_LEVERS, Levers
from workbench.retrieve.ranker import FoldReport


@dataclass
class AblationRow:
    """Hybrid search's metrics with one set of levers, and its warm latency."""

    name: str
    levers: Levers
    n: int
    recall_at_1: float
    recall_at_5: float
    recall_at_10: float
    mrr_at_10: float
    ndcg_at_10: float
    p50_ms: float
    p95_ms: float


def variants(levers: Levers | None = None) -> list[tuple[str, Levers]]:
    """(name, levers): all on, each off in turn, then none. The learned ranker is off in
    every row: it was fitted on these questions, so only its cross-validated figures
    count (`workbench.retrieve.ranker.cross_validate`, a row of its own)."""
    base = replace(levers or Levers(), learned_ranker=False)
    rows = [("all levers", base)]
    rows += [(f"- {name}", base.without(name)) for name in LEVER_NAMES if name != "learned_ranker"]
    rows.append(("no levers", NO_LEVERS))
    return rows


def held_out_row(name: str, report: FoldReport, times_ms: list[float]) -> AblationRow:
    """The learned ranker's row: held-out means of its folds, latency of search + re-rank."""
    m = report.learned
    return AblationRow(
        name=name,
        levers=Levers(),
        n=report.n,
        recall_at_1=m["recall_at_1"],
        recall_at_5=m["recall_at_5"],
        recall_at_10=m["recall_at_10"],
        mrr_at_10=m["mrr_at_10"],
        ndcg_at_10=m["ndcg_at_10"],
        p50_ms=percentile(times_ms, 0.5),
        p95_ms=percentile(times_ms, 0.95),
    )


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def ablate(
    cases: list[EvalCase],
    relevant: dict[str, set[str]],
    search: Callable[[str, Levers], list[Hit]],
    levers: Levers | None = None,
    rows: list[tuple[str, Levers]] | None = None,
) -> list[AblationRow]:
    """Score hybrid search once per lever set of `rows` (by default `variants`);
    `search(question, levers)` returns the top 10 and is timed (p50/p95 per row,
    embedding included)."""
    out = []
    for name, chosen in rows or variants(levers):
        times: list[float] = []

        def run(question: str, _mode: str, chosen: Levers = chosen, times: list[float] = times) -> list[Hit]:
            started = time.perf_counter()
            hits = search(question, chosen)
            times.append((time.perf_counter() - started) * 1000)
            return hits

        row = score_mode("hybrid", cases, relevant, run)
        out.append(
            AblationRow(
                name=name,
                levers=chosen,
                n=row.n,
                recall_at_1=row.recall_at_1,
                recall_at_5=row.recall_at_5,
                recall_at_10=row.recall_at_10,
                mrr_at_10=row.mrr_at_10,
                ndcg_at_10=row.ndcg_at_10,
                p50_ms=percentile(times, 0.5),
                p95_ms=percentile(times, 0.95),
            )
        )
    return out

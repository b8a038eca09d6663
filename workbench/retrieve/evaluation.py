"""Run an evaluation set through the search modes and score them side by side."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from workbench.errors import WorkbenchError
from workbench.model import EvalCase, EvalRow, Hit
from workbench.retrieve.metrics import mrr_at, ndcg_at, recall_at

T = TypeVar("T")


def read_jsonl(path: Path, what: str, make: Callable[[dict[str, Any], int], T]) -> list[T]:
    """One object per non-empty line of a JSON-lines file, built by `make(raw, line number)`.

    Raises:
        WorkbenchError: the file is missing, or a line is not JSON or lacks a field
            (the message names the file and line).
    """
    if not path.exists():
        raise WorkbenchError(f"{what} set {path} does not exist")
    out = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(make(json.loads(line), number))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise WorkbenchError(f"{path}:{number}: not a {what} case ({error})") from error
    return out


def load_cases(path: Path) -> list[EvalCase]:
    """Read a JSON-lines evaluation set (question, expected paths, library)."""
    return read_jsonl(
        path,
        "evaluation",
        lambda raw, number: EvalCase(
            id=str(raw.get("id", number)),
            question=raw["question"],
            expected=list(raw["expected"]),
            library=raw.get("library", ""),
        ),
    )


def score_mode(
    mode: str,
    cases: list[EvalCase],
    relevant: dict[str, set[str]],
    run: Callable[[str, str], list[Hit]],
) -> EvalRow:
    """Metrics of one mode; `relevant[case.id]` holds definition paths, `run(q, mode)` hits."""
    totals = {"r1": 0.0, "r5": 0.0, "r10": 0.0, "mrr": 0.0, "ndcg": 0.0}
    misses = []
    by_library: dict[str, list[float]] = {}
    for case in cases:
        wanted = relevant[case.id]
        ranked = [h.definition_path for h in run(case.question, mode)]
        totals["r1"] += recall_at(ranked, wanted, 1)
        totals["r5"] += recall_at(ranked, wanted, 5)
        totals["r10"] += recall_at(ranked, wanted, 10)
        by_library.setdefault(library_of(case), []).append(recall_at(ranked, wanted, 10))
        totals["mrr"] += mrr_at(ranked, wanted, 10)
        totals["ndcg"] += ndcg_at(ranked, wanted, 10)
        if not recall_at(ranked, wanted, 10):
            misses.append((case.question, case.expected, ranked[:3]))
    n = max(len(cases), 1)
    return EvalRow(
        mode=mode,
        n=len(cases),
        recall_at_1=totals["r1"] / n,
        recall_at_5=totals["r5"] / n,
        recall_at_10=totals["r10"] / n,
        mrr_at_10=totals["mrr"] / n,
        ndcg_at_10=totals["ndcg"] / n,
        misses=misses,
        per_library={lib: (len(r), sum(r) / len(r)) for lib, r in sorted(by_library.items())},
    )


def library_of(case: EvalCase) -> str:
    """The library a case is about: its own field, else the root of its first expected path."""
    if case.library:
        return case.library
    return case.expected[0].split(".", 1)[0] if case.expected else ""

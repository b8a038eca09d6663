"""Reciprocal rank fusion of ranked lists, with per-list weights."""

from __future__ import annotations


def best_ranks(candidates: list[tuple[str, float]]) -> dict[str, tuple[int, float]]:
    """Entity -> (1-based rank, score) of its best chunk in a best-first candidate list."""
    ranks: dict[str, tuple[int, float]] = {}
    for path, score in candidates:
        if path not in ranks:
            ranks[path] = (len(ranks) + 1, score)
    return ranks


def rrf(rank: int | None, weight: float, k: int) -> float:
    """One list's reciprocal-rank contribution: weight / (k + rank), 0 when absent."""
    return 0.0 if rank is None else weight / (k + rank)

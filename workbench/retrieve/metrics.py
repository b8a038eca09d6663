"""Ranking metrics over binary relevance: recall@k, MRR@k, nDCG@k."""

from __future__ import annotations

import math


def first_relevant_rank(ranked: list[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    for index, item in enumerate(ranked, start=1):
        if item in relevant:
            return index
    return None


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """1 if any relevant item is in the top k, else 0 (the expected paths are
    alternatives: one of them answers the question)."""
    return 1.0 if any(item in relevant for item in ranked[:k]) else 0.0


def mrr_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """Reciprocal rank of the first relevant item within the top k."""
    rank = first_relevant_rank(ranked[:k], relevant)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """Normalised discounted cumulative gain with binary gains."""
    dcg = sum(1.0 / math.log2(i + 1) for i, item in enumerate(ranked[:k], 1) if item in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0

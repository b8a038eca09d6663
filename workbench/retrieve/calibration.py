"""Confidence: a logistic map from an answer's score to the probability that it is right,
fitted on the eval sets (Platt scaling), with its reliability table."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: (slope, intercept) fitted by `workbench eval --calibrate` on the bundled eval sets
#: over the default index: walk answers on the multi-hop set, search hits on the lookups.
WALK: tuple[float, float] = (6.0, -3.0)
SEARCH: tuple[float, float] = (60.0, -3.0)


def probability(score: float, params: tuple[float, float]) -> float:
    """sigmoid(slope * score + intercept)."""
    slope, intercept = params
    z = max(-50.0, min(50.0, slope * score + intercept))
    return 1.0 / (1.0 + math.exp(-z))


def fit(scores: list[float], correct: list[bool], iterations: int = 100) -> tuple[float, float]:
    """Logistic regression of correctness on score (Newton's method, lightly regularised)."""
    x = np.asarray(scores, dtype=float)
    y = np.asarray(correct, dtype=float)
    if len(x) == 0 or y.min() == y.max():
        return (0.0, 0.0 if len(y) == 0 else math.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3)))
    features = np.column_stack([x, np.ones_like(x)])
    w = np.zeros(2)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(features @ w, -50, 50)))
        gradient = features.T @ (p - y) + 1e-4 * w
        hessian = features.T @ (features * (p * (1 - p))[:, None]) + 1e-4 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), float(w[1])


@dataclass
class Reliability:
    """Per confidence bin: how many answers, their mean confidence and how many were right."""

    bins: list[tuple[float, float, int, float, float]]  # (low, high, n, mean confidence, accuracy)
    ece: float  # expected calibration error: weighted mean |confidence - accuracy|


def reliability(confidences: list[float], correct: list[bool], bins: int = 5) -> Reliability:
    """Reliability table and expected calibration error of confidences against outcomes."""
    rows = []
    total = len(confidences)
    ece = 0.0
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        chosen = [
            (c, ok)
            for c, ok in zip(confidences, correct, strict=True)
            if low <= c < high or (i == bins - 1 and c == 1.0)
        ]
        if not chosen:
            rows.append((low, high, 0, 0.0, 0.0))
            continue
        mean_conf = sum(c for c, _ in chosen) / len(chosen)
        accuracy = sum(ok for _, ok in chosen) / len(chosen)
        ece += len(chosen) / max(total, 1) * abs(mean_conf - accuracy)
        rows.append((low, high, len(chosen), mean_conf, accuracy))
    return Reliability(rows, ece)

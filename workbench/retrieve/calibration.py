"""Confidence: a logistic map from an answer's score, and its score relative to the best
answer of the same question, to the probability that it is right, fitted on the eval
sets (Platt scaling with two features), with its reliability table."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Params = tuple[float, float, float]  # (score weight, relative-score weight, intercept)

#: Fitted by `workbench eval --calibrate` on the bundled eval sets over the default index:
#: walk answers on the multi-hop set, search hits on the lookup set.
#: The relative score carries most of it: an answer far below the best one is rarely right.
WALK: Params = (-1.79, 17.39, -16.57)
SEARCH: Params = (56.94, 8.42, -12.72)


def probability(score: float, relative: float, params: Params) -> float:
    """sigmoid(a * score + b * relative + c); `relative` is score / the best score."""
    a, b, c = params
    z = max(-50.0, min(50.0, a * score + b * relative + c))
    return 1.0 / (1.0 + math.exp(-z))


def fit(features: list[tuple[float, float]], correct: list[bool], iterations: int = 100) -> Params:
    """Logistic regression of correctness on (score, relative score), by Newton's method,
    lightly regularised."""
    y = np.asarray(correct, dtype=float)
    if len(y) == 0 or y.min() == y.max():
        prior = 0.0 if len(y) == 0 else math.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3))
        return (0.0, 0.0, prior)
    x = np.asarray(features, dtype=float).reshape(-1, 2)
    features = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(3)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(features @ w, -50, 50)))
        gradient = features.T @ (p - y) + 1e-4 * w
        hessian = features.T @ (features * (p * (1 - p))[:, None]) + 1e-4 * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), float(w[1]), float(w[2])


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

"""Platt scaling: the fit recovers a known relation, the reliability table bins honestly."""

from __future__ import annotations

import random

from workbench.retrieve import calibration


def test_fit_recovers_the_generating_parameters():
    rng = random.Random(7)
    truth = (1.0, 4.0, -3.0)
    features, outcomes = [], []
    for _ in range(4000):
        score, relative = rng.random(), rng.random()
        features.append((score, relative))
        outcomes.append(rng.random() < calibration.probability(score, relative, truth))
    fitted = calibration.fit(features, outcomes)
    assert all(abs(f - t) < 0.5 for f, t in zip(fitted, truth, strict=True)), fitted
    confidences = [calibration.probability(s, r, fitted) for s, r in features]
    assert calibration.reliability(confidences, outcomes).ece < 0.03


def test_degenerate_outcomes_give_a_constant_probability():
    assert calibration.fit([(0.5, 1.0)] * 3, [True] * 3)[:2] == (0.0, 0.0)
    assert calibration.fit([], []) == (0.0, 0.0, 0.0)


def test_reliability_bins_count_every_item():
    table = calibration.reliability([0.05, 0.15, 0.5, 0.95, 1.0], [False, False, True, True, True], bins=5)
    assert sum(row[2] for row in table.bins) == 5
    assert table.bins[-1][2] == 2 and table.bins[-1][4] == 1.0
    assert 0 <= table.ece <= 1

"""Ranking metrics on hand-checked cases."""

import math

import pytest

from workbench.retrieve.metrics import mrr_at, ndcg_at, recall_at


def test_recall_counts_any_expected_path_in_top_k():
    assert recall_at(["a", "b", "c"], {"c"}, 3) == 1.0
    assert recall_at(["a", "b", "c"], {"c"}, 2) == 0.0


def test_mrr_is_reciprocal_rank_of_first_hit():
    assert mrr_at(["a", "b", "c"], {"b", "c"}, 10) == 0.5
    assert mrr_at(["a"], {"z"}, 10) == 0.0


def test_ndcg_binary_gains():
    assert ndcg_at(["x", "a"], {"a"}, 10) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)

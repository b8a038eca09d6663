"""The bundled evaluation set is big, broad and names entities that really exist."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.conftest import REPO
from workbench.retrieve.evaluation import load_cases

EVAL_SET = REPO / "data" / "eval" / "questions.jsonl"
HOLDOUT_SET = REPO / "data" / "eval" / "holdout.jsonl"


def test_eval_set_covers_many_questions_and_libraries():
    cases = load_cases(EVAL_SET)
    per_library = Counter(c.library for c in cases)
    assert len(cases) >= 150
    assert sum(1 for n in per_library.values() if n >= 5) >= 8
    assert len({c.id for c in cases}) == len(cases)
    assert len({c.question for c in cases}) == len(cases)


@pytest.mark.parametrize("path", [EVAL_SET, HOLDOUT_SET], ids=["bundled", "holdout"])
def test_questions_are_asked_in_words_not_by_the_answers_name(path):
    # plain words (`timeout`, `run`) may appear; compound identifiers may not
    for case in load_cases(path):
        for path in case.expected:
            name = path.rsplit(".", 1)[-1]
            if "_" in name.strip("_"):
                assert name.lower() not in case.question.lower(), (case.question, path)
            if re.search(r"[a-z][A-Z]", name):
                assert name not in case.question, (case.question, path)


def test_expected_paths_of_indexed_libraries_resolve(wb):
    cases = [c for c in load_cases(EVAL_SET) if c.library in wb.library_names()]
    assert len(cases) >= 10
    for case in cases:
        assert all(wb.resolve(path) for path in case.expected), case


def test_the_holdout_set_is_apart_from_the_bundled_one():
    """Questions written apart, which no ranker is fitted on: none is a bundled question
    (by the digest a fitted ranker records), and they are asked in words too."""
    from workbench.retrieve.ranker import bundled, question_key

    holdout, bundled_cases = load_cases(HOLDOUT_SET), load_cases(EVAL_SET)
    assert len(holdout) >= 100 and len({c.id for c in holdout}) == len(holdout)
    keys = {question_key(c.question) for c in holdout}
    assert not keys & {question_key(c.question) for c in bundled_cases}
    shipped = bundled()
    assert shipped is not None and not keys & set(shipped.fitted_on)
    assert sum(1 for c in holdout if c.library == "stdlib") >= 30

"""Query vectors: a text is embedded once however many callers want it at once,
`prefetch` hands its vectors to later callers, and batches keep texts of like length."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest

from workbench.embed.embedder import BaseEmbedder, _length_groups
from workbench.embed.onnx import make_embedder

QUESTION = (
    "When I spawn a coroutine with anyio's TaskGroup.create_task, what object do I get "
    "back; which property of it gives me the task's result?"
)
CLAUSES = ["what object do I get back", "which property of it gives me the result"]


class Counting:
    """Counts the query texts a real embedder's model is run on (and can fail once)."""

    def __init__(self, model: BaseEmbedder, fail: bool = False) -> None:
        self.model = model
        self.real = model._embed_query_group
        self.texts: Counter[str] = Counter()
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, texts):
        self.gate.wait(5)
        self.texts.update(texts)
        if self.fail:
            self.fail = False
            raise RuntimeError("model went away")
        return self.real(texts)


@pytest.fixture
def model(model_cache) -> Iterator[BaseEmbedder]:
    """An ONNX embedder of its own (the shared one's cache is left alone)."""
    own = make_embedder()
    own.load()
    yield own


def spy(model: BaseEmbedder, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> Counting:
    counting = Counting(model, fail)
    monkeypatch.setattr(model, "_embed_query_group", counting)
    return counting


def test_prefetched_vectors_equal_embedding_each_alone(model, monkeypatch):
    """Vectors handed out after a prefetch are the ones each text gets alone, and each
    text went through the model once."""
    alone = {t: model._embed_query_group([t])[0] for t in [QUESTION, *CLAUSES]}
    model.clear_cache()
    counting = spy(model, monkeypatch)
    model.prefetch([QUESTION], CLAUSES)
    got = model.embed_queries([*CLAUSES, QUESTION, QUESTION])
    for text, vector in zip([*CLAUSES, QUESTION, QUESTION], got, strict=True):
        assert np.allclose(vector, alone[text], atol=1e-5)
    assert counting.texts == Counter({QUESTION: 1, CLAUSES[0]: 1, CLAUSES[1]: 1})


def test_concurrent_callers_share_one_embedding(model, monkeypatch):
    """Eight threads asking for the same text at once cause one model call for it."""
    counting = spy(model, monkeypatch)
    counting.gate.clear()  # hold the first caller inside the model until all have asked
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(model.embed_query(QUESTION))) for _ in range(8)]
    for thread in threads:
        thread.start()
    counting.gate.set()
    for thread in threads:
        thread.join(10)
    assert counting.texts[QUESTION] == 1
    assert len(results) == 8 and all(np.array_equal(r, results[0]) for r in results)


def test_a_failed_prefetch_reaches_its_waiter_and_is_not_remembered(model, monkeypatch):
    """The error of a failed prefetch is raised to whoever waits for the text; the next
    call embeds it again."""
    counting = spy(model, monkeypatch, fail=True)
    counting.gate.clear()  # the prefetch fails only once this caller waits for it
    model.prefetch([QUESTION])
    threading.Timer(0.3, counting.gate.set).start()
    with pytest.raises(RuntimeError, match="model went away"):
        model.embed_query(QUESTION)
    assert model.embed_query(QUESTION).shape == (model.dimension,)
    assert counting.texts[QUESTION] == 2


def test_long_and_short_texts_go_in_different_batches():
    """A question several times longer than its clauses is not padded with them."""
    groups = _length_groups([QUESTION, *CLAUSES])
    assert groups == [sorted(CLAUSES, key=len), [QUESTION]]
    assert _length_groups(["abc", "abcd", "abcdef"]) == [["abc", "abcd", "abcdef"]]

"""Which relations a question asks for, and in which order."""

from __future__ import annotations

import pytest

from workbench.retrieve.intents import relation_chain

CASES = [
    (
        "which exception does httpx raise when a request times out, and what is its base class",
        ["raises", "inherits"],
    ),
    ("what is the base class of the error raised by Response.raise_for_status", ["raises", "inherits"]),
    ("what does Client.get return and which method reads the body as JSON", ["returns", "member_of<-"]),
    ("what are the methods of the object returned by httpx.get", ["returns", "member_of<-"]),
    ("which classes inherit from textual.widget.Widget", ["inherits<-"]),
    ("what are the subclasses of HTTPError", ["inherits<-"]),
    ("which functions raise ValueError", ["raises<-"]),
    ("what does raise_for_status raise", ["raises"]),
    ("which methods accept a Request", ["accepts<-"]),
    ("what parameters does polars.read_csv take", ["accepts"]),
    ("what is the grandparent class of ReadTimeout", ["inherits", "inherits"]),
    ("which method does SecureConnection.open override", ["overrides"]),
    ("how do I read a csv file", []),
]


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_relation_chain(question, expected):
    chain = relation_chain(question)
    assert [h.relation + ("" if h.direction == "out" else "<-") for h in chain] == expected


def test_chain_is_capped_at_max_hops():
    question = "what is the base class of the error raised by the method returned by X"
    assert len(relation_chain(question, max_hops=2)) == 2

"""Documentation an object has outside its own docstring: the line its module's docstring
lists it with (`workbench.ingest.listings`, as in `collections` and `sys`), and the `#:`
comment Sphinx documents an attribute with (griffe-sphinx)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import extract_written
from workbench.ingest.chunking import chunk_entities

FILES = {
    "wblisted/__init__.py": (
        '"""Specialized containers.\n\n'
        "* ring         container with fast appends and pops on either\n"
        "               end\n"
        "* LIMIT        the largest size a ring may grow to\n"
        "* tally        dict subclass for counting hashable objects\n"
        "* helper -- int\n\n"
        'ring objects also support indexing.\n"""\n\n'
        "from wblisted._impl import ring\n\n"
        "LIMIT = 10\n\n\n"
        "class tally(dict):\n"
        '    """A dict subclass for counting hashable objects."""\n\n\n'
        "def helper():\n"
        "    pass\n"
    ),
    "wblisted/_impl.py": (
        "class ring:\n"
        '    """A list-like sequence optimized for data accesses near its endpoints."""\n\n'
        "    #: how many items the ring holds at most\n"
        "    maxlen = None\n"
    ),
}


@pytest.fixture
def entities(tmp_path: Path, on_path) -> dict:
    extraction = extract_written(tmp_path / "site", "wblisted", FILES, on_path)
    return {e.path: e for e in extraction.entities}


def test_an_undocumented_member_gets_the_line_its_module_lists_it_with(entities):
    limit = entities["wblisted.LIMIT"]
    assert limit.summary == "the largest size a ring may grow to"
    assert limit.docstring == limit.summary


def test_a_documented_member_keeps_its_docstring_and_gains_the_listing(entities):
    ring = entities["wblisted._impl.ring"]  # listed under the name the package re-exports
    assert ring.summary.startswith("A list-like sequence")
    listing = ring.sections[-1].text
    assert listing == "In wblisted: container with fast appends and pops on either end"
    chunk = next(c for c in chunk_entities(list(entities.values())) if c.entity_path == ring.path)
    assert "fast appends" in chunk.embed_text and "fast appends" in chunk.fts_text


def test_a_listing_that_repeats_the_docstring_or_names_a_type_adds_nothing(entities):
    tally = entities["wblisted.tally"]
    assert [s.text for s in tally.sections] == ["A dict subclass for counting hashable objects."]
    assert entities["wblisted.helper"].docstring == ""  # "int" is a type, not a description


def test_an_attribute_documented_by_a_sphinx_comment_has_that_docstring(entities):
    assert entities["wblisted._impl.ring.maxlen"].summary == "how many items the ring holds at most"

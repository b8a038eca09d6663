"""Chunks explain themselves and split long docstrings on boundaries, never mid-word."""

from __future__ import annotations

import re

from workbench.ingest.chunking import MAX_CHUNK_CHARS, chunk_entities
from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import find_package


def _chunks():
    package = find_package("wbfixture")
    extraction = extract(package, load_package(package))
    return extraction, chunk_entities(extraction.entities, extraction.aliases)


def test_every_chunk_starts_with_path_and_signature():
    extraction, chunks = _chunks()
    by_path = {e.path: e for e in extraction.entities}
    for chunk in chunks:
        entity = by_path[chunk.entity_path]
        assert chunk.text.startswith(entity.public_path + entity.signature)


def test_long_docstring_splits_without_cutting_words():
    extraction, chunks = _chunks()
    story = [c for c in chunks if c.entity_path == "wbfixture.styles.long_story"]
    assert len(story) >= 2
    assert [c.ordinal for c in story] == list(range(len(story)))
    source_words = set(
        re.findall(
            r"[A-Za-z]+",
            next(e.docstring for e in extraction.entities if e.path == "wbfixture.styles.long_story"),
        )
    )
    for chunk in story:
        body = chunk.text.split("\n", 2)[2]
        assert len(chunk.text) <= MAX_CHUNK_CHARS + 200
        for word in re.findall(r"[A-Za-z]+", body):
            assert word in source_words or word in {"Args", "Examples", "Notes", "Parameters"}


def test_undocumented_attributes_fold_into_their_owner():
    _, chunks = _chunks()
    paths = {c.entity_path for c in chunks}
    assert "wbfixture._core.Client.max_redirects" not in paths
    assert "wbfixture._core.Client.__init__" not in paths
    client = next(c for c in chunks if c.entity_path == "wbfixture._core.Client")
    assert "max_redirects" in client.text


def test_fts_text_carries_alias_paths_and_camel_case_words():
    _, chunks = _chunks()
    error = next(c for c in chunks if c.entity_path == "wbfixture._core.ReadTimeoutError")
    assert "read timeout error" in error.fts_text
    assert "wbfixture.ReadTimeoutError" in error.fts_text

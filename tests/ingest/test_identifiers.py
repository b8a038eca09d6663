"""Identifier splitting lets BM25 match code names and the words inside them."""

from workbench.ingest.identifiers import expand_identifiers, split_identifier


def test_split_handles_dots_snake_and_camel_case():
    assert split_identifier("polars.read_csv") == ["polars", "read", "csv"]
    assert split_identifier("httpx.ReadTimeout") == ["httpx", "read", "timeout"]
    assert split_identifier("HTTPStatusError") == ["http", "status", "error"]


def test_expand_adds_only_camel_case_words():
    assert expand_identifiers("ReadTimeout and read_csv") == "read timeout"
    assert expand_identifiers("plain words only") == ""

"""Our set-based BM25 query returns the fts extension's own `match_bm25` scores."""

import pytest

from workbench.store import queries


@pytest.mark.parametrize("query", ["connection state", "encode domain name", "read csv", "timeout"])
def test_bm25_matches_the_extension_macro(wb, query):
    ours = queries.bm25_chunk_scores(wb.db, query, 20)
    reference = queries.bm25_reference_scores(wb.db, query, 20)
    assert ours, "query should match something"
    assert [i for i, _ in ours] == [i for i, _ in reference]
    for (_, a), (_, b) in zip(ours, reference, strict=True):
        assert a == pytest.approx(b, rel=1e-9)

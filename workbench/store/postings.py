"""BM25 scored in memory: an open file's postings as numpy arrays, by term.

`store.bm25` scores a query in SQL: a lookup of its terms in the fts dictionary (one
scan of it) and a grouped join over their postings, 8-12 ms on the default index. A
long-lived reader (a TUI, a server, an eval) loads the postings once instead (~2M rows,
~40 MB, in the background: `store.background`) and scores a query with a slice per term
and one `bincount`. The scores are the SQL's to the last bit: the same operations on the
same doubles, summed per chunk in the same (term id) order; a test checks the ranked
chunk ids and scores against `store.bm25` on every eval question.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import numpy as np

from workbench.store import bm25
from workbench.store.background import LOAD_AFTER_SEARCHES, BackgroundLoad, map_of
from workbench.store.database import Database


@dataclass
class Postings:
    """Every posting of the file, sorted by term id then chunk id.

    Attributes:
        terms: stemmed term -> (first posting, end, document frequency).
        chunk: chunk id of each posting.
        tf: term frequency of each posting.
        denominator: `tf + k1 * (1 - b + b * doclen / avgdl)` of each posting.
        library: each chunk's library (by chunk id), as an index into `libraries`.
    """

    terms: dict[str, tuple[int, int, int]]
    chunk: np.ndarray
    tf: np.ndarray
    denominator: np.ndarray
    library: np.ndarray
    libraries: list[str]
    num_docs: int

    def top(
        self, stems: list[str], limit: int, libraries: list[str] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) of the best `limit` chunks for the query's stems, best
        first, ties by chunk id (as `store.queries.bm25_candidates` orders them)."""
        found = sorted({s for s in stems if s in self.terms}, key=lambda s: self.terms[s][0])
        if not found:
            return []
        wanted = None
        if libraries:
            names = set(libraries)
            wanted = np.asarray([i for i, name in enumerate(self.libraries) if name in names])
        ids, parts = [], []
        for stem in found:  # postings are sorted by term id: the SQL's order of summing
            start, end, df = self.terms[stem]
            idf = math.log10((self.num_docs - df + 0.5) / (df + 0.5) + 1)
            chunk, den = self.chunk[start:end], self.denominator[start:end]
            tf = self.tf[start:end].astype(np.float64)
            if wanted is not None:
                keep = np.isin(self.library[chunk], wanted)
                chunk, tf, den = chunk[keep], tf[keep], den[keep]
            ids.append(chunk)
            parts.append(idf * tf * (bm25.K1 + 1) / den)
        chunks = np.concatenate(ids)
        if not len(chunks):
            return []
        # summed in the order given: per chunk, term by term (every part is above 0)
        sums = np.bincount(chunks, weights=np.concatenate(parts))
        hit = np.flatnonzero(sums)
        scores = sums[hit]
        if len(hit) > limit:  # the best `limit` and every chunk tied with the last of them
            keep = scores >= np.partition(scores, len(hit) - limit)[len(hit) - limit]
            hit, scores = hit[keep], scores[keep]
        order = np.lexsort((hit, -scores))[:limit]
        return [(int(hit[i]), float(scores[i])) for i in order]


def load_postings(db: Database) -> Postings:
    """Read the postings table, the fts dictionary and its statistics (~2.5M rows on the
    default index: about a second, on a thread of its own). Sorted here, not by SQL (a
    sort of that many rows grew the process by ~250 MB); libraries are read per chunk."""
    import pyarrow.compute as pc

    table = db.execute("SELECT termid, chunk_id, tf, doclen FROM bm25_postings").to_arrow_table()
    num_docs, avgdl = db.rows(f"SELECT num_docs, avgdl FROM {bm25.FTS}.stats")[0]
    termid = table.column("termid").to_numpy()
    chunk = table.column("chunk_id").to_numpy()
    order = np.lexsort((chunk, termid))
    termid, chunk = termid[order], chunk[order].astype(np.int32)
    tf = table.column("tf").to_numpy()[order].astype(np.int32)
    doclen = table.column("doclen").to_numpy()[order].astype(np.float64)
    del table, order
    # the SQL's `p.tf + 1.2 * (0.25 + 0.75 * p.doclen / avgdl)`, operation by operation
    denominator = tf.astype(np.float64) + bm25.K1 * ((1 - bm25.B) + bm25.B * doclen / float(avgdl))
    del doclen
    starts = np.flatnonzero(np.r_[True, termid[1:] != termid[:-1]]) if len(termid) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(termid)]
    span = {int(termid[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
    terms = {}
    for term, tid, df in db.rows(f"SELECT term, termid, df FROM {bm25.FTS}.dict"):
        if tid in span:
            terms[term] = (*span[tid], int(df))
    owners = db.execute("SELECT id, library FROM chunks").to_arrow_table()
    library = pc.dictionary_encode(owners.column("library").combine_chunks())
    ids = owners.column("id").to_numpy()
    by_chunk = np.full(int(ids.max()) + 1 if len(ids) else 0, -1, dtype=np.int16)
    by_chunk[ids] = library.indices.to_numpy(zero_copy_only=False)
    return Postings(
        terms=terms,
        chunk=chunk,
        tf=tf,
        denominator=denominator,
        library=by_chunk,
        libraries=[str(v) for v in library.dictionary.to_pylist()],
        num_docs=int(num_docs),
    )


def postings_of(db: Database) -> BackgroundLoad[Postings]:
    """The postings of an open file, loaded in the background from its
    LOAD_AFTER_SEARCHES-th BM25 query on (see `store.background`); until then, queries
    score in SQL."""
    return map_of(
        db,
        "bm25-postings",
        lambda d: BackgroundLoad(d, "bm25-postings", load_postings, after=LOAD_AFTER_SEARCHES),
    )


#: the fts extension's `tokenize` macro: these characters separate words, then whitespace
#: (RE2's `\\s`: ASCII space, tab, newline, carriage return, form feed) splits them
_PUNCTUATION = re.compile(r"""[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/|'"`-]+""")
_SPACE = re.compile(r"[\t\n\f\r ]+")
_STEMMERS = threading.local()


def query_stems(db: Database, query: str) -> list[str]:
    """The query's terms as the fts index stems them (its tokenizer and Porter stemmer).

    An ASCII query is stemmed here, with snowballstemmer's `porter`: the Snowball
    algorithm the fts extension compiles in, identical on 27k distinct words of the default
    index's chunks and checked against DuckDB on every eval question by a test. It saves a
    query (1.5-4 ms) per search. Other text goes to DuckDB, whose `lower` and
    `strip_accents` are its own."""
    if not query.isascii():
        rows = db.rows(bm25.QUERY_STEMS_SQL, [query])
        return [r[0] for r in rows if r[0]]
    stemmer = getattr(_STEMMERS, "porter", None)
    if stemmer is None:  # a stemmer keeps state between words: one per thread
        import snowballstemmer

        stemmer = _STEMMERS.porter = snowballstemmer.stemmer("porter")
    words = _SPACE.split(_PUNCTUATION.sub(" ", query.lower()))
    return list(dict.fromkeys(s for s in (stemmer.stemWord(w) for w in words if w) if s))

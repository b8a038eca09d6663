"""BM25 over chunk text: DuckDB's fts index plus a term-sorted postings table.

The fts extension tokenizes, stems and counts; its `match_bm25` macro then scores every
row of the table, and joining its `terms` table (one row per token in the corpus) costs
tens of milliseconds on a 25-library index. `bm25_postings` holds the same counts
grouped by (term, chunk) and sorted by term, so a query reads only the row groups of
its own terms (zone-map pruning on a literal IN list). Scores equal `match_bm25`'s
(k1=1.2, b=0.75, log10 idf): a test checks them against the macro.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from workbench.store.database import Database

FTS = "fts_main_chunks"
#: the distinct terms of a query (param) as the index tokenizes and stems them
QUERY_STEMS_SQL = f"SELECT DISTINCT stem(unnest({FTS}.tokenize(?)), 'porter')"
K1 = 1.2
B = 0.75


def build_index(conn: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the fts index over `chunks.fts_text` and the postings table from it."""
    conn.execute(
        "PRAGMA create_fts_index('chunks', 'id', 'fts_text', stemmer = 'porter', "
        "stopwords = 'english', lower = 1, strip_accents = 1, overwrite = 1)"
    )
    conn.execute(
        f"""
        CREATE OR REPLACE TABLE bm25_postings AS
        SELECT t.termid, d.name AS chunk_id, CAST(count(*) AS INTEGER) AS tf,
               any_value(d.len) AS doclen, any_value(c.library) AS library
        FROM {FTS}.terms t
        JOIN {FTS}.docs d ON d.docid = t.docid
        JOIN chunks c ON c.id = d.name
        GROUP BY t.termid, d.name
        ORDER BY t.termid, d.name"""
    )


#: Bring the fts tables and the postings up to date with `chunks` without re-reading
#: every chunk: documents whose chunk is gone are dropped, new chunks are tokenized with
#: the index's own `tokenize` macro, stopwords and stemmer (as `create_fts_index` does),
#: and df and stats are recomputed. Scores then equal a full rebuild's (tested); only the
#: ids of documents and terms differ.
_REFRESH = """
    CREATE OR REPLACE TEMP TABLE bm25_gone AS
    SELECT d.docid FROM {fts}.docs d ANTI JOIN chunks c ON c.id = d.name;
    CREATE OR REPLACE TEMP TABLE bm25_new AS
    SELECT c.id, c.fts_text, c.library,
           (SELECT coalesce(max(docid), -1) FROM {fts}.docs) + row_number() OVER (ORDER BY c.id) AS docid
    FROM chunks c ANTI JOIN {fts}.docs d ON d.name = c.id;
    CREATE OR REPLACE TEMP TABLE bm25_new_terms AS
    SELECT stem(w, 'porter') AS term, docid FROM (
        SELECT unnest({fts}.tokenize(fts_text)) AS w, docid FROM bm25_new
    ) WHERE w IS NOT NULL AND len(w) > 0 AND w NOT IN (SELECT sw FROM {fts}.stopwords);
    CREATE OR REPLACE TEMP TABLE bm25_touched AS
    SELECT DISTINCT termid FROM {fts}.terms WHERE docid IN (SELECT docid FROM bm25_gone);
    DELETE FROM {fts}.terms WHERE docid IN (SELECT docid FROM bm25_gone);
    DELETE FROM {fts}.docs WHERE docid IN (SELECT docid FROM bm25_gone);
    DELETE FROM bm25_postings WHERE chunk_id NOT IN (SELECT id FROM chunks);
    INSERT INTO {fts}.dict
    SELECT (SELECT coalesce(max(termid), -1) FROM {fts}.dict) + row_number() OVER (ORDER BY term), term, 0
    FROM (SELECT DISTINCT term FROM bm25_new_terms WHERE term NOT IN (SELECT term FROM {fts}.dict));
    INSERT INTO {fts}.terms
    SELECT n.docid, 0, d.termid FROM bm25_new_terms n JOIN {fts}.dict d ON d.term = n.term;
    INSERT INTO {fts}.docs
    SELECT b.docid, b.id, coalesce(l.len, 0)
    FROM bm25_new b LEFT JOIN (SELECT docid, count(*) AS len FROM bm25_new_terms GROUP BY docid) l
    ON l.docid = b.docid;
    INSERT INTO bm25_touched
    SELECT DISTINCT d.termid FROM bm25_new_terms n JOIN {fts}.dict d ON d.term = n.term;
    CREATE OR REPLACE TEMP TABLE bm25_df AS
    SELECT termid, count(DISTINCT docid) AS df FROM {fts}.terms
    WHERE termid IN (SELECT termid FROM bm25_touched) GROUP BY termid;
    UPDATE {fts}.dict SET df = f.df FROM bm25_df f WHERE dict.termid = f.termid;
    DELETE FROM {fts}.dict
    WHERE termid IN (SELECT termid FROM bm25_touched) AND termid NOT IN (SELECT termid FROM bm25_df);
    DELETE FROM {fts}.stats;
    INSERT INTO {fts}.stats SELECT count(docid), sum(len) / count(len) FROM {fts}.docs;
    INSERT INTO bm25_postings
    SELECT t.termid, b.id, CAST(count(*) AS INTEGER), any_value(d.len), any_value(b.library)
    FROM {fts}.terms t JOIN bm25_new b ON b.docid = t.docid JOIN {fts}.docs d ON d.docid = t.docid
    GROUP BY t.termid, b.id
    ORDER BY t.termid, b.id;
    DROP TABLE bm25_gone; DROP TABLE bm25_new; DROP TABLE bm25_new_terms;
    DROP TABLE bm25_touched; DROP TABLE bm25_df
"""


def refresh_index(conn: duckdb.DuckDBPyConnection) -> None:
    """Update the fts tables and the postings for the chunks added and removed since the
    last build (see `_REFRESH`); the caller holds the transaction."""
    for statement in _REFRESH.format(fts=FTS).split(";"):
        if statement.strip():
            conn.execute(statement)


def _query_terms(db: Database, query: str) -> tuple[list[tuple[int, float]], float]:
    """(termid, idf) of the query's stemmed terms that occur in the corpus, and the
    corpus' average document length, in one round trip."""
    rows = db.rows(
        f"""
        SELECT d.termid, d.df, s.num_docs, s.avgdl
        FROM {FTS}.dict d, {FTS}.stats s
        WHERE d.term IN ({QUERY_STEMS_SQL})""",
        [query],
    )
    terms = [(int(t), math.log10((n - df + 0.5) / (df + 0.5) + 1)) for t, df, n, _ in rows]
    return terms, (float(rows[0][3]) if rows else 0.0)


def chunk_scores_sql(db: Database, query: str) -> tuple[str, list[Any]] | None:
    """SQL (a `scores(chunk_id, score, library)` CTE body) for a query, or None if no term
    of the query is in the corpus."""
    terms, avgdl = _query_terms(db, query)
    if not terms:
        return None
    values = ", ".join(f"({t}, {idf!r}::DOUBLE)" for t, idf in terms)
    ids = ", ".join(str(t) for t, _ in terms)
    sql = f"""
        SELECT p.chunk_id, any_value(p.library) AS library,
               sum(w.idf * p.tf * {K1 + 1}::DOUBLE
                   / (p.tf + {K1}::DOUBLE * ({1 - B}::DOUBLE + {B}::DOUBLE * p.doclen / ?)))
                   AS score
        FROM bm25_postings p
        JOIN (VALUES {values}) AS w(termid, idf) ON w.termid = p.termid
        WHERE p.termid IN ({ids})
        GROUP BY p.chunk_id"""
    return sql, [avgdl]

"""Numbered schema migrations; each runs once, in order, inside one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

APP_ID = "pyrag-workbench"


@dataclass(frozen=True)
class MigrationContext:
    """What a migration may need to know: the embedding dimension of new tables."""

    dimension: int


def m001_initial(conn: duckdb.DuckDBPyConnection, ctx: MigrationContext) -> None:
    """Libraries, entities, aliases and chunks (with embeddings)."""
    conn.execute(
        """
        CREATE TABLE libraries (
            name VARCHAR NOT NULL, distribution VARCHAR, version VARCHAR,
            fingerprint VARCHAR, entity_count INTEGER, chunk_count INTEGER,
            alias_count INTEGER, ingested_at TIMESTAMP, duration_s DOUBLE, source_dir VARCHAR
        )"""
    )
    conn.execute(
        """
        CREATE TABLE entities (
            path VARCHAR NOT NULL, public_path VARCHAR NOT NULL, library VARCHAR NOT NULL,
            version VARCHAR, kind VARCHAR NOT NULL, name VARCHAR NOT NULL, parent_path VARCHAR,
            signature VARCHAR, returns VARCHAR, docstring VARCHAR, summary VARCHAR,
            sections JSON, docstring_style VARCHAR, filepath VARCHAR, lineno INTEGER,
            endlineno INTEGER, is_public BOOLEAN, is_deprecated BOOLEAN, source VARCHAR,
            bases VARCHAR[], content_hash VARCHAR
        )"""
    )
    conn.execute(
        """
        CREATE TABLE aliases (
            alias_path VARCHAR NOT NULL, target_path VARCHAR NOT NULL, library VARCHAR NOT NULL
        )"""
    )
    conn.execute(
        f"""
        CREATE TABLE chunks (
            id BIGINT NOT NULL, entity_path VARCHAR NOT NULL, library VARCHAR NOT NULL,
            ordinal INTEGER NOT NULL, text VARCHAR NOT NULL, fts_text VARCHAR NOT NULL,
            text_hash VARCHAR NOT NULL, embedding FLOAT[{ctx.dimension}] NOT NULL
        )"""
    )


def m002_entity_path_index(conn: duckdb.DuckDBPyConnection, ctx: MigrationContext) -> None:
    """An ART index on entities.path: a search looks up ~200 entities by path, which is a
    3x quicker index scan than a scan of every entity (12 ms on 220k entities)."""
    conn.execute("CREATE INDEX IF NOT EXISTS entities_path ON entities (path)")


def m003_edges(conn: duckdb.DuckDBPyConnection, ctx: MigrationContext) -> None:
    """Relations read at ingest, targets as written; the graph tables are built from them."""
    conn.execute(
        """
        CREATE TABLE edges (
            src VARCHAR NOT NULL, dst VARCHAR NOT NULL, relation VARCHAR NOT NULL,
            evidence VARCHAR NOT NULL, weight DOUBLE NOT NULL, detail VARCHAR,
            library VARCHAR NOT NULL
        )"""
    )
    conn.execute("INSERT INTO workbench_meta VALUES ('graph_dirty', '1')")


def m004_library_records(conn: duckdb.DuckDBPyConnection, ctx: MigrationContext) -> None:
    """Version history, opt-outs, suggestions and relevance feedback."""
    conn.execute(
        """
        CREATE TABLE library_versions (
            library VARCHAR NOT NULL, version VARCHAR, license VARCHAR, ingested_at TIMESTAMP,
            status VARCHAR NOT NULL, entities INTEGER, added INTEGER, changed INTEGER,
            removed INTEGER, unchanged INTEGER, embedded INTEGER, duration_s DOUBLE, message VARCHAR
        )"""
    )
    conn.execute("CREATE TABLE opt_outs (library VARCHAR NOT NULL, reason VARCHAR, opted_out_at TIMESTAMP)")
    conn.execute(
        """
        CREATE TABLE suggestions (
            name VARCHAR NOT NULL, reasons VARCHAR[], count INTEGER, first_at TIMESTAMP, last_at TIMESTAMP
        )"""
    )
    conn.execute(
        "CREATE TABLE feedback (query VARCHAR NOT NULL, path VARCHAR NOT NULL, verdict VARCHAR NOT NULL, "
        "given_at TIMESTAMP)"
    )


def m005_library_origin(conn: duckdb.DuckDBPyConnection, ctx: MigrationContext) -> None:
    """Where a library came from (installed, a wheel file, fetched from PyPI) and its license."""
    conn.execute("ALTER TABLE libraries ADD COLUMN origin VARCHAR DEFAULT 'installed'")
    conn.execute("ALTER TABLE libraries ADD COLUMN license VARCHAR DEFAULT ''")
    conn.execute("ALTER TABLE library_versions ADD COLUMN origin VARCHAR DEFAULT 'installed'")


def m006_entity_cards(conn: duckdb.DuckDBPyConnection, ctx: MigrationContext) -> None:
    """Entity cards: one short text per entity with chunks (its name and summary) and its
    vector, which the learned ranker compares with the query (`store.cards`)."""
    conn.execute(
        f"""
        CREATE TABLE cards (
            entity_path VARCHAR NOT NULL, library VARCHAR NOT NULL, text_hash VARCHAR NOT NULL,
            embedding FLOAT[{ctx.dimension}] NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS cards_entity_path ON cards (entity_path)")


Migration = Callable[[duckdb.DuckDBPyConnection, MigrationContext], None]
MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "initial", m001_initial),
    (2, "entity path index", m002_entity_path_index),
    (3, "graph edges", m003_edges),
    (4, "library records", m004_library_records),
    (5, "library origin and license", m005_library_origin),
    (6, "entity cards", m006_entity_cards),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

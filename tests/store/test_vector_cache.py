"""The vector cache (`store.vector_cache`): built by writers, read by every search, derived
from the file's chunks and never trusted when they changed."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from workbench import Workbench
from workbench.embed.embedder import vector_literal
from workbench.store import queries, vector_cache
from workbench.store.database import Database

QUESTIONS = [
    "parse an HTTP request line",
    "encode a domain name with IDNA",
    "send data on a connection",
    "what happens when the peer closes the connection",
    "check that a hostname label is valid",
]


def _open(path: Path) -> Database:
    return Database(path, read_only=True)


def test_the_writer_built_the_cache_and_searches_read_it(built_db: Path) -> None:
    db = _open(built_db)
    try:
        cache = vector_cache.open_cache(db)
        assert cache is not None, "the ingest should have built the vector cache"
        count = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        assert len(cache.paths) == count
        assert queries.cached_vectors(db) is cache or queries.cached_vectors(db).name == cache.name
    finally:
        db.close()


def test_the_cache_finds_what_an_exact_scan_finds(built_db: Path, embedder) -> None:
    db = _open(built_db)
    try:
        cache = vector_cache.open_cache(db)
        assert cache is not None
        count = len(cache.paths)
        for question in QUESTIONS:
            vector = embedder.embed_query(question)
            for limit in (10, count + 5):  # a top k, and every chunk
                exact = queries.vector_candidates(db, vector_literal(vector), limit, exact=True)
                near = cache.nearest(vector, limit)
                assert len(near) == len(exact) == min(limit, count)
                # the same similarities in the same order, up to float32 rounding
                assert [s for _, s in near] == pytest.approx([s for _, s in exact], abs=1e-5), question
                # every chunk above the last one's similarity (a tie there may go either way)
                above = [p for p, s in exact if s > exact[-1][1] + 1e-5]
                assert not Counter(above) - Counter(p for p, _ in near), question
            assert sorted(p for p, _ in near) == sorted(p for p, _ in exact)  # every chunk
    finally:
        db.close()


def test_search_results_are_the_same_with_and_without_the_cache(
    built_db: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def top(mode: str) -> list[list[str]]:
        with Workbench(built_db, embedder=embedder) as wb:
            return [[h.path for h in wb.search(q, 5, mode=mode)] for q in QUESTIONS]

    calls: list[int] = []
    nearest = vector_cache.VectorCache.nearest

    def counted(self, vector, limit):
        calls.append(limit)
        return nearest(self, vector, limit)

    monkeypatch.setattr(vector_cache.VectorCache, "nearest", counted)
    monkeypatch.setenv("WORKBENCH_VECTOR_INDEX", "duckdb")
    through_duckdb = top("vector")
    assert calls == []
    monkeypatch.setenv("WORKBENCH_VECTOR_INDEX", "cache")
    through_cache = top("vector")
    assert len(calls) == len(QUESTIONS)
    assert through_cache == through_duckdb


def test_a_changed_file_does_not_read_the_old_cache(index_copy: Path, embedder) -> None:
    db = _open(index_copy)
    before = vector_cache.fingerprint(db)
    db.close()
    with Workbench(index_copy, read_only=False, embedder=embedder) as wb:
        wb.opt_out("idna", reason="test")
    db = _open(index_copy)
    try:
        after = vector_cache.fingerprint(db)
        assert after != before
        cache = vector_cache.open_cache(db)
        # the writer rebuilt it for the new chunks: no path of the removed library in it
        assert cache is not None and cache.name == after
        assert not any(p.startswith("idna.") for p in cache.paths)
    finally:
        db.close()


def test_a_corrupt_cache_is_ignored_and_rebuilt(
    index_copy: Path, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setenv("WORKBENCH_VECTOR_CACHE", str(tmp_path / "vectors"))
    db = _open(index_copy)
    try:
        built = vector_cache.build(db)
        assert built is not None
        index_file = tmp_path / "vectors" / f"{built.name}.npy"
        index_file.write_bytes(index_file.read_bytes()[:1000])
        with caplog.at_level(logging.WARNING, logger="workbench"):
            assert vector_cache.open_cache(db) is None
        assert "ignoring the vector cache" in caplog.text
        # a search still answers, through DuckDB's HNSW index
        vector = embedder.embed_query(QUESTIONS[0])
        assert queries.vector_candidates(db, vector_literal(vector), 5, vector=vector)
        rebuilt = vector_cache.build(db)
        assert rebuilt is not None and len(rebuilt.paths) == len(built.paths)
    finally:
        db.close()


def test_a_reader_builds_a_missing_cache_after_enough_searches(
    built_db: Path, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_VECTOR_CACHE", str(tmp_path / "empty"))
    db = _open(built_db)
    try:
        slot = vector_cache.CacheSlot(db, after=3)
        assert slot.get(use=False) is None  # a warm-up neither finds nor builds one
        assert slot.get() is None and slot.get() is None
        assert slot.get() is None  # the third use starts the build
        slot.wait(120)
        cache = slot.get()
        assert cache is not None
        assert (tmp_path / "empty" / f"{cache.name}.npy").exists()
    finally:
        db.close()


def test_an_unwritable_cache_folder_leaves_searches_on_duckdb(
    built_db: Path, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("WORKBENCH_VECTOR_CACHE", str(blocker / "vectors"))
    db = _open(built_db)
    try:
        with pytest.raises(OSError):
            vector_cache.build(db)
        slot = vector_cache.CacheSlot(db, after=1)
        assert slot.get() is None
        slot.wait(120)
        assert slot.get() is None
        vector = embedder.embed_query(QUESTIONS[1])
        assert queries.vector_candidates(db, vector_literal(vector), 5, vector=vector)
    finally:
        db.close()


def test_prune_keeps_the_newest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_db: Path) -> None:
    """Caches unused for `MAX_AGE_S` go; beyond `MAX_BYTES` the least recently used go;
    the file's own cache stays."""
    folder = tmp_path / "vectors"
    monkeypatch.setenv("WORKBENCH_VECTOR_CACHE", str(folder))
    db = _open(built_db)
    try:
        built = vector_cache.build(db)
        assert built is not None
    finally:
        db.close()
    source = folder / f"{built.name}.npy"
    size = source.stat().st_size + (folder / f"{built.name}.paths").stat().st_size
    now = time.time()
    for number in range(6):
        copy = folder / f"old{number}.npy"
        shutil.copyfile(source, copy)
        shutil.copyfile(folder / f"{built.name}.paths", folder / f"old{number}.paths")
        # old0 is the most recently used; old4 and old5 were last used 40 days ago
        age = 40 * 86_400 if number >= 4 else 60 * (number + 1)
        os.utime(copy, (now - age, now - age))
    # room for the file's own cache and two more
    monkeypatch.setattr(vector_cache, "MAX_BYTES", 3 * size + 10)
    vector_cache.prune(keep=built.name)
    left = sorted(p.stem for p in folder.glob("*.npy"))
    assert left == sorted([built.name, "old0", "old1"])
    assert len(list(folder.glob("*.paths"))) == len(left)
    monkeypatch.setattr(vector_cache, "MAX_BYTES", 1)  # the file's own cache stays regardless
    vector_cache.prune(keep=built.name)
    assert [p.stem for p in folder.glob("*.npy")] == [built.name]


def test_a_one_off_search_heals_a_file_without_a_cache(built_db: Path, tmp_path: Path) -> None:
    """A file with no cache (a teammate's export, an older cache format): the first CLI
    search answers through DuckDB's index and leaves the cache behind for the next."""
    folder = tmp_path / "fresh"
    env = {**os.environ, "WORKBENCH_VECTOR_CACHE": str(folder)}
    command = [sys.executable, "-m", "workbench.cli", "search", QUESTIONS[0], "--db", str(built_db), "--json"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(first.stdout)
    db = _open(built_db)
    try:
        name = vector_cache.fingerprint(db)
    finally:
        db.close()
    assert (folder / f"{name}.npy").exists() and (folder / f"{name}.paths").exists()
    assert not list(folder.glob("*.tmp-*"))
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert [h["path"] for h in json.loads(second.stdout)] == [h["path"] for h in json.loads(first.stdout)]


def test_a_search_waiting_on_the_opening_thread_gets_its_cache(
    built_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold CLI opens the cache on a warm-up thread while its first search warms up and
    searches: both get that cache. Before, a second warm-up that waited got None and read
    DuckDB's HNSW index anyway (one cold run in 7 peaked at 760 MB), and a waiting search
    started a needless write."""
    opened = vector_cache.open_cache

    def slow_open(db, name=None):
        time.sleep(0.3)
        return opened(db, name)

    monkeypatch.setattr(vector_cache, "open_cache", slow_open)
    db = _open(built_db)
    try:
        slot = vector_cache.CacheSlot(db, after=1)
        warm = threading.Thread(target=lambda: slot.get(use=False))
        warm.start()
        time.sleep(0.05)  # the first warm-up holds the slot's lock, opening
        assert slot.get(use=False) is not None  # the search's own warm-up
        assert slot.get() is not None
        warm.join()
        assert slot._builder is None
    finally:
        db.close()

"""Readers are never locked out by a writer (issue 15, item 8): an ingest changes a
private copy and swaps it in, so new readers open and long-lived ones keep searching
while it runs, and the long-lived ones read the new file once it is in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from workbench import Workbench
from workbench.store.database import Database


@pytest.mark.slow
def test_readers_search_while_an_ingest_holds_its_transaction(built_db, tmp_path, embedder):
    index = tmp_path / "small.duckdb"
    shutil.copyfile(built_db, index)
    long_lived = Workbench(index, embedder=embedder)
    before = {lib.name: lib.ingested_at for lib in long_lived.libraries()}
    hits = [h.path for h in long_lived.search("encode a domain name", 5)]
    writer = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "ingest", "idna", "--force", "--db", str(index)],
        env={**os.environ, "WORKBENCH_TEST_HOLD_SECONDS": "4"},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    line = ""
    while "holding transaction" not in line:
        line = writer.stderr.readline()
        assert line or writer.poll() is None, "the ingest ended before its transaction"
    with Workbench(index, embedder=embedder) as fresh:  # a new reader mid-write: not refused
        assert [h.path for h in fresh.search("encode a domain name", 5)] == hits
    assert [h.path for h in long_lived.search("encode a domain name", 5)] == hits
    assert writer.wait(timeout=120) == 0, writer.stderr.read()
    after = {lib.name: lib.ingested_at for lib in long_lived.libraries()}  # reopened on the swap
    assert after["idna"] > before["idna"] and after["h11"] == before["h11"]
    assert long_lived.index_status()["hnsw"]
    long_lived.close()


def test_two_writers_queue_and_keep_both_changes(built_db, tmp_path):
    """The second writer waits for the first's lock and starts from its result."""
    index = tmp_path / "small.duckdb"
    shutil.copyfile(built_db, index)
    code = (
        "import sys, time\nfrom workbench.store.database import Database\n"
        "with Database(sys.argv[1], read_only=False) as db:\n"
        "    print('open', flush=True)\n    db.set_meta('first', '1')\n    time.sleep(2)\n"
    )
    first = subprocess.Popen([sys.executable, "-c", code, str(index)], stdout=subprocess.PIPE, text=True)
    assert first.stdout.readline().strip() == "open"
    with Database(index, read_only=False) as db:  # waits for the first writer
        assert db.meta("first") == "1"
        db.set_meta("second", "1")
    assert first.wait(timeout=30) == 0
    with Database(index) as db:
        assert (db.meta("first"), db.meta("second")) == ("1", "1")


def test_the_swapped_in_file_keeps_the_permissions_and_leaves_no_copy(built_db, tmp_path):
    """A writer's copy takes the index's mode before it replaces it; only the lock file stays."""
    index = tmp_path / "small.duckdb"
    shutil.copyfile(built_db, index)
    index.chmod(0o640)
    inode = index.stat().st_ino
    with Database(index, read_only=False) as db:
        db.set_meta("probe", "1")
    inode, swapped = index.stat().st_ino, inode != index.stat().st_ino
    assert swapped and oct(index.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.duckdb", "small.duckdb.write.lock"]
    with Database(index, read_only=False) as db:  # a writer that commits nothing swaps nothing
        assert db.meta("probe") == "1"
    assert index.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.duckdb", "small.duckdb.write.lock"]


def test_a_long_ingest_publishes_its_finished_libraries(tmp_path, embedder, monkeypatch):
    """Every `$WORKBENCH_PUBLISH_EVERY` seconds an ingest swaps in what it finished, with
    its indexes and graph: a reader sees the first library (searchable, graph built) while
    the second is still being read, and a kill then would keep it."""
    from workbench.libraries.progress import SilentProgress

    monkeypatch.setenv("WORKBENCH_PUBLISH_EVERY", "0")
    path = tmp_path / "long.duckdb"
    seen: dict[str, object] = {}

    class Peek(SilentProgress):
        def library_started(self, library: str) -> None:
            if library == "idna":
                with Workbench(path, embedder=embedder) as reader:
                    seen["libraries"] = sorted(lib.name for lib in reader.libraries())
                    seen["status"] = reader.index_status()
                    seen["hit"] = reader.search("parse an HTTP response header", k=3)[0].library
                    seen["graph"] = bool(reader.neighbors("h11.Connection"))

    with Workbench(path, read_only=False, embedder=embedder) as writer:
        writer.ingest(["h11", "idna"], progress=Peek())
    assert seen["libraries"] == ["h11"]
    assert all(seen["status"].values()), seen["status"]
    assert seen["hit"] == "h11" and seen["graph"]
    assert not list(tmp_path.glob("long.duckdb.*-*")), "no copy or snapshot left behind"
    with Workbench(path, embedder=embedder) as reader:
        assert sorted(lib.name for lib in reader.libraries()) == ["h11", "idna"]

"""Backups are timestamped and rotated; restore checks a file first and refuses a bad one,
leaving the current index as it was."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.helpers import digest, run_cli
from workbench import Workbench
from workbench.store.backup import backups
from workbench.store.state import StateFile, state_path


@pytest.fixture
def current(built_db, tmp_path):
    path = tmp_path / "live" / "workbench.duckdb"
    path.parent.mkdir()
    shutil.copy(built_db, path)
    return path


def _backup(current, folder, keep="2"):
    result = run_cli("backup", str(folder), "--keep", keep, "--db", str(current))
    assert result.exit_code == 0, result.output
    return result


def test_backups_are_timestamped_and_rotated(current, tmp_path):
    StateFile(state_path(current)).add_feedback("encode a domain", "idna.encode", "good")
    folder = tmp_path / "backups"
    for _ in range(3):
        _backup(current, folder)
        time.sleep(0.01)
    kept = backups(folder, "workbench")
    assert len(kept) == 2
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 6  # each: the copy, its .sha256 and its state file
    assert all((folder / f"{p.name}.sha256").read_text().split()[0] == digest(p) for p in kept)
    assert StateFile(state_path(kept[-1])).feedback()[0][1] == "idna.encode"
    last = _backup(current, folder)
    assert f"removed {kept[0].name}" in last.output
    assert backups(folder, "workbench")[0] == kept[1]


def test_restore_brings_back_the_backed_up_index(current, tmp_path, embedder):
    folder = tmp_path / "backups"
    _backup(current, folder)
    (saved,) = backups(folder, "workbench")
    with Workbench(current, embedder=embedder) as wb:
        before = {lib.name for lib in wb.libraries()}
    current.unlink()  # lost: replaced by a smaller, different index
    assert run_cli("export", str(current), "-l", "idna", "--db", str(saved)).exit_code == 0
    result = run_cli("restore", str(saved), "--db", str(current))
    assert result.exit_code == 0, result.output
    with Workbench(current, embedder=embedder) as wb:
        assert {lib.name for lib in wb.libraries()} == before
        assert wb.search("encode a unicode domain name", 1)[0].path == "idna.encode"
    kept = current.with_name(current.name + ".pre-restore")
    with Workbench(kept, embedder=embedder) as wb:
        assert [lib.name for lib in wb.libraries()] == ["idna"]


@pytest.mark.parametrize("damage", ["flipped-byte", "foreign-file"])
def test_a_bad_backup_is_refused_and_the_index_stays(current, tmp_path, damage):
    folder = tmp_path / "backups"
    _backup(current, folder)
    (saved,) = backups(folder, "workbench")
    if damage == "flipped-byte":
        data = bytearray(saved.read_bytes())
        data[len(data) // 2] ^= 0xFF
        saved.write_bytes(bytes(data))
        expected = "does not match its SHA-256"
    else:
        saved = tmp_path / "sales.duckdb"
        conn = duckdb.connect(str(saved))
        conn.execute("CREATE TABLE orders AS SELECT 1 AS id")
        conn.close()
        expected = "not a workbench index"
    before = digest(current)
    result = run_cli("restore", str(saved), "--db", str(current))
    assert result.exit_code == 2 and expected in result.stderr
    assert result.stderr.count("\n") == 1
    assert digest(current) == before
    assert not current.with_name(current.name + ".pre-restore").exists()


def _holding(current: Path, read_only: bool) -> subprocess.Popen:
    """A process with `current` open (read-only, or as a writer: the write lock), ready
    once it printed 'ready'."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from workbench.store.database import Database; "
            f"db = Database({str(current)!r}, read_only={read_only}); print('ready', flush=True); "
            "time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_restore_swaps_under_a_reader_and_waits_for_a_writer(current, tmp_path, embedder, monkeypatch):
    """A reader keeps the file it opened and the restore goes ahead (as after a writer);
    a writer holding the write lock makes the restore wait, then refuse naming its pid,
    with the current file untouched."""
    folder = tmp_path / "backups"
    _backup(current, folder)
    (saved,) = backups(folder, "workbench")
    reader = _holding(current, read_only=True)
    try:
        result = run_cli("restore", str(saved), "--db", str(current))
        assert result.exit_code == 0, result.stderr
        assert digest(current) == digest(saved)
    finally:
        reader.kill()
        reader.wait()
    writer = _holding(current, read_only=False)
    try:
        before = digest(current)
        monkeypatch.setenv("WORKBENCH_WRITE_WAIT", "1")
        result = run_cli("restore", str(saved), "--db", str(current))
        assert result.exit_code == 2 and f"pid {writer.pid}" in result.stderr
        assert digest(current) == before
    finally:
        writer.kill()
        writer.wait()

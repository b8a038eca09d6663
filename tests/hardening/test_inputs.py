"""Hostile inputs get one clear line: library names with SQL in them, text that is not
valid Unicode, unreadable and corrupt files (issue 15, items 1, 2, 5 and 7)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import digest, run_cli
from workbench import Workbench
from workbench.errors import QueryError, StoreError, WorkbenchError
from workbench.store.database import Database


@pytest.fixture
def index(built_db: Path, tmp_path: Path) -> Path:
    """A private copy of the small index."""
    path = tmp_path / "small.duckdb"
    shutil.copyfile(built_db, path)
    return path


@pytest.mark.parametrize("name", ["a;b", "x'); DROP TABLE entities; --", "na me", "-lead", "é"])
def test_a_library_name_that_is_not_pep_508_is_refused_and_changes_nothing(index, embedder, name):
    """`optout` of a name with `;` or quotes is a QueryError and the file is unchanged."""
    before = digest(index)
    with (
        Workbench(index, read_only=False, embedder=embedder) as wb,
        pytest.raises(QueryError, match="PEP 508"),
    ):
        wb.opt_out(name, "r")
    assert digest(index) == before
    result = run_cli("compliance", "optout", "--reason", "r", "--db", str(index), "--", name)
    assert result.exit_code == 2 and "not a library name" in result.stderr


def test_the_graph_refresh_binds_library_names(index, embedder):
    """A pending library name with `;` and a quote (an index an older workbench let it
    into) refreshes the graph instead of breaking every later write with a ParserException."""
    with Database(index, read_only=False) as db:
        db.set_meta("graph_pending", "a;b,o'hara")
        db.set_meta("graph_dirty", "1")
    with Workbench(index, read_only=False, embedder=embedder) as wb:
        assert wb.graph.neighbors("idna.encode")  # the refresh ran
        assert wb.opt_out("idna", "test") > 0
    with Workbench(index, embedder=embedder) as wb:
        assert wb.index_status()["graph"]
        assert "idna" not in wb.library_names()


BAD_TEXT = ["read \ud800 csv", "read \udcff\udcfe csv", "nul\x00byte"]


@pytest.mark.parametrize("text", BAD_TEXT)
def test_text_that_is_not_valid_unicode_is_a_query_error(wb, text):
    """Lone surrogates and NULs reach no SQL and no tokenizer: every read says QueryError."""
    for call in (
        lambda: wb.search(text),
        lambda: wb.search("csv", libraries=[text]),
        lambda: wb.show(text),
        lambda: wb.resolve(text),
        lambda: wb.neighbors(text),
        lambda: wb.subgraph(text),
        lambda: wb.paths(text, "idna.encode"),
        lambda: wb.ask(text),
        lambda: wb.feedback(text, "idna.encode", "good"),
        lambda: wb.feedback("q", text, "good"),
    ):
        with pytest.raises(QueryError):
            call()


@pytest.mark.parametrize("command", ["search", "show", "graph", "ask"])
def test_invalid_utf8_on_the_command_line_is_one_line(built_db, command):
    """Bytes that are not UTF-8 in a real process's argv: exit 2, one line, no traceback."""
    argv = [sys.executable, "-m", "workbench.cli", command, b"read \xff\xfe csv", "--db", str(built_db)]
    proc = subprocess.run(
        argv, capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"}
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert "not valid UTF-8" in stderr


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="needs a non-root user")
def test_an_unreadable_file_is_a_store_error(index, embedder):
    """`Workbench(db)` on a file the user cannot read raises StoreError, not PermissionError."""
    index.chmod(0)
    try:
        if os.geteuid() == 0:  # root reads everything: drop to nobody in a real process
            code = (
                "import sys\nfrom workbench import Workbench\nfrom workbench.errors import StoreError\n"
                "try:\n    Workbench(sys.argv[1])\nexcept StoreError as e:\n    print('store:', e)\n"
            )
            proc = subprocess.run(
                [
                    "setpriv",
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    sys.executable,
                    "-c",
                    code,
                    str(index),
                ],
                capture_output=True,
                text=True,
                timeout=120,
                cwd="/",
                env={**os.environ, "HOME": "/tmp", "WORKBENCH_STATE": "/tmp/nobody-state.sqlite"},
            )
            assert proc.stdout.startswith("store: "), proc.stdout + proc.stderr
            assert "Permission denied" in proc.stdout and "Traceback" not in proc.stderr
        else:
            with pytest.raises(StoreError, match="Permission denied"):
                Workbench(index, embedder=embedder)
    finally:
        index.chmod(0o644)


def test_a_folder_the_user_cannot_enter_is_a_store_error(tmp_path, embedder):
    """A path whose stat fails for a reason other than absence is a StoreError too."""
    path = tmp_path / ("x" * 300) / "wb.duckdb"  # ENAMETOOLONG
    with pytest.raises(WorkbenchError):
        Workbench(path, embedder=embedder)


def test_a_corrupt_block_is_not_called_a_lock(index, embedder):
    """Garbage in the middle of the file is reported as a damaged file, never as a lock
    held by another process (DuckDB's word "block" contains "lock")."""
    size = index.stat().st_size
    with index.open("r+b") as fh:
        fh.seek(size // 2)
        fh.write(os.urandom(min(256 * 1024, size // 4)))
    try:
        with Workbench(index, embedder=embedder) as wb:
            for query in ("encode a domain", "h11 connection", "standard deviation"):
                wb.search(query)
            wb.graph.neighbors("idna.encode")
    except WorkbenchError as error:
        message = str(error)
        assert "another process" not in message and "is writing" not in message, message
        assert len(message.splitlines()) == 1

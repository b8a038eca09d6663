"""The state file beside the index: feedback and suggestions from read-only faces, many
writers at once, other processes holding the index, unwritable, corrupt and foreign files,
and the rows older workbenches kept in the index."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import digest, run_cli
from workbench import Workbench
from workbench.config import Settings
from workbench.errors import IndexBusyError, StoreError
from workbench.facade import record_feedback, record_suggestion
from workbench.retrieve.evaluation import load_cases
from workbench.store.database import _LOCK_CONFLICT, Database
from workbench.store.state import StateFile, state_path

#: A second process that opens the index (read-only or not) and holds it until stdin closes.
HOLD = """
import sys
from workbench.store.database import Database
db = Database(sys.argv[1], read_only=sys.argv[2] == "ro")
print("ready", flush=True)
sys.stdin.read()
"""

#: A process that writes 50 feedback rows through a read-only Workbench.
WRITE = """
import sys
from workbench import Workbench
from workbench.config import Settings
with Workbench(sys.argv[1]) as wb:
    for i in range(50):
        wb.feedback(f"query {sys.argv[2]}-{i}", "idna.encode", "good")
"""


@contextmanager
def holding(index: Path, mode: str) -> Iterator[subprocess.Popen]:
    """Another real process with the index open ("ro" or "rw") for the duration."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(index), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


@pytest.fixture(autouse=True)
def no_state_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_STATE", raising=False)


@pytest.fixture
def index(index_copy: Path) -> Path:
    return index_copy


def test_state_file_lives_beside_the_index_unless_overridden(tmp_path, monkeypatch):
    """`X.duckdb` keeps its state in `X.duckdb.state.sqlite`; WORKBENCH_STATE moves it."""
    assert state_path(tmp_path / "a.duckdb") == tmp_path / "a.duckdb.state.sqlite"
    monkeypatch.setenv("WORKBENCH_STATE", str(tmp_path / "elsewhere.sqlite"))
    assert state_path(tmp_path / "a.duckdb") == tmp_path / "elsewhere.sqlite"


def test_reads_of_a_missing_state_file_create_nothing(index, embedder):
    """Opening, reading feedback, suggestions and settings leave no state file behind."""
    with Workbench(index, embedder=embedder) as wb:
        assert wb.feedback_cases() == [] and wb.suggestions() == []
        assert wb.saved_settings() == wb.settings.search
        wb.reset_settings()
    assert sorted(p.name for p in index.parent.iterdir()) == ["small.duckdb"]


def test_feedback_from_a_read_only_workbench_while_another_process_reads(index, embedder):
    """A read-only Workbench records feedback while another real process has the index open."""
    with holding(index, "ro"), Workbench(index, embedder=embedder) as wb:
        assert wb.read_only
        start = time.perf_counter()
        assert wb.feedback("wrap prose", "wbfixture.sphinx_style", "good") == "wbfixture.styles.sphinx_style"
        elapsed = time.perf_counter() - start
        assert wb.suggest("Pydantic", "models") == 1 and wb.suggest("pydantic") == 2
        assert [(c.question, c.expected) for c in wb.feedback_cases()] == [
            ("wrap prose", ["wbfixture.styles.sphinx_style"])
        ]
    assert elapsed < 0.5
    assert index.with_name("small.duckdb.state.sqlite").is_file()


def test_readers_open_while_another_process_writes(index, embedder):
    """A writer works on a private copy: readers still open the index and check feedback
    paths meanwhile; a second writer waits for the first and then names it."""
    with holding(index, "rw") as writer:
        with Workbench(index, embedder=embedder) as wb:
            assert (
                wb.feedback("wrap prose", "wbfixture.sphinx_style", "good") == "wbfixture.styles.sphinx_style"
            )
        assert record_suggestion(index, "attrs", "dataclasses", embedder=embedder) == (1, True)
        result = run_cli("feedback", "encode a domain", "idna.encode", "good", "--db", str(index))
        assert result.exit_code == 0 and "unchecked" not in result.stderr
        os.environ["WORKBENCH_WRITE_WAIT"] = "0.5"
        try:
            with pytest.raises(IndexBusyError, match=f"pid {writer.pid}") as busy:
                Database(index, read_only=False)
        finally:
            del os.environ["WORKBENCH_WRITE_WAIT"]
        assert busy.value.pid == writer.pid and "is changing this file" in str(busy.value)
    with Workbench(index, embedder=embedder) as wb:
        assert [(c.question, c.expected) for c in wb.feedback_cases()] == [
            ("wrap prose", ["wbfixture.styles.sphinx_style"]),
            ("encode a domain", ["idna.core.encode"]),
        ]
        assert wb.suggestions() == [("attrs", 1, ["dataclasses"])]


#: An older workbench's writer: DuckDB's own lock on the file itself, no copy.
LEGACY_WRITER = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""


def test_a_legacy_writer_is_named_and_feedback_still_works(index, embedder):
    """A process holding DuckDB's own write lock (an older workbench) refuses readers: the
    error names it, and feedback still reaches the state file (path unchecked)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LEGACY_WRITER, str(index)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        with pytest.raises(IndexBusyError, match=f"pid {proc.pid}") as busy:
            Workbench(index, embedder=embedder)
        assert "is writing to this file" in str(busy.value)
        assert record_feedback(index, "wrap prose", "wbfixture.sphinx_style", "good", embedder=embedder) == (
            "wbfixture.sphinx_style",
            False,
        )
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def test_opening_to_write_while_another_process_reads(index):
    """A writer opens while another process reads, and its change is swapped in at close."""
    with holding(index, "ro"):
        with Database(index, read_only=False) as db:
            db.set_meta("probe", "1")
        with Database(index) as db:
            assert db.meta("probe") == "1"


def test_only_the_lock_conflict_counts_as_busy():
    """DuckDB's lock refusal is recognised; a corrupt-block message with "lock" in it is not."""
    assert _LOCK_CONFLICT.search(
        'Could not set lock on file "/x": Conflicting lock is held in /bin/py (PID 7)'
    )
    assert not _LOCK_CONFLICT.search("Corrupt database file: block 12 has a bad checksum")
    assert not _LOCK_CONFLICT.search("Could not read block 3 of the file")


def test_many_processes_write_feedback_at_once(index, embedder):
    """4 processes x 50 feedback writes through read-only Workbenches: all 200 rows land."""
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WRITE, str(index), str(n)]) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    elapsed = time.perf_counter() - start
    rows = StateFile(state_path(index)).feedback()
    assert len(rows) == 200 and len({r[0] for r in rows}) == 200
    with Workbench(index, embedder=embedder) as wb:
        assert len(wb.feedback_cases()) == 200
    assert elapsed < 60


def test_unwritable_state_file_is_one_clear_line(index, embedder, monkeypatch, tmp_path):
    """A state file that cannot be written is a StoreError saying where and how to fix it."""
    if os.geteuid() == 0:  # root writes through chmod: put the file under a plain file instead
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        monkeypatch.setenv("WORKBENCH_STATE", str(blocker / "state.sqlite"))
        expected = "not-a-folder is a file, not a folder"
    else:
        index.parent.chmod(0o555)
        expected = f"{index.parent} is read-only"
    try:
        with Workbench(index, embedder=embedder) as wb:
            assert wb.feedback_cases() == []  # reading still works
            with pytest.raises(StoreError, match="set WORKBENCH_STATE to a writable file") as error:
                wb.feedback("wrap prose", "wbfixture.sphinx_style", "good")
    finally:
        index.parent.chmod(0o755)
    assert str(error.value).startswith("cannot save feedback: ") and expected in str(error.value)
    assert "\n" not in str(error.value)


def test_cli_feedback_in_an_unwritable_place_exits_2(index, monkeypatch, tmp_path):
    """The CLI turns an unwritable state file into one line on stderr and exit code 2."""
    (tmp_path / "plain").write_text("")
    monkeypatch.setenv("WORKBENCH_STATE", str(tmp_path / "plain" / "state.sqlite"))
    result = run_cli("feedback", "wrap prose", "wbfixture.sphinx_style", "good", "--db", str(index))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot save feedback:") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["garbage", "foreign sqlite"])
def test_corrupt_or_foreign_state_file_is_refused_and_kept(index, embedder, kind):
    """A state file that is not ours gives a clear StoreError on read and write and is left as is."""
    import sqlite3

    path = state_path(index)
    if kind == "garbage":
        path.write_bytes(b"not a database at all " * 100)
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE notes (text TEXT)")
        conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="move it away"):
        Workbench(index, embedder=embedder)  # the saved settings are read on opening
    with Workbench(index, embedder=embedder, settings=Settings()) as wb:  # given settings: not read
        with pytest.raises(StoreError, match=r"cannot save feedback: .*move it away"):
            wb.feedback("wrap prose", "wbfixture.sphinx_style", "good")
        with pytest.raises(StoreError, match="move it away"):
            wb.feedback_cases()
    assert digest(path) == before


def test_legacy_rows_in_the_index_are_still_read(index, embedder):
    """Feedback and suggestions older workbenches wrote into DuckDB join the state file's."""
    with Database(index, read_only=False) as db, db.transaction() as conn:
        conn.execute(
            "INSERT INTO feedback VALUES ('old query', 'idna.encode', 'good', '2024-01-01 10:00:00')"
        )
        conn.execute("INSERT INTO suggestions VALUES ('attrs', ['old reason'], 2, now(), now())")
    with Workbench(index, embedder=embedder) as wb:
        wb.feedback("new query", "wbfixture.read_csv", "good")
        assert wb.suggest("attrs", "new reason") == 3
        assert wb.suggestions() == [("attrs", 3, ["old reason", "new reason"])]
        assert [(c.question, c.expected) for c in wb.feedback_cases()] == [
            ("old query", ["idna.encode"]),
            ("new query", ["wbfixture.styles.read_csv"]),
        ]


def test_feedback_export_holds_what_the_state_file_received(index, tmp_path):
    """`workbench feedback --export` writes the feedback given through the state file."""
    assert run_cli("feedback", "encode a domain", "idna.encode", "good", "--db", str(index)).exit_code == 0
    assert run_cli("suggest", "attrs", "--reason", "r", "--db", str(index)).output.startswith(
        "attrs: suggested 1"
    )
    out = tmp_path / "fb.jsonl"
    assert run_cli("feedback", "--export", str(out), "--db", str(index)).exit_code == 0
    assert [(c.question, c.expected) for c in load_cases(out)] == [("encode a domain", ["idna.core.encode"])]

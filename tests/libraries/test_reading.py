"""Reading ahead: libraries read in a child process give the same file as reading in place,
a package griffe cannot read still fails alone, and a dead reader is not fatal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import pytest

from tests.conftest import SMALL_LIBRARIES
from workbench import Workbench
from workbench.embed.onnx import OnnxEmbedder
from workbench.errors import LibraryLoadError
from workbench.ingest.packages import find_package
from workbench.libraries.reading import ReadAhead, read_library


def _rows(wb: Workbench) -> tuple[list, list]:
    entities = wb.db.execute("SELECT path, public_path, content_hash FROM entities ORDER BY path").fetchall()
    chunks = wb.db.execute(
        "SELECT entity_path, ordinal, text_hash, embedding FROM chunks ORDER BY entity_path, ordinal"
    ).fetchall()
    return entities, chunks


def test_reading_ahead_gives_the_same_file_as_reading_in_place(built_db, tmp_path, embedder, monkeypatch):
    # built_db ingested its three libraries with the default: read ahead in a child process
    # (and passages in float32)
    monkeypatch.setenv("WORKBENCH_READ_AHEAD", "0")
    path = tmp_path / "in-place.duckdb"
    fp32 = OnnxEmbedder(replace(embedder.settings, passage_precision="fp32"))
    with Workbench(path, read_only=False, embedder=fp32) as wb:
        wb.ingest(SMALL_LIBRARIES)
        in_place = _rows(wb)
    with Workbench(built_db, embedder=embedder) as wb:
        ahead = _rows(wb)
    assert len(ahead[0]) > 300 and len(ahead[1]) > 150
    assert ahead[0] == in_place[0]
    assert [c[:3] for c in ahead[1]] == [c[:3] for c in in_place[1]]
    assert all(
        max(abs(a - b) for a, b in zip(x[3], y[3], strict=True)) < 1e-5
        for x, y in zip(ahead[1], in_place[1], strict=True)
    )


def test_a_package_griffe_cannot_read_fails_alone_when_read_ahead(tmp_path, embedder, fixture_copy, on_path):
    on_path(fixture_copy)
    (fixture_copy / "wbfixture" / "__init__.py").write_text("def broken(:\n    pass\n")
    with Workbench(tmp_path / "wb.duckdb", read_only=False, embedder=embedder) as wb:
        reports = wb.ingest(["h11", "wbfixture", "idna"])
        assert [r.status for r in reports] == ["ingested", "failed", "ingested"]
        assert "griffe cannot read" in reports[1].message
        assert {lib.name for lib in wb.libraries()} == {"h11", "idna"}


def test_a_dead_reading_process_falls_back_to_reading_in_place():
    packages = [find_package(name) for name in ("h11", "idna")]
    with ReadAhead(packages) as reader:
        os.kill(reader.child_pid, signal.SIGKILL)  # the child, killed mid-way
        first = reader.take(packages[0])
        second = reader.take(packages[1])
        assert reader.child_pid is None  # it gave up on the child and read here
    assert len(first.chunks) == len(read_library(packages[0]).chunks) > 50
    assert {e.library for e in second.extraction.entities} == {"idna"}


def test_reading_a_broken_package_raises_the_load_error(fixture_copy, on_path):
    on_path(fixture_copy)
    (fixture_copy / "wbfixture" / "__init__.py").write_text("def broken(:\n    pass\n")
    package = find_package("wbfixture")
    with ReadAhead([find_package("h11"), package]) as reader, pytest.raises(LibraryLoadError):
        reader.take(package)


def test_the_reading_process_exits_when_the_ingest_is_killed(tmp_path):
    """A SIGKILLed ingest leaves no reading process behind."""
    script = (
        "import os, sys\n"
        "from workbench.ingest.packages import find_package\n"
        "from workbench.libraries.reading import ReadAhead\n"
        "reader = ReadAhead([find_package('h11'), find_package('idna')])\n"
        "reader.take(find_package('h11'))\n"
        "print(reader.child_pid, flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{child}"):
        time.sleep(0.2)
    assert not os.path.exists(f"/proc/{child}")


def test_a_script_without_a_main_guard_ingests_once(tmp_path, model_cache):
    """The reading process must not run the caller's script again. A `multiprocessing`
    child (spawn) imported `__main__` anew, so this script's top level ran twice and the
    second run waited an hour for the write lock its parent held."""
    marker = tmp_path / "runs.txt"
    script = tmp_path / "ingest_two.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from workbench import Workbench
            with open({str(marker)!r}, "a") as runs:
                runs.write("run\\n")
            with Workbench({str(tmp_path / "wb.duckdb")!r}, read_only=False) as wb:
                reports = wb.ingest(["h11", "idna"])
            print(*(r.status for r in reports))
            """
        )
    )
    env = {**os.environ, "WORKBENCH_WRITE_WAIT": "5"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ingested", "ingested"]
    assert marker.read_text().splitlines() == ["run"]

"""Ingest is transactional per library: no-op when unchanged, atomic when changed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import ALL_BUILT, digest
from workbench import Workbench


def _entity_count(wb: Workbench, library: str) -> int:
    return wb.db.execute("SELECT count(*) FROM entities WHERE library = ?", [library]).fetchone()[0]


def test_reingesting_an_unchanged_library_is_a_noop(tmp_path, embedder, fixture_copy, on_path):
    on_path(fixture_copy)
    path = tmp_path / "wb.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        first = wb.ingest(["wbfixture"])[0]
        wb.db.checkpoint()
    before = digest(path)
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        again = wb.ingest(["wbfixture"])[0]
    assert first.status == "ingested" and first.entities > 10
    assert again.status == "unchanged" and again.embedded == 0
    assert digest(path) == before


def test_changed_library_is_replaced_and_only_changed_chunks_embedded(
    tmp_path, embedder, fixture_copy, on_path
):
    on_path(fixture_copy)
    path = tmp_path / "wb.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        first = wb.ingest(["wbfixture"])[0]
        module = fixture_copy / "wbfixture" / "styles.py"
        module.write_text(
            module.read_text().replace(
                "Load a comma separated values file into rows of fields.",
                "Parse a tab or comma separated file into rows.",
            )
            + '\n\ndef brand_new() -> int:\n    """A function added in the new version."""\n    return 1\n'
        )
        second = wb.ingest(["wbfixture"])[0]
        assert second.status == "ingested"
        assert second.entities == first.entities + 1
        # read_csv changed, brand_new added, and the module chunk lists brand_new
        assert second.embedded == 3
        assert second.reused_embeddings == second.chunks - 3
        assert _entity_count(wb, "wbfixture") == second.entities
        assert wb.search("tab separated", 1, mode="bm25")[0].path == "wbfixture.read_csv"


@pytest.mark.slow
def test_kill_mid_ingest_keeps_the_last_good_state(tmp_path, embedder, fixture_copy, on_path):
    on_path(fixture_copy)
    path = tmp_path / "wb.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["wbfixture", "idna"])
        good_count = _entity_count(wb, "wbfixture")
        good_hits = [h.path for h in wb.search("standard deviation", 3)]
    extra = fixture_copy / "wbfixture" / "extra.py"
    extra.write_text('"""Added later."""\n\ndef later():\n    """New."""\n')

    env = {**os.environ, "WORKBENCH_TEST_HOLD_SECONDS": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "ingest", "wbfixture", "--db", str(path)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 120
    line = ""
    while time.monotonic() < deadline and "holding transaction" not in line:
        line = proc.stderr.readline()
        assert line or proc.poll() is None, "ingest ended before reaching the transaction"
    assert "holding transaction" in line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    with Workbench(path, embedder=embedder) as wb:  # read-only reopen after the crash
        assert _entity_count(wb, "wbfixture") == good_count
        assert [h.path for h in wb.search("standard deviation", 3)] == good_hits
    with Workbench(path, read_only=False, embedder=embedder) as wb:  # and it recovers
        report = wb.ingest(["wbfixture"])[0]
        assert report.status == "ingested"
        assert _entity_count(wb, "wbfixture") == good_count + 2  # module + function


def test_ingest_rebuilds_indexes(tmp_path, embedder):
    path = tmp_path / "wb.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["idna"])
        assert wb.index_status() == ALL_BUILT
        assert wb.libraries()[0].name == "idna"

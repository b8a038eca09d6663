"""`workbench bench --tui` measures the real app in a new process."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli


@pytest.mark.slow
def test_bench_tui_prints_startup_and_keystroke_latency(built_db):
    """The table has each figure beside its target, from a probe that really typed queries."""
    result = run_cli("bench", "--tui", "--db", str(built_db), "--set", "tests/data/tui_queries.jsonl")
    assert result.exit_code == 0, result.output
    out = result.output
    for row in ("first screen painted", "index open", "first results", "keystroke -> results p95"):
        assert row in out
    assert "< 1.0 s" in out and "< 350 ms" in out

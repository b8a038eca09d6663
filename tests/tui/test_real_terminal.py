"""The real `workbench tui` in a real terminal: scripts/tui_tmux.sh runs it under tmux on
the small index, types a query and captures the pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "tui_tmux.sh"


@pytest.fixture
def tmux() -> None:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing: `make test` installs it (make sysdeps)")
        pytest.skip("tmux is not installed (make sysdeps installs it)")


def test_typed_query_shows_results_in_a_real_terminal(tmux, built_db):
    """The pane shows the index opened, BM25 or hybrid results for the typed query, the
    documentation of the top hit and the key bindings in the footer."""
    env = {**os.environ, "WORKBENCH_BIN": f"{sys.executable} -m workbench.cli", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        ["bash", str(SCRIPT), str(built_db), "connection closed event", "h11.ConnectionClosed", "120"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    pane = done.stdout
    assert "PyRAG Workbench" in pane and "3 libraries" in pane
    ranks = [
        words[0] for words in map(str.split, pane.splitlines()) if words[1:2] == ["h11.ConnectionClosed"]
    ]
    assert ranks and ranks[0] in {"1", "2", "3"}, pane  # among the first results
    assert "This event indicates that the sender has" in pane  # the detail pane
    assert "Search" in pane and "f1 Help" in pane  # tabs and footer

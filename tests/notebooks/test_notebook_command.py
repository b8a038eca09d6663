"""`workbench notebook`: finds the notebooks beside the package, refuses what it cannot
open, and serves a notebook with `marimo run` that a real browser renders on the index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli
from workbench.cli import notebook_command
from workbench.cli.notebook_command import NOTEBOOKS, marimo_command, notebook_path


def test_every_notebook_is_found_beside_the_package():
    """Each name (also with dashes or .py) resolves to a file in the checkout's notebooks/."""
    for name in NOTEBOOKS:
        assert notebook_path(name).is_file()
        assert notebook_path(name.replace("_", "-") + ".py") == notebook_path(name)
    assert notebook_path("graph_explorer").parent == Path(__file__).resolve().parents[2] / "notebooks"


def test_marimo_gets_the_file_or_the_server_after_the_double_dash(tmp_path):
    """`--db` (or `--server` instead) and extra notebook arguments follow `--`; edit mode
    never checks for marimo updates."""
    path = notebook_path("relevance_tuning")
    run = marimo_command(
        path,
        edit=False,
        db=tmp_path / "x.duckdb",
        server=None,
        host="127.0.0.1",
        port=2718,
        headless=True,
        extra=("--set", "q.jsonl"),
    )
    assert run[run.index("run") + 1] == str(path) and "--headless" in run
    assert run[run.index("--") :] == ["--", "--db", str(tmp_path / "x.duckdb"), "--set", "q.jsonl"]
    edit = marimo_command(
        path, edit=True, db=None, server="http://127.0.0.1:8765", host="127.0.0.1", port=None, headless=False
    )
    assert "edit" in edit and "--skip-update-check" in edit and "--port" not in edit
    assert edit[edit.index("--") :] == ["--", "--server", "http://127.0.0.1:8765"]


def test_unknown_name_missing_index_and_missing_folder_are_one_line_errors(tmp_path, monkeypatch, built_db):
    """Each refusal exits 2 with a message naming the fix."""
    result = run_cli("notebook", "dashboard", "--db", str(built_db))
    assert result.exit_code == 2 and "choose from relevance_tuning" in result.stderr
    result = run_cli("notebook", "graph_explorer", "--", "--db", str(built_db))
    assert result.exit_code == 2 and "give --db before `--`" in result.output
    result = run_cli("notebook", "graph_explorer", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2 and "no index at" in result.stderr and "workbench ingest" in result.stderr
    monkeypatch.setattr(notebook_command, "notebooks_dir", lambda: tmp_path / "site-packages" / "notebooks")
    result = run_cli("notebook", "graph_explorer", "--db", str(built_db))
    assert result.exit_code == 2 and "is missing" in result.stderr and "notebooks/" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (make sysdeps)")
def test_marimo_run_serves_the_notebook_on_workbench_db(index_copy, monkeypatch):
    """`workbench notebook graph_explorer` with the index named by $WORKBENCH_DB only: the
    page a headless chromium renders reads that file and draws its charts; the server is
    gone afterwards."""
    from tests.notebooks.browser import Browser
    from tests.notebooks.screenshots import serve_notebook

    env = {**os.environ, "WORKBENCH_DB": str(index_copy)}
    env.pop("WORKBENCH_SERVER", None)
    args = ["--query", "h11.Connection", "--to", "h11.LocalProtocolError"]
    with serve_notebook("graph_explorer", args, env) as url, Browser() as browser:
        text = browser.open(url, ["Shortest paths", "Hubs", str(index_copy)], timeout=600, charts=3)
    assert f"Reading {index_copy}" in text
    assert "Degree distributions" in text
    import httpx

    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=2)

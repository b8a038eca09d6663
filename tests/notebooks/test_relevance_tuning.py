"""The relevance tuning notebook run headless by marimo on the small index: its metrics are
the facade's and the CLI's for the same settings, and settings it saves (while the real TUI
holds the file open) are the ones the CLI and the TUI then use."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.notebooks.conftest import MULTIHOP
from tests.notebooks.marimo_export import NOTEBOOKS, REPO, datasets, export
from workbench import Workbench
from workbench.config import SearchSettings, Settings
from workbench.retrieve.evaluation import load_cases
from workbench.retrieve.multihop_eval import load_multihop_cases

LOOKUP_COLUMNS = {
    "R@1": "recall_at_1",
    "R@5": "recall_at_5",
    "R@10": "recall_at_10",
    "MRR@10": "mrr_at_10",
    "nDCG@10": "ndcg_at_10",
}
HOP_COLUMNS = {
    "R@1": "answer_at_1",
    "R@5": "answer_at_5",
    "success@5": "success_at_5",
    "path match": "path_match",
}

#: Runs the notebook with marimo's script runner (`app.run()`), then does what its save
#: button does (`save_for_every_face` on the notebook's own reader and chosen settings).
SAVE_SCRIPT = """
import dataclasses, json, sys
notebooks, *args = sys.argv[1:]
sys.argv = ["relevance_tuning.py", *args]
sys.path.insert(0, notebooks)
from relevance_tuning import app, save_for_every_face
outputs, defs = app.run()
message = save_for_every_face(defs["reader"], defs["candidate"])
print("RESULT " + json.dumps({
    "message": message,
    "metrics": defs["metrics"].to_dicts(),
    "candidate": dataclasses.asdict(defs["candidate"]),
}))
"""


def test_metrics_equal_the_facade_evaluation_for_the_chosen_settings(
    index_copy, small_set, embedder, tmp_path
):
    """Knobs given on the command line reach the sliders; the metrics table (every lookup
    mode and both multi-hop systems), the per-library chart and the sweep are the facade's
    own numbers for those settings."""
    args = ["--db", str(index_copy), "--set", str(small_set), "--multihop-set", str(MULTIHOP)]
    args += ["--rrf_k", "30", "--bm25_weight", "0.5", "--sweep", "member_weight"]
    run = export("relevance_tuning", args, tmp_path)
    assert run.returncode == 0 and not run.errors(), (run.errors(), run.stderr[-3000:])

    chosen = SearchSettings(rrf_k=30, bm25_weight=0.5)
    with Workbench(index_copy, embedder=embedder) as wb:
        rows, skipped = wb.evaluate(
            load_cases(small_set), ("bm25", "vector", "hybrid"), search_settings=chosen
        )
    with Workbench(index_copy, settings=Settings(search=chosen), embedder=embedder) as tuned:
        report = tuned.evaluate_multihop(load_multihop_cases(MULTIHOP))
    assert len(skipped) == 2 and rows[0].n >= 8 and report.rows[0].n >= 3

    table = run.table_with("system")
    lookup = {r["system"]: r for r in table if r["set"] == "lookup"}
    hops = {r["system"]: r for r in table if r["set"] == "multi-hop"}
    assert set(lookup) == {"bm25", "vector", "hybrid"} and set(hops) == {"hybrid", "hybrid+graph"}
    for row in rows:
        assert lookup[row.mode]["n"] == row.n
        for column, attribute in LOOKUP_COLUMNS.items():
            assert lookup[row.mode][column] == pytest.approx(getattr(row, attribute), abs=1e-9), (
                row.mode,
                column,
            )
    for row in report.rows:
        assert hops[row.system]["n"] == row.n
        for column, attribute in HOP_COLUMNS.items():
            assert hops[row.system][column] == pytest.approx(getattr(row, attribute), abs=1e-9), (
                row.system,
                column,
            )
    assert hops["hybrid+graph"]["success@5"] > hops["hybrid"]["success@5"]  # the graph helps here
    assert any("rrf_k</code> 60 → <strong>30" in text for text in run.texts())  # shown as changed

    hybrid = next(r for r in rows if r.mode == "hybrid")
    (bars,) = datasets(run.chart_titled("recall@10 per library"))
    assert {b["library"]: b["recall@10"] for b in bars} == pytest.approx(
        {lib: recall for lib, (_, recall) in hybrid.per_library.items()}
    )
    sweep = run.chart_titled("sweeping member_weight")
    points = [d for d in datasets(sweep) if d and "metric" in d[0]]
    (rule,) = [d for d in datasets(sweep) if d and "metric" not in d[0]]
    assert rule == [{"setting": 0.3}]  # the current value is marked
    swept = sorted({p["setting"] for p in points[0]})
    assert swept[0] == 0.0 and swept[-1] == 1.0 and 0.3 in swept
    at_current = {p["metric"]: p["score"] for p in points[0] if p["setting"] == 0.3}
    assert at_current["R@10"] == pytest.approx(hybrid.recall_at_10)  # the sweep passes through the table


def _tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=False).stdout


def _wait_for_pane(socket: str, session: str, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pane = _tmux(socket, "capture-pane", "-p", "-t", session)
        if text in pane:
            return pane
        time.sleep(0.3)
    raise AssertionError(
        f"'{text}' never showed in the TUI:\n{_tmux(socket, 'capture-pane', '-p', '-t', session)}"
    )


def _start_tui(socket: str, session: str, db: Path) -> None:
    command = f"env TERM=xterm-256color HF_HUB_OFFLINE=1 {sys.executable} -m workbench.cli tui --db '{db}'"
    _tmux(socket, "new-session", "-d", "-s", session, "-x", "130", "-y", "40", f"{command}; sleep 30")
    _wait_for_pane(socket, session, "libraries ·", 120)


@pytest.mark.slow
def test_saved_settings_reach_the_cli_and_the_tui_while_the_tui_holds_the_file(
    index_copy, small_set, tmp_path
):
    """With the real TUI holding the index open (tmux), the notebook runs, evaluates and
    saves its settings; `workbench settings` shows them, `workbench eval` then gives the
    notebook's numbers, and a TUI opened afterwards starts from them."""
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing: `make test` installs it")
        pytest.skip("tmux is not installed")
    socket = f"wbnb-{os.getpid()}"
    try:
        _start_tui(socket, "holder", index_copy)
        tui_pid = _tmux(socket, "list-panes", "-t", "holder", "-F", "#{pane_pid}").strip()
        args = ["--db", str(index_copy), "--set", str(small_set), "--multihop-set", str(MULTIHOP)]
        args += ["--rrf_k", "25", "--vector_weight", "1.5", "--candidates", "50", "--sweep", "off"]
        done = subprocess.run(
            [sys.executable, "-c", SAVE_SCRIPT, str(NOTEBOOKS), *args],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=REPO,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))[7:])
        assert "rrf_k = 25" in result["message"] and "state.sqlite" in result["message"]
        expected = asdict(SearchSettings(rrf_k=25, vector_weight=1.5, candidates=50))
        assert result["candidate"] == expected
        assert _tmux(socket, "list-panes", "-t", "holder", "-F", "#{pane_pid}").strip() == tui_pid  # still up
        assert "libraries ·" in _tmux(socket, "capture-pane", "-p", "-t", "holder")

        shown = json.loads(run_cli("settings", "--json", "--db", str(index_copy)).output)
        assert shown["effective"] == expected
        assert shown["saved"] == {"rrf_k": 25, "vector_weight": 1.5, "candidates": 50}

        evaluated = run_cli(
            "eval",
            "--json",
            "--db",
            str(index_copy),
            "--set",
            str(small_set),
            "--multihop-set",
            str(MULTIHOP),
        )
        assert evaluated.exit_code == 0, evaluated.output
        payload = json.loads(evaluated.output)
        metrics = {(r["set"], r["system"]): r for r in result["metrics"]}
        for row in payload["rows"]:
            mine = metrics[("lookup", row["mode"])]
            assert mine["n"] == row["n"]
            for column, attribute in LOOKUP_COLUMNS.items():
                assert mine[column] == pytest.approx(row[attribute], abs=1e-9), (row["mode"], column)
        for row in payload["multihop"]:
            mine = metrics[("multi-hop", row["system"])]
            for column, attribute in HOP_COLUMNS.items():
                assert mine[column] == pytest.approx(row[attribute], abs=1e-9), (row["system"], column)

        _start_tui(socket, "after", index_copy)
        _tmux(socket, "send-keys", "-t", "after", "F6")
        pane = _wait_for_pane(socket, "after", "exact_name_boost", 60)
        values = dict(re.findall(r"^\s*(\w+)\s+▊\s+(\S+)", pane, re.MULTILINE))
        assert (
            values["rrf_k"] == "25" and values["vector_weight"] == "1.5" and values["candidates"] == "50"
        ), pane
    finally:
        _tmux(socket, "kill-server")


def test_the_explain_table_shows_every_part_of_a_hits_score(wb, monkeypatch):
    """The misses table reads the keys search writes (`name_boost`, not a key it never
    writes), the card's similarity and rank, the entity's usage and docstring length and the
    ranker's logit among them."""
    monkeypatch.syspath_prepend(str(REPO / "notebooks"))
    from relevance_tuning import explain_frame

    hits = wb.search("wrap prose to a width", 5)
    frame = explain_frame(hits, {hits[0].definition_path})
    assert frame["expected"].to_list() == [True, False, False, False, False]
    assert frame["card similarity"].to_list() == [h.explain["card_similarity"] for h in hits]
    assert frame["card rank"].to_list() == [h.explain["card_rank"] for h in hits]
    assert frame["used by libraries"].to_list() == [h.explain["used_by_libraries"] for h in hits]
    assert frame["doc length"].to_list() == [h.explain["doc_length"] for h in hits]
    assert frame["class in-degree"].to_list() == [h.explain.get("parent_in_degree") for h in hits]
    assert frame["ranker"].to_list() == [h.explain["ranker"] for h in hits]
    assert frame["public boost"].to_list() == [h.explain["public_boost"] for h in hits]
    assert frame["exact name boost"].to_list() == [h.explain["name_boost"] for h in hits]

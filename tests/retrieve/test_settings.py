"""Retrieval settings: checked ranges, saved in the state file and applied by every new
Workbench and the CLI, and tried in an evaluation without touching the open facade."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import run_cli
from workbench import Workbench
from workbench.config import SearchSettings, Settings, change_search_settings, validate_search_settings
from workbench.errors import QueryError, StoreError
from workbench.model import EvalCase
from workbench.store.state import StateFile

CASES = [
    EvalCase("q1", "encode a unicode domain name to ASCII", ["idna.encode"]),
    EvalCase("q2", "standard deviation of numbers", ["wbfixture.numpy_style"]),
    EvalCase("q3", "load a comma separated file", ["wbfixture.read_csv"]),
    EvalCase("q4", "HTTP request event", ["h11.Request"], library="h11"),
    EvalCase("q5", "the peer broke the protocol", ["h11.RemoteProtocolError"]),
    EvalCase("q6", "check a label is valid", ["idna.check_label"]),
]
CHAIN = "what is the base class of the error raised by ConnectionPool.parse_reply"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StateFile:
    """A private state file for the shared small index (its own stays untouched)."""
    path = tmp_path / "state.sqlite"
    monkeypatch.setenv("WORKBENCH_STATE", str(path))
    return StateFile(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rrf_k": 0}, "rrf_k must be >= 1"),
        ({"vector_weight": -0.1}, "vector_weight must be >= 0.0"),
        ({"candidates": 5}, "candidates must be between 10 and 1000"),
        ({"candidates": 1001}, "candidates must be between 10 and 1000"),
        ({"public_boost": 1.5}, "public_boost must be between 0.0 and 1.0"),
        ({"member_weight": -1}, "member_weight must be between 0.0 and 1.0"),
        ({"max_hops": 7}, "max_hops must be between 1 and 6"),
        ({"max_hops": 2.5}, "max_hops must be an integer"),
        ({"bm25_weight": "much"}, "bm25_weight must be a number"),
        ({"rrf_k": True}, "rrf_k must be an integer"),
    ],
)
def test_out_of_range_settings_are_one_line_query_errors(changes, message):
    """Every knob is checked against its range and type, with a one-line message."""
    with pytest.raises(QueryError, match=message) as error:
        validate_search_settings(replace(SearchSettings(), **changes))
    assert "\n" not in str(error.value)


def test_text_values_are_read_as_the_knob_type():
    """`change_search_settings` reads command-line text and refuses unknown knobs."""
    changed = change_search_settings(SearchSettings(), {"rrf_k": "30", "bm25_weight": "0"})
    assert (changed.rrf_k, changed.bm25_weight) == (30, 0.0)
    with pytest.raises(QueryError, match="unknown setting 'rrf'"):
        change_search_settings(SearchSettings(), {"rrf": "30"})
    with pytest.raises(QueryError, match="rrf_k must be an integer, not 'x'"):
        change_search_settings(SearchSettings(), {"rrf_k": "x"})


def test_saved_settings_apply_to_every_new_workbench(built_db, embedder, state):
    """Settings saved through one Workbench are used by the next one opened without
    `settings=`; given settings win; reset goes back to the defaults."""
    chosen = SearchSettings(rrf_k=10, bm25_weight=0.5, max_hops=2)
    with Workbench(built_db, embedder=embedder) as wb:
        assert wb.settings.search == SearchSettings()
        wb.save_settings(chosen)
        assert wb.settings.search == chosen  # the saving workbench uses them at once
    assert state.setting("search") == {"rrf_k": 10, "bm25_weight": 0.5, "max_hops": 2}  # changes only
    with Workbench(built_db, embedder=embedder) as wb:
        assert wb.settings.search == chosen and wb.saved_settings() == chosen
    with Workbench(built_db, embedder=embedder, settings=Settings()) as wb:
        assert wb.settings.search == SearchSettings()
        wb.reset_settings()
    with Workbench(built_db, embedder=embedder) as wb:
        assert wb.settings.search == SearchSettings()


def test_unknown_saved_keys_are_ignored_and_wrong_types_refused(built_db, embedder, state):
    """A knob from a newer workbench is skipped; a saved value of the wrong type is a StoreError."""
    state.save_setting("search", {"rrf_k": 20, "knob_of_the_future": 1})
    with Workbench(built_db, embedder=embedder) as wb:
        assert wb.settings.search == SearchSettings(rrf_k=20)
    state.save_setting("search", {"rrf_k": "twenty"})
    with pytest.raises(StoreError, match=r"rrf_k must be an integer.*workbench settings reset"):
        Workbench(built_db, embedder=embedder)


def test_cli_settings_change_what_search_ranks_with(built_db, state):
    """`workbench settings set` is used by a later `workbench search --json` (explain shows
    RRF with k=1 and no BM25 weight), shown by `settings --json`, and undone by `reset`."""
    db = ["--db", str(built_db)]
    result = run_cli("settings", "set", "rrf_k", "1", "bm25_weight", "0", *db)
    assert result.exit_code == 0 and str(state.path) in result.output
    hits = json.loads(run_cli("search", "encode a domain name", "--json", *db).output)
    for hit in hits:
        rank = hit["explain"]["vector_rank"]
        assert hit["explain"]["rrf"] == (round(1 / (1 + rank), 6) if rank else 0.0)
    shown = json.loads(run_cli("settings", "--json", *db).output)
    assert shown["saved"] == {"rrf_k": 1, "bm25_weight": 0.0}
    assert shown["effective"]["rrf_k"] == 1 and shown["state_file"] == str(state.path)
    bad = run_cli("settings", "set", "candidates", "5", *db)
    assert bad.exit_code == 2 and "candidates must be between 10 and 1000" in bad.stderr
    assert run_cli("settings", "reset", *db).exit_code == 0
    assert json.loads(run_cli("settings", "show", "--json", *db).output)["saved"] == {}


def test_max_hops_setting_is_the_default_walk_depth(built_db, embedder, state):
    """`multi_hop` without `max_hops` walks as far as the saved setting allows."""
    with Workbench(built_db, embedder=embedder) as wb:
        assert len(wb.multi_hop(CHAIN, 5).chain) == 2
        wb.save_settings(SearchSettings(max_hops=1))
        assert len(wb.multi_hop(CHAIN, 5).chain) == 1
        assert len(wb.multi_hop(CHAIN, 5, max_hops=2).chain) == 2


def test_evaluate_with_other_settings_leaves_the_workbench_alone(wb):
    """Candidate settings change the metrics of that run only; `wb.settings` stays."""
    before = wb.settings
    default, _ = wb.evaluate(CASES, modes=("hybrid",))
    no_bm25, _ = wb.evaluate(CASES, modes=("hybrid",), search_settings=SearchSettings(bm25_weight=0.0))
    assert wb.settings is before
    metrics = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10")
    assert [getattr(default[0], m) for m in metrics] != [getattr(no_bm25[0], m) for m in metrics]
    again, _ = wb.evaluate(CASES, modes=("hybrid",))  # the cache kept the two apart
    assert again == default


def test_per_library_recall(wb):
    """Each row holds (cases, recall@10) per library: a case's own, else its first path's root."""
    rows, _ = wb.evaluate(CASES, modes=("hybrid", "bm25"))
    for row in rows:
        assert {lib: n for lib, (n, _) in row.per_library.items()} == {"h11": 2, "idna": 2, "wbfixture": 2}
        total = sum(n * recall for n, recall in row.per_library.values())
        assert total / row.n == pytest.approx(row.recall_at_10)


def test_evaluate_in_a_thread_while_searching(wb):
    """An evaluation with other settings in a worker thread does not change what concurrent
    searches with the current settings return."""
    expected = {case.question: [h.path for h in wb.search(case.question)] for case in CASES}
    done = threading.Event()
    evaluated = []

    def work() -> None:
        evaluated.append(wb.evaluate(CASES, search_settings=SearchSettings(vector_weight=0.0, rrf_k=5)))
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    rounds = 0
    while not done.is_set() or rounds < 2:
        wb.clear_caches()
        for case in CASES:
            assert [h.path for h in wb.search(case.question)] == expected[case.question]
        rounds += 1
    worker.join()
    assert evaluated and len(evaluated[0][0]) == 3


def test_eval_json_has_per_library_recall(built_db, tmp_path, state):
    """`workbench eval --json` adds per_library to each row and keeps the other fields."""
    cases = tmp_path / "set.jsonl"
    cases.write_text(
        "".join(json.dumps({"question": c.question, "expected": c.expected}) + "\n" for c in CASES)
    )
    result = run_cli(
        "eval", "--set", str(cases), "--no-multihop", "--mode", "bm25", "--json", "--db", str(built_db)
    )
    row = json.loads(result.output)["rows"][0]
    assert {
        "mode",
        "n",
        "recall_at_1",
        "recall_at_5",
        "recall_at_10",
        "mrr_at_10",
        "ndcg_at_10",
        "misses",
    } < set(row)
    assert row["per_library"]["idna"][0] == 2

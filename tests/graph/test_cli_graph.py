"""`workbench graph`, `workbench ask` and the multi-hop part of `workbench eval`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli

SMALL_SET = Path(__file__).parent.parent / "data" / "multihop_small.jsonl"


def test_graph_prints_the_neighbourhood_as_a_tree(built_db):
    result = run_cli(
        "graph",
        "wbfixture.ConnectionPool.acquire",
        "--hops",
        "2",
        "--direction",
        "out",
        "--db",
        str(built_db),
    )
    assert result.exit_code == 0, result.output
    assert "-raises-> wbfixture.PoolTimeout" in result.output
    assert "-inherits-> wbfixture.TransportError" in result.output


def test_graph_json_and_relation_filter(built_db):
    result = run_cli(
        "graph", "wbfixture.TransportError", "--rel", "inherits", "--json", "--db", str(built_db)
    )
    payload = json.loads(result.output)
    assert {e["relation"] for e in payload["edges"]} == {"inherits"}
    assert {"wbfixture.pool.PoolTimeout", "wbfixture._core.ReadTimeoutError"} <= {
        n["path"] for n in payload["nodes"]
    }


def test_graph_to_prints_shortest_paths(built_db):
    result = run_cli(
        "graph", "wbfixture.ConnectionPool.acquire", "--to", "wbfixture.TransportError", "--db", str(built_db)
    )
    assert result.exit_code == 0
    assert "2 hop(s)" in result.output
    assert "-raises->" in result.output and "-inherits->" in result.output


def test_graph_unknown_node_is_a_one_line_error(built_db):
    result = run_cli("graph", "wbfixture.Nope", "--db", str(built_db))
    assert result.exit_code == 2
    assert "no node 'wbfixture.Nope'" in result.stderr


def test_ask_explain_prints_plan_steps_and_paths(built_db):
    question = "which exception can acquiring a pooled connection raise, and what is its base class"
    result = run_cli("ask", question, "--explain", "--db", str(built_db))
    assert result.exit_code == 0, result.output
    assert "plan: chain" in result.output
    assert "raises -> inherits" in result.output
    assert "1. wbfixture.TransportError" in result.output
    assert "path:" in result.output


def test_ask_json(built_db):
    result = run_cli("ask", "what raises PoolTimeout", "--json", "-k", "2", "--db", str(built_db))
    payload = json.loads(result.output)
    assert payload["answer"][0]["path"] == "wbfixture.ConnectionPool.acquire"
    assert payload["steps"][0]["status"] == "ok"


def test_ask_rejects_an_empty_question(built_db):
    result = run_cli("ask", "  ", "--db", str(built_db))
    assert result.exit_code == 2 and "empty query" in result.stderr


def test_eval_compares_search_alone_with_search_and_graph(built_db, tmp_path):
    lookups = tmp_path / "lookups.jsonl"
    lookups.write_text(
        json.dumps({"question": "wrap prose to a width", "expected": ["wbfixture.sphinx_style"]}) + "\n"
    )
    result = run_cli(
        "eval",
        "--set",
        str(lookups),
        "--multihop-set",
        str(SMALL_SET),
        "--calibrate",
        "--json",
        "--db",
        str(built_db),
    )
    payload = json.loads(result.output)
    rows = {r["system"]: r for r in payload["multihop"]}
    assert rows["hybrid"]["n"] == 4 and payload["multihop_skipped"] == ["fx-5"]
    graph = rows["hybrid+graph"]
    assert graph["success_at_5"] >= 0.75 and graph["success_at_5"] > rows["hybrid"]["success_at_5"]
    assert graph["path_match"] >= 0.5
    assert "graph" in payload["calibration"]
    assert 0 <= payload["calibration"]["graph"]["held_out_reliability"]["ece"] <= 1

"""`workbench eval` and `workbench bench` run end to end on the small real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

CASES = [
    {"id": "q1", "question": "encode a unicode domain name to ASCII", "expected": ["idna.encode"]},
    {"id": "q2", "question": "standard deviation of numbers", "expected": ["wbfixture.numpy_style"]},
    {"id": "q3", "question": "load a comma separated file", "expected": ["wbfixture.read_csv"]},
    {"id": "q4", "question": "HTTP request event", "expected": ["h11.Request"]},
    {"id": "q5", "question": "a thing we never indexed", "expected": ["nowhere.at_all"]},
]


@pytest.fixture
def eval_set(tmp_path: Path) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    return path


def test_eval_reports_three_modes_and_skips_unindexed(built_db: Path, eval_set: Path):
    result = run_cli("eval", "--set", str(eval_set), "--json", "--db", str(built_db))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    rows = {r["mode"]: r for r in payload["rows"]}
    assert set(rows) == {"bm25", "vector", "hybrid"}
    assert payload["skipped"] == ["q5"]
    assert rows["hybrid"]["n"] == 4
    assert rows["hybrid"]["recall_at_10"] == 1.0
    for row in rows.values():
        assert 0 <= row["mrr_at_10"] <= row["recall_at_10"] <= 1
    ablation = {r["name"]: r for r in payload["ablation"]}
    assert {"all levers", "- named_library", "- filler_words", "- graph_prior", "no levers"} < set(ablation)
    assert ablation["all levers"]["recall_at_10"] == rows["hybrid"]["recall_at_10"]
    held_out = [r for name, r in ablation.items() if "held-out" in name]
    assert len(held_out) == 1 and held_out[0]["n"] == 4 and held_out[0]["p95_ms"] > 0


def test_eval_scores_the_ranker_in_use_on_questions_written_apart(built_db: Path, eval_set: Path, tmp_path):
    apart = tmp_path / "apart.jsonl"
    apart.write_text(
        json.dumps(
            {
                "id": "a1",
                "question": "close the client and its connections",
                "expected": ["wbfixture.Client.close"],
            }
        )
        + "\n"
        + json.dumps({"id": "a2", "question": "nothing indexed", "expected": ["nowhere.at_all"]})
        + "\n"
    )
    args = ("eval", "--set", str(eval_set), "--no-multihop", "--db", str(built_db))
    result = run_cli(*args, "--holdout-set", str(apart), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["holdout"]
    assert [r["name"] for r in rows] == ["hybrid", "+ learned_ranker (as every face applies it)"]
    assert all(r["n"] == 1 for r in rows)
    table = run_cli(*args, "--holdout-set", str(apart))
    assert "questions written apart (apart.jsonl, 1): never fitted on" in table.output


def test_eval_table_lists_misses(built_db: Path, eval_set: Path):
    result = run_cli("eval", "--set", str(eval_set), "--misses", "--db", str(built_db))
    assert result.exit_code == 0
    assert "recall@10" in result.output and "hybrid" in result.output
    assert "1 questions skipped" in result.output
    assert "ablation" in result.output and "graph_prior" in result.output


def test_bad_eval_set_is_a_clear_error(built_db: Path, tmp_path: Path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"question": "no expected key"}\n')
    result = run_cli("eval", "--set", str(broken), "--db", str(built_db))
    assert result.exit_code == 2 and "broken.jsonl:1" in result.stderr


def test_bench_prints_latency_throughput_and_hnsw_recall(built_db: Path, eval_set: Path):
    hop_set = Path(__file__).parent.parent / "data" / "multihop_small.jsonl"
    result = run_cli(
        "bench",
        "--set",
        str(eval_set),
        "--multihop-set",
        str(hop_set),
        "--repeat",
        "1",
        "--db",
        str(built_db),
    )
    assert result.exit_code == 0, result.output
    for needle in ("p95 ms", "hybrid", "HNSW recall@10", "entities/s", "h11", "peak memory"):
        assert needle in result.output
    for needle in ("multi-hop", "ask (planner)", "API graph", "member_of"):
        assert needle in result.output


def test_bench_times_queries_not_the_cache(wb):
    from workbench.bench import run_bench

    result = run_bench(
        wb,
        ["encode a domain name", "standard deviation"],
        repeat=2,
        multihop_questions=["what raises PoolTimeout"],
    )
    for mode in ("bm25", "vector", "hybrid", "multi-hop", "ask (planner)"):
        assert result["latency"][mode]["p50"] > 0.5, mode  # a cached repeat would take ~0 ms

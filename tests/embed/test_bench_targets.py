"""`workbench bench` measures cold start, embedding throughput and quality with ONNX
against torch on the same file, and puts every figure beside issue 13's target."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import run_cli
from workbench import Workbench
from workbench.bench import TARGETS, against_targets, run_bench, torch_twin
from workbench.embed.onnx import OnnxEmbedder
from workbench.model import EvalCase
from workbench.retrieve.multihop_eval import load_multihop_cases

CASES = [
    EvalCase("q1", "encode a unicode domain name to ASCII", ["idna.encode"]),
    EvalCase("q2", "HTTP request event", ["h11.Request"]),
    EvalCase("q3", "send data then close the connection", ["h11.Connection.send"]),
    EvalCase("q4", "standard deviation of numbers", ["wbfixture.numpy_style"]),
]
HOP_SET = Path(__file__).parent.parent / "data" / "multihop_small.jsonl"


@pytest.fixture
def fp32_wb(built_db, embedder) -> Iterator[Workbench]:
    """The small index with queries embedded in float32, as torch embeds them: on 4
    questions one rank that the int8 query model moves is 0.06 of MRR, so the bench's
    within-0.01 verdict is checked where it must hold exactly (the int8 model's own
    figures are the full sets', in the README)."""
    settings = replace(embedder.settings, query_precision="fp32")
    with Workbench(built_db, embedder=OnnxEmbedder(settings)) as opened:
        yield opened


def test_onnx_against_torch_same_quality_and_every_target_row(fp32_wb):
    """With torch as the comparison: both backends' passages/s (and the int8 model's), a
    torch cold start, eval metrics of every mode (and multi-hop) equal within 0.01, and one
    row per target."""
    wb = fp32_wb
    hops = load_multihop_cases(HOP_SET)
    result = run_bench(
        wb,
        [c.question for c in CASES],
        repeat=1,
        multihop_questions=[c.question for c in hops[:2]],
        cold_runs=1,
        passages=32,
        compare=lambda: torch_twin(wb),
        eval_cases=CASES,
        multihop_cases=hops,
    )
    assert result["backend"] == "onnx"
    # the file's passages are float32 (tests' index): the int8 model is timed beside them
    assert result["passage_precision"] == "fp32"
    assert set(result["embedding"]) == {"onnx", "onnx, int8", "onnx, fp32, cards", "torch"}
    assert all(row["passages"] == 32 and row["passages_per_s"] > 0 for row in result["embedding"].values())
    assert result["comparison"]["backend"] == "torch"
    assert result["comparison"]["cold_start"]["torch"]["first_result_s"] > 0
    quality = result["comparison"]["quality"]
    assert [r["mode"] for r in quality if r["set"] == "search"] == ["bm25", "vector", "hybrid"]
    assert any(r["set"] == "multi-hop" for r in quality)
    assert all(r["same"] for r in quality), quality
    assert [row["key"] for row in result["targets"]] == list(TARGETS)
    assert all(row["value"] is not None for row in result["targets"])
    rss = next(row for row in result["targets"] if row["key"] == "search_rss_mb")
    assert rss["met"] is True  # a search process without torch: ~250 MB


def test_targets_are_judged_in_the_right_direction():
    """Lower is better for times and memory, higher for throughput; missing is unjudged."""
    result = {
        "latency": {"hybrid": {"p95": 31.0}, "ask (planner)": {"p95": 99.0}},
        "cold_start": {"first_result_s": 1.2, "rss_mb": 0},
        "embedding": {"onnx": {"passages_per_s": 200.0}},
        "backend": "onnx",
    }
    met = {row["key"]: row["met"] for row in against_targets(result)}
    assert met == {
        "cold_start_s": True,
        "hybrid_p95_ms": False,
        "ask_p95_ms": True,
        "search_rss_mb": None,
        "passages_per_s": True,
    }


def test_the_throughput_target_scales_with_the_files_chunks():
    """104k chunks in the 10-minute budget need 173 passages/s, not the 153 of 92k."""
    result = {
        "latency": {},
        "cold_start": {},
        "embedding": {"onnx": {"passages_per_s": 160.0}},
        "backend": "onnx",
        "totals": {"chunks": 103_778},
    }
    (row,) = [r for r in against_targets(result) if r["key"] == "passages_per_s"]
    assert row["target"] == 173 and row["met"] is False
    assert "104k chunks" in row["label"]


def test_bench_command_prints_targets_and_the_quality_table(built_db, tmp_path, embedder, monkeypatch):
    """`workbench bench --compare-torch` prints the targets table, both cold starts, both
    throughputs and the before/after quality table (queries in float32: see `fp32_wb`)."""
    monkeypatch.setenv("WORKBENCH_QUERY_PRECISION", "fp32")
    cases = tmp_path / "set.jsonl"
    rows = [{"id": c.id, "question": c.question, "expected": c.expected} for c in CASES]
    cases.write_text("\n".join(json.dumps(row) for row in rows))
    result = run_cli(
        "bench", "--db", str(built_db), "--set", str(cases), "--multihop-set", str(HOP_SET),
        "--repeat", "1", "--cold-runs", "1", "--passages", "16", "--compare-torch",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    targets = ("against the targets", "queries fp32", "<= 1.5 s", "<= 30 ms", "<= 600 MB")
    for needle in (*targets, "cold start with torch"):
        assert needle in result.output
    for needle in ("passages/CPU-s", "quality: torch (before) against onnx (after)", "recall@10", "MRR@10"):
        assert needle in result.output
    assert " no " not in result.output.split("quality:")[1].split("warm query latency")[0]

"""`workbench bench --http` end to end, kept tiny: a real server, wrk and the open-loop
client on loopback, and a result whose numbers hang together (not a timed test)."""

from __future__ import annotations

import shutil

import pytest

from workbench.bench.http import distinct_queries, knee, run_http_bench

QUESTIONS = ["read timeout", "parse a header", "connection pool", "encode a domain name", "send an event"]


def test_distinct_queries_never_repeat():
    queries = distinct_queries(QUESTIONS, 12, salt=3)
    assert len(set(queries)) == 12 and queries[0].startswith("read timeout")


def test_the_knee_is_where_throughput_stops_growing():
    rows = [
        {"connections": 1, "rps": 20.0, "p50": 40.0},
        {"connections": 16, "rps": 60.0, "p50": 200.0},
        {"connections": 64, "rps": 61.0, "p50": 900.0},
    ]
    assert knee(rows) == 16
    assert knee(rows[:2]) is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make sysdeps)")
def test_the_http_bench_runs_end_to_end(served_db):
    result = run_http_bench(
        served_db, QUESTIONS, levels=(1, 8), seconds=1.5, workers=1, in_process_queries=10
    )
    assert [row["connections"] for row in result["levels"]] == [1, 8]
    assert all(row["requests"] > 0 and row["errors"] == 0 for row in result["levels"])
    assert result["open_loop"]["requests"] > 0 and result["open_loop"]["errors"] == 0
    assert result["in_process"]["n"] == 10 and result["capacity_rps"] > 0
    assert result["overhead_p50_ms"] == result["levels"][0]["p50"] - result["in_process"]["p50"]

"""`workbench bench`: warm query latency, ingest throughput, sizes and peak memory."""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from workbench.embed.embedder import vector_literal
from workbench.facade import Workbench
from workbench.store import queries


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def time_queries(wb: Workbench, questions: list[str], mode: str, repeat: int) -> list[float]:
    """Milliseconds per search, after one warm-up pass."""
    for q in questions[:5]:
        wb.search(q, 10, mode=mode)
    times = []
    for _ in range(repeat):
        for q in questions:
            wb.clear_caches()  # time the query, not the cache of its last run
            start = time.perf_counter()
            wb.search(q, 10, mode=mode)
            times.append((time.perf_counter() - start) * 1000)
    return times


def hnsw_recall(wb: Workbench, questions: list[str], k: int = 10) -> dict[str, float]:
    """Recall@k of the HNSW index against an exact scan, and the p50 latency of each."""
    recalls, fast, slow = [], [], []
    for question in questions:
        literal = vector_literal(wb.embedder.embed_query(question))
        start = time.perf_counter()
        approx = queries.vector_candidates(wb.db, literal, k)
        fast.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        exact = queries.vector_candidates(wb.db, literal, k, exact=True)
        slow.append((time.perf_counter() - start) * 1000)
        truth = {p for p, _ in exact}
        recalls.append(len(truth & {p for p, _ in approx}) / max(len(truth), 1))
    return {
        "recall": statistics.fmean(recalls) if recalls else 0.0,
        "hnsw_p50": percentile(fast, 50) if fast else 0.0,
        "exact_p50": percentile(slow, 50) if slow else 0.0,
    }


def time_multihop(wb: Workbench, questions: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """Milliseconds per multi-hop walk and per planned answer (`ask`), after a warm-up."""
    out = {}
    for name, run in (("multi-hop", lambda q: wb.multi_hop(q, 5)), ("ask (planner)", lambda q: wb.ask(q, 5))):
        for q in questions[:3]:
            run(q)
        times = []
        for _ in range(repeat):
            for q in questions:
                wb.clear_caches()
                start = time.perf_counter()
                run(q)
                times.append((time.perf_counter() - start) * 1000)
        out[name] = _stats(times)
    return out


def _stats(times: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "mean": statistics.fmean(times),
    }


def run_bench(
    wb: Workbench, questions: list[str], repeat: int = 3, multihop_questions: list[str] | None = None
) -> dict[str, Any]:
    """Measure the open workbench; returns plain data for a table or JSON."""
    start = time.perf_counter()
    wb.embedder.embed_query("warm up")
    model_load = time.perf_counter() - start
    latency = {}
    for mode in ("bm25", "vector", "hybrid"):
        latency[mode] = _stats(time_queries(wb, questions, mode, repeat))
    if multihop_questions:
        latency.update(time_multihop(wb, multihop_questions, repeat))
    vector_index = hnsw_recall(wb, questions)
    sizes = {lib: (ents, chunks, size) for lib, ents, chunks, size in wb.library_sizes()}
    rows = []
    for lib in wb.libraries():
        ents, chunks, size = sizes.get(lib.name, (0, 0, 0))
        seconds = max(lib.duration_s, 1e-9)
        rows.append(
            {
                "library": lib.name,
                "entities": ents,
                "chunks": chunks,
                "seconds": lib.duration_s,
                "entities_per_s": ents / seconds,
                "chunks_per_s": chunks / seconds,
                "mb": size / 1e6,
            }
        )
    total_s = sum(r["seconds"] for r in rows) or 1e-9
    totals = {
        "entities": sum(r["entities"] for r in rows),
        "chunks": sum(r["chunks"] for r in rows),
        "seconds": total_s,
        "mb": sum(r["mb"] for r in rows),
    }
    totals["entities_per_s"] = totals["entities"] / total_s
    totals["chunks_per_s"] = totals["chunks"] / total_s
    status = wb.index_status()
    return {
        "queries": len(questions) * repeat,
        "latency": latency,
        "vector_index": vector_index,
        "libraries": rows,
        "totals": totals,
        "file_mb": wb.db.path.stat().st_size / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "model_load_s": model_load,
        "indexes": ", ".join(k for k, v in status.items() if v),
        "graph": wb.graph_size(),
        "multihop_queries": len(multihop_questions or []) * repeat,
    }

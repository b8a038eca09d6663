"""`workbench bench --http`: the server under load, beside in-process latency.

In one run: the same distinct questions timed in-process (latency and CPU seconds per
query), then a real `workbench serve` on 127.0.0.1 driven from separate client processes:
wrk (closed loop, 1/16/64/1,000 connections, bounded in time) and an open-loop client at
half the measured peak throughput. Everything stays on loopback and ends with the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from workbench.bench import percentile
from workbench.errors import QueryError, WorkbenchError
from workbench.facade import Workbench

LEVELS = (1, 16, 64, 1000)
K = 10
MAX_LEVEL_SECONDS = 60.0


def distinct_queries(questions: list[str], n: int, salt: int = 0) -> list[str]:
    """`n` different query texts from the questions (a numbered variant once they run out),
    so no request is answered from the server's result cache."""
    return [
        q if i < len(questions) and not salt else f"{q} {salt * 1_000_000 + i}"
        for i, q in ((i, questions[i % len(questions)]) for i in range(n))
    ]


def time_in_process(db: Path, queries: list[str]) -> dict[str, float]:
    """Wall milliseconds and CPU seconds (all threads) per search, caches cleared each time.

    As in the server, the model is loaded in one thread and the searches run in another:
    the thread that first runs torch gets its pool of intra-op threads, which on a loaded
    2-core machine spin against each other (measured: 520 ms a query in that thread
    against 53 ms in another one).
    """
    from concurrent.futures import ThreadPoolExecutor

    with Workbench(db) as wb:
        for q in queries[:5]:
            wb.search(q, K)

        def run() -> dict[str, float]:
            wall, cpu = [], []
            for q in queries:
                wb.clear_caches()
                start, start_cpu = time.perf_counter(), time.process_time()
                wb.search(q, K)
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append(time.process_time() - start_cpu)
            return {**_stats(wall), "cpu_s": statistics.fmean(cpu), "n": len(queries)}

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(run).result()


def _stats(ms: list[float]) -> dict[str, float]:
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(db: Path, workers: int, threads: int, queue: int, log: Path) -> Any:
    """`workbench serve` on a free loopback port; stopped (SIGTERM, then SIGKILL) on exit."""
    import httpx

    port = _free_port()
    command = [
        sys.executable, "-m", "workbench.cli", "serve", "--db", str(db), "--port", str(port),
        "--workers", str(workers), "--threads", str(threads), "--queue", str(queue), "--timeout", "60",
    ]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise WorkbenchError(f"the server exited ({proc.returncode}): see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise WorkbenchError(f"the server did not come up in 120 s: see {log}")
            time.sleep(0.25)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


_LUA = """
local queries = {%s}
local n = 0
local thread_id = 0
local counter = 0
setup = function(thread) thread:set("id", counter); counter = counter + 1 end
init = function(args) thread_id = id end
request = function()
  n = n + 1
  local q = queries[((thread_id * 7919 + n) %% #queries) + 1]
  return wrk.format("GET", "/search?k=%d&q=" .. q .. "+" .. thread_id .. "x" .. n)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(url: str, connections: int, seconds: float, queries: list[str], folder: Path) -> dict[str, Any]:
    """One closed-loop wrk run; latencies in ms, errors by kind (status = non-2xx/3xx)."""
    script = folder / "queries.lua"
    script.write_text(_LUA % (", ".join(json.dumps(quote_plus(q)) for q in queries), K))
    threads = max(1, min(2, connections))
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, math.ceil(seconds))}s", "--timeout", "60s",
        "-s", str(script), url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in done.stdout.splitlines() if x.startswith('{"requests"')), None)
    if line is None:
        raise WorkbenchError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    result = json.loads(line)
    result["rps"] = result["requests"] / max(result["seconds"], 1e-9)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    result["connections"] = connections
    return result


async def _open_loop(url: str, rate: float, seconds: float, queries: list[str]) -> dict[str, Any]:
    import httpx

    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        start = time.perf_counter()

        async def one(i: int) -> None:
            nonlocal errors
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                response = await client.get("/search", params={"q": queries[i % len(queries)], "k": K})
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - due) * 1000)  # from when it was due

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return {
        "rate": rate,
        "requests": total,
        "errors": errors,
        "achieved_rps": total / elapsed,
        **_stats(latencies),
    }


def run_open_loop(url: str, rate: float, seconds: float, queries: list[str], folder: Path) -> dict[str, Any]:
    """The open-loop client in its own process (so it does not share the bench's GIL)."""
    source = folder / "open_loop.json"
    source.write_text(json.dumps({"url": url, "rate": rate, "seconds": seconds, "queries": queries}))
    command = [sys.executable, "-m", "workbench.bench.http", str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise WorkbenchError(f"the open-loop client failed: {done.stderr.strip()[-300:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_idle(url: str, timeout: float = 180.0) -> None:
    """Wait until the server has no request left (a closed-loop run leaves its queue behind
    when wrk stops), so the next level starts from an idle server."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = httpx.get(f"{url}/metrics", timeout=30).text
        lines = [line for line in text.splitlines() if line.startswith("workbench_http_in_flight")]
        busy = sum(float(line.rsplit(" ", 1)[1]) for line in lines)
        if busy <= 1:  # this request itself
            return
        time.sleep(0.5)


def knee(rows: list[dict[str, Any]]) -> int | None:
    """The first connection count past which throughput grows by less than 10% while p50
    latency grows: more connections only queue."""
    for before, after in itertools.pairwise(rows):
        if after["rps"] < 1.1 * before["rps"] and after["p50"] > before["p50"]:
            return before["connections"]
    return None


def run_http_bench(
    db: Path,
    questions: list[str],
    *,
    levels: tuple[int, ...] = LEVELS,
    seconds: float = 10.0,
    workers: int = 2,
    threads: int = 2,
    in_process_queries: int = 200,
    progress: Any = None,
) -> dict[str, Any]:
    """In-process latency, then the served index under wrk and an open-loop client.

    Raises:
        QueryError: wrk is not installed, or no questions.
        WorkbenchError: the server or a client failed.
    """
    if shutil.which("wrk") is None:
        raise QueryError("wrk is not installed (apt install wrk, or make sysdeps)")
    if not questions:
        raise QueryError("no questions to send")
    say = progress or (lambda _message: None)
    cores = os.cpu_count() or 1
    say("timing the questions in-process")
    local = time_in_process(db, distinct_queries(questions, in_process_queries, salt=1))
    capacity = cores / max(local["cpu_s"], 1e-9)
    queue = max(levels) + 64  # 1,000 connections are held and queued, not turned away
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        folder = Path(tmp)
        with running_server(db, workers, threads, queue, folder / "server.log") as url:
            run_wrk(url, 4, min(seconds, 3.0), questions, folder)  # warm every worker
            for connections in levels:
                wait_idle(url)
                peak = max((r["rps"] for r in rows), default=1.0)
                # long enough for every connection to be answered about twice, within a bound
                length = min(MAX_LEVEL_SECONDS, max(seconds, 2 * connections / peak))
                say(f"{connections} connection(s) for {length:.0f} s")
                rows.append(run_wrk(url, connections, length, questions, folder))
            wait_idle(url)
            peak = max(r["rps"] for r in rows)
            say(f"open loop at {peak / 2:.0f} requests/s")
            open_loop = run_open_loop(
                url, peak / 2, seconds, distinct_queries(questions, 100_000, salt=2), folder
            )
    by_level = {r["connections"]: r for r in rows}
    return {
        "cores": cores,
        "workers": workers,
        "threads": threads,
        "seconds": seconds,
        "in_process": local,
        "capacity_rps": capacity,
        "levels": rows,
        "open_loop": open_loop,
        "knee": knee(rows),
        "overhead_p50_ms": by_level[1]["p50"] - local["p50"] if 1 in by_level else None,
        "efficiency_64": by_level[64]["rps"] / capacity if 64 in by_level else None,
    }


def _main(source: str) -> None:
    spec = json.loads(Path(source).read_text())
    result = asyncio.run(_open_loop(spec["url"], spec["rate"], spec["seconds"], spec["queries"]))
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1])

"""Cold start: `workbench search` as a new process, timed to its first printed result."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: Modules whose presence in a query process means the slow path (seconds of import).
HEAVY_MODULES = ("torch", "sentence_transformers", "transformers")


def search_command(db: Path, query: str, *, as_json: bool = False) -> list[str]:
    """The command a user types, run with this interpreter."""
    command = [sys.executable, "-m", "workbench.cli", "search", query, "--db", str(db), "-k", "10"]
    return [*command, "--json"] if as_json else command


def time_first_result(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Seconds from start to the first printed line of a result, to exit, and the child's
    peak RSS in MB.

    Raises:
        RuntimeError: the command failed (its last stderr line is the message).
    """
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )
    assert child.stdout is not None and child.stderr is not None
    peak = [0]
    watcher = threading.Thread(target=_watch_peak_rss, args=(child, peak), daemon=True)
    watcher.start()
    first = None
    for line in child.stdout:  # results are printed at once, after the search
        if first is None and line.strip():
            first = time.perf_counter() - start
    err = child.stderr.read()
    child.wait()
    total = time.perf_counter() - start
    watcher.join()
    if child.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit code {child.returncode}")
    return {
        "first_result_s": first if first is not None else total,
        "exit_s": total,
        "rss_mb": peak[0] / 1024,
    }


def _watch_peak_rss(child: subprocess.Popen, peak: list[int]) -> None:
    """Read the child's VmHWM (peak RSS, kB) until it exits. Its rusage would not do: a
    child's ru_maxrss starts at its parent's RSS (a benchmark or test process with the
    model loaded)."""
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            break
        time.sleep(0.01)


def cold_start(db: Path, query: str, repeat: int = 3) -> dict[str, Any]:
    """`workbench search QUERY` in `repeat` new processes (after one that warms the OS
    file cache): median and worst seconds to the first result, and peak RSS."""
    command = search_command(db, query)
    time_first_result(command)
    runs = [time_first_result(command) for _ in range(repeat)]
    firsts = [r["first_result_s"] for r in runs]
    return {
        "runs": repeat,
        "first_result_s": statistics.median(firsts),
        "worst_s": max(firsts),
        "exit_s": statistics.median(r["exit_s"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
    }


def heavy_imports(db: Path, query: str) -> list[str]:
    """The heavy modules (`HEAVY_MODULES`) a new `workbench search --json` process imports,
    read from `python -X importtime`."""
    command = search_command(db, query, as_json=True)
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True, check=True
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return sorted(imported & set(HEAVY_MODULES))

"""Measure how long readers are refused while another process changes the index.

    python scripts/reader_refusals.py COPY.duckdb [--delay S] [--no-long-lived] -- ingest idna --force

runs `workbench <args> --db COPY.duckdb` in a new process while this one opens the file
read-only and searches it in a loop (a new `Workbench` each time, as a CLI call does) and
keeps one long-lived `Workbench` searching too (as the TUI, a notebook or a server worker
does; `--no-long-lived` leaves it out: before copy-on-write writers, a reader that holds
the file made the writer fail). `--delay S` starts reading S seconds after the writer.
Prints the writer's duration, the number of reads, the refused ones and the longest
time a reader was refused (first refusal to the next success). Run it on a copy.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from workbench import Workbench
from workbench.config import Settings
from workbench.embed.onnx import make_embedder
from workbench.errors import WorkbenchError

QUERY = "encode an internationalized domain name"


def main() -> None:
    path = Path(sys.argv[1])
    ours = sys.argv[2 : sys.argv.index("--")]
    args = sys.argv[sys.argv.index("--") + 1 :]
    delay = float(ours[ours.index("--delay") + 1]) if "--delay" in ours else 0.0
    embedder = make_embedder(Settings().embedding)
    embedder.load()
    long_lived = None if "--no-long-lived" in ours else Workbench(path, embedder=embedder)
    if long_lived is not None:
        long_lived.search(QUERY, 5)
    first_handle = long_lived.db if long_lived is not None else None
    writer = subprocess.Popen([sys.executable, "-m", "workbench.cli", *args, "--db", str(path)])
    started = time.monotonic()
    time.sleep(delay)
    reads = refused = long_errors = 0
    refused_since: float | None = None
    longest = 0.0
    while True:
        done = writer.poll() is not None
        try:
            with Workbench(path, embedder=embedder) as wb:
                wb.search(QUERY, 5)
            if refused_since is not None:
                longest = max(longest, time.monotonic() - refused_since)
                refused_since = None
        except WorkbenchError:
            refused += 1
            refused_since = refused_since or time.monotonic()
        reads += 1
        try:
            if long_lived is not None:
                long_lived.search(QUERY, 5)
        except WorkbenchError:
            long_errors += 1
        if done and refused_since is None:
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    if long_lived is not None:
        long_lived.search(QUERY, 5)
        reopened = "reopened the new file" if long_lived.db is not first_handle else "did not reopen"
    else:
        reopened = "none"
    print(
        f"writer `{' '.join(args)}` exit {writer.returncode}, {elapsed:.1f} s; {reads} reads, "
        f"{refused} refused; longest refusal {longest:.2f} s; "
        f"long-lived reader: {long_errors} errors, {reopened}"
    )


if __name__ == "__main__":
    main()

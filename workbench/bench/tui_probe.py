"""Run the TUI headless on a file and print when it became usable and how long typed
queries took to show results, as JSON (`workbench bench --tui` runs this in a new process).

    python -m workbench.bench.tui_probe DB QUERIES_FILE
"""

from __future__ import annotations

import time

STARTED = time.time()  # before the imports below: start-up counts them

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

TIMEOUT_S = 120.0


async def _until(pilot: Any, condition: Any, timeout: float = TIMEOUT_S) -> float:
    """Wait (polling every 5 ms) until `condition()`; returns the wall time it became true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.005)
    return time.time()


async def _type(pilot: Any, app: Any, query: str, *, paste: bool = False) -> dict[str, Any]:
    """Type a query key by key (or paste it at once); time from the last key to its results
    on screen."""
    from workbench.tui.widgets.search_view import SearchView

    view = app.query_one(SearchView)
    box = view.query_one("#query")
    box.value = ""
    view.last_query = ""
    await pilot.pause()
    if paste:
        last_key = time.time()
        box.value = query
    else:
        await pilot.press(*query[:-1])
        last_key = time.time()
        await pilot.press(query[-1])
    shown = await _until(pilot, lambda: view.last_query == query)
    return {
        "query": query,
        "mode": view.last_mode,
        "ms": (shown - last_key) * 1000,
        "search_ms": view.last_took * 1000,
    }


async def probe(db: str, queries: list[str]) -> dict[str, Any]:
    from workbench.tui import make_app

    imported = time.time()
    app = make_app(db)
    out: dict[str, Any] = {"started": STARTED, "imported": imported}
    async with app.run_test(size=(120, 36)) as pilot:
        out["painted"] = time.time()
        out["opened"] = await _until(pilot, lambda: app.session is not None)
        early = await _type(pilot, app, queries[0], paste=True)  # while the model loads
        out["first_results"] = time.time()
        out["early"] = early
        out["model_ready"] = await _until(pilot, lambda: app.session.model_ready, 300)
        await pilot.pause(0.3)
        out["typed"] = [await _type(pilot, app, q) for q in queries]
    return out


def main() -> None:
    db, queries_file = sys.argv[1], sys.argv[2]
    with open(queries_file) as fh:
        queries = [line.strip() for line in fh if line.strip()]
    print(json.dumps(asyncio.run(probe(db, queries))))


if __name__ == "__main__":
    main()

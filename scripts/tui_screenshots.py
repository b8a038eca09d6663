"""Save an SVG of each TUI tab (as Textual draws it) into docs/, from a real index.

    .venv/bin/python scripts/tui_screenshots.py [DB] [--out docs]

The README shows these; they are taken on the default index (`make demo`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from workbench.tui import make_app

SIZE = (130, 38)


async def _until(pilot, condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.05)


async def _idle(pilot) -> None:
    await _until(pilot, lambda: all(w.is_finished for w in pilot.app.workers))
    await pilot.pause(0.3)


async def shoot(db: Path, out: Path) -> list[Path]:
    from workbench.tui.widgets.ask_view import AskView
    from workbench.tui.widgets.graph_view import GraphView
    from workbench.tui.widgets.libraries_view import LibrariesView
    from workbench.tui.widgets.search_view import SearchView
    from workbench.tui.widgets.tuning_view import TuningView

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.session is not None and app.session.model_ready)
        await _idle(pilot)

        def save(name: str) -> None:
            path = out / f"tui-{name}.svg"
            app.save_screenshot(str(path))
            saved.append(path)

        search = app.query_one(SearchView)
        search.query_one("#query").focus()
        await pilot.press(*"read a csv file into a dataframe")
        await _until(pilot, lambda: search.last_query == "read a csv file into a dataframe")
        await _idle(pilot)
        save("search")

        app.open_graph("httpx.Response.raise_for_status")
        graph = app.query_one(GraphView)
        await _until(pilot, lambda: graph.trail)
        await _idle(pilot)
        save("graph")

        await pilot.press("f4")
        ask = app.query_one(AskView)
        ask.ask("which exception does httpx raise when a read times out, and what is its base class")
        await _until(pilot, lambda: ask.answer is not None)
        await _idle(pilot)
        save("ask")

        await pilot.press("f5")
        libraries = app.query_one(LibrariesView)
        await _until(pilot, lambda: libraries.names)
        await _idle(pilot)
        save("libraries")

        await pilot.press("f6")
        tuning = app.query_one(TuningView)
        tuning.query_one("#knob-rrf_k").value = "20"
        tuning.action_evaluate()
        await _until(pilot, lambda: tuning.after is not None, 1800)
        await _idle(pilot)
        save("tuning")
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", nargs="?", default="data/workbench.duckdb", type=Path)
    parser.add_argument("--out", default=Path("docs"), type=Path)
    args = parser.parse_args()
    for path in asyncio.run(shoot(args.db, args.out)):
        print(path)


if __name__ == "__main__":
    main()

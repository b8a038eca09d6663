"""Waiting for the app's workers: poll a condition between pilot pauses."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

TIMEOUT_S = 30.0


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = TIMEOUT_S) -> None:
    """Pause until `condition()` is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.05)


async def wait_idle(pilot: Pilot) -> None:
    """Pause until no worker of the app runs."""
    app = pilot.app
    await wait_for(pilot, lambda: all(w.is_finished for w in app.workers))
    await pilot.pause()


async def search(pilot: Pilot, text: str) -> list:
    """Type a query into the Search tab and wait for its results; returns the hits."""
    from workbench.tui.widgets.results_table import ResultsTable
    from workbench.tui.widgets.search_view import SearchView

    view = pilot.app.query_one(SearchView)
    box = view.query_one("#query")
    box.value = ""
    box.focus()
    await pilot.pause()
    await pilot.press(*text)
    table = pilot.app.query_one(ResultsTable)
    await wait_for(pilot, lambda: view.last_query == text)
    await wait_idle(pilot)
    return table.hits

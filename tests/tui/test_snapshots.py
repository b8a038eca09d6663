"""Each tab's look, pinned with pytest-textual-snapshot (`--snapshot-update` after a
deliberate change). A fixed label and a loaded model keep the screens free of paths and
timings; the Libraries tab is left out because its rows carry ingest timestamps."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Input

from tests.tui.helpers import search, wait_for, wait_idle
from workbench import Workbench
from workbench.embed.onnx import OnnxEmbedder
from workbench.tui import make_app
from workbench.tui.session import Session
from workbench.tui.widgets.ask_view import AskView
from workbench.tui.widgets.graph_view import GraphView

SIZE = (120, 36)


async def _steady(pilot) -> None:
    """Wait for the session and its facts, and stop every cursor from blinking."""
    app = pilot.app
    await wait_for(pilot, lambda: app.session is not None and getattr(app, "library_names", None))
    for box in app.query(Input):
        box.cursor_blink = False
    await wait_idle(pilot)


async def _pin_timing(pilot) -> None:
    """The status bar says how long the last search took: pin it, it varies run to run."""
    app = pilot.app
    if app.last_search is not None:
        query, mode, count, _ = app.last_search
        app.last_search = (query, mode, count, 0.042)
        app._refresh_status()
    await pilot.pause()


@pytest.fixture(scope="module")
def fp32_embedder(embedder):
    """Snapshots pin scores to three decimals and ranks, so queries are embedded in float32,
    whose vectors agree on every CPU up to rounding. The int8 query model's do not:
    onnxruntime's int8 kernels differ with the instruction set (VNNI), which moved ranks
    5-7 of the search tab between two hosts."""
    model = OnnxEmbedder(replace(embedder.settings, query_precision="fp32"))
    model.embed_query("warm up")
    return model


@pytest.fixture
def app(built_db, fp32_embedder):
    bench = Workbench(built_db, embedder=fp32_embedder)
    yield make_app(session=Session(reader=bench, label="small.duckdb", local=bench, writable=False))
    bench.close()


def test_search_tab(snap_compare, app):
    """Results of a query with the top hit's documentation beside them."""

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await search(pilot, "connection closed event")
        await wait_idle(pilot)
        await _pin_timing(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_search_tab_80_columns(snap_compare, app):
    """At 80 columns the detail pane goes under the results."""

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await search(pilot, "pool timeout")
        await wait_idle(pilot)
        await _pin_timing(pilot)

    assert snap_compare(app, terminal_size=(80, 30), run_before=run_before)


def test_graph_tab(snap_compare, app):
    """An entity's neighbours grouped by relation, with the breadcrumb."""

    async def run_before(pilot) -> None:
        await _steady(pilot)
        pilot.app.open_graph("wbfixture.ReadTimeoutError")
        await wait_for(pilot, lambda: pilot.app.query_one(GraphView).trail)
        await wait_idle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ask_tab(snap_compare, app):
    """Ranked answers with their evidence paths, hop by hop."""

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("f4")
        view = pilot.app.query_one(AskView)
        view.ask("which exception does Client.fetch raise, and what is its base class")
        await wait_for(pilot, lambda: view.answer is not None)
        await wait_idle(pilot)
        # the time taken varies run to run: pin the status line
        view.query_one("#ask-status").update(
            f"{view.answer.plan.kind} question · {len(view.answer.items)} answers"
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_tuning_tab(snap_compare, app):
    """The knobs with their current values and the evaluation sources."""

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("f6")
        await wait_idle(pilot)
        for box in pilot.app.query(Input):
            box.cursor_blink = False

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, app):
    """F1 lists every key."""

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

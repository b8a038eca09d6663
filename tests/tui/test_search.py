"""The Search tab: as-you-type results, detail, explain, mode, history and feedback."""

from __future__ import annotations

import json

from tests.helpers import run_cli
from tests.tui.helpers import search, wait_for, wait_idle
from workbench.tui import make_app
from workbench.tui.screens.info import InfoScreen
from workbench.tui.widgets.entity_detail import EntityDetailView
from workbench.tui.widgets.history_input import HistoryInput
from workbench.tui.widgets.search_view import SearchView


async def test_typing_a_query_shows_the_expected_entity_and_its_detail(make_session):
    """Results follow the typed text; the top hit's signature and docs fill the detail pane."""
    app = make_app(session=make_session())
    async with app.run_test(size=(120, 36)) as pilot:
        hits = await search(pilot, "connection closed event")
        assert "h11.ConnectionClosed" in [h.path for h in hits[:3]]
        detail = app.query_one(EntityDetailView)
        await wait_for(pilot, lambda: detail.detail is not None)
        assert detail.detail.entity.public_path == hits[0].path
        rendered = str(app.query_one("#detail-doc").source)  # the Markdown given to the widget
        assert hits[0].path in rendered


async def test_explain_mode_and_history(make_session):
    """x shows the score's parts; Ctrl+T switches to BM25 and searches again; Up recalls."""
    app = make_app(session=make_session())
    async with app.run_test(size=(120, 36)) as pilot:
        await search(pilot, "ReadTimeoutError")
        await pilot.press("enter")  # remember the query and move to the results
        await wait_idle(pilot)
        await pilot.press("x")
        assert isinstance(app.screen, InfoScreen)
        parts = {row[0] for row in app.screen.rows}
        assert {"score", "vector_rank", "bm25_rank", "rrf", "name_boost"} <= parts
        await pilot.press("escape")
        view = app.query_one(SearchView)
        await pilot.press("ctrl+t", "ctrl+t")  # hybrid -> vector -> bm25
        await wait_idle(pilot)
        assert view.mode == "bm25"
        assert all(h.explain.get("vector_rank") is None for h in app.query_one("#results").hits)
        box = app.query_one("#query", HistoryInput)
        box.focus()
        box.value = ""
        await pilot.pause()
        await pilot.press("up")
        assert box.value == "ReadTimeoutError"


async def test_feedback_key_reaches_the_export(make_session, db_copy, tmp_path):
    """+ on a hit records good feedback (no index write lock) that `feedback --export` writes."""
    app = make_app(session=make_session(db_copy))
    async with app.run_test(size=(120, 36)) as pilot:
        hits = await search(pilot, "pool timeout")
        app.query_one("#results").focus()
        await pilot.press("plus")
        await wait_idle(pilot)
        marked = hits[0]
    out = tmp_path / "good.jsonl"
    result = run_cli("feedback", "--export", str(out), "--db", str(db_copy))
    assert result.exit_code == 0, result.output
    cases = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"question": "pool timeout"}.items() <= cases[0].items()
    assert marked.definition_path in cases[0]["expected"] or marked.path in cases[0]["expected"]


async def test_an_engine_error_is_a_notification_not_a_crash(make_session):
    """A query past the length cap comes back as a notification; the app keeps running."""
    app = make_app(session=make_session())
    async with app.run_test(size=(120, 36)) as pilot:
        view = app.query_one(SearchView)
        view.run_search("x" * 5000)
        await wait_idle(pilot)
        assert any("too long" in n.message for n in app._notifications)
        hits = await search(pilot, "idna encode")
        assert hits, "the app still searches after the error"


async def test_history_and_theme_outlive_the_app(make_session, db_copy):
    """Submitted queries and the chosen theme are saved beside the index and come back."""
    app = make_app(session=make_session(db_copy))
    async with app.run_test(size=(120, 36)) as pilot:
        await search(pilot, "pool timeout")
        app.query_one("#query").focus()
        await pilot.press("enter")
        app.theme = "nord"
        await wait_idle(pilot)
    again = make_app(session=make_session(db_copy))
    async with again.run_test(size=(120, 36)) as pilot:
        await wait_idle(pilot)
        assert again.theme == "nord"
        assert again.query_one("#query", HistoryInput).history == ["pool timeout"]

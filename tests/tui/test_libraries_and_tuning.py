"""The Libraries and Tuning tabs: an update with progress, cancel, refusals that say why,
evaluation before/after, and settings saved for every face — with real second processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import run_cli
from tests.tui.helpers import search, wait_for, wait_idle
from workbench import Workbench
from workbench.tui import make_app
from workbench.tui.session import Session
from workbench.tui.widgets.libraries_view import LibrariesView
from workbench.tui.widgets.tuning_view import TuningView

NEW_FUNCTION = '''

def reconnect(delay: float = 1.0) -> None:
    """Open the connection again after waiting `delay` seconds."""
'''


def _session(path: Path, embedder) -> Session:
    from workbench.tui.session import is_writable

    bench = Workbench(path, embedder=embedder)
    return Session(reader=bench, label="wb.duckdb", local=bench, writable=is_writable(path))


async def _open_libraries(pilot) -> LibrariesView:
    await pilot.press("f5")
    view = pilot.app.query_one(LibrariesView)
    await wait_for(pilot, lambda: "wbfixture" in view.names)
    await wait_idle(pilot)
    return view


async def test_update_runs_with_progress_and_lands_in_the_history(indexed, embedder):
    """u on a changed library re-indexes it in a worker; the bar finishes and the history grows."""
    path, source = indexed
    (source / "pool.py").write_text((source / "pool.py").read_text() + NEW_FUNCTION)
    app = make_app(session=_session(path, embedder))
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_libraries(pilot)
        assert "stale" in str(view.query_one("#library-table").get_row("wbfixture")[-1])
        await pilot.press("u")
        await wait_for(pilot, lambda: view.cancel_event is None and "ingested" in _progress(view), 60)
        await wait_idle(pilot)
        assert "1 embedded" in _progress(view) or "embedded" in _progress(view)
        assert view.query_one("#library-progress").percentage == 1.0
        assert view.query_one("#history-table").row_count == 2
        hits = app.session.reader.search("open the connection again after a delay", 3)
        assert hits[0].path.endswith("reconnect")


async def test_cancel_leaves_the_file_as_it_was(indexed, embedder):
    """Cancel during a change stops it at the next progress step; nothing is written."""
    path, source = indexed
    (source / "pool.py").write_text((source / "pool.py").read_text() + NEW_FUNCTION)
    app = make_app(session=_session(path, embedder))
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_libraries(pilot)
        # the key presses would race a 0.3 s update: start and cancel in the same tick
        view.action_update()
        view.action_cancel()
        await wait_for(pilot, lambda: view.cancel_event is None, 60)
        await wait_idle(pilot)
        assert any("cancelled" in n.message for n in app._notifications), [
            n.message for n in app._notifications
        ]
    with Workbench(path, embedder=embedder) as wb:
        assert len(wb.history("wbfixture")) == 1
        assert wb.resolve("wbfixture.pool.reconnect") is None


async def test_read_only_file_disables_changes(indexed, embedder):
    """A file without write bits opens read-only: the header says so and u is refused, not run."""
    path, _ = indexed
    path.chmod(0o444)
    app = make_app(session=_session(path, embedder))
    async with app.run_test(size=(120, 36)) as pilot:
        app._opened(app.session)
        await _open_libraries(pilot)
        assert "read-only" in app.sub_title
        await pilot.press("u")
        await pilot.pause()
        assert any("read-only" in n.message for n in app._notifications)
        assert app.query_one(LibrariesView).cancel_event is None


HOLDER = textwrap.dedent(
    """
    import sys, time
    from workbench import Workbench
    wb = Workbench(sys.argv[1])
    print("open", flush=True)
    time.sleep(60)
    """
)


async def test_a_change_while_another_process_reads_goes_through(indexed, embedder, tmp_path):
    """With a second real process reading the file, u re-indexes anyway (the writer works
    on a copy and swaps it in): the app reads the new file after, feedback goes on."""
    path, source = indexed
    (source / "pool.py").write_text((source / "pool.py").read_text() + NEW_FUNCTION)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        app = make_app(session=_session(path, embedder))
        async with app.run_test(size=(120, 36)) as pilot:
            view = await _open_libraries(pilot)
            await pilot.press("u")
            await wait_for(pilot, lambda: view.cancel_event is None and "ingested" in _progress(view), 60)
            await wait_idle(pilot)
            assert not [n.message for n in app._notifications if n.severity == "error"]
            assert holder.poll() is None, "the other reader was not disturbed"
            hits = app.session.reader.search("open the connection again after a delay", 3)
            assert hits[0].path.endswith("reconnect")
            await pilot.press("f2")
            await search(pilot, "pool timeout")
            app.query_one("#results").focus()
            await pilot.press("minus")  # feedback needs no write lock: the reader does not block it
            await wait_idle(pilot)
            assert any("Marked" in n.message and "bad" in n.message for n in app._notifications)
        with Workbench(path, embedder=embedder) as wb:
            assert [row[2] for row in wb.feedback_log()] == ["bad"]
    finally:
        holder.kill()
        holder.wait()


async def test_change_a_weight_evaluate_and_save(db_copy, embedder, tmp_path):
    """A drastic weight moves the metrics in the before/after table; Ctrl+S saves it for the CLI."""
    app = make_app(session=Session(reader=(wb := Workbench(db_copy, embedder=embedder)), label="x", local=wb))
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("f6")
        view = app.query_one(TuningView)
        view.query_one("#knob-vector_weight").value = "0"
        # no vectors alone leaves these 11 questions' answers where they were once the graph
        # prior orders close calls: take BM25 away too, and only boosts and the prior rank
        view.query_one("#knob-bm25_weight").value = "0"
        view.query_one("#knob-candidates").value = "10"
        view.query_one("#knob-exact_name_boost").value = "0"
        view.action_evaluate()
        await wait_for(pilot, lambda: view.after is not None, 120)
        await wait_idle(pilot)
        before, after = view.before[0], view.after[0]
        assert before.n == after.n > 0
        assert (before.mrr_at_10, before.ndcg_at_10) != (after.mrr_at_10, after.ndcg_at_10)
        assert view.query_one("#metrics-table").row_count == 2
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        assert any("saved" in n.message.lower() for n in app._notifications)
    result = run_cli("settings", "--json", "--db", str(db_copy))
    saved = json.loads(result.output)
    effective = saved.get("effective", saved)
    assert effective["vector_weight"] == 0 and effective["candidates"] == 10


def _progress(view: LibrariesView) -> str:
    return str(view.query_one("#library-progress-text").render())


async def test_opt_out_then_opt_in(indexed, embedder):
    """o asks why, purges the library and lists it no more; i takes it off the opt-out list."""
    path, _ = indexed
    app = make_app(session=_session(path, embedder))
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_libraries(pilot)
        await pilot.press("o")
        await pilot.press(*"not needed here", "enter")
        await wait_for(pilot, lambda: view.cancel_event is None and "opted out" in _progress(view), 60)
        await wait_idle(pilot)
        assert "wbfixture" not in view.names
        await pilot.press("i")
        await pilot.press(*"wbfixture", "enter")
        await wait_for(pilot, lambda: view.cancel_event is None and "opted in" in _progress(view), 60)
        await wait_idle(pilot)
    with Workbench(path, embedder=embedder) as wb:
        assert [v.library for v in wb.compliance() if v.opted_out] == []
        assert wb.resolve("wbfixture.Client") is None  # purged until ingested again

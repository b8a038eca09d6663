"""`workbench tui --server URL`: the same app over the HTTP twin of the facade, against a
real `workbench serve` on a loopback port."""

from __future__ import annotations

import json

from tests.helpers import run_cli
from tests.serve.conftest import copy_index, running_server
from tests.tui.helpers import search, wait_for, wait_idle
from workbench.tui import make_app
from workbench.tui.widgets.graph_view import GraphView
from workbench.tui.widgets.libraries_view import LibrariesView


async def test_the_tui_browses_a_server(built_db, tmp_path):
    """Search, the detail pane, graph hops and feedback go through the server; library
    changes are refused with a reason instead of running."""
    db = copy_index(built_db, tmp_path / "served")
    with running_server(db, tmp_path / "server.log") as server:
        app = make_app(server=server.url)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.session is not None)
            assert app.session.is_remote and app.sub_title == server.url
            hits = await search(pilot, "connection closed event")
            assert "h11.ConnectionClosed" in [h.path for h in hits[:3]]
            await wait_for(pilot, lambda: app.query_one("#detail").detail is not None)
            app.query_one("#results").focus()
            await pilot.press("plus")
            await wait_idle(pilot)
            await pilot.press("g")
            graph = app.query_one(GraphView)
            await wait_for(pilot, lambda: graph.trail)
            await wait_idle(pilot)
            assert graph.subgraph is not None and graph.subgraph.edges
            await pilot.press("f5")
            view = app.query_one(LibrariesView)
            await wait_for(pilot, lambda: view.names)
            await pilot.press("u")
            await pilot.pause()
            assert any("server's machine" in n.message for n in app._notifications)
    out = tmp_path / "good.jsonl"
    assert run_cli("feedback", "--export", str(out), "--db", str(db)).exit_code == 0
    cases = [json.loads(line) for line in out.read_text().splitlines()]
    assert cases and cases[0]["question"] == "connection closed event"

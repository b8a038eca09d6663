"""The Graph and Ask tabs: follow hops and go back, shortest paths, a two-hop answer."""

from __future__ import annotations

from textual.widgets import Tree

from tests.tui.helpers import search, wait_for, wait_idle
from workbench.tui import make_app
from workbench.tui.widgets.ask_view import AskView
from workbench.tui.widgets.graph_view import GraphView


def _leaves(tree: Tree) -> dict[str, object]:
    """Leaf label -> node, for every leaf under an expanded branch."""
    out = {}
    for branch in tree.root.children:
        for leaf in branch.children:
            out[str(leaf.label)] = leaf
    return out


async def _select(pilot, tree: Tree, node) -> None:
    tree.select_node(node)
    await pilot.pause()
    await wait_idle(pilot)


async def test_follow_two_hops_and_go_back(make_session):
    """g opens a hit in the graph; Enter follows two edges, the breadcrumb grows, Backspace returns."""
    app = make_app(session=make_session())
    async with app.run_test(size=(120, 36)) as pilot:
        await search(pilot, "ConnectionPool acquire")
        app.query_one("#results").focus()
        await pilot.press("g")
        graph = app.query_one(GraphView)
        await wait_for(pilot, lambda: graph.trail)
        await wait_idle(pilot)
        first = graph.current
        tree = app.query_one("#graph-tree", Tree)
        member_of = next(
            n for label, n in _leaves(tree).items() if n.parent.label.plain.startswith("member_of")
        )
        await _select(pilot, tree, member_of)  # hop 1: the method's class
        assert graph.current == member_of.data
        second = graph.current
        assert len(graph.trail) == 2
        upward = next(n for n in _leaves(tree).values() if isinstance(n.data, str) and n.data != first)
        await _select(pilot, tree, upward)  # hop 2
        assert len(graph.trail) == 3
        crumb = str(app.query_one("#breadcrumb").render())
        assert crumb.count("›") == 2
        await pilot.press("backspace")
        await wait_idle(pilot)
        assert graph.current == second and len(graph.trail) == 2
        await pilot.press("backspace")
        await wait_idle(pilot)
        assert graph.current == first


async def test_path_to_finds_shortest_paths(make_session):
    """p asks for a target with search completion, then lists the shortest paths hop by hop."""
    app = make_app(session=make_session())
    async with app.run_test(size=(120, 36)) as pilot:
        app.open_graph("wbfixture.ReadTimeoutError")
        graph = app.query_one(GraphView)
        await wait_for(pilot, lambda: graph.trail)
        await wait_idle(pilot)
        await pilot.press("p")
        await pilot.press(*"TransportError")
        await wait_for(pilot, lambda: app.screen.query_one("#pick-options").option_count > 0)
        await wait_idle(pilot)
        await pilot.press("enter")
        await wait_idle(pilot)
        tree = app.query_one("#graph-tree", Tree)
        assert "paths from" in tree.root.label.plain
        first_path = tree.root.children[0]
        assert "inherits" in first_path.label.plain
        assert any("TransportError" in str(leaf.label) for leaf in first_path.children)
        await pilot.press("backspace")  # back to the neighbours of the start
        await wait_idle(pilot)
        assert "paths from" not in tree.root.label.plain


async def test_ask_a_two_hop_question_shows_the_path(make_session):
    """A raises-then-inherits question answers with a two-hop path; Enter on a node opens the graph."""
    app = make_app(session=make_session())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f4")
        await pilot.press(*"which exception does Client.fetch raise, and what is its base class", "enter")
        view = app.query_one(AskView)
        await wait_for(pilot, lambda: view.answer is not None)
        await wait_idle(pilot)
        answer = view.answer
        paths = [p for item in answer.items for p in item.paths if p.hops == 2]
        assert paths, [i.public_path for i in answer.items]
        assert [e.relation for e in paths[0].edges] == ["raises", "inherits"]
        tree = app.query_one("#answer-tree", Tree)
        text = "\n".join(str(n.label) for n in _walk(tree.root))
        assert "—raises→" in text and "—inherits→" in text
        await pilot.press("x")
        assert "Plan" in app.screen.title_text
        await pilot.press("escape")
        leaf = next(n for n in _walk(tree.root) if not n.children and "inherits" in str(n.label))
        tree.select_node(leaf)
        await pilot.pause()
        graph = app.query_one(GraphView)
        await wait_for(pilot, lambda: graph.trail)
        assert graph.current == leaf.data


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)

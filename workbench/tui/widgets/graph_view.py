"""The Graph tab: an entity's neighbours grouped by relation; Enter follows an edge,
Backspace goes back, a breadcrumb shows the walk, and "path to…" finds shortest paths."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, Tree
from textual.worker import get_current_worker

from workbench.model import GraphPath, Subgraph
from workbench.tui.paths import arrow, group_label, grouped_neighbours, path_text
from workbench.tui.screens.pick_entity import PickEntityScreen
from workbench.tui.workers import engine_call

MAX_NODES = 400


class GraphView(Vertical):
    """Walk the API graph from any entity."""

    BINDINGS = [
        Binding("backspace", "back", "Back", id="graph.back"),
        Binding("p", "path_to", "Path to…", id="graph.path_to"),
        Binding("s", "show_in_search", "Docs", id="graph.docs"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.trail: list[str] = []  # definition paths walked, the current one last
        self.names: dict[str, str] = {}  # definition path -> public path, as seen
        self.subgraph: Subgraph | None = None
        self.showing_paths = False  # the tree lists paths, not the current node's neighbours

    def compose(self) -> ComposeResult:
        yield Static("Open an entity from Search (g) or Ask (Enter on a node), or press p.", id="breadcrumb")
        yield Tree("graph", id="graph-tree")

    @property
    def current(self) -> str | None:
        return self.trail[-1] if self.trail else None

    def open(self, path: str, *, push: bool = True) -> None:
        """Show the neighbours of `path` (definition or public path)."""
        self._load(path, push)

    @work(thread=True, exclusive=True, group="graph", exit_on_error=False)
    def _load(self, path: str, push: bool) -> None:
        reader = self.app.session.reader  # type: ignore[attr-defined]
        subgraph = engine_call(self.app, lambda: reader.subgraph(path, 1, None, "both", MAX_NODES))
        if subgraph is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_neighbours, subgraph, push)

    def _show_neighbours(self, subgraph: Subgraph, push: bool) -> None:
        self.subgraph = subgraph
        self.showing_paths = False
        for node in subgraph.nodes.values():
            self.names[node.path] = node.public_path
        if push and (not self.trail or self.trail[-1] != subgraph.root):
            self.trail.append(subgraph.root)
        self._update_breadcrumb()
        tree = self.query_one("#graph-tree", Tree)
        tree.clear()
        root_node = subgraph.nodes.get(subgraph.root)
        kind = f"  [dim]{root_node.kind} · {root_node.library}[/]" if root_node else ""
        tree.root.set_label(f"[b]{self.names.get(subgraph.root, subgraph.root)}[/]{kind}")
        tree.root.data = subgraph.root
        groups = grouped_neighbours(subgraph)
        if not groups:
            tree.root.add_leaf("[dim]no edges[/]")
        for (relation, direction), items in groups.items():
            label = group_label(relation, direction)
            branch = tree.root.add(
                f"[b]{label}[/] ({len(items)})", expand=len(groups) <= 4 or len(items) <= 8
            )
            for other, edge in items:
                node = subgraph.nodes.get(other)
                public = node.public_path if node else other
                tags = "stub" if node is not None and node.is_stub else (node.kind if node else "")
                detail = f" ({edge.detail})" if edge.detail else ""
                branch.add_leaf(f"{public}{detail}  [dim]{tags}[/]", data=other)
        if subgraph.truncated:
            tree.root.add_leaf(f"[yellow]… more than {MAX_NODES} neighbours: list truncated[/]")
        tree.root.expand()
        tree.cursor_line = 0
        tree.focus()

    def _update_breadcrumb(self) -> None:
        names = [self.names.get(p, p) for p in self.trail[-6:]]
        prefix = "… › " if len(self.trail) > 6 else ""
        self.query_one("#breadcrumb", Static).update(prefix + " › ".join(names))

    @on(Tree.NodeSelected, "#graph-tree")
    def _follow(self, event: Tree.NodeSelected) -> None:
        target = event.node.data
        if isinstance(target, str) and event.node is not event.node.tree.root and target != self.current:
            self.open(target)

    def action_back(self) -> None:
        """Back to the previous entity of the walk (or from a path listing to the walk)."""
        if self.showing_paths and self.current is not None:
            self.open(self.current, push=False)
            return
        if len(self.trail) > 1:
            self.trail.pop()
            self.open(self.trail[-1], push=False)

    def action_path_to(self) -> None:
        if self.current is None:
            self.app.push_screen(PickEntityScreen("Start from which entity?"), self._start_from)
            return
        start = self.current
        self.app.push_screen(
            PickEntityScreen(f"Shortest paths from {self.names.get(start, start)} to…"),
            lambda target: self._find_paths(start, target) if target else None,
        )

    def _start_from(self, path: str | None) -> None:
        if path:
            self.open(path)

    @work(thread=True, exclusive=True, group="graph", exit_on_error=False)
    def _find_paths(self, start: str, target: str) -> None:
        reader = self.app.session.reader  # type: ignore[attr-defined]
        paths = engine_call(self.app, lambda: reader.paths(start, target, 4, None, 10))
        if paths is not None:
            self.app.call_from_thread(self._show_paths, start, target, paths)

    def _show_paths(self, start: str, target: str, paths: list[GraphPath]) -> None:
        tree = self.query_one("#graph-tree", Tree)
        tree.clear()
        self.showing_paths = True
        tree.root.set_label(
            f"[b]paths from {self.names.get(start, start)} to {target}[/]  ({len(paths)}; Backspace returns)"
        )
        tree.root.data = None
        if not paths:
            tree.root.add_leaf("[dim]not joined within 4 hops[/]")
        for number, path in enumerate(paths, 1):
            branch = tree.root.add(path_text(path, self.names), expand=number <= 3)
            branch.data = None
            for here, edge, there in zip(path.nodes, path.edges, path.nodes[1:], strict=False):
                label = arrow(edge, here)
                label.append(self.names.get(there, there), style="bold")
                branch.add_leaf(label, data=there)
        tree.root.expand()
        tree.focus()

    def action_show_in_search(self) -> None:
        """The highlighted node's documentation, in the Search tab."""
        node = self.query_one("#graph-tree", Tree).cursor_node
        target = node.data if node is not None and isinstance(node.data, str) else self.current
        if target:
            self.app.show_entity(target)  # type: ignore[attr-defined]

"""Rich rendering of graph neighbourhoods (as trees), paths and multi-hop answers."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from workbench.model import Answer, GraphEdge, GraphNode, GraphPath, Subgraph
from workbench.retrieve.multihop_eval import MultiHopReport


def _node_label(node: GraphNode | None, path: str) -> Text:
    if node is None:
        return Text(path, style="cyan")
    style = "dim cyan" if node.is_stub else "bold cyan"
    label = Text(node.public_path, style=style)
    label.append(f"  {node.kind}" + ("" if node.is_stub else f" · {node.library}"), style="dim")
    return label


def edge_label(edge: GraphEdge, here: str) -> str:
    """`-raises->` when the edge leaves `here`, `<-raises-` when it arrives there."""
    detail = f" {edge.detail}" if edge.detail else ""
    if edge.src == here:
        return f"-{edge.relation}{detail}->"
    return f"<-{edge.relation}{detail}-"


def render_subgraph(console: Console, graph: Subgraph, max_children: int = 25) -> None:
    """The neighbourhood as a tree: each node under the node it was first reached from."""
    children: dict[str, list[tuple[GraphEdge, str]]] = {}
    placed = {graph.root}
    for depth in range(1, max(graph.depth.values(), default=0) + 1):
        for edge in graph.edges:
            for here, there in ((edge.src, edge.dst), (edge.dst, edge.src)):
                if (
                    graph.depth.get(here) == depth - 1
                    and graph.depth.get(there) == depth
                    and there not in placed
                ):
                    placed.add(there)
                    children.setdefault(here, []).append((edge, there))
    tree = Tree(_node_label(graph.nodes.get(graph.root), graph.root))

    def grow(branch: Tree, path: str) -> None:
        kids = sorted(children.get(path, []), key=lambda k: (k[0].relation, k[1]))
        for edge, kid in kids[:max_children]:
            label = Text(edge_label(edge, path) + " ", style="magenta")
            label.append_text(_node_label(graph.nodes.get(kid), kid))
            grow(branch.add(label), kid)
        if len(kids) > max_children:
            branch.add(Text(f"... {len(kids) - max_children} more", style="dim"))

    grow(tree, graph.root)
    console.print(tree)
    note = f"{len(graph.nodes)} nodes, {len(graph.edges)} edges"
    if graph.truncated:
        note += " (truncated: raise --max-nodes to see more)"
    console.print(Text(note, style="dim"))


def path_text(path: GraphPath, nodes: dict[str, GraphNode] | None = None) -> Text:
    """`a -raises-> b -inherits-> c`, public paths where known."""
    nodes = nodes or {}
    text = Text()
    for i, step in enumerate(path.nodes):
        node = nodes.get(step)
        text.append(
            node.public_path if node else step, style="bold cyan" if i in (0, len(path.nodes) - 1) else "cyan"
        )
        if i < len(path.edges):
            text.append(f" {edge_label(path.edges[i], step)} ", style="magenta")
    return text


def render_paths(
    console: Console, src: str, dst: str, paths: list[GraphPath], nodes: dict[str, GraphNode]
) -> None:
    """One line per shortest path."""
    if not paths:
        console.print(f"no path from [bold]{src}[/] to [bold]{dst}[/] within the hop limit")
        return
    console.print(f"{len(paths)} shortest path(s), {paths[0].hops} hop(s):")
    for path in paths:
        console.print(path_text(path, nodes))


def render_answer(console: Console, answer: Answer, explain: bool) -> None:
    """The ranked answer with its evidence paths; with `explain`, the plan and each step."""
    if explain:
        console.print(f"[bold]plan[/]: {answer.plan.kind} · {len(answer.plan.steps)} step(s)")
        for r in answer.results:
            line = Text(f"  [{r.step.id}] {r.step.kind}: ", style="bold")
            line.append(r.step.query)
            if r.step.relations:
                line.append(f"  relations: {' -> '.join(r.step.relations)}", style="magenta")
            if r.step.depends:
                line.append(f"  after {', '.join(r.step.depends)}", style="dim")
            status = r.status + (f" ({r.message})" if r.message else "")
            line.append(
                f"  · {status} · {r.seconds * 1000:.0f} ms", style="green" if r.status == "ok" else "yellow"
            )
            console.print(line)
            found = ", ".join(i.public_path for i in r.items[:5]) + (" ..." if len(r.items) > 5 else "")
            if found:
                console.print(Text(f"      -> {found}", style="dim"))
        console.print()
    if not answer.items:
        console.print(f"no answer for [bold]{answer.question}[/]")
    for rank, item in enumerate(answer.items, start=1):
        head = Text(f"{rank}. ", style="bold")
        head.append(item.public_path, style="bold cyan")
        head.append(
            f"  {item.kind} · {item.library} · confidence {item.confidence:.2f} · via {item.via}", style="dim"
        )
        console.print(head)
        if item.summary:
            console.print(Text(f"   {item.summary}"))
        for path in item.paths if explain else item.paths[:1]:
            if path.edges:
                console.print(Text("   path: ").append_text(path_text(path)))
    if answer.synthesis:
        console.print(Text("\n" + answer.synthesis))
    if answer.synthesis_error:
        console.print(Text(answer.synthesis_error, style="yellow"))
    note = f"{answer.seconds * 1000:.0f} ms"
    if answer.degraded:
        note += " · degraded: " + ", ".join(
            f"{r.step.id} {r.status}" for r in answer.results if r.status != "ok"
        )
    console.print(Text(note, style="yellow" if answer.degraded else "dim"))


def render_multihop(console: Console, report: MultiHopReport, show_misses: bool) -> None:
    """Search alone against search + graph on the multi-hop set."""
    from rich.table import Table

    n = report.rows[0].n if report.rows else 0
    table = Table(title=f"multi-hop eval ({n} questions)", title_justify="left")
    for col in ("system", "answer@1", "answer@5", "success@5 (valid path)", "path match", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col == "system" else "right")
    for r in report.rows:
        table.add_row(
            r.system,
            f"{r.answer_at_1:.3f}",
            f"{r.answer_at_5:.3f}",
            f"{r.success_at_5:.3f}" + (" *" if r.system == "hybrid" else ""),
            "-" if r.system == "hybrid" else f"{r.path_match:.3f}",
            f"{r.p50_ms:.0f}",
            f"{r.p95_ms:.0f}",
        )
    console.print(table)
    console.print(Text("* search alone gives no paths: its success is answer@5", style="dim"))
    if report.skipped:
        console.print(f"[yellow]{len(report.skipped)} multi-hop questions skipped: answer not indexed")
    if show_misses:
        for r in report.rows:
            console.print(f"\n[bold]{r.system}[/]: {len(r.misses)} misses in top 5")
            for question, expected, got in r.misses:
                console.print(f"  - {question}\n    expected {expected}\n    got      {got}")


def render_calibration(console: Console, fitted: dict) -> None:
    """Fitted parameters and reliability tables (confidence bin against accuracy)."""
    from rich.table import Table

    for via, info in fitted.items():
        fitted = ", ".join(f"{x:.2f}" for x in info["fitted"])
        in_use = ", ".join(f"{x:.2f}" for x in info["in_use"])
        console.print(
            f"\n[bold]calibration of {via} answers[/] ({info['n']} items, {info['accuracy']:.2f} correct): "
            f"fitted (score, relative, intercept) = ({fitted}); in use ({in_use})"
        )
        table = Table(title_justify="left")
        for col in ("confidence bin", "n (in use)", "conf", "accuracy", "n (held out)", "conf", "accuracy"):
            table.add_column(col, justify="right")
        used, held = info["in_use_reliability"], info["held_out_reliability"]
        for a, b in zip(used.bins, held.bins, strict=True):
            table.add_row(
                f"{a[0]:.1f}-{a[1]:.1f}",
                str(a[2]),
                f"{a[3]:.2f}",
                f"{a[4]:.2f}",
                str(b[2]),
                f"{b[3]:.2f}",
                f"{b[4]:.2f}",
            )
        console.print(table)
        console.print(f"ECE: in use {used.ece:.3f} · refitted, 2-fold held out {held.ece:.3f}")

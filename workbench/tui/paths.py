"""Evidence paths and graph neighbourhoods as lines a person reads hop by hop."""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text

from workbench.model import GraphEdge, GraphPath, Subgraph

#: How an edge reads from its target's side ("httpx.Response.json <- returned by").
INVERSE = {
    "member_of": "members",
    "inherits": "inherited by",
    "returns": "returned by",
    "accepts": "accepted by",
    "raises": "raised by",
    "calls": "called by",
    "reexports": "re-exported by",
    "alias_of": "aliases",
    "mentions": "mentioned by",
    "overrides": "overridden by",
}


def group_label(relation: str, direction: str) -> str:
    """`raises →` for edges out of a node, `← raised by` for edges into it."""
    return f"{relation} →" if direction == "out" else f"← {INVERSE.get(relation, relation)}"


def arrow(edge: GraphEdge, here: str) -> Text:
    """`—raises→` when the edge is walked along its direction from `here`, `←inherits—` against it."""
    label = edge.relation + (f"({edge.detail})" if edge.detail else "")
    if edge.src == here:
        return Text(f" —{label}→ ", style="bold magenta")
    return Text(f" ←{label}— ", style="bold cyan")


def path_text(path: GraphPath, names: dict[str, str] | None = None) -> Text:
    """A path on one line: node —relation→ node ←relation— node."""
    names = names or {}
    text = Text(names.get(path.nodes[0], path.nodes[0]), style="bold")
    for here, edge, there in zip(path.nodes, path.edges, path.nodes[1:], strict=False):
        text.append_text(arrow(edge, here))
        text.append(names.get(there, there), style="bold")
    return text


def hops(path: GraphPath) -> list[tuple[str, Text, str]]:
    """(from, arrow, to) for each hop of a path."""
    return [
        (here, arrow(edge, here), there)
        for here, edge, there in zip(path.nodes, path.edges, path.nodes[1:], strict=False)
    ]


def grouped_neighbours(subgraph: Subgraph) -> dict[tuple[str, str], list[tuple[str, GraphEdge]]]:
    """Neighbours of the subgraph's root by (relation, "out" or "in"), sorted by public path."""
    groups: dict[tuple[str, str], list[tuple[str, GraphEdge]]] = defaultdict(list)
    root = subgraph.root
    for edge in subgraph.edges:
        if edge.src == root and edge.dst != root:
            groups[(edge.relation, "out")].append((edge.dst, edge))
        elif edge.dst == root and edge.src != root:
            groups[(edge.relation, "in")].append((edge.src, edge))

    def public(item: tuple[str, GraphEdge]) -> str:
        node = subgraph.nodes.get(item[0])
        return node.public_path if node else item[0]

    return {key: sorted(items, key=public) for key, items in sorted(groups.items())}

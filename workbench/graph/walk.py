"""Walks of several hops: neighbours, the sub-graph around a node, shortest paths."""

from __future__ import annotations

from collections.abc import Iterable

from workbench.errors import EntityNotFoundError, QueryError
from workbench.graph import memory
from workbench.graph.backend import DIRECTIONS, HopBackend, open_backend
from workbench.model import RELATIONS, GraphEdge, GraphNode, GraphPath, Subgraph
from workbench.store import queries
from workbench.store.database import Database
from workbench.store.queries import sql_strings

#: `alias_of` joins a public name to its definition: walks skip it unless asked, or every
#: path would come twice (through the module's `reexports` edge and through the alias).
WALK_RELATIONS: tuple[str, ...] = tuple(r for r in RELATIONS if r != "alias_of")
MAX_HOPS = 6
#: A frontier larger than this stops a walk (flagged `truncated`): hubs such as
#: `builtins.ValueError` have tens of thousands of edges.
MAX_FRONTIER = 5_000


def check_relations(relations: Iterable[str] | None) -> tuple[str, ...]:
    """Validated relation names; empty means every relation a walk follows."""
    chosen = tuple(relations or ())
    unknown = [r for r in chosen if r not in RELATIONS]
    if unknown:
        raise QueryError(f"unknown relation {', '.join(unknown)}: choose from {', '.join(RELATIONS)}")
    return chosen or WALK_RELATIONS


def _other_end(edge: GraphEdge, node: str) -> str:
    return edge.dst if edge.src == node else edge.src


class Graph:
    """The API graph of one workbench file."""

    def __init__(self, db: Database, backend: HopBackend | None = None) -> None:
        self.db = db
        self.backend = backend or open_backend(db)

    # -- nodes -----------------------------------------------------------------------

    def resolve(self, path: str) -> str:
        """Graph node of a public, alias or definition path, or of a stub (`builtins.ValueError`).

        Raises:
            EntityNotFoundError: no node has that path.
        """
        path = path.strip()
        if not path:
            raise QueryError("empty path")
        found = queries.resolve_path(self.db, path)
        if found:
            return found
        row = self.db.execute("SELECT path FROM graph_nodes WHERE path = ?", [path]).fetchone()
        if row:
            return row[0]
        raise EntityNotFoundError(f"no node '{path}' in the graph{queries.did_you_mean(self.db, path)}")

    def nodes(self, paths: Iterable[str]) -> dict[str, GraphNode]:
        """Nodes by path; a path missing from the graph tables comes back as a stub."""
        wanted = set(paths)
        found: dict[str, GraphNode] = {}
        loaded = memory.edges_of(self.db).peek()
        if loaded is not None:  # a long-lived reader: the ends of edges from memory
            found, rest = loaded.nodes(wanted)
            wanted = set(rest)
        if not wanted:
            return found
        rows = self.db.rows(
            "SELECT path, public_path, kind, library, is_stub FROM graph_nodes "
            f"WHERE path IN ({sql_strings(wanted)})"
        )
        found.update({r[0]: GraphNode(*r) for r in rows})
        for path in wanted - found.keys():
            found[path] = GraphNode(path, path, "external", path.split(".", 1)[0], True)
        return found

    # -- walks -----------------------------------------------------------------------

    def neighbors(
        self, path: str, relations: Iterable[str] | None = None, direction: str = "both"
    ) -> list[GraphEdge]:
        """Edges at one hop from a node, along (`out`), against (`in`) or in `both` directions."""
        if direction not in DIRECTIONS:
            raise QueryError(f"direction must be one of {', '.join(DIRECTIONS)}")
        return self.backend.hop({self.resolve(path)}, check_relations(relations), direction)

    def subgraph(
        self,
        path: str,
        hops: int = 1,
        relations: Iterable[str] | None = None,
        direction: str = "both",
        max_nodes: int = 500,
    ) -> Subgraph:
        """Every node within `hops` of a node, breadth first, with the edges that reach them."""
        _check_hops(hops)
        chosen = check_relations(relations)
        root = self.resolve(path)
        result = Subgraph(root=root, depth={root: 0})
        frontier = {root}
        seen_edges: set[GraphEdge] = set()
        for depth in range(1, hops + 1):
            reached: set[str] = set()
            for edge in self.backend.hop(frontier, chosen, direction):
                if edge in seen_edges:
                    continue
                for end in (edge.src, edge.dst):
                    if end not in result.depth:
                        if len(result.depth) >= max_nodes:
                            result.truncated = True
                            continue
                        result.depth[end] = depth
                        reached.add(end)
                if edge.src in result.depth and edge.dst in result.depth:
                    seen_edges.add(edge)
                    result.edges.append(edge)
            frontier = reached
            if not frontier:
                break
        result.nodes = self.nodes(result.depth)
        return result

    def paths(
        self,
        src: str,
        dst: str,
        max_hops: int = 3,
        relations: Iterable[str] | None = None,
        limit: int = 10,
    ) -> list[GraphPath]:
        """Shortest paths between two nodes, edges taken in either direction.

        Breadth first from both ends at once, always growing the smaller frontier. Returns
        at most `limit` paths, all of the shortest length found within `max_hops`; none if
        the nodes are not joined within `max_hops`.
        """
        _check_hops(max_hops)
        chosen = check_relations(relations)
        start, goal = self.resolve(src), self.resolve(dst)
        if start == goal:
            return [GraphPath([start], [])]
        # parents[side][node] = [(previous node, edge)] on a shortest way from that side's end
        parents: list[dict[str, list[tuple[str, GraphEdge]]]] = [{start: []}, {goal: []}]
        depth = [{start: 0}, {goal: 0}]
        frontiers = [{start}, {goal}]
        for _ in range(max_hops):
            side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
            if not frontiers[side] or len(frontiers[side]) > MAX_FRONTIER:
                break
            level = depth[side][next(iter(frontiers[side]))] + 1
            reached: set[str] = set()
            for edge in self.backend.hop(frontiers[side], chosen, "both"):
                for here in (edge.src, edge.dst):
                    if here not in frontiers[side]:
                        continue
                    there = _other_end(edge, here)
                    if depth[side].get(there, level) == level:
                        depth[side][there] = level
                        parents[side].setdefault(there, []).append((here, edge))
                        reached.add(there)
            frontiers[side] = reached
            meet = reached & depth[1 - side].keys()
            if meet:
                return _join(meet, parents, depth, limit)
        return []


def _check_hops(hops: int) -> None:
    if not 1 <= hops <= MAX_HOPS:
        raise QueryError(f"hops must be between 1 and {MAX_HOPS}")


def _chains(node: str, parents: dict[str, list[tuple[str, GraphEdge]]], limit: int) -> list[GraphPath]:
    """Every way back from `node` to its side's end, as paths that end at `node`."""
    if not parents[node]:
        return [GraphPath([node], [])]
    out: list[GraphPath] = []
    for previous, edge in sorted(parents[node], key=lambda p: (-p[1].weight, p[0])):
        for head in _chains(previous, parents, limit):
            out.append(GraphPath([*head.nodes, node], [*head.edges, edge]))
            if len(out) >= limit:
                return out
    return out


def _join(
    meet: set[str],
    parents: list[dict[str, list[tuple[str, GraphEdge]]]],
    depth: list[dict[str, int]],
    limit: int,
) -> list[GraphPath]:
    best = min(depth[0][m] + depth[1][m] for m in meet)
    out: list[GraphPath] = []
    for node in sorted(m for m in meet if depth[0][m] + depth[1][m] == best):
        for head in _chains(node, parents[0], limit):
            for tail in _chains(node, parents[1], limit):
                nodes = head.nodes + list(reversed(tail.nodes))[1:]
                out.append(GraphPath(nodes, head.edges + list(reversed(tail.edges))))
    out.sort(key=lambda p: (-_strength(p), p.nodes))
    return out[:limit]


def _strength(path: GraphPath) -> float:
    product = 1.0
    for edge in path.edges:
        product *= edge.weight
    return product

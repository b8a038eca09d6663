"""The edges of an open file in memory, by source and by target, for hops without SQL.

A hop in SQL scans `graph_edges` (its `src` and `dst` columns are not sorted, so no row
group is skipped): 4-13 ms, two or three times per `ask`. A long-lived reader (a TUI, a
server, an eval) loads the edges once in the background (`store.background`; ~50 MB and
1-2 s for 615k edges) and then answers a hop with array slices. The rows are the SQL's:
the same edges, deduplicated as its UNION does, sorted the same way (a test compares
every hop of the fixture graph).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from workbench.model import GraphEdge, GraphNode
from workbench.store.background import BackgroundLoad, map_of
from workbench.store.database import Database

#: Hops on one open file before its edges load in the background: more than one `ask`
#: makes (three walk hops, four for a comparison's paths) or a one-off `graph` command
#: (at most six), so a one-off process never pays for the load.
LOAD_AFTER_HOPS = 8


def _by(ends: np.ndarray, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Edge indices grouped by one end (stable: table order within a node) and each
    node's first position in them."""
    order = np.argsort(ends, kind="stable").astype(np.int32)
    starts = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=nodes), out=starts[1:])
    return order, starts


def _codes(pc: Any, column: Any) -> tuple[list[str], np.ndarray]:
    """A text column with few distinct values as (values, index of each row's)."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)


class MemoryEdges:
    """Every edge of the file: node and relation ids in arrays, text columns in Arrow."""

    def __init__(self, db: Database) -> None:
        import pyarrow as pa  # here, not at import: a one-off command never loads edges
        import pyarrow.compute as pc

        table = db.execute(
            "SELECT src, dst, relation, evidence, weight, detail FROM graph_edges"
        ).to_arrow_table()
        count = table.num_rows
        ends = pc.dictionary_encode(
            pa.concat_arrays([table.column("src").combine_chunks(), table.column("dst").combine_chunks()])
        )
        codes = ends.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        self.names: list[str] = ends.dictionary.to_pylist()
        self.ids = {name: i for i, name in enumerate(self.names)}
        self.src, self.dst = codes[:count], codes[count:]
        relation = pc.dictionary_encode(table.column("relation").combine_chunks())
        self.relations: list[str] = relation.dictionary.to_pylist()
        self.relation = relation.indices.to_numpy(zero_copy_only=False).astype(np.int16)
        self.weight = table.column("weight").to_numpy()
        self.evidence = table.column("evidence").combine_chunks()
        self.detail = table.column("detail").combine_chunks()
        self.out = _by(self.src, len(self.names))
        self.into = _by(self.dst, len(self.names))
        # the nodes' rows, by the same ids (a node without edges has none: looked up)
        nodes = db.execute(
            "SELECT path, public_path, kind, library, is_stub FROM graph_nodes"
        ).to_arrow_table()
        self.node_row = np.full(len(self.names), -1, dtype=np.int64)
        for row, path in enumerate(nodes.column("path").to_pylist()):
            if path in self.ids:
                self.node_row[self.ids[path]] = row
        self.node_public = nodes.column("public_path").combine_chunks()
        self.node_kind = _codes(pc, nodes.column("kind"))
        self.node_library = _codes(pc, nodes.column("library"))
        self.node_stub = nodes.column("is_stub").to_pylist()

    def hop(self, frontier: Iterable[str], relations: tuple[str, ...], direction: str) -> list[GraphEdge]:
        """What `backend.SqlBackend.hop` returns: the edges leaving (`out`) or entering
        (`in`) the frontier, or both, of the given relations (none: all), sorted."""
        ids = [self.ids[node] for node in frontier if node in self.ids]
        if not ids:
            return []
        ways = ("out", "in") if direction == "both" else (direction,)
        found = []
        for way in ways:
            order, starts = self.out if way == "out" else self.into
            found += [order[starts[i] : starts[i + 1]] for i in ids]
        index = np.unique(np.concatenate(found))
        if relations:
            wanted = [i for i, name in enumerate(self.relations) if name in relations]
            index = index[np.isin(self.relation[index], wanted)]
        if not len(index):
            return []
        import pyarrow as pa

        taken = pa.array(index)
        evidence = self.evidence.take(taken).to_pylist()
        detail = self.detail.take(taken).to_pylist()
        names = self.names
        edges = {
            GraphEdge(
                names[self.src[i]], names[self.dst[i]], self.relations[self.relation[i]], ev, float(w), de
            )
            for i, ev, w, de in zip(
                index.tolist(), evidence, self.weight[index].tolist(), detail, strict=True
            )
        }
        return sorted(edges)

    def nodes(self, paths: Iterable[str]) -> tuple[dict[str, GraphNode], list[str]]:
        """(the nodes of `paths` that are ends of edges, the paths left to look up)."""
        found: dict[str, GraphNode] = {}
        rest: list[str] = []
        for path in paths:
            i = self.ids.get(path)
            row = -1 if i is None else int(self.node_row[i])
            if row < 0:
                rest.append(path)
            else:
                found[path] = GraphNode(
                    path,
                    self.node_public[row].as_py(),
                    self.node_kind[0][self.node_kind[1][row]],
                    self.node_library[0][self.node_library[1][row]],
                    self.node_stub[row],
                )
        return found, rest


def edges_of(db: Database) -> BackgroundLoad[MemoryEdges]:
    """The edges of an open file, loaded in the background from its LOAD_AFTER_HOPS-th
    hop on; until then (None), hops run in SQL."""
    return map_of(
        db, "graph-edges", lambda d: BackgroundLoad(d, "graph-edges", MemoryEdges, after=LOAD_AFTER_HOPS)
    )

"""Graph explorer: pick an entity, draw its neighbourhood and the shortest paths to another,
and read the graph's degree distributions and hubs.

Run it with `workbench notebook graph_explorer [--db FILE | --server URL]`. Arguments after
`--`: `--db FILE` or `--server URL`, `--query TEXT` (the search box), `--to PATH` (the other
end of the shortest paths), `--hops N`. The index is opened read-only; nothing is written.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="Graph explorer")

with app.setup:
    import math

    import altair as alt
    import marimo as mo
    import polars as pl

    from workbench.errors import WorkbenchError
    from workbench.model import RELATIONS
    from workbench.reader import open_reader

    #: the relations a walk follows by default (alias_of doubles every re-exported path)
    WALK_RELATIONS = [r for r in RELATIONS if r != "alias_of"]
    #: hubs worth a table: (title, relation, direction)
    HUBS = (
        ("most inherited", "inherits", "in"),
        ("most raised", "raises", "in"),
        ("most returned", "returns", "in"),
    )


@app.function
def radial_layout(subgraph) -> dict:
    """x, y of each node: the root in the middle, the nodes first reached at hop d on the
    circle of radius d, spread evenly in path order."""
    rings: dict[int, list[str]] = {}
    for path, depth in subgraph.depth.items():
        rings.setdefault(depth, []).append(path)
    positions = {}
    for depth, paths in rings.items():
        paths.sort()
        for i, path in enumerate(paths):
            angle = 2 * math.pi * i / len(paths) + depth * 0.4
            positions[path] = (depth * math.cos(angle), depth * math.sin(angle))
    return positions


@app.function
def subgraph_frames(subgraph) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nodes, edges) of a subgraph as frames with coordinates, for drawing."""
    positions = radial_layout(subgraph)
    nodes = pl.DataFrame(
        [
            {
                "path": path,
                "label": node.public_path.rsplit(".", 1)[-1],
                "public path": node.public_path,
                "kind": node.kind,
                "library": node.library,
                "hop": subgraph.depth.get(path, 0),
                "x": positions[path][0],
                "y": positions[path][1],
            }
            for path, node in subgraph.nodes.items()
            if path in positions
        ],
        schema={
            "path": pl.String,
            "label": pl.String,
            "public path": pl.String,
            "kind": pl.String,
            "library": pl.String,
            "hop": pl.Int64,
            "x": pl.Float64,
            "y": pl.Float64,
        },
    )
    edges = pl.DataFrame(
        [
            {
                "src": e.src,
                "relation": e.relation,
                "dst": e.dst,
                "x": positions[e.src][0],
                "y": positions[e.src][1],
                "x2": positions[e.dst][0],
                "y2": positions[e.dst][1],
            }
            for e in subgraph.edges
            if e.src in positions and e.dst in positions
        ],
        schema={
            "src": pl.String,
            "relation": pl.String,
            "dst": pl.String,
            "x": pl.Float64,
            "y": pl.Float64,
            "x2": pl.Float64,
            "y2": pl.Float64,
        },
    )
    return nodes, edges


@app.function
def network_chart(nodes: pl.DataFrame, edges: pl.DataFrame, title: str) -> alt.LayerChart:
    """Edges as segments coloured by relation, nodes as points shaped by kind, labelled."""
    axis = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    lines = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=1.5, opacity=0.7)
        .encode(
            x=alt.X("x:Q", axis=axis),
            y=alt.Y("y:Q", axis=axis),
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color("relation:N", scale=alt.Scale(domain=list(RELATIONS), scheme="category10")),
            tooltip=["src", "relation", "dst"],
        )
    )
    points = (
        alt.Chart(nodes)
        .mark_point(filled=True, size=90, color="#333")
        .encode(x="x:Q", y="y:Q", shape="kind:N", tooltip=["public path", "kind", "library", "hop"])
    )
    labels = alt.Chart(nodes).mark_text(dy=-9, fontSize=10).encode(x="x:Q", y="y:Q", text="label:N")
    return (lines + points + labels).properties(width=620, height=520, title=title)


@app.function
def path_frames(paths: list) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(hops, nodes) of shortest paths: one row per hop (path number, hop, from, relation,
    to, whether the edge was walked against its direction) and one per node position."""
    hops, nodes = [], []
    for number, path in enumerate(paths, 1):
        for step, node in enumerate(path.nodes):
            nodes.append({"path": number, "step": step, "node": node, "label": node.rsplit(".", 1)[-1]})
        for step, edge in enumerate(path.edges):
            here, there = path.nodes[step], path.nodes[step + 1]
            hops.append(
                {
                    "path": number,
                    "hop": step + 1,
                    "from": here,
                    "relation": edge.relation,
                    "to": there,
                    "against the edge": edge.src != here,
                    "x": float(step),
                    "x2": float(step + 1),
                    "y": float(number),
                }
            )
    hop_schema = {
        "path": pl.Int64,
        "hop": pl.Int64,
        "from": pl.String,
        "relation": pl.String,
        "to": pl.String,
        "against the edge": pl.Boolean,
        "x": pl.Float64,
        "x2": pl.Float64,
        "y": pl.Float64,
    }
    node_schema = {"path": pl.Int64, "step": pl.Int64, "node": pl.String, "label": pl.String}
    return pl.DataFrame(hops, schema=hop_schema), pl.DataFrame(nodes, schema=node_schema)


@app.function
def paths_chart(hops: pl.DataFrame, nodes: pl.DataFrame, title: str) -> alt.LayerChart:
    """Each shortest path on its own row, hop by hop left to right, edges coloured by relation."""
    rules = (
        alt.Chart(hops)
        .mark_rule(strokeWidth=3)
        .encode(
            x=alt.X("x:Q", title="hop", axis=alt.Axis(tickMinStep=1)),
            x2="x2:Q",
            y=alt.Y("y:Q", title="path", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("relation:N", scale=alt.Scale(domain=list(RELATIONS), scheme="category10")),
            tooltip=["from", "relation", "to", "against the edge"],
        )
    )
    points = (
        alt.Chart(nodes)
        .mark_circle(size=120, color="#333")
        .encode(x="step:Q", y="path:Q", tooltip=["node", "step"])
    )
    labels = alt.Chart(nodes).mark_text(dy=-12, fontSize=10).encode(x="step:Q", y="path:Q", text="label:N")
    return (rules + points + labels).properties(
        width=620, height=max(80, 60 * nodes["path"].n_unique()), title=title
    )


@app.function
def degree_frame(histogram: list) -> pl.DataFrame:
    """(relation, degree, nodes) rows as a frame."""
    return pl.DataFrame(
        histogram, schema={"relation": pl.String, "degree": pl.Int64, "nodes": pl.Int64}, orient="row"
    )


@app.function
def degree_chart(frame: pl.DataFrame) -> alt.Chart:
    """How many nodes have each in-degree, per relation, on log scales."""
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("degree:Q", scale=alt.Scale(type="log"), title="in-degree"),
            y=alt.Y("nodes:Q", scale=alt.Scale(type="log"), title="nodes"),
            color=alt.Color("relation:N", scale=alt.Scale(domain=list(RELATIONS), scheme="category10")),
            tooltip=["relation", "degree", "nodes"],
        )
        .properties(width=520, height=300, title="in-degree distribution per relation")
    )


@app.function
def hub_frame(rows: list) -> pl.DataFrame:
    """Hub rows (path, public path, kind, library, degree) as a frame."""
    return pl.DataFrame(
        [{"public path": pp, "kind": k, "library": lib, "edges": d, "path": p} for p, pp, k, lib, d in rows],
        schema={
            "public path": pl.String,
            "kind": pl.String,
            "library": pl.String,
            "edges": pl.Int64,
            "path": pl.String,
        },
    )


@app.cell
def _():
    mo.md("""
    # Graph explorer

    Search for an entity, draw its neighbourhood in the API graph coloured by relation,
    the shortest paths from it to another entity hop by hop, and the graph's degree
    distributions and hubs.
    """)
    return


@app.cell
def _():
    args = dict(mo.cli_args())
    try:
        reader = open_reader(args.get("db"), args.get("server"))
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Cannot open the index:** {error}"), kind="danger"))
    mo.md(f"Reading `{getattr(reader, 'path', None) or getattr(reader, 'url', '')}`")
    return args, reader


@app.cell
def _(args):
    query = mo.ui.text(
        value=str(args.get("query") or "connection"), label="search an entity", debounce=True, full_width=True
    )
    query
    return (query,)


@app.cell
def _(query, reader):
    mo.stop(not query.value.strip(), mo.md("_Type a search above._"))
    try:
        _hits = reader.search(query.value, 15)
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Search:** {error}"), kind="danger"))
    mo.stop(not _hits, mo.md("_Nothing found._"))
    entity = mo.ui.dropdown(
        options={f"{h.path} ({h.kind})": h.definition_path for h in _hits},
        value=f"{_hits[0].path} ({_hits[0].kind})",
        label="entity",
    )
    entity
    return (entity,)


@app.cell
def _(args):
    hops = mo.ui.slider(1, 3, value=int(args.get("hops") or 1), label="hops", show_value=True)
    relations = mo.ui.multiselect(options=list(RELATIONS), value=WALK_RELATIONS, label="relations")
    direction = mo.ui.dropdown(options=["both", "out", "in"], value="both", label="direction")
    max_nodes = mo.ui.slider(20, 300, step=10, value=80, label="at most nodes", show_value=True)
    mo.hstack([hops, direction, max_nodes, relations], justify="start", wrap=True)
    return direction, hops, max_nodes, relations


@app.cell
def _(direction, entity, hops, max_nodes, reader, relations):
    mo.stop(not relations.value, mo.md("_Pick at least one relation._"))
    neighbourhood = reader.subgraph(
        entity.value, hops.value, list(relations.value), direction.value, max_nodes.value
    )
    graph_nodes, graph_edges = subgraph_frames(neighbourhood)
    _note = " (cut at the node limit)" if neighbourhood.truncated else ""
    neighbourhood_chart = network_chart(
        graph_nodes,
        graph_edges,
        f"{entity.value}: {len(graph_nodes)} nodes, {len(graph_edges)} edges "
        f"within {hops.value} hop(s){_note}",
    )
    mo.vstack(
        [
            mo.md("## Neighbourhood"),
            neighbourhood_chart,
            mo.ui.table(graph_edges.select("src", "relation", "dst"), selection=None, page_size=8),
        ]
    )
    return graph_edges, graph_nodes, neighbourhood, neighbourhood_chart


@app.cell
def _(args, entity, neighbourhood):
    _far = max(neighbourhood.depth, key=lambda p: (neighbourhood.depth[p], p), default=entity.value)
    source = mo.ui.text(value=entity.value, label="from", full_width=True)
    target = mo.ui.text(value=str(args.get("to") or _far), label="to", full_width=True)
    path_hops = mo.ui.slider(1, 6, value=4, label="at most hops", show_value=True)
    mo.vstack([mo.md("## Shortest paths"), mo.hstack([source, target, path_hops], widths=[3, 3, 1])])
    return path_hops, source, target


@app.cell
def _(path_hops, reader, source, target):
    try:
        shortest = reader.paths(source.value, target.value, max_hops=path_hops.value, limit=5)
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Paths:** {error}"), kind="warn"))
    mo.stop(not shortest, mo.md(f"_No path within {path_hops.value} hops._"))
    path_hop_rows, path_nodes = path_frames(shortest)
    shortest_chart = paths_chart(
        path_hop_rows, path_nodes, f"{len(shortest)} shortest path(s) of {shortest[0].hops} hop(s)"
    )
    mo.vstack(
        [
            shortest_chart,
            mo.ui.table(
                path_hop_rows.select("path", "hop", "from", "relation", "to", "against the edge"),
                selection=None,
                page_size=12,
            ),
        ]
    )
    return path_hop_rows, path_nodes, shortest, shortest_chart


@app.cell
def _(reader):
    mo.stop(
        not hasattr(reader, "degree_histogram"),
        mo.md("_Degree distributions and hubs read the local file: open this notebook with `--db`._"),
    )
    degrees = degree_frame(reader.degree_histogram("in"))
    degrees_chart = degree_chart(degrees)
    _summary = (
        degrees.group_by("relation")
        .agg(pl.col("nodes").sum().alias("nodes"), pl.col("degree").max().alias("max degree"))
        .sort("nodes", descending=True)
    )
    mo.vstack(
        [mo.md("## Degree distributions"), mo.hstack([degrees_chart, mo.ui.table(_summary, selection=None)])]
    )
    return degrees, degrees_chart


@app.cell
def _(reader):
    mo.stop(not hasattr(reader, "hubs"))
    hub_tables = {
        title: hub_frame(reader.hubs(relation, direction, 10)) for title, relation, direction in HUBS
    }
    mo.vstack(
        [
            mo.md("## Hubs"),
            mo.hstack(
                [
                    mo.vstack([mo.md(f"**{title}**"), mo.ui.table(frame.drop("path"), selection=None)])
                    for title, frame in hub_tables.items()
                ],
                widths="equal",
            ),
        ]
    )
    return (hub_tables,)


if __name__ == "__main__":
    app.run()

"""The graph explorer and the library dashboard run headless by marimo on the small index:
their charts and tables hold what the facade says of the same index."""

from __future__ import annotations

from collections import Counter

from tests.notebooks.marimo_export import datasets, export
from workbench import Workbench
from workbench.model import RELATIONS

WALK = [r for r in RELATIONS if r != "alias_of"]


def test_graph_explorer_draws_the_neighbourhood_paths_degrees_and_hubs(index_copy, embedder, tmp_path):
    """The entity searched for is drawn with its 2-hop neighbourhood coloured by relation,
    the shortest paths to the error it raises hop by hop, the degree distribution and the
    hub tables, each equal to the facade's answer."""
    args = [
        "--db",
        str(index_copy),
        "--query",
        "h11 Connection",
        "--to",
        "h11.LocalProtocolError",
        "--hops",
        "2",
    ]
    run = export("graph_explorer", args, tmp_path)
    assert run.returncode == 0 and not run.errors(), (run.errors(), run.stderr[-3000:])

    with Workbench(index_copy, embedder=embedder) as wb:
        root = wb.search("h11 Connection", 15)[0].definition_path
        sub = wb.subgraph(root, 2, WALK, "both", 80)
        paths = wb.paths(root, "h11.LocalProtocolError", max_hops=4, limit=5)
        histogram = wb.degree_histogram("in")
        raised = wb.hubs("raises", "in", 10)
        bases = wb.hubs("inherits", "in", 10)

    network = run.chart_titled(f"{root}:")
    edges = next(d for d in datasets(network) if d and "relation" in d[0])
    nodes = next(d for d in datasets(network) if d and "kind" in d[0])
    assert {n["path"] for n in nodes} == set(sub.nodes) and root in {n["path"] for n in nodes}
    assert Counter(e["relation"] for e in edges) == Counter(e.relation for e in sub.edges)
    assert network["layer"][0]["encoding"]["color"]["field"] == "relation"

    assert paths, "the connection reaches LocalProtocolError"
    hops = run.table_with("against the edge")
    assert [(h["path"], h["hop"], h["from"], h["relation"], h["to"]) for h in hops] == [
        (i, j, p.nodes[j - 1], e.relation, p.nodes[j])
        for i, p in enumerate(paths, 1)
        for j, e in enumerate(p.edges, 1)
    ]
    assert run.chart_titled(f"shortest path(s) of {paths[0].hops} hop(s)")

    (degrees,) = datasets(run.chart_titled("in-degree distribution"))
    assert sorted((d["relation"], d["degree"], d["nodes"]) for d in degrees) == sorted(histogram)
    inherited = run.table_with("edges")  # the first hub table
    assert [(r["public path"], r["edges"]) for r in inherited] == [(pp, d) for _, pp, _, _, d in bases]
    raised_rows = next(t for t in run.tables() if t and t[0].get("public path") == raised[0][1])
    assert [(r["public path"], r["edges"]) for r in raised_rows] == [(pp, d) for _, pp, _, _, d in raised]
    assert raised[0][1] == "h11.LocalProtocolError"


def test_library_dashboard_shows_sizes_quality_licenses_history_and_feedback(index_copy, embedder, tmp_path):
    """Every indexed library is a row with its size, documentation quality, license class
    and update state (the fixture package is not installed for the notebook: stale); the
    coverage, size, history and feedback charts and the suggestions table are filled."""
    with Workbench(index_copy, embedder=embedder) as wb:
        wb.suggest("httpx", "the client we use")
        wb.feedback("make a connection", "h11.Connection", "good")
        wb.feedback("make a connection", "idna.encode", "bad")
        quality = wb.doc_quality()
        sizes = {name: entities for name, entities, _, _ in wb.library_sizes()}
        history = wb.history()
    run = export("library_dashboard", ["--db", str(index_copy)], tmp_path)
    assert run.returncode == 0 and not run.errors(), (run.errors(), run.stderr[-3000:])

    rows = {r["library"]: r for r in run.table_with("license class")}
    assert set(rows) == {"h11", "idna", "wbfixture"}
    for name, row in rows.items():
        assert row["entities"] == sizes[name]
        assert row["documented"] == quality[name].docstrings and row["typed"] == quality[name].typed
    assert rows["h11"]["license class"] == "permissive" and rows["h11"]["allowed"] is True
    assert rows["h11"]["stale"] is False and rows["h11"]["update state"] == "current"
    assert rows["wbfixture"]["stale"] is True and rows["wbfixture"]["update state"] == "not installed"

    (coverage,) = datasets(run.chart_titled("documentation coverage"))
    assert {(c["library"], c["measure"]) for c in coverage} >= {("idna", "documented"), ("h11", "typed")}
    assert len(datasets(run.chart_titled("entities per library"))[0]) == 3
    (versions,) = datasets(run.chart_titled("versions over time"))
    assert sorted(v["library"] for v in versions) == sorted(h["library"] for h in history)
    (judged,) = datasets(run.chart_titled("feedback per library"))
    assert sorted((j["library"], j["verdict"], j["judgements"]) for j in judged) == [
        ("h11", "good", 1),
        ("idna", "bad", 1),
    ]
    assert run.table_with("reasons") == [{"library": "httpx", "asked": 1, "reasons": "the client we use"}]

"""`workbench graph` and `workbench ask`: the API graph and multi-hop questions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench.cli.common import console as _console
from workbench.cli.common import db_option, reports_errors
from workbench.cli.common import open_workbench as _open
from workbench.model import RELATIONS


@click.command()
@click.argument("path")
@click.option("--hops", default=1, show_default=True, type=click.IntRange(1, 6), help="How far to walk.")
@click.option(
    "--rel", "relations", multiple=True, type=click.Choice(RELATIONS), help="Only this relation (repeatable)."
)
@click.option(
    "--direction",
    type=click.Choice(["out", "in", "both"]),
    default="both",
    show_default=True,
    help="Follow edges leaving the node (out), arriving (in) or both.",
)
@click.option("--to", "target", help="Print the shortest paths to this node instead.")
@click.option("--max-nodes", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Nodes and edges (or paths) as JSON.")
@db_option
@reports_errors
def graph(
    path: str,
    hops: int,
    relations: tuple[str, ...],
    direction: str,
    target: str | None,
    max_nodes: int,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """The API graph around PATH, as a tree; with --to, the shortest paths between two nodes.

    Relations: member_of, inherits, returns, accepts, raises, calls, reexports, alias_of,
    mentions, overrides.

    Example: workbench graph httpx.Client.send --hops 2 --rel raises --rel inherits --direction out
    """
    from workbench.cli.render_graph import render_paths, render_subgraph

    with _open(db_path) as wb:
        if target:
            found = wb.paths(path, target, max_hops=hops if hops > 1 else 3, relations=list(relations))
            if as_json:
                click.echo(json.dumps([p.to_json() for p in found], indent=2))
                return
            nodes = wb.graph.nodes({n for p in found for n in p.nodes})
            render_paths(_console(), path, target, found, nodes)
            return
        sub = wb.subgraph(path, hops, list(relations), direction, max_nodes)
    if as_json:
        from dataclasses import asdict

        click.echo(
            json.dumps(
                {
                    "root": sub.root,
                    "nodes": [asdict(n) | {"depth": sub.depth[p]} for p, n in sub.nodes.items()],
                    "edges": [e.to_json() for e in sub.edges],
                    "truncated": sub.truncated,
                },
                indent=2,
            )
        )
        return
    render_subgraph(_console(), sub)


@click.command()
@click.argument("question")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option(
    "--hops",
    default=None,
    type=click.IntRange(1, 6),
    help="Most relations walked [default: the max_hops setting, 3 unless `workbench settings` changed it].",
)
@click.option(
    "--explain", is_flag=True, help="Print the plan, each step's results and timing, and every path."
)
@click.option(
    "--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 600), help="Seconds per step."
)
@click.option(
    "--synthesize", is_flag=True, help="Add a prose answer from the chat endpoint in $WORKBENCH_LLM_URL."
)
@click.option("--json", "as_json", is_flag=True, help="The plan, steps and answer as JSON.")
@db_option
@reports_errors
def ask(
    question: str,
    k: int,
    hops: int | None,
    explain: bool,
    timeout: float,
    synthesize: bool,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Answer a question that may need several lookups, with the paths that support it.

    The planner classifies the question (lookup, how-to, comparison, relationship, chain),
    runs its sub-queries at once and walks the API graph along the relations it names.

    Example: workbench ask "what does httpx raise when a read times out, and what is its base class" --explain
    """
    from workbench.cli.render_graph import render_answer

    with _open(db_path, preload=True) as wb:
        if synthesize and not wb.settings.synthesis.enabled:
            raise click.UsageError("--synthesize needs WORKBENCH_LLM_URL (an OpenAI-compatible endpoint)")
        answer = wb.ask(question, k, hops, timeout, synthesize=synthesize)
    if as_json:
        click.echo(json.dumps(answer.to_json(), indent=2))
        return
    render_answer(_console(), answer, explain)

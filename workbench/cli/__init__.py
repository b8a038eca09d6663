"""The `workbench` command: a thin click layer over `workbench.facade.Workbench`."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench.config import default_db_path
from workbench.errors import WorkbenchError
from workbench.model import KINDS, RELATIONS, SEARCH_MODES

DEFAULT_EVAL_SET = Path("data") / "eval" / "questions.jsonl"
DEFAULT_MULTIHOP_SET = Path("data") / "eval" / "multihop.jsonl"


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--db FILE`, shared by every command."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Workbench DuckDB file [default: data/workbench.duckdb, or $WORKBENCH_DB].",
    )(func)


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a WorkbenchError into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WorkbenchError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper


def _open(db_path: Path | None, read_only: bool = True) -> Any:
    from workbench.facade import Workbench

    return Workbench(db_path or default_db_path(), read_only=read_only)


def eval_set_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--set FILE`: a JSON-lines evaluation set, by default the bundled one."""
    return click.option(
        "--set",
        "eval_set",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_EVAL_SET,
        show_default=True,
        help=help_text,
    )


def multihop_set_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--multihop-set FILE`: JSON-lines multi-hop questions, by default the bundled ones."""
    return click.option(
        "--multihop-set",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_MULTIHOP_SET,
        show_default=True,
        help=help_text,
    )


@click.group()
@click.version_option(package_name="pyrag-workbench")
def main() -> None:
    """PyRAG Workbench: search the APIs of installed Python libraries.

    Example: workbench ingest httpx && workbench search "set a timeout on a client"
    """


@main.command()
@click.argument("names", nargs=-1)
@click.option("--installed", is_flag=True, help="Every installed package, most depended-on first.")
@click.option("--top", type=click.IntRange(min=1), help="With --installed or the default set: the first N.")
@click.option("--force", is_flag=True, help="Re-ingest even when the sources are unchanged.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@db_option
@reports_errors
def ingest(
    names: tuple[str, ...],
    installed: bool,
    top: int | None,
    force: bool,
    quiet: bool,
    db_path: Path | None,
) -> None:
    """Read libraries with griffe and index them (one transaction per library).

    With no NAME, ingests the default set: the workbench's own dependencies.

    Example: workbench ingest httpx polars     workbench ingest --installed --top 30
    """
    from workbench.cli.progress import RichIngestProgress, print_ingest_summary

    if names and (installed or top):
        raise click.UsageError("give library names or --installed/--top, not both")
    with _open(db_path, read_only=False) as wb:
        with RichIngestProgress(_console(stderr=True), enabled=not quiet) as progress:
            reports = wb.ingest(
                list(names) or None, installed=installed, top=top, force=force, progress=progress
            )
        print_ingest_summary(_console(), reports, wb.counts())
    if names and any(r.status == "failed" for r in reports):
        failed = next(r for r in reports if r.status == "failed")
        click.echo(f"error: {failed.message}", err=True)
        sys.exit(2)


@main.command()
@click.argument("query")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--library", "-l", "libraries", multiple=True, help="Only this library (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind.")
@click.option("--mode", type=click.Choice(SEARCH_MODES), default="hybrid", show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="A JSON array (path, kind, library, score, summary...)."
)
@db_option
@reports_errors
def search(
    query: str,
    k: int,
    libraries: tuple[str, ...],
    kinds: tuple[str, ...],
    mode: str,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Hybrid search (vectors + BM25, fused) over the indexed APIs.

    Example: workbench search "read a csv file into a dataframe" -k 5 --library polars
    """
    from workbench.cli.render import render_hits

    with _open(db_path) as wb:
        hits = wb.search(query, k, mode=mode, libraries=list(libraries), kinds=list(kinds))
    if as_json:
        click.echo(json.dumps([h.to_json() for h in hits], indent=2))
        return
    render_hits(_console(), query, mode, hits)


@main.command()
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="The entity as JSON.")
@db_option
@reports_errors
def show(path: str, as_json: bool, db_path: Path | None) -> None:
    """One entity: signature, parsed docstring, source excerpt, members.

    Example: workbench show httpx.Client.get
    """
    from workbench.cli.render import render_entity

    with _open(db_path) as wb:
        detail = wb.show(path)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps(asdict(detail), indent=2))
        return
    render_entity(_console(), detail)


@main.command()
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


@main.command()
@click.argument("question")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option(
    "--hops", default=3, show_default=True, type=click.IntRange(1, 6), help="Most relations walked."
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
    hops: int,
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

    with _open(db_path) as wb:
        if synthesize and not wb.settings.synthesis.enabled:
            raise click.UsageError("--synthesize needs WORKBENCH_LLM_URL (an OpenAI-compatible endpoint)")
        answer = wb.ask(question, k, hops, timeout, synthesize=synthesize)
    if as_json:
        click.echo(json.dumps(answer.to_json(), indent=2))
        return
    render_answer(_console(), answer, explain)


@main.command()
@click.argument("names", nargs=-1)
@click.option("--check", "only_check", is_flag=True, help="Only say what changed; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@db_option
@reports_errors
def update(names: tuple[str, ...], only_check: bool, quiet: bool, db_path: Path | None) -> None:
    """Re-index the indexed libraries whose installed version or sources changed.

    Entities are diffed by content hash (added / changed / removed / unchanged) and only
    chunks whose text changed are re-embedded; a failed update keeps the previous version.

    Example: workbench update --check     workbench update httpx
    """
    from workbench.cli.progress import RichIngestProgress
    from workbench.cli.render_library import render_update_check, render_update_reports

    with _open(db_path, read_only=only_check) as wb:
        if only_check:
            render_update_check(_console(), wb.check_updates(list(names) or None))
            return
        with RichIngestProgress(_console(stderr=True), enabled=not quiet) as progress:
            reports = wb.update(list(names) or None, progress=progress)
    render_update_reports(_console(), reports)
    if any(r.status == "failed" for r in reports):
        sys.exit(2)


@main.group(invoke_without_command=True)
@click.pass_context
def compliance(ctx: click.Context) -> None:
    """Licenses of the indexed libraries against the policy ($WORKBENCH_LICENSE_ALLOW), and
    the opt-out list.

    Example: workbench compliance report --format md     workbench compliance optout somelib --reason "legal"
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(compliance_report)


@compliance.command(name="report")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "md", "json"]), default="table", show_default=True
)
@db_option
@reports_errors
def compliance_report(fmt: str = "table", db_path: Path | None = None) -> None:
    """License, class and verdict per library.

    Example: workbench compliance report --format json
    """
    from workbench.cli.render_library import render_compliance

    with _open(db_path) as wb:
        verdicts = wb.compliance()
    render_compliance(_console(), verdicts, fmt)


@compliance.command(name="optout")
@click.argument("library")
@click.option("--reason", required=True, help="Why (kept with the opt-out).")
@db_option
@reports_errors
def compliance_optout(library: str, reason: str, db_path: Path | None) -> None:
    """Purge a library from the file and refuse it until it is opted in again.

    Example: workbench compliance optout idna --reason "license review pending"
    """
    with _open(db_path, read_only=False) as wb:
        removed = wb.opt_out(library, reason)
    click.echo(f"{library}: opted out, {removed} entities removed")


@compliance.command(name="optin")
@click.argument("library")
@db_option
@reports_errors
def compliance_optin(library: str, db_path: Path | None) -> None:
    """Take a library off the opt-out list (then `workbench ingest` it).

    Example: workbench compliance optin idna
    """
    with _open(db_path, read_only=False) as wb:
        wb.opt_in(library)
    click.echo(f"{library}: opted in; `workbench ingest {library}` indexes it again")


@main.command()
@click.argument("name", required=False)
@click.option("--reason", default="", help="Why the library would help.")
@db_option
@reports_errors
def suggest(name: str | None, reason: str, db_path: Path | None) -> None:
    """Suggest a library to index (the same name again counts up); no NAME lists them.

    Example: workbench suggest pydantic --reason "our models use it"
    """
    if name is None:
        with _open(db_path) as wb:
            for suggested, count, reasons in wb.suggestions():
                click.echo(f"{count:4d}  {suggested}  {'; '.join(reasons)}")
        return
    with _open(db_path, read_only=False) as wb:
        count = wb.suggest(name, reason)
    click.echo(f"{name.strip().lower()}: suggested {count} time(s)")


@main.command()
@click.argument("query", required=False)
@click.argument("path", required=False)
@click.argument("verdict", required=False, type=click.Choice(["good", "bad"]))
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the feedback as eval cases (JSON lines) for `workbench eval --set`.",
)
@db_option
@reports_errors
def feedback(
    query: str | None, path: str | None, verdict: str | None, export_to: Path | None, db_path: Path | None
) -> None:
    """Mark a result good or bad for a query; --export writes them as eval cases.

    Example: workbench feedback "set a timeout" httpx.Timeout good     workbench feedback --export fb.jsonl
    """
    if export_to is not None:
        with _open(db_path) as wb:
            cases = wb.feedback_cases()
        export_to.write_text(
            "".join(
                json.dumps({"id": c.id, "question": c.question, "expected": c.expected}) + "\n" for c in cases
            )
        )
        click.echo(f"{len(cases)} eval case(s) written to {export_to}")
        return
    if not (query and path and verdict):
        raise click.UsageError("give QUERY PATH good|bad, or --export FILE")
    with _open(db_path, read_only=False) as wb:
        resolved = wb.feedback(query, path, verdict)
    click.echo(f"recorded: {resolved} is {verdict} for {query!r}")


@main.command(name="libraries")
@click.option("--json", "as_json", is_flag=True, help="As a JSON array.")
@db_option
@reports_errors
def libraries_command(as_json: bool, db_path: Path | None) -> None:
    """The libraries in the file with versions and counts.

    Example: workbench libraries --json
    """
    from workbench.cli.render import render_libraries

    with _open(db_path) as wb:
        libs = wb.libraries()
        status = wb.index_status()
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps([asdict(lib) for lib in libs], indent=2))
        return
    render_libraries(_console(), libs, status)


@main.command()
@db_option
@reports_errors
def migrate(db_path: Path | None) -> None:
    """Upgrade a workbench file to the current schema (numbered migrations, one transaction).

    Example: workbench migrate --db team.duckdb
    """
    with _open(db_path, read_only=False) as wb:
        version = wb.schema_version()
    click.echo(f"{wb.path}: schema version {version}")


@main.command()
@click.option(
    "--to",
    "destination",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the compact copy to this new file and leave the original as it is.",
)
@db_option
@reports_errors
def compact(destination: Path | None, db_path: Path | None) -> None:
    """Rewrite the file without the space that replaced libraries left behind.

    Example: workbench compact     workbench compact --to team.duckdb
    """
    with _open(db_path, read_only=destination is not None) as wb:
        before, after = wb.compact(destination)
    where = destination or wb.path
    click.echo(f"{where}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


@main.command(name="eval")
@eval_set_option("JSON-lines evaluation set.")
@multihop_set_option("Multi-hop questions: search alone against search + graph (skipped if absent).")
@click.option("--no-multihop", is_flag=True, help="Only the lookup questions.")
@click.option("--calibrate", is_flag=True, help="Fit confidence calibration and print its reliability.")
@click.option("--misses", is_flag=True, help="List the questions each mode missed in its top 10.")
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(SEARCH_MODES),
    help="Only these modes [default: all three].",
)
@click.option("--json", "as_json", is_flag=True, help="Metrics as JSON.")
@db_option
@reports_errors
def eval_command(
    eval_set: Path,
    multihop_set: Path,
    no_multihop: bool,
    calibrate: bool,
    misses: bool,
    modes: tuple[str, ...],
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Recall@1/5/10, MRR@10 and nDCG@10 of bm25, vector and hybrid side by side, then
    multi-hop success of hybrid alone against hybrid + graph.

    Example: workbench eval --set data/eval/questions.jsonl --misses --calibrate
    """
    from dataclasses import asdict

    from workbench.cli.render import render_eval
    from workbench.cli.render_graph import render_calibration, render_multihop
    from workbench.retrieve.evaluation import load_cases
    from workbench.retrieve.multihop_eval import calibrate as fit_calibration
    from workbench.retrieve.multihop_eval import load_multihop_cases

    cases = load_cases(eval_set)
    hop_cases = load_multihop_cases(multihop_set) if multihop_set.exists() and not no_multihop else []
    with _open(db_path) as wb:
        rows, skipped = wb.evaluate(cases, modes or ("bm25", "vector", "hybrid"))
        report = wb.evaluate_multihop(hop_cases) if hop_cases else None
    fitted = {}
    if calibrate:
        from workbench.retrieve.multihop_eval import search_scored

        with _open(db_path) as wb:
            lookups = search_scored(cases, wb.resolve, lambda q: wb.search(q, 5))
        fitted = fit_calibration((report.scored if report else []) + lookups)
    if as_json:
        payload: dict[str, Any] = {"rows": [asdict(r) for r in rows], "skipped": [c.id for c in skipped]}
        if report:
            payload["multihop"] = [asdict(r) for r in report.rows]
            payload["multihop_skipped"] = [c.id for c in report.skipped]
        if fitted:
            payload["calibration"] = {
                k: {
                    **v,
                    "in_use_reliability": asdict(v["in_use_reliability"]),
                    "held_out_reliability": asdict(v["held_out_reliability"]),
                }
                for k, v in fitted.items()
            }
        click.echo(json.dumps(payload, indent=2))
        return
    console = _console()
    render_eval(console, rows, skipped, show_misses=misses)
    if report:
        render_multihop(console, report, show_misses=misses)
    if fitted:
        render_calibration(console, fitted)


@main.command()
@eval_set_option("Questions to time.")
@click.option(
    "--repeat",
    default=3,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Runs of the whole question set per mode.",
)
@multihop_set_option("Multi-hop questions to time (skipped if the file is absent).")
@db_option
@reports_errors
def bench(eval_set: Path, repeat: int, multihop_set: Path, db_path: Path | None) -> None:
    """Warm query latency p50/p95/p99 (search modes, multi-hop, planner), ingest
    throughput, size per library, graph size, peak memory.

    Example: workbench bench --repeat 5
    """
    from workbench.bench import run_bench
    from workbench.cli.render import render_bench
    from workbench.retrieve.evaluation import load_cases
    from workbench.retrieve.multihop_eval import load_multihop_cases

    questions = [c.question for c in load_cases(eval_set)]
    hop_questions = [c.question for c in load_multihop_cases(multihop_set)] if multihop_set.exists() else []
    with _open(db_path) as wb:
        result = run_bench(wb, questions, repeat=repeat, multihop_questions=hop_questions)
    render_bench(_console(), result)


if __name__ == "__main__":
    main()

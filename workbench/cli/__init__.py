"""The `workbench` command: a thin click layer over `workbench.facade.Workbench`.

Commands live beside this module by subject (graph, library management); this one holds
the group and the core commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from workbench.cli.common import (
    DEFAULT_HOLDOUT_SET,
    db_option,
    eval_set_option,
    multihop_set_option,
    reports_errors,
)
from workbench.cli.common import console as _console
from workbench.cli.common import open_workbench as _open
from workbench.cli.doctor_command import doctor
from workbench.cli.graph_commands import ask, graph
from workbench.cli.library_commands import add, compliance, discover, feedback, suggest, update
from workbench.cli.notebook_command import notebook
from workbench.cli.serve_commands import http_bench_options, serve
from workbench.cli.settings_commands import settings
from workbench.cli.share_commands import backup, export_command, import_command, restore
from workbench.cli.tui_command import tui, tui_bench_options
from workbench.model import KINDS, SEARCH_MODES


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
@click.option(
    "--stdlib", "with_stdlib", is_flag=True, help="The standard library and builtins (same as NAME stdlib)."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@db_option
@reports_errors
def ingest(
    names: tuple[str, ...],
    installed: bool,
    top: int | None,
    force: bool,
    with_stdlib: bool,
    quiet: bool,
    db_path: Path | None,
) -> None:
    """Read libraries with griffe and index them (one transaction per library).

    With no NAME, ingests the default set: the workbench's own dependencies and the
    standard library (`stdlib`: typeshed's stubs, docstrings from this Python).

    Example: workbench ingest httpx polars     workbench ingest --stdlib
    """
    from workbench.cli.progress import RichIngestProgress, print_ingest_summary

    if with_stdlib:
        names = (*names, "stdlib")
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
    with _open(db_path, preload=mode != "bm25") as wb:
        hits = wb.search(query, k, mode=mode, libraries=list(libraries), kinds=list(kinds))
    if as_json:
        click.echo(json.dumps([h.to_json() for h in hits], indent=2))
        return
    from workbench.cli.render import render_hits  # rich and pygments: 0.1 s, not for --json

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
    """Upgrade a workbench file to the current schema (numbered migrations, one transaction),
    then embed the entity cards it lacks (a file from before cards: 1-2 min for the default
    set's 50k).

    Example: workbench migrate --db team.duckdb
    """
    from workbench.cli.progress import RichIngestProgress

    with _open(db_path, read_only=False) as wb:
        version = wb.schema_version()
        with RichIngestProgress(_console(stderr=True)) as progress:
            carded = wb.refresh_cards(progress)
    click.echo(f"{wb.path}: schema version {version}")
    if carded:
        click.echo(f"{carded} entity cards embedded (the learned ranker reads them)")


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
@click.option(
    "--holdout-set",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_HOLDOUT_SET,
    show_default=True,
    help="Questions written apart, never fitted on: hybrid with and without the ranker every "
    "face applies (skipped if absent, or with --no-ablation).",
)
@click.option("--calibrate", is_flag=True, help="Fit confidence calibration and print its reliability.")
@click.option("--misses", is_flag=True, help="List the questions each mode missed in its top 10.")
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(SEARCH_MODES),
    help="Only these modes [default: all three].",
)
@click.option(
    "--ablation/--no-ablation",
    default=True,
    show_default=True,
    help="Hybrid with each ranking lever off in turn, with p95 latency.",
)
@click.option(
    "--fit-ranker",
    is_flag=True,
    help="Fit the learned ranker on the set and save it in the file (every face uses it).",
)
@click.option(
    "--ranker-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --fit-ranker: write the ranker to this JSON file instead (e.g. the one the "
    "workbench ships, workbench/retrieve/ranker.json); the index is not written.",
)
@click.option("--json", "as_json", is_flag=True, help="Metrics as JSON.")
@db_option
@reports_errors
def eval_command(
    eval_set: Path,
    multihop_set: Path,
    no_multihop: bool,
    holdout_set: Path,
    calibrate: bool,
    misses: bool,
    modes: tuple[str, ...],
    ablation: bool,
    fit_ranker: bool,
    ranker_out: Path | None,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Recall@1/5/10, MRR@10 and nDCG@10 of bm25, vector and hybrid side by side, the
    ablation of hybrid's ranking levers (the learned ranker by 5-fold cross-validation),
    the ranker as applied on questions written apart (never fitted on), then multi-hop
    success of hybrid alone against hybrid + graph.

    Example: workbench eval --set data/eval/questions.jsonl --misses --calibrate
    """
    from dataclasses import asdict

    from workbench.cli.render import render_eval
    from workbench.cli.render_graph import render_calibration, render_multihop
    from workbench.retrieve.evaluation import load_cases
    from workbench.retrieve.levers import Levers
    from workbench.retrieve.multihop_eval import calibrate as fit_calibration
    from workbench.retrieve.multihop_eval import load_multihop_cases

    cases = load_cases(eval_set)
    hop_cases = load_multihop_cases(multihop_set) if multihop_set.exists() and not no_multihop else []
    with _open(db_path) as wb:
        # a saved ranker may have been fitted on these very questions: it is judged by
        # its cross-validated row of the ablation, never in-sample here
        unfitted = Levers(learned_ranker=False)
        rows, skipped = wb.evaluate(cases, modes or ("bm25", "vector", "hybrid"), levers=unfitted)
        levers = [*wb.evaluate_levers(cases), wb.cross_validate_ranker(cases)] if ablation else []
        apart: tuple[list, list] | None = None
        if ablation and holdout_set.exists() and holdout_set.resolve() != eval_set.resolve():
            apart = wb.evaluate_apart(load_cases(holdout_set))
        report = wb.evaluate_multihop(hop_cases) if hop_cases else None
    if fit_ranker and ranker_out:
        with _open(db_path) as wb:
            model = wb.fitted_ranker(cases)
        ranker_out.write_text(model.to_json(indent=1) + "\n")
        click.echo(f"learned ranker fitted on {model.trained_on} questions: {ranker_out}", err=True)
    elif fit_ranker:
        with _open(db_path, read_only=False) as wb:
            model = wb.fit_ranker(cases)
        click.echo(f"learned ranker fitted on {model.trained_on} questions, saved in {wb.path}", err=True)
    fitted = {}
    if calibrate:
        from workbench.retrieve.multihop_eval import search_scored

        with _open(db_path) as wb:
            # `ask` confides in hybrid's scores (it ranks without the learned ranker, whose
            # shown scores are probabilities): calibrate on the same scale
            lookups = search_scored(cases, wb.resolve, lambda q: wb.search(q, 5, levers=unfitted))
        fitted = fit_calibration((report.scored if report else []) + lookups)
    if as_json:
        payload: dict[str, Any] = {"rows": [asdict(r) for r in rows], "skipped": [c.id for c in skipped]}
        if report:
            payload["multihop"] = [asdict(r) for r in report.rows]
            payload["multihop_skipped"] = [c.id for c in report.skipped]
        if levers:
            payload["ablation"] = [asdict(r) for r in levers]
        if apart:
            payload["holdout"] = [asdict(r) for r in apart[0]]
            payload["holdout_fitted_on"] = [c.id for c in apart[1]]
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
    if levers:
        from workbench.cli.render import render_ablation

        render_ablation(console, levers)
    if apart:
        from workbench.cli.render import render_holdout

        render_holdout(console, holdout_set, *apart)
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
@click.option(
    "--update",
    "update_library",
    metavar="LIB",
    help="Instead: time an update of LIB after --share of its functions changed, against a full "
    "re-ingest (in a copy of the file).",
)
@click.option("--share", default=0.01, show_default=True, type=click.FloatRange(0.001, 1.0))
@click.option(
    "--cold-runs",
    default=3,
    show_default=True,
    type=click.IntRange(0, 20),
    help="New `workbench search` processes to time to their first result (0: skip).",
)
@click.option(
    "--passages",
    default=256,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Chunks of the file to time embedding on (0: skip).",
)
@click.option(
    "--compare-torch",
    is_flag=True,
    help="Also embed, start and evaluate (both eval sets) with torch: before/after beside each other.",
)
@http_bench_options
@tui_bench_options
@db_option
@reports_errors
def bench(
    eval_set: Path,
    repeat: int,
    multihop_set: Path,
    update_library: str | None,
    share: float,
    cold_runs: int,
    passages: int,
    compare_torch: bool,
    db_path: Path | None,
) -> None:
    """Cold start (a new search process to its first result), warm query latency
    p50/p95/p99 (search modes, multi-hop, planner), embedding passages/s, ingest
    throughput, size per library, graph size, peak memory, each beside issue 13's target;
    --compare-torch adds torch's figures and eval metrics beside ONNX's. Or, with
    --update, the cost of an incremental update against a full re-ingest.

    With --http, instead: `workbench serve` under load from wrk and an open-loop client on
    127.0.0.1 (1, 16, 64 and 1,000 connections), beside in-process latency.

    Example: workbench bench --repeat 5 --compare-torch     workbench bench --update polars --share 0.01
    workbench bench --http --http-seconds 10 --db team.duckdb     workbench bench --tui

    With --tui, instead: the TUI in a new process, how soon it paints, opens the index and
    answers (BM25 while the model loads), and keystroke-to-results latency.
    """
    from workbench.bench import run_bench
    from workbench.bench.doctor import record_bench
    from workbench.cli.render import render_bench

    if update_library:
        from workbench.bench.update import run_update_bench
        from workbench.cli.render import render_update_bench
        from workbench.config import default_db_path
        from workbench.embed.embedder import Embedder

        path = db_path or default_db_path()
        with _console(stderr=True).status(f"timing an update of {update_library}, then a full re-ingest"):
            result = run_update_bench(path, update_library, share, Embedder())
        render_update_bench(_console(), result)
        return
    from workbench.bench import torch_twin
    from workbench.retrieve.evaluation import load_cases
    from workbench.retrieve.multihop_eval import load_multihop_cases

    cases = load_cases(eval_set)
    hop_cases = load_multihop_cases(multihop_set) if multihop_set.exists() else []
    with _open(db_path) as wb:
        result = run_bench(
            wb,
            [c.question for c in cases],
            repeat=repeat,
            multihop_questions=[c.question for c in hop_cases],
            cold_runs=cold_runs,
            passages=passages,
            compare=(lambda: torch_twin(wb)) if compare_torch else None,
            eval_cases=cases,
            multihop_cases=hop_cases,
        )
        record_bench(wb.state, result)  # for `workbench doctor`
    render_bench(_console(), result)


for command in (
    graph,
    ask,
    discover,
    add,
    update,
    compliance,
    suggest,
    feedback,
    settings,
    tui,
    serve,
    notebook,
    export_command,
    import_command,
    backup,
    restore,
    doctor,
):
    main.add_command(command)


if __name__ == "__main__":
    main()

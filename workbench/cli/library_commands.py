"""Library management commands: update, compliance, suggest, feedback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench.cli.common import console as _console
from workbench.cli.common import db_option, reports_errors
from workbench.cli.common import open_workbench as _open


@click.command()
@click.argument("names", nargs=-1)
@click.option("--check", "only_check", is_flag=True, help="Only say what changed; write nothing.")
@click.option("--online", is_flag=True, help="Also compare with PyPI's latest release ($WORKBENCH_PYPI_URL).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@db_option
@reports_errors
def update(names: tuple[str, ...], only_check: bool, online: bool, quiet: bool, db_path: Path | None) -> None:
    """Re-index the indexed libraries whose installed version or sources changed.

    Entities are diffed by content hash (added / changed / removed / unchanged) and only
    chunks whose text changed are re-embedded; a failed update keeps the previous version.

    Libraries added from PyPI by `workbench add` are fetched again in their newest
    version with --online; installed ones are only reported (nothing is installed).

    Example: workbench update --check --online     workbench update httpx
    """
    from workbench.cli.progress import RichIngestProgress
    from workbench.cli.render_library import render_update_check, render_update_reports

    with _open(db_path, read_only=only_check) as wb:
        if only_check:
            render_update_check(_console(), wb.check_updates(list(names) or None, online=online))
            return
        with RichIngestProgress(_console(stderr=True), enabled=not quiet) as progress:
            reports = wb.update(list(names) or None, online=online, progress=progress)
    render_update_reports(_console(), reports)
    if any(r.status == "failed" for r in reports):
        sys.exit(2)


@click.command()
@click.option(
    "--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True, help="How many to show."
)
@click.option(
    "--source",
    "sources",
    type=click.Choice(["env", "snapshot"]),
    multiple=True,
    help="Where to look (repeatable); default both: the installed packages and the bundled PyPI snapshot.",
)
@click.option("--online", is_flag=True, help="Also ask PyPI's JSON API (licenses, latest versions, wheels).")
@click.option("--no-quality", is_flag=True, help="Skip measuring documentation quality with griffe.")
@click.option(
    "--budget",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds for measuring documentation quality.",
)
@click.option("--all", "include_indexed", is_flag=True, help="Include libraries already in the file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@reports_errors
def discover(
    limit: int,
    sources: tuple[str, ...],
    online: bool,
    no_quality: bool,
    budget: float,
    include_indexed: bool,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Rank libraries worth indexing: popularity (bundled PyPI snapshot), documentation
    quality (griffe on an installed copy: docstrings, typed signatures, examples) and the
    license against the policy. Offline unless --online ($WORKBENCH_PYPI_URL).

    Example: workbench discover -n 10     workbench discover --online --json
    """
    from workbench.cli.render_library import render_candidates
    from workbench.config import default_db_path
    from workbench.libraries.discover import DiscoverOptions

    options = DiscoverOptions(
        limit=limit,
        online=online,
        sources=sources or ("env", "snapshot"),
        quality=not no_quality,
        quality_budget_s=budget,
        include_indexed=include_indexed,
    )
    err = _console(stderr=True)
    with err.status("discovering") as status:
        path = db_path or default_db_path()
        if path.exists():
            with _open(path) as wb:
                candidates = wb.discover(options, progress=status.update)
        else:
            candidates = _discover_without_file(path, options, status.update)
    render_candidates(_console(), candidates, as_json)


def _discover_without_file(path: Path, options: object, progress: object) -> list:
    """Discovery before any file exists: nothing is indexed, opted out or suggested yet."""
    from workbench.config import Settings
    from workbench.libraries import discover as discover_module
    from workbench.libraries.fetch import locate, packages_dir

    settings = Settings()
    root = packages_dir(path)
    return discover_module.discover(
        options,
        discover_module.DiscoverContext(),
        settings.discovery,
        settings.compliance,
        lambda name: locate(name, root),
        progress,
    )


@click.command()
@click.argument("spec")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@db_option
@reports_errors
def add(spec: str, quiet: bool, db_path: Path | None) -> None:
    """Index one library: an installed one (NAME), a wheel file, or NAME==VERSION fetched
    with pip into a private folder beside the file (nothing is installed). A failure
    leaves the file unchanged.

    Example: workbench add attrs==25.3.0     workbench add ./dist/mylib-1.0-py3-none-any.whl
    """
    from workbench.cli.progress import RichIngestProgress, print_ingest_summary

    with _open(db_path, read_only=False) as wb:
        with RichIngestProgress(_console(stderr=True), enabled=not quiet) as progress:
            report = wb.add(spec, progress=progress)
        print_ingest_summary(_console(), [report], wb.counts())
    click.echo(f"{report.library} {report.version} from {report.origin}")


@click.group(invoke_without_command=True)
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


@click.command()
@click.argument("name", required=False)
@click.option("--reason", default="", help="Why the library would help.")
@db_option
@reports_errors
def suggest(name: str | None, reason: str, db_path: Path | None) -> None:
    """Suggest a library to index (the same name again counts up); no NAME lists them.

    Suggestions go to the state file beside the index, so this works while other
    processes have the index open.

    Example: workbench suggest pydantic --reason "our models use it"
    """
    from workbench.facade import record_suggestion

    if name is None:
        with _open(db_path) as wb:
            for suggested, count, reasons in wb.suggestions():
                click.echo(f"{count:4d}  {suggested}  {'; '.join(reasons)}")
        return
    count, complete = record_suggestion(db_path, name, reason)
    click.echo(f"{name.strip().lower()}: suggested {count} time(s)")
    if not complete:
        click.echo(
            "note: the index is being written by another process; suggestions older workbenches kept in it "
            "were not counted",
            err=True,
        )


@click.command()
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

    Feedback goes to the state file beside the index, so this works while other processes
    have the index open.

    Example: workbench feedback "set a timeout" httpx.Timeout good     workbench feedback --export fb.jsonl
    """
    from workbench.facade import record_feedback

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
    stored, checked = record_feedback(db_path, query, path, verdict)
    click.echo(f"recorded: {stored} is {verdict} for {query!r}")
    if not checked:
        click.echo(
            f"note: the index is being written by another process, so {stored} was stored unchecked",
            err=True,
        )

"""`workbench doctor`: health checks and alerts; exit code 1 when an alert fires."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench.cli.common import db_option, reports_errors

_MARK = {"ok": "ok", "warn": "WARN", "alert": "ALERT", "skip": "-"}


@click.command()
@click.option("--server", metavar="URL", help="Also read /metrics of a running `workbench serve`.")
@click.option("--stale-days", type=float, help="Alert on a library stale and indexed longer ago.")
@click.option("--max-p95-ms", type=float, help="Alert when the last bench's hybrid p95 is over.")
@click.option("--max-error-rate", type=float, help="Alert when a server's 5xx share is over (0-1).")
@click.option("--save", is_flag=True, help="Save the thresholds given for later runs (state file).")
@click.option("--json", "as_json", is_flag=True, help="The checks as JSON.")
@db_option
@reports_errors
def doctor(
    server: str | None,
    stale_days: float | None,
    max_p95_ms: float | None,
    max_error_rate: float | None,
    save: bool,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Check extensions, model, file integrity, indexes (used by the query plan), stale
    libraries, the last bench p95 and a server's error rate against thresholds; exit
    code 1 when an alert fires (for cron and CI).

    Example: workbench doctor     workbench doctor --server http://127.0.0.1:8000 --json
    workbench doctor --stale-days 14 --save
    """
    from workbench.bench.doctor import change_thresholds, run_doctor, save_thresholds, saved_thresholds
    from workbench.config import default_db_path
    from workbench.store.state import StateFile, state_path

    path = db_path or default_db_path()
    state = StateFile(state_path(path))
    given = {"stale_days": stale_days, "max_p95_ms": max_p95_ms, "max_error_rate": max_error_rate}
    thresholds = change_thresholds(saved_thresholds(state), {k: v for k, v in given.items() if v is not None})
    if save:
        save_thresholds(state, thresholds)
    report = run_doctor(path, thresholds, server)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for check in report.checks:
            line = f"{_MARK[check.status]:<6} {check.name:<16} {check.detail}"
            click.echo(click.wrap_text(line, 80, subsequent_indent=" " * 24, preserve_paragraphs=False))
        alerts = len(report.alerts)
        click.echo(f"{alerts} alert{'s' if alerts != 1 else ''}" if alerts else "all good")
    if report.alerts:
        sys.exit(1)

"""`workbench settings`: show, save and reset the retrieval settings every face uses."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from workbench.cli.common import console as _console
from workbench.cli.common import db_option, reports_errors
from workbench.cli.common import open_workbench as _open


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="As JSON: effective, defaults, saved, state_file.")
@db_option
@click.pass_context
def settings(ctx: click.Context, as_json: bool, db_path: Path | None) -> None:
    """Retrieval settings (RRF constant, weights, candidates, boosts, member weight, walk
    depth): the effective ones and where saved ones live. Saved settings go to the state
    file beside the index (no write lock on the index), and every face (CLI, TUI,
    notebooks, server) opened later uses them.

    Example: workbench settings     workbench settings set rrf_k 30 bm25_weight 0.5
    """
    ctx.obj = db_path  # `workbench settings --db F set ...` means F too
    if ctx.invoked_subcommand is None:
        ctx.invoke(settings_show, as_json=as_json, db_path=db_path)


def _db(db_path: Path | None) -> Path | None:
    """The subcommand's --db, else the group's."""
    return db_path or click.get_current_context().obj


@settings.command(name="show")
@click.option("--json", "as_json", is_flag=True, help="As JSON: effective, defaults, saved, state_file.")
@db_option
@reports_errors
def settings_show(as_json: bool = False, db_path: Path | None = None) -> None:
    """The effective settings, their defaults, and the state file that holds saved ones.

    Example: workbench settings show --json
    """
    from workbench.config import SearchSettings

    with _open(_db(db_path)) as wb:
        effective = asdict(wb.settings.search)
        where = wb.state.path
        written = wb.state.exists()
    defaults = asdict(SearchSettings())
    saved = {k: v for k, v in effective.items() if v != defaults[k]}
    if as_json:
        payload = {"effective": effective, "defaults": defaults, "saved": saved, "state_file": str(where)}
        click.echo(json.dumps(payload, indent=2))
        return
    _render(effective, defaults, where, written)


@settings.command(name="set")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY VALUE [KEY VALUE ...]")
@db_option
@reports_errors
def settings_set(pairs: tuple[str, ...], db_path: Path | None) -> None:
    """Save settings (over the ones saved before); each value is checked against its range.

    Example: workbench settings set rrf_k 30 max_hops 2
    """
    from workbench.config import change_search_settings

    if len(pairs) % 2:
        raise click.UsageError("give KEY VALUE pairs, e.g. `workbench settings set rrf_k 30`")
    changes = dict(zip(pairs[::2], pairs[1::2], strict=True))
    with _open(_db(db_path)) as wb:
        search = change_search_settings(wb.saved_settings(), changes)
        wb.save_settings(search)
        where = wb.state.path
    saved = asdict(search)
    click.echo(", ".join(f"{key} = {saved[key]}" for key in changes) + f" (saved in {where})")


@settings.command(name="reset")
@db_option
@reports_errors
def settings_reset(db_path: Path | None) -> None:
    """Forget the saved settings: every face goes back to the defaults.

    Example: workbench settings reset
    """
    with _open(_db(db_path)) as wb:
        wb.reset_settings()
        where = wb.state.path
    click.echo(f"settings reset to the defaults ({where})")


def _render(effective: dict[str, Any], defaults: dict[str, Any], where: Path, written: bool) -> None:
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("setting", "value", "default"):
        table.add_column(column)
    for key, value in effective.items():
        changed = value != defaults[key]
        table.add_row(key, f"[bold]{value}[/bold]" if changed else str(value), str(defaults[key]))
    console = _console()
    console.print(table)
    state = "" if written else " (not written yet)"
    console.print(f"saved settings live in {where}{state}; WORKBENCH_STATE moves it")

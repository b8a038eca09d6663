"""`workbench tui`: the Textual app on a local file or a server."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench.cli.common import db_option


@click.command()
@click.option(
    "--server", metavar="URL", default=None, help="A `workbench serve` URL instead of a local file."
)
@click.option(
    "--token", envvar="WORKBENCH_TOKEN", default=None, help="The server's bearer token [$WORKBENCH_TOKEN]."
)
@db_option
def tui(server: str | None, token: str | None, db_path: Path | None) -> None:
    """Browse, walk, ask, curate and tune the index in a terminal app.

    The file opens read-only, so the CLI, notebooks and `workbench serve` can use it at the
    same time; the model loads in the background while BM25 answers. F1 lists the keys.

    Example: workbench tui --db data/workbench.duckdb
    """
    from workbench.tui import make_app

    make_app(db_path, server=server, token=token).run()


def tui_bench_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--tui` for `workbench bench`: when given, the TUI's start-up and keystroke-to-results
    latency are measured in a new process instead (the wrapped command never sees it)."""

    @functools.wraps(func)
    def wrapper(*args: Any, tui: bool, **kwargs: Any) -> Any:
        if not tui:
            return func(*args, **kwargs)
        return _bench_tui(kwargs["eval_set"], kwargs["db_path"])

    return click.option(
        "--tui", is_flag=True, help="Instead: the TUI's start-up and keystroke-to-results latency."
    )(wrapper)


def _bench_tui(eval_set: Path, db_path: Path | None) -> None:
    from workbench.bench.tui import render_tui_bench, run_tui_bench
    from workbench.cli.common import console
    from workbench.config import default_db_path
    from workbench.retrieve.evaluation import load_cases

    questions = [c.question for c in load_cases(eval_set)]
    db = Path(db_path or default_db_path()).resolve()
    with console(stderr=True).status("timing the TUI in a new process"):
        result = run_tui_bench(db, questions)
    render_tui_bench(console(), result)

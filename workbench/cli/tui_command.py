"""`workbench tui`: the Textual app on a local file or a server."""

from __future__ import annotations

from pathlib import Path

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

"""`workbench notebook`: open one of the marimo notebooks on the current file or a server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from workbench.cli.common import db_option, reports_errors
from workbench.errors import WorkbenchError

#: The notebooks shipped in `notebooks/` beside the package.
NOTEBOOKS = ("relevance_tuning", "graph_explorer", "library_dashboard")


def notebooks_dir() -> Path:
    """The `notebooks/` folder of the checkout the package runs from."""
    import workbench

    return Path(workbench.__file__).resolve().parents[1] / "notebooks"


def notebook_path(name: str) -> Path:
    """The file of a notebook by name (`relevance_tuning`, `relevance-tuning` or
    `relevance_tuning.py`).

    Raises:
        WorkbenchError: the name is unknown, or the notebooks folder is missing (an
            installation without the checkout's `notebooks/`).
    """
    stem = name.removesuffix(".py").replace("-", "_")
    if stem not in NOTEBOOKS:
        raise WorkbenchError(f"no notebook '{name}': choose from {', '.join(NOTEBOOKS)}")
    path = notebooks_dir() / f"{stem}.py"
    if not path.is_file():
        raise WorkbenchError(
            f"{path} is missing: the notebooks ship in the source checkout's notebooks/ folder "
            "(install the workbench from a clone with `pip install -e .`)"
        )
    return path


def marimo_command(
    path: Path,
    *,
    edit: bool,
    db: Path | None,
    server: str | None,
    host: str,
    port: int | None,
    headless: bool,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The `marimo run|edit` command line for a notebook; the notebook reads `--db` or
    `--server` (after `--`) with `mo.cli_args()`."""
    command = [sys.executable, "-m", "marimo", "edit" if edit else "run", str(path), "--host", host]
    if port is not None:
        command += ["--port", str(port)]
    if headless:
        command.append("--headless")
    if edit:
        command.append("--skip-update-check")
    notebook_args = ["--server", server] if server else ["--db", str(db)]
    return [*command, "--", *notebook_args, *extra]


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("name", metavar="NAME")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED, metavar="[-- NOTEBOOK ARGS]")
@click.option(
    "--server", metavar="URL", default=None, help="A `workbench serve` URL instead of a local file."
)
@click.option("--edit", is_flag=True, help="Open the notebook's code in `marimo edit` instead of running it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address marimo listens on.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port marimo listens on.")
@click.option("--headless", is_flag=True, help="Do not open a browser.")
@db_option
@reports_errors
def notebook(
    name: str,
    extra: tuple[str, ...],
    server: str | None,
    edit: bool,
    host: str,
    port: int | None,
    headless: bool,
    db_path: Path | None,
) -> None:
    """Open a marimo notebook on the index (read-only) or on a server: relevance_tuning,
    graph_explorer or library_dashboard. Runs `marimo run` (`marimo edit` with --edit);
    arguments after `--` go to the notebook (e.g. `-- --set my-questions.jsonl`).

    Example: workbench notebook relevance_tuning --db data/workbench.duckdb
    """
    from workbench.config import default_db_path

    clash = [arg for arg in extra if arg.split("=", 1)[0] in {"--db", "--server"}]
    if clash:
        raise click.UsageError(
            f"give {clash[0].split('=', 1)[0]} before `--`, as an option of `workbench notebook`"
        )
    path = notebook_path(name)
    server = server or os.environ.get("WORKBENCH_SERVER") or None
    db = None
    if not server:
        db = (db_path or default_db_path()).resolve()
        if not db.is_file():
            raise WorkbenchError(
                f"no index at {db}: run `workbench ingest`, or give --db FILE or --server URL"
            )
    command = marimo_command(
        path, edit=edit, db=db, server=server, host=host, port=port, headless=headless, extra=extra
    )
    env = {**os.environ, "MARIMO_SKIP_UPDATE_CHECK": "1"}
    sys.stdout.flush()
    os.execve(sys.executable, command, env)

"""What every `workbench` command shares: options, error reporting, opening the file."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench.config import default_db_path
from workbench.errors import WorkbenchError

DEFAULT_EVAL_SET = Path("data") / "eval" / "questions.jsonl"
DEFAULT_MULTIHOP_SET = Path("data") / "eval" / "multihop.jsonl"
#: questions written apart from the bundled set, which no ranker is fitted on
DEFAULT_HOLDOUT_SET = Path("data") / "eval" / "holdout.jsonl"


def console(stderr: bool = False) -> Any:
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


def open_workbench(db_path: Path | None, read_only: bool = True, *, preload: bool = False) -> Any:
    """The facade on the file. `preload` (a search): first the embedding model starts
    loading on a thread, then the file opens and DuckDB reads its vector index on
    another, and only then the facade's modules import (~0.6, ~0.6 and ~0.4 s: each
    overlaps the others, and a cold search answers ~0.4 s sooner)."""
    path = db_path or default_db_path()
    embedder = opened = None
    if preload and read_only:
        from workbench.config import EmbeddingSettings
        from workbench.embed.onnx import make_embedder
        from workbench.store.opening import open_warming

        settings = EmbeddingSettings()
        embedder = make_embedder(settings).load_in_background()
        opened = open_warming(path, model_name=settings.name, dimension=settings.dimension)
    from workbench.facade import Workbench

    return Workbench(path, read_only=read_only, embedder=embedder, opened=opened)


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

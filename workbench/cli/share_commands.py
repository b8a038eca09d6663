"""`workbench export`, `import`, `backup` and `restore`: share an index and keep it safe."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from workbench.cli.common import db_option, reports_errors
from workbench.cli.common import open_workbench as _open


def _echo(text: str) -> None:
    """One message, wrapped to 80 columns."""
    click.echo(click.wrap_text(text, 80, subsequent_indent="  ", preserve_paragraphs=False))


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


@click.command(name="export")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--library", "-l", "libraries", multiple=True, help="Only this library (repeatable).")
@click.option(
    "--wait",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Seconds to wait while another process writes the index.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@db_option
@reports_errors
def export_command(
    destination: Path, libraries: tuple[str, ...], wait: float, as_json: bool, db_path: Path | None
) -> None:
    """Write a compact, self-contained copy to hand to teammates: indexes, graph and a
    manifest (model, libraries, counts, content checksum) that every open verifies.

    Example: workbench export team.duckdb     workbench export web.duckdb -l httpx -l h11
    """
    from workbench.libraries.share import when_free

    wb = when_free(lambda: _open(db_path), wait)
    with wb:
        manifest = wb.export(destination, list(libraries))
    if as_json:
        click.echo(json.dumps(asdict(manifest), indent=2))
        return
    size = destination.stat().st_size
    _echo(
        f"{destination}: {len(manifest.libraries)} libraries, {manifest.counts['entities']:,} entities, "
        f"{_mb(size)}, {manifest.embedding_model}"
    )
    if manifest.left_out:
        _echo(f"left out (graph edges into them kept as stubs): {', '.join(manifest.left_out)}")


@click.command(name="import")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--library", "-l", "libraries", multiple=True, help="Only this library (repeatable).")
@click.option("--replace", is_flag=True, help="Take theirs where both files hold a library.")
@db_option
@reports_errors
def import_command(source: Path, libraries: tuple[str, ...], replace: bool, db_path: Path | None) -> None:
    """Merge libraries from a teammate's file into yours (same embedding model); a
    library you hold already is kept unless --replace.

    Example: workbench import alice.duckdb     workbench import alice.duckdb -l polars --replace
    """
    with _open(db_path, read_only=False) as wb:
        report = wb.import_file(source, list(libraries), replace=replace)
    for row in report:
        yours = f" (yours: {row.yours})" if row.yours else ""
        click.echo(f"{row.status:<10}  {row.name} {row.version}{yours}")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", default=7, show_default=True, type=click.IntRange(1, 1000), help="Backups to keep.")
@db_option
@reports_errors
def backup(folder: Path, keep: int, db_path: Path | None) -> None:
    """A timestamped copy of the index (with its SHA-256 and state file) in FOLDER,
    keeping the newest --keep; readers and writers go on meanwhile (a writer's swap
    is atomic, so the copy is one whole version of the file).

    Example: workbench backup ~/backups/workbench --keep 14
    """
    with _open(db_path) as wb:
        result = wb.backup(folder, keep)
    click.echo(f"{result.path}: {_mb(result.size)}")
    for old in result.removed:
        click.echo(f"removed {old.name}")


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@reports_errors
def restore(source: Path, db_path: Path | None) -> None:
    """Put a backup in place of the index once it passes every check (SHA-256, schema,
    model, checksum); a bad file is refused and the index stays as it is.

    Example: workbench restore ~/backups/workbench/workbench-20261202T061700000000Z.duckdb
    """
    from workbench.config import default_db_path
    from workbench.facade import restore_backup

    kept = restore_backup(db_path, source)
    where = db_path or default_db_path()
    note = f" (the replaced file: {kept})" if kept else ""
    click.echo(f"{where}: restored from {source}{note}")

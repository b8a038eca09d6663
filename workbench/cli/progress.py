"""Rich progress bars for ingest: one bar per library, with its current phase."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from workbench.model import IngestReport


class RichIngestProgress:
    """An IngestProgress that draws a bar per library (chunks embedded / total).

    When the console is not a terminal (CI logs, `| tee`), bars would only be drawn once
    at the very end, so it prints one line per finished library instead.
    """

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self.lines = enabled and not console.is_terminal
        self.progress = Progress(
            TextColumn("[bold]{task.fields[library]:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled or self.lines,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichIngestProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def library_started(self, library: str) -> None:
        self.tasks[library] = self.progress.add_task("fingerprinting", library=library, total=None)

    def phase(self, library: str, text: str, total: int | None = None) -> None:
        task = self.tasks[library]
        if total is not None:
            self.progress.update(task, total=total, completed=0)
        self.progress.update(task, description=text)

    def advance(self, library: str, amount: int) -> None:
        self.progress.advance(self.tasks[library], amount)

    def library_finished(self, report: IngestReport) -> None:
        task = self.tasks.get(report.library)
        if task is None:
            task = self.tasks[report.library] = self.progress.add_task("", library=report.library)
        text = {
            "ingested": f"[green]{report.entities} entities, {report.chunks} chunks in {report.seconds:.1f}s",
            "unchanged": "[dim]unchanged",
            "failed": f"[red]failed: {report.message[:60]}",
            "skipped": f"[yellow]skipped: {report.message}",
        }[report.status]
        total = self.progress.tasks[task].total or 1
        self.progress.update(task, description=text, total=total, completed=total)
        if self.lines:
            self.console.print(f"{report.library:<22} {text}")

    def message(self, text: str) -> None:
        if self.enabled:
            self.console.print(f"[dim]{text}")


def print_ingest_summary(console: Console, reports: list[IngestReport], counts: dict[str, int]) -> None:
    """A table of what each library's ingest did, and the file's totals."""
    table = Table(title="ingest", show_lines=False)
    numeric = {"entities", "chunks", "embedded", "seconds"}
    for column in ("library", "version", "status", "entities", "chunks", "embedded", "seconds"):
        table.add_column(column, justify="right" if column in numeric else "left")
    for r in reports:
        style = {"failed": "red", "skipped": "yellow", "unchanged": "dim"}.get(r.status, "")
        table.add_row(
            r.library,
            r.version,
            r.status if not r.message else f"{r.status}: {r.message[:70]}",
            str(r.entities or ""),
            str(r.chunks or ""),
            str(r.embedded or ""),
            f"{r.seconds:.1f}",
            style=style,
        )
    console.print(table)
    console.print(
        f"index: {counts['libraries']} libraries, {counts['entities']} entities, "
        f"{counts['chunks']} chunks, {counts['aliases']} aliases"
    )

"""The Libraries tab: what the index holds, whether it is stale, and the changes a curator
makes (update, add, opt-out, opt-in), each in a worker with a progress bar and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, ProgressBar, Static

from workbench.model import IngestReport
from workbench.tui.screens.info import InfoScreen
from workbench.tui.screens.prompt import PromptScreen
from workbench.tui.workers import engine_call

COLUMNS = ("library", "version", "entities", "chunks", "docs", "license", "origin", "updated", "status")
HISTORY_COLUMNS = ("when", "version", "status", "entities", "+", "~", "-", "embedded", "seconds")


class Cancelled(BaseException):
    """Raised from a progress callback to stop a library change (its transaction rolls back)."""


class TuiProgress:
    """An `IngestProgress` that drives the tab's bar from a worker thread and cancels."""

    def __init__(self, view: LibrariesView, cancel: threading.Event) -> None:
        self.view = view
        self.cancel = cancel

    def _ui(self, call: Callable[..., Any], *args: Any) -> None:
        if self.cancel.is_set():
            raise Cancelled
        self.view.app.call_from_thread(call, *args)

    def library_started(self, library: str) -> None:
        self._ui(self.view.progress_text, f"{library}: starting")

    def phase(self, library: str, text: str, total: int | None = None) -> None:
        self._ui(self.view.progress_phase, f"{library}: {text}", total)

    def advance(self, library: str, amount: int) -> None:
        self._ui(self.view.progress_advance, amount)

    def library_finished(self, report: IngestReport) -> None:
        self.view.app.call_from_thread(self.view.progress_text, _report_line(report))

    def message(self, text: str) -> None:
        self._ui(self.view.progress_text, text)


Change = Callable[[Any, "TuiProgress"], list[IngestReport]]


def _opt_out(name: str, reason: str) -> Change:
    """A change that purges a library and refuses it from then on."""

    def change(bench: Any, _progress: TuiProgress) -> list[IngestReport]:
        removed = bench.opt_out(name, reason)
        return [IngestReport(name, status="skipped", message=f"opted out, {removed} entities removed")]

    return change


def _opt_in(name: str) -> Change:
    """A change that takes a library off the opt-out list."""

    def change(bench: Any, _progress: TuiProgress) -> list[IngestReport]:
        bench.opt_in(name)
        return [IngestReport(name, status="skipped", message="opted in: add or ingest it to index it")]

    return change


def _report_line(report: IngestReport) -> str:
    line = f"{report.library} {report.version}: {report.status}"
    if report.status == "ingested":
        line += f" ({report.entities} entities, {report.embedded} embedded, {report.seconds:.1f} s)"
    if report.message:
        line += f" — {report.message}"
    return line


class LibrariesView(Vertical):
    """Indexed libraries, their state and history; changes run one at a time."""

    BINDINGS = [
        Binding("u", "update", "Update", id="libraries.update"),
        Binding("a", "add", "Add", id="libraries.add"),
        Binding("o", "opt_out", "Opt out", id="libraries.opt_out"),
        Binding("i", "opt_in", "Opt in", id="libraries.opt_in"),
        Binding("d", "discover", "Discover", id="libraries.discover"),
        Binding("s", "suggestions", "Suggestions", id="libraries.suggestions"),
        Binding("r", "refresh", "Refresh", id="libraries.refresh"),
        Binding("escape", "cancel", "Cancel change", id="libraries.cancel"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cancel_event: threading.Event | None = None
        self.names: list[str] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield DataTable(id="library-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="library-progress-row"):
            yield ProgressBar(id="library-progress", show_eta=False)
            yield Label("", id="library-progress-text")
        yield Static("history", id="history-title")
        yield DataTable(id="history-table", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#library-table", DataTable).add_columns(*COLUMNS)
        self.query_one("#history-table", DataTable).add_columns(*HISTORY_COLUMNS)
        self.query_one("#library-progress-row").display = False

    # -- the table -------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.refresh_table()

    def refresh_table(self, only_once: bool = False) -> None:
        """Reload libraries, licenses, update states and docs quality (in a worker);
        `only_once` skips it when the table was loaded already."""
        if only_once and self.loaded:
            return
        self.loaded = True
        self._load()

    @work(thread=True, exclusive=True, group="libraries", exit_on_error=False)
    def _load(self) -> None:
        session = self.app.session  # type: ignore[attr-defined]

        def gather() -> tuple[list, dict[str, str], dict[str, str], dict[str, float]]:
            libs = session.reader.libraries()
            if session.local is None:
                return libs, {}, {}, {}
            licenses = {v.library: v.license_class for v in session.local.compliance()}
            states = {c.library: c.state for c in session.local.check_updates()}
            quality = {name: q.score for name, q in session.local.doc_quality().items()}
            return libs, licenses, states, quality

        found = engine_call(self.app, gather)
        if found is not None:
            self.app.call_from_thread(self._fill, *found)

    def _fill(
        self, libs: list, licenses: dict[str, str], states: dict[str, str], quality: dict[str, float]
    ) -> None:
        table = self.query_one("#library-table", DataTable)
        keep = table.cursor_row
        table.clear()
        self.names = []
        for lib in sorted(libs, key=lambda lib: lib.name):
            state = states.get(lib.name, "-")
            shown = f"[yellow]stale: {state}[/]" if state not in {"current", "-"} else state
            table.add_row(
                lib.name,
                lib.version,
                f"{lib.entity_count:,}",
                f"{lib.chunk_count:,}",
                f"{quality[lib.name]:.2f}" if lib.name in quality else "-",
                licenses.get(lib.name, lib.license or "-"),
                lib.origin.split(" ", 1)[0],
                (lib.ingested_at or "")[:16],
                shown,
                key=lib.name,
            )
            self.names.append(lib.name)
        if self.names:
            table.move_cursor(row=min(max(keep, 0), len(self.names) - 1))

    @property
    def current(self) -> str | None:
        table = self.query_one("#library-table", DataTable)
        if not self.names or not 0 <= table.cursor_row < len(self.names):
            return None
        return self.names[table.cursor_row]

    @on(DataTable.RowHighlighted, "#library-table")
    def _highlighted(self) -> None:
        if self.current is not None and self.app.session.local is not None:  # type: ignore[attr-defined]
            self._load_history(self.current)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _load_history(self, library: str) -> None:
        local = self.app.session.local  # type: ignore[attr-defined]
        rows = engine_call(self.app, lambda: local.history(library))
        if rows is not None:
            self.app.call_from_thread(self._fill_history, library, rows)

    def _fill_history(self, library: str, rows: list[dict]) -> None:
        self.query_one("#history-title", Static).update(f"history of {library} ({len(rows)})")
        table = self.query_one("#history-table", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                str(row["ingested_at"])[:19],
                row["version"] or "",
                row["status"],
                str(row["entities"] or 0),
                str(row["added"] or 0),
                str(row["changed"] or 0),
                str(row["removed"] or 0),
                str(row["embedded"] or 0),
                f"{row['duration_s'] or 0:.1f}",
            )

    # -- progress (called on the event loop by TuiProgress) --------------------------

    def progress_text(self, text: str) -> None:
        self.query_one("#library-progress-text", Label).update(text)

    def progress_phase(self, text: str, total: int | None) -> None:
        self.progress_text(text)
        self.query_one("#library-progress", ProgressBar).update(total=total, progress=0)

    def progress_advance(self, amount: int) -> None:
        self.query_one("#library-progress", ProgressBar).advance(amount)

    # -- changes ---------------------------------------------------------------------

    def _can_change(self) -> bool:
        session = self.app.session  # type: ignore[attr-defined]
        if self.cancel_event is not None:
            self.notify("A library change is running: Escape cancels it.", severity="warning")
            return False
        if session.local is None:
            self.notify("Library changes are made on the server's machine.", severity="warning")
            return False
        if not session.writable:
            self.notify(f"{session.label} is read-only: library changes are disabled.", severity="warning")
            return False
        return True

    def action_update(self) -> None:
        if self._can_change() and self.current is not None:
            name = self.current
            self.run_change(f"update {name}", lambda wb, progress: wb.update([name], progress=progress))

    def action_add(self) -> None:
        if self._can_change():
            self.app.push_screen(
                PromptScreen("Add a library: NAME, NAME==VERSION or a wheel file", "e.g. attrs"),
                lambda spec: (
                    self.run_change(f"add {spec}", lambda wb, p: [wb.add(spec, progress=p)]) if spec else None
                ),
            )

    def action_opt_out(self) -> None:
        if self._can_change() and self.current is not None:
            name = self.current
            self.app.push_screen(
                PromptScreen(f"Opt {name} out: its entities are purged. Why?", "reason"),
                lambda reason: self.run_change(f"opt out {name}", _opt_out(name, reason)) if reason else None,
            )

    def action_opt_in(self) -> None:
        if self._can_change():
            self.app.push_screen(
                PromptScreen("Opt which library back in?", "name"),
                lambda name: self.run_change(f"opt in {name}", _opt_in(name)) if name else None,
            )

    def run_change(self, title: str, change: Change) -> None:
        """Run one library change in a worker, with the bar and Escape to cancel."""
        self.cancel_event = threading.Event()
        self.query_one("#library-progress-row").display = True
        self.query_one("#library-progress", ProgressBar).update(total=None, progress=0)
        self.progress_text(f"{title}: waiting for the write lock …")
        self.app.set_busy(f"{title} (Escape cancels)")  # type: ignore[attr-defined]
        self._change(title, change, self.cancel_event)

    @work(thread=True, exclusive=True, group="library-change", exit_on_error=False)
    def _change(self, title: str, change: Change, cancel: threading.Event) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        progress = TuiProgress(self, cancel)
        try:
            reports = engine_call(self.app, lambda: session.change_libraries(lambda wb: change(wb, progress)))
        except Cancelled:
            reports = None
            self.app.call_from_thread(self.notify, f"{title}: cancelled, nothing changed", severity="warning")
        self.app.call_from_thread(self._change_done, title, reports)

    def _change_done(self, title: str, reports: list[IngestReport] | None) -> None:
        self.cancel_event = None
        self.app.set_busy("")  # type: ignore[attr-defined]
        if reports is not None:
            lines = [_report_line(r) for r in reports] or [f"{title}: nothing to do"]
            self.progress_text(lines[-1])
            self.query_one("#library-progress", ProgressBar).update(total=1, progress=1)
            self.notify("\n".join(lines), title=title, timeout=8)
        else:
            self.query_one("#library-progress-row").display = False
        self.app.index_changed()  # type: ignore[attr-defined]
        self.refresh_table()

    def action_cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.progress_text("cancelling …")

    # -- discover and suggestions ------------------------------------------------------

    def action_discover(self) -> None:
        if self.app.session.local is None:  # type: ignore[attr-defined]
            self.notify("Discover runs on the server's machine.", severity="warning")
            return
        self.notify("Ranking candidates (offline, up to 30 s) …")
        self._discover()

    @work(thread=True, exclusive=True, group="discover", exit_on_error=False)
    def _discover(self) -> None:
        local = self.app.session.local  # type: ignore[attr-defined]
        found = engine_call(self.app, lambda: local.discover())
        if found is None:
            return
        rows = [
            (
                c.name,
                f"{c.score:.2f}",
                c.rank or "-",
                f"{c.quality.score:.2f}" if c.quality else "-",
                c.license_class + ("" if c.allowed else " (refused)"),
                c.installed_version or "-",
                c.summary[:60],
            )
            for c in found[:30]
        ]
        self.app.call_from_thread(
            self.app.push_screen,
            InfoScreen(
                "Worth indexing (a adds one)",
                ("name", "score", "PyPI rank", "docs", "license", "installed", "summary"),
                rows,
            ),
        )

    def action_suggestions(self) -> None:
        self._suggestions()

    @work(thread=True, exclusive=True, group="discover", exit_on_error=False)
    def _suggestions(self) -> None:
        reader = self.app.session.reader  # type: ignore[attr-defined]
        found = engine_call(self.app, reader.suggestions)
        if found is not None:
            rows = [(name, count, "; ".join(reasons)) for name, count, reasons in found]
            self.app.call_from_thread(
                self.app.push_screen,
                InfoScreen(
                    "Suggested libraries", ("name", "asked", "reasons"), rows or [("-", 0, "none yet")]
                ),
            )

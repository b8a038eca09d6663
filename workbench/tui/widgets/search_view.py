"""The Search tab: a query with history, filters and mode, results, and the detail pane."""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Select, Static
from textual.worker import get_current_worker

from workbench.model import KINDS, SEARCH_MODES, Hit
from workbench.tui.messages import OpenInGraph
from workbench.tui.screens.info import InfoScreen
from workbench.tui.widgets.entity_detail import EntityDetailView
from workbench.tui.widgets.history_input import HistoryInput
from workbench.tui.widgets.results_table import ResultsTable
from workbench.tui.workers import engine_call

DEBOUNCE_S = 0.25
RESULTS = 25


class SearchView(Vertical):
    """Results update as you type; the highlighted hit's documentation on the right."""

    BINDINGS = [
        Binding("ctrl+t", "cycle_mode", "Mode", id="search.mode"),
        Binding("x", "explain", "Explain", id="search.explain"),
        Binding("c", "copy_path", "Copy path", id="search.copy"),
        Binding("e", "edit_source", "Edit source", id="search.edit"),
        Binding("plus,equals_sign", "feedback('good')", "Good", id="search.good"),
        Binding("minus", "feedback('bad')", "Bad", id="search.bad"),
        Binding("g", "open_graph", "Graph", id="search.graph"),
        Binding("slash", "focus_query", "Query", show=False),
    ]

    class ResultsShown(Message):
        """Results of a query are on screen (the bench times keystroke to this)."""

        def __init__(self, query: str, mode: str, count: int, seconds: float, search_seconds: float) -> None:
            super().__init__()
            self.query = query
            self.mode = mode
            self.count = count
            self.seconds = seconds  # from the last keystroke, debounce included
            self.search_seconds = search_seconds  # the engine's part

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = "hybrid"
        self.last_query = ""
        self.last_mode = ""  # the mode the results on screen were found with
        self.last_took = 0.0  # seconds the engine took for them
        self._timer: Timer | None = None
        self._typed_at = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield HistoryInput(placeholder="Search the API: 'read a csv file', 'ReadTimeout'…", id="query")
            yield Select([], prompt="library", id="library-filter", allow_blank=True)
            yield Select([(k, k) for k in KINDS], prompt="kind", id="kind-filter", allow_blank=True)
            yield Static(self._mode_text(), id="mode-label")
        with Horizontal(id="search-body"):
            yield ResultsTable(id="results")
            yield EntityDetailView(id="detail")

    def on_mount(self) -> None:
        self.query_one("#query", HistoryInput).focus()

    def set_libraries(self, names: list[str]) -> None:
        """Fill the library filter."""
        select = self.query_one("#library-filter", Select)
        select.set_options([(name, name) for name in sorted(names)])

    # -- searching -------------------------------------------------------------------

    def _mode_text(self) -> str:
        return f"mode: {self.mode}"

    def refresh_mode_label(self) -> None:
        """Show the mode, and that BM25 answers while the model loads."""
        session = self.app.session  # type: ignore[attr-defined]
        text = self._mode_text()
        if session is not None and session.effective_mode(self.mode) != self.mode:
            text += " (bm25 until the model loads)"
        self.query_one("#mode-label", Static).update(text)

    @on(HistoryInput.Changed, "#query")
    def _query_changed(self) -> None:
        self._typed_at = time.perf_counter()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self.run_search)

    @on(HistoryInput.Submitted, "#query")
    def _query_submitted(self, event: HistoryInput.Submitted) -> None:
        event.input.remember(event.value)  # type: ignore[attr-defined]
        if self._timer is not None:
            self._timer.stop()
        self._typed_at = time.perf_counter()
        self.run_search()
        self.query_one("#results", ResultsTable).focus()

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.run_search()

    def run_search(self, query: str | None = None) -> None:
        """Search for the input's text (or `query`) with the filters and mode."""
        box = self.query_one("#query", HistoryInput)
        if query is not None:
            box.value = query
            self._typed_at = time.perf_counter()
        text = box.value.strip()
        if not text or self.app.session is None:  # type: ignore[attr-defined]
            return
        library = self.query_one("#library-filter", Select).value
        kind = self.query_one("#kind-filter", Select).value
        self._search(
            text,
            self.app.session.effective_mode(self.mode),  # type: ignore[attr-defined]
            [library] if isinstance(library, str) else None,
            [kind] if isinstance(kind, str) else None,
            self._typed_at or time.perf_counter(),
        )

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(
        self, query: str, mode: str, libraries: list[str] | None, kinds: list[str] | None, started: float
    ) -> None:
        reader = self.app.session.reader  # type: ignore[attr-defined]
        begun = time.perf_counter()
        hits = engine_call(
            self.app,
            lambda: reader.search(query, RESULTS, mode=mode, libraries=libraries, kinds=kinds),
        )
        if hits is None or get_current_worker().is_cancelled:
            return
        took = time.perf_counter() - begun
        self.app.call_from_thread(self._show_hits, query, mode, hits, started, took)

    def _show_hits(self, query: str, mode: str, hits: list[Hit], started: float, took: float) -> None:
        self.last_query = query
        self.last_mode = mode
        self.last_took = took
        self.query_one("#results", ResultsTable).show_hits(hits)
        if not hits:
            self.query_one("#detail", EntityDetailView).clear(f"Nothing found for '{query}'.")
        self.refresh_mode_label()
        self.post_message(self.ResultsShown(query, mode, len(hits), time.perf_counter() - started, took))

    # -- the highlighted hit ---------------------------------------------------------

    @on(ResultsTable.HitHighlighted)
    def _hit_highlighted(self, event: ResultsTable.HitHighlighted) -> None:
        if event.hit is not None:
            self._load_detail(event.hit.definition_path)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, path: str) -> None:
        reader = self.app.session.reader  # type: ignore[attr-defined]
        detail = engine_call(self.app, lambda: reader.show(path))
        if detail is not None and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.query_one("#detail", EntityDetailView).show_detail, detail)

    @property
    def current_hit(self) -> Hit | None:
        return self.query_one("#results", ResultsTable).current_hit

    def _need_hit(self) -> Hit | None:
        hit = self.current_hit
        if hit is None:
            self.notify("No result highlighted: search first.", severity="warning")
        return hit

    # -- actions ---------------------------------------------------------------------

    def action_focus_query(self) -> None:
        self.query_one("#query", HistoryInput).focus()

    def action_cycle_mode(self) -> None:
        """hybrid -> vector -> bm25 -> hybrid, and search again."""
        self.mode = SEARCH_MODES[(SEARCH_MODES.index(self.mode) + 1) % len(SEARCH_MODES)]
        self.refresh_mode_label()
        self.run_search()

    def action_explain(self) -> None:
        hit = self._need_hit()
        if hit is None:
            return
        rows = [(key, _fmt(value)) for key, value in hit.explain.items()]
        rows.insert(0, ("score", f"{hit.score:.6f}"))
        self.app.push_screen(InfoScreen(f"Why {hit.path} ranks #{hit.rank}", ("part", "value"), rows))

    def action_copy_path(self) -> None:
        hit = self._need_hit()
        if hit is not None:
            self.app.copy_to_clipboard(hit.path)
            self.notify(f"Copied {hit.path}")

    def action_edit_source(self) -> None:
        detail = self.query_one("#detail", EntityDetailView).detail
        if detail is None:
            self.notify("No result highlighted.", severity="warning")
            return
        self.app.open_in_editor(detail.entity)  # type: ignore[attr-defined]

    def action_feedback(self, verdict: str) -> None:
        hit = self._need_hit()
        if hit is not None and self.last_query:
            self._record_feedback(self.last_query, hit.definition_path, hit.path, verdict)

    @work(thread=True, group="feedback", exit_on_error=False)
    def _record_feedback(self, query: str, path: str, shown: str, verdict: str) -> None:
        reader = self.app.session.reader  # type: ignore[attr-defined]
        if engine_call(self.app, lambda: reader.feedback(query, path, verdict)) is not None:
            self.app.call_from_thread(self.notify, f"Marked {shown} {verdict} for '{query}'")

    def action_open_graph(self) -> None:
        hit = self._need_hit()
        if hit is not None:
            self.post_message(OpenInGraph(hit.definition_path))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)

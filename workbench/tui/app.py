"""The app: five tabs over one session (Search, Graph, Ask, Libraries, Tuning), a status
bar, the command palette and help. It opens the index and loads the model in workers, so
the first screen is up at once and BM25 answers while the model loads."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from workbench.errors import WorkbenchError
from workbench.model import Entity
from workbench.tui.messages import OpenInGraph
from workbench.tui.screens.help import HelpScreen
from workbench.tui.session import Session, open_local, open_remote
from workbench.tui.widgets.ask_view import AskView
from workbench.tui.widgets.graph_view import GraphView
from workbench.tui.widgets.history_input import HistoryInput
from workbench.tui.widgets.libraries_view import LibrariesView
from workbench.tui.widgets.search_view import SearchView
from workbench.tui.widgets.tuning_view import TuningView
from workbench.tui.workers import engine_call

TABS = ("search", "graph", "ask", "libraries", "tuning")
#: The widget each tab focuses when it is shown.
FOCUS_IN_TAB = {
    "search": "#query",
    "graph": "#graph-tree",
    "ask": "#question",
    "libraries": "#library-table",
    "tuning": "#knob-rrf_k",
}
#: The inputs whose history outlives the app (saved beside the index).
HISTORIES = ("query", "question")
#: Below this many columns the detail pane goes under the results.
NARROW_WIDTH = 110


class WorkbenchApp(App[None]):
    """`workbench tui`: browse, walk, ask, curate and tune one workbench index.

    Args:
        db: the local index (opened read-only).
        server: a `workbench serve` URL instead of a local file.
        token: the server's bearer token.
        session: an already open session (tests share one embedder this way).
        load_model: load the embedding model in the background at start (tests of the
            BM25-only start turn it off).
    """

    CSS_PATH = "app.tcss"
    TITLE = "PyRAG Workbench"
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("f2", "tab('search')", "Search", id="app.search"),
        Binding("f3", "tab('graph')", "Graph", id="app.graph"),
        Binding("f4", "tab('ask')", "Ask", id="app.ask"),
        Binding("f5", "tab('libraries')", "Libraries", id="app.libraries"),
        Binding("f6", "tab('tuning')", "Tuning", id="app.tuning"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        server: str | None = None,
        token: str | None = None,
        session: Session | None = None,
        load_model: bool = True,
    ) -> None:
        super().__init__()
        self.db = Path(db) if db is not None else None
        self.server = server
        self.token = token
        self.session: Session | None = session
        self.load_model_at_start = load_model
        self.busy = ""
        #: (query, mode, hits, engine seconds) of the results on screen
        self.last_search: tuple[str, str, int, float] | None = None
        self.model_state = "loading"
        self.started = time.perf_counter()
        self.ready_seconds: float | None = None
        self._unsaved: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs", initial="search"):
            with TabPane("Search", id="search"):
                yield SearchView(id="search-view")
            with TabPane("Graph", id="graph"):
                yield GraphView(id="graph-view")
            with TabPane("Ask", id="ask"):
                yield AskView(id="ask-view")
            with TabPane("Libraries", id="libraries"):
                yield LibrariesView(id="libraries-view")
            with TabPane("Tuning", id="tuning"):
                yield TuningView(id="tuning-view")
        yield Static("opening the index …", id="status-bar")
        yield Footer()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "narrow")

    def on_mount(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "narrow")
        self.sub_title = self.server or str(self.db or "")
        if self.session is not None:
            self._opened(self.session)
        else:
            self._open()

    # -- opening -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _open(self) -> None:
        session = engine_call(
            self,
            lambda: open_remote(self.server, self.token) if self.server else open_local(self._db_path()),
        )
        if session is None:
            self.call_from_thread(self._status, "[red]could not open the index[/] (see the notification)")
            return
        self.call_from_thread(self._opened, session)

    def _db_path(self) -> Path:
        if self.db is not None:
            return self.db
        from workbench.config import default_db_path

        return default_db_path()

    def _opened(self, session: Session) -> None:
        self.session = session
        self._restore_preferences()
        self.sub_title = session.label + ("" if session.writable or session.is_remote else "  [read-only]")
        self.ready_seconds = time.perf_counter() - self.started
        if session.model_ready:
            self.model_state = "ready"
        elif self.load_model_at_start:
            self._load_model()
        else:
            self.model_state = "not loaded"
        self.index_changed()
        if session.local is not None:
            self.query_one(TuningView).show_settings(session.local.settings.search)

    # -- preferences: theme and query histories, kept in the state file beside the index --

    def _restore_preferences(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            theme = session.preference("theme")
            histories = {box: session.preference(f"history.{box}") for box in HISTORIES}
        except WorkbenchError as error:  # an unreadable state file must not stop the app
            self.notify(f"preferences not restored: {error}", severity="warning")
            return
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        for box, values in histories.items():
            if isinstance(values, list):
                self.query_one(f"#{box}", HistoryInput).history = [str(v) for v in values]
        self.theme_changed_signal.subscribe(self, lambda theme: self._save_preference("theme", theme.name))

    @on(HistoryInput.Submitted)
    def _history_changed(self, event: HistoryInput.Submitted) -> None:
        box = event.input
        if box.id in HISTORIES and isinstance(box, HistoryInput):
            self._save_preference(f"history.{box.id}", list(box.history))

    @work(thread=True, group="preferences", exit_on_error=False)
    def _save_preference(self, key: str, value: object) -> None:
        session = self.session
        if session is None:
            return
        try:
            session.save_preference(key, value)
        except WorkbenchError as error:  # e.g. a read-only folder: say it once, keep going
            if key not in self._unsaved:
                self._unsaved.add(key)
                self.call_from_thread(self.notify, f"{key} not saved: {error}", severity="warning")

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _load_model(self) -> None:
        session = self.session
        if session is None:
            return
        started = time.perf_counter()
        if engine_call(self, lambda: session.load_model() or True):
            self.call_from_thread(self._model_loaded, time.perf_counter() - started)
        else:
            self.call_from_thread(self._model_failed)

    def _model_loaded(self, seconds: float) -> None:
        self.model_state = f"ready ({seconds:.1f} s)"
        self._refresh_status()
        search = self.query_one(SearchView)
        search.refresh_mode_label()
        if search.mode != "bm25":
            search.run_search()  # the BM25-only results give way to the chosen mode

    def _model_failed(self) -> None:
        self.model_state = "failed: BM25 only"
        self._refresh_status()

    def index_changed(self) -> None:
        """After opening or a library change: filters and the status bar."""
        self._index_facts()

    @work(thread=True, exclusive=True, group="facts", exit_on_error=False)
    def _index_facts(self) -> None:
        session = self.session
        if session is None:
            return
        libs = engine_call(self, session.reader.libraries)
        if libs is not None:
            self.call_from_thread(self._show_facts, [lib.name for lib in libs])

    def _show_facts(self, names: list[str]) -> None:
        self.library_names = names
        self.query_one(SearchView).set_libraries(names)
        self._refresh_status()

    # -- status --------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.query_one("#status-bar", Static).update(text)

    def _refresh_status(self) -> None:
        session = self.session
        if session is None:
            return
        parts = [f"{len(getattr(self, 'library_names', []))} libraries"]
        if session.is_remote:
            parts.append("server")
        else:
            parts.append("read-write for library changes" if session.writable else "read-only file")
            model = self.model_state
            if not session.model_ready:
                model += " — BM25 answers meanwhile"
            parts.append(f"model: {model}")
        if self.last_search is not None:
            _, mode, count, seconds = self.last_search
            parts.append(f"{count} {mode} results in {seconds * 1000:.0f} ms")
        if self.busy:
            parts.append(f"[b]{self.busy}[/]")
        self._status(" · ".join(parts))

    def set_busy(self, text: str) -> None:
        """Say in the status bar what long work is running ("" when done)."""
        self.busy = text
        self._refresh_status()

    # -- moving between tabs ---------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        # the Libraries tab reads every library's sources (update states) and public API
        # (docs quality): seconds on the default index, so only once it is looked at
        if event.pane.id == "libraries" and self.session is not None:
            self.query_one(LibrariesView).refresh_table(only_once=True)

    def action_tab(self, tab: str) -> None:
        """Show a tab and focus its main widget.

        Focus leaves the old tab first: a hidden tab whose widget keeps (or is handed) the
        focus would be switched back to by the TabbedContent.
        """
        self.screen.set_focus(None)
        self.query_one(TabbedContent).active = tab
        self.call_after_refresh(self._focus_tab, tab)

    def _focus_tab(self, tab: str) -> None:
        target = FOCUS_IN_TAB.get(tab)
        if target:
            self.query_one(target).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    @on(SearchView.ResultsShown)
    def _results_shown(self, event: SearchView.ResultsShown) -> None:
        self.last_search = (event.query, event.mode, event.count, event.search_seconds)
        self._refresh_status()

    @on(OpenInGraph)
    def _open_in_graph(self, event: OpenInGraph) -> None:
        self.open_graph(event.path)

    def open_graph(self, path: str) -> None:
        """Show `path`'s neighbours in the Graph tab."""
        self.action_tab("graph")
        self.query_one(GraphView).open(path)

    def show_entity(self, path: str) -> None:
        """Search for `path` by name in the Search tab (its documentation shows beside it)."""
        self.action_tab("search")
        self.query_one(SearchView).run_search(path)

    def open_in_editor(self, entity: Entity) -> None:
        """Open the entity's source file at its line in $EDITOR (or $VISUAL, else vi)."""
        file = self._source_file(entity)
        if file is None:
            self.notify(f"The source of {entity.public_path} is not on this machine.", severity="warning")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), f"+{entity.lineno or 1}", str(file)]
        try:
            with self.suspend():
                subprocess.run(command, check=False)
        except Exception as error:  # no editor, or no terminal to suspend to (SuspendNotSupported)
            self.notify(f"could not run {editor}: {error}", severity="error")

    def _source_file(self, entity: Entity) -> Path | None:
        if not entity.filepath or self.session is None or self.session.is_remote:
            return None
        path = Path(entity.filepath)
        if not path.is_absolute():
            roots = [lib.source_dir for lib in self.session.reader.libraries() if lib.name == entity.library]
            path = Path(roots[0]) / path if roots and roots[0] else path
        return path if path.is_file() else None

    # -- command palette ------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        search, graph, ask = self.query_one(SearchView), self.query_one(GraphView), self.query_one(AskView)
        libraries, tuning = self.query_one(LibrariesView), self.query_one(TuningView)
        commands: list[tuple[str, str, Any]] = [
            ("Search", "Go to the Search tab (F2)", lambda: self.action_tab("search")),
            ("Graph", "Go to the Graph tab (F3)", lambda: self.action_tab("graph")),
            ("Ask", "Go to the Ask tab (F4)", lambda: self.action_tab("ask")),
            ("Libraries", "Go to the Libraries tab (F5)", lambda: self.action_tab("libraries")),
            ("Tuning", "Go to the Tuning tab (F6)", lambda: self.action_tab("tuning")),
            ("Search: cycle mode", "hybrid, vector, bm25 (Ctrl+T)", search.action_cycle_mode),
            ("Search: explain the highlighted hit", "each part of its score (x)", search.action_explain),
            ("Search: copy the public path", "of the highlighted hit (c)", search.action_copy_path),
            ("Search: open the source in $EDITOR", "at the entity's line (e)", search.action_edit_source),
            (
                "Search: mark good",
                "feedback for the current query (+)",
                lambda: search.action_feedback("good"),
            ),
            ("Search: mark bad", "feedback for the current query (-)", lambda: search.action_feedback("bad")),
            ("Search: open in the graph", "the highlighted hit's neighbours (g)", search.action_open_graph),
            ("Graph: back", "along the walk (Backspace)", graph.action_back),
            ("Graph: path to…", "shortest paths to another entity (p)", graph.action_path_to),
            ("Ask: show the plan", "steps, status and timing of the last answer (x)", ask.action_show_plan),
            (
                "Libraries: update",
                "re-index the highlighted library if it changed (u)",
                libraries.action_update,
            ),
            ("Libraries: add", "an installed library, NAME==VERSION or a wheel (a)", libraries.action_add),
            (
                "Libraries: opt out",
                "purge the highlighted library and refuse it (o)",
                libraries.action_opt_out,
            ),
            ("Libraries: opt in", "allow an opted-out library again (i)", libraries.action_opt_in),
            ("Libraries: discover", "rank libraries worth indexing (d)", libraries.action_discover),
            ("Libraries: suggestions", "what people asked to index (s)", libraries.action_suggestions),
            ("Libraries: cancel", "the running change (Escape)", libraries.action_cancel),
            ("Tuning: evaluate", "before/after on the chosen set (Ctrl+E)", tuning.action_evaluate),
            ("Tuning: save settings", "every face uses them from then on (Ctrl+S)", tuning.action_save),
            ("Help", "keys and what they do (F1)", self.action_help),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

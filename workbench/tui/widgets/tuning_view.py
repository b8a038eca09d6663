"""The Tuning tab: retrieval settings as inputs, "evaluate" before/after on an eval set in a
worker, a per-library recall chart, and "save" so every face uses the settings."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual_plotext import PlotextPlot

from workbench.config import SearchSettings, validate_search_settings
from workbench.errors import QueryError
from workbench.model import EvalRow
from workbench.tui.workers import engine_call

DATA = Path(__file__).resolve().parents[3] / "data" / "eval"
BUNDLED_SET = DATA / "questions.jsonl"
METRICS = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10")
HEADERS = ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")
HELP = {
    "rrf_k": "RRF constant (smaller = top ranks weigh more)",
    "vector_weight": "weight of the vector list in the fusion",
    "bm25_weight": "weight of the BM25 list in the fusion",
    "candidates": "candidates taken from each list",
    "exact_name_boost": "boost when the query names the entity",
    "public_boost": "boost of public over private paths",
    "member_weight": "share of member support a class collects",
    "max_hops": "hops a multi-hop walk takes at most",
}


def setting_fields() -> list[dataclasses.Field]:
    """The knobs, straight from `SearchSettings` (a new knob appears here by itself)."""
    return list(dataclasses.fields(SearchSettings))


class TuningView(Vertical):
    """Change a knob, evaluate, compare, save."""

    BINDINGS = [
        Binding("ctrl+e", "evaluate", "Evaluate", id="tuning.evaluate"),
        Binding("ctrl+s", "save", "Save settings", id="tuning.save"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.before: list[EvalRow] | None = None
        self.after: list[EvalRow] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="tuning-top"):
            with VerticalScroll(id="knobs"):
                with Grid(id="knob-grid"):
                    for field in setting_fields():
                        yield Label(field.name, classes="knob-label")
                        yield Input(id=f"knob-{field.name}", classes="knob", tooltip=HELP.get(field.name, ""))
                with Horizontal(id="eval-source"):
                    yield Select(
                        [
                            ("bundled questions", "bundled"),
                            ("feedback cases", "feedback"),
                            ("a file…", "file"),
                        ],
                        value="bundled",
                        allow_blank=False,
                        id="eval-set",
                    )
                    yield Input(placeholder="path/to/cases.jsonl", id="eval-file")
                with Horizontal(id="tuning-buttons"):
                    yield Button("Evaluate", id="evaluate", variant="primary")
                    yield Button("Save", id="save", variant="success")
                    yield Button("Defaults", id="defaults")
            with Vertical(id="tuning-results"):
                yield Static(
                    "Evaluate compares the saved settings (before) with these (after).", id="eval-status"
                )
                yield DataTable(id="metrics-table", cursor_type="none")
                yield PlotextPlot(id="library-chart")

    def on_mount(self) -> None:
        table = self.query_one("#metrics-table", DataTable)
        table.add_columns("settings", "mode", "n", *HEADERS)
        self.show_settings(self._current())

    def _current(self) -> SearchSettings:
        session = self.app.session  # type: ignore[attr-defined]
        return (
            session.local.settings.search
            if session is not None and session.local is not None
            else SearchSettings()
        )

    def show_settings(self, settings: SearchSettings) -> None:
        """Put a settings object's values into the inputs."""
        for field in setting_fields():
            self.query_one(f"#knob-{field.name}", Input).value = str(getattr(settings, field.name))

    def read_settings(self) -> SearchSettings:
        """The inputs as a settings object.

        Raises:
            ValueError: a value of the wrong type (the message names the knob).
        """
        values: dict[str, Any] = {}
        for field in setting_fields():
            text = self.query_one(f"#knob-{field.name}", Input).value.strip()
            kind = type(getattr(SearchSettings(), field.name))
            try:
                values[field.name] = kind(text)
            except ValueError:
                raise ValueError(f"{field.name}: '{text}' is not a {kind.__name__}") from None
        settings = SearchSettings(**values)
        validate_search_settings(settings)
        return settings

    def _settings_or_notify(self) -> SearchSettings | None:
        try:
            return self.read_settings()
        except (ValueError, QueryError) as error:  # a wrong type or an out-of-range value
            self.notify(str(error), severity="error")
            return None

    # -- evaluate ----------------------------------------------------------------------

    @on(Button.Pressed, "#evaluate")
    def action_evaluate(self) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        if session.local is None:
            self.notify("Tuning evaluates on the local file (run it where the file is).", severity="warning")
            return
        candidate = self._settings_or_notify()
        if candidate is None:
            return
        source = self.query_one("#eval-set", Select).value
        path = self.query_one("#eval-file", Input).value.strip()
        self.query_one("#eval-status", Static).update(
            "evaluating before and after … (this runs every question twice)"
        )
        self.query_one("#evaluate", Button).disabled = True
        self._evaluate(str(source), path, candidate)

    @work(thread=True, exclusive=True, group="evaluate", exit_on_error=False)
    def _evaluate(self, source: str, path: str, candidate: SearchSettings) -> None:
        local = self.app.session.local  # type: ignore[attr-defined]
        started = time.perf_counter()

        def run() -> tuple[list[EvalRow], list[EvalRow], int]:
            cases = _load_cases(local, source, path)
            before, skipped = local.evaluate(cases, ("hybrid",), search_settings=local.settings.search)
            after, _ = local.evaluate(cases, ("hybrid",), search_settings=candidate)
            return before, after, len(skipped)

        result = engine_call(self.app, run)
        self.app.call_from_thread(self._evaluated, result, time.perf_counter() - started)

    def _evaluated(self, result: tuple[list[EvalRow], list[EvalRow], int] | None, seconds: float) -> None:
        self.query_one("#evaluate", Button).disabled = False
        if result is None:
            self.query_one("#eval-status", Static).update("evaluation failed (see the notification)")
            return
        self.before, self.after, skipped = result
        table = self.query_one("#metrics-table", DataTable)
        table.clear()
        for label, rows in (("before", self.before), ("after", self.after)):
            for row in rows:
                table.add_row(label, row.mode, str(row.n), *(f"{getattr(row, m):.3f}" for m in METRICS))
        delta = (
            self.after[0].recall_at_10 - self.before[0].recall_at_10 if self.after and self.before else 0.0
        )
        note = f", {skipped} skipped (nothing expected is indexed)" if skipped else ""
        self.query_one("#eval-status", Static).update(
            f"R@10 {delta:+.3f} · {self.before[0].n if self.before else 0} questions{note} · {seconds:.1f} s"
        )
        self._draw_chart()

    def _draw_chart(self) -> None:
        if not self.before or not self.after:
            return
        before = getattr(self.before[0], "per_library", {}) or {}
        after = getattr(self.after[0], "per_library", {}) or {}
        libraries = sorted(set(before) | set(after))
        plot_widget = self.query_one("#library-chart", PlotextPlot)
        plt = plot_widget.plt
        plt.clear_data()
        plt.clear_figure()
        if libraries:
            plt.multiple_bar(
                libraries,
                [
                    [before.get(lib, (0, 0.0))[1] for lib in libraries],
                    [after.get(lib, (0, 0.0))[1] for lib in libraries],
                ],
                labels=["before", "after"],
            )
            plt.ylim(0, 1)
        plt.title("recall@10 per library")
        plot_widget.refresh()

    # -- save ------------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        if session.local is None:
            self.notify("Settings are saved beside the local file.", severity="warning")
            return
        settings = self._settings_or_notify()
        if settings is not None:
            self._save(settings)

    @work(thread=True, group="save", exit_on_error=False)
    def _save(self, settings: SearchSettings) -> None:
        local = self.app.session.local  # type: ignore[attr-defined]
        if engine_call(self.app, lambda: local.save_settings(settings) or True):
            self.app.call_from_thread(self.notify, "Settings saved: every face uses them from now on.")

    @on(Button.Pressed, "#defaults")
    def _defaults(self) -> None:
        self.show_settings(SearchSettings())


def _load_cases(local: Any, source: str, path: str) -> list:
    from workbench.errors import WorkbenchError
    from workbench.retrieve.evaluation import load_cases

    if source == "feedback":
        cases = local.feedback_cases()
        if not cases:
            raise WorkbenchError("no feedback marked good yet: mark results with + in the Search tab")
        return cases
    if source == "file":
        if not path:
            raise WorkbenchError("name the file of cases (JSON lines with question and expected)")
        return load_cases(Path(path).expanduser())
    return load_cases(BUNDLED_SET if BUNDLED_SET.exists() else Path("data") / "eval" / "questions.jsonl")

"""A modal that shows a titled table (a score's explain, an answer's plan, history)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class InfoScreen(ModalScreen[None]):
    """Rows under a title; Escape or q closes it."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(
        self, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], note: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.columns = columns
        self.rows = rows
        self.note = note

    def compose(self) -> ComposeResult:
        table = Table(expand=True)
        for column in self.columns:
            table.add_column(column, overflow="fold")
        for row in self.rows:
            table.add_row(*(str(cell) for cell in row))
        with VerticalScroll(classes="info-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "Esc to close"
            yield Static(table)
            if self.note:
                yield Static(self.note, classes="info-note")

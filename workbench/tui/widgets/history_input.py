"""A text input that remembers what was submitted: up and down walk through it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

HISTORY_SIZE = 100


class HistoryInput(Input):
    """An `Input` with a history of submitted values (newest last)."""

    BINDINGS = [
        Binding("up", "history(-1)", "Older", show=False),
        Binding("down", "history(1)", "Newer", show=False),
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._cursor: int | None = None

    def remember(self, value: str) -> None:
        """Add a value to the history (moved to the end if it is there already)."""
        value = value.strip()
        if not value:
            return
        if value in self.history:
            self.history.remove(value)
        self.history.append(value)
        del self.history[:-HISTORY_SIZE]
        self._cursor = None

    def action_history(self, step: int) -> None:
        """Show an older (-1) or newer (+1) entry; past the newest, an empty input."""
        if not self.history:
            return
        position = len(self.history) if self._cursor is None else self._cursor
        position = max(0, min(len(self.history), position + step))
        self._cursor = position
        self.value = self.history[position] if position < len(self.history) else ""
        self.cursor_position = len(self.value)

"""The search results: one row per hit (rank, path, kind, library, score, summary)."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import DataTable

from workbench.model import Hit

#: (label, width); the path takes what the others leave of the table's width
FIXED = (("#", 3), ("kind", 9), ("library", 11), ("score", 6))
PATH_WIDTH = (24, 48)  # at least, at most
SUMMARY_WIDTH = 80
CELL_PADDING = 2


def column_widths(width: int) -> list[tuple[str, int]]:
    """Columns for a table `width` cells wide: the path as wide as fits, the summary only
    where room is left (an 80-column terminal shows rank, path, kind, library, score)."""
    fixed = sum(w + CELL_PADDING for _, w in FIXED)
    path = max(PATH_WIDTH[0], min(PATH_WIDTH[1], width - fixed - CELL_PADDING - 2))
    columns = [FIXED[0], ("path", path), *FIXED[1:]]
    room = width - fixed - path - 2 * CELL_PADDING - 2
    if room >= 12:
        columns.append(("summary", min(room, SUMMARY_WIDTH)))
    return columns


class ResultsTable(DataTable):
    """Hits of the current query; highlighting a row posts `HitHighlighted`."""

    class HitHighlighted(Message):
        """The cursor moved onto a hit (None when the table emptied)."""

        def __init__(self, hit: Hit | None) -> None:
            super().__init__()
            self.hit = hit

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.hits: list[Hit] = []
        self._layout: list[tuple[str, int]] = []

    def on_resize(self) -> None:
        layout = column_widths(self.size.width)
        if layout != self._layout:
            self._layout = layout
            row = self.cursor_row
            self.clear(columns=True)
            for label, width in layout:
                self.add_column(label, width=width, key=label)
            self._fill()
            if self.hits:
                self.move_cursor(row=max(0, min(row, len(self.hits) - 1)), animate=False)

    def _fill(self) -> None:
        shown = {label for label, _ in self._layout}
        for hit in self.hits:
            cells = {
                "#": str(hit.rank),
                "path": hit.path,
                "kind": hit.kind,
                "library": hit.library,
                "score": f"{hit.score:.3f}",
                "summary": hit.summary or "",
            }
            self.add_row(*(cells[label] for label, _ in self._layout if label in shown), key=f"{hit.rank}")

    def show_hits(self, hits: list[Hit]) -> None:
        """Replace the rows with these hits and highlight the first."""
        self.hits = list(hits)
        self.clear()
        self._fill()
        if self.hits:
            self.move_cursor(row=0)
        self.post_message(self.HitHighlighted(self.current_hit))

    @property
    def current_hit(self) -> Hit | None:
        """The highlighted hit, if any."""
        if not self.hits or self.cursor_row < 0 or self.cursor_row >= len(self.hits):
            return None
        return self.hits[self.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.HitHighlighted(self.current_hit))

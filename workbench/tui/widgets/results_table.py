"""The search results: one row per hit (rank, path, kind, library, score, summary)."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import DataTable

from workbench.model import Hit

COLUMNS = (("#", 3), ("path", 44), ("kind", 9), ("library", 12), ("score", 7), ("summary", 60))


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

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, width=width, key=label)

    def show_hits(self, hits: list[Hit]) -> None:
        """Replace the rows with these hits and highlight the first."""
        self.hits = list(hits)
        self.clear()
        for hit in self.hits:
            self.add_row(
                str(hit.rank),
                hit.path,
                hit.kind,
                hit.library,
                f"{hit.score:.4f}",
                hit.summary or "",
                key=hit.definition_path + f"#{hit.rank}",
            )
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

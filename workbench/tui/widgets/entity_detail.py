"""The detail pane: signature, docstring as Markdown, source excerpt and members."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.table import Table
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from workbench.model import EntityDetail
from workbench.tui.markdown import entity_markdown

SOURCE_LINES = 40
MEMBERS_SHOWN = 60


class EntityDetailView(VerticalScroll):
    """Shows one `EntityDetail`; empty until `show_detail` is called."""

    DEFAULT_CLASSES = "detail"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.detail: EntityDetail | None = None

    def compose(self):
        yield Static("Highlight a result to see its documentation.", id="detail-signature")
        yield Markdown("", id="detail-doc")
        yield Static("", id="detail-source")
        yield Static("", id="detail-members")

    def show_detail(self, detail: EntityDetail) -> None:
        """Render an entity (the caller fetched it in a worker)."""
        self.detail = detail
        e = detail.entity
        signature = f"{e.public_path}{e.signature}" if e.signature else e.public_path
        self.query_one("#detail-signature", Static).update(
            Syntax(signature, "python", word_wrap=True, theme="ansi_dark", background_color="default")
        )
        self.query_one("#detail-doc", Markdown).update(entity_markdown(e))
        source = self.query_one("#detail-source", Static)
        if e.source:
            excerpt = "\n".join(e.source.splitlines()[:SOURCE_LINES])
            location = f"{e.filepath}:{e.lineno}" if e.filepath else ""
            source.update(
                Syntax(
                    excerpt,
                    "python",
                    line_numbers=True,
                    start_line=e.lineno or 1,
                    theme="ansi_dark",
                    background_color="default",
                )
            )
            source.border_title = location
        else:
            source.update("")
            source.border_title = ""
        members = self.query_one("#detail-members", Static)
        if detail.members:
            table = Table(box=None, expand=True, show_edge=False, title=f"members ({len(detail.members)})")
            for column in ("name", "kind", "summary"):
                table.add_column(column, overflow="ellipsis", no_wrap=True)
            for name, kind, summary in detail.members[:MEMBERS_SHOWN]:
                table.add_row(name, kind, summary or "")
            members.update(table)
        else:
            members.update("")
        self.scroll_home(animate=False)

    def clear(self, message: str = "") -> None:
        """Empty the pane (no result highlighted)."""
        self.detail = None
        self.query_one("#detail-signature", Static).update(message)
        self.query_one("#detail-doc", Markdown).update("")
        self.query_one("#detail-source", Static).update("")
        self.query_one("#detail-members", Static).update("")

"""Messages the tabs post to the app."""

from __future__ import annotations

from textual.message import Message


class OpenInGraph(Message):
    """Show this entity (definition or public path) in the Graph tab."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

"""A modal that finds an entity as you type (the same search as the Search tab)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from workbench.tui.workers import engine_call

DEBOUNCE_S = 0.2


class PickEntityScreen(ModalScreen[str | None]):
    """Returns the definition path of the chosen entity, or None (Escape)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box pick-box"):
            yield Label(self.question)
            yield Input(placeholder="type a name or a description", id="pick-input")
            yield OptionList(id="pick-options")

    @on(Input.Changed, "#pick-input")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self._lookup)

    def _lookup(self) -> None:
        text = self.query_one("#pick-input", Input).value.strip()
        if text:
            self._search(text)

    @work(thread=True, exclusive=True, group="pick", exit_on_error=False)
    def _search(self, text: str) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        hits = engine_call(
            self.app, lambda: session.reader.search(text, 12, mode=session.effective_mode("hybrid"))
        )
        if hits is not None and not get_current_worker().is_cancelled:
            options = [
                Option(f"{h.path}  [dim]{h.kind} · {h.library}[/]", id=h.definition_path) for h in hits
            ]
            self.app.call_from_thread(self._show, options)

    def _show(self, options: list[Option]) -> None:
        listing = self.query_one("#pick-options", OptionList)
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = 0

    @on(Input.Submitted, "#pick-input")
    def _submitted(self) -> None:
        listing = self.query_one("#pick-options", OptionList)
        if listing.option_count and listing.highlighted is not None:
            self.dismiss(listing.get_option_at_index(listing.highlighted).id)

    @on(OptionList.OptionSelected, "#pick-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

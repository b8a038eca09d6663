"""The help screen: what each tab does and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# PyRAG Workbench

Browse the APIs in one workbench index. Every tab works on a shared file: other readers
(the CLI, a notebook, `workbench serve`) may have it open at the same time.

| key | where | what |
|---|---|---|
| F2 F3 F4 F5 F6 | anywhere | Search, Graph, Ask, Libraries, Tuning |
| Ctrl+P | anywhere | command palette: every action, and themes |
| F1 | anywhere | this help |
| Ctrl+Q | anywhere | quit |
| / | Search | back to the query (Up/Down: history) |
| Ctrl+T | Search | mode: hybrid → vector → bm25 |
| Tab | Search | from the query to the results |
| x | Search | why the highlighted hit ranks where it does |
| c | Search | copy its public path |
| e | Search | open its source in `$EDITOR` at its line |
| + / - | Search | mark it good / bad for the query (feedback) |
| g | Search | open it in the Graph tab |
| Enter | Graph | follow the highlighted edge |
| Backspace | Graph | go back along the walk |
| p | Graph | shortest paths to another entity |
| s | Graph | the highlighted node's documentation |
| Enter | Ask | ask; on a path node, open it in the Graph tab |
| x | Ask | the plan: steps, status, timing |
| u a o i | Libraries | update, add, opt out, opt in |
| d s r | Libraries | discover, suggestions, refresh |
| Escape | Libraries | cancel the running change (nothing is written) |
| Ctrl+E / Ctrl+S | Tuning | evaluate before/after / save for every face |

While the embedding model loads (a few seconds) search answers with BM25; the status bar
says so. Feedback and saved settings go to a small state file beside the index, so they
work while other processes read it; a library change writes a copy of the index and
swaps it in when done, so searching goes on meanwhile.
"""


class HelpScreen(ModalScreen[None]):
    """Keys and what they do."""

    BINDINGS = [Binding("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="info-box"):
            yield Markdown(HELP)

"""The Ask tab: a multi-hop question, ranked answers with their evidence paths hop by hop,
and the plan on a key; Enter on a path node opens it in the Graph tab."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, Tree

from workbench.model import Answer
from workbench.tui.messages import OpenInGraph
from workbench.tui.paths import hops
from workbench.tui.screens.info import InfoScreen
from workbench.tui.widgets.history_input import HistoryInput
from workbench.tui.workers import engine_call


class AskView(Vertical):
    """Questions that take several lookups, answered with the paths that support them."""

    BINDINGS = [
        Binding("x", "show_plan", "Plan", id="ask.plan"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answer: Answer | None = None

    def compose(self) -> ComposeResult:
        yield HistoryInput(
            placeholder="Ask: 'what does httpx.Client.get return, and which method of it decodes JSON'",
            id="question",
        )
        yield Static("Enter asks; x shows the plan; Enter on a node opens it in the graph.", id="ask-status")
        yield Tree("answers", id="answer-tree")

    @on(HistoryInput.Submitted, "#question")
    def _asked(self, event: HistoryInput.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        event.input.remember(question)  # type: ignore[attr-defined]
        self.ask(question)

    def ask(self, question: str) -> None:
        """Ask in a worker; the status line says it is running."""
        self.query_one("#question", HistoryInput).value = question
        self.query_one("#ask-status", Static).update(f"asking: {question} …")
        self._ask(question)

    @work(thread=True, exclusive=True, group="ask", exit_on_error=False)
    def _ask(self, question: str) -> None:
        session = self.app.session  # type: ignore[attr-defined]
        if not session.model_ready:
            self.app.call_from_thread(
                self.query_one("#ask-status", Static).update, "waiting for the embedding model to load …"
            )
        answer = engine_call(self.app, lambda: session.reader.ask(question))
        if answer is None:
            self.app.call_from_thread(self.query_one("#ask-status", Static).update, "the question failed")
            return
        self.app.call_from_thread(self._show, answer)

    def _show(self, answer: Answer) -> None:
        self.answer = answer
        state = " · degraded (a step failed; see the plan)" if answer.degraded else ""
        self.query_one("#ask-status", Static).update(
            f"{answer.plan.kind} question · {len(answer.items)} answers · "
            f"{answer.seconds * 1000:.0f} ms{state}"
        )
        tree = self.query_one("#answer-tree", Tree)
        tree.clear()
        tree.root.set_label(f"[b]{answer.question}[/]")
        if not answer.items:
            tree.root.add_leaf("[dim]no answer found[/]")
        for rank, item in enumerate(answer.items, 1):
            branch = tree.root.add(
                f"[b]{rank}. {item.public_path}[/]  [dim]{item.kind} · {item.library}[/]  "
                f"confidence {item.confidence:.2f} · via {item.via}",
                data=item.path,
                expand=rank <= 3,
            )
            if item.summary:
                branch.add_leaf(f"[i]{item.summary}[/]", data=item.path)
            for number, path in enumerate(item.paths, 1):
                route = branch.add(f"path {number} ({path.hops} hops)", data=path.nodes[0], expand=True)
                route.add_leaf(f"[b]{path.nodes[0]}[/]", data=path.nodes[0])
                for _here, sign, there in hops(path):
                    label = sign.copy()
                    label.append(there, style="bold")
                    route.add_leaf(label, data=there)
        tree.root.expand()
        tree.focus()

    @on(Tree.NodeSelected, "#answer-tree")
    def _open(self, event: Tree.NodeSelected) -> None:
        if isinstance(event.node.data, str) and not event.node.children:
            self.post_message(OpenInGraph(event.node.data))

    def action_show_plan(self) -> None:
        if self.answer is None:
            self.notify("Ask a question first.", severity="warning")
            return
        rows = [
            (
                r.step.id,
                r.step.kind,
                r.step.query,
                " ".join(r.step.relations) or "-",
                r.status + (f": {r.message}" if r.message else ""),
                f"{r.seconds * 1000:.0f} ms",
                ", ".join(i.public_path for i in r.items[:3]),
            )
            for r in self.answer.results
        ]
        self.app.push_screen(
            InfoScreen(
                f"Plan: {self.answer.plan.kind}",
                ("step", "kind", "query", "relations", "status", "time", "top results"),
                rows,
            )
        )

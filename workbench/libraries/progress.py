"""How long-running library work reports progress; the CLI and TUI supply real bars."""

from __future__ import annotations

from typing import Protocol

from workbench.model import IngestReport


class IngestProgress(Protocol):
    """Receives ingest events; every method must be cheap and must not raise."""

    def library_started(self, library: str) -> None: ...

    def phase(self, library: str, text: str, total: int | None = None) -> None: ...

    def advance(self, library: str, amount: int) -> None: ...

    def library_finished(self, report: IngestReport) -> None: ...

    def message(self, text: str) -> None: ...


class SilentProgress:
    """Progress that shows nothing (tests, scripts, `--quiet`)."""

    def library_started(self, library: str) -> None:
        pass

    def phase(self, library: str, text: str, total: int | None = None) -> None:
        pass

    def advance(self, library: str, amount: int) -> None:
        pass

    def library_finished(self, report: IngestReport) -> None:
        pass

    def message(self, text: str) -> None:
        pass

"""TUI fixtures: the app on the small real index, driven by Textual's pilot."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def make_session(built_db: Path, embedder) -> Callable:
    """A session on the small index (read-only, sharing the loaded model); `label` keeps
    snapshots free of temporary paths."""
    from workbench import Workbench
    from workbench.tui.session import Session

    opened = []

    def make(path: Path = built_db, label: str = "small.duckdb", writable: bool = False) -> Session:
        bench = Workbench(path, embedder=embedder)
        opened.append(bench)
        return Session(reader=bench, label=label, local=bench, writable=writable)

    yield make
    for bench in opened:
        bench.close()


@pytest.fixture
def db_copy(built_db: Path, tmp_path: Path) -> Path:
    """A private copy of the small index (tests that write or keep state beside it)."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(built_db, target)
    return target


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No cursor blink, no user theme, state files in the test's folder."""
    monkeypatch.setenv("TEXTUAL_CURSOR_BLINK", "0")
    monkeypatch.delenv("WORKBENCH_STATE", raising=False)

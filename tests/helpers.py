"""Small helpers that keep tests a few lines long."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner, Result

from workbench.cli import main


def run_cli(*args: str) -> Result:
    """Invoke the `workbench` command in-process; stderr is kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def digest(path: Path) -> str:
    """sha256 of a file, to prove a command left it untouched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""Every command is in the README and has help text with an example."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli
from workbench.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(main.commands))
def test_command_is_documented(name):
    assert f"workbench {name}" in README
    result = run_cli(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_readme_names_the_two_front_door_commands():
    makefile = (Path(__file__).parent.parent / "Makefile").read_text()
    assert "make demo" in README and "make test" in README
    assert "demo:" in makefile and "test:" in makefile
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "make test" in ci

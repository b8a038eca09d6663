"""Layering holds at run time: the package and its core import no heavy or face code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["textual", "torch", "sentence_transformers", "marimo", "griffe", "duckdb"]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_workbench_is_lazy():
    loaded = _loaded_after("import workbench")
    assert not loaded & set(HEAVY)


@pytest.mark.parametrize(
    "module",
    ["workbench.facade", "workbench.retrieve.search", "workbench.store.database", "workbench.cli"],
)
def test_core_modules_never_import_textual_or_torch(module):
    loaded = _loaded_after(f"import {module}")
    assert "textual" not in loaded
    assert "torch" not in loaded


def test_query_time_code_does_not_import_griffe():
    loaded = _loaded_after("import workbench.retrieve.search")
    assert "griffe" not in loaded

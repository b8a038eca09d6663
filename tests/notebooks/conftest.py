"""Fixtures of the notebook tests: a private copy of the small index (its own state file),
and a short lookup set of the bundled questions this index can answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "eval" / "questions.jsonl"
MULTIHOP = REPO / "tests" / "data" / "multihop_small.jsonl"


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled questions about h11 and idna, plus two about libraries not indexed here
    (which every evaluation skips)."""
    lines = [line for line in BUNDLED.read_text().splitlines() if line.strip()]
    ours = [line for line in lines if json.loads(line).get("library") in {"h11", "idna"}]
    others = [line for line in lines if json.loads(line).get("library") == "httpx"][:2]
    assert len(ours) >= 8 and len(others) == 2
    path = tmp_path_factory.mktemp("sets") / "small_questions.jsonl"
    path.write_text("\n".join(ours + others) + "\n")
    return path

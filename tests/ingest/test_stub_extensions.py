"""APIs whose Python source does not say all, laid out as numpy's are
(`workbench.ingest.stub_extensions`): functions of a compiled core that a stub declares
only as overloads, and docstrings attached with `add_newdoc` at import time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import extract_written
from workbench.ingest.chunking import chunk_entities
from workbench.ingest.docstrings import summary_of

FILES = {
    "wbnumeric/__init__.py": '"""Numbers."""\n\nfrom wbnumeric.core.multiarray import arange, ndarray\n',
    "wbnumeric/core/__init__.py": "",
    # the functions live in a compiled module that is not there: only the stub tells
    "wbnumeric/core/multiarray.py": "from wbnumeric.core._compiled import *  # noqa\n",
    "wbnumeric/core/multiarray.pyi": (
        "from typing import overload\n\n"
        "@overload\ndef arange(stop: int) -> list[int]: ...\n"
        "@overload\ndef arange(start: int, stop: int, step: int = 1) -> list[int]: ...\n\n"
        "class ndarray:\n"
        "    @overload\n    def reshape(self, shape: int) -> ndarray: ...\n"
        "    @overload\n    def reshape(self, *shape: int) -> ndarray: ...\n"
    ),
    "wbnumeric/core/_add_newdocs.py": (
        "from wbnumeric.core.function_base import add_newdoc\n\n"
        "add_newdoc('wbnumeric.core.multiarray', 'arange',\n"
        '    """\n    arange(start_or_stop, /, stop=None, step=1)\n    --\n\n'
        "    arange([start,] stop[, step,])\n\n"
        '    Return evenly spaced values within a given interval.\n    """)\n\n'
        "add_newdoc('wbnumeric.core.multiarray', 'ndarray', ('reshape',\n"
        '    """Returns an array containing the same data with a new shape."""))\n\n'
        "add_newdoc('wbnumeric.core.multiarray', 'missing', 'Not in the stub: ignored.')\n"
    ),
    "wbnumeric/core/function_base.py": "def add_newdoc(place, obj, doc):\n    pass\n",
}


@pytest.fixture
def entities(tmp_path: Path, on_path) -> dict:
    return {e.path: e for e in extract_written(tmp_path / "site", "wbnumeric", FILES, on_path).entities}


def test_a_function_the_stub_declares_only_as_overloads_is_indexed(entities):
    arange = entities["wbnumeric.core.multiarray.arange"]
    assert (arange.kind, arange.public_path) == ("function", "wbnumeric.arange")
    assert "step" in arange.signature  # the most general overload, the last one
    reshape = entities["wbnumeric.core.multiarray.ndarray.reshape"]
    assert reshape.kind == "method" and "*shape" in reshape.signature


def test_add_newdoc_gives_compiled_objects_their_docstrings(entities):
    arange = entities["wbnumeric.core.multiarray.arange"]
    # the C signature block and the call line are passed over in the summary
    assert arange.summary == "Return evenly spaced values within a given interval."
    assert "--" not in arange.docstring.splitlines()[0]
    reshape = entities["wbnumeric.core.multiarray.ndarray.reshape"]
    assert reshape.summary == "Returns an array containing the same data with a new shape."
    chunks = chunk_entities([arange])
    assert any("evenly spaced" in c.text for c in chunks)


def test_a_call_line_is_no_summary():
    assert summary_of("where(condition, [x, y], /)\n\nReturn elements chosen from x or y.") == (
        "Return elements chosen from x or y."
    )
    assert summary_of("array(object, dtype=None, *,\n  copy=True)\n\nMake one.") == "Make one."
    assert summary_of("f(x)") == "f(x)"  # nothing else to say: the call line stays
    # a text signature over several lines, ended by `--` (numpy's `concatenate`)
    assert summary_of("concatenate(\n    arrays,\n    axis=0,\n)\n--\n\nJoin arrays.") == "Join arrays."
    assert summary_of("Call f(x) to start.\n\nMore.") == "Call f(x) to start."

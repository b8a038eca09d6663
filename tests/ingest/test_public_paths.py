"""A public import is a re-export only where Python's conventions make it one: in `__all__`,
or in a package's `__init__` for what lives below it; a plain module that imports a class to
use it does not become that class's public path (`rich.table.Table`, not `rich.box.Table`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import extract_written

FILES = {
    # a package __init__ without __all__: its imports from below it are re-exports
    "wbpaths/__init__.py": '"""Paths."""\n\nfrom wbpaths.sub.core import Engine\n',
    "wbpaths/sub/__init__.py": "",
    "wbpaths/sub/core.py": (
        'class Engine:\n    """Runs things."""\n\n    def run(self) -> None:\n        """Run."""\n'
    ),
    # plain modules without __all__ import to use: not re-exports
    "wbpaths/box.py": '"""Boxes."""\n\nfrom wbpaths.table import Table\n\nBOX = 1\n',
    "wbpaths/table.py": (
        'class Table:\n    """A table."""\n\n    def add_row(self) -> None:\n        """Add a row."""\n'
    ),
    # a plain module with __all__ does re-export what it lists
    "wbpaths/api.py": (
        '"""API."""\n\nfrom wbpaths.sub.core import Engine\nfrom wbpaths.table import Table\n\n'
        '__all__ = ["Table"]\n'
    ),
    # an __init__ that imports from elsewhere in its library does not re-export it there
    "wbpaths/extra/__init__.py": "from wbpaths.table import Table\nfrom wbpaths.extra.tool import Tool\n",
    "wbpaths/extra/tool.py": 'class Tool:\n    """A tool."""\n',
}


@pytest.fixture
def paths(tmp_path: Path, on_path) -> dict:
    extraction = extract_written(tmp_path / "site", "wbpaths", FILES, on_path)
    return {"entities": {e.path: e for e in extraction.entities}, "aliases": set(extraction.aliases)}


def test_a_plain_module_without_all_does_not_reexport_its_imports(paths):
    table = paths["entities"]["wbpaths.table.Table"]
    assert table.public_path == "wbpaths.table.Table"
    assert paths["entities"]["wbpaths.table.Table.add_row"].public_path == "wbpaths.table.Table.add_row"
    assert ("wbpaths.box.Table", "wbpaths.table.Table") not in paths["aliases"]


def test_a_package_init_reexports_what_lives_below_it(paths):
    assert paths["entities"]["wbpaths.sub.core.Engine"].public_path == "wbpaths.Engine"
    assert ("wbpaths.Engine", "wbpaths.sub.core.Engine") in paths["aliases"]
    assert ("wbpaths.extra.Tool", "wbpaths.extra.tool.Tool") in paths["aliases"]


def test_all_is_the_contract_where_it_exists(paths):
    assert ("wbpaths.api.Table", "wbpaths.table.Table") in paths["aliases"]
    assert ("wbpaths.api.Engine", "wbpaths.sub.core.Engine") not in paths["aliases"]
    # an equally short alias never displaces the defining path
    assert paths["entities"]["wbpaths.table.Table"].public_path == "wbpaths.table.Table"


def test_an_init_importing_from_elsewhere_in_its_library_is_no_reexport(paths):
    assert ("wbpaths.extra.Table", "wbpaths.table.Table") not in paths["aliases"]

"""A package whose API lives in a compiled core is read from the stubs its distribution ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_site
from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import find_package, fingerprint

FILES = {
    "wbnative/__init__.py": (
        '"""Bindings over a compiled core."""\n\nfrom _wbnative import connect\n\n__all__ = ["connect"]\n'
    ),
    "_wbnative-stubs/__init__.pyi": (
        "class Connection:\n"
        '    def execute(self, query: str) -> Connection:\n        """Run one SQL statement."""\n\n'
        'def connect(database: str = ":memory:") -> Connection:\n    """Open a database file."""\n'
    ),
    # the compiled core itself cannot be read statically
    "_wbnative.cpython-311-x86_64-linux-gnu.so": "",
}


@pytest.fixture
def native_site(tmp_path: Path, on_path) -> Path:
    site = write_site(tmp_path / "site", "wbnative", FILES, top_level=("wbnative", "_wbnative"))
    on_path(site)
    return site


def test_companion_stubs_are_found_and_fingerprinted(native_site: Path):
    package = find_package("wbnative")
    assert package.companions == (native_site / "_wbnative-stubs",)
    before = fingerprint(package)
    (native_site / "_wbnative-stubs" / "__init__.pyi").write_text("def connect() -> None: ...\n")
    assert fingerprint(package) != before


def test_reexports_from_the_core_resolve_to_public_paths(native_site: Path):
    package = find_package("wbnative")
    extraction = extract(package, load_package(package))
    by_path = {e.path: e for e in extraction.entities}
    connect = by_path["_wbnative.connect"]
    assert connect.public_path == "wbnative.connect" and connect.library == "wbnative"
    assert connect.signature == "(database: str = ':memory:') -> Connection"
    assert connect.summary == "Open a database file."
    assert ("wbnative.connect", "_wbnative.connect") in extraction.aliases
    assert by_path["_wbnative.Connection.execute"].kind == "method"

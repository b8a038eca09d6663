"""What a public class inherits from private bases is reachable under the class, as users
write it (`pyarrow.Table.to_pandas`, defined on `pyarrow.lib._PandasConvertible`); members of
public bases keep their own path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import extract_written

FILES = {
    "wbframes/__init__.py": (
        '"""Frames."""\n\nfrom wbframes._core import Base, Batch, Child, Table\n\n'
        '__all__ = ["Base", "Batch", "Child", "Table"]\n'
    ),
    "wbframes/_core.py": (
        "class _Convertible:\n"
        '    def to_frame(self):\n        """Convert to a frame."""\n\n'
        '    def _private_helper(self):\n        """Not API."""\n\n'
        '    def __reduce__(self):\n        """Pickling, not API of each heir."""\n\n\n'
        "class _Tabular(_Convertible):\n"
        '    def filter(self, mask):\n        """Keep the rows where the mask is true."""\n\n'
        '    def to_frame(self):\n        """The tabular override."""\n\n\n'
        "class Table(_Tabular):\n"
        '    """A table."""\n\n'
        '    def filter(self, mask):\n        """Table\'s own filter."""\n\n\n'
        "class Batch(_Tabular):\n"
        '    """A batch: more members than a table."""\n\n'
        '    def one(self):\n        """One."""\n\n'
        '    def two(self):\n        """Two."""\n\n\n'
        "class Base:\n"
        '    def keep(self):\n        """Kept under Base."""\n\n\n'
        "class Child(Base):\n"
        '    """A child of a public base."""\n'
    ),
}


@pytest.fixture
def written(tmp_path: Path, on_path):
    return extract_written(tmp_path / "site", "wbframes", FILES, on_path)


@pytest.fixture
def extraction(written):
    return {e.path: e for e in written.entities}, dict(written.aliases)


def test_members_of_private_bases_are_reachable_under_the_public_class(extraction):
    entities, aliases = extraction
    # the nearest definition in the MRO: _Tabular's override, not _Convertible's
    assert aliases["wbframes._core.Table.to_frame"] == "wbframes._core._Tabular.to_frame"
    assert aliases["wbframes._core.Batch.filter"] == "wbframes._core._Tabular.filter"
    assert entities["wbframes._core._Tabular.filter"].is_public  # through Batch
    # and as users write the heir: a lookup of `wbframes.Table.to_frame` finds it
    assert aliases["wbframes.Table.to_frame"] == "wbframes._core._Tabular.to_frame"
    # the class's own member is its own, not an alias of the base's
    assert "wbframes._core.Table.filter" not in aliases
    assert entities["wbframes._core.Table.filter"].summary == "Table's own filter."


def test_the_heir_with_most_members_names_an_inherited_member(extraction):
    entities, _ = extraction
    assert entities["wbframes._core._Tabular.to_frame"].public_path == "wbframes.Batch.to_frame"


def test_private_members_and_public_bases_are_not_copied(extraction):
    entities, aliases = extraction
    assert "wbframes._core.Table._private_helper" not in aliases
    assert "wbframes._core.Table.__reduce__" not in aliases
    assert not any(alias.startswith("wbframes._core.Child.") for alias in aliases)
    assert entities["wbframes._core.Base.keep"].public_path == "wbframes.Base.keep"


def test_an_inherited_member_is_an_alias_not_a_re_export_of_its_class(written):
    edges = {(e.src, e.dst, e.relation) for e in written.edges}
    target = "wbframes._core._Tabular.filter"
    assert ("wbframes._core.Batch.filter", target, "alias_of") in edges
    assert not any(dst == target and relation == "reexports" for _, dst, relation in edges)
    # a module's re-export still is one
    assert ("wbframes", "wbframes._core.Table", "reexports") in edges

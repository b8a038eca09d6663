"""Module-level assignments and shadowing imports read as the runtime sees them
(`workbench.ingest.assignments`): an alias by assignment is an alias, an instance carries
its class's docstring, a package's `from .col import col` makes `col` the function, and a
class documented only by its `__init__` or its methods is described by them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import extract_written
from workbench.ingest.chunking import chunk_entities

FILES = {
    "wbassign/__init__.py": (
        '"""Assign."""\n\nfrom wbassign.funcs import col, lit\nfrom wbassign.hub import create_repo\n'
    ),
    # the package rebinds `col` and `lit` from the submodules to their namesakes
    "wbassign/funcs/__init__.py": "from wbassign.funcs.col import col\nfrom wbassign.funcs.lit import lit\n",
    "wbassign/funcs/col.py": (
        'class Col:\n    """Create column expressions."""\n\n'
        '    def __call__(self, name: str) -> str:\n        """A column."""\n        return name\n\n\n'
        "col = Col()\n"
    ),
    "wbassign/funcs/lit.py": 'def lit(value):\n    """A literal value."""\n    return value\n',
    "wbassign/hub.py": (
        'class Api:\n    """The hub API."""\n\n'
        '    def create_repo(self, name: str) -> None:\n        """Create a repository."""\n\n\n'
        "api = Api()\ncreate_repo = api.create_repo\n"
    ),
    # a class rebound to what a function makes of it, as transformers' auto classes
    "wbassign/auto.py": (
        "class _BaseAuto:\n    @classmethod\n    def from_pretrained(cls, name):\n"
        '        """Load a model by name."""\n\n\n'
        'def auto_class_update(cls, head_doc=""):\n    """Fill in a class\'s docstring."""\n'
        "    return cls\n\n\n"
        "class AutoModel(_BaseAuto):\n    pass\n\n\nAutoModel = auto_class_update(AutoModel)\n\n\n"
        "class AutoModelForZeroShot(_BaseAuto):\n    pass\n\n\n"
        'AutoModelForZeroShot = auto_class_update(AutoModelForZeroShot, head_doc="zero shot")\n'
    ),
    "wbassign/bars.py": (
        "import sys\n\n\n"
        'class bar_notebook:\n    """A progress bar in a notebook."""\n\n\n'
        'class SoftLock:\n    """A soft lock."""\n\n\n'
        'class UnixLock:\n    """A lock."""\n\n\n'
        "bar = bar_notebook\n"
        'if sys.platform == "win32":\n    Lock = SoftLock\nelse:\n    Lock = UnixLock\n'
        "LIMIT = 3\n"
    ),
    "wbassign/widgets.py": (
        "class Footer:\n    def __init__(self) -> None:\n"
        '        """A footer to show key bindings."""\n\n\n'
        "class Event:\n"
        '    def set(self) -> None:\n        """Set the flag, notifying all listeners."""\n\n'
        '    def wait(self) -> None:\n        """Wait until the flag has been set."""\n\n\n'
        'class Bell:\n    """Rings."""\n\n    def ring(self) -> None:\n        """Ring once."""\n'
    ),
}


@pytest.fixture
def extraction(tmp_path: Path, on_path):
    return extract_written(tmp_path / "site", "wbassign", FILES, on_path)


@pytest.fixture
def entities(extraction) -> dict:
    return {e.path: e for e in extraction.entities}


def test_a_package_importing_a_submodules_namesake_exports_the_namesake(extraction, entities):
    aliases = set(extraction.aliases)
    assert ("wbassign.lit", "wbassign.funcs.lit.lit") in aliases
    assert entities["wbassign.funcs.lit.lit"].public_path == "wbassign.lit"
    # the submodule keeps its own path instead of taking the function's
    assert entities["wbassign.funcs.lit"].public_path == "wbassign.funcs.lit"
    assert ("wbassign.col", "wbassign.funcs.col.col") in aliases


def test_an_instance_carries_its_class_docstring(entities):
    col = entities["wbassign.funcs.col.col"]
    assert (col.kind, col.public_path) == ("attribute", "wbassign.col")
    assert col.summary == "Create column expressions."
    # a documented attribute or a literal keeps what it has
    assert entities["wbassign.bars.LIMIT"].docstring == ""


def test_an_assignment_of_a_class_or_bound_method_is_an_alias(extraction, entities):
    aliases = set(extraction.aliases)
    assert "wbassign.bars.bar" not in entities
    assert ("wbassign.bars.bar", "wbassign.bars.bar_notebook") in aliases
    # an equally short alias never displaces the defining path
    assert entities["wbassign.bars.bar_notebook"].public_path == "wbassign.bars.bar_notebook"
    assert ("wbassign.hub.create_repo", "wbassign.hub.Api.create_repo") in aliases
    assert ("wbassign.create_repo", "wbassign.hub.Api.create_repo") in aliases
    # the attribute's own edges went with it: what is left of `bar` is the alias edge
    assert {e.evidence for e in extraction.edges if e.src == "wbassign.bars.bar"} == {"alias"}


def test_an_assignment_under_a_branch_stays_an_attribute(extraction, entities):
    lock = entities["wbassign.bars.Lock"]
    assert (lock.kind, lock.docstring) == ("attribute", "")
    assert not any(alias == "wbassign.bars.Lock" for alias, _ in extraction.aliases)


def test_a_class_is_documented_by_its_init_or_described_by_its_methods(extraction, entities):
    assert entities["wbassign.widgets.Footer"].summary == "A footer to show key bindings."
    texts = {c.entity_path: c.text for c in chunk_entities(extraction.entities, extraction.aliases)}
    event = texts["wbassign.widgets.Event"]
    assert "set (Set the flag, notifying all listeners.)" in event
    assert "wait (Wait until the flag has been set.)" in event
    # a documented class lists its members by name only
    assert "Members: ring" in texts["wbassign.widgets.Bell"]
    assert "(Ring once.)" not in texts["wbassign.widgets.Bell"]


def test_a_class_rebound_by_a_function_of_itself_stays_the_class(extraction, entities):
    aliases = dict(extraction.aliases)
    assert entities["wbassign.auto.AutoModel"].kind == "class"
    assert "wbassign.auto.AutoModel" not in aliases  # not `auto_class_update`
    # what it inherits from its private base is reachable under it
    assert aliases["wbassign.auto.AutoModel.from_pretrained"] == "wbassign.auto._BaseAuto.from_pretrained"
    # of heirs with as many members, the shortest names it
    inherited = entities["wbassign.auto._BaseAuto.from_pretrained"]
    assert inherited.public_path == "wbassign.auto.AutoModel.from_pretrained"

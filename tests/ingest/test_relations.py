"""Each relation is read from the fixture package (wbfixture/pool.py exercises them all)."""

from __future__ import annotations

import pytest

from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import find_package


@pytest.fixture(scope="module")
def edges():
    package = find_package("wbfixture")
    found = extract(package, load_package(package)).edges
    return {(e.src, e.relation, e.dst): e for e in found}


POOL = "wbfixture.pool"
EXPECTED = [
    # member_of: every object to its parent
    (f"{POOL}.ConnectionPool.acquire", "member_of", f"{POOL}.ConnectionPool"),
    (f"{POOL}.ConnectionPool", "member_of", POOL),
    # inherits: resolved through imports, in the package and across libraries
    (f"{POOL}.PoolTimeout", "inherits", "wbfixture._core.TransportError"),
    (f"{POOL}.ProtocolFailure", "inherits", "h11.RemoteProtocolError"),
    ("wbfixture._core.TransportError", "inherits", "builtins.Exception"),
    # returns: Optional[...] and list[...] unwrapped; a type from another library
    (f"{POOL}.ConnectionPool.acquire", "returns", f"{POOL}.SecureConnection"),
    (f"{POOL}.ConnectionPool.connections", "returns", f"{POOL}.Connection"),
    (f"{POOL}.ConnectionPool.parse_reply", "returns", "h11.Response"),
    # accepts: parameter annotations, on the method and on the class (its constructor)
    (f"{POOL}.ConnectionPool.__init__", "accepts", "wbfixture._core.Client"),
    (f"{POOL}.ConnectionPool", "accepts", "wbfixture._core.Client"),
    # raises: docstring Raises sections (google, numpy, sphinx) and `raise` statements
    (f"{POOL}.ConnectionPool.acquire", "raises", f"{POOL}.PoolTimeout"),
    (f"{POOL}.ConnectionPool.parse_reply", "raises", f"{POOL}.ProtocolFailure"),
    ("wbfixture.styles.numpy_style", "raises", "builtins.ValueError"),
    ("wbfixture.styles.sphinx_style", "raises", "builtins.ValueError"),
    # calls: callee resolved through imports, and `self.method()` through the class
    (f"{POOL}.ConnectionPool.acquire", "calls", f"{POOL}.SecureConnection"),
    (f"{POOL}.SecureConnection.open", "calls", f"{POOL}.SecureConnection.handshake"),
    ("wbfixture.styles.old_helper", "calls", "warnings.warn"),
    # overrides: a method that redefines one of a base class
    (f"{POOL}.SecureConnection.open", "overrides", f"{POOL}.Connection.open"),
    # re-exports and aliases
    ("wbfixture", "reexports", f"{POOL}.ConnectionPool"),
    ("wbfixture.ConnectionPool", "alias_of", f"{POOL}.ConnectionPool"),
    # mentions: mkdocstrings links, :class: roles and backticks in docstrings
    (POOL, "mentions", "wbfixture.Client"),
    (POOL, "mentions", f"{POOL}.PoolTimeout"),
    (f"{POOL}.ConnectionPool.connections", "mentions", f"{POOL}.ConnectionPool.acquire"),
    ("wbfixture.styles.old_helper", "mentions", "wbfixture.styles.google_style"),
]


@pytest.mark.parametrize(("src", "relation", "dst"), EXPECTED)
def test_relation_is_extracted(edges, src, relation, dst):
    assert (src, relation, dst) in edges


def test_evidence_and_weight_say_where_an_edge_was_read(edges):
    assert edges[(f"{POOL}.ConnectionPool.acquire", "raises", f"{POOL}.PoolTimeout")].evidence == "docstring"
    raised = edges[(f"{POOL}.ConnectionPool.parse_reply", "raises", f"{POOL}.ProtocolFailure")]
    assert raised.evidence == "docstring"  # also raised in source: the stronger evidence is kept
    assert edges[(f"{POOL}.ConnectionPool", "accepts", "wbfixture._core.Client")].detail == "client"
    assert all(0 < e.weight <= 1 for e in edges.values())


def test_plumbing_is_not_an_edge(edges):
    targets = {dst for _, _, dst in edges}
    assert not any(t.startswith("typing.") for t in targets)  # Optional, Union...
    assert "float" not in targets and "builtins.float" not in targets
    # a raised exception's constructor call is not also a `calls` edge
    assert (f"{POOL}.ConnectionPool.acquire", "calls", f"{POOL}.PoolTimeout") not in edges
    assert not any(src == dst for src, _, dst in edges)

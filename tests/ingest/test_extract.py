"""griffe -> entities: kinds, signatures, aliases, public paths, docstring styles."""

from __future__ import annotations

import pytest

from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import find_package


@pytest.fixture(scope="module")
def fixture_entities():
    package = find_package("wbfixture")
    extraction = extract(package, load_package(package))
    return {e.path: e for e in extraction.entities}, extraction.aliases


def test_reexported_class_gets_the_public_path(fixture_entities):
    entities, aliases = fixture_entities
    client = entities["wbfixture._core.Client"]
    assert client.public_path == "wbfixture.Client"
    assert client.is_public
    assert ("wbfixture.Client", "wbfixture._core.Client") in aliases
    assert entities["wbfixture._core.Client.fetch"].public_path == "wbfixture.Client.fetch"


def test_private_names_stay_private(fixture_entities):
    entities, _ = fixture_entities
    assert not entities["wbfixture._core.Client._reset_pool"].is_public
    assert not entities["wbfixture._core.DEFAULT_RETRIES"].is_public
    assert entities["wbfixture._core.Client.__init__"].is_public  # dunders are API


def test_kinds_and_signatures(fixture_entities):
    entities, _ = fixture_entities
    fetch = entities["wbfixture._core.Client.fetch"]
    assert fetch.kind == "method"
    assert fetch.signature == "(url: str, *, retries: int = DEFAULT_RETRIES) -> bytes"
    assert fetch.returns == "bytes"
    assert entities["wbfixture.styles"].kind == "module"
    assert entities["wbfixture._core.Client"].kind == "class"
    assert entities["wbfixture._core.Client.max_redirects"].kind == "attribute"
    assert entities["wbfixture._core.ReadTimeoutError"].bases == ["wbfixture._core.TransportError"]


def test_source_location_and_hash(fixture_entities):
    entities, _ = fixture_entities
    fetch = entities["wbfixture._core.Client.fetch"]
    assert fetch.filepath.endswith("wbfixture/_core.py")
    assert fetch.lineno and fetch.source.lstrip().startswith("def fetch")
    assert len(fetch.content_hash) == 32


@pytest.mark.parametrize(
    ("path", "style"),
    [
        ("wbfixture.styles.google_style", "google"),
        ("wbfixture.styles.numpy_style", "numpy"),
        ("wbfixture.styles.sphinx_style", "sphinx"),
    ],
)
def test_each_docstring_style_parses_into_sections(fixture_entities, path, style):
    entities, _ = fixture_entities
    entity = entities[path]
    assert entity.docstring_style == style
    kinds = [s.kind for s in entity.sections]
    assert kinds[:4] == ["text", "parameters", "returns", "raises"]
    params = next(s for s in entity.sections if s.kind == "parameters").items
    assert len(params) == 2 and params[0].description
    raises = next(s for s in entity.sections if s.kind == "raises").items
    assert raises[0].annotation in {"FileNotFoundError", "ValueError"}


def test_deprecation_is_flagged(fixture_entities):
    entities, _ = fixture_entities
    assert entities["wbfixture.styles.old_helper"].is_deprecated
    assert not entities["wbfixture.styles.google_style"].is_deprecated


def test_real_library_aliases_resolve():
    package = find_package("h11")
    extraction = extract(package, load_package(package))
    by_path = {e.path: e for e in extraction.entities}
    assert by_path["h11._connection.Connection"].public_path == "h11.Connection"
    assert by_path["h11._connection.Connection.send"].public_path == "h11.Connection.send"


def test_distribution_names_resolve_to_import_names():
    assert find_package("PyYAML").name == "yaml"


def test_public_path_goes_through_module_aliases(fixture_entities):
    # wbfixture.ui -> wbfixture._plugins.ui, whose `slider` -> wbfixture._plugins.ui._impl.slider
    entities, _ = fixture_entities
    slider = entities["wbfixture._plugins.ui._impl.slider"]
    assert slider.public_path == "wbfixture.ui.slider"
    assert slider.is_public
    init = entities["wbfixture._plugins.ui._impl.slider.__init__"]
    assert init.public_path == "wbfixture.ui.slider.__init__"


def test_test_suites_inside_packages_are_skipped(fixture_entities):
    entities, _ = fixture_entities
    assert not [p for p in entities if ".tests" in p]
    assert "wbfixture.styles" in entities


def test_a_test_named_module_is_recognised():
    from workbench.ingest.extract import is_test_module

    assert is_test_module("tests") and is_test_module("test_core") and is_test_module("conftest")
    assert not is_test_module("testing") and not is_test_module("contest")

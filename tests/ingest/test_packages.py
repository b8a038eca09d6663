"""Finding installed packages: import names, distribution names, fingerprints."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from workbench.errors import UnknownLibraryError
from workbench.ingest.packages import find_package, fingerprint, installed_packages


def test_installed_packages_ranks_depended_on_packages_first():
    names = installed_packages()
    assert {"idna", "h11", "numpy"} <= set(names)
    assert all(not n.startswith("_") for n in names)
    assert names.index("numpy") < names.index("h11")  # many packages need numpy


def test_unknown_name_suggests_close_ones():
    with pytest.raises(UnknownLibraryError, match="did you mean"):
        find_package("htpx")


def test_fingerprint_changes_with_the_sources(fixture_copy, on_path):
    on_path(fixture_copy)
    package = find_package("wbfixture")
    before = fingerprint(package)
    assert fingerprint(package) == before
    (fixture_copy / "wbfixture" / "styles.py").write_text("X = 1\n")
    assert fingerprint(package) != before


def test_names_and_installed_flag_are_exclusive(tmp_path):
    result = run_cli("ingest", "idna", "--installed", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2 and "not both" in result.output

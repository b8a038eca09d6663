"""The standard library and the builtins from typeshed's stubs, with the interpreter's
docstrings and the paths users write (`str.split`, `open`, `os.path.join`)."""

from __future__ import annotations

import platform

import pytest

from workbench.ingest.packages import find_package
from workbench.ingest.stdlib import EXCLUDED, as_written, module_names, read_stdlib, stdlib_package

SOME = ["builtins", "os", "posixpath", "genericpath", "bisect", "_bisect", "io", "_io", "math", "itertools"]


@pytest.fixture(scope="module")
def stdlib():
    package = stdlib_package()
    if package is None:
        pytest.skip("no typeshed stubs installed (jedi or mypy)")
    extraction = read_stdlib(package, SOME)
    return {e.public_path: e for e in extraction.entities}


def test_the_standard_library_is_a_package_of_the_running_python():
    package = find_package("stdlib")
    assert package.name == "stdlib" and package.version == platform.python_version()
    assert (package.path / "builtins.pyi").is_file()


def test_builtins_have_the_paths_users_write(stdlib):
    split = stdlib["str.split"]
    assert split.path == "builtins.str.split" and split.kind == "method" and split.is_public
    assert "sep" in split.signature and "substrings" in split.docstring  # from the interpreter
    assert stdlib["open"].kind == "function" and stdlib["open"].summary  # overloads only in the stub
    assert stdlib["len"].signature.startswith("(obj")


def test_c_modules_and_their_pure_python_fronts_are_read(stdlib):
    assert stdlib["math.sqrt"].summary.startswith("Return the square root")
    assert stdlib["os.chdir"].kind == "function"
    assert stdlib["os.path.join"].path == "posixpath.join"  # as written, not posixpath.join
    assert stdlib["bisect.bisect_left"].path == "_bisect.bisect_left"  # `from _bisect import *`
    assert stdlib["io.StringIO"].path == "_io.StringIO"  # `from _io import StringIO as StringIO`
    assert "itertools.groupby" in stdlib


def test_names_this_python_lacks_are_dropped(stdlib):
    import itertools

    kept = [p.split(".", 1)[1] for p in stdlib if p.count(".") == 1 and p.startswith("itertools.")]
    assert kept and all(hasattr(itertools, name) for name in kept)


def test_module_names_follow_the_interpreter_and_star_imports():
    names = module_names(stdlib_package().path)
    assert {"os", "json", "builtins", "itertools", "_io"} <= set(names)
    assert not set(names) & EXCLUDED and "typing_extensions" not in names
    assert names.index("_bisect") < names.index("bisect") and names.index("posixpath") < names.index("os")


def test_as_written_leaves_other_paths_alone():
    assert as_written("json.loads", "json.loads", set()) == "json.loads"
    assert as_written("posixpath.sep", "posixpath.sep", set()) == "posixpath.sep"

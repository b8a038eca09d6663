"""Compiled modules read at run time (`workbench.ingest.compiled`), on a package with real
extension modules built here with the machine's C compiler: one with neither source nor
stub (as pyarrow's `lib`), one whose stub has no docstrings (as `_duckdb`), a module that
makes functions while it runs (as `pyarrow.compute`), and one whose import kills its
process."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sysconfig
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import write_site
from workbench.ingest.compiled import IMPORT_COMPILED_ENV
from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import find_package

MODULE_C = """
#include <Python.h>
{functions}
static PyMethodDef methods[] = {{{table} {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}", {doc}, -1, methods}};
PyMODINIT_FUNC PyInit_{name}(void) {{
    {init} PyObject *m = PyModule_Create(&module); {values} return m;
}}
"""
FUNCTION_C = "static PyObject *{name}(PyObject *self, PyObject *args) {{ Py_RETURN_NONE; }}\n"


#: module values whose repr differs from one process to the next: an address, a set's order
VALUES_C = """
    PyModule_AddObject(m, "HANDLE", PyCapsule_New((void *)&module, NULL, NULL));
    PyObject *words = Py_BuildValue("(sssss)", "year", "month", "day", "hour", "minute");
    PyModule_AddObject(m, "UNITS", PyFrozenSet_New(words));
"""


def _module_c(name: str, functions: dict[str, str], doc: str = "NULL", **parts: str) -> str:
    table = "".join(f'{{"{f}", {f}, METH_VARARGS, {text}}},' for f, text in functions.items())
    body = "".join(FUNCTION_C.format(name=f) for f in functions)
    parts = {"init": "", "values": ""} | parts  # C run before and after the module is made
    return MODULE_C.format(functions=body, table=table, name=name, doc=doc, **parts)


SOURCES = {
    # neither source nor stub: only importing it tells what it holds
    "_core": _module_c(
        "_core",
        {
            "spaced": '"spaced(start, stop)\\n--\\n\\nEvenly spaced numbers between two bounds."',
            "_hidden": '"A private helper."',
        },
        doc='"The compiled core."',
        values=VALUES_C,
    ),
    # a stub declares it, without docstrings
    "_stubbed": _module_c(
        "_stubbed",
        {
            "scale": '"scale(x)\\n--\\n\\nMultiply a number by two."',
            "twice": '"twice(x, /, factor=2)\\n--\\n\\nRepeat a value."',
        },
    ),
}
FILES = {
    "wbcompiled/__init__.py": '"""A compiled core."""\n\nfrom wbcompiled._core import spaced\n',
    # a plain module that is the public face of a compiled one
    "wbcompiled/grid.py": "from wbcompiled._core import spaced  # noqa: F401\n",
    # numpy's stubs declare functions as typed attributes: `zeros: Final[_ConstructorEmpty]`
    "wbcompiled/_stubbed.pyi": "def scale(x: float) -> float: ...\n\ntwice: object\nLIMIT: int\n",
    "wbcompiled/generated.py": (
        "def _make(name):\n"
        "    def function(x):\n"
        "        return x\n"
        "    function.__name__ = function.__qualname__ = name\n"
        "    function.__doc__ = f'Apply {name} to a value.'\n"
        "    return function\n\n\n"
        "for _name in ('double', 'halve'):\n"
        "    globals()[_name] = _make(_name)\n"
    ),
}


def _compile(folder: Path, name: str, source: str) -> None:
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler (Debian's gcc) is needed to build this test's extension modules"
    c_file = folder / f"{name}.c"
    c_file.write_text(source)
    out = folder / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    command = [compiler, "-shared", "-fPIC", "-O0", f"-I{include}", str(c_file), "-o", str(out)]
    subprocess.run(command, check=True)
    c_file.unlink()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("compiled") / "site", "wbcompiled", FILES)
    for name, source in SOURCES.items():
        _compile(site / "wbcompiled", name, source)
    crash = write_site(site, "wbcrash", {"wbcrash/__init__.py": "from wbcrash._core import boom\n"})
    _compile(crash / "wbcrash", "_core", _module_c("_core", {"boom": '"Never read."'}, init="abort();"))
    return site


def _entities(site: Path, on_path, name: str = "wbcompiled", **changes) -> dict:
    on_path(site)
    package = replace(find_package(name), **changes)
    return {e.path: e for e in extract(package, load_package(package)).entities}


def test_a_compiled_module_without_source_or_stub_is_read_by_importing_it(site, on_path):
    entities = _entities(site, on_path)
    spaced = entities["wbcompiled._core.spaced"]
    assert spaced.kind == "function"
    assert spaced.summary == "Evenly spaced numbers between two bounds."
    assert "start" in spaced.signature and "stop" in spaced.signature  # from the text signature
    assert spaced.public_path == "wbcompiled.spaced"  # the package's re-export resolves now
    assert entities["wbcompiled._core"].summary == "The compiled core."
    assert not entities["wbcompiled._core._hidden"].is_public


def test_values_read_at_run_time_are_the_same_in_every_process(site, on_path):
    # an address and a set's order (string hashing) differ per process; each `_entities`
    # starts a child of its own, so the two reads are two processes
    reads = [_entities(site, on_path) for _ in range(2)]
    handle, units = (reads[0][f"wbcompiled._core.{name}"].signature for name in ("HANDLE", "UNITS"))
    assert "<capsule object NULL>" in handle and "0x" not in handle
    assert "frozenset({'day', 'hour', 'minute', 'month', 'year'})" in units
    hashes = [{n: r[f"wbcompiled._core.{n}"].content_hash for n in ("HANDLE", "UNITS")} for r in reads]
    assert hashes[0] == hashes[1] and all(hashes[0].values())


def test_a_plain_module_that_imports_from_a_compiled_one_is_its_public_face(site, on_path):
    on_path(site)
    package = find_package("wbcompiled")
    extraction = extract(package, load_package(package))
    assert ("wbcompiled.grid.spaced", "wbcompiled._core.spaced") in extraction.aliases


def test_a_stubbed_compiled_object_gets_the_docstring_it_carries_at_run_time(site, on_path):
    scale = _entities(site, on_path)["wbcompiled._stubbed.scale"]
    assert scale.summary == "Multiply a number by two."
    assert "x: float" in scale.signature  # the stub's signature is kept


def test_a_function_a_stub_declares_as_an_attribute_is_a_function(site, on_path):
    entities = _entities(site, on_path)
    twice = entities["wbcompiled._stubbed.twice"]
    assert twice.kind == "function" and "factor=2" in twice.signature
    assert twice.summary == "Repeat a value."
    assert entities["wbcompiled._stubbed.LIMIT"].kind == "attribute"  # not there at run time


def test_functions_a_module_makes_while_it_runs_are_indexed(site, on_path):
    entities = _entities(site, on_path)
    assert entities["wbcompiled.generated.double"].summary == "Apply double to a value."
    assert entities["wbcompiled.generated.halve"].is_public
    assert "wbcompiled.generated._make" in entities  # the source's own function, read statically


def test_a_package_given_as_a_wheel_is_never_imported(site, on_path):
    entities = _entities(site, on_path, origin="wheel wbcompiled-1.0-cp311-linux_x86_64.whl")
    assert "wbcompiled._core.spaced" not in entities
    assert entities["wbcompiled._stubbed.scale"].summary == ""  # the stub alone
    assert "wbcompiled.generated.double" not in entities


def test_the_runtime_read_can_be_turned_off(site, on_path, monkeypatch):
    monkeypatch.setenv(IMPORT_COMPILED_ENV, "0")
    assert "wbcompiled._core.spaced" not in _entities(site, on_path)


def test_a_module_whose_import_kills_the_process_costs_only_its_runtime_read(site, on_path, caplog):
    with caplog.at_level(logging.WARNING, logger="workbench.ingest.compiled"):
        entities = _entities(site, on_path, name="wbcrash")
    assert "wbcrash" in entities  # the static read is whole
    assert "wbcrash._core.boom" not in entities
    assert any("reading wbcrash's compiled modules failed" in r.getMessage() for r in caplog.records)


def test_discover_measures_a_package_without_running_it(site, on_path, monkeypatch):
    from workbench.ingest import compiled
    from workbench.libraries.discover import measure

    def refuse(*args, **kwargs):
        raise AssertionError("discover imported the package's compiled modules")

    monkeypatch.setattr(compiled, "_run_reader", refuse)
    on_path(site)
    assert measure(find_package("wbcompiled")) is not None

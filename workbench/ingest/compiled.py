"""What an installed package's compiled modules say only at run time.

A static read (griffe, no import) misses two things of compiled code:

- **Modules with neither source nor stubs.** pyarrow's `Table`, `array`, `schema` and
  `csv.read_csv` live in Cython modules (`pyarrow/lib.*.so`, `pyarrow/_csv.*.so`) that
  ship no `.pyi`: without them, `from pyarrow.lib import Table` points at nothing.
- **Names made at import time.** `pyarrow.compute.sum` and 300 more are made when
  `pyarrow.compute` runs, from the C++ function registry: its source never shows them.
- **Functions declared as attributes.** numpy's stubs declare `zeros`, `empty` and the
  ufuncs (`sin`) as typed attributes; at run time they are functions, with a signature.
- **Docstrings of compiled objects.** Stubs (`_duckdb-stubs`, numpy's
  `random/_generator.pyi`) give signatures but rarely docstrings; the compiled objects
  carry theirs (`duckdb.connect`, `numpy.random.default_rng`).

Both are read by importing the compiled modules in a child process
(`workbench.ingest.runtime_reader`, griffe's own inspector for the first) with a time limit,
and only for packages installed in this environment (`origin == "installed"`): a wheel
given to `workbench add` is never imported, and `$WORKBENCH_IMPORT_COMPILED=0` turns the
whole step off. Whatever the child cannot read is left as the static read found it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import griffe

from workbench.ingest.extract import is_test_module
from workbench.ingest.packages import InstalledPackage, extension_suffix
from workbench.ingest.stub_extensions import clean_docstring

log = logging.getLogger(__name__)

#: `0`, `no`, `off` or `false` reads compiled modules statically only (never imports them)
IMPORT_COMPILED_ENV = "WORKBENCH_IMPORT_COMPILED"
#: seconds the child may take for one package before its reading is given up
TIMEOUT_S = 300.0
#: the child: this workbench's reader, found after everything else on the path (nothing
#: of the package's is shadowed), run in an empty folder
_CHILD = (
    f"import sys; sys.path.append({str(Path(__file__).resolve().parents[2])!r}); "
    "from workbench.ingest.runtime_reader import main; sys.exit(main(sys.argv[1:]))"
)


def import_compiled_enabled() -> bool:
    return os.environ.get(IMPORT_COMPILED_ENV, "1").strip().lower() not in ("0", "no", "off", "false")


def read_compiled(package: InstalledPackage, collection: griffe.ModulesCollection, roots: list) -> None:
    """Attach the package's unread compiled modules to the loaded trees and give its objects
    without a docstring the one they carry at run time (see the module's docstring); only
    for installed packages that ship compiled modules."""
    if package.origin != "installed" or not import_compiled_enabled():
        return
    if not has_compiled_modules(package):
        return
    unread = list(unread_compiled_modules(package, collection))
    undocumented = {f"{module}:{qualname}": obj for obj, module, qualname in undocumented_objects(roots)}
    if not unread and not undocumented:
        return
    attributes = list(module_attributes(roots))
    request = {
        "search_path": str(package.search_path),
        "inspect": unread,
        "docstrings": [key.split(":", 1) for key in undocumented],
        "made_at_import": {module.path: sorted(module.members) for module in public_modules(roots)},
        # module-level attributes that may be functions at run time (numpy's `zeros`, `sin`)
        "callables": [[module.path, name] for module, name, _ in attributes],
    }
    result = _run_reader(package, request)
    if result is None:
        return
    for name, data in result.get("modules", {}).items():
        if data is None:
            continue
        try:
            _attach(collection, name, json.loads(data, object_hook=griffe.json_decoder))
        except Exception as error:  # griffe's decoder or a parent that went away
            log.info("%s: compiled module %s not attached: %s", package.name, name, error)
    for name, (data, names) in result.get("made_at_import", {}).items():
        with contextlib.suppress(Exception):  # griffe's decoder; the module is as read
            inspected = json.loads(data, object_hook=griffe.json_decoder)
            _add_members(collection.get_member(name), inspected, names)
    for name, error in result.get("errors", {}).items():
        log.info("%s: compiled module %s not read: %s", package.name, name, error)
    for key, text in result.get("docstrings", {}).items():
        obj = undocumented.get(key)
        if obj is not None and obj.docstring is None and (cleaned := clean_docstring(text)):
            obj.docstring = griffe.Docstring(cleaned, parent=obj)
    callables = result.get("callables", {})
    for module, name, attribute in attributes:
        if (parameters := callables.get(f"{module.path}:{name}")) is not None:
            with contextlib.suppress(Exception):  # an answer griffe cannot take: stays as read
                _as_function(attribute, parameters)


def extension_files(package: InstalledPackage) -> Iterator[tuple[Path, str]]:
    """(file, suffix) of each extension module under the package's and its siblings' folders."""
    for folder in (p for p in (package.path, *package.sibling_paths()) if p.is_dir()):
        for file in sorted(folder.rglob("*")):
            if (suffix := extension_suffix(file.name)) is not None and file.is_file():
                yield file, suffix


def unread_compiled_modules(package: InstalledPackage, collection: griffe.ModulesCollection) -> Iterator[str]:
    """Dotted names of the package's extension modules that the static read did not load
    (no source, no stub), under a package it did load; tests left out."""
    for file, suffix in extension_files(package):
        parts = [*file.relative_to(package.search_path).parent.parts, file.name[: -len(suffix)]]
        if not all(p.isidentifier() for p in parts) or any(_is_tests(p) for p in parts):
            continue
        name = ".".join(parts)
        if _loaded(collection, name) or not _loaded(collection, ".".join(parts[:-1])):
            continue
        yield name


def modules(roots: list) -> Iterator[griffe.Object]:
    """Every module of the trees, test modules (and what is below them) left out."""
    stack = [root for root in roots if root.is_module]
    while stack:
        module = stack.pop()
        yield module
        stack.extend(
            member
            for name, member in module.members.items()
            if not member.is_alias and member.is_module and not is_test_module(name)
        )


def undocumented_objects(roots: list) -> Iterator[tuple[griffe.Object, str, str]]:
    """(object, module, qualified name) of each class, function or attribute without a
    docstring, outside test modules."""
    for module in modules(roots):
        stack = [member for member in module.members.values() if not member.is_alias and not member.is_module]
        while stack:
            obj = stack.pop()
            if obj.docstring is None:
                yield obj, module.path, obj.path[len(module.path) + 1 :]
            if obj.is_class:
                stack.extend(member for member in obj.members.values() if not member.is_alias)


def public_modules(roots: list) -> Iterator[griffe.Object]:
    """The modules of the trees whose dotted names have no private or test part."""
    for module in modules(roots):
        if not any(p.startswith("_") or _is_tests(p) for p in module.path.split(".")):
            yield module


def has_compiled_modules(package: InstalledPackage) -> bool:
    """Whether the package, its siblings or its companion stubs' distribution ship
    extension modules (`.so`, `.pyd`)."""
    # companion stubs (`_duckdb-stubs`) are those of a compiled core
    return bool(package.companions) or next(extension_files(package), None) is not None


def _is_tests(part: str) -> bool:
    """A part of a module name that says it is the package's own tests (`_multiarray_tests`)."""
    return is_test_module(part) or part.endswith("_tests") or part == "testing"


def _loaded(collection: griffe.ModulesCollection, name: str) -> bool:
    try:
        collection.get_member(name)
    except Exception:  # griffe raises KeyError, or an alias error on the way
        return False
    return True


def _attach(collection: griffe.ModulesCollection, name: str, module: griffe.Module) -> None:
    parent_name, _, short = name.rpartition(".")
    module.name = short
    if parent_name:
        collection.get_member(parent_name).set_member(short, module)
    else:
        collection.set_member(short, module)


def module_attributes(roots: list) -> Iterator[tuple[griffe.Object, str, griffe.Object]]:
    """(module, name, attribute) of each module-level attribute the trees declare without
    a value (a stub's `zeros: Final[_ConstructorEmpty]`)."""
    for module in modules(roots):
        for name, member in module.members.items():
            if member.is_alias or not member.is_attribute:
                continue
            if str(getattr(member, "value", None) or "...") == "...":
                yield module, name, member  # declared, not assigned (`x = other` is an alias)


def _as_function(attribute: griffe.Object, parameters: list[list]) -> None:
    """Replace a module attribute that is a function at run time by one with the runtime's
    parameters (numpy's stubs declare `zeros: Final[_ConstructorEmpty]`)."""
    kinds = griffe.ParameterKind
    module = attribute.parent
    function = griffe.Function(
        attribute.name,
        parent=module,  # before it replaces the attribute: griffe moves its aliases over then
        lineno=attribute.lineno,
        endlineno=attribute.endlineno,
        parameters=griffe.Parameters(
            *(griffe.Parameter(name, kind=kinds(kind), default=default) for name, kind, default in parameters)
        ),
    )
    if attribute.docstring is not None:
        function.docstring = griffe.Docstring(attribute.docstring.value, parent=function)
    module.set_member(attribute.name, function)  # type: ignore[union-attr]


def _add_members(module: griffe.Object, inspected: griffe.Object, names: list[str]) -> None:
    """The members a module makes at import time, from its inspected twin."""
    for name in names:
        if name in inspected.members and name not in module.members:
            member = inspected.members[name]
            if not member.is_alias:
                module.set_member(name, member)


def _run_reader(package: InstalledPackage, request: dict) -> dict | None:
    """The child's answer, or None (and a note in the log) if it failed or ran out of time."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory(prefix="workbench-runtime-") as tmp:
        request_file, result_file = Path(tmp) / "request.json", Path(tmp) / "result.json"
        request_file.write_text(json.dumps(request))
        command = [sys.executable, "-c", _CHILD, str(request_file), str(result_file)]
        try:
            done = subprocess.run(
                command, cwd=tmp, env=env, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace",
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            note = "note: reading %s's compiled modules took over %.0f s; read statically"
            log.warning(note, package.name, TIMEOUT_S)
            return None
        if done.returncode != 0 or not result_file.is_file():
            last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
            note = "note: reading %s's compiled modules failed (%s); read statically"
            log.warning(note, package.name, last[:200])
            return None
        return json.loads(result_file.read_text())

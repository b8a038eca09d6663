"""The standard library and the builtins as one library, `stdlib`, from typeshed's stubs.

The stubs (typeshed, as jedi or mypy ship it) hold the whole API with types, C modules
(`math`, `itertools`, `_io` behind `io`) and the builtins (`str`, `open`) included, but
no docstrings: those come from the running interpreter, whose standard library is the one
the user has (importing its own modules runs nothing of a third party). Only modules and
module-level names the running Python has are kept (the stubs cover every version).
Builtins get the paths users write: `str.split`, `open`, not `builtins.str.split`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import platform
import re
import sys
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import griffe

from workbench.errors import LibraryLoadError
from workbench.ingest.extract import Extraction, content_hash, extract
from workbench.ingest.identifiers import is_public_path
from workbench.ingest.packages import InstalledPackage
from workbench.ingest.stub_extensions import OverloadsOnly

#: the library name the standard library is indexed under
STDLIB = "stdlib"

#: modules left out: side effects on import, GUI toolkits, tooling and test suites
EXCLUDED = frozenset(
    {
        "__main__",
        "antigravity",
        "this",
        "idlelib",
        "turtledemo",
        "turtle",
        "tkinter",
        "_tkinter",
        "lib2to3",
        "ensurepip",
        "pydoc_data",
        "test",
        "_typeshed",
        "distutils",
        "msilib",
        "xxlimited",
        "encodings",  # one module per codec: 1,600 entities nobody looks up
        # Windows only: the running Python is not
        "ntpath",
        "nturl2path",
        "msvcrt",
        "winreg",
        "winsound",
        "_winapi",
        "nt",
    }
)

_IMPORTS = re.compile(r"^\s*(?:from\s+(_\w+)[\s.]|import\s+(_\w+))", re.MULTILINE)
_WILDCARD = re.compile(r"^\s*from\s+(\w+)(?:\.\w+)*\s+import\s+\*", re.MULTILINE)


def typeshed_stdlib() -> Path | None:
    """typeshed's `stdlib` folder from an installed package that ships it (jedi, mypy)."""
    for package, relative in (("jedi", "third_party/typeshed/stdlib"), ("mypy", "typeshed/stdlib")):
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location) / relative
            if (folder / "builtins.pyi").is_file():
                return folder
    return None


def is_stdlib(package: InstalledPackage) -> bool:
    """Whether a package is the standard library (see `stdlib_package`)."""
    return package.name == STDLIB


def stdlib_package() -> InstalledPackage | None:
    """The standard library as a package: version = the running Python's; None without stubs."""
    folder = typeshed_stdlib()
    if folder is None:
        return None
    return InstalledPackage(STDLIB, "python", platform.python_version(), folder, folder)


def module_names(folder: Path) -> list[str]:
    """Top-level modules to index: the running Python's standard library that has stubs,
    less `EXCLUDED`; private modules (`_io`) only where a public one imports from them."""
    names = {p.stem for p in folder.glob("*.pyi")} | {
        p.name for p in folder.iterdir() if (p / "__init__.pyi").is_file()
    }
    wanted = sorted(n for n in names & set(sys.stdlib_module_names) if n not in EXCLUDED)
    public = [n for n in wanted if not n.startswith("_")]
    used: set[str] = set()
    for name in public:
        used.update(a or b for a, b in _IMPORTS.findall(_stub_text(folder, name)))
    chosen = public + sorted(n for n in wanted if n.startswith("_") and n in used)
    return _wildcard_order(folder, chosen)


def _stub_text(folder: Path, name: str) -> str:
    single = folder / f"{name}.pyi"
    files = [single] if single.is_file() else sorted((folder / name).rglob("*.pyi"))
    return "\n".join(file.read_text(errors="replace") for file in files)


def _wildcard_order(folder: Path, names: list[str]) -> list[str]:
    """`names` with each module after those it star-imports from (`bisect` after
    `_bisect`, `os` after `posixpath`): griffe expands a wildcard only from a loaded module."""
    chosen = set(names)
    needs = {
        n: [m for m in _WILDCARD.findall(_stub_text(folder, n)) if m in chosen and m != n] for n in names
    }
    ordered: list[str] = []
    placed: set[str] = set()

    def place(name: str, path: tuple[str, ...]) -> None:
        if name in placed or name in path:
            return
        for dependency in needs[name]:
            place(dependency, (*path, name))
        placed.add(name)
        ordered.append(name)

    for name in names:
        place(name, ())
    return ordered


def read_stdlib(package: InstalledPackage, only: list[str] | None = None) -> Extraction:
    """Load the stubs with griffe, fill docstrings from the interpreter, extract entities.

    Args:
        package: what `stdlib_package` returns.
        only: these top-level modules instead of every one (`module_names`).

    Raises:
        LibraryLoadError: griffe cannot read the stubs.
    """
    names = _wildcard_order(package.path, only) if only else module_names(package.path)
    with tempfile.TemporaryDirectory(prefix="workbench-stdlib-") as tmp:
        # griffe finds `x.py` and packages, not a lone `x.pyi`: link each stub under a name it finds
        root = Path(tmp)
        for name in names:
            single = package.path / f"{name}.pyi"
            (root / (f"{name}.py" if single.is_file() else name)).symlink_to(
                single if single.is_file() else package.path / name
            )
        loader = griffe.GriffeLoader(
            search_paths=[root],
            allow_inspection=False,
            store_source=True,
            extensions=griffe.Extensions(OverloadsOnly()),
        )
        trees = []
        for name in names:
            try:
                tree = loader.load(name, try_relative_path=False)
            except Exception:  # one unreadable stub costs its module, not the library
                continue
            trees.append(tree)
        if not any(t.name == "builtins" for t in trees):
            raise LibraryLoadError(f"griffe cannot read the builtins stub in {package.path}")
        for tree in trees:
            _fill_from_runtime(tree)
        extraction = extract(replace(package, search_path=root), trees)
    aliases = {alias for alias, _ in extraction.aliases}
    for entity in extraction.entities:
        if entity.filepath.endswith(".py") and not entity.filepath.startswith("/"):
            entity.filepath += "i"  # the link's name: the stub is `x.pyi`
        written = as_written(entity.path, entity.public_path, aliases)
        if written != entity.public_path:
            entity.public_path = written
            entity.is_public = is_public_path(written)
            entity.content_hash = content_hash(entity)
    return extraction


#: modules whose names people write through another: `os.path.join`, not `posixpath.join`
WRITTEN_AS = {"posixpath": "os.path", "genericpath": "os.path"}


def as_written(path: str, public_path: str, aliases: set[str]) -> str:
    """The path as users write it: builtins without `builtins.`, `os.path` for `posixpath`.

    >>> as_written("builtins.str.split", "builtins.str.split", set())
    'str.split'
    >>> as_written("posixpath.join", "posixpath.join", {"os.path.join"})
    'os.path.join'
    """
    if path == "builtins" or path.startswith("builtins."):
        return path.removeprefix("builtins.")
    root, _, rest = public_path.partition(".")
    if root in WRITTEN_AS and rest:
        candidate = f"{WRITTEN_AS[root]}.{rest}"
        if candidate in aliases or candidate.rsplit(".", 1)[0] in aliases:
            return candidate
    return public_path


def _runtime_module(name: str) -> ModuleType | None:
    """The interpreter's own module, imported quietly; None if it has none of that name."""
    if name.split(".", 1)[0] in EXCLUDED:
        return None
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(name)
        except Exception:  # a module of another platform or version
            return None


def _fill_from_runtime(module: griffe.Object) -> None:
    """Docstrings from the interpreter for a module tree; module-level names the running
    Python lacks (stubs of other versions and platforms) are dropped."""
    runtime = _runtime_module(module.path)
    if runtime is None:
        return
    _set_docstring(module, runtime.__doc__)
    for name, member in list(module.members.items()):
        if member.is_alias:
            continue
        if member.is_module:
            _fill_from_runtime(member)
            continue
        if not hasattr(runtime, name):
            if member.is_class or member.is_function or name.startswith("_"):
                del module.members[name]  # another version's, or the stub's own `_T`
            continue
        value = getattr(runtime, name)
        if member.is_attribute and (inspect.isroutine(value) or inspect.isclass(value)):
            _set_docstring(member, value.__doc__)  # `shutil.rmtree: _RmtreeType` in the stub
        _fill_object(member, value)


def _fill_object(obj: griffe.Object, value: object) -> None:
    if obj.is_class and inspect.isclass(value):
        _set_docstring(obj, value.__dict__.get("__doc__"))
        for name, member in obj.members.items():
            if not member.is_alias and (member.is_function or member.is_class) and hasattr(value, name):
                _fill_object(member, getattr(value, name, None))
    elif obj.is_function and callable(value):
        _set_docstring(obj, getattr(value, "__doc__", None))


def _set_docstring(obj: griffe.Object, text: object) -> None:
    if obj.docstring is None and isinstance(text, str) and text.strip():
        obj.docstring = griffe.Docstring(inspect.cleandoc(text), parent=obj)

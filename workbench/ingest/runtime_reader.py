"""The child process that reads compiled modules at run time, for `workbench.ingest.compiled`.

`python -m workbench.ingest.runtime_reader REQUEST RESULT`: REQUEST is a JSON file
`{"search_path": "...", "inspect": [module, ...], "docstrings": [[module, qualname], ...],
"made_at_import": {module: [name its source shows, ...]}, "callables": [[module, qualname],
...]}`; RESULT receives `{"modules": {module: griffe JSON | null}, "errors": {module: "..."},
"docstrings": {"module:qualname": text}, "made_at_import": {module: [griffe JSON, [new
name, ...]]}, "callables": {"module:qualname": [[name, kind, default], ...]}}`.

It runs apart from the ingest because it imports the package: a compiled module that
crashes, hangs or prints costs this process, not the ingest (the parent's timeout ends it).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import griffe

#: kinds whose JSON griffe's decoder reads with a `lineno` (inspected objects have none)
_NEEDS_LINENO = frozenset({"module", "class", "function", "attribute", "type alias", "alias"})
#: keys of griffe's JSON whose strings are reprs of runtime values
_REPR_KEYS = frozenset({"value", "default"})
#: " at 0x7f..." in a repr: the object's address in this process
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: the items of a set's repr (`{...}` alone or in `frozenset(...)`), when they hold no
#: brackets and no dict's colons
_SET = re.compile(r"(?:(?<=set\()|^)\{[^{}()\[\]:]+\}(?=\)|$)")


def inspected_module(name: str) -> str:
    """griffe's tree of a compiled module, by inspection, as griffe's JSON."""
    module = griffe.inspect(name)
    spec = importlib.util.find_spec(name)
    if spec is not None and spec.origin:
        module._filepath = Path(spec.origin)  # griffe cannot serialize a module without a file
    return json.dumps(_portable(module.as_dict(full=True)), cls=griffe.JSONEncoder)


def _portable(data: Any) -> Any:
    """griffe's JSON of an inspected module as its decoder reads it (a `lineno` on every
    object, which inspected ones lack) and the same in every process (`stable_repr` on
    the values' reprs)."""
    if isinstance(data, dict):
        kind = data.get("kind")
        if isinstance(kind, str) and kind in _NEEDS_LINENO:
            data.setdefault("lineno", None)
        return {
            key: stable_repr(value) if key in _REPR_KEYS and isinstance(value, str) else _portable(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_portable(value) for value in data]
    return data


def stable_repr(text: str) -> str:
    """A value's repr without what differs from one process to the next: memory addresses
    (`<capsule object NULL at 0x7f...>`) and the order of a set's items, which follows
    string hashing (`frozenset({'b', 'a'})`). Without it, every re-read of a package
    that holds such values sees them changed and embeds their chunks again.

    >>> stable_repr("<capsule object NULL at 0x7f3a2c1b9e40>")
    '<capsule object NULL>'
    >>> stable_repr("frozenset({'month', 'day', 'year'})")
    "frozenset({'day', 'month', 'year'})"
    >>> stable_repr("frozenset({'b, c', 'a'})")
    "frozenset({'a', 'b, c'})"
    >>> stable_repr("{3, 1, 2}")
    '{1, 2, 3}'
    >>> stable_repr("{'b': 1, 'a': 2}")
    "{'b': 1, 'a': 2}"
    """
    return _SET.sub(_sorted_set, _ADDRESS.sub("", text))


def _sorted_set(match: re.Match[str]) -> str:
    try:
        items = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError, MemoryError, RecursionError):  # not literals: left as is
        return match.group(0)
    return "{" + ", ".join(sorted(repr(item) for item in items)) + "}"


def names_made_at_import(module: str, static_names: set[str]) -> list[str]:
    """Public functions and classes a module defines while it runs that its source does
    not show (pyarrow's `compute.sum`, made from the C++ function registry)."""
    runtime = importlib.import_module(module)
    return sorted(
        name
        for name, value in vars(runtime).items()
        if name not in static_names
        and not name.startswith("_")
        and (inspect.isroutine(value) or inspect.isclass(value))
        and getattr(value, "__module__", None) == module
    )


def _lookup(module: str, qualname: str) -> object:
    """The running object at `module:qualname`; a class's members as its `__dict__` holds
    them (the `classmethod` itself, not the bound method)."""
    value: object = importlib.import_module(module)
    for part in qualname.split("."):
        value = inspect.getattr_static(value, part) if inspect.isclass(value) else getattr(value, part)
    return value


def runtime_docstring(module: str, qualname: str) -> str | None:
    """The docstring the running object carries, if it is its own: a class's, a routine's,
    a descriptor's, or an instance's that differs from its type's (numpy's ufuncs)."""
    value = _lookup(module, qualname)
    if inspect.isclass(value):
        text = value.__dict__.get("__doc__")
    elif inspect.isroutine(value) or inspect.isdatadescriptor(value) or inspect.ismethoddescriptor(value):
        text = getattr(value, "__doc__", None)
    else:
        text = getattr(value, "__doc__", None)
        if text == getattr(type(value), "__doc__", None):
            return None
    if isinstance(value, (classmethod, staticmethod)):
        text = getattr(value.__func__, "__doc__", None)
    return text if isinstance(text, str) and text.strip() else None


def runtime_parameters(module: str, qualname: str) -> list[list] | None:
    """[name, kind, default] of each parameter, if the object is a routine or a callable
    instance with a signature (numpy's `zeros`, its ufuncs), and not a class."""
    value = _lookup(module, qualname)
    if inspect.isclass(value) or not callable(value):
        return None
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):  # no text signature
        return None
    return [
        # griffe's `ParameterKind` names the kinds as `inspect` does, in lower case
        [p.name, griffe.ParameterKind[p.kind.name.lower()].value, _default(p)]
        for p in signature.parameters.values()
    ]


def _default(parameter: inspect.Parameter) -> str | None:
    return None if parameter.default is parameter.empty else stable_repr(repr(parameter.default))


def read(request: dict) -> dict:
    search_path = request.get("search_path")
    if search_path and search_path not in sys.path:
        sys.path.append(search_path)
    modules: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    docstrings: dict[str, str] = {}
    for name in request.get("inspect", []):
        try:
            modules[name] = inspected_module(name)
        except BaseException as error:
            modules[name] = None
            errors[name] = f"{type(error).__name__}: {str(error).strip()[:200]}"
    made: dict[str, list] = {}
    for module, static_names in request.get("made_at_import", {}).items():
        with contextlib.suppress(BaseException):
            if names := names_made_at_import(module, set(static_names)):
                made[module] = [inspected_module(module), names]
    for module, qualname in request.get("docstrings", []):
        with contextlib.suppress(BaseException):
            text = runtime_docstring(module, qualname)
            if text:
                docstrings[f"{module}:{qualname}"] = text
    callables: dict[str, list] = {}
    for module, qualname in request.get("callables", []):
        with contextlib.suppress(BaseException):
            parameters = runtime_parameters(module, qualname)
            if parameters is not None:
                callables[f"{module}:{qualname}"] = parameters
    return {
        "modules": modules,
        "errors": errors,
        "docstrings": docstrings,
        "made_at_import": made,
        "callables": callables,
    }


def main(argv: list[str]) -> int:
    request_file, result_file = argv
    request = json.loads(Path(request_file).read_text())
    # what the package prints or warns while it is imported is not the result
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        result = read(request)
    Path(result_file).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""griffe extensions for APIs whose Python source does not say all: stubs that declare a
function only as overloads, and docstrings a package attaches at import time.

- **Overloads only.** A stub (`.pyi`) declares `open`, `str.split` or numpy's `arange`
  and `array` only as `@overload`s, which griffe keeps beside the members: the last
  overload (the most general, by typeshed's and numpy's habit) becomes the member, as
  each module or class is visited (so that star imports, expanded once the package is
  loaded, take it along).
- **`add_newdoc`.** numpy documents its compiled functions and classes from Python,
  `add_newdoc('numpy._core.multiarray', 'arange', \"\"\"...\"\"\")` and
  `add_newdoc('numpy._core.multiarray', 'ndarray', ('reshape', \"\"\"...\"\"\"))`, run at
  import time. Read statically (string literals only; nothing is imported), each such
  call gives its target its docstring once the package is loaded, if it has none.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
from collections.abc import Iterator

import griffe

#: names of the functions that attach a docstring to `module.name` (or its member)
DOC_ATTACHERS = frozenset({"add_newdoc"})


class OverloadsOnly(griffe.Extension):
    """Promotes the last overload of a name that has no implementation to a member."""

    def on_members(self, *, obj: griffe.Object, **kwargs: object) -> None:
        for name, overloads in list(getattr(obj, "overloads", {}).items()):
            if name not in obj.members and overloads:
                obj.set_member(name, overloads[-1])


class AttachedDocstrings(griffe.Extension):
    """Collects `add_newdoc(...)` calls of each module and applies them to the loaded
    package (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.attached: list[tuple[str, str]] = []

    def on_module_members(self, *, node: object, mod: griffe.Module, **kwargs: object) -> None:
        if isinstance(node, ast.Module):
            self.attached.extend(attached_docstrings(node))

    def apply(self, collection: griffe.ModulesCollection) -> int:
        """Give each collected target without a docstring its text; how many it gave."""
        given = 0
        for path, text in self.attached:
            with contextlib.suppress(Exception):  # a target the static tree lacks
                target = _follow(collection, path)
                if target.docstring is None or not target.docstring.value.strip():
                    target.docstring = griffe.Docstring(text, parent=target)
                    given += 1
        return given


def _follow(collection: griffe.ModulesCollection, path: str, hops: int = 0) -> griffe.Object:
    """The object at `path`, each alias on the way followed by its written target path.

    Not griffe's `final_target`: an alias resolved while the package was still loading
    keeps the target it found then, which numpy's stubs have replaced since (its
    `_core.multiarray.ndarray` would go round in a circle of re-exports)."""
    if hops > 10:
        raise LookupError(path)
    head, *rest = path.split(".")
    obj = collection[head]
    for part in rest:
        obj = obj.members[part]
        if obj.is_alias:
            obj = _follow(collection, obj.target_path, hops + 1)
    return obj


def attached_docstrings(tree: ast.Module) -> Iterator[tuple[str, str]]:
    """(dotted target, docstring) of each module-level `add_newdoc(module, name, doc)` or
    `add_newdoc(module, name, (member, doc))` call with literal strings in `tree`.

    >>> list(attached_docstrings(ast.parse("add_newdoc('m', 'f', '''Do it.''')")))
    [('m.f', 'Do it.')]
    >>> list(attached_docstrings(ast.parse("add_newdoc('m', 'C', ('meth', 'Call it.'))")))
    [('m.C.meth', 'Call it.')]
    """
    for statement in tree.body:
        node = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(node, ast.Call) or len(node.args) < 3:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in DOC_ATTACHERS:
            continue
        module, obj, doc = node.args[:3]
        if not (_is_text(module) and _is_text(obj)):
            continue
        target = f"{module.value}.{obj.value}"  # type: ignore[attr-defined]
        if _is_text(doc):
            yield target, clean_docstring(doc.value)  # type: ignore[attr-defined]
        elif isinstance(doc, ast.Tuple) and len(doc.elts) == 2 and all(_is_text(e) for e in doc.elts):
            member, text = doc.elts
            yield f"{target}.{member.value}", clean_docstring(text.value)  # type: ignore[attr-defined]


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def clean_docstring(text: str) -> str:
    """The docstring as `inspect.cleandoc` gives it, without a leading C signature block
    (`arange(start, stop)` then `--`, numpy's `__text_signature__` convention)."""
    cleaned = inspect.cleandoc(text)
    head, sep, rest = cleaned.partition("\n--\n")
    if sep and "(" in head and "\n\n" not in head.strip():
        cleaned = rest.strip()
    return cleaned

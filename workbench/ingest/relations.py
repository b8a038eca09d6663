"""Relations between API objects, read from one griffe object: the graph's raw edges.

Each edge names its target as a dotted path *as written* (resolved through the module's
imports by griffe); the store maps it to a definition path, in this library or another
one, when the graph is rebuilt. Targets that no indexed library defines stay stub nodes.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import re
import textwrap
from collections.abc import Iterator

import griffe

from workbench.model import Edge

#: Names in annotations that are plumbing, not API: typing constructs and builtins.
_TYPING_ROOTS = ("typing.", "typing_extensions.", "collections.abc.", "builtins.", "__future__.", "types.")
_BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*$")
_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|exc|attr|mod|obj|data|const):`(?:[^`<]*<)?[~!]?([\w.]+?)(?:\(\))?>?`"
)
_MKDOCS_REF = re.compile(r"\[([^\]\[]+)\]\[([\w.]*)\]")
_BACKTICKS = re.compile(r"(?<![`:\w])``?([A-Za-z_][\w.]*?)(?:\(\))?``?(?![`\w])")
_EXCEPTION_NAME = re.compile(r"[A-Za-z_][\w.]*")
MAX_CALLS = 40


def _external_type(path: str) -> bool:
    return "." not in path or path.startswith(_TYPING_ROOTS)


def annotation_types(annotation: object) -> list[str]:
    """Dotted paths of the API types in an annotation, with Optional/Union/generics unwrapped.

    `Optional[list[Response]] | None` gives `["httpx._models.Response"]`.
    """
    if annotation is None or isinstance(annotation, str):
        return []
    out: list[str] = []
    for node in annotation.iterate(flat=True):
        if isinstance(node, griffe.ExprName):
            path = node.canonical_path
            if not _external_type(path) and path not in out:
                out.append(path)
    return out


def resolve_name(scope: griffe.Object, name: str, *, allow_unscoped: bool = False) -> str | None:
    """Full path of a name as written in `scope` (`Response`, `_models.Request`, `ValueError`).

    Resolved through griffe's scope rules (members, then imports, up the parents). Builtin
    exceptions become `builtins.X`. With `allow_unscoped`, a dotted name that the scope does
    not know is taken as absolute (`numpy.ndarray` in a docstring).
    """
    name = name.strip().lstrip("~!.").removesuffix("()")
    if not _DOTTED.match(name):
        return None
    head, _, rest = name.partition(".")
    if head in {"self", "cls"}:
        return None
    try:
        base = scope.resolve(head)
    except Exception:  # griffe's NameResolutionError, or a broken scope
        if head in _BUILTIN_EXCEPTIONS and not rest:
            return f"builtins.{head}"
        if allow_unscoped and rest:
            return name
        return None
    return f"{base}.{rest}" if rest else base


def _docstring_mentions(text: str) -> Iterator[str]:
    for match in _ROLE.finditer(text):
        yield match.group(1)
    for match in _MKDOCS_REF.finditer(text):
        yield match.group(2) or match.group(1).strip("`")
    for match in _BACKTICKS.finditer(text):
        yield match.group(1)


def _callee(node: ast.expr) -> str | None:
    """`a.b.c` of a call's function, when it is a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class RelationReader:
    """Reads the edges that start at one griffe object."""

    def __init__(self) -> None:
        self._mro: dict[str, list[griffe.Object]] = {}

    def edges(self, obj: griffe.Object, kind: str, source: str, sections: list) -> list[Edge]:
        out: list[Edge] = []
        src = obj.path
        if obj.parent is not None:
            out.append(Edge(src, obj.parent.path, "member_of", "structure", 1.0))
        if kind == "class":
            out += self._class_edges(obj)
        if kind in {"function", "method", "property"} and obj.is_function:
            out += [Edge(src, t, "returns", "signature", 0.9) for t in annotation_types(obj.returns)]
            for param in obj.parameters or []:
                for target in annotation_types(param.annotation):
                    out.append(Edge(src, target, "accepts", "signature", 0.7, param.name))
        elif kind in {"attribute", "property"}:
            annotation = getattr(obj, "annotation", None)
            out += [Edge(src, t, "returns", "signature", 0.8, "type") for t in annotation_types(annotation)]
        if kind in {"method", "property"} and obj.parent is not None and obj.parent.is_class:
            out += self._overrides(obj)
        out += self._docstring_edges(obj, sections)
        if kind in {"function", "method", "property"} and source:
            out += self._source_edges(obj, source)
        return _dedupe([e for e in out if e.dst != src])

    def _class_edges(self, cls: griffe.Object) -> list[Edge]:
        out = []
        for base in cls.bases or []:
            path = base if isinstance(base, str) else base.canonical_path
            if path and "." in path and not path.startswith(("typing.", "typing_extensions.")):
                out.append(Edge(cls.path, path, "inherits", "signature", 1.0))
            elif path and path in _BUILTIN_EXCEPTIONS:
                out.append(Edge(cls.path, f"builtins.{path}", "inherits", "signature", 1.0))
        init = cls.members.get("__init__")
        if init is not None and not init.is_alias and init.is_function:
            for param in init.parameters or []:
                for target in annotation_types(param.annotation):
                    out.append(Edge(cls.path, target, "accepts", "signature", 0.7, param.name))
        return out

    def _ancestors(self, cls: griffe.Object) -> list[griffe.Object]:
        """Base classes loaded with this package, nearest first (external ones are not)."""
        if cls.path not in self._mro:
            try:
                self._mro[cls.path] = list(cls.mro())
            except Exception:  # an unresolvable or cyclic base: walk what resolves
                seen: list[griffe.Object] = []
                todo = list(getattr(cls, "resolved_bases", []))
                while todo and len(seen) < 50:
                    base = todo.pop(0)
                    if base not in seen:
                        seen.append(base)
                        with contextlib.suppress(Exception):
                            todo += list(base.resolved_bases)
                self._mro[cls.path] = seen
        return self._mro[cls.path]

    def _overrides(self, method: griffe.Object) -> list[Edge]:
        for base in self._ancestors(method.parent):
            member = base.members.get(method.name)
            if member is not None:
                target = member.target_path if member.is_alias else member.path
                return [Edge(method.path, target, "overrides", "structure", 0.9)]
        return []

    def _docstring_edges(self, obj: griffe.Object, sections: list) -> list[Edge]:
        out = []
        for section in sections:
            if section.kind != "raises":
                continue
            for item in section.items:
                written = _EXCEPTION_NAME.search(item.annotation or item.name)
                target = resolve_name(obj, written.group(), allow_unscoped=True) if written else None
                if target:
                    out.append(Edge(obj.path, target, "raises", "docstring", 0.9))
        text = obj.docstring.value if obj.docstring else ""
        if text:
            seen = set()
            for name in _docstring_mentions(text):
                target = resolve_name(obj, name, allow_unscoped=True)
                if target and target not in seen and not target.startswith("builtins."):
                    seen.add(target)
                    out.append(Edge(obj.path, target, "mentions", "docstring", 0.5))
        return out

    def _source_edges(self, obj: griffe.Object, source: str) -> list[Edge]:
        try:
            tree = ast.parse(textwrap.dedent(source))
        except (SyntaxError, ValueError):
            return []
        out: list[Edge] = []
        calls = 0
        owner = obj.parent if obj.parent is not None and obj.parent.is_class else None
        raised = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised.add(id(node.exc))
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = _callee(exc)
                target = resolve_name(obj, name) if name else None
                if target:
                    out.append(Edge(obj.path, target, "raises", "source", 0.7))
            elif isinstance(node, ast.Call) and calls < MAX_CALLS and id(node) not in raised:
                name = _callee(node.func)
                if name is None:
                    continue
                target = self._call_target(obj, owner, name)
                if target:
                    calls += 1
                    out.append(Edge(obj.path, target, "calls", "source", 0.6))
        return out

    def _call_target(self, obj: griffe.Object, owner: griffe.Object | None, name: str) -> str | None:
        head, _, rest = name.partition(".")
        if head in {"self", "cls"}:
            if owner is None or not rest or "." in rest:
                return None
            for cls in [owner, *self._ancestors(owner)]:
                member = cls.members.get(rest)
                if member is not None:
                    return member.target_path if member.is_alias else member.path
            return None
        target = resolve_name(obj, name)
        if target is None or target.startswith("builtins."):
            return None
        return target


def _dedupe(edges: list[Edge]) -> list[Edge]:
    """One edge per (target, relation); the strongest evidence wins."""
    best: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        key = (edge.dst, edge.relation)
        if key not in best or edge.weight > best[key].weight:
            best[key] = edge
    return list(best.values())


def alias_edges(aliases: list[tuple[str, str]], inherited: frozenset[str] = frozenset()) -> list[Edge]:
    """`reexports` (module -> object) and `alias_of` (public name -> definition) edges; a
    member a class inherits (`inherited`, `pyarrow.Table.to_pandas`) is only an alias:
    the class re-exports nothing (its `inherits` edge already says where it comes from)."""
    out = []
    for alias, target in aliases:
        if alias not in inherited:
            module = alias.rpartition(".")[0]
            out.append(Edge(module, target, "reexports", "alias", 0.8, alias.rpartition(".")[2]))
        out.append(Edge(alias, target, "alias_of", "alias", 1.0))
    return out

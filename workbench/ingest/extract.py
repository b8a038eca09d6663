"""Walk a griffe package tree into Entity rows and resolved re-export aliases."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import griffe

from workbench.ingest.assignments import is_instance, is_top_level, shadowing_import, target_path
from workbench.ingest.docstrings import is_deprecated_text, parse_docstring, summary_of
from workbench.ingest.identifiers import is_private_name, is_public_path
from workbench.ingest.listings import describe_listed
from workbench.ingest.packages import InstalledPackage, extension_suffix
from workbench.ingest.relations import RelationReader, alias_edges
from workbench.model import Edge, Entity

MAX_SOURCE_CHARS = 12_000
CLASS_SOURCE_LINES = 40


@dataclass
class Extraction:
    """Everything read from one package: entities and (alias path, definition path)."""

    package: InstalledPackage
    entities: list[Entity] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def _kind(obj: griffe.Object) -> str:
    if obj.is_module:
        return "module"
    if obj.is_class:
        return "class"
    if obj.is_function:
        if "property" in obj.labels:
            return "property"
        return "method" if obj.parent is not None and obj.parent.is_class else "function"
    if "property" in obj.labels:
        return "property"
    return "attribute"


def _parameters(params: Any, skip_self: bool) -> str:
    parts: list[str] = []
    seen_kw_only = False
    previous = None
    for index, param in enumerate(params or []):
        kind = param.kind.value if param.kind is not None else "positional or keyword"
        if index == 0 and skip_self and param.name in {"self", "cls"}:
            continue
        if previous == "positional-only" and kind != "positional-only":
            parts.append("/")
        if kind == "keyword-only" and not seen_kw_only:
            parts.append("*")
        seen_kw_only = seen_kw_only or kind in {"keyword-only", "variadic positional"}
        text = {"variadic positional": "*", "variadic keyword": "**"}.get(kind, "") + param.name
        if param.annotation is not None:
            text += f": {param.annotation}"
        if param.default is not None:
            text += f" = {param.default}" if param.annotation is not None else f"={param.default}"
        parts.append(text)
        previous = kind
    if previous == "positional-only":
        parts.append("/")
    return ", ".join(parts)


def _signature(obj: griffe.Object, kind: str) -> tuple[str, str]:
    """(signature, return annotation) as written in source, self/cls left out."""
    if kind in {"function", "method", "property"} and obj.is_function:
        returns = "" if obj.returns is None else str(obj.returns)
        params = _parameters(obj.parameters, skip_self=kind != "function")
        return f"({params})" + (f" -> {returns}" if returns else ""), returns
    if kind == "class":
        init = obj.members.get("__init__")
        if init is not None and not init.is_alias and init.is_function:
            return f"({_parameters(init.parameters, skip_self=True)})", ""
        return "", ""
    if kind in {"attribute", "property"} and not obj.is_function:
        annotation = "" if obj.annotation is None else str(obj.annotation)
        value = "" if getattr(obj, "value", None) is None else str(obj.value)
        if len(value) > 80:
            value = value[:77] + "..."
        return (f": {annotation}" if annotation else "") + (f" = {value}" if value else ""), ""
    return "", ""


def _source(obj: griffe.Object, kind: str) -> str:
    if kind == "module":
        return ""
    try:
        source = obj.source
    except Exception:  # no file, or lines griffe could not read
        return ""
    if kind == "class":
        source = "\n".join(source.splitlines()[:CLASS_SOURCE_LINES])
    return source[:MAX_SOURCE_CHARS]


def _deprecated(obj: griffe.Object, docstring: str, sections: list) -> bool:
    if any(s.kind == "deprecated" for s in sections) or is_deprecated_text(docstring):
        return True
    if getattr(obj, "deprecated", None):
        return True
    decorators = getattr(obj, "decorators", None) or []
    return any("deprecat" in str(d.value).lower() for d in decorators)


def _relative_file(obj: griffe.Object, root: Path) -> str:
    try:
        filepath = obj.filepath
    except Exception:
        return ""
    if isinstance(filepath, list):
        filepath = filepath[0] if filepath else None
    if filepath is None:
        return ""
    try:
        return str(Path(filepath).relative_to(root))
    except ValueError:
        return str(filepath)


def content_hash(entity: Entity) -> str:
    """Hash of what an entity says: changes when its API or docs change, not its line."""
    parts = (
        entity.kind,
        entity.path,
        entity.public_path,
        entity.signature,
        entity.docstring,
        entity.source,
        ",".join(entity.bases),
        str(entity.is_deprecated),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _bases(obj: griffe.Object) -> list[str]:
    out = []
    for base in getattr(obj, "bases", None) or []:
        out.append(getattr(base, "canonical_path", None) or str(base))
    return out


def is_test_module(name: str) -> bool:
    """Test suites shipped inside packages (`pyarrow.tests`) are not API: they are skipped."""
    return name in {"tests", "test", "conftest"} or name.startswith("test_")


def _reexports_without_all(module: griffe.Object, name: str, alias: griffe.Alias, target: str) -> bool:
    """Whether a public import in a module without `__all__` re-exports the name there.

    The explicit forms always do: `from a import *` and the redundant alias
    `from a import x as x` (PEP 484's re-export, what stubs use). Otherwise only a
    package's `__init__` re-exports by import (`from ._core import Client` in
    `httpx/__init__.py`), and only what lives below it or in a companion root (compiled
    cores, stubs). A plain module imports to use: `rich.box` imports `Table` from
    `rich.table` (under `TYPE_CHECKING`), which does not make `rich.box.Table` a public path
    for it, and neither does an `__init__` importing from elsewhere in its own library. A
    plain module does re-export what it imports from a compiled module (`pyarrow.csv`).
    """
    if getattr(alias, "wildcard_imported", False) or _redundant_alias(module, name, alias):
        return True
    if not getattr(module, "is_init_module", False):
        return _from_compiled_module(alias)
    root = module.path.split(".", 1)[0]
    return target.startswith(module.path + ".") or target.split(".", 1)[0] != root


def _from_compiled_module(alias: griffe.Alias) -> bool:
    """The import brings a name out of a compiled module read at run time: `pyarrow.csv`
    imports `read_csv` from `pyarrow._csv`, whose only public face it is."""
    try:
        filepath = alias.final_target.module.filepath
    except Exception:  # a dangling alias, or a module without a single file
        return False
    return extension_suffix(str(filepath)) is not None


def _redundant_alias(module: griffe.Object, name: str, alias: griffe.Alias) -> bool:
    """The import statement says `name as name` (read off the module's lines)."""
    first, last = getattr(alias, "alias_lineno", None), getattr(alias, "alias_endlineno", None)
    if not first:
        return False
    try:
        lines = module.lines[first - 1 : last or first]
    except Exception:  # no source lines kept for this module
        return False
    return re.search(rf"\b{re.escape(name)}\s+as\s+{re.escape(name)}\b", "\n".join(lines)) is not None


class _Walker:
    """One pass over the griffe tree: entities, then alias resolution, then public paths."""

    def __init__(self, package: InstalledPackage, root_names: set[str]) -> None:
        self.package = package
        self.root_names = root_names
        self.entities: dict[str, Entity] = {}
        self.raw_aliases: dict[str, str] = {}
        self.edges: list[Edge] = []
        self.relations = RelationReader()
        #: undocumented module-level attributes -> their value (see `ingest.assignments`)
        self.assignments: dict[str, Any] = {}
        #: submodules a package's `__init__` rebinds by importing their namesake from them
        self.shadowed: dict[str, str] = {}
        #: classes with public names, whose private bases' members they inherit
        self.classes: list[griffe.Object] = []
        #: a private base's member -> (members of the inheriting class, alias) for each heir
        self.inherited_by: dict[str, list[tuple[int, int, str]]] = {}

    def walk(self, obj: griffe.Object) -> None:
        self.add(obj)
        for name, member in list(obj.members.items()):
            if member.is_alias:
                self.add_alias(obj, name, member)
                continue
            if member.path in self.entities:
                continue
            if member.is_module and is_test_module(name):
                continue
            if member.is_module and (shadow := shadowing_import(obj, name, member)):
                self.shadowed[member.path] = shadow
            if member.is_module or member.is_class:
                self.walk(member)
            else:
                self.add(member)
            if member.is_class and not is_private_name(name):
                self.classes.append(member)

    def add_alias(self, parent: griffe.Object, name: str, alias: griffe.Alias) -> None:
        if not parent.is_module:
            return
        target = alias.target_path
        if target.split(".", 1)[0] not in self.root_names:
            return
        exports = getattr(parent, "exports", None)
        if exports is not None:
            exported = {str(e) if isinstance(e, str) else getattr(e, "name", str(e)) for e in exports}
            if name not in exported:
                return
        elif is_private_name(name) or not _reexports_without_all(parent, name, alias, target):
            return
        self.raw_aliases[f"{parent.path}.{name}"] = target

    def add_inherited(self) -> None:
        """`Class.name` for what a class inherits from private bases, up to its first public
        one: `pyarrow.Table.to_pandas` is `pyarrow.lib._PandasConvertible.to_pandas`,
        `httpx.Client.headers` is `httpx._client.BaseClient.headers`. Members of public
        bases (a public path, or re-exported at one) keep their own path
        (`transformers.PreTrainedModel.save_pretrained`)."""
        exported = {target for alias, target in self.raw_aliases.items() if is_public_path(alias)}
        for cls in self.classes:
            self._inherit(cls, exported)

    def _inherit(self, cls: griffe.Object, exported: set[str]) -> None:
        try:
            mro = cls.mro()
        except Exception:  # a base griffe cannot resolve
            return
        seen = set(cls.members)
        for base in mro:
            public = is_public_path(base.path) or base.path in exported
            if public or base.path.split(".", 1)[0] not in self.root_names:
                return
            for name, member in base.members.items():
                if name in seen or name.startswith("_") or member.is_alias:  # dunders too
                    continue
                seen.add(name)
                alias = f"{cls.path}.{name}"
                self.raw_aliases.setdefault(alias, member.path)
                heir = (len(cls.members), -len(alias), alias)  # most members, then the shortest
                self.inherited_by.setdefault(member.path, []).append(heir)

    def public_inherited_aliases(self, aliases: dict[str, str]) -> list[tuple[str, str]]:
        """Each inherited member under its heir's public path too (`pyarrow.Table.to_pandas`
        beside `pyarrow.lib.Table.to_pandas`): a lookup finds an alias by its own path, and
        the heir's public path is known only now."""
        out = []
        for heirs in self.inherited_by.values():
            for *_, alias in heirs:
                heir, _, name = alias.rpartition(".")
                target = aliases.get(alias)
                entity = self.entities.get(heir)
                if target and entity and entity.public_path != heir:
                    spelled = f"{entity.public_path}.{name}"
                    if spelled not in self.entities and spelled not in aliases:
                        out.append((spelled, target))
        return out

    def add(self, obj: griffe.Object) -> None:
        kind = _kind(obj)
        raw = obj.docstring.value if obj.docstring else ""
        style, sections = parse_docstring(obj.docstring)
        signature, returns = _signature(obj, kind)
        parent = obj.parent
        source = _source(obj, kind)
        self.edges += self.relations.edges(obj, kind, source, sections)
        if kind == "attribute" and not raw.strip() and is_top_level(obj):
            value = getattr(obj, "value", None)
            if value is not None and not isinstance(value, str):
                self.assignments[obj.path] = value
        self.entities[obj.path] = Entity(
            path=obj.path,
            public_path=obj.path,
            library=self.package.name,
            version=self.package.version,
            kind=kind,
            name=obj.name,
            parent_path=parent.path if parent is not None else None,
            signature=signature,
            returns=returns,
            docstring=raw,
            summary=summary_of(raw),
            sections=sections,
            docstring_style=style,
            filepath=_relative_file(obj, self.package.search_path),
            lineno=obj.lineno,
            endlineno=obj.endlineno,
            is_deprecated=_deprecated(obj, raw, sections),
            source=source,
            bases=_bases(obj) if kind == "class" else [],
        )

    def definition(self, path: str) -> str | None:
        """The entity a path names, through import aliases and shadowing imports."""
        seen = set()
        path = self.shadowed.get(path, path)
        while path not in self.entities and path in self.raw_aliases and path not in seen:
            seen.add(path)
            path = self.shadowed.get(self.raw_aliases[path], self.raw_aliases[path])
        return path if path in self.entities else None

    def resolve_assignments(self) -> None:
        """Undocumented module-level assignments (see `ingest.assignments`): `x = Cls()`
        gets its class's docstring, as `x.__doc__` does at runtime; `x = some_function`
        or `x = instance.method` becomes an alias of what it names."""
        instances: dict[str, str] = {}
        for path, value in self.assignments.items():
            named = target_path(value, {}) if is_instance(value) else None
            cls = self.definition(named) if named else None
            if cls and self.entities[cls].kind == "class":
                instances[path] = cls
        for path, value in self.assignments.items():
            if path in instances:
                self._borrow_docstring(self.entities[path], self.entities[instances[path]])
                continue
            named = target_path(value, instances)
            target = self.definition(named) if named else None
            if target and target != path and self.entities[target].kind in {"class", "function", "method"}:
                del self.entities[path]
                self.raw_aliases[path] = target
                self.edges = [edge for edge in self.edges if edge.src != path]

    def merge_init_docstrings(self) -> None:
        """A class without a docstring is documented by its `__init__`'s, as mkdocstrings'
        `merge_init_into_class` shows it (`textual.widgets.Footer`: "A footer to show key
        bindings." is `Footer.__init__`'s docstring)."""
        for entity in self.entities.values():
            init = self.entities.get(f"{entity.path}.__init__")
            if entity.kind == "class" and not entity.docstring.strip() and init is not None:
                self._borrow_docstring(entity, init)

    @staticmethod
    def _borrow_docstring(entity: Entity, source: Entity) -> None:
        if not source.docstring.strip() or entity.docstring.strip():
            return
        entity.docstring, entity.summary = source.docstring, source.summary
        entity.sections, entity.docstring_style = source.sections, source.docstring_style

    def resolve_aliases(self) -> list[tuple[str, str]]:
        """Follow alias chains (a -> b -> definition) to entities; drop dangling ones."""
        resolved = []
        for alias, target in self.raw_aliases.items():
            definition = self.definition(target)
            if definition is not None and alias not in self.entities:
                resolved.append((alias, definition))
        return sorted(resolved)

    def assign_public_paths(self, aliases: list[tuple[str, str]]) -> None:
        """Pick each entity's public path: the shortest public way to reach it.

        An object is reached through its parent or through an alias in a module, and that
        module may itself be reached through an alias: `marimo.ui` -> `marimo._plugins.ui`,
        whose `slider` -> `marimo._plugins.ui._impl.input.slider`, so the slider's public
        path is `marimo.ui.slider` (lookups match public paths as well as aliases).
        """
        via_alias: dict[str, list[str]] = {}
        for alias, target in aliases:
            via_alias.setdefault(target, []).append(alias)
        # of the classes that inherit a member, the one with most members names it:
        # `numpy.ndarray.argsort`, not `numpy.generic.argsort`
        secondary = {alias for heirs in self.inherited_by.values() for *_, alias in sorted(heirs)[:-1]}
        cache: dict[str, str] = {}

        def reach(path: str) -> str:
            """Best public way to write `path`, which is an entity or an alias path."""
            if path in cache:
                return cache[path]
            cache[path] = path  # guards against alias cycles while this path resolves
            options = [path]
            parent, _, name = path.rpartition(".")
            if parent:
                options.append(f"{reach(parent)}.{name}")
            later: set[str] = set()
            for alias in via_alias.get(path, []):
                options.append(reach(alias))
                if alias in secondary:
                    later.add(options[-1])
            public = [p for p in options if is_public_path(p)]
            # among equally short ways, the defining one: `rich.table.Table` stays
            rank = lambda p: (p.count("."), p != path, p in later, len(p), p)  # noqa: E731
            cache[path] = min(public or options, key=rank)
            return cache[path]

        for path, entity in self.entities.items():
            entity.public_path = reach(path)
            entity.is_public = is_public_path(entity.public_path)


def extract(package: InstalledPackage, roots: griffe.Object | list[griffe.Object]) -> Extraction:
    """Turn a loaded griffe package (and its companion stubs) into entities and aliases.

    Pure data, no I/O. `roots` is what `load_package` returns: the package first.
    """
    trees = roots if isinstance(roots, list) else [roots]
    walker = _Walker(package, {tree.name for tree in trees})
    for tree in trees:
        walker.walk(tree)
    walker.merge_init_docstrings()
    walker.resolve_assignments()
    walker.add_inherited()
    aliases = walker.resolve_aliases()
    walker.assign_public_paths(aliases)
    describe_listed(walker.entities, aliases)
    for entity in walker.entities.values():
        entity.content_hash = content_hash(entity)
    spelled = walker.public_inherited_aliases(dict(aliases))
    aliases = sorted(set(aliases) | set(spelled))
    inherited = {alias for heirs in walker.inherited_by.values() for *_, alias in heirs}
    edges = walker.edges + alias_edges(aliases, frozenset(inherited | {alias for alias, _ in spelled}))
    return Extraction(package, list(walker.entities.values()), aliases, edges)

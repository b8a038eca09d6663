"""What a module-level assignment makes of a name, read off griffe's expressions.

Three shapes leave an undocumented attribute where the runtime has a documented object:

- `tqdm = tqdm_notebook` (`tqdm.notebook`) or `create_repo = api.create_repo`
  (`huggingface_hub.hf_api`): the name *is* another object, an alias by assignment;
- `col = Col()` (`polars.functions.col`): an instance, whose `__doc__` at runtime is its
  class's docstring;
- `from polars.functions.col import col` in `polars/functions/__init__.py`: the import
  rebinds the package's `col` from the submodule to the function, though griffe keeps the
  submodule as the member (the shadowing import, read from `Module.imports`).

Only unindented assignments count: one under `if sys.platform == ...` (`filelock.FileLock`)
names a different object per platform, and griffe keeps only the last one it read.

A fourth shape rebinds a class to what a function makes of it, `AutoModel =
auto_class_update(AutoModel)` (transformers' 40 auto classes): at run time that is the
class, decorated; griffe keeps the attribute, so `ClassRebinds` puts the class back.
"""

from __future__ import annotations

from typing import Any

import griffe


class ClassRebinds(griffe.Extension):
    """Keeps a module's class where `Name = function(Name, ...)` rebinds it (see above)."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: dict[str, griffe.Class] = {}

    def on_class_instance(self, *, cls: griffe.Class, **kwargs: object) -> None:
        self.classes[cls.path] = cls

    def on_attribute_instance(self, *, attr: griffe.Attribute, **kwargs: object) -> None:
        value, parent = attr.value, attr.parent
        if not (isinstance(value, griffe.ExprCall) and parent is not None and parent.is_module):
            return
        first = value.arguments[0] if value.arguments else None
        cls = self.classes.get(attr.path)
        if isinstance(first, griffe.ExprName) and first.name == attr.name and cls is not None:
            parent.set_member(attr.name, cls)


def is_top_level(obj: griffe.Object) -> bool:
    """Whether the object's assignment starts at column 0 of its module (no branch)."""
    parent = obj.parent
    if parent is None or not parent.is_module or not obj.lineno:
        return False
    try:
        line = parent.lines[obj.lineno - 1]
    except Exception:  # no such line, or no source lines kept (a compiled module)
        return False
    return bool(line) and not line[0].isspace()


def shadowing_import(module: griffe.Object, name: str, submodule: griffe.Object) -> str | None:
    """The object a package's `__init__` imports under a submodule's own name, if any:
    `from polars.functions.col import col` in `polars/functions/__init__.py` gives
    "polars.functions.col.col" for the submodule `col`."""
    imported = getattr(module, "imports", {}).get(name)
    if isinstance(imported, str) and imported.startswith(submodule.path + "."):
        return imported
    return None


def is_instance(value: Any) -> bool:
    """`Col()`: a call of a name (the class is checked by the caller)."""
    return isinstance(value, griffe.ExprCall) and isinstance(value.function, griffe.ExprName)


def target_path(value: Any, instance_classes: dict[str, str]) -> str | None:
    """The dotted path a value expression names: `tqdm_notebook`, `api.create_repo`, the
    class of `Col()`; None for anything else (literals, subscripts, calls of calls).

    `instance_classes` maps module-level instances to their class (`api` -> `HfApi`), so
    that a bound method of one resolves to the class's method.
    """
    if is_instance(value):
        value = value.function
    if isinstance(value, griffe.ExprName):
        return _canonical(value)
    first = value.values[0] if isinstance(value, griffe.ExprAttribute) and value.values else None
    if isinstance(first, griffe.ExprName):
        base = _canonical(first)
        names = [part.name if isinstance(part, griffe.ExprName) else part for part in value.values[1:]]
        if base is None or not all(isinstance(name, str) and name.isidentifier() for name in names):
            return None
        base = instance_classes.get(base, base)
        return ".".join([base, *names])
    return None


def _canonical(name: griffe.ExprName) -> str | None:
    try:
        path = name.canonical_path
    except Exception:  # an unresolvable scope
        return None
    return path if isinstance(path, str) and "." in path else None

"""Documentation quality of a library, measured on its extracted entities."""

from __future__ import annotations

import ast
import re

from workbench.model import DocQuality, Entity

_MEASURED = {"class", "function", "method"}
_EXAMPLE = re.compile(r">>>|```|::\s*$|^\s*\.\. code-block::", re.MULTILINE)


def doc_quality(entities: list[Entity]) -> DocQuality:
    """Shares of public classes, functions and methods with a docstring, a fully typed
    signature and an example."""
    measured = [e for e in entities if e.kind in _MEASURED and e.is_public and not e.name.startswith("_")]
    if not measured:
        return DocQuality()
    n = len(measured)
    return DocQuality(
        objects=n,
        docstrings=sum(1 for e in measured if e.docstring.strip()) / n,
        typed=sum(1 for e in measured if is_typed(e)) / n,
        examples=sum(1 for e in measured if has_example(e)) / n,
    )


def has_example(entity: Entity) -> bool:
    """An Examples section, a doctest or a code block in the docstring."""
    if any(section.kind == "examples" for section in entity.sections):
        return True
    return bool(_EXAMPLE.search(entity.docstring))


def is_typed(entity: Entity) -> bool:
    """Every parameter annotated, and the return too for functions and methods.

    A class counts by its constructor; one without parameters is typed.
    """
    signature = entity.signature.strip()
    if not signature.startswith("("):
        return entity.kind == "class"
    try:
        tree = ast.parse(f"def f{signature}: pass")
    except SyntaxError:
        return False
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    args = function.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    if any(p.annotation is None for p in params):
        return False
    return entity.kind == "class" or function.returns is not None or entity.name == "__init__"

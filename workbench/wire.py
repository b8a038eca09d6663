"""JSON on the wire <-> the model's dataclasses, for the server and its client alike.

`to_wire` turns a dataclass (or a list, dict or tuple of them) into plain JSON values;
`from_wire(value, Type)` rebuilds it from the type hints of `workbench.model`, so a
`RemoteWorkbench` returns the same dataclasses as the local facade. Floats go through
`json` unrounded (Python writes the shortest repr that reads back equal), so a result read
over HTTP compares equal to the local one. This module imports only `workbench.model`.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, TypeVar, Union, get_args, get_origin

from workbench import model

T = TypeVar("T")


def to_wire(value: Any) -> Any:
    """Plain JSON values of a dataclass, list, tuple or dict (recursively)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def from_wire(value: Any, kind: Any) -> Any:
    """Rebuild a value of type `kind` (a model dataclass, `list[Hit]`, `str | None`...) from
    JSON values.

    Raises:
        ValueError: the JSON does not have the shape of `kind`.
    """
    if kind is Any or kind is object:
        return value
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return from_wire(value, option)
            except (TypeError, ValueError):
                continue
        raise ValueError(f"{value!r} is none of {kind}")
    if origin is typing.Literal:
        if value not in get_args(kind):
            raise ValueError(f"{value!r} is not one of {get_args(kind)}")
        return value
    if origin is list:
        (item,) = get_args(kind) or (Any,)
        return [from_wire(v, item) for v in _expect(value, list)]
    if origin is tuple:
        args = get_args(kind)
        items = _expect(value, list)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_wire(v, args[0]) for v in items)
        if len(args) != len(items):
            raise ValueError(f"expected {len(args)} items, got {len(items)}")
        return tuple(from_wire(v, a) for v, a in zip(items, args, strict=True))
    if origin is dict:
        key_type, value_type = get_args(kind) or (str, Any)
        return {from_wire(k, key_type): from_wire(v, value_type) for k, v in _expect(value, dict).items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        data = _expect(value, dict)
        hints = _hints(kind)
        known = {f.name for f in dataclasses.fields(kind) if f.init}
        missing = [
            f.name
            for f in dataclasses.fields(kind)
            if f.init
            and f.name not in data
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ValueError(f"{kind.__name__} is missing {', '.join(missing)}")
        return kind(**{k: from_wire(v, hints[k]) for k, v in data.items() if k in known})
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        return float(value)
    if kind in (int, str, bool):
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{value!r} is not {kind.__name__}")
        return value
    if kind is type(None):
        if value is not None:
            raise ValueError(f"{value!r} is not null")
        return None
    raise TypeError(f"cannot read {kind} from the wire")


def _expect(value: Any, kind: type[T]) -> T:
    if not isinstance(value, kind):
        raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value

"""Parse docstrings with griffe (google, numpy or sphinx, detected per docstring)."""

from __future__ import annotations

import logging
import re
from typing import Any

import griffe

from workbench.model import DocItem, DocSection

logging.getLogger("griffe").setLevel(logging.CRITICAL)

STYLES = ("google", "numpy", "sphinx")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _item(element: Any) -> DocItem:
    return DocItem(
        name=_text(getattr(element, "name", "")),
        annotation=_text(getattr(element, "annotation", "")),
        description=_text(getattr(element, "description", "")),
        default=_text(getattr(element, "value", "") if hasattr(element, "default") else ""),
    )


def _section(section: Any) -> DocSection:
    kind = section.kind.value
    title = section.title or ""
    value = section.value
    if isinstance(value, str):
        return DocSection(kind=kind, title=title, text=value)
    if kind == "examples":
        return DocSection(kind=kind, title=title, text="\n\n".join(_text(v) for _, v in value))
    if isinstance(value, list):
        return DocSection(kind=kind, title=title, items=[_item(v) for v in value])
    # single elements: admonitions, deprecated
    text = _text(getattr(value, "description", value))
    if kind == "admonition":
        title = title or _text(getattr(value, "annotation", ""))
    elif kind == "deprecated" and getattr(value, "version", None):
        title = title or f"Deprecated since {value.version}"
    return DocSection(kind=kind, title=title, text=text)


def parse_docstring(docstring: griffe.Docstring | None) -> tuple[str, list[DocSection]]:
    """(style, sections) of a griffe docstring; style is "" when there is no docstring.

    The style is inferred per docstring (a library may mix styles); plain prose parses
    as one text section whatever the style.
    """
    if docstring is None or not docstring.value.strip():
        return "", []
    try:
        parser, sections = griffe.infer_docstring_style(docstring, default="google")
        if sections is None:
            sections = docstring.parse(parser or "google")
        style = parser.value if isinstance(parser, griffe.Parser) else str(parser or "google")
        return style, [_section(s) for s in sections]
    except Exception:  # a docstring griffe chokes on still ingests, as raw text
        return "plain", [DocSection(kind="text", text=docstring.value)]


#: a line that only shows how a C function is called (`range(stop) -> range object`,
#: `arange([start,] stop[, step,], dtype=None)`): the signature griffe shows already
_CALL_LINE = re.compile(r"^[A-Za-z_][\w.]*\(.*\)\s*(?:->.*|-->\s*[^A-Z\s].*)?$")
#: `zip(*iterables, strict=False) --> Yield tuples until an input is exhausted.`
_CALL_THEN_TEXT = re.compile(r"^[A-Za-z_][\w.]*\(.*\)\s*-->\s*(?P<text>[A-Z].*)$", re.DOTALL)


def summary_of(docstring: str) -> str:
    r"""The first sentence or line of a docstring, at most 200 characters; call lines
    that open the docstrings of C functions (numpy's, the builtins') are passed over.

    >>> summary_of("range(stop) -> range\nrange(start, stop[, step]) -> range\n\nReturn a range.")
    'Return a range.'
    >>> summary_of("zip(*iterables, strict=False) --> Yield tuples until one is exhausted.\n\n>>> zip()")
    'Yield tuples until one is exhausted.'
    >>> summary_of("deque([iterable[, maxlen]]) --> deque object\n\nA list-like sequence.")
    'A list-like sequence.'
    """
    paragraphs = [p.strip() for p in docstring.strip().split("\n\n") if p.strip()]
    while len(paragraphs) > 1 and _only_calls(paragraphs[0]):
        paragraphs.pop(0)
    if not paragraphs:
        return ""
    first = paragraphs[0].replace("\n", " ").strip()
    call = _CALL_THEN_TEXT.match(first)
    if call:
        first = call.group("text")
    for end in (". ", ".\n"):
        if end in first:
            first = first.split(end, 1)[0] + "."
            break
    return first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "..."


def _only_calls(paragraph: str) -> bool:
    """Whether a paragraph only shows calls: one per line, or one call over several
    lines (numpy's `array(object, dtype=None, *,` then `copy=True, ...)`), ended or
    not by the `--` line of a text signature."""
    lines = paragraph.splitlines()
    if len(lines) > 1 and lines[-1].strip() == "--":  # `__text_signature__`'s end mark
        lines = lines[:-1]
    return all(_CALL_LINE.match(line.strip()) for line in lines) or bool(
        _CALL_LINE.match(" ".join(" ".join(lines).split()))
    )


def is_deprecated_text(docstring: str) -> bool:
    """Docstring markers of deprecation: a `.. deprecated::` directive or 'Deprecated' lead."""
    lowered = docstring.lstrip().lower()
    return ".. deprecated::" in lowered or lowered.startswith(("deprecated", "**deprecated"))

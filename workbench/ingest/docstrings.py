"""Parse docstrings with griffe (google, numpy or sphinx, detected per docstring)."""

from __future__ import annotations

import logging
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


def summary_of(docstring: str) -> str:
    """The first sentence or line of a docstring, at most 200 characters."""
    text = docstring.strip()
    if not text:
        return ""
    first = text.split("\n\n", 1)[0].replace("\n", " ").strip()
    for end in (". ", ".\n"):
        if end in first:
            first = first.split(end, 1)[0] + "."
            break
    return first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "..."


def is_deprecated_text(docstring: str) -> bool:
    """Docstring markers of deprecation: a `.. deprecated::` directive or 'Deprecated' lead."""
    lowered = docstring.lstrip().lower()
    return ".. deprecated::" in lowered or lowered.startswith(("deprecated", "**deprecated"))

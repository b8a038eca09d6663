"""Split identifiers so BM25 matches `read_csv`, "read csv", `ReadTimeout` and "read timeout"."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def split_identifier(identifier: str) -> list[str]:
    """Words of a dotted, snake_case or camelCase identifier, lower-cased.

    >>> split_identifier("httpx.ReadTimeout")
    ['httpx', 'read', 'timeout']
    >>> split_identifier("read_csv")
    ['read', 'csv']
    """
    words: list[str] = []
    for part in re.split(r"[._]+", identifier):
        words.extend(w.lower() for w in _CAMEL.split(part) if w)
    return words


def expand_identifiers(text: str) -> str:
    """The words inside every camelCase token of `text`, for the full-text column.

    DuckDB's fts tokenizer already splits on `_`, `.` and digits and lower-cases, so
    `read_csv` indexes as "read csv"; only camelCase needs help: `ReadTimeout` is
    indexed as "readtimeout" by the tokenizer and as "read timeout" through this.

    >>> expand_identifiers("raises httpx.ReadTimeout or HTTPStatusError")
    'read timeout http status error'
    """
    extra: list[str] = []
    for token in re.findall(r"[A-Za-z0-9]+", text):
        words = _CAMEL.split(token)
        if len(words) > 1:
            extra.extend(w.lower() for w in words if w)
    return " ".join(extra)


def query_words(query: str) -> list[str]:
    """Lower-cased identifiers and words of a query, for exact-name matching."""
    return [m.group(0).lower() for m in _IDENTIFIER.finditer(query)]


def is_private_name(name: str) -> bool:
    """`_x` is private; dunders like `__init__` are not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_public_path(path: str) -> bool:
    """A dotted path is public when none of its parts is private."""
    return not any(is_private_name(part) for part in path.split("."))

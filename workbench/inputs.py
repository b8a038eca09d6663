"""Text from users checked once at the boundary: valid Unicode text, PEP 508 library names."""

from __future__ import annotations

import re

from workbench.errors import QueryError

#: A PEP 508 distribution name (the same pattern as packaging's): letters, digits and
#: `.`, `_`, `-` inside; import names (`yaml`, `huggingface_hub`) are such names too.
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
MAX_NAME = 200


def check_library_name(name: str) -> str:
    """`name` stripped, or a one-line QueryError saying why it cannot be a library name."""
    text = (name or "").strip()
    if not text:
        raise QueryError("empty library name")
    if len(text) > MAX_NAME or not _NAME.match(text):
        shown = text[:40].encode("unicode_escape").decode("ascii")
        raise QueryError(
            f"'{shown}' is not a library name: use letters, digits and . _ - (PEP 508), "
            "for example `httpx` or `huggingface-hub`"
        )
    return text


def check_text(value: object, what: str = "query") -> str:
    """`value` if it is text that can be stored, searched and printed, else a one-line
    QueryError: not a string, a NUL character, or a lone surrogate (what Python makes of
    bytes that are not UTF-8 in a command line, `$'\\xff'`)."""
    if not isinstance(value, str):
        raise QueryError(f"the {what} must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise QueryError(
            f"the {what} holds bytes that are not valid UTF-8 text (at character {error.start + 1}): "
            "retype it or fix the terminal's encoding"
        ) from None
    if "\x00" in value:
        raise QueryError(f"the {what} holds a NUL character: remove it")
    return value

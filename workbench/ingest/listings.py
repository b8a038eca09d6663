"""What a module's docstring says of its members, in the listings many modules open with.

The standard library and numpy describe their members in their module's docstring, one
line each, and some members nowhere else:

    * deque        list-like container with fast appends and pops on either end
    argv -- command line arguments; argv[0] is the script pathname if known
    default_rng     Default constructor for ``Generator``

(`collections`, `sys`, `numpy.random`). `sys.argv` and `string.digits` have no docstring
of their own, and `collections.deque`'s own ("A list-like sequence optimized for data
accesses near its endpoints") never says "fast appends". Such a line becomes the
docstring of a member that has none, and a paragraph of one that has: how its module
describes it is then searched, embedded and shown with it. Only module docstrings are
read: a class's lines of this shape are mostly its parameters' types ("bool, optional").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from workbench.ingest.docstrings import summary_of
from workbench.model import DocSection, Entity

#: a listing line: an optional bullet, the member's name (optionally with its call), then
#: "--", "-", ":" or two spaces, then what it is
LINE = re.compile(
    r"^(?P<indent>\s*)(?:[-*+]\s+)?`{0,2}(?P<name>[A-Za-z_][A-Za-z0-9_]*)`{0,2}(?:\([^)]*\))?"
    r"(?:\s*(?:--|-|:|\u2014)\s+|\s{2,})(?P<text>\S.*)$"
)
#: a description needs this many words: "array_like" or "int" is a type, not a description
MIN_WORDS = 3
#: a description is cut (at a word) after this many characters: a listing line says what
#: the member is in a sentence or two; more is a code block or prose that runs on
MAX_CHARS = 400


def listed_members(docstring: str, names: Collection[str]) -> dict[str, str]:
    """name -> description, for each listing line of `docstring` that starts with one of
    `names`; the lines under it indented deeper continue its description.

    >>> doc = '''Specialized containers.
    ...
    ... * deque        list-like container with fast appends and pops on either
    ...                end
    ... * Counter      dict subclass for counting hashable objects
    ...
    ... deque objects also support indexing.
    ... '''
    >>> found = listed_members(doc, {"deque", "Counter"})
    >>> found["deque"]
    'list-like container with fast appends and pops on either end'
    >>> found["Counter"]
    'dict subclass for counting hashable objects'
    """
    out: dict[str, str] = {}
    current: tuple[str, int, list[str]] | None = None
    for line in docstring.splitlines():
        match = LINE.match(line)
        if match and match.group("name") in names:
            _keep(out, current)
            current = (match.group("name"), len(match.group("indent")), [match.group("text").strip()])
            continue
        indent = len(line) - len(line.lstrip())
        if current is not None and line.strip() and indent > current[1]:
            current[2].append(line.strip())
            continue
        _keep(out, current)
        current = None
    _keep(out, current)
    return out


def _keep(out: dict[str, str], entry: tuple[str, int, list[str]] | None) -> None:
    if entry is None:
        return
    name, _, lines = entry
    text = " ".join(lines)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0] + " ..."
    if len(re.findall(r"[A-Za-z]+", text)) >= MIN_WORDS and name not in out:
        out[name] = text


def describe_listed(entities: dict[str, Entity], aliases: Iterable[tuple[str, str]]) -> int:
    """Give each member a module's docstring lists what the listing says of it (see the
    module's docstring); returns how many members were described.

    A module's members are the entities defined in it and the names it re-exports
    (`numpy.random.default_rng`, defined in `numpy.random._generator`)."""
    members: dict[str, dict[str, str]] = {}
    for entity in entities.values():
        if entity.parent_path and entity.is_public:
            members.setdefault(entity.parent_path, {})[entity.name] = entity.path
    for alias, target in aliases:
        parent, _, name = alias.rpartition(".")
        if parent in entities:
            members.setdefault(parent, {}).setdefault(name, target)
    described = 0
    for module in entities.values():
        names = members.get(module.path)
        if module.kind != "module" or not names or not module.docstring:
            continue
        for name, text in listed_members(module.docstring, names).items():
            member = entities.get(names[name])
            if member is None or member.path == module.path or _says(member, text):
                continue
            if member.docstring.strip():
                member.sections.append(DocSection(kind="text", text=f"In {module.public_path}: {text}"))
            else:
                member.docstring, member.summary = text, summary_of(text)
                member.sections = [DocSection(kind="text", text=text)]
            described += 1
    return described


def _says(member: Entity, text: str) -> bool:
    """Whether the member's docstring already holds the listing's words."""
    squeeze = lambda s: " ".join(s.split()).lower()  # noqa: E731
    return squeeze(text) in squeeze(member.docstring)

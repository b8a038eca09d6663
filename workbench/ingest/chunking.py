"""Cut entities into self-explaining chunks: each starts with the dotted path and signature."""

from __future__ import annotations

import hashlib
import re

from workbench.ingest.identifiers import expand_identifiers
from workbench.model import Chunk, DocSection, Entity

MAX_CHUNK_CHARS = 1500
MAX_MEMBER_NAMES = 60
#: an undocumented class lists its first members with their summaries, each cut at a word
MEMBER_SUMMARIES = 8
MEMBER_SUMMARY_CHARS = 80
EMBED_CHARS = 700


def render_section(section: DocSection) -> str:
    """A parsed docstring section as readable text (title, then items or prose)."""
    title = section.title or section.kind.capitalize()
    if section.kind == "text":
        return section.text.strip()
    lines = [f"{title}:"]
    if section.items:
        for item in section.items:
            head = item.name or item.annotation
            if item.name and item.annotation:
                head = f"{item.name} ({item.annotation})"
            lines.append(f"  {head}: {item.description}".rstrip(": ") if head else f"  {item.description}")
    elif section.text:
        lines.append(section.text.strip())
    return "\n".join(lines)


def _greedy_join(parts: list[str], separator: str, limit: int) -> list[str]:
    """Join consecutive parts while the result stays within `limit` characters."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if len(candidate) > limit and current:
            pieces.append(current)
            current = part
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _pack(blocks: list[str], limit: int) -> list[str]:
    """Group text blocks into pieces of at most `limit` characters.

    A block too big for one piece is cut at paragraph breaks, and a paragraph too big
    at spaces: never mid-word.
    """
    parts: list[str] = []
    for block in blocks:
        if len(block) <= limit:
            parts.append(block)
            continue
        for paragraph in re.split(r"\n\s*\n", block):
            if len(paragraph) <= limit:
                parts.append(paragraph)
            else:
                parts.extend(_greedy_join(paragraph.split(), " ", limit))
    return _greedy_join(parts, "\n\n", limit)


def header(entity: Entity) -> str:
    """First line of every chunk: `public.path(signature)`."""
    return f"{entity.public_path}{entity.signature}"


def _context_line(entity: Entity) -> str:
    bits = [f"{entity.kind} in {entity.library} {entity.version}".rstrip()]
    if entity.path != entity.public_path:
        bits.append(f"defined in {entity.path}")
    if entity.bases:
        bits.append("bases: " + ", ".join(entity.bases))
    if entity.is_deprecated:
        bits.append("deprecated")
    return "; ".join(bits)


def split_parameters(inner: str) -> list[str]:
    """Split a parameter list on top-level commas (not those inside `[]`, `()` or `{}`)."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in inner:
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _short_signature(entity: Entity) -> str:
    """Parameter names only, for the text the model embeds (annotations cost tokens)."""
    if not entity.signature.startswith("("):
        return ""
    inner = entity.signature[1 : entity.signature.rfind(")")] if ")" in entity.signature else ""
    names = [p.split(":")[0].split("=")[0].strip() for p in split_parameters(inner)]
    return "(" + ", ".join(n for n in names if n) + ")"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def chunk_entity(entity: Entity, member_names: list[str] | None = None) -> list[Chunk]:
    """One chunk per entity; a long docstring is split on section boundaries.

    Chunk 0 holds the summary and the first sections; later chunks each repeat the header
    line so that every chunk explains itself. `member_names` (public members of a class or
    module, including undocumented attributes that get no chunk of their own) are listed
    in chunk 0 so that a search for an attribute finds its owner.
    """
    head = header(entity)
    context = _context_line(entity)
    blocks = [render_section(s) for s in entity.sections if render_section(s)]
    if not blocks and entity.docstring.strip():
        blocks = [entity.docstring.strip()]
    members_line = ""
    if member_names:
        shown = member_names[:MAX_MEMBER_NAMES]
        more = f" (+{len(member_names) - len(shown)} more)" if len(member_names) > len(shown) else ""
        members_line = "Members: " + ", ".join(shown) + more
        blocks.append(members_line)
    budget = MAX_CHUNK_CHARS - len(head) - len(context) - 2
    pieces = _pack(blocks, max(budget, 400)) or [""]
    chunks = []
    embed_head = f"{entity.public_path}{_short_signature(entity)}"
    for ordinal, body in enumerate(pieces):
        text = "\n".join(part for part in (head, context, body) if part)
        embed_text = (f"{embed_head}\n{body}" if body else f"{embed_head}\n{entity.kind}")[:EMBED_CHARS]
        # camelCase words of the entity's own names and prose, not of its member list:
        # a module listing `ReadTimeout` should not outrank `ReadTimeout` itself
        own = body.replace(members_line, "") if members_line else body
        fts_text = f"{text}\n{expand_identifiers(head + ' ' + own)}"
        chunks.append(
            Chunk(
                entity_path=entity.path,
                library=entity.library,
                ordinal=ordinal,
                text=text,
                embed_text=embed_text,
                fts_text=fts_text,
                text_hash=_hash(embed_text),
            )
        )
    return chunks


def gets_own_chunk(entity: Entity) -> bool:
    """Whether an entity is embedded on its own.

    Undocumented attributes are listed in their owner's chunk instead, and undocumented
    dunder methods (`__init__`, `__repr__`...) add nothing to their class's chunk, which
    already shows the `__init__` signature: both stay entities, found through the owner.
    """
    if entity.docstring.strip():
        return True
    dunder = entity.name.startswith("__") and entity.name.endswith("__")
    return entity.kind != "attribute" and not (dunder and entity.kind == "method")


def chunk_entities(entities: list[Entity], aliases: list[tuple[str, str]] | None = None) -> list[Chunk]:
    """Chunks of a library's entities, with alias paths added to the full-text column."""
    undocumented_classes = {e.path for e in entities if e.kind == "class" and not e.docstring.strip()}
    members: dict[str, list[str]] = {}
    described: dict[str, int] = {}
    for entity in entities:
        dunder = entity.name.startswith("__")
        if entity.parent_path and entity.is_public and not dunder and entity.kind != "module":
            name = entity.name
            parent = entity.parent_path
            described_enough = described.get(parent, 0) >= MEMBER_SUMMARIES
            if parent in undocumented_classes and entity.summary and not described_enough:
                # what the class does, said by its methods (`anyio.Event`: set, wait)
                described[parent] = described.get(parent, 0) + 1
                name = f"{name} ({_cut(entity.summary, MEMBER_SUMMARY_CHARS)})"
            members.setdefault(parent, []).append(name)
    alias_paths: dict[str, list[str]] = {}
    for alias, target in aliases or []:
        alias_paths.setdefault(target, []).append(alias)
    chunks: list[Chunk] = []
    for entity in entities:
        if not gets_own_chunk(entity):
            continue
        names = members.get(entity.path) if entity.kind in {"class", "module"} else None
        for chunk in chunk_entity(entity, names):
            if chunk.ordinal == 0 and entity.path in alias_paths:
                chunk.fts_text += "\n" + " ".join(alias_paths[entity.path])
            chunks.append(chunk)
    return chunks


#: a card's summary is cut (at a word) after this many characters: held out on the bundled
#: set, 120 and 90 ranked as well as whole summaries, and the longest 10% of cards cost
#: twice the mean to embed
CARD_SUMMARY_CHARS = 120


def card_text(public_path: str, library: str, summary: str) -> str:
    """An entity's card (see `store.cards`): its name with its parent, then its summary.

    The library's name is left out of the name unless it is all there is, so that the
    card reads like the way people refer to the entity:

    >>> card_text("httpx.Client.get", "httpx", "Send a GET request.")
    'Client.get: Send a GET request.'
    >>> card_text("os.path.join", "os", "")
    'path.join'
    >>> card_text("httpx", "httpx", "HTTPX: a next-generation HTTP client.")
    'httpx: HTTPX: a next-generation HTTP client.'
    """
    parts = public_path.split(".")
    if len(parts) > 1 and parts[0] == library:
        parts = parts[1:]
    name = ".".join(parts[-2:])
    summary = _cut(summary, CARD_SUMMARY_CHARS)  # at a word: the rest costs time, not meaning
    return f"{name}: {summary}" if summary else name


def _cut(text: str, limit: int) -> str:
    """`text` on one line, cut at a word after `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def card_hash(text: str) -> str:
    """The hash a stored card is known by (its vector is reused while it stays the same)."""
    return _hash(text)

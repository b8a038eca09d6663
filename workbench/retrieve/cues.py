"""What a query says about the entity it wants, and how a candidate's words meet it: the
query-aware features of the learned ranker.

Hybrid's scores compare a question with chunk texts; they do not see that "read a csv
file" spells out the words of `read_csv` and only half of `read_clipboard`, that "which
exception ..." asks for an exception class, or that a candidate lives under `tests/`.
These features say so from what a search already holds (the query, the hit's paths,
kind, library and summary), with no query to the file and no per-library rule, so a
question worded differently from the bundled ones is judged the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from workbench.ingest.identifiers import is_private_name, split_identifier
from workbench.model import Hit
from workbench.retrieve.understand import FILLER

#: words that carry no meaning of their own in a question (beside `FILLER`, the words of
#: asking): matching them in a name or summary says nothing
STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        "of in on at by for from into onto to with without and or not no it its this that "
        "these those as be been being was were has have had will all each every any some "
        "one two than then so if when while where who whom whose why also only just but up "
        "out over under about after before between through",
    )
)

#: question words that ask for a kind of entity, and the kinds that answer them
KIND_CUES: dict[str, frozenset[str]] = {
    "class": frozenset({"class"}),
    "classes": frozenset({"class"}),
    "type": frozenset({"class"}),
    "object": frozenset({"class"}),
    "method": frozenset({"method"}),
    "methods": frozenset({"method"}),
    "function": frozenset({"function", "method"}),
    "functions": frozenset({"function", "method"}),
    "attribute": frozenset({"attribute", "property"}),
    "attributes": frozenset({"attribute", "property"}),
    "property": frozenset({"property", "attribute"}),
    "field": frozenset({"attribute", "property"}),
    "constant": frozenset({"attribute"}),
    "constants": frozenset({"attribute"}),
    "module": frozenset({"module"}),
    "package": frozenset({"module"}),
}
#: question words that ask for an exception class
EXCEPTION_CUES = frozenset(
    {"exception", "exceptions", "error", "errors", "raise", "raises", "raised", "thrown", "throws"}
)
#: question words that ask for a decorator
DECORATOR_CUES = frozenset({"decorator", "decorate", "decorates", "decorating"})
#: path parts that mark code users do not call: tests, vendored and internal modules
HIDDEN_PARTS = frozenset({"test", "tests", "internal", "vendor", "vendored", "compat"})
#: name endings of exception classes (`ReadTimeout` is one too, but `Timeout` is also a
#: config class: only these are sure)
EXCEPTION_ENDINGS = ("error", "exception", "warning")

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem, the same for both sides of a comparison: read/reads/reading -> read,
    parse/parses/parsed -> pars, file/files -> fil. Not a real stemmer (none in the
    dependencies, and Porter's would need a query to DuckDB): it only has to merge the
    forms a question and a name use for one word.

    >>> [stem(w) for w in ("reading", "reads", "parsed", "parse", "files", "matches", "class")]
    ['read', 'read', 'pars', 'pars', 'fil', 'match', 'class']
    """
    w = word.lower()
    for suffix in ("ing", "ies", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            if suffix == "es" and not w.endswith(("ches", "shes", "sses", "xes", "zes")):
                w = w[:-1]  # files -> file (then -> fil below), not fil-es
                break
            w = w[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


@lru_cache(maxsize=16384)
def identifier_stems(identifier: str) -> frozenset[str]:
    """Stems of the words of a dotted, snake_case or camelCase identifier.

    >>> sorted(identifier_stems("DataFrame.read_csv"))
    ['csv', 'data', 'fram', 'read']
    """
    return frozenset(stem(w) for w in split_identifier(identifier) if w and not w.isdigit())


@lru_cache(maxsize=16384)
def compact_stems(identifier: str) -> frozenset[str]:
    """Stems of each dotted part written as one word, as people write "dataframe" for
    `DataFrame` or "readtimeout" for `ReadTimeout`.

    >>> sorted(compact_stems("DataFrame.read_csv"))
    ['datafram', 'readcsv']
    """
    return frozenset(stem(p.replace("_", "").lower()) for p in identifier.split(".") if p.strip("_"))


@lru_cache(maxsize=16384)
def text_stems(text: str) -> frozenset[str]:
    """Stems of the meaningful words of prose (identifiers in it split into words).

    These three are cached: the same names and summaries come back query after query,
    and a cached set is ~20x quicker than splitting and stemming again."""
    out: set[str] = set()
    for token in _IDENT.findall(text):
        for word in split_identifier(token):
            if word and not word.isdigit() and word not in FILLER and word not in STOPWORDS:
                out.add(stem(word))
    return frozenset(out)


@dataclass(frozen=True)
class QueryCues:
    """A query read once for every candidate: its content stems and the kinds it asks for."""

    stems: frozenset[str]
    kinds: frozenset[str]
    exception: bool
    decorator: bool

    @classmethod
    def read(cls, query: str) -> QueryCues:
        """The cues of `query` (lower-cased words; identifiers split into words)."""
        words = {w.lower() for w in _WORD.findall(query)}
        kinds = frozenset(k for w in words for k in KIND_CUES.get(w, ()))
        return cls(
            stems=text_stems(query),
            kinds=kinds,
            exception=bool(words & EXCEPTION_CUES),
            decorator=bool(words & DECORATOR_CUES),
        )


def share(wanted: frozenset[str], found: frozenset[str]) -> float:
    """The share of `wanted` that is in `found` (0 when nothing is wanted)."""
    return len(wanted & found) / len(wanted) if wanted else 0.0


def is_exception_class(hit: Hit) -> bool:
    """A class named like an exception (`ReadError`, `JSONDecodeError`, `UserWarning`)."""
    return hit.kind == "class" and hit.path.rsplit(".", 1)[-1].lower().endswith(EXCEPTION_ENDINGS)


def is_hidden(definition_path: str) -> bool:
    """Defined in a private, test, vendored or internal module or class."""
    parts = definition_path.split(".")
    return any(is_private_name(p) or p.lower() in HIDDEN_PARTS for p in parts[:-1])


def _path_words(hit: Hit) -> tuple[str, str, str]:
    """(name, parent, the public path without a root that is just the library's name)."""
    parts = hit.path.split(".")
    name = parts[-1]
    parent = parts[-2] if len(parts) > 1 else ""
    if parts[0] == hit.library and len(parts) > 1:
        parts = parts[1:]
        parent = parent if len(parts) > 1 else ""
    return name, parent, ".".join(parts)


#: the query-aware features, in the order `cue_features` returns them
CUE_FEATURES: tuple[str, ...] = (
    "name_share",
    "name_coverage",
    "path_share",
    "parent_named",
    "summary_share",
    "kind_cue_match",
    "kind_cue_miss",
    "exception_cue_match",
    "decorator_cue_match",
    "library_named",
    "name_words",
    "hidden",
    "dunder",
    "builtin",
)


def cue_features(hit: Hit, cues: QueryCues) -> list[float]:
    """One candidate's query-aware features (see `CUE_FEATURES`).

    - name_share: share of the query's content stems in the entity's name (read_csv ->
      read, csv); name_coverage: share of the name's stems the query holds
      (read_clipboard is half covered by "read a csv file"; "dataframe" covers
      `DataFrame`); path_share: the same as name_share over the public path without the
      library root; parent_named: the query holds every stem of the parent, a class or
      module ("close the client" and `Client.close`); summary_share: query stems in the
      summary.
    - kind cues ("class", "method", "exception", "decorator") against the kind;
      library_named: the query named the entity's library.
    - name_words, hidden (test, internal, private module), dunder and builtin describe
      the entity alone.
    """
    name, parent, public = _path_words(hit)
    name_stems = identifier_stems(name)
    path_stems = identifier_stems(public) | compact_stems(public)
    whole_name = compact_stems(name)
    parent_stems = identifier_stems(parent) if parent else frozenset()
    exception = is_exception_class(hit)
    decorator = "decorat" in hit.summary.lower()
    named = hit.explain.get("named_libraries") or ()
    return [
        share(cues.stems, name_stems | whole_name),
        1.0 if whole_name & cues.stems else share(name_stems, cues.stems),
        share(cues.stems, path_stems),
        1.0 if parent_stems and parent_stems <= cues.stems else 0.0,
        share(cues.stems, text_stems(hit.summary)) if hit.summary else 0.0,
        1.0 if cues.kinds and hit.kind in cues.kinds else 0.0,
        1.0 if cues.kinds and hit.kind not in cues.kinds and not (cues.exception and exception) else 0.0,
        # no "is an exception" feature alone: fitted on 5 questions whose answer is one
        # among many exception-named distractors, it learnt to push every exception class
        # down unless the question says "error" ("read timeout" lost `ReadTimeoutError`)
        1.0 if cues.exception and exception else 0.0,
        1.0 if cues.decorator and decorator else 0.0,
        1.0 if hit.library in named else 0.0,
        float(len(name_stems)),
        1.0 if is_hidden(hit.definition_path) else 0.0,
        1.0 if name.startswith("__") and name.endswith("__") else 0.0,
        1.0 if hit.definition_path.startswith("builtins.") else 0.0,
    ]

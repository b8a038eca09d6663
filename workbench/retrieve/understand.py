"""Query understanding: which library a question names, and which of its words are filler.

"how do I set a timeout with httpcore" names httpcore: the search looks there (a user who
names a library means it). "How do I", "is there a way to" and the like are filler that
BM25 would otherwise match in thousands of docstrings.
"""

from __future__ import annotations

import re

#: library names that are also ordinary English words: they count only after a marker
#: ("in rich", "with click", "using transformers") or in code form (`click.`, `rich's`)
AMBIGUOUS = frozenset({"click", "rich", "packaging", "textual", "transformers", "tokenizers", "yaml"})
_MARKERS = ("in", "with", "using", "via", "from", "for", "of", "does", "do", "can")

#: other spellings people use for an import name
SPELLINGS = {
    "pyyaml": "yaml",
    "huggingface": "huggingface_hub",
    "hf hub": "huggingface_hub",
    "hugging face hub": "huggingface_hub",
    "jinja": "jinja2",
    "sbert": "sentence_transformers",
    "np": "numpy",
}

#: the words of asking, not of the API: "how do I", "is there a way to", "in python". Not
#: the index's whole stopword list: documents lose those before stemming, but a query word
#: like "values" still matches through its stem ("valu"), and dropping it would lose that
FILLER = frozenset(
    [
        "how",
        "do",
        "does",
        "did",
        "i",
        "is",
        "are",
        "am",
        "there",
        "a",
        "an",
        "the",
        "way",
        "ways",
        "to",
        "can",
        "could",
        "would",
        "should",
        "want",
        "wanna",
        "need",
        "needs",
        "trying",
        "try",
        "tell",
        "let",
        "lets",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "python",
        "programmatically",
        "possible",
        "somehow",
        "easily",
        "properly",
        "correctly",
        "correct",
        "proper",
        "best",
        "what",
        "which",
    ]
)

_WORD = re.compile(r"[A-Za-z0-9]+")


def _normal(text: str) -> str:
    """Lower case, `_` and `-` as spaces, single-spaced: 'Sentence-Transformers' matches."""
    return " ".join(re.sub(r"[-_]+", " ", text.lower()).split())


def named_libraries(query: str, known: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Indexed libraries the query names, in the order it names them.

    >>> named_libraries("set a pool timeout with httpcore", {"httpcore", "httpx"})
    ('httpcore',)
    >>> named_libraries("click a button", {"click", "textual"})
    ()
    """
    if not known:
        return ()
    text = f" {_normal(query)} "
    found: list[tuple[int, str]] = []
    names = {_normal(lib): lib for lib in known}
    names.update({spelling: lib for spelling, lib in SPELLINGS.items() if lib in known})
    for spoken, lib in names.items():
        for match in re.finditer(rf"(?<=[ (`'\"]){re.escape(spoken)}(?=[ .,;:?!)`'\"])", text):
            if lib in AMBIGUOUS and not _marked(text, match.start(), match.end(), query, lib):
                continue
            found.append((match.start(), lib))
            break
    ordered = [lib for _, lib in sorted(found)]
    return tuple(dict.fromkeys(ordered))


def _marked(text: str, start: int, end: int, query: str, lib: str) -> bool:
    """An ambiguous name counts after a marker word, or written as code (`click.echo`)."""
    before = text[:start].split()
    if before and before[-1] in _MARKERS:
        return True
    return bool(re.search(rf"\b{re.escape(lib)}(\.\w|'s\b|`)", query, re.IGNORECASE))


def bm25_text(query: str) -> str:
    """The query without `FILLER`, for BM25; the query itself if nothing is left.

    >>> bm25_text("how do I split a string on whitespace in python")
    'split string on whitespace in'
    """
    kept = [w for w in re.findall(r"\S+", query) if _keeps(w)]
    return " ".join(kept) or query


def _keeps(token: str) -> bool:
    words = [w.lower() for w in _WORD.findall(token)]
    if not words:
        return False
    if len(words) > 1 or re.search(r"[._]", token.strip(".,;:?!")):
        return True  # identifiers (`read_csv`, `os.path`) are never filler
    return words[0] not in FILLER

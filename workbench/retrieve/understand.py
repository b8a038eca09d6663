"""Query understanding: which library a question names, and which of its words are filler.

"how do I set a timeout with httpcore" names httpcore: the search looks there (a user who
names a library means it). "How do I", "is there a way to" and the like are filler that
BM25 would otherwise match in thousands of docstrings ("way" and "use" are everywhere).
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

#: filler the index's English stopwords leave in: words of the asking, not of the API
FILLER = frozenset(
    {
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
        "way",
        "ways",
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
    }
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


def bm25_text(query: str, stopwords: frozenset[str]) -> str:
    """The query without stopwords and filler, for BM25; the query itself if nothing is left.

    The index drops stopwords from documents but a query's "using" stems to "use", which
    documents do contain: removing them before stemming keeps them out.

    >>> bm25_text("how do I split a string on whitespace", frozenset({"how", "do", "i", "a", "on"}))
    'split string whitespace'
    """
    kept = [w for w in re.findall(r"\S+", query) if _keeps(w, stopwords)]
    return " ".join(kept) or query


def _keeps(token: str, stopwords: frozenset[str]) -> bool:
    words = [w.lower() for w in _WORD.findall(token)]
    if not words:
        return False
    if len(words) > 1 or re.search(r"[._]", token.strip(".,;:?!")):
        return True  # identifiers (`read_csv`, `os.path`) are never filler
    return words[0] not in stopwords and words[0] not in FILLER

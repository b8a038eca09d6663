"""Which relations a question asks to follow, in the order it asks for them.

"Which exception does httpx raise when a request times out, and what is its base class?"
asks for `raises` then `inherits`; "what inherits from Widget" for `inherits` against the
edge direction. No model is involved: cue phrases, matched in order of appearance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hop:
    """One step of a walk: follow `relation` along (`out`) or against (`in`) its edges."""

    relation: str
    direction: str = "out"

    def __str__(self) -> str:
        return f"{self.relation}{'' if self.direction == 'out' else ' (reverse)'}"


#: "what raises X", "which functions return X": the question names the edge's target.
#: "what does X raise" (an auxiliary verb after the question word) names its source.
#: A cue that names what kind of thing is asked for; a hop only if nothing else is.
ANSWER_KIND = Hop("member_of", "answer-kind")
_AUXILIARY = r"(?:does|do|did|can|could|will|would|might|may|is|are)\b"
_ASKED_OF = rf"^(?:what|which)(?:\s+(?!{_AUXILIARY})\w+){{0,2}}?\s+"
#: (pattern, hop), tried in this order; a later pattern never matches text an earlier one took.
CUES: tuple[tuple[str, Hop | tuple[Hop, ...]], ...] = (
    # "which method does X override": the kind of the answer, not a hop (unless alone)
    (rf"\b(?:which|what)\s+(?:methods?|attributes?|properties|members?)\s+(?={_AUXILIARY})", ANSWER_KIND),
    (r"\bgrand-?(?:parent|base) class(?:es)?\b", (Hop("inherits"), Hop("inherits"))),
    (r"\b(?:subclass(?:es)?|derived classes|child classes)\b(?!\s+of\s+what)", Hop("inherits", "in")),
    (_ASKED_OF + r"(?:inherits?|derives?|extends?)\s+from\b", Hop("inherits", "in")),
    (
        r"\b(?:base class(?:es)?|parent class(?:es)?|superclass(?:es)?"
        r"|inherits?\s+from|derives?\s+from|subclass\s+of)\b",
        Hop("inherits"),
    ),
    (r"\b(?:overrides?|overridden|reimplements?)\b", Hop("overrides")),
    (_ASKED_OF + r"(?:raises?|throws?)\b", Hop("raises", "in")),
    (r"(?<!from )\b(?:exceptions?|errors?|raises?|raised|raising|throws?|thrown)\b", Hop("raises")),
    (_ASKED_OF + r"(?:returns?|gives? back|produces?)\b", Hop("returns", "in")),
    (r"\b(?:returns?|returned|gives? back|get back|result (?:type|object))\b", Hop("returns")),
    (_ASKED_OF + r"(?:accepts?|takes?)\b", Hop("accepts", "in")),
    (r"\b(?:accepts?|arguments?|parameters?|pass(?:ed)? in|expects?)\b", Hop("accepts")),
    (_ASKED_OF + r"(?:calls?|invokes?|uses)\b", Hop("calls", "in")),
    (r"\b(?:calls?|invokes?|calling)\b", Hop("calls")),
    (r"\b(?:re-?exports?|exposed by|exported by)\b", Hop("reexports", "in")),
    (r"\b(?:methods?|attributes?|members?|properties|iterate|iterating|fields?)\b", Hop("member_of", "in")),
)


_OUTER = re.compile(r"\s+(?:of|for)\s+(?:the|a|an|this|that)\b")


def relation_chain(question: str, max_hops: int = 3) -> list[Hop]:
    """The hops a question asks for, consecutive repeats merged.

    Cues are taken in order of appearance, except "<cue> of the ...": "the base class of
    the error raised by X" walks `raises` first and `inherits` last, so such outer cues
    go after the others, innermost first.
    """
    text = question.strip().lower()
    taken: list[tuple[int, int]] = []
    inner: list[tuple[int, tuple[Hop, ...]]] = []
    outer: list[tuple[int, tuple[Hop, ...]]] = []
    for pattern, hop in CUES:
        for match in re.finditer(pattern, text):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            hops = hop if isinstance(hop, tuple) else (hop,)
            (outer if _OUTER.match(text, end) else inner).append((start, hops))
    ordered = [h for _, h in sorted(inner, key=lambda f: f[0])]
    ordered += [h for _, h in sorted(outer, key=lambda f: -f[0])]
    if any(hops != (ANSWER_KIND,) for hops in ordered):
        ordered = [hops for hops in ordered if hops != (ANSWER_KIND,)]
    else:
        ordered = [(Hop("member_of", "in"),) for _ in ordered]
    chain: list[Hop] = []
    for hops in ordered:
        if not chain or chain[-1] != hops[0]:  # "the error raised": one hop, said twice
            chain.extend(hops)
    return chain[:max_hops]

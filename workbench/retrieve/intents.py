"""Which relations a question asks to follow, in the order it asks for them.

"Which exception does httpx raise when a request times out, and what is its base class?"
asks for `raises` then `inherits`; "what inherits from Widget" for `inherits` against the
edge direction. No model is involved: cue phrases, read clause by clause.

Rules, each general (none names a library):
- A question is cut into clauses (";", "?", ", and which ...") taken in order.
- Identifiers (`Parameter.process_value`, `raise_for_status`, `HTTPError`) are not words:
  "parameter" in `Parameter.process_value` is no cue.
- A member hop needs a question form: "which method of it", "which of its properties";
  "the method that ..." describes where to start, not a hop. Words after a member hop in
  its clause describe that member ("which method of it returns the first node").
- A verb right after "that" describes a noun ("the method that calls ..."): no hop.
- "the base class of the error raised by X" refers forward: inside such a clause the
  outer cue ("base class of the") comes after the inner one (`raises`, then `inherits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Hop:
    """One step of a walk: follow `relation` along (`out`) or against (`in`) its edges.

    `text` is the clause of the question that asked for it ("which method of it reads the
    body as JSON"): what the nodes it reaches are compared to.
    """

    relation: str
    direction: str = "out"
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.relation}{'' if self.direction == 'out' else ' (reverse)'}"


#: A cue that names what kind of thing is asked for; a hop only if nothing else is.
ANSWER_KIND = Hop("member_of", "answer-kind")
_AUXILIARY = r"(?:does|do|did|can|could|will|would|might|may|is|are)\b"
#: "what raises X", "which functions return X": the question names the edge's target;
#: "what does X raise" (an auxiliary verb after the question word) names its source.
_ASKED_OF = rf"^\s*(?:what|which)(?:\s+(?!{_AUXILIARY})\w+){{0,2}}?\s+"
_MEMBER_NOUN = r"(?:methods?|attributes?|propert(?:y|ies)|members?|fields?)"
_LEVELS = {"two": 2, "three": 3}

#: (pattern, hops), tried in this order; a later pattern never takes text an earlier one took.
CUES: tuple[tuple[str, tuple[Hop, ...]], ...] = (
    # "which method does X override": the kind of the answer, not a hop (unless alone)
    (rf"\b(?:which|what)\s+(?:of\s+its\s+)?{_MEMBER_NOUN}\s+(?={_AUXILIARY})", (ANSWER_KIND,)),
    (r"\bgrand-?(?:parent|base) class(?:es)?\b", (Hop("inherits"),) * 2),
    (r"\b(?P<levels>two|three)\s+(?:inheritance\s+)?levels?\s+(?:up|above|higher)\b", (Hop("inherits"),)),
    (r"\b(?:subclass(?:es)?|derived classes|child classes)\b(?!\s+of\s+what)", (Hop("inherits", "in"),)),
    (_ASKED_OF + r"(?:inherits?|derives?|extends?)\s+from\b", (Hop("inherits", "in"),)),
    (
        r"\b(?:base class(?:es)?|parent class(?:es)?|superclass(?:es)?|inheritance chain"
        r"|inherits?\s+from|derives?\s+from|subclass\s+of|base of)\b",
        (Hop("inherits"),),
    ),
    (r"\b(?:overrides?|overridden|reimplements?)\b", (Hop("overrides"),)),
    (_ASKED_OF + r"(?:raises?|throws?)\b", (Hop("raises", "in"),)),
    (
        r"(?<!from )(?<!that )(?<!this )(?<!same )\b(?:exceptions?|errors?)\b(?!\s+class)(?!'s)"
        r"|\b(?:raises?|raised|raising|throws?|thrown)\b",
        (Hop("raises"),),
    ),
    (_ASKED_OF + r"(?:returns?|gives? back|produces?)\b", (Hop("returns", "in"),)),
    (
        r"\b(?:returns?|returned|yields?|gives? back|hands? back|get back|result (?:type|object)"
        r"|is of (?:which|what) type|(?:what|which) (?:type|kind) of \w+ (?=does|do|is)"
        r"|(?:what|which) (?:type|kind) (?=does|do|is|will)"
        r"|gives? (?:me |you )?(?:back )?an? (?:object|instance)"
        r"|(?:object|instance)s? of (?:which|what) type)\b",
        (Hop("returns"),),
    ),
    (_ASKED_OF + r"(?:accepts?|takes?)\b", (Hop("accepts", "in"),)),
    (
        r"\b(?:accepts?|takes?|expects?|(?:which|what)\s+(?:\w+\s+)?(?:arguments?|parameters?)"
        r"|(?:arguments?|parameters?) of (?:which|what) type)\b",
        (Hop("accepts"),),
    ),
    (_ASKED_OF + r"(?:calls?|invokes?|uses)\b", (Hop("calls", "in"),)),
    (r"\b(?:calls|calling|invokes?|does it call|do they call)\b", (Hop("calls"),)),
    (r"\b(?:re-?exports?|exposed by|exported by)\b", (Hop("reexports", "in"),)),
    (r"\bdefined (?:in|on|by) (?:which|what)\b", (Hop("member_of"),)),
    (
        rf"\b(?:(?:which|what)\s+(?:[\w-]+\s+){{0,2}}?{_MEMBER_NOUN}|of\s+its\s+{_MEMBER_NOUN}"
        rf"|its\s+{_MEMBER_NOUN}|the\s+(?:methods|attributes|properties|members)\s+of|iterate|iterating)\b",
        (Hop("member_of", "in"),),
    ),
)

_CLAUSE_BREAK = re.compile(r"[;?:]\s*|,?\s+and\s+(?=(?:which|what|how|where)\b)|,\s*(?=(?:which|what)\b)")
_IDENTIFIER = re.compile(r"\b\w+(?:\.\w+)+\b|\b\w*_\w+\b|\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z0-9]+[A-Z]\w*\b")
_VERB = re.compile(
    r"(?:calls|invokes?|raises?|returns?|yields?|accepts?|takes?|overrides?|inherits?|throws?"
    r"|expects?|uses|gives?|produces?)\b"
)
_FORWARD = re.compile(r"\s+(?:of|for)\s+(?:the|a|an)\b")
_PARTICIPLE = re.compile(r"\b(?:raised|returned|thrown|accepted|called|yielded)\b")


@dataclass
class _Cue:
    start: int
    end: int
    hops: tuple[Hop, ...]


def _mask_identifiers(text: str) -> str:
    """Identifiers become filler of the same length, so no cue matches inside them."""
    return _IDENTIFIER.sub(lambda m: "#" * len(m.group()), text)


def _clause_cues(clause: str) -> list[_Cue]:
    cues: list[_Cue] = []
    for pattern, hops in CUES:
        for match in re.finditer(pattern, clause):
            start, end = match.span()
            if any(start < c.end and c.start < end for c in cues):
                continue
            if _VERB.match(match.group()) and re.search(r"\b(?:that|which|who)\s+$", clause[:start]):
                continue  # "the method that calls ...": describes a noun
            found = hops
            if match.groupdict().get("levels"):
                found = (Hop("inherits"),) * _LEVELS[match.group("levels")]
            cues.append(_Cue(start, end, found))
    cues.sort(key=lambda c: c.start)
    # "calls which method": the member noun names the callee, not another hop
    cues = [
        c
        for i, c in enumerate(cues)
        if not (c.hops[0].relation == "member_of" and i and clause[cues[i - 1].end : c.start].strip() == "")
    ]
    # "the base class of the error raised by X": outer cues go after the inner ones
    if _PARTICIPLE.search(clause):
        outer = [c for c in cues if _FORWARD.match(clause, c.end)]
        if outer and len(outer) < len(cues):
            return [c for c in cues if c not in outer] + list(reversed(outer))
    # otherwise words after a member hop describe that member
    for i, cue in enumerate(cues):
        if cue.hops == (Hop("member_of", "in"),):
            return cues[: i + 1]
    return cues


def _clause_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def relation_chain(question: str, max_hops: int = 3) -> list[Hop]:
    """The hops a question asks for, clause by clause; see the module docstring."""
    original = question.strip()
    text = _mask_identifiers(original).lower()
    per_clause: list[list[tuple[Hop, ...]]] = []
    for start, end in _clause_spans(text):
        clause = text[start:end]
        merged: list[tuple[Hop, ...]] = []
        for cue in _clause_cues(clause):
            cue.hops = tuple(replace(h, text=original[start:end].strip()) for h in cue.hops)
            if merged and merged[-1][-1] == cue.hops[0]:  # "which exception ... raise": one hop
                if len(cue.hops) > 1:
                    merged[-1] = merged[-1] + cue.hops[1:]
                continue
            merged.append(cue.hops)
        per_clause.append(merged)
    ordered = [hops for clause in per_clause for hops in clause]
    if any(hops != (ANSWER_KIND,) for hops in ordered):
        ordered = [hops for hops in ordered if hops != (ANSWER_KIND,)]
    else:
        ordered = [(Hop("member_of", "in", hops[0].text),) for hops in ordered]
    chain = [hop for hops in ordered for hop in hops]
    return chain[:max_hops]

"""The ranking levers of hybrid search that `workbench eval` switches one by one.

Each lever is on by default (every face uses the defaults); the ablation table in
`workbench eval` turns each one off in turn and reports what it is worth and what it costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Levers:
    """Switches over hybrid search's query understanding and priors.

    Attributes:
        named_library: a library the query names ("with httpcore") restricts the search to
            it, unless the caller chose libraries (nothing found there: the whole index).
        filler_words: stopwords and filler ("how do I", "is there a way") are left out of
            the BM25 query (the embedding model reads the whole question).
        graph_prior: weight of the graph prior, which grows with an entity's in-degree
            over calls, mentions, returns, ... (see `graph_prior`; 0 = off).
        learned_ranker: the ranker `workbench eval --fit-ranker` saved in the file
            re-orders the top candidates (a file without one: nothing happens).
    """

    named_library: bool = True
    filler_words: bool = True
    graph_prior: float = 0.01
    learned_ranker: bool = True

    def without(self, name: str) -> Levers:
        """These levers with one of them off."""
        off = 0.0 if isinstance(getattr(self, name), float) else False
        return replace(self, **{name: off})


#: lever names, in the order the ablation table lists them
LEVER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Levers))

#: no lever: hybrid search as it was before them
NO_LEVERS = Levers(named_library=False, filler_words=False, graph_prior=0.0, learned_ranker=False)

#: in-degree at which the graph prior is full; `torch.Tensor`'s 26k count no more than 200
PRIOR_SATURATION = 200


def graph_prior(in_degree: int, weight: float) -> float:
    """`weight` times the square of log(1 + in-degree) / log(1 + PRIOR_SATURATION), capped.

    Squared, so that a few incoming edges are noise (2 of them add 4% of the weight, not
    21%) and hubs that many entities point at collect the prior: a new function that
    both retrievers rank first is not overtaken by a neighbour called twice.

    >>> graph_prior(0, 0.01), graph_prior(200, 0.01), graph_prior(5000, 0.01)
    (0.0, 0.01, 0.01)
    >>> round(graph_prior(2, 0.01), 5), round(graph_prior(50, 0.01), 5)
    (0.00043, 0.0055)
    """
    if weight <= 0 or in_degree <= 0:
        return 0.0
    return weight * min(1.0, math.log1p(in_degree) / math.log1p(PRIOR_SATURATION)) ** 2

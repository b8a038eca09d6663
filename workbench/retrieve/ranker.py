"""A learned re-ranker over the features hybrid search already computes, judged only by
k-fold cross-validation: fitted on some questions, scored on the others.

Each question's top candidates (from hybrid search with every lever) become feature rows,
labelled by whether they answer it; a logistic regression learns how to weigh them. The
held-out mean is what `workbench eval` reports, beside the unlearned order on the same
folds, so a gain that only fits the questions it was fitted to cannot show.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workbench.model import Hit
from workbench.retrieve.cues import CUE_FEATURES, QueryCues, cue_features
from workbench.retrieve.metrics import mrr_at, ndcg_at, recall_at

KINDS = ("class", "function", "method", "property", "attribute", "module")
FEATURES: tuple[str, ...] = (
    "rrf",
    "vector_similarity",
    "bm25_relative",
    "vector_reciprocal_rank",
    "bm25_reciprocal_rank",
    "names_entity",
    "public",
    "member_support",
    "log_in_degree",
    "log_used_by_libraries",
    "log_parent_in_degree",
    "log_doc_length",
    "log_library_size",
    "path_depth",
    "has_summary",
    "card_similarity",
    "card_gap",
    "card_reciprocal_rank",
    "card_top10",
    *(f"kind_{k}" for k in KINDS),
    *CUE_FEATURES,
)


def card_similarity(hit: Hit) -> float:
    """How well the hit's card (`store.cards`: name and summary) meets the query; a hit
    without one (a file from before cards) falls back to its best chunk's similarity."""
    e = hit.explain
    card = e.get("card_similarity")
    return float(card if card is not None else e.get("vector_similarity") or 0.0)


def features(hit: Hit, best_bm25: float, cues: QueryCues, best_card: float = 0.0) -> list[float]:
    """One candidate's feature row (see `FEATURES`); `best_bm25` scales its BM25 score,
    `best_card` is the best card similarity among the candidates, `cues` (the query read
    once) give the query-aware part (`workbench.retrieve.cues`)."""
    e = hit.explain
    v_rank, b_rank = e.get("vector_rank"), e.get("bm25_rank")
    card = card_similarity(hit)
    card_rank = e.get("card_rank")
    return [
        float(e.get("rrf") or 0.0) * 100,
        float(e.get("vector_similarity") or 0.0),
        float(e.get("bm25_score") or 0.0) / best_bm25 if best_bm25 else 0.0,
        1.0 / v_rank if v_rank else 0.0,
        1.0 / b_rank if b_rank else 0.0,
        1.0 if e.get("name_boost") else 0.0,
        1.0 if hit.is_public else 0.0,
        float(e.get("member_support") or 0.0) * 100,
        math.log1p(int(e.get("in_degree") or 0)),
        math.log1p(int(e.get("used_by_libraries") or 0)),
        math.log1p(int(e.get("parent_in_degree") or 0)),
        math.log1p(int(e.get("doc_length") or 0)),
        math.log1p(int(e.get("library_size") or 0)),
        float(hit.path.count(".")),
        1.0 if hit.summary else 0.0,
        card,
        card - best_card,
        1.0 / card_rank if card_rank else 0.0,
        1.0 if card_rank and card_rank <= 10 else 0.0,
        *(1.0 if hit.kind == k else 0.0 for k in KINDS),
        *cue_features(hit, cues),
    ]


@dataclass
class Question:
    """A question, its candidates (best first, as hybrid ranked them) and its answers."""

    query: str
    hits: list[Hit]
    relevant: set[str]

    def rows(self) -> list[list[float]]:
        return feature_rows(self.hits, self.query)

    def labels(self) -> list[int]:
        return [1 if h.definition_path in self.relevant else 0 for h in self.hits]


@dataclass
class FoldReport:
    """Held-out means over the folds: the unlearned order against the learned one."""

    folds: int
    n: int
    baseline: dict[str, float]
    learned: dict[str, float]


def _metrics(orders: list[tuple[list[str], set[str]]]) -> dict[str, float]:
    n = max(len(orders), 1)
    return {
        "recall_at_1": sum(recall_at(r, w, 1) for r, w in orders) / n,
        "recall_at_5": sum(recall_at(r, w, 5) for r, w in orders) / n,
        "recall_at_10": sum(recall_at(r, w, 10) for r, w in orders) / n,
        "mrr_at_10": sum(mrr_at(r, w, 10) for r, w in orders) / n,
        "ndcg_at_10": sum(ndcg_at(r, w, 10) for r, w in orders) / n,
    }


@dataclass
class Fitted:
    """A fitted ranker before export: the scaler of the features and the regression."""

    scaler: Any
    regression: Any

    def scores(self, rows: list[list[float]]) -> Any:
        return self.regression.decision_function(self.scaler.transform(rows))


def fit(questions: Sequence[Question]) -> Fitted:
    """A pairwise logistic regression over standardised features: it learns which of two
    candidates of one question is the answer from the difference of their rows.

    Pairwise rather than one row at a time: a row-wise model also has to learn how
    questions differ from one another (a question whose words are all in some name has
    high overlaps everywhere), which a comparison within the question cancels. Held
    out, on the bundled set, it kept the standard library's MRR (0.63 against 0.58
    row-wise) at the same recall. Still a linear model: applied as one dot product.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rows = [np.asarray(q.rows(), dtype=float) for q in questions if q.hits]
    labels = [np.asarray(q.labels()) for q in questions if q.hits]
    scaler = StandardScaler().fit(np.vstack(rows))
    diffs = []
    for x, y in zip(rows, labels, strict=True):
        z = scaler.transform(x)
        negatives = z[y == 0]
        diffs += [answer - negatives for answer in z[y == 1] if len(negatives)]
    pairs = np.vstack(diffs)
    # C=0.03: the same held-out figures as 1.0 (0.781 / 0.506 against 0.777 / 0.504, 5-fold x 3)
    # with smaller weights on collinear features (name_share against path_share)
    regression = LogisticRegression(C=0.03, fit_intercept=False, max_iter=2000)
    regression.fit(np.vstack([pairs, -pairs]), [1] * len(pairs) + [0] * len(pairs))
    return Fitted(scaler, regression)


def rerank(model: Fitted, question: Question) -> list[str]:
    """The question's candidates ordered by the model's score (ties: hybrid's order)."""
    if not question.hits:
        return []
    scores = model.scores(question.rows())
    order = sorted(range(len(question.hits)), key=lambda i: (-scores[i], i))
    return [question.hits[i].definition_path for i in order]


def cross_validate(questions: list[Question], folds: int = 5, seed: int = 0) -> FoldReport:
    """k-fold cross-validation: each question is scored by a model that never saw it.

    Questions without an answer among their candidates stay in (they count as misses for
    both orders) but add no positive row to training.
    """
    folds = max(1, min(folds, len(questions)))
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    held_base: list[tuple[list[str], set[str]]] = []
    held_learned: list[tuple[list[str], set[str]]] = []
    for fold in range(folds):
        test = [questions[order[j]] for j in range(fold, len(order), folds)]
        train = [questions[i] for j, i in enumerate(order) if j % folds != fold]
        model = fit(train) if fittable(train) else None
        for q in test:
            plain = [h.definition_path for h in q.hits]
            held_base.append((plain, q.relevant))
            held_learned.append((rerank(model, q) if model is not None else plain, q.relevant))
    return FoldReport(folds, len(questions), _metrics(held_base), _metrics(held_learned))


def fittable(questions: Sequence[Question]) -> bool:
    """Whether some question's candidates hold both an answer and a non-answer (the
    pairs a model learns from)."""
    return any(set(q.labels()) == {0, 1} for q in questions)


#: candidates the saved ranker re-orders (the cross-validation uses the same depth). On
#: the bundled set, pool 300, held out: 0.843 of the answers are in the top 30, 0.874 in
#: the top 40, 0.884 in the top 50; R@10 0.792 / 0.805 / 0.799, MRR 0.523 / 0.525 / 0.521
DEPTH = 40
#: chunks each retriever hands hybrid when a ranker re-orders (`SearchSettings.candidates`
#: at least this): a wider pool puts more answers among the ranker's candidates. 300
#: against 100 (depth 30, held out): MRR 0.523 against 0.508, R@1 0.406 against 0.393,
#: for ~6 ms more vector search and ranking of ~2.5x the candidates
POOL = 300
#: a search ranks the cards of its whole candidate pool (300 per retriever) by their
#: similarity to the question (`store.cards`): a hit's card rank is a feature
#: (`card_reciprocal_rank`, `card_top10`), and the pool's hits past hybrid's top `DEPTH`
#: whose card ranks within `CARD_UNION` join the ranker's candidates. Held out on the
#: bundled set, 3 shuffles, on the candidates `workbench eval` builds (before: R@10 / MRR
#: 0.813 / 0.562, answers among the candidates 0.877): the top 10 by card 0.818 / 0.566,
#: the top 20 0.826 / 0.566 (answers among them 0.903), the top 30 0.821 / 0.563
CARD_UNION = 20
#: where the fitted ranker lives in the file's metadata (`workbench eval --fit-ranker`)
META_KEY = "learned_ranker"
#: the ranker that ships with the workbench, for files with none of their own: fitted on
#: the bundled eval set over the default index (`workbench eval --fit-ranker --ranker-out`),
#: judged only by its cross-validated row in `workbench eval`
BUNDLED = Path(__file__).with_name("ranker.json")


@dataclass(frozen=True)
class RankerModel:
    """A fitted ranker as plain numbers: applied with a dot product, no scikit-learn in
    query processes; saved as JSON in the file so every face uses it."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    depth: int = DEPTH
    trained_on: int = 0
    pool: int = POOL
    card_union: int = CARD_UNION
    #: `question_key` of each question it was fitted on: `workbench eval` scores it only
    #: on questions it was not fitted on (empty in rankers saved before it was recorded)
    fitted_on: tuple[str, ...] = ()

    def logit(self, row: list[float]) -> float:
        return self.intercept + sum(
            c * (x - m) / (s or 1.0) for c, x, m, s in zip(self.coef, row, self.mean, self.scale, strict=True)
        )

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(asdict(self), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> RankerModel | None:
        """The saved model, or None when it is unreadable or has other features."""
        try:
            raw = json.loads(text)
            model = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
        except (ValueError, TypeError):
            return None
        return model if model.features == FEATURES else None


@functools.cache
def bundled() -> RankerModel | None:
    """The shipped ranker (`BUNDLED`), or None if it is missing or has other features."""
    try:
        return RankerModel.from_json(BUNDLED.read_text())
    except OSError:
        return None


def question_key(query: str) -> str:
    """A short digest of a question's words (case and spacing aside), recorded for each
    question a ranker is fitted on.

    >>> question_key("Split a string  on whitespace") == question_key("split a string on whitespace")
    True
    """
    return hashlib.blake2b(" ".join(query.lower().split()).encode(), digest_size=5).hexdigest()


def export(fitted: Fitted, questions: Sequence[Question]) -> RankerModel:
    """A model from `fit` on `questions` as a `RankerModel` (plain numbers)."""
    scaler, regression = fitted.scaler, fitted.regression
    return RankerModel(
        features=FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in regression.coef_[0]),
        intercept=0.0,  # pairwise: only differences within a question count
        trained_on=len(questions),
        fitted_on=tuple(sorted({question_key(q.query) for q in questions})),
    )


def feature_rows(hits: Sequence[Hit], query: str) -> list[list[float]]:
    """The feature rows of one query's candidates (the query read once for all)."""
    best = max((float(h.explain.get("bm25_score") or 0.0) for h in hits), default=0.0)
    best_card = max((card_similarity(h) for h in hits), default=0.0)
    cues = QueryCues.read(query)
    return [features(h, best, cues, best_card) for h in hits]


def joins_by_card(card_rank: int | None, card_union: int) -> bool:
    """Whether a hit past the depth joins the ranker's candidates: its card ranks within
    `card_union` among the pool's (see `CARD_UNION`)."""
    return card_rank is not None and 0 < card_rank <= card_union


def probability(logit: float) -> float:
    """The logistic function, safe for large logits."""
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    z = math.exp(logit)
    return z / (1.0 + z)


def apply(model: RankerModel, hits: list[Hit], query: str) -> list[Hit]:
    """Hybrid's top `model.depth` hits, with the later ones whose card ranks within
    `model.card_union` (see `CARD_UNION`), re-ordered by the model (the rest follow), ranks
    renumbered.

    The shown score follows the new order, or a score column would look unsorted: a
    re-ordered hit's score is the logistic of the model's score (0..1, the pairwise
    model's odds of beating an average candidate), and the hits past the depth get
    scores below the lowest of those, in their hybrid proportions. `explain` keeps what
    hybrid made: `hybrid_score` beside its parts, and the model's logit as `ranker`.
    """
    head, tail = list(hits[: model.depth]), []
    for hit in hits[model.depth :]:
        (head if joins_by_card(hit.explain.get("card_rank"), model.card_union) else tail).append(hit)
    logits = [model.logit(row) for row in feature_rows(head, query)]
    for hit, logit in zip(head, logits, strict=True):
        hit.explain["hybrid_score"] = round(hit.score, 6)
        hit.explain["ranker"] = round(logit, 4)
        hit.score = probability(logit)
    if tail:
        floor = min((h.score for h in head), default=1.0) * 0.999
        top = tail[0].score
        for hit in tail:
            hit.explain["hybrid_score"] = round(hit.score, 6)
            hit.score = floor * hit.score / top if top > 0 else 0.0
    order = sorted(range(len(head)), key=lambda i: (-logits[i], i))
    out = [*(head[i] for i in order), *tail]
    for rank, hit in enumerate(out, start=1):
        hit.rank = rank
    return out

"""The learned ranker: features from a hit's explain, cross-validation that never scores a
question with a model fitted on it, and a saved model every search then applies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench.model import EvalCase, Hit
from workbench.retrieve import ranker
from workbench.retrieve.cues import QueryCues
from workbench.retrieve.levers import Levers


def _hit(path: str, rank: int, *, public: bool = True, in_degree: int = 0, name: bool = False) -> Hit:
    explain = {
        "vector_rank": rank,
        "vector_similarity": 0.5,
        "bm25_rank": rank,
        "bm25_score": 10.0 / rank,
        "rrf": 2 / (60 + rank),
        "member_support": 0.0,
        "name_boost": 0.02 if name else 0.0,
        "in_degree": in_degree,
    }
    return Hit(rank, path, path, "class", "lib", 0.0, "summary", is_public=public, explain=explain)


def _questions(n: int) -> list[ranker.Question]:
    """Questions whose answer is always the one entity with a high in-degree, ranked 3rd."""
    out = []
    for q in range(n):
        hits = [_hit(f"lib.q{q}.c{i}", i + 1, in_degree=500 if i == 2 else 0) for i in range(8)]
        out.append(ranker.Question("a question", hits, {f"lib.q{q}.c2"}))
    return out


def test_a_feature_row_per_hit_in_the_declared_order():
    row = ranker.features(_hit("lib.A", 2, in_degree=10, name=True), 10.0, QueryCues.read("an a"))
    assert len(row) == len(ranker.FEATURES)
    named = dict(zip(ranker.FEATURES, row, strict=True))
    assert named["bm25_relative"] == 0.5 and named["names_entity"] == 1.0 and named["kind_class"] == 1.0


def test_cross_validation_learns_a_signal_that_generalises():
    report = ranker.cross_validate(_questions(25), folds=5)
    assert report.n == 25 and report.folds == 5
    assert report.baseline["recall_at_1"] == 0.0  # hybrid put the answer third every time
    assert report.learned["recall_at_1"] == 1.0  # held out, the in-degree rule still holds


def test_the_exported_model_orders_like_the_fitted_one_and_survives_json():
    questions = _questions(10)
    model = ranker.export(ranker.fit(questions), questions)
    again = ranker.RankerModel.from_json(model.to_json())
    assert again == model
    reranked = ranker.apply(again, list(questions[0].hits), questions[0].query)
    assert reranked[0].path == "lib.q0.c2" and reranked[0].rank == 1
    assert [h.rank for h in reranked] == list(range(1, 9))
    assert all("ranker" in h.explain for h in reranked)


def test_shown_scores_follow_the_re_ordered_ranks_and_explain_keeps_hybrids():
    questions = _questions(10)
    model = ranker.export(ranker.fit(questions), questions)
    hits = [_hit(f"lib.x.c{i}", i + 1, in_degree=500 if i == 2 else 0) for i in range(8)]
    for i, hit in enumerate(hits):
        hit.score = 0.05 - i * 0.001  # hybrid's descending scores
    shown = ranker.apply(replace(model, depth=5), hits, "a question")
    assert shown[0].path == "lib.x.c2"  # re-ordered: hybrid's third is first
    scores = [h.score for h in shown]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert all(0.0 < s < 1.0 for s in scores)
    assert shown[0].score == pytest.approx(ranker.probability(shown[0].explain["ranker"]), abs=1e-4)
    assert shown[0].explain["hybrid_score"] == pytest.approx(0.048)
    assert [h.path for h in shown[5:]] == ["lib.x.c5", "lib.x.c6", "lib.x.c7"]  # past the depth
    assert "ranker" not in shown[5].explain and shown[5].explain["hybrid_score"] == pytest.approx(0.045)


def test_hits_past_the_depth_whose_card_ranks_high_join_the_re_ordered_head():
    questions = _questions(10)
    model = replace(ranker.export(ranker.fit(questions), questions), depth=3, card_union=2)
    hits = [_hit(f"lib.x.c{i}", i + 1) for i in range(8)]
    for i, hit in enumerate(hits):
        hit.score = 0.05 - i * 0.001
        hit.explain["card_rank"] = {6: 1, 4: 3, 7: 2}.get(i)
    shown = ranker.apply(model, hits, "a question")
    # the head: the top 3 and the two cards ranked within the union (c6, c7), not c4 (3rd)
    assert {h.path for h in shown[:5]} == {"lib.x.c0", "lib.x.c1", "lib.x.c2", "lib.x.c6", "lib.x.c7"}
    assert all("ranker" in h.explain for h in shown[:5])
    assert [h.path for h in shown[5:]] == ["lib.x.c3", "lib.x.c4", "lib.x.c5"]
    assert all("ranker" not in h.explain for h in shown[5:])
    named = dict(zip(ranker.FEATURES, ranker.features(hits[6], 10.0, QueryCues.read("q")), strict=True))
    assert (named["card_reciprocal_rank"], named["card_top10"]) == (1.0, 1.0)
    named = dict(zip(ranker.FEATURES, ranker.features(hits[0], 10.0, QueryCues.read("q")), strict=True))
    assert (named["card_reciprocal_rank"], named["card_top10"]) == (0.0, 0.0)


def test_a_model_of_other_features_is_not_used():
    assert ranker.RankerModel.from_json('{"features": ["x"], "mean": [0]}') is None
    assert ranker.RankerModel.from_json("not json") is None


@pytest.mark.slow
def test_a_saved_ranker_is_used_by_every_later_search(indexed, embedder):
    from workbench import Workbench

    path, _ = indexed
    cases = [
        EvalCase("a", "retry a download when the network fails", ["wbfixture.Client.fetch"]),
        EvalCase("b", "standard deviation of numbers", ["wbfixture.numpy_style"]),
        EvalCase("c", "wrap prose to a maximum line width", ["wbfixture.sphinx_style"]),
        EvalCase("d", "read a comma separated file", ["wbfixture.read_csv"]),
        EvalCase("e", "a pool of connections ran out", ["wbfixture.PoolTimeout"]),
    ]
    shipped = ranker.bundled()
    assert shipped is not None and shipped.trained_on > 100  # fitted on the bundled set
    assert len(shipped.fitted_on) == shipped.trained_on  # and it says which questions
    with Workbench(path, embedder=embedder) as wb:
        # a file with no ranker of its own uses the one the workbench ships
        before = {h.path: h.explain["ranker"] for h in wb.search("fetch a url", 5)}
        assert before
        row = wb.cross_validate_ranker(cases, folds=5)
        assert row.n == 5 and 0.0 <= row.recall_at_10 <= 1.0 and row.p95_ms > 0
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        model = wb.fit_ranker(cases)
        assert model.trained_on == 5
        assert set(model.fitted_on) == {ranker.question_key(c.question) for c in cases}
    with Workbench(path, embedder=embedder) as wb:
        # questions written apart: the ones the file's ranker was fitted on are left out
        # (spelt differently or not), the others scored with and without it
        apart = EvalCase("f", "close the client and its pooled connections", ["wbfixture.Client.close"])
        again = EvalCase("g", "Read a comma  separated FILE", ["wbfixture.read_csv"])
        rows, fitted = wb.evaluate_apart([cases[0], apart, again])
        assert [c.id for c in fitted] == ["a", "g"]
        assert [r.name for r in rows] == ["hybrid", "+ learned_ranker (as every face applies it)"]
        assert all(r.n == 1 for r in rows) and not rows[0].levers.learned_ranker
        hits = wb.search("fetch a url", 5)
        assert hits and all("ranker" in h.explain for h in hits)
        # the file's own ranker, not the shipped one: other weights, other logits
        assert {h.path: h.explain["ranker"] for h in hits if h.path in before} != before
        # the shown score is the ranker's: it falls with the rank, whatever hybrid gave
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        logits = [h.explain["ranker"] for h in hits]
        assert logits == sorted(logits, reverse=True)
        assert all("hybrid_score" in h.explain for h in hits)
        plain = wb.search("fetch a url", 5, levers=Levers(learned_ranker=False))
        assert all("ranker" not in h.explain for h in plain)
        # `ask` (planner and walk) ranks without it: fitted on lookups, it misleads walks
        from workbench.facade import _WithoutRanker

        assert all("ranker" not in h.explain for h in _WithoutRanker(wb).search("fetch a url", 5))
        assert wb.ask("which exception does fetching raise", 3).items is not None


def test_a_query_that_names_code_is_ranked_by_hybrid_not_the_ranker(wb):
    """The shipped ranker learnt from questions in users' words; a name lookup keeps
    hybrid's exact-name order, even where the ranker would put prose matches first."""
    hits = wb.search("TransportError", 5)
    assert hits[0].path == "wbfixture.TransportError"
    assert all("ranker" not in h.explain for h in hits)
    assert all("ranker" in h.explain for h in wb.search("an error while sending a request", 5))


def test_a_search_ranks_its_pools_cards_and_keeps_the_best_past_k(wb):
    """The candidates the ranker gets: hybrid's top k, then the pool's hits whose card is
    among the `card_union` closest to the question, each hit with its card's rank."""
    from workbench.retrieve import search as search_module

    request = search_module.validate("open a connection pool and fetch a url", 3)
    plain = Levers(learned_ranker=False)
    hits = search_module.search(wb.db, wb.embedder, request, levers=plain, card_union=4)
    top = search_module.search(wb.db, wb.embedder, request, levers=plain)
    assert [h.path for h in hits[:3]] == [h.path for h in top]
    assert all("card_rank" not in h.explain for h in top)  # only when a ranker will re-order
    extras = hits[3:]
    assert extras and all(h.explain["card_rank"] <= 4 for h in extras)
    ranked = sorted((h for h in hits if h.explain["card_rank"]), key=lambda h: h.explain["card_rank"])
    similarities = [h.explain["card_similarity"] for h in ranked]
    assert similarities == sorted(similarities, reverse=True)
    # every card within the union is among the candidates: the top 3 or the extras
    assert {h.explain["card_rank"] for h in hits if h.explain["card_rank"]} >= {1, 2, 3, 4}

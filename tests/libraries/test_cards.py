"""Entity cards: one short text per entity with chunks (its name and summary), embedded on
its own, kept in step with the entities, carried by exports and imports, and read by
hybrid search for the learned ranker."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import edit_fixture_package, run_cli
from workbench import Workbench
from workbench.errors import StoreError
from workbench.ingest.chunking import card_hash, card_text
from workbench.retrieve import ranker
from workbench.store import cards, writer


def _cards(wb: Workbench, library: str | None = None) -> dict[str, tuple[str, np.ndarray]]:
    where = " WHERE library = ?" if library else ""
    rows = wb.db.execute(
        f"SELECT entity_path, text_hash, embedding FROM cards{where}", [library] if library else []
    )
    return {path: (h, np.asarray(vector, dtype=np.float32)) for path, h, vector in rows.fetchall()}


def _expected_texts(wb: Workbench) -> dict[str, str]:
    return {
        path: card_text(public, library, summary)
        for path, public, library, summary in cards.entities_for_cards(wb.db)
    }


def test_card_text_is_the_name_with_its_parent_then_the_summary():
    long = "Return the rows of the frame that match every one of the given predicates, " * 3
    assert card_text("polars.DataFrame.filter", "polars", long) == (
        "DataFrame.filter: Return the rows of the frame that match every one of the given predicates, "
        "Return the rows of the frame that match"
    )
    assert card_text("httpx.Client.get", "httpx", "Send a GET request.") == "Client.get: Send a GET request."
    assert card_text("os.path.join", "os", "") == "path.join"
    assert card_text("httpx", "httpx", "A client.\n  For HTTP.") == "httpx: A client. For HTTP."
    assert card_text("polars.DataFrame.explode", "pl", "x") == "DataFrame.explode: x"


def test_the_public_entities_with_chunks_have_the_card_of_their_name_and_summary(wb, embedder):
    """The card table holds exactly the public entities with chunks that have a summary or
    are classes or functions, each with the hash of its card text and that text's vector
    (the shared index embeds in float32)."""
    expected = _expected_texts(wb)
    stored = _cards(wb)
    rows = wb.db.execute(
        "SELECT path, is_public, coalesce(summary, '') <> '', kind FROM entities "
        "WHERE path IN (SELECT entity_path FROM chunks)"
    ).fetchall()
    carded = {
        path for path, public, summary, kind in rows if public and (summary or kind in ("class", "function"))
    }
    assert any(not public for _, public, _, _ in rows)
    assert any(public and not summary and kind == "method" for _, public, summary, kind in rows)
    assert set(stored) == set(expected) == carded
    assert all(stored[p][0] == card_hash(expected[p]) for p in expected)
    sample = sorted(expected)[:: max(1, len(expected) // 40)]
    vectors = embedder.embed([expected[p] for p in sample], precision="fp32")
    cosines = np.sum(vectors * np.stack([stored[p][1] for p in sample]), axis=1)
    assert cosines.min() > 0.99999


def test_an_update_embeds_only_the_changed_cards_and_drops_the_gone(indexed, embedder):
    path, package = indexed
    edit_fixture_package(package)
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        before = _cards(wb, "wbfixture")
        wb.update(["wbfixture"])
        after = _cards(wb, "wbfixture")
        texts = _expected_texts(wb)
    changed = "wbfixture.styles.google_style"
    gone = next(p for p in before if p.endswith(".describe"))
    assert texts[changed] == "google_style: List files, newest first."
    assert gone not in after and "wbfixture.styles.added_later" in after
    assert after[changed][0] != before[changed][0]
    assert not np.allclose(after[changed][1], before[changed][1])
    kept = [p for p in before.keys() & after.keys() if p != changed and not p.endswith("styles")]
    assert len(kept) > 10
    assert all(after[p][0] == before[p][0] and np.array_equal(after[p][1], before[p][1]) for p in kept)
    assert set(after) == {p for p in texts if p.startswith("wbfixture")}


def test_a_file_from_before_cards_refuses_readers_until_migrate_embeds_them(index_copy, embedder):
    """A schema-5 file (no card table) tells a reader to run `workbench migrate`; migrate
    adds the table and embeds every card, and hybrid search then explains with them."""
    with Workbench(index_copy, read_only=False, embedder=embedder) as wb:
        count = len(_cards(wb))
        with wb.db.transaction() as conn:
            conn.execute("DROP TABLE cards")
            conn.execute("DELETE FROM schema_migrations WHERE version = 6")
            conn.execute("UPDATE workbench_meta SET value = '5' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="workbench migrate"):
        Workbench(index_copy, embedder=embedder)
    result = run_cli("migrate", "--db", str(index_copy))
    assert result.exit_code == 0, result.stderr
    assert "schema version 6" in result.stdout and f"{count} entity cards embedded" in result.stdout
    with Workbench(index_copy, embedder=embedder) as wb:
        assert len(_cards(wb)) == count
        hits = wb.search("wrap prose to a width", 5)
    assert all(-1.0 <= h.explain["card_similarity"] <= 1.0 for h in hits if h.is_public)
    again = run_cli("migrate", "--db", str(index_copy))
    assert again.exit_code == 0 and "entity cards embedded" not in again.stdout


def test_hybrid_hits_carry_the_similarity_of_their_card_to_the_query(wb, embedder):
    hits = wb.search("wrap prose to a width", 8)
    stored = _cards(wb)
    query = embedder.embed_query("wrap prose to a width")
    for hit in hits:
        if hit.definition_path not in stored:  # a private entity has no card
            assert not hit.is_public and hit.explain["card_similarity"] is None
            continue
        card = float(stored[hit.definition_path][1] @ query)
        assert hit.explain["card_similarity"] == pytest.approx(card, abs=2e-3)
    assert max(h.explain["card_similarity"] or 0.0 for h in hits) > 0.4
    assert all(
        "card_similarity" not in h.explain for h in wb.search("wrap prose to a width", 5, mode="vector")
    )


def test_the_ranker_reads_the_card_and_falls_back_to_the_chunk_without_one(wb):
    hits = [h for h in wb.search("wrap prose to a width", 10) if h.is_public][:5]
    index = ranker.FEATURES.index("card_similarity")
    rows = ranker.feature_rows(hits, "wrap prose to a width")
    best = max(h.explain["card_similarity"] for h in hits)
    for hit, row in zip(hits, rows, strict=True):
        assert row[index] == pytest.approx(hit.explain["card_similarity"])
        assert row[index + 1] == pytest.approx(hit.explain["card_similarity"] - best)
    hits[0].explain["card_similarity"] = None
    row = ranker.feature_rows(hits[:1], "wrap prose to a width")[0]
    assert row[index] == pytest.approx(hits[0].explain["vector_similarity"] or 0.0)


def test_removing_a_library_removes_its_cards_and_an_import_brings_them(index_copy, tmp_path: Path, embedder):
    other = tmp_path / "other.duckdb"
    shutil.copyfile(index_copy, other)
    with Workbench(index_copy, read_only=False, embedder=embedder) as wb:
        theirs = _cards(wb, "idna")
        assert theirs
        writer.remove_library(wb.db, "idna")
        assert _cards(wb, "idna") == {}
        wb.import_file(other, ["idna"])
        back = _cards(wb, "idna")
    assert back.keys() == theirs.keys()
    assert all(np.array_equal(back[p][1], theirs[p][1]) for p in theirs)


def test_missing_cards_show_in_the_status_and_doctor_until_a_refresh(index_copy, embedder):
    from workbench.bench.doctor import check_indexes

    with Workbench(index_copy, read_only=False, embedder=embedder) as wb:
        idna = len(_cards(wb, "idna"))
        with wb.db.transaction() as conn:
            conn.execute("DELETE FROM cards WHERE library = 'idna'")
        assert wb.index_status()["cards"] is False
        check = next(c for c in check_indexes(wb) if c.name == "entity cards")
        assert check.status == "warn" and "workbench migrate" in check.detail
        assert wb.refresh_cards() == idna
        assert wb.index_status()["cards"] is True and wb.refresh_cards() == 0
        assert next(c for c in check_indexes(wb) if c.name == "entity cards").status == "ok"

"""Issue 4 parts: update with a content diff, failure rollback, history, opt-out purge,
suggestions, relevance feedback and the license report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import edit_fixture_package, run_cli
from workbench import Workbench
from workbench.errors import LibraryOptedOutError, QueryError
from workbench.libraries.compliance import classify
from workbench.retrieve.evaluation import load_cases


def _chunk_hashes(wb: Workbench) -> set[str]:
    return {
        r[0] for r in wb.db.execute("SELECT text_hash FROM chunks WHERE library = 'wbfixture'").fetchall()
    }


def _chunk_ids(wb: Workbench) -> dict[tuple, int]:
    rows = wb.db.execute(
        "SELECT entity_path, ordinal, text_hash, id FROM chunks WHERE library = 'wbfixture'"
    ).fetchall()
    return {tuple(r[:3]): r[3] for r in rows}


def test_update_diffs_by_content_hash_and_reembeds_only_changed_chunks(indexed, embedder):
    path, package = indexed
    edit_fixture_package(package)
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        before = _chunk_hashes(wb)
        ids_before = _chunk_ids(wb)
        assert [c.state for c in wb.check_updates(["wbfixture"])] == ["changed sources"]
        report = wb.update(["wbfixture"])[0]
        new_hashes = _chunk_hashes(wb) - before
        ids_after = _chunk_ids(wb)
        kept = ids_before.keys() & ids_after.keys()
        assert kept and all(ids_before[k] == ids_after[k] for k in kept)  # unchanged rows stay put
        assert len(ids_after.keys() - ids_before.keys()) == report.embedded
        assert (report.added, report.changed, report.removed) == (
            1,
            2,
            1,
        )  # + the module, whose source changed
        assert report.unchanged == report.entities - report.added - report.changed
        assert report.embedded == len(new_hashes) and report.embedded < report.chunks / 4
        assert wb.check_updates(["wbfixture"])[0].state == "current"
        assert wb.update(["wbfixture"]) == []  # nothing left to do
        history = wb.history("wbfixture")
        assert [h["status"] for h in history] == ["ingested", "ingested"]
        assert history[0]["changed"] == 2 and history[0]["license"] == ""


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("__init__.py", "griffe cannot read"),  # griffe cannot load the package at all
        ("styles.py", "wbfixture/styles.py"),  # griffe skips the module: its entities would vanish
    ],
)
def test_a_failed_update_keeps_the_previous_version(indexed, embedder, broken, message):
    path, package = indexed
    (package / broken).write_text("def broken(:\n    pass\n")
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        counts = wb.counts()
        report = wb.update(["wbfixture"])[0]
        assert report.status == "failed" and message in report.message
        assert wb.counts() == counts
        assert wb.search("standard deviation of numbers", 1)[0].path == "wbfixture.numpy_style"
        assert wb.history("wbfixture")[0]["status"] == "failed"


def test_opt_out_purges_and_refuses_until_opted_in(indexed, embedder):
    path, _ = indexed
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        removed = wb.opt_out("wbfixture", "license review pending")
        assert removed > 10
        for table in ("entities", "chunks", "edges", "aliases"):
            assert (
                wb.db.execute(f"SELECT count(*) FROM {table} WHERE library = 'wbfixture'").fetchone()[0] == 0
            )
        assert (
            wb.db.execute("SELECT count(*) FROM graph_edges WHERE src LIKE 'wbfixture%'").fetchone()[0] == 0
        )
        assert not [h for h in wb.search("standard deviation of numbers", 5) if h.library == "wbfixture"]
        with pytest.raises(LibraryOptedOutError, match="license review pending"):
            wb.ingest(["wbfixture"])
        verdicts = {v.library: v for v in wb.compliance()}
        assert verdicts["wbfixture"].opted_out and verdicts["wbfixture"].reason == "license review pending"
        with pytest.raises(QueryError):
            wb.opt_out("wbfixture", "  ")
        wb.opt_in("wbfixture")
        assert wb.ingest(["wbfixture"])[0].status == "ingested"


def test_suggestions_are_deduplicated_and_counted(tmp_path, embedder):
    with Workbench(tmp_path / "s.duckdb", read_only=False, embedder=embedder) as wb:
        assert wb.suggest("Pydantic", "our models use it") == 1
        assert wb.suggest("pydantic ", "our models use it") == 2
        assert wb.suggest("pydantic", "FastAPI needs it") == 3
        wb.suggest("attrs")
        assert wb.suggestions()[0] == ("pydantic", 3, ["our models use it", "FastAPI needs it"])
        assert len(wb.suggestions()) == 2


def test_feedback_is_stored_and_exported_as_eval_cases(built_db, tmp_path):
    import shutil

    path = tmp_path / "fb.duckdb"
    shutil.copy(built_db, path)
    assert (
        run_cli("feedback", "wrap prose", "wbfixture.sphinx_style", "good", "--db", str(path)).exit_code == 0
    )
    assert run_cli("feedback", "wrap prose", "wbfixture.read_csv", "bad", "--db", str(path)).exit_code == 0
    missing = run_cli("feedback", "wrap prose", "wbfixture.nope", "good", "--db", str(path))
    assert missing.exit_code == 2 and "no entity" in missing.stderr
    out = tmp_path / "fb.jsonl"
    assert run_cli("feedback", "--export", str(out), "--db", str(path)).exit_code == 0
    cases = load_cases(out)
    assert [(c.question, c.expected) for c in cases] == [("wrap prose", ["wbfixture.styles.sphinx_style"])]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("MIT", "permissive"),
        ("BSD-3-Clause AND 0BSD AND MIT", "permissive"),
        ("MPL-2.0 AND MIT", "weak-copyleft"),
        ("LGPL-2.1-or-later", "weak-copyleft"),
        ("GPL-3.0-only", "strong-copyleft"),
        ("MIT OR GPL-3.0", "permissive"),
        ("Apache-2.0 WITH LLVM-exception", "permissive"),
        ("Proprietary", "unknown"),
        ("", "unknown"),
    ],
)
def test_license_classes(expression, expected):
    assert classify(expression) == expected


def test_compliance_report_formats(built_db: Path):
    payload = json.loads(run_cli("compliance", "report", "--format", "json", "--db", str(built_db)).output)
    by_name = {v["library"]: v for v in payload}
    assert by_name["h11"]["license_class"] == "permissive" and by_name["h11"]["allowed"]
    markdown = run_cli("compliance", "report", "--format", "md", "--db", str(built_db)).output
    assert "| h11 |" in markdown and "| library | version |" in markdown

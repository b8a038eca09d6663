"""Passages in int8 for a new file; a file keeps the precision its passages have."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from tests.embed.texts import TEXTS
from workbench import Workbench
from workbench.embed import onnx
from workbench.errors import WorkbenchError
from workbench.ingest.packages import find_package
from workbench.libraries.reading import read_library
from workbench.store import writer


def _stored_vectors(wb: Workbench, library: str) -> dict[str, np.ndarray]:
    rows = wb.db.execute(
        "SELECT entity_path, ordinal, embedding FROM chunks WHERE library = ?", [library]
    ).fetchall()
    return {f"{path}#{ordinal}": np.asarray(vector, dtype=np.float32) for path, ordinal, vector in rows}


def _embed_texts(library: str) -> dict[str, str]:
    read = read_library(find_package(library))
    return {f"{c.entity_path}#{c.ordinal}": c.embed_text for c in read.chunks}


def _cosines(embedder, library: str, stored: dict[str, np.ndarray], precision: str) -> np.ndarray:
    texts = _embed_texts(library)
    keys = sorted(stored)
    vectors = embedder.embed([texts[k] for k in keys], precision=precision)
    return np.sum(vectors * np.stack([stored[k] for k in keys]), axis=1)


def test_int8_passages_stay_close_to_float32(embedder):
    """On 50 varied texts the int8 passage vectors are within cosine 0.97 of float32
    (mean above 0.99), unit length, and the same whether embedded alone or together."""
    texts = [t for t in TEXTS if t.strip()]
    int8, fp32 = embedder.embed(texts, precision="int8"), embedder.embed(texts, precision="fp32")
    cosines = np.sum(int8 * fp32, axis=1)
    assert cosines.min() > 0.97 and cosines.mean() > 0.99
    assert cosines.max() < 0.99999, "the int8 model is really in use"
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    alone = np.stack([embedder.embed([t], precision="int8")[0] for t in texts[:10]])
    assert np.allclose(int8[:10], alone, atol=1e-6)


def test_a_new_file_embeds_passages_in_int8_and_records_it(tmp_path, embedder):
    """A new file (default settings) records int8, and its stored vectors are the int8
    model's vectors of the chunks' embedded text (an update keeps int8)."""
    path = tmp_path / "new.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["idna", "h11"])
        assert wb.db.meta(writer.PASSAGE_PRECISION) == "int8"
        stored = _stored_vectors(wb, "h11")
    cosines = _cosines(embedder, "h11", stored, "int8")
    assert len(cosines) > 50 and cosines.min() > 0.99999


def test_a_float32_file_stays_float32_when_updated(tmp_path, embedder, monkeypatch, caplog):
    """A file from before int8 passages (float32 vectors, no precision recorded) gets
    float32 vectors for a library added later, and records fp32; asking for int8 then
    says the file keeps float32."""
    path = tmp_path / "old.duckdb"
    fp32 = onnx.OnnxEmbedder(replace(embedder.settings, passage_precision="fp32"))
    with Workbench(path, read_only=False, embedder=fp32) as wb:
        wb.ingest(["idna"])
        assert wb.db.meta(writer.PASSAGE_PRECISION) == "fp32"
        with wb.db.transaction() as conn:  # as a file written before the key existed
            conn.execute("DELETE FROM workbench_meta WHERE key = ?", [writer.PASSAGE_PRECISION])
    monkeypatch.setenv("WORKBENCH_PASSAGE_PRECISION", "int8")
    caplog.set_level(logging.WARNING, "workbench.ingest")
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["h11"])
        assert wb.db.meta(writer.PASSAGE_PRECISION) == "fp32"
        stored = _stored_vectors(wb, "h11")
    assert "embeds its passages in fp32" in caplog.text
    cosines = _cosines(embedder, "h11", stored, "fp32")
    assert cosines.min() > 0.99999


def test_a_bad_passage_precision_is_a_clear_error(embedder):
    with pytest.raises(WorkbenchError, match="WORKBENCH_PASSAGE_PRECISION must be int8 or fp32"):
        onnx.OnnxEmbedder(replace(embedder.settings, passage_precision="fp16"))


def test_imported_libraries_bring_their_precision(tmp_path, built_db, embedder):
    """Libraries imported into an empty file bring their vectors' precision with them
    (the session's index is float32), so a later ingest into it stays float32."""
    target = tmp_path / "empty.duckdb"
    with Workbench(target, read_only=False, embedder=embedder) as wb:
        assert writer.recorded_passage_precision(wb.db) is None
        wb.import_file(built_db, ["h11"])
        assert wb.db.meta(writer.PASSAGE_PRECISION) == "fp32"
        wb.ingest(["idna"])
        assert wb.db.meta(writer.PASSAGE_PRECISION) == "fp32"

"""The ONNX embedder: same vectors and results as sentence-transformers, no torch on the
query path, a cached export that is rebuilt when corrupt, and a fallback to torch."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.embed.texts import TEXTS
from tests.helpers import run_cli
from workbench.config import EmbeddingSettings
from workbench.embed import onnx
from workbench.embed.embedder import Embedder
from workbench.errors import WorkbenchError

QUERIES = [
    "start a new HTTP connection",
    "which exception is raised on a protocol error",
    "encode a domain name with IDNA",
    "Response",
    "send data then close the connection",
]
HEAVY = ("torch", "sentence_transformers", "transformers")


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    """sentence-transformers on torch, the reference the ONNX vectors must match."""
    model = Embedder(EmbeddingSettings(backend="torch"))
    model.load()
    return model


def test_vectors_match_sentence_transformers(embedder, torch_embedder):
    """On 50 varied texts (code, unicode, empty, past the 128-token window) the ONNX vectors
    are sentence-transformers' to cosine 0.9999 and unit length."""
    assert embedder.backend == "onnx"
    ours, theirs = embedder.embed(TEXTS, precision="fp32"), torch_embedder.embed(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() > 0.9999, TEXTS[int(cosines.argmin())]
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_truncation_matches_the_window(embedder):
    """Text past 128 tokens does not change the vector, as in sentence-transformers."""
    words = " ".join(f"word{i}" for i in range(300))
    vectors = embedder.embed([words, words + " and much more text at the end"], precision="fp32")
    assert float(vectors[0] @ vectors[1]) > 0.99999


def _search_json(built_db: Path, monkeypatch, **env: str) -> list[list[dict]]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    args = ("--db", str(built_db), "--json", "-k", "10")
    return [json.loads(run_cli("search", q, *args).stdout) for q in QUERIES]


def test_search_json_identical_between_backends(built_db, monkeypatch, torch_embedder):
    """`search --json` gives the same hits, scores and explain with either backend when
    queries are embedded in float32."""
    onnx_fp32 = _search_json(
        built_db, monkeypatch, WORKBENCH_EMBED_BACKEND="onnx", WORKBENCH_QUERY_PRECISION="fp32"
    )
    torch = _search_json(built_db, monkeypatch, WORKBENCH_EMBED_BACKEND="torch")
    assert all(onnx_fp32), "every query found something"
    assert onnx_fp32 == torch


def test_int8_queries_rank_like_float32(built_db, monkeypatch, embedder):
    """The int8 query model (the default) gives vectors within cosine 0.97 of float32 and
    the same best hit for every query, with at least 8 of the top 10 in common."""
    fp32 = onnx.OnnxEmbedder(replace(embedder.settings, query_precision="fp32"))
    int8 = onnx.OnnxEmbedder(replace(embedder.settings, query_precision="int8"))
    texts = [*QUERIES, *TEXTS[:20]]
    cosines = [float(int8.embed_query(t) @ fp32.embed_query(t)) for t in texts if t.strip()]
    assert min(cosines) > 0.97 and sum(cosines) / len(cosines) > 0.99
    assert onnx.export_files(int8.settings).query_graph.stat().st_size < 30_000_000
    quantized = _search_json(built_db, monkeypatch, WORKBENCH_QUERY_PRECISION="int8")
    exact = _search_json(built_db, monkeypatch, WORKBENCH_QUERY_PRECISION="fp32")
    for query, a, b in zip(QUERIES, quantized, exact, strict=True):
        assert a[0]["path"] == b[0]["path"], query
        assert len({h["path"] for h in a} & {h["path"] for h in b}) >= 8, query


def test_a_bad_query_precision_is_a_clear_error(embedder):
    with pytest.raises(WorkbenchError, match="WORKBENCH_QUERY_PRECISION must be int8 or fp32"):
        onnx.OnnxEmbedder(replace(embedder.settings, query_precision="int4"))


def test_corrupt_query_model_is_made_again(embedder, tmp_path, caplog):
    """A truncated int8 query model is refused, quantized again from the export, and then
    embeds as before; the export itself is not rebuilt."""
    cache = tmp_path / "models"
    shutil.copytree(embedder.settings.cache_dir, cache, ignore=shutil.ignore_patterns("*.lock"))
    settings = replace(embedder.settings, cache_dir=cache, query_precision="int8")
    files = onnx.export_files(settings)
    before = onnx.OnnxEmbedder(settings).embed_query("timeouts")
    export_mtime = files.graph.stat().st_mtime_ns
    files.query_graph.write_bytes(files.query_graph.read_bytes()[:100_000])
    caplog.set_level(logging.WARNING, "workbench.embed")
    again = onnx.OnnxEmbedder(settings)
    vector = again.embed_query("timeouts")
    assert "quantizing" in caplog.text
    assert files.query_graph.stat().st_size > 20_000_000
    assert files.graph.stat().st_mtime_ns == export_mtime
    assert float(vector @ before) > 0.99999


def _run(args: list[str]) -> subprocess.CompletedProcess:
    """Python in a new process, with this one's environment (and model cache)."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)


def test_cli_search_never_imports_torch(built_db, embedder):
    """`workbench search --json` in a new process answers without importing torch,
    sentence-transformers or transformers (`-X importtime` lists every import)."""
    command = ["-X", "importtime", "-m", "workbench.cli", "search", QUERIES[0], "--db", str(built_db)]
    done = _run([*command, "--json"])
    assert json.loads(done.stdout)[0]["path"]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "onnxruntime" in imported
    assert not imported & set(HEAVY)


def test_warm_facade_never_imports_torch(built_db, embedder):
    """A facade that searched, walked and answered in every mode still has no torch."""
    code = (
        "import sys, json\nfrom workbench import Workbench\n"
        f"wb = Workbench({str(built_db)!r})\n"
        f"for mode in ('hybrid', 'vector', 'bm25'): wb.search({QUERIES[1]!r}, mode=mode)\n"
        f"wb.ask({QUERIES[4]!r})\n"
        "print(json.dumps([wb.embedder.backend, sorted(sys.modules)]))"
    )
    backend, modules = json.loads(_run(["-c", code]).stdout.strip().splitlines()[-1])
    assert backend == "onnx"
    assert not set(modules) & set(HEAVY)


def test_export_is_cached_by_name_and_weights(embedder, model_cache):
    """The export sits in the cache folder under the model name and the weights' digest,
    and a second embedder reuses it (the file is not rewritten)."""
    files = onnx.export_files(embedder.settings)
    assert files.graph.parent == model_cache
    digest = onnx.weights_digest(onnx.weights_file(onnx.model_folder(embedder.settings)), model_cache)
    assert files.graph.name == f"sentence-transformers_all-MiniLM-L6-v2-{digest[:16]}.onnx"
    before = files.graph.stat().st_mtime_ns
    again = onnx.OnnxEmbedder(embedder.settings)
    assert np.allclose(again.embed_query("timeouts"), embedder.embed_query("timeouts"), atol=1e-6)
    assert files.graph.stat().st_mtime_ns == before
    assert not list(model_cache.glob("*.tmp")), "no temporary file is left behind"


def test_corrupt_export_is_detected_and_rebuilt(embedder, model_cache, tmp_path, caplog):
    """A truncated export is refused by the loader, then rebuilt (a real export, seconds)
    into the same place, and embeds as before."""
    cache = tmp_path / "models"
    shutil.copytree(model_cache, cache, ignore=shutil.ignore_patterns("*.lock"))
    settings = replace(embedder.settings, cache_dir=cache)
    files = onnx.export_files(settings)
    files.graph.write_bytes(files.graph.read_bytes()[:1_000_000])
    with pytest.raises(ValueError, match="size differs"):
        onnx.OnnxModel(settings, files)
    caplog.set_level(logging.WARNING, "workbench.embed")
    rebuilt = onnx.OnnxEmbedder(settings)
    vector = rebuilt.embed_query("timeouts")
    assert "unusable" in caplog.text
    assert rebuilt.backend == "onnx"
    assert files.graph.stat().st_size > 50_000_000
    assert float(vector @ embedder.embed_query("timeouts")) > 0.99999


def test_wrong_probe_vectors_are_refused(embedder, tmp_path):
    """An export whose manifest does not match its graph (foreign or damaged) is refused."""
    cache = tmp_path / "models"
    shutil.copytree(embedder.settings.cache_dir, cache, ignore=shutil.ignore_patterns("*.lock"))
    settings = replace(embedder.settings, cache_dir=cache)
    files = onnx.export_files(settings)
    manifest = json.loads(files.manifest.read_text())
    manifest["probes"]["vectors"] = [[-x for x in v] for v in manifest["probes"]["vectors"]]
    files.manifest.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="differ"):
        onnx.OnnxModel(settings, files)


@pytest.fixture
def no_torch_for_children(tmp_path, monkeypatch) -> None:
    """Processes started from here cannot import torch (a module that raises ImportError
    is first on their path); this process keeps its own."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "torch.py").write_text("raise ImportError('torch is not installed')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")]))


def test_without_torch_to_export_auto_falls_back_with_a_note(
    no_torch_for_children, torch_embedder, tmp_path, caplog
):
    """No export cached and none can be made: `auto` says so in one line and embeds with
    torch, giving torch's vectors."""
    caplog.set_level(logging.WARNING, "workbench.embed")
    model = onnx.OnnxEmbedder(EmbeddingSettings(cache_dir=tmp_path / "empty"))
    vector = model.embed_query("timeouts")
    notes = [r.getMessage() for r in caplog.records if "torch instead" in r.getMessage()]
    assert len(notes) == 1 and "\n" not in notes[0]
    assert model.backend == "torch"
    assert np.allclose(vector, torch_embedder.embed_query("timeouts"), atol=1e-6)
    assert not list((tmp_path / "empty").glob("*.onnx"))


def test_without_torch_backend_onnx_refuses(no_torch_for_children, tmp_path):
    """`backend="onnx"` never falls back: a one-line error names the missing torch."""
    model = onnx.make_embedder(EmbeddingSettings(backend="onnx", cache_dir=tmp_path / "empty"))
    with pytest.raises(onnx.ExportUnavailable, match="torch"):
        model.load()


def test_unknown_backend_is_refused():
    """A typo in WORKBENCH_EMBED_BACKEND is a one-line error, not a silent default."""
    with pytest.raises(onnx.WorkbenchError, match="auto, onnx or torch"):
        onnx.make_embedder(EmbeddingSettings(backend="tensorflow"))


def test_index_records_the_same_model_name(wb, embedder, torch_embedder):
    """The file built with ONNX records the model name torch uses, so either opens it."""
    assert wb.embedder is embedder and embedder.backend == "onnx"
    assert wb.db.meta("embedding_model") == torch_embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert wb.db.meta("embedding_dim") == "384"


def test_digest_is_remembered(tmp_path):
    """The weights' SHA-256 is computed once per weights file, then read from the cache."""
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    first = onnx.weights_digest(weights, tmp_path / "cache")
    memo = next((tmp_path / "cache").glob("digest-*.json"))
    saved = json.loads(memo.read_text())
    saved["sha256"] = "remembered"
    memo.write_text(json.dumps(saved))
    assert onnx.weights_digest(weights, tmp_path / "cache") == "remembered"
    weights.write_bytes(b"other weights!")
    assert onnx.weights_digest(weights, tmp_path / "cache") not in (first, "remembered")


def test_export_module_is_standalone():
    """The exporter is a module of its own, so only its process pays for torch."""
    source = Path(onnx.__file__).read_text()
    assert "import torch" not in source
    assert "sentence_transformers" not in source


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_batches_and_concurrent_callers_give_the_same_vectors(embedder, precision):
    """Passages embedded in batches equal the same passages one by one, and so do the
    vectors of eight threads embedding at once (a server's pool: runs take turns)."""
    from concurrent.futures import ThreadPoolExecutor

    together = embedder.embed(TEXTS, precision=precision)
    alone = np.stack([embedder.embed([text], precision=precision)[0] for text in TEXTS[:12]])
    assert np.allclose(together[:12], alone, atol=1e-5)
    with ThreadPoolExecutor(8) as pool:
        concurrent = list(
            pool.map(lambda text: embedder.embed([text], precision=precision)[0], TEXTS[:12] * 4)
        )
    assert np.allclose(np.stack(concurrent[:12]), alone, atol=1e-5)
    assert np.allclose(np.stack(concurrent[36:]), alone, atol=1e-5)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_passages_on_several_models_match_one_model(embedder, monkeypatch, precision):
    """Passages spread over thread-owned models (an ingest) get the same vectors as one
    model run batch after batch, in the same order; repeated, so that a crash of models
    used at once (as a shared session crashed) would show."""
    texts = [f"send the {n} request with a timeout of {n * 3} seconds" for n in range(300)]
    texts += ["a much longer passage " * (n % 9 + 1) for n in range(100)]
    monkeypatch.setenv("WORKBENCH_EMBED_THREADS", "1")
    serial = onnx.OnnxEmbedder(embedder.settings)
    one = serial.embed(texts, precision=precision)
    assert serial._pool is None
    monkeypatch.setenv("WORKBENCH_EMBED_THREADS", "3")
    pooled = onnx.OnnxEmbedder(embedder.settings)
    for _ in range(3):
        assert np.allclose(pooled.embed(texts, precision=precision), one, atol=1e-5)
    assert pooled._pool is not None and pooled._pool._max_workers == 3
    monkeypatch.setenv("WORKBENCH_EMBED_THREADS", "many")
    with pytest.raises(WorkbenchError, match="WORKBENCH_EMBED_THREADS"):
        onnx.passage_threads()

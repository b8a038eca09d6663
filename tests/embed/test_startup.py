"""Start-up of a query process: what it imports, how it loads the model, what it costs."""

from __future__ import annotations

import json
import subprocess
import sys

from workbench.bench import cold
from workbench.embed.onnx import make_embedder

LIBRARY_MANAGEMENT = [
    "griffe",
    "pyarrow",
    "httpx",
    "workbench.libraries.pipeline",
    "workbench.ingest.extract",
]


def test_facade_import_leaves_library_management_out():
    """`import workbench.facade` pulls in neither griffe, pyarrow, httpx nor the ingest
    pipeline: a face that only reads the index does not pay for them."""
    code = "import sys, json, workbench.facade\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & set(LIBRARY_MANAGEMENT), loaded & set(LIBRARY_MANAGEMENT)


def test_cold_search_prints_results_without_heavy_imports(built_db, embedder):
    """A new `workbench search` process prints its hits, imports no torch, and stays far
    under the 600 MB RSS target (torch alone would take it past that)."""
    result = cold.cold_start(built_db, "send data then close the connection", repeat=1)
    assert 0 < result["first_result_s"] <= result["exit_s"]
    assert result["rss_mb"] < 600
    assert cold.heavy_imports(built_db, "encode a domain name") == []


def test_failed_cold_search_is_reported(tmp_path):
    """A search that fails (no such file) is an error with the command's own message."""
    missing = tmp_path / "missing.duckdb"
    try:
        cold.time_first_result(cold.search_command(missing, "anything"))
    except RuntimeError as error:
        assert "missing.duckdb" in str(error)
    else:
        raise AssertionError("a failing search must raise")


def test_background_load_is_waited_for(embedder):
    """`load_in_background` returns at once; the first query waits for the load and gets
    the same vector as a model loaded in the foreground."""
    model = make_embedder(embedder.settings).load_in_background()
    vector = model.embed_query("open a connection")
    assert model.loaded
    assert float(vector @ embedder.embed_query("open a connection")) > 0.99999


def test_a_search_on_a_missing_file_exits_cleanly_while_the_model_loads(tmp_path):
    """The model loads in a thread while the file opens; when the open fails the process
    exits with the one-line error and code 2, never an abort from onnxruntime (it did in
    2 of 5 runs while that thread was a daemon)."""
    import subprocess
    import sys

    for _ in range(4):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "workbench.cli",
                "search",
                "anything",
                "--db",
                str(tmp_path / "none.duckdb"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: no workbench index at {tmp_path / 'none.duckdb'}: run `workbench ingest` first"
        ]

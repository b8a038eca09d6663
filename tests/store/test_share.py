"""Exported files answer like the original in another process, carry a manifest that every
open verifies, merge into a teammate's file, and are refused with a fix when bad."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from tests.helpers import ALL_BUILT, digest, run_cli
from workbench import Workbench
from workbench.errors import ModelMismatchError, StoreError
from workbench.store.extensions import load_extensions
from workbench.store.manifest import IntegrityError

REPO = Path(__file__).parent.parent.parent
QUERIES = {"idna": "encode a unicode domain name", "h11": "parse an HTTP/1.1 request from bytes"}


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Each test verifies files afresh: its own cache of verified files."""
    monkeypatch.setenv("WORKBENCH_VERIFIED_CACHE", str(tmp_path_factory.mktemp("cache") / "verified.json"))


@pytest.fixture(scope="module")
def exported(built_db, tmp_path_factory) -> Path:
    """The whole small index, exported once for the module (tests copy it to change it)."""
    path = tmp_path_factory.mktemp("export") / "team.duckdb"
    result = run_cli("export", str(path), "--db", str(built_db))
    assert result.exit_code == 0, result.output
    return path


def _cli(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`workbench ...` in a new process, as a teammate would run it."""
    environ = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    command = [sys.executable, "-m", "workbench.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120, **kwargs)


def _raw(path: Path, *statements: str) -> None:
    """Change a file behind the workbench's back (as a careless tool or a bad copy would)."""
    conn = duckdb.connect(":memory:")
    load_extensions(conn)
    conn.execute(f"ATTACH '{path}' AS f")
    for sql in statements:
        conn.execute(sql)
    conn.close()


def _copy(source: Path, folder: Path, name: str = "copy.duckdb") -> Path:
    target = folder / name
    shutil.copy(source, target)
    return target


def test_export_answers_like_the_original_in_another_process(built_db, exported, embedder):
    with Workbench(built_db, embedder=embedder) as wb:
        expected = {q: [h.path for h in wb.search(q, 5)] for q in QUERIES.values()}
        libraries = {lib.name: lib.version for lib in wb.libraries()}
    for query, paths in expected.items():
        out = _cli("search", query, "-k", "5", "--json", "--db", str(exported))
        assert out.returncode == 0, out.stderr
        assert [hit["path"] for hit in json.loads(out.stdout)] == paths
    with Workbench(exported, embedder=embedder) as wb:
        manifest = wb.manifest()
        assert wb.index_status() == ALL_BUILT
    assert {lib["name"]: lib["version"] for lib in manifest.libraries} == libraries
    assert manifest.embedding_model == embedder.name and manifest.embedding_dim == 384
    assert manifest.left_out == [] and len(manifest.checksum) == 64


def test_a_subset_export_keeps_edges_into_left_out_libraries_as_stubs(built_db, tmp_path, embedder):
    out = tmp_path / "fixture-only.duckdb"
    result = run_cli("export", str(out), "--library", "wbfixture", "--db", str(built_db))
    assert result.exit_code == 0, result.output
    assert "left out" in result.output and "h11" in result.output
    source = duckdb.connect(str(built_db), read_only=True)
    edges = source.execute("SELECT count(*) FROM edges WHERE library = 'wbfixture'").fetchone()[0]
    source.close()
    with Workbench(out, embedder=embedder) as wb:
        assert [lib.name for lib in wb.libraries()] == ["wbfixture"]
        assert wb.manifest().left_out == ["h11", "idna"]
        assert wb.db.execute("SELECT count(*) FROM edges").fetchone()[0] == edges
        outside = wb.db.execute(
            "SELECT count(*) FROM graph_nodes WHERE is_stub AND path NOT IN (SELECT path FROM entities)"
        ).fetchone()[0]
        assert outside > 0  # e.g. builtins the fixture raises or subclasses
        assert {h.library for h in wb.search("connection pool timeout", 5)} == {"wbfixture"}
    bad = run_cli("export", str(tmp_path / "x.duckdb"), "-l", "nosuchlib", "--db", str(built_db))
    assert bad.exit_code == 2 and "nosuchlib" in bad.stderr and "choose from" in bad.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_import_merges_a_teammates_libraries(built_db, tmp_path, embedder):
    mine, theirs = tmp_path / "mine.duckdb", tmp_path / "theirs.duckdb"
    assert run_cli("export", str(mine), "-l", "idna", "--db", str(built_db)).exit_code == 0
    assert run_cli("export", str(theirs), "-l", "h11", "--db", str(built_db)).exit_code == 0
    result = run_cli("import", str(theirs), "--db", str(mine))
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "h11" in result.output
    with Workbench(mine, embedder=embedder) as wb:
        assert {lib.name for lib in wb.libraries()} == {"idna", "h11"}
        assert wb.search(QUERIES["idna"], 1)[0].library == "idna"
        assert wb.search(QUERIES["h11"], 1)[0].library == "h11"
        ids = wb.db.execute("SELECT count(*), count(DISTINCT id) FROM chunks").fetchone()
        assert ids[0] == ids[1]
        assert wb.index_status() == ALL_BUILT
        assert wb.manifest() is None  # written to: no longer the export it was
    again = run_cli("import", str(theirs), "--db", str(mine))
    assert again.exit_code == 0 and "kept yours" in again.output
    replaced = run_cli("import", str(theirs), "--replace", "--db", str(mine))
    assert replaced.exit_code == 0 and "replaced" in replaced.output
    with Workbench(mine, embedder=embedder) as wb:
        assert wb.db.execute("SELECT count(*) FROM libraries WHERE name = 'h11'").fetchone()[0] == 1
        history = wb.db.execute("SELECT count(*) FROM library_versions WHERE library = 'h11'").fetchone()[0]
        assert history == 1  # their history row, not doubled by the second import
    assert run_cli("compliance", "optout", "h11", "--reason", "policy", "--db", str(mine)).exit_code == 0
    opted = run_cli("import", str(theirs), "--replace", "--db", str(mine))
    assert opted.exit_code == 0 and "opted out" in opted.output
    with Workbench(mine, embedder=embedder) as wb:
        assert {lib.name for lib in wb.libraries()} == {"idna"}


def test_a_tampered_export_is_refused_everywhere(exported, tmp_path, embedder):
    bad = _copy(exported, tmp_path)
    _raw(bad, "UPDATE f.entities SET docstring = 'tampered' WHERE path = 'idna.core.encode'")
    with pytest.raises(IntegrityError, match="fails its checksum"):
        Workbench(bad, embedder=embedder)
    out = _cli("libraries", "--db", str(bad))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "fails its checksum" in out.stderr and "export" in out.stderr
    served = run_cli("serve", "--db", str(bad), "--port", "1")
    assert served.exit_code == 2 and "fails its checksum" in served.stderr
    mine = _copy(exported, tmp_path, "mine.duckdb")
    before = digest(mine)
    refused = run_cli("import", str(bad), "--db", str(mine))
    assert refused.exit_code == 2 and "fails its checksum" in refused.stderr
    assert digest(mine) == before  # checked before the receiving file is opened to write


def test_a_verified_export_opens_without_hashing_again(exported, tmp_path, embedder):
    copy = _copy(exported, tmp_path)
    with Workbench(copy, embedder=embedder):
        pass  # verified and cached
    cache = Path(os.environ["WORKBENCH_VERIFIED_CACHE"])
    assert str(copy.resolve()) in json.loads(cache.read_text())
    # the cache is keyed by size and mtime: a change behind its back is hashed again
    _raw(copy, "UPDATE f.libraries SET version = '0.0' WHERE name = 'idna'")
    with pytest.raises(IntegrityError):
        Workbench(copy, embedder=embedder)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ("UPDATE f.workbench_meta SET value = '99' WHERE key = 'schema_version'", StoreError, "upgrade"),
        (
            "UPDATE f.workbench_meta SET value = 'other/model' WHERE key = 'embedding_model'",
            ModelMismatchError,
            "WORKBENCH_MODEL",
        ),
    ],
    ids=["newer-schema", "other-model"],
)
def test_a_file_the_workbench_cannot_read_is_refused_with_the_fix(
    exported, tmp_path, embedder, change, error, message
):
    bad = _copy(exported, tmp_path)
    _raw(bad, change)
    with pytest.raises(error, match=message):
        Workbench(bad, embedder=embedder)
    out = run_cli("search", "encode", "--mode", "bm25", "--db", str(bad))
    assert out.exit_code == 2 and message in out.stderr and out.stderr.count("\n") == 1


def test_a_foreign_duckdb_file_is_refused(tmp_path, exported):
    foreign = tmp_path / "sales.duckdb"
    conn = duckdb.connect(str(foreign))
    conn.execute("CREATE TABLE orders AS SELECT 1 AS id")
    conn.close()
    out = run_cli("libraries", "--db", str(foreign))
    assert out.exit_code == 2 and "not a workbench index" in out.stderr and "workbench export" in out.stderr
    mine = _copy(exported, tmp_path, "mine.duckdb")
    refused = run_cli("import", str(foreign), "--db", str(mine))
    assert refused.exit_code == 2 and "not a workbench index" in refused.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to nobody")
def test_a_read_only_open_needs_no_write_access(exported):
    """As user nobody, with the file and its folder read-only (root would ignore modes)."""
    folder = Path(tempfile.mkdtemp(prefix="wb-readonly-", dir="/tmp"))
    try:
        shutil.copy(exported, folder / "team.duckdb")
        (folder / "team.duckdb").chmod(0o444)
        folder.chmod(0o555)
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run(
            [*nobody, sys.executable, "-c", f"import os; print(os.access('{folder}', os.W_OK))"],
            capture_output=True,
            text=True,
        )
        assert probe.stdout.strip() == "False"  # the test really runs without write access
        # the cache of verified files points into the read-only folder too: writing it fails
        cache = {"WORKBENCH_VERIFIED_CACHE": str(folder / "verified.json"), "HOME": str(folder)}
        env = {**os.environ, "PYTHONPATH": str(REPO), **cache}
        command = [*nobody, sys.executable, "-m", "workbench.cli", "search", QUERIES["idna"]]
        out = subprocess.run(
            [*command, "--mode", "bm25", "--json", "--db", str(folder / "team.duckdb")],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        with Workbench(exported) as original:  # as root, for comparison
            expected = [h.path for h in original.search(QUERIES["idna"], 10, mode="bm25")]
        assert [hit["path"] for hit in json.loads(out.stdout)] == expected and expected
        assert sorted(p.name for p in folder.iterdir()) == ["team.duckdb"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_export_while_another_process_writes_reads_the_last_whole_file(built_db, tmp_path):
    """A writer changes a private copy, so an export meanwhile reads the file as it was."""
    source = _copy(built_db, tmp_path, "busy.duckdb")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from workbench.store.database import Database; "
            f"db = Database({str(source)!r}, read_only=False); "
            "db.execute(\"DELETE FROM aliases\"); print('ready', flush=True); "
            "time.sleep(float(sys.argv[1])); db.close()",
            "30",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = run_cli("export", str(tmp_path / "a.duckdb"), "--db", str(source))
        assert done.exit_code == 0, done.output
        with Workbench(source) as original, Workbench(tmp_path / "a.duckdb") as exported:
            assert exported.counts()["aliases"] == original.counts()["aliases"] > 0
    finally:
        holder.kill()
        holder.wait()


def test_migrating_an_older_export_makes_it_your_own_file(exported, tmp_path, embedder):
    """Migrations rewrite rows, so a writable open that migrated drops the manifest
    unchecked; a read-only open of the same rows is still refused."""
    old = _copy(exported, tmp_path)
    _raw(
        old,
        "UPDATE f.workbench_meta SET value = json_merge_patch(value, '{\"schema_version\": 4}') "
        "WHERE key = 'manifest'",
        "UPDATE f.libraries SET license = 'rewritten by a migration'",
    )
    with pytest.raises(IntegrityError):
        Workbench(old, embedder=embedder)
    with Workbench(old, read_only=False, embedder=embedder) as wb:
        assert wb.manifest() is None
    with Workbench(old, embedder=embedder) as wb:
        assert wb.manifest() is None and len(wb.libraries()) == 3

"""Bounded inputs (issue 15, item 6): a wheel that unpacks to far more than it weighs,
staging folders a killed unpack left, PyPI answers that are huge or nested deep."""

from __future__ import annotations

import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import build_wheel
from tests.pypi_server import pypi_server
from workbench.config import DiscoverySettings
from workbench.errors import FetchError
from workbench.libraries import fetch
from workbench.libraries.pypi import MAX_RESPONSE_BYTES, PyPI

SOURCES = {"wbbomb/__init__.py": '"""A package."""\n\n\ndef f():\n    """Do it."""\n'}


def _bomb(folder: Path, member: str, megabytes: int) -> Path:
    """A real wheel with one entry of `megabytes` MB of zeros (it compresses ~1000:1)."""
    wheel = build_wheel(folder, "wbbomb", "1.0", SOURCES)
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(wheel, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w", force_zip64=True) as out,
    ):
        for _ in range(megabytes):
            out.write(block)
    return wheel


def test_a_source_entry_that_unpacks_to_200_mb_is_refused_unread(tmp_path):
    """A 200 MB module in a ~200 KB wheel: FetchError before anything is written."""
    wheel = _bomb(tmp_path / "dist", "wbbomb/huge.py", 200)
    assert wheel.stat().st_size < 1_000_000
    root = tmp_path / "packages"
    with pytest.raises(FetchError, match="200 MB"):
        fetch.unpack_wheel(wheel, root, "test")
    written = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert written < 1_000_000 and not list((root / "site").glob(".unpack-*"))


def test_binaries_griffe_does_not_read_are_not_unpacked(tmp_path):
    """A 200 MB data file beside the sources is skipped: the package is read, the disk spared."""
    wheel = _bomb(tmp_path / "dist", "wbbomb/blob.bin", 200)
    package, created = fetch.unpack_wheel(wheel, tmp_path / "packages", "test")
    assert created and package.name == "wbbomb"
    site = tmp_path / "packages" / "site"
    assert sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) < 1_000_000
    assert (site / "wbbomb-1.0" / "wbbomb" / "__init__.py").is_file()


def test_staging_folders_of_a_killed_unpack_are_removed_on_the_next_run(tmp_path):
    """A `.unpack-PID-*` folder whose process is gone is deleted by the next unpack; one
    of a live process is left alone."""
    site = tmp_path / "packages" / "site"
    site.mkdir(parents=True)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = site / f".unpack-{gone.stdout.strip()}-abc"
    legacy = site / ".unpack-k2j3h4"  # what the previous workbench named them
    live = site / ".unpack-1-xyz"  # pid 1 is alive
    for folder in (dead, legacy, live):
        (folder / "pkg").mkdir(parents=True)
    fetch.unpack_wheel(build_wheel(tmp_path / "dist", "wbbomb", "1.0", SOURCES), tmp_path / "packages", "t")
    assert not dead.exists() and not legacy.exists() and live.exists()


def test_a_pypi_answer_past_the_cap_is_a_note_and_memory_stays_flat():
    """40 MB of garbage without a Content-Length stops at the cap; JSON nested 100,000
    deep is a malformed answer, not a RecursionError."""
    assert MAX_RESPONSE_BYTES < 40 << 20
    with pypi_server() as server:
        settings = DiscoverySettings(pypi_url=server.url, timeout_s=5.0, deadline_s=20.0)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with PyPI(settings) as pypi:
            answers = pypi.projects(["hugepkg", "deeppkg", "h11"])
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert answers["hugepkg"].startswith("PyPI's answer is too large")
    assert answers["deeppkg"] == "PyPI sent a malformed response"
    assert answers["h11"].version == "0.16.0"
    assert grown_mb < 3 * (MAX_RESPONSE_BYTES >> 20)

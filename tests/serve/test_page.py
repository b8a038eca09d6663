"""The search page at / in a real headless browser (Debian's chromium): it runs the search
through the JSON API and shows the hits, and shows the server's error message when refused."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make sysdeps)")


def _chromium(tmp_path: Path, url: str, *args: str) -> str:
    profile = tmp_path / "profile"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=10000", *args, url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    return done.stdout


def test_the_page_searches_and_lists_the_hits(server, tmp_path):
    dom = _chromium(tmp_path, f"{server.url}/?q={quote('read timeout')}", "--dump-dom")
    assert 'data-done="1"' in dom
    paths = re.findall(r'<div class="path">([^<]+)</div>', dom)
    assert len(paths) == 10 and "wbfixture.ReadTimeoutError" in paths
    assert "10 result(s) for “read timeout”" in dom


def test_the_page_shows_the_servers_refusal(server, tmp_path):
    dom = _chromium(tmp_path, f"{server.url}/?q=timeout&mode=fuzzy", "--dump-dom")
    assert 'class="error"' in dom and "error: unknown mode 'fuzzy'" in dom


def test_a_screenshot_of_the_page(server, tmp_path):
    shot = tmp_path / "serve.png"
    url = f"{server.url}/?q={quote('read timeout')}"
    _chromium(tmp_path, url, "--window-size=1100,800", "--hide-scrollbars", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

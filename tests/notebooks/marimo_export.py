"""Run a notebook headless with marimo's own runner (`marimo export html`) and read what
each cell showed: tables (their full-precision rows), Vega-Lite chart specs, errors."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
#: a <marimo-table> holds its (first page of) rows in data-data, and the rows before any
#: formatting in data-raw-data when the table formats a column
_TABLE = re.compile(r"<marimo-table[^>]*>")
_ATTRIBUTE = re.compile(r" (data-raw-data|data-data)='([^']*)'")
_MIME = re.compile(r"<marimo-mime-renderer data-mime='([^']*)' data-data='([^']*)'")


def _attribute(value: str) -> Any:
    """A marimo HTML attribute: HTML-escaped JSON, often a JSON string holding JSON."""
    decoded = json.loads(html.unescape(value))
    if isinstance(decoded, str) and decoded.lstrip()[:1] in ("{", "["):
        return json.loads(decoded)
    return decoded


@dataclass
class Run:
    """What a headless run of a notebook showed."""

    returncode: int
    stderr: str
    seconds: float
    cells: list[dict[str, Any]] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Every output of every cell (markdown and HTML), as text."""
        out = []
        for cell in self.cells:
            for output in cell["outputs"]:
                out += [str(data) for data in output.get("data", {}).values()]
        return out

    def errors(self) -> list[str]:
        """Cells that raised, and any traceback printed to a cell's console."""
        found = [
            o.get("evalue", "")
            for c in self.cells
            for o in c["outputs"]
            if o.get("type") == "error" and "ancestor was stopped" not in o.get("evalue", "")
        ]
        found += [
            str(entry.get("text", ""))
            for c in self.cells
            for entry in c["console"]
            if "traceback" in str(entry.get("mimetype", "")) or "Traceback" in str(entry.get("text", ""))
        ]
        return found

    def tables(self) -> list[list[dict[str, Any]]]:
        """Rows of every `mo.ui.table` shown, in cell order."""
        found = []
        for text in self.texts():
            for tag in _TABLE.findall(text):
                attributes = dict(_ATTRIBUTE.findall(tag))
                found.append(_attribute(attributes.get("data-raw-data") or attributes["data-data"]))
        return found

    def table_with(self, column: str) -> list[dict[str, Any]]:
        """The first table that has a column of this name."""
        for rows in self.tables():
            if rows and column in rows[0]:
                return rows
        raise AssertionError(f"no table with a '{column}' column")

    def charts(self) -> list[dict[str, Any]]:
        """Every Vega-Lite spec shown, as an output of its own or inside a layout."""
        specs = []
        for cell in self.cells:
            for output in cell["outputs"]:
                for mime, data in output.get("data", {}).items():
                    if "vegalite" in mime:
                        specs.append(json.loads(data) if isinstance(data, str) else data)
        for text in self.texts():
            for mime, data in _MIME.findall(text):
                if "vegalite" in _attribute(mime):
                    specs.append(_attribute(data))
        return specs

    def chart_titled(self, words: str) -> dict[str, Any]:
        """The chart whose title contains `words`."""
        for spec in self.charts():
            if words in str(spec.get("title", "")):
                return spec
        titles = [spec.get("title") for spec in self.charts()]
        raise AssertionError(f"no chart titled '{words}' among {titles}")


def datasets(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline datasets of a Vega-Lite spec (altair puts them under `datasets`)."""
    return list(spec.get("datasets", {}).values())


def export(name: str, args: list[str], out: Path, timeout: float = 900) -> Run:
    """`marimo export html notebooks/NAME.py -- ARGS` in a subprocess, read back."""
    import time

    target = out / f"{name}.html"
    env = {**os.environ, "MARIMO_SKIP_UPDATE_CHECK": "1", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "marimo", "export", "html", str(NOTEBOOKS / f"{name}.py")]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "-o", str(target), "-f", "--", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )
    seconds = time.perf_counter() - started
    cells: list[dict[str, Any]] = []
    if target.exists():
        page = target.read_text()
        start = page.index('"session":') + len('"session":')
        session, _ = json.JSONDecoder().raw_decode(page[start:].lstrip())
        cells = session["cells"]
    return Run(done.returncode, done.stderr, seconds, cells)

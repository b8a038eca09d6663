"""Rich rendering of update checks and reports, and of the compliance report."""

from __future__ import annotations

import json
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from workbench.libraries.update import UpdateCheck
from workbench.model import Candidate, IngestReport, LicenseVerdict


def render_update_check(console: Console, checks: list[UpdateCheck]) -> None:
    table = Table(title="update check")
    for col in ("library", "indexed", "installed", "PyPI", "state", "origin", "note"):
        table.add_column(col)
    for c in checks:
        style = "" if c.state == "current" else "yellow"
        table.add_row(
            c.library, c.indexed_version, c.installed_version, c.latest_version or "-", c.state,
            c.origin, c.note, style=style,
        )  # fmt: skip
    console.print(table)


def render_update_reports(console: Console, reports: list[IngestReport]) -> None:
    if not reports:
        console.print("every indexed library is current")
        return
    table = Table(title="update")
    for col in (
        "library",
        "version",
        "status",
        "added",
        "changed",
        "removed",
        "unchanged",
        "re-embedded",
        "s",
    ):
        table.add_column(col, justify="left" if col in {"library", "version", "status"} else "right")
    for r in reports:
        table.add_row(
            r.library, r.version, r.status, str(r.added), str(r.changed), str(r.removed),
            str(r.unchanged), str(r.embedded), f"{r.seconds:.1f}",
        )  # fmt: skip
        if r.message:
            console.print(f"[yellow]{r.library}: {r.message}")
    console.print(table)


def render_compliance(console: Console, verdicts: list[LicenseVerdict], fmt: str) -> None:
    if fmt == "json":
        console.print_json(json.dumps([asdict(v) for v in verdicts]))
        return
    rows = [
        (v.library, v.version, v.license or "?", v.license_class,
         "opted out: " + v.reason if v.opted_out else ("allowed" if v.allowed else "NOT ALLOWED"))
        for v in verdicts
    ]  # fmt: skip
    if fmt == "md":
        lines = ["| library | version | license | class | verdict |", "|---|---|---|---|---|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        console.print("\n".join(lines), markup=False, highlight=False)
        return
    table = Table(title="compliance")
    for col in ("library", "version", "license", "class", "verdict"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*r, style="" if r[4] == "allowed" else "yellow")
    console.print(table)


def render_candidates(console: Console, candidates: list[Candidate], as_json: bool) -> None:
    """The ranked candidates of `workbench discover`."""
    if as_json:
        rows = []
        for c in candidates:
            row = asdict(c)
            row["quality_score"] = None if c.quality is None else round(c.quality.score, 3)
            rows.append(row)
        console.print_json(json.dumps(rows))
        return
    if not candidates:
        console.print("no candidates: everything found is indexed or opted out")
        return
    table = Table(title="candidates to index (score = 0.6 popularity + 0.4 docs, + suggested, + installed)")
    table.add_column("#", justify="right")
    table.add_column("library", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("PyPI rank", justify="right", overflow="fold")
    table.add_column("docs/typed/ex %", no_wrap=True)
    table.add_column("license (class)", overflow="fold")
    table.add_column("policy")
    table.add_column("version", overflow="fold")
    table.add_column("notes", overflow="fold")
    for i, c in enumerate(candidates, start=1):
        quality = (
            "-"
            if c.quality is None
            else f"{c.quality.docstrings:.0%}/{c.quality.typed:.0%}/{c.quality.examples:.0%}".replace("%", "")
        )
        version = c.installed_version or "-"
        if c.latest_version and c.latest_version != c.installed_version:
            version += f" (PyPI {c.latest_version})"
        notes = list(c.notes)
        if c.suggested:
            notes.insert(0, f"suggested x{c.suggested}")
        table.add_row(
            str(i),
            c.name,
            f"{c.score:.3f}",
            "-" if c.rank is None else str(c.rank),
            quality,
            f"{c.license or '?'} ({c.license_class})",
            "ok" if c.allowed else "refused",
            version,
            "; ".join(notes),
            style="" if c.allowed else "dim",
        )
    console.print(table)

"""Rich rendering of update checks and reports, and of the compliance report."""

from __future__ import annotations

import json
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from workbench.libraries.update import UpdateCheck
from workbench.model import IngestReport, LicenseVerdict


def render_update_check(console: Console, checks: list[UpdateCheck]) -> None:
    table = Table(title="update check")
    for col in ("library", "indexed", "installed", "state"):
        table.add_column(col)
    for c in checks:
        style = "" if c.state == "current" else "yellow"
        table.add_row(c.library, c.indexed_version, c.installed_version, c.state, style=style)
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

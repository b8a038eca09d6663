"""The bundled snapshot of popular PyPI packages (data/pypi/popular.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError

COLUMNS = ("rank", "name", "latest_release_month", "license", "summary")


@dataclass(frozen=True)
class SnapshotRow:
    """One package of the snapshot: its download rank, license (may be "") and summary."""

    rank: int
    name: str
    license: str
    summary: str
    latest_release_month: str = ""


def read_snapshot(path: Path) -> list[SnapshotRow]:
    """Rows of a snapshot CSV, most popular first.

    Raises:
        WorkbenchError: the file is missing columns or has a row without a numeric rank.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise WorkbenchError(f"{path} is not a PyPI snapshot: no column {', '.join(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                rank = int(row["rank"])
            except (TypeError, ValueError):
                raise WorkbenchError(f"{path}:{line}: rank {row['rank']!r} is not a number") from None
            rows.append(
                SnapshotRow(
                    rank, row["name"].strip(), row["license"].strip(), row["summary"].strip(),
                    row["latest_release_month"].strip(),
                )
            )  # fmt: skip
    return sorted(rows, key=lambda r: r.rank)

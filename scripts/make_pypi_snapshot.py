"""Build data/pypi/popular.csv, the bundled snapshot `workbench discover` ranks from.

Sources (no registry is queried; see data/pypi/README.md):
- names, popularity rank, latest release month and summary: a list of PyPI packages with
  each one's rank among the 15,000 most downloaded, taken on the build machine;
- license: the METADATA of a wheel of that package found in local wheel folders (a pip
  find-links / file index), else the installed distribution's metadata, else empty
  (`discover --online` fills it from the PyPI JSON API).

Usage: python scripts/make_pypi_snapshot.py PYPI_TSV [WHEEL_DIR ...] > data/pypi/popular.csv
"""

from __future__ import annotations

import csv
import email.parser
import importlib.metadata as metadata
import re
import sys
import zipfile
from pathlib import Path

TOP = 300


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_licenses(folders: list[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for folder in folders:
        for wheel in sorted(folder.rglob("*.whl")):
            name = normalize(wheel.name.split("-")[0])
            if name in out:
                continue
            try:
                with zipfile.ZipFile(wheel) as zf:
                    meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
                    meta = email.parser.Parser().parsestr(zf.read(meta_name).decode("utf-8", "replace"))
            except (zipfile.BadZipFile, StopIteration, OSError):
                continue
            out[name] = license_from(meta)
    return out


def license_from(meta) -> str:
    from workbench.libraries.compliance import license_from_metadata

    return license_from_metadata(meta)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    tsv, *wheel_dirs = sys.argv[1:]
    rows = []
    with open(tsv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            rank = row["rank_among_15000_most_downloaded"].strip()
            if rank:
                rows.append((int(rank), row))
    rows.sort(key=lambda r: r[0])
    licenses = wheel_licenses([Path(d) for d in wheel_dirs])
    for dist in metadata.distributions():
        licenses.setdefault(normalize(dist.metadata["Name"] or ""), license_from(dist.metadata))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["rank", "name", "latest_release_month", "license", "summary"])
    for rank, row in rows[:TOP]:
        summary = " ".join((row["summary"] or "").split())[:200]
        out.writerow([rank, row["name"], row["month"], licenses.get(normalize(row["name"]), ""), summary])


if __name__ == "__main__":
    main()

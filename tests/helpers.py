"""Small helpers that keep tests a few lines long."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner, Result

from workbench.cli import main

if TYPE_CHECKING:
    from workbench.ingest.extract import Extraction


def run_cli(*args: str) -> Result:
    """Invoke the `workbench` command in-process; stderr is kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


#: `Workbench.index_status()` of a file whose writer finished: every index, the graph, the
#: vector cache and the entity cards built
ALL_BUILT = {
    "hnsw": True,
    "bm25": True,
    "bm25_current": True,
    "graph": True,
    "vector_cache": True,
    "cards": True,
}


def edit_fixture_package(package: Path) -> None:
    """A new version of the fixture package's copy: `google_style`'s summary shortened,
    `added_later` added, `Connection.describe` removed."""
    styles = package / "styles.py"
    styles.write_text(
        styles.read_text().replace(
            "List the files below a folder, newest first.", "List files, newest first."
        )
        + '\n\ndef added_later() -> None:\n    """Appeared in the new version."""\n'
    )
    pool = package / "pool.py"
    describe = '    def describe(self) -> str:\n        """A line describing the connection."""\n'
    describe += '        return "connection"\n'
    assert describe in pool.read_text()
    pool.write_text(pool.read_text().replace(describe, ""))


def digest(path: Path) -> str:
    """sha256 of a file, to prove a command left it untouched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_wheel(
    folder: Path, name: str, version: str, files: dict[str, str], license_text: str = "MIT"
) -> Path:
    """A real wheel (zip with .dist-info METADATA, WHEEL, RECORD) of the given sources."""
    import zipfile

    dist_info = f"{name}-{version}.dist-info"
    metadata = (
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: A test package\n"
        f"License-Expression: {license_text}\n"
    )
    members = {
        **files,
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    members[f"{dist_info}/RECORD"] = "".join(f"{m},,\n" for m in members) + f"{dist_info}/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return wheel


def write_site(site: Path, name: str, files: dict[str, str], top_level: tuple[str, ...] = ()) -> Path:
    """An installed distribution `name` 1.0 in `site`: its files and a .dist-info (METADATA,
    top_level.txt, RECORD), as pip would leave it; put `site` on sys.path to find it."""
    for path, text in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    dist = site / f"{name}-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "top_level.txt").write_text("".join(f"{t}\n" for t in top_level or (name,)))
    record = [*files, f"{name}-1.0.dist-info/RECORD"]
    (dist / "RECORD").write_text("".join(f"{entry},,\n" for entry in record))
    return site


def extract_written(site: Path, name: str, files: dict[str, str], on_path) -> Extraction:
    """The extraction of a package written for a test (`write_site`), found on sys.path
    (`on_path`, the fixture) and loaded statically, as an ingest reads it."""
    from workbench.ingest.extract import extract
    from workbench.ingest.loader import load_package
    from workbench.ingest.packages import find_package

    on_path(write_site(site, name, files))
    package = find_package(name)
    return extract(package, load_package(package))

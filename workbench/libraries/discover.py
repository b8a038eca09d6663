"""`workbench discover`: rank libraries worth indexing, from the environment, the bundled
PyPI snapshot and (online only) PyPI's JSON API.

Score = 0.6 x popularity + 0.4 x documentation quality (+ up to 0.1 for suggestions,
+ 0.05 when installed, so no download is needed). Popularity is 1 - ln(rank)/ln(15000)
for a rank among PyPI's 15,000 most downloaded packages, 0 without one; quality is
`DocQuality.score` measured with griffe on an installed copy, 0.5 until measured.
Candidates the license policy refuses are listed after the others, marked.
"""

from __future__ import annotations

import contextlib
import importlib.metadata as metadata
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.config import CompliancePolicy, DiscoverySettings
from workbench.errors import WorkbenchError
from workbench.ingest.extract import extract
from workbench.ingest.loader import load_package
from workbench.ingest.packages import EXTRACTOR_VERSION, InstalledPackage, source_files
from workbench.ingest.quality import doc_quality
from workbench.libraries.compliance import allowed, classify, license_from_metadata
from workbench.libraries.pypi import PyPI, PyPIProject
from workbench.libraries.snapshot import read_snapshot
from workbench.model import Candidate, DocQuality

TOP_RANKS = 15000
UNMEASURED_QUALITY = 0.5


def normalize(name: str) -> str:
    """PEP 503 name: `PyYAML` and `pyyaml`, `ruamel.yaml` and `ruamel-yaml` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class DiscoverOptions:
    """What to look at and how much time to spend."""

    limit: int = 20
    online: bool = False
    sources: tuple[str, ...] = ("env", "snapshot")
    quality: bool = True
    quality_budget_s: float = 30.0
    quality_cache: Path | None = None
    include_indexed: bool = False


@dataclass
class DiscoverContext:
    """What the file knows: indexed, opted-out and suggested libraries (normalized names)."""

    indexed: set[str] = field(default_factory=set)
    opted_out: set[str] = field(default_factory=set)
    suggested: dict[str, int] = field(default_factory=dict)


def discover(
    options: DiscoverOptions,
    context: DiscoverContext,
    settings: DiscoverySettings,
    policy: CompliancePolicy,
    locate: Callable[[str], InstalledPackage | None],
    progress: Callable[[str], None] = lambda _message: None,
) -> list[Candidate]:
    """Ranked candidates, best first (at most `options.limit`)."""
    candidates: dict[str, Candidate] = {}
    if "env" in options.sources:
        _from_environment(candidates)
    if "snapshot" in options.sources:
        _from_snapshot(candidates, settings)
    for name in context.suggested:
        candidates.setdefault(name, Candidate(name=name, sources=["suggested"]))
    keep = {
        key: c
        for key, c in candidates.items()
        if key not in context.opted_out and (options.include_indexed or key not in context.indexed)
    }
    for key, candidate in keep.items():
        candidate.suggested = context.suggested.get(key, 0)
        if key in context.indexed:
            candidate.notes.append("indexed")
        _judge_license(candidate, policy)
    # measuring and asking PyPI can move a candidate up: look at twice as many as shown
    pool = _rank(list(keep.values()))[: 2 * options.limit]
    if options.online:
        progress(f"asking PyPI about {len(pool)} candidates")
        _add_pypi(pool, settings, policy)
    if options.quality:
        _measure_quality(pool, locate, options, progress)
    return _rank(pool)[: options.limit]


def _from_environment(candidates: dict[str, Candidate]) -> None:
    with_sources = {d for dists in metadata.packages_distributions().values() for d in dists}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or name not in with_sources:
            continue
        candidate = candidates.setdefault(normalize(name), Candidate(name=name))
        candidate.installed_version = dist.version
        candidate.summary = " ".join((dist.metadata["Summary"] or "").split())
        candidate.license = license_from_metadata(dist.metadata)
        if "env" not in candidate.sources:
            candidate.sources.append("env")


def _from_snapshot(candidates: dict[str, Candidate], settings: DiscoverySettings) -> None:
    if not settings.snapshot.is_file():
        raise WorkbenchError(
            f"no PyPI snapshot at {settings.snapshot} (set WORKBENCH_PYPI_SNAPSHOT, or --source env)"
        )
    for row in read_snapshot(settings.snapshot):
        candidate = candidates.setdefault(normalize(row.name), Candidate(name=row.name))
        candidate.rank = row.rank
        candidate.summary = candidate.summary or row.summary
        candidate.license = candidate.license or row.license
        candidate.sources.append("snapshot")
        if not candidate.installed_version:
            with contextlib.suppress(metadata.PackageNotFoundError):
                candidate.installed_version = metadata.version(row.name)


def _judge_license(candidate: Candidate, policy: CompliancePolicy) -> None:
    candidate.license_class = classify(candidate.license)
    candidate.allowed = allowed(candidate.license_class, policy)


def popularity(rank: int | None) -> float:
    """1 for the most downloaded package, 0 at rank 15,000 or without a rank."""
    if rank is None or rank < 1:
        return 0.0
    return max(0.0, 1.0 - math.log(rank) / math.log(TOP_RANKS))


def score(candidate: Candidate) -> float:
    """The ranking score (see the module docstring)."""
    quality = candidate.quality.score if candidate.quality and candidate.quality.objects else None
    value = 0.6 * popularity(candidate.rank) + 0.4 * (UNMEASURED_QUALITY if quality is None else quality)
    value += 0.1 * min(1.0, candidate.suggested / 3)
    value += 0.05 if candidate.installed_version else 0.0
    return round(value, 4)


def _rank(candidates: list[Candidate]) -> list[Candidate]:
    for candidate in candidates:
        candidate.score = score(candidate)
    return sorted(candidates, key=lambda c: (not c.allowed, -c.score, normalize(c.name)))


def _add_pypi(candidates: list[Candidate], settings: DiscoverySettings, policy: CompliancePolicy) -> None:
    with PyPI(settings) as pypi:
        answers = pypi.projects([c.name for c in candidates])
    for candidate in candidates:
        answer = answers.get(candidate.name)
        if isinstance(answer, PyPIProject):
            candidate.latest_version = answer.version
            candidate.has_wheel = answer.has_wheel
            candidate.summary = candidate.summary or answer.summary
            if not candidate.installed_version and answer.license:
                candidate.license = answer.license  # the latest release's word beats the snapshot's
            if not answer.has_wheel:
                candidate.notes.append("no wheel on PyPI")
            candidate.sources.append("pypi")
            _judge_license(candidate, policy)
        elif answer:
            candidate.notes.append(answer)


class QualityCache:
    """Measured doc quality by distribution, version and extractor version, in a JSON file
    beside the DuckDB file (the file itself may be open read-only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, list[float]] = {}
        if path is not None and path.is_file():
            try:
                self.entries = json.loads(path.read_text())
            except (OSError, ValueError):
                self.entries = {}

    @staticmethod
    def key(package: InstalledPackage) -> str:
        return f"{normalize(package.distribution)}=={package.version}|{EXTRACTOR_VERSION}"

    def get(self, package: InstalledPackage) -> DocQuality | None:
        entry = self.entries.get(self.key(package))
        return None if entry is None else DocQuality(int(entry[0]), *entry[1:4])

    def put(self, package: InstalledPackage, quality: DocQuality) -> None:
        entry = [quality.objects, quality.docstrings, quality.typed, quality.examples]
        self.entries[self.key(package)] = entry

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.entries, indent=0, sort_keys=True))
        except OSError:
            pass  # a cache: losing it costs time, not results


def _measure_quality(
    candidates: list[Candidate],
    locate: Callable[[str], InstalledPackage | None],
    options: DiscoverOptions,
    progress: Callable[[str], None],
) -> None:
    cache = QualityCache(options.quality_cache)
    started = time.monotonic()
    for candidate in candidates:
        package = locate(candidate.name)
        if package is None:
            continue
        cached = cache.get(package)
        if cached is not None:
            candidate.quality = cached
            continue
        estimate = estimated_seconds(package)
        if time.monotonic() - started + estimate > options.quality_budget_s:
            candidate.notes.append(f"docs not measured: about {estimate:.0f} s over the --budget")
            continue
        progress(f"measuring the docs of {candidate.name}")
        candidate.quality = measure(package)
        if candidate.quality is None:
            candidate.notes.append("griffe cannot read it")
        else:
            cache.put(package, candidate.quality)
    cache.save()


#: griffe + extraction read about 1.5 MB of Python source a second here (scipy: 51 MB, 28 s)
MEASURE_BYTES_PER_S = 1.5e6


def estimated_seconds(package: InstalledPackage) -> float:
    """How long measuring a package should take, from the size of its sources."""
    return sum(f.stat().st_size for f in source_files(package)) / MEASURE_BYTES_PER_S


def measure(package: InstalledPackage) -> DocQuality | None:
    """Documentation quality of a package read with griffe; None if griffe cannot read it."""
    try:
        roots = load_package(package, runtime=False)  # measuring runs none of its code
    except WorkbenchError:
        return None
    return doc_quality(extract(package, roots).entities)

"""`workbench doctor`: health checks of a workbench, and alerts against saved thresholds.

Each check gives a status: ok, warn (worth a look), alert (a threshold crossed or
something broken: `doctor` exits 1, for cron and CI) or skip (nothing to check). The
thresholds live in the state file beside the index (settings key `doctor`), as the search
settings do, so that every run, cron's too, uses the same ones.
"""

from __future__ import annotations

import math
from contextlib import suppress
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import QueryError, StoreError, WorkbenchError
from workbench.store.state import StateFile

#: The state file's settings keys: the thresholds, and the last `workbench bench` figures.
THRESHOLDS_KEY = "doctor"
LAST_BENCH_KEY = "last_bench"
STALE_STATES = ("new version", "changed sources")


@dataclass(frozen=True)
class Thresholds:
    """When a check turns into an alert."""

    #: a library stale (installed version differs from indexed) and indexed more than
    #: this many days ago
    stale_days: float = 30.0
    #: the last `workbench bench` hybrid search p95, in ms (issue 13's target)
    max_p95_ms: float = 30.0
    #: the share of a server's requests answered 5xx (from its /metrics)
    max_error_rate: float = 0.01


_RANGES = {"stale_days": (0.0, 36500.0), "max_p95_ms": (0.0, 1e6), "max_error_rate": (0.0, 1.0)}


def change_thresholds(base: Thresholds, changes: dict[str, Any]) -> Thresholds:
    """`base` with some thresholds changed, each checked against its range.

    Raises:
        QueryError: an unknown name or a value out of range.
    """
    known = [f.name for f in fields(Thresholds)]
    values: dict[str, float] = {}
    for key, value in changes.items():
        if key not in known:
            raise QueryError(f"unknown threshold '{key}': use one of {', '.join(known)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise QueryError(f"{key} must be a number, not {value!r}") from None
        low, high = _RANGES[key]
        if math.isnan(number) or not low <= number <= high:
            raise QueryError(f"{key} must be between {low:g} and {high:g}, not {value}")
        values[key] = number
    return replace(base, **values)


def saved_thresholds(state: StateFile) -> Thresholds:
    """The thresholds saved in the state file over the defaults.

    Raises:
        StoreError: a saved value is unreadable (the message says how to reset it).
    """
    raw = state.setting(THRESHOLDS_KEY) or {}
    known = {f.name for f in fields(Thresholds)}
    try:
        if not isinstance(raw, dict):
            raise QueryError("not a JSON object")
        return change_thresholds(Thresholds(), {k: v for k, v in raw.items() if k in known})
    except QueryError as error:
        raise StoreError(
            f"saved doctor threshold: {error}: save new ones with `workbench doctor --save`"
        ) from None


def save_thresholds(state: StateFile, thresholds: Thresholds) -> None:
    """Save the thresholds that differ from the defaults."""
    defaults = asdict(Thresholds())
    state.save_setting(THRESHOLDS_KEY, {k: v for k, v in asdict(thresholds).items() if v != defaults[k]})


def record_bench(state: StateFile, result: dict[str, Any]) -> None:
    """Keep the figures of a `workbench bench` run that doctor compares with its target;
    best effort (a read-only folder only means doctor has nothing to compare)."""
    hybrid = result.get("latency", {}).get("hybrid", {}).get("p95")
    if hybrid is None:
        return
    at = datetime.now(UTC).isoformat(timespec="seconds")
    with suppress(StoreError):
        state.save_setting(LAST_BENCH_KEY, {"hybrid_p95_ms": hybrid, "at": at})


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    status: str  # ok, warn, alert, skip
    detail: str


@dataclass
class Report:
    checks: list[Check]
    thresholds: Thresholds
    #: an exported file's manifest: what it holds, made by which workbench, when
    manifest: dict[str, Any] | None = None

    @property
    def alerts(self) -> list[Check]:
        return [c for c in self.checks if c.status == "alert"]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.alerts,
            "checks": [asdict(c) for c in self.checks],
            "thresholds": asdict(self.thresholds),
            "manifest": self.manifest,
        }


def _days_since(stamp: str) -> float:
    try:
        when = datetime.fromisoformat(stamp.replace(" ", "T"))
    except ValueError:
        return math.inf
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (datetime.now(UTC) - when).total_seconds() / 86400


def check_extensions() -> Check:
    from workbench.store.extensions import EXTENSION_PACKAGES, extension_file

    try:
        found = [extension_file(name).parent.name for name in EXTENSION_PACKAGES]
    except WorkbenchError as error:
        return Check("extensions", "alert", str(error))
    return Check("extensions", "ok", f"vss and fts for duckdb {found[0]}")


def check_model(wb: Any) -> Check:
    name = wb.settings.embedding.name
    try:
        vector = wb.embedder.embed_query("doctor")
    except Exception as error:  # any failure to load is the finding
        return Check("model", "alert", f"{name} does not load: {error}")
    return Check("model", "ok", f"{name}, {len(vector)} dims, same as the file")


def check_integrity(wb: Any) -> Check:
    from workbench.store.manifest import verify

    manifest = wb.manifest()
    if manifest is None:
        return Check("integrity", "skip", "no manifest (a file made by ingest, not export)")
    try:
        verify(wb.db, manifest)
    except StoreError as error:
        return Check("integrity", "alert", str(error))
    return Check(
        "integrity",
        "ok",
        f"checksum matches the export of {manifest.created_at} (workbench {manifest.workbench_version})",
    )


def check_indexes(wb: Any) -> list[Check]:
    status = wb.index_status()
    fix = "open it writable to rebuild: `workbench compact`"
    return [
        Check(
            "hnsw index",
            "ok" if status["hnsw"] else "alert",
            "used by the vector query plan" if status["hnsw"] else f"not used by the query plan: {fix}",
        ),
        Check(
            "bm25 index",
            "ok" if status["bm25"] and status["bm25_current"] else "alert",
            "present and current"
            if status["bm25"] and status["bm25_current"]
            else f"missing or stale: {fix}",
        ),
        Check(
            "graph",
            "ok" if status["graph"] else "alert",
            "built" if status["graph"] else f"stale: {fix}",
        ),
        Check(
            "entity cards",
            "ok" if status.get("cards", True) else "warn",
            "current: one per public class, function and summarised entity"
            if status.get("cards", True)
            else "some entities lack theirs (the learned ranker and `ask` read them): "
            "`workbench migrate` or `workbench ingest` embeds them",
        ),
        Check(
            "vector cache",
            "ok" if status.get("vector_cache") else "warn",
            "current: searches read it"
            if status.get("vector_cache")
            else "none for these chunks: searches use the HNSW index in the file (a slower first "
            "search) until the next search or writer builds it",
        ),
    ]


def check_libraries(wb: Any, thresholds: Thresholds) -> list[Check]:
    ingested = {lib.name: lib.ingested_at for lib in wb.libraries()}
    checks = []
    stale = 0
    for row in wb.check_updates():
        if row.state not in STALE_STATES:
            continue
        stale += 1
        age = _days_since(ingested.get(row.library, ""))
        level = "alert" if age > thresholds.stale_days else "warn"
        checks.append(
            Check(
                f"stale {row.library}",
                level,
                f"indexed {row.indexed_version}, installed {row.installed_version} ({row.state}); "
                f"indexed {age:.0f} days ago: `workbench update {row.library}`",
            )
        )
    total = len(ingested)
    summary = Check("libraries", "ok" if not stale else "warn", f"{total - stale} of {total} current")
    return [summary, *checks]


def check_bench(state: StateFile, thresholds: Thresholds) -> Check:
    last = state.setting(LAST_BENCH_KEY)
    if not isinstance(last, dict) or "hybrid_p95_ms" not in last:
        return Check("bench", "skip", "no `workbench bench` run recorded")
    p95 = float(last["hybrid_p95_ms"])
    over = p95 > thresholds.max_p95_ms
    return Check(
        "bench",
        "alert" if over else "ok",
        f"hybrid p95 {p95:.1f} ms {'>' if over else '<='} {thresholds.max_p95_ms:g} ms "
        f"({last.get('at', '?')})",
    )


def check_server(url: str, thresholds: Thresholds) -> Check:
    """The 5xx share of a running `workbench serve`'s requests, from its /metrics."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    try:
        response = httpx.get(f"{url.rstrip('/')}/metrics", timeout=5)
        response.raise_for_status()
    except httpx.HTTPError as error:
        return Check("server", "alert", f"{url}/metrics unreachable: {error}")
    total = errors = 0.0
    for family in text_string_to_metric_families(response.text):
        if family.name != "workbench_http_requests":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                total += sample.value
                errors += sample.value if sample.labels.get("status", "").startswith("5") else 0
    rate = errors / total if total else 0.0
    over = rate > thresholds.max_error_rate
    return Check(
        "server",
        "alert" if over else "ok",
        f"{errors:.0f} of {total:.0f} requests 5xx ({rate:.1%}, limit {thresholds.max_error_rate:.1%})",
    )


def run_doctor(db: Path, thresholds: Thresholds, server: str | None = None) -> Report:
    """Every check, in order; a file that does not open is one alert (and the checks
    that need it are skipped)."""
    from workbench.facade import Workbench

    checks = [check_extensions()]
    state = StateFile(_state_path(db))
    try:
        wb = Workbench(db)
    except WorkbenchError as error:
        checks.append(Check("file", "alert", str(error)))
        wb = None
    manifest = None
    if wb is not None:
        with wb:
            found = wb.manifest()
            manifest = asdict(found) if found else None
            checks.append(Check("file", "ok", f"{db}, schema {wb.schema_version()}"))
            checks.append(check_model(wb))
            checks.append(check_integrity(wb))
            checks.extend(check_indexes(wb))
            checks.extend(check_libraries(wb, thresholds))
    checks.append(check_bench(state, thresholds))
    if server:
        checks.append(check_server(server, thresholds))
    return Report(checks, thresholds, manifest)


def _state_path(db: Path) -> Path:
    from workbench.store.state import state_path

    return state_path(db)

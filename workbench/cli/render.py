"""Rich rendering of search hits, entities, libraries, eval and bench tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from workbench.model import EntityDetail, EvalCase, EvalRow, Hit, LibraryInfo


def render_hits(console: Console, query: str, mode: str, hits: list[Hit]) -> None:
    """Rank, path, kind, library, score, summary."""
    if not hits:
        console.print(f"no results for [bold]{query}[/] ({mode})")
        return
    table = Table(title=f"{mode}: {query}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("path", style="bold cyan", overflow="fold")
    table.add_column("kind")
    table.add_column("library")
    table.add_column("score", justify="right")
    table.add_column("summary", overflow="fold", max_width=60)
    for hit in hits:
        table.add_row(str(hit.rank), hit.path, hit.kind, hit.library, f"{hit.score:.4f}", hit.summary)
    console.print(table)


def render_entity(console: Console, detail: EntityDetail) -> None:
    """Signature, parsed docstring sections, source excerpt and members of one entity."""
    e = detail.entity
    title = Text.assemble((e.public_path, "bold cyan"), (f"  {e.kind}", "dim"))
    head = [Text(f"{e.public_path}{e.signature}", style="bold")]
    facts = f"{e.library} {e.version}"
    if e.path != e.public_path:
        facts += f" · defined in {e.path}"
    if e.filepath:
        facts += f" · {e.filepath}:{e.lineno}"
    if e.is_deprecated:
        facts += " · DEPRECATED"
    head.append(Text(facts, style="dim"))
    if e.aliases:
        head.append(Text("also: " + ", ".join(e.aliases[:8]), style="dim"))
    parts: list[Any] = [*head]
    for section in e.sections:
        if section.kind == "text":
            parts.append(Text("\n" + section.text))
            continue
        parts.append(Text(f"\n{section.title or section.kind.capitalize()}:", style="bold"))
        for item in section.items:
            label = " ".join(x for x in (item.name, f"({item.annotation})" if item.annotation else "") if x)
            parts.append(Text(f"  {label}: {item.description}" if label else f"  {item.description}"))
        if section.text:
            parts.append(Text(section.text))
    if not e.sections and e.docstring:
        parts.append(Text("\n" + e.docstring))
    console.print(Panel(Group(*parts), title=title, title_align="left"))
    if e.source:
        excerpt = "\n".join(e.source.splitlines()[:30])
        console.print(Syntax(excerpt, "python", line_numbers=True, start_line=e.lineno or 1))
    if detail.members:
        table = Table(title="members", title_justify="left")
        for col in ("name", "kind", "summary"):
            table.add_column(col)
        for name, kind, summary in detail.members[:40]:
            table.add_row(name, kind, summary or "")
        console.print(table)


def render_libraries(console: Console, libs: list[LibraryInfo], status: dict[str, bool]) -> None:
    """One row per library."""
    table = Table(title="libraries")
    for col in ("library", "distribution", "version", "entities", "chunks", "aliases", "ingested"):
        table.add_column(col, justify="right" if col in {"entities", "chunks", "aliases"} else "left")
    for lib in libs:
        table.add_row(
            lib.name,
            lib.distribution,
            lib.version,
            str(lib.entity_count),
            str(lib.chunk_count),
            str(lib.alias_count),
            lib.ingested_at[:19],
        )
    console.print(table)
    flags = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in status.items())
    console.print(f"indexes: {flags}")


def _metric_cells(row: Any) -> tuple[str, ...]:
    """R@1, R@5, R@10, MRR@10 and nDCG@10 of an eval or ablation row, as table cells."""
    metrics = (row.recall_at_1, row.recall_at_5, row.recall_at_10, row.mrr_at_10, row.ndcg_at_10)
    return tuple(f"{value:.3f}" for value in metrics)


def render_eval(console: Console, rows: list[EvalRow], skipped: list[EvalCase], show_misses: bool) -> None:
    """The three modes side by side; misses on request."""
    n = rows[0].n if rows else 0
    table = Table(title=f"retrieval eval ({n} questions)")
    for col in ("mode", "recall@1", "recall@5", "recall@10", "MRR@10", "nDCG@10"):
        table.add_column(col, justify="right" if col != "mode" else "left")
    for r in rows:
        table.add_row(r.mode, *_metric_cells(r))
    console.print(table)
    if skipped:
        console.print(
            f"[yellow]{len(skipped)} questions skipped: none of their expected paths is indexed "
            f"(e.g. {skipped[0].expected[0]})"
        )
    if show_misses:
        for r in rows:
            console.print(f"\n[bold]{r.mode}[/]: {len(r.misses)} misses in top 10")
            for question, expected, got in r.misses:
                console.print(f"  - {question}\n    expected {expected}\n    got      {got}")


def render_targets(console: Console, result: dict[str, Any]) -> None:
    """Issue 13's figures beside their targets, then torch against ONNX when compared."""
    backend, queries = result.get("backend", "?"), result.get("query_precision", "fp32")
    passages = result.get("passage_precision", "fp32")
    table = Table(title=f"against the targets ({backend}: passages {passages}, queries {queries})")
    for col in ("figure", "now", "target", "met"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    for row in result.get("targets", []):
        value = "-" if row["value"] is None else f"{row['value']:.2f} {row['unit']}"
        sign = "<=" if row["key"] != "passages_per_s" else ">="
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[row["met"]]
        table.add_row(row["label"], value, f"{sign} {row['target']:g} {row['unit']}", met)
    console.print(table)
    cold = result.get("cold_start")
    if cold:
        console.print(
            f"cold start over {cold['runs']} new processes: first result {cold['first_result_s']:.2f} s "
            f"(median; worst {cold['worst_s']:.2f} s), exit {cold['exit_s']:.2f} s, "
            f"peak RSS {cold['rss_mb']:.0f} MB"
        )
    comparison = result.get("comparison") or {}
    for name, started in (comparison.get("cold_start") or {}).items():
        console.print(
            f"cold start with {name}: first result {started['first_result_s']:.2f} s, "
            f"peak RSS {started['rss_mb']:.0f} MB (one process)"
        )
    if result.get("embedding"):
        speed = Table(title="embedding throughput (chunks of this file, one process)")
        for col in ("backend", "passages", "passages/s", "passages/CPU-s"):
            speed.add_column(col, justify="left" if col == "backend" else "right")
        for name, row in result["embedding"].items():
            label = (
                f"{name}, {result.get('passage_precision', 'fp32')}"
                if name == result.get("backend")
                else name
            )
            speed.add_row(
                label,
                str(row["passages"]),
                f"{row['passages_per_s']:.1f}",
                f"{row['passages_per_cpu_s']:.1f}",
            )
        console.print(speed)
    if comparison.get("quality"):
        before, after = comparison["backend"], result.get("backend", "?")
        quality = Table(title=f"quality: {before} (before) against {after} (after), same file")
        for col in ("set", "mode", "n", "metric", before, after, "delta", "within 0.01"):
            quality.add_column(col, justify="left" if col in ("set", "mode", "metric") else "right")
        labels = {"recall_at_10": "recall@10", "mrr_at_10": "MRR@10", "answer_at_5": "answer@5"}
        labels["success_at_5"] = "success@5"
        for row in comparison["quality"]:
            for key, (old, new) in row["metrics"].items():
                metric = labels.get(key, key)
                same = "[green]yes[/]" if abs(new - old) <= 0.01 else "[red]no[/]"
                quality.add_row(
                    row["set"], row["mode"], str(row["n"]), metric, f"{old:.3f}", f"{new:.3f}",
                    f"{new - old:+.3f}", same,
                )  # fmt: skip
        console.print(quality)


def render_bench(console: Console, result: dict[str, Any]) -> None:
    """Targets, latency, throughput, sizes and memory tables."""
    render_targets(console, result)
    title = f"warm query latency, in-process ({result['queries']} queries per search mode"
    if result.get("multihop_queries"):
        title += f", {result['multihop_queries']} multi-hop questions"
    lat = Table(title=title + ")")
    for col in ("mode", "p50 ms", "p95 ms", "p99 ms", "mean ms"):
        lat.add_column(col, justify="right" if col != "mode" else "left")
    for mode, stats in result["latency"].items():
        lat.add_row(mode, *(f"{stats[k]:.1f}" for k in ("p50", "p95", "p99", "mean")))
    console.print(lat)
    vi = result["vector_index"]
    console.print(
        f"HNSW recall@10 vs exact scan: {vi['recall']:.3f} · vector lookup p50: "
        f"HNSW {vi['hnsw_p50']:.1f} ms, exact {vi['exact_p50']:.1f} ms"
    )
    if vi.get("cache_recall") is not None:
        console.print(
            f"vector cache recall@10 vs exact scan: {vi['cache_recall']:.3f} · "
            f"lookup p50 {vi['cache_p50']:.2f} ms"
        )
    else:
        console.print("vector cache: none for this file (searches use DuckDB's HNSW index)")
    ing = Table(title="ingest throughput (from the last ingest of each library)")
    for col in ("library", "entities", "chunks", "seconds", "entities/s", "chunks/s", "~MB"):
        ing.add_column(col, justify="right" if col != "library" else "left")
    for row in result["libraries"]:
        ing.add_row(
            row["library"],
            str(row["entities"]),
            str(row["chunks"]),
            f"{row['seconds']:.1f}",
            f"{row['entities_per_s']:.0f}",
            f"{row['chunks_per_s']:.0f}",
            f"{row['mb']:.1f}",
        )
    t = result["totals"]
    ing.add_row(
        "TOTAL",
        str(t["entities"]),
        str(t["chunks"]),
        f"{t['seconds']:.1f}",
        f"{t['entities_per_s']:.0f}",
        f"{t['chunks_per_s']:.0f}",
        f"{t['mb']:.1f}",
        style="bold",
    )
    console.print(ing)
    if result.get("graph"):
        graph = Table(title="API graph")
        graph.add_column("relation / nodes")
        graph.add_column("count", justify="right")
        for name, count in result["graph"]:
            graph.add_row(name, f"{count:,}")
        console.print(graph)
    console.print(
        f"file: {result['file_mb']:.1f} MB · peak memory (RSS): {result['peak_rss_mb']:.0f} MB · "
        f"model load: {result['model_load_s']:.1f}s · indexes: {result['indexes']}"
    )


def render_update_bench(console: Console, result: dict[str, Any]) -> None:
    """One row: an incremental update against a full re-ingest of the same library."""
    table = Table(
        title=f"update after {result['edited_functions']} edited functions, against a full re-ingest"
    )
    columns = (
        ("library", "library"), ("entities", "entities"), ("edited", "edited_functions"),
        ("changed entities", "changed"), ("re-embedded", "re_embedded"), ("update s", "update_s"),
        ("of which library s", "update_library_s"),
        ("full chunks", "full_chunks"), ("full re-ingest s", "full_s"), ("ratio", "ratio"),
    )  # fmt: skip
    for title, _ in columns:
        table.add_column(title, justify="left" if title == "library" else "right")
    table.add_row(
        *(f"{result[k]:.2f}" if isinstance(result[k], float) else str(result[k]) for _, k in columns)
    )
    console.print(table)


def render_holdout(console: Console, path: Path, rows: list, fitted_on: list) -> None:
    """The ranker every face applies on questions written apart from the ones it was
    fitted on, beside hybrid without it."""
    n = rows[0].n if rows else 0
    _print_rows(console, f"questions written apart ({path.name}, {n}): never fitted on", "search", rows)
    if fitted_on:
        ids = ", ".join(c.id for c in fitted_on[:5]) + (" ..." if len(fitted_on) > 5 else "")
        console.print(f"left out: the ranker was fitted on {len(fitted_on)} of them ({ids})")


def _print_rows(console: Console, title: str, first: str, rows: list) -> None:
    """Rows of hybrid search's metrics and p95 latency, each named in column `first`."""
    table = Table(title=title)
    for col in (first, "R@1", "R@5", "R@10", "MRR", "nDCG", "p95 ms"):
        table.add_column(col, justify="right" if col != first else "left")
    for r in rows:
        table.add_row(r.name, *_metric_cells(r), f"{r.p95_ms:.0f}")
    console.print(table)


def render_ablation(console: Console, rows: list) -> None:
    """Hybrid search with each lever on and off: quality and latency per row."""
    n = rows[0].n if rows else 0
    _print_rows(console, f"ablation: hybrid, each lever off in turn ({n} questions)", "levers", rows)

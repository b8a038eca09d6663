"""`workbench serve`: the index over HTTP for a team (JSON API, MCP, a search page)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench.cli.common import db_option, reports_errors
from workbench.config import default_db_path
from workbench.errors import QueryError, StoreError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes, each with its own read-only view of the file.",
)
@click.option("--token", default=None, help="Bearer token (or $WORKBENCH_TOKEN); required off loopback.")
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="DuckDB/embedding threads per worker.",
)
@click.option(
    "--queue",
    default=32,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="Requests that may wait for a thread; beyond it, 503 + Retry-After.",
)
@click.option(
    "--timeout",
    "request_timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="Seconds before a request gets 504.",
)
@click.option(
    "--max-body",
    default=64 * 1024,
    show_default=True,
    type=click.IntRange(256, 10**8),
    help="Largest request body in bytes.",
)
@click.option("--read-only-api", is_flag=True, help="Refuse feedback and suggestions (403).")
@click.option("--print-haproxy-config", is_flag=True, help="Print an HAProxy config for --replicas and exit.")
@click.option("--replicas", default="", help="host:port,... of the replicas (with --print-haproxy-config).")
@db_option
@reports_errors
def serve(
    host: str,
    port: int,
    workers: int,
    token: str | None,
    threads: int,
    queue: int,
    request_timeout: float,
    max_body: int,
    read_only_api: bool,
    print_haproxy_config: bool,
    replicas: str,
    db_path: Path | None,
) -> None:
    """Serve the index over HTTP: JSON API, /mcp for coding agents, a search page at /.

    The file is opened read-only by every worker. Off loopback a bearer token is required.

    Example: workbench serve --db team.duckdb --port 8765 --workers 2
    """
    from workbench.serve.config import ServeConfig, token_from_env

    if print_haproxy_config:
        from workbench.serve.haproxy import haproxy_config, parse_replicas

        click.echo(haproxy_config(parse_replicas(replicas), bind=f"{host}:{port}"), nl=False)
        return
    token = token or token_from_env()
    config = ServeConfig(
        db=Path(db_path or default_db_path()).resolve(),
        host=host,
        port=port,
        workers=workers,
        token=token,
        threads=threads,
        queue=queue,
        request_timeout_s=request_timeout,
        max_body_bytes=max_body,
        allow_writes=not read_only_api,
    )
    if config.needs_token and not token:
        raise QueryError(f"listening on {host} needs a token: --token T or WORKBENCH_TOKEN")
    if not config.db.is_file():
        raise StoreError(f"no workbench index at {config.db}: run `workbench ingest` first")
    from workbench.facade import Workbench

    Workbench(config.db).close()  # a bad file is one line here, not a crash loop of workers
    from workbench.serve.runner import serve as run

    click.echo(f"serving {config.db} at {config.base_url} ({workers} worker(s), pid {os.getpid()})", err=True)
    run(config)


def http_bench_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--http [--http-seconds S] [--http-workers N]` for `workbench bench`: when given, the
    HTTP benchmark runs instead of the in-process one (the wrapped command never sees them)."""

    @functools.wraps(func)
    def wrapper(*args: Any, http: bool, http_seconds: float, http_workers: int, **kwargs: Any) -> Any:
        if not http:
            return func(*args, **kwargs)
        return _bench_http(kwargs["eval_set"], kwargs["db_path"], http_seconds, http_workers)

    options = [
        click.option("--http", is_flag=True, help="Instead: load-test `workbench serve` on 127.0.0.1 (wrk)."),
        click.option("--http-seconds", default=10.0, show_default=True, type=click.FloatRange(1, 120),
                     help="With --http: seconds per connection level."),
        click.option("--http-workers", default=2, show_default=True, type=click.IntRange(1, 16),
                     help="With --http: server worker processes."),
    ]  # fmt: skip
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _bench_http(eval_set: Path, db_path: Path | None, seconds: float, workers: int) -> None:
    from workbench.bench.http import run_http_bench
    from workbench.cli.common import console
    from workbench.retrieve.evaluation import load_cases

    questions = [c.question for c in load_cases(eval_set)]
    db = Path(db_path or default_db_path()).resolve()
    err = console(stderr=True)
    result = run_http_bench(db, questions, seconds=seconds, workers=workers, progress=err.log)
    render_http_bench(console(), result)


def render_http_bench(out: Any, result: dict[str, Any]) -> None:
    """The table of `workbench bench --http`."""
    from rich.table import Table

    local = result["in_process"]
    out.print(
        f"in-process search: p50 {local['p50']:.1f} ms, p95 {local['p95']:.1f} ms, "
        f"p99 {local['p99']:.1f} ms; "
        f"{local['cpu_s'] * 1000:.1f} ms CPU per query -> {result['capacity_rps']:.0f} queries/s on "
        f"{result['cores']} core(s)"
    )
    table = Table(title=f"HTTP /search, {result['workers']} worker(s), {result['seconds']:g} s per level")
    for column in ("connections", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors", "of CPU capacity"):
        table.add_column(column, justify="right")
    for row in result["levels"]:
        table.add_row(
            str(row["connections"]),
            f"{row['rps']:.1f}",
            f"{row['p50']:.1f}",
            f"{row['p95']:.1f}",
            f"{row['p99']:.1f}",
            str(row["errors"]),
            f"{row['rps'] / result['capacity_rps']:.0%}",
        )
    out.print(table)
    loop = result["open_loop"]
    out.print(
        f"open loop at {loop['rate']:.1f} requests/s (half the peak): p50 {loop['p50']:.1f} ms, "
        f"p95 {loop['p95']:.1f} ms, p99 {loop['p99']:.1f} ms, {loop['errors']} error(s)"
    )
    if result["overhead_p50_ms"] is not None:
        out.print(f"HTTP adds {result['overhead_p50_ms']:.1f} ms at p50 over in-process (1 connection)")
    knee = result["knee"]
    out.print(f"knee: {knee} connections" if knee else "knee: not reached (throughput still rising)")

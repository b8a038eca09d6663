"""`workbench serve`: the index over HTTP for a team (JSON API, MCP, a search page)."""

from __future__ import annotations

import os
from pathlib import Path

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
    from workbench.serve.runner import serve as run

    click.echo(f"serving {config.db} at {config.base_url} ({workers} worker(s), pid {os.getpid()})", err=True)
    run(config)

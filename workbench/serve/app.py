"""The Starlette app of `workbench serve`: JSON API, /health, /metrics, /openapi.json, the
search page at / and the MCP endpoint at /mcp, over one reader per worker process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from workbench.errors import WorkbenchError
from workbench.protocol import WorkbenchReader
from workbench.serve import api, openapi, page
from workbench.serve.config import ServeConfig
from workbench.serve.errors import (
    ApiError,
    body_too_large,
    error_response,
    from_api_error,
    from_workbench_error,
)
from workbench.serve.guard import Guard
from workbench.serve.metrics import Metrics, multiprocess
from workbench.serve.service import Service

log = logging.getLogger("workbench.serve")

ReaderFactory = Callable[[], WorkbenchReader]


def open_local(config: ServeConfig) -> WorkbenchReader:
    """The worker's own read-only `Workbench`, warmed up: model loaded, graph opened."""
    from workbench.facade import Workbench

    wb = Workbench(config.db)
    wb.embedder.embed_query("warm up")
    wb.library_names()
    with contextlib.suppress(WorkbenchError):
        _ = wb.graph  # a file without a graph still serves search
    return wb


async def health(request: Request) -> JSONResponse:
    service: Service = request.app.state.service
    if service.reader is None:
        return JSONResponse({"status": "starting"}, status_code=503, headers={"Retry-After": "1"})
    return JSONResponse({"status": "ok", "pid": os.getpid(), **service.status})


async def metrics(request: Request) -> Response:
    service: Service = request.app.state.service
    return Response(service.metrics.render(), media_type=service.metrics.content_type)


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi.spec())


async def index_page(request: Request) -> HTMLResponse:
    return HTMLResponse(page.HTML)


async def _on_workbench_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, WorkbenchError)
    return from_workbench_error(error)


async def _on_api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return from_api_error(error)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        return error_response(404, "no_such_endpoint", f"no endpoint {request.url.path}")
    if error.status_code == 413:
        return body_too_large(str(error.detail))
    if error.status_code == 405:
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed here")
    return error_response(error.status_code, "http_error", str(error.detail))


def make_app(
    config: ServeConfig, open_reader: ReaderFactory | None = None, *, with_mcp: bool = True
) -> Guard:
    """The ASGI app of one worker; the reader is opened in its start-up (in a thread, so
    the model load does not block the loop) and closed at shutdown after in-flight work.

    Args:
        config: limits, token and the index.
        open_reader: how to open the reader (default: a read-only local `Workbench`).
        with_mcp: mount the MCP endpoint at /mcp.
    """
    metrics_ = Metrics()
    service = Service(config, metrics_)
    opener = open_reader or (lambda: open_local(config))
    mcp_server = None
    routes: list[Route | Mount] = [
        Route("/", index_page, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        *api.routes,
    ]
    if with_mcp:
        from workbench.serve import mcp_tools

        mcp_server, mcp_app = mcp_tools.make_mcp(service)
        routes.append(Mount("/mcp", app=mcp_app))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        reader = await asyncio.to_thread(opener)
        service.status = {"index": reader.index_status(), "counts": reader.counts()}
        _record_index(service, config)
        service.reader = reader
        async with contextlib.AsyncExitStack() as stack:
            if mcp_server is not None:
                await stack.enter_async_context(mcp_server.session_manager.run())
            try:
                yield
            finally:
                service.reader = None
                await asyncio.to_thread(service.pool.shutdown)  # in-flight work finishes
                reader.close()
                if multiprocess():  # this worker's live gauges leave the sums
                    from prometheus_client import multiprocess as shared

                    shared.mark_process_dead(os.getpid())

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            WorkbenchError: _on_workbench_error,
            ApiError: _on_api_error,
            HTTPException: _on_http_error,
        },
    )
    app.state.service = service
    return Guard(app, token=config.token, max_body_bytes=config.max_body_bytes, metrics=metrics_)


def _record_index(service: Service, config: ServeConfig) -> None:
    with contextlib.suppress(OSError):
        service.metrics.index_bytes.set(config.db.stat().st_size)
    counts = service.status.get("counts")
    if isinstance(counts, dict):
        for table, rows in counts.items():
            service.metrics.index_rows.labels(table).set(rows)

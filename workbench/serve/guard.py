"""The outermost layer of every request (pure ASGI, so it costs little): bearer-token
check, body-size cap, metrics, and a JSON 500 instead of a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.serve.errors import body_too_large, error_response
from workbench.serve.metrics import Metrics

log = logging.getLogger("workbench.serve")

#: Paths anyone may fetch: the health check (load balancers carry no token) and the page
#: (static HTML; its own calls carry the token the user types in).
PUBLIC = frozenset({"/health", "/", "/favicon.ico"})
#: a body found too large while it streams in (no Content-Length) is read to its end, up to
#: this many times the cap and this many seconds, before the 413: a client still sending
#: would otherwise see the connection closed instead of the answer
DRAIN_FACTOR = 4
DRAIN_SECONDS = 5.0


class BodyTooLargeError(HTTPException):
    """The request body passed the cap while it was read (raised inside the app, so its
    exception handler answers 413 before anything else sees it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")


class Guard:
    """Wraps the app: auth first (before routing, so a 401 says nothing about what exists)."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_body_bytes: int, metrics: Metrics) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None
        self.max_body = max_body_bytes
        self.metrics = metrics

    def _authorized(self, scope: Scope) -> bool:
        if self.expected is None or scope["path"] in PUBLIC:
            return True
        given = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                given = value
        return hmac.compare_digest(given, self.expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500, "error": ""}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self._serve(scope, receive, sending, status)
        finally:
            self.metrics.in_flight.dec()
            endpoint = _endpoint(scope)
            self.metrics.requests.labels(endpoint, scope["method"], str(status["code"])).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
            if status["code"] >= 400:
                self.metrics.errors.labels(endpoint, status["error"] or str(status["code"])).inc()

    async def _serve(self, scope: Scope, receive: Receive, send: Send, status: dict[str, Any]) -> None:
        if not self._authorized(scope):
            status["error"] = "unauthorized"
            response = error_response(
                401,
                "unauthorized",
                "a valid bearer token is required",
                headers={"WWW-Authenticate": 'Bearer realm="workbench"'},
            )
            await response(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            status["error"] = "body_too_large"
            await _too_large(self.max_body)(scope, receive, send)
            return
        received = 0

        async def receiving() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLargeError(self.max_body)
            return message

        try:
            await self.app(scope, receiving, send)
        except BodyTooLargeError:
            status["error"] = "body_too_large"
            if not status.get("started"):
                await _drain(receive, DRAIN_FACTOR * self.max_body)
                await _too_large(self.max_body)(scope, receive, send)
        except Exception:
            log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            status["error"] = "internal"
            if not status.get("started"):
                await error_response(500, "internal", "internal error (logged on the server)")(
                    scope, receive, send
                )


async def _drain(receive: Receive, limit: int) -> None:
    """Read and drop the rest of a refused body (at most `limit` bytes, for at most
    `DRAIN_SECONDS`), so that a client still sending it reads the 413 instead of a
    connection closed under it; a larger or slower body is cut off."""

    async def drain() -> None:
        drained = 0
        while drained < limit:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), DRAIN_SECONDS)


def _too_large(limit: int) -> Any:
    return body_too_large(f"the body is larger than {limit} bytes")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _endpoint(scope: Scope) -> str:
    """The route's template (`/entities/{path:path}`), so labels stay few."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "/mcp" if scope["path"].startswith("/mcp") else "unmatched"
    return path

"""Every error the server sends: JSON `{"error": {"code", "type", "message"}}`, never a
traceback. `type` names the `workbench.errors` class, so the client raises the same one."""

from __future__ import annotations

from starlette.responses import JSONResponse

from workbench.errors import (
    EntityNotFoundError,
    QueryError,
    StoreError,
    UnknownLibraryError,
    WorkbenchError,
)

#: (HTTP status, code) per error class; the first matching base class wins.
_STATUS: list[tuple[type[WorkbenchError], int, str]] = [
    (EntityNotFoundError, 404, "not_found"),
    (UnknownLibraryError, 404, "unknown_library"),
    (QueryError, 400, "bad_query"),
    (StoreError, 503, "store_unavailable"),
    (WorkbenchError, 400, "bad_request"),
]


class ApiError(Exception):
    """A refusal the server itself makes (bad parameter, body too large, busy...)."""

    def __init__(
        self, status: int, code: str, message: str, *, kind: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.kind = status, code, message, kind
        self.headers = headers or {}


def bad_param(message: str) -> ApiError:
    """A malformed or out-of-range parameter: the client sees a QueryError, as locally."""
    return ApiError(400, "bad_query", message, kind="QueryError")


def error_response(
    status: int, code: str, message: str, kind: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "type": kind, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def body_too_large(message: str) -> JSONResponse:
    """The 413 of a refused body. It says `Connection: close`: what is left of the body
    (unread, or past the drain) makes the connection unusable, and the server closes it;
    a client told nothing sent its next request into the closed connection ("Server
    disconnected without sending a response" for 7 in 100 requests after a 413)."""
    return error_response(413, "body_too_large", message, "QueryError", {"Connection": "close"})


def from_api_error(error: ApiError) -> JSONResponse:
    return error_response(error.status, error.code, error.message, error.kind, error.headers)


def from_workbench_error(error: WorkbenchError) -> JSONResponse:
    for cls, status, code in _STATUS:
        if isinstance(error, cls):
            return error_response(status, code, str(error), type(error).__name__)
    raise AssertionError("WorkbenchError is the last entry")  # pragma: no cover

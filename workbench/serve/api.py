"""The JSON endpoints: each parses its parameters, runs one reader call in the pool and
returns the model's dataclasses as JSON (`workbench.wire`)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from workbench.serve.errors import ApiError, bad_param
from workbench.serve.service import Service
from workbench.wire import to_wire

#: Upper bounds the server puts on graph walks (the local facade trusts its caller).
MAX_HOPS = 6
MAX_NODES = 5000
MAX_PATHS = 100


def _service(request: Request) -> Service:
    return request.app.state.service


def _text(request: Request, name: str, default: str | None = None) -> str:
    value = request.query_params.get(name, default)
    if value is None:
        raise bad_param(f"missing parameter '{name}'")
    return _capped(request, name, value)


def _capped(request: Request, name: str, value: str) -> str:
    limit = _service(request).config.max_param_chars
    if len(value) > limit:
        raise bad_param(f"'{name}' too long ({len(value)} characters, at most {limit})")
    return value


def _texts(request: Request, name: str) -> list[str] | None:
    values = [_capped(request, name, v) for v in request.query_params.getlist(name)]
    return values or None


def _integer(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return _bounded(name, raw, low, high)


def _bounded(name: str, raw: Any, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_param(f"'{name}' must be an integer, not {str(raw)[:40]!r}") from None
    if isinstance(raw, bool) or (isinstance(raw, float) and raw != value):
        raise bad_param(f"'{name}' must be an integer")
    if not low <= value <= high:
        raise bad_param(f"'{name}' must be between {low} and {high}, not {value}")
    return value


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "the body is not valid JSON", kind="QueryError") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object", kind="QueryError")
    return data


def _field(data: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    if name not in data:
        if default is ...:
            raise bad_param(f"missing field '{name}'")
        return default
    value = data[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise bad_param(f"'{name}' must be {kind.__name__}")
    return value


def _json(value: Any) -> JSONResponse:
    return JSONResponse(to_wire(value))


async def search(request: Request) -> JSONResponse:
    q = _text(request, "q")
    k = _integer(request, "k", 10, -(10**6), 10**6)  # the facade says what range it takes
    mode = _text(request, "mode", "hybrid")
    libraries, kinds = _texts(request, "library"), _texts(request, "kind")
    return _json(
        await _service(request).call(lambda r: r.search(q, k, mode=mode, libraries=libraries, kinds=kinds))
    )


async def entity(request: Request) -> JSONResponse:
    path = _capped(request, "path", request.path_params["path"])
    return _json(await _service(request).call(lambda r: r.show(path)))


async def resolve(request: Request) -> JSONResponse:
    path = _text(request, "path")
    return JSONResponse({"path": await _service(request).call(lambda r: r.resolve(path))})


async def neighbors(request: Request) -> JSONResponse:
    path, relations = _text(request, "path"), _texts(request, "relation")
    direction = _text(request, "direction", "both")
    return _json(await _service(request).call(lambda r: r.neighbors(path, relations, direction)))


async def subgraph(request: Request) -> JSONResponse:
    path, relations = _text(request, "path"), _texts(request, "relation")
    direction = _text(request, "direction", "both")
    hops = _integer(request, "hops", 1, 0, MAX_HOPS)
    max_nodes = _integer(request, "max_nodes", 500, 1, MAX_NODES)
    return _json(
        await _service(request).call(lambda r: r.subgraph(path, hops, relations, direction, max_nodes))
    )


async def paths(request: Request) -> JSONResponse:
    src, dst, relations = _text(request, "src"), _text(request, "dst"), _texts(request, "relation")
    max_hops = _integer(request, "max_hops", 3, 1, MAX_HOPS)
    limit = _integer(request, "limit", 10, 1, MAX_PATHS)
    return _json(await _service(request).call(lambda r: r.paths(src, dst, max_hops, relations, limit)))


async def ask(request: Request) -> JSONResponse:
    data = await _body(request)
    service = _service(request)
    question = _field(data, "question", str)
    _capped(request, "question", question)
    k = _bounded("k", _field(data, "k", int, 5), -(10**6), 10**6)
    hops = data.get("max_hops")  # null: the index's saved setting, as locally
    max_hops = None if hops is None else _bounded("max_hops", _field(data, "max_hops", int), 1, MAX_HOPS)
    timeout = _field(data, "timeout", float, 10.0)
    if not 0 < timeout <= service.config.request_timeout_s:
        raise bad_param(f"'timeout' must be in (0, {service.config.request_timeout_s:g}] seconds")
    synthesize = _field(data, "synthesize", bool, False)
    return _json(await service.call(lambda r: r.ask(question, k, max_hops, timeout, synthesize=synthesize)))


async def libraries(request: Request) -> JSONResponse:
    return _json(await _service(request).call(lambda r: r.libraries()))


async def status(request: Request) -> JSONResponse:
    service = _service(request)
    counts, index = await service.call(lambda r: (r.counts(), r.index_status()))
    return JSONResponse({"counts": counts, "index": index})


def _writes_allowed(request: Request) -> None:
    if not _service(request).config.allow_writes:
        raise ApiError(403, "read_only", "this server takes no feedback or suggestions", kind="")


async def feedback(request: Request) -> JSONResponse:
    _writes_allowed(request)
    data = await _body(request)
    query, path, verdict = (_field(data, name, str) for name in ("query", "path", "verdict"))
    for name, value in (("query", query), ("path", path)):
        _capped(request, name, value)
    resolved = await _service(request).call(lambda r: r.feedback(query, path, verdict))
    return JSONResponse({"path": resolved})


async def suggest(request: Request) -> JSONResponse:
    _writes_allowed(request)
    data = await _body(request)
    name, reason = _field(data, "name", str), _field(data, "reason", str, "")
    _capped(request, "name", name)
    _capped(request, "reason", reason)
    return JSONResponse({"count": await _service(request).call(lambda r: r.suggest(name, reason))})


async def suggestions(request: Request) -> JSONResponse:
    return _json(await _service(request).call(lambda r: r.suggestions()))


routes = [
    Route("/search", search, methods=["GET"]),
    Route("/entities/{path:path}", entity, methods=["GET"]),
    Route("/resolve", resolve, methods=["GET"]),
    Route("/graph/neighbors", neighbors, methods=["GET"]),
    Route("/graph/subgraph", subgraph, methods=["GET"]),
    Route("/graph/paths", paths, methods=["GET"]),
    Route("/ask", ask, methods=["POST"]),
    Route("/libraries", libraries, methods=["GET"]),
    Route("/status", status, methods=["GET"]),
    Route("/feedback", feedback, methods=["POST"]),
    Route("/suggestions", suggest, methods=["POST"]),
    Route("/suggestions", suggestions, methods=["GET"]),
]

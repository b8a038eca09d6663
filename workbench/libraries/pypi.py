"""PyPI's JSON API (`GET {base}/pypi/{name}/json`) through httpx: only with `--online`,
short timeouts, one deadline for a whole batch; a failure is a note, never an exception
out of a batch."""

from __future__ import annotations

import concurrent.futures as futures
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.config import DiscoverySettings
from workbench.errors import WorkbenchError
from workbench.libraries.compliance import license_from_fields

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


#: The largest JSON answer read (PyPI's biggest projects list every release's files:
#: a few MB); a larger one is refused before it is parsed.
MAX_RESPONSE_BYTES = 24 * 1024 * 1024


class PyPIError(WorkbenchError):
    """One project could not be read from PyPI (not found, timed out, bad response)."""


def _read_capped(response: httpx.Response) -> bytes:
    """The body, read in pieces and refused past MAX_RESPONSE_BYTES (declared or not)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise PyPIError(f"PyPI's answer is too large ({int(declared) >> 20} MB)")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise PyPIError(f"PyPI's answer is too large (over {MAX_RESPONSE_BYTES >> 20} MB)")
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class PyPIProject:
    """What discovery and update need of a project's PyPI JSON."""

    name: str
    version: str
    summary: str
    license: str
    has_wheel: bool
    requires_python: str = ""


class PyPI:
    """A small client for PyPI's JSON API; `base_url` may point at a mirror or a test server."""

    def __init__(self, settings: DiscoverySettings | None = None) -> None:
        self.settings = settings or DiscoverySettings()
        timeout = httpx.Timeout(self.settings.timeout_s, connect=min(2.0, self.settings.timeout_s))
        self._client = httpx.Client(
            base_url=self.settings.pypi_url,
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": "pyrag-workbench", "Accept": "application/json"},
        )

    def project(self, name: str) -> PyPIProject:
        """The latest release of one project.

        Raises:
            PyPIError: with a short reason (not on PyPI, timed out, HTTP status, bad response).
        """
        if not _NAME.match(name):
            raise PyPIError(f"'{name}' is not a valid project name")
        try:
            with self._client.stream("GET", f"/pypi/{name}/json") as response:
                if response.status_code == 404:
                    raise PyPIError("not on PyPI")
                if response.status_code != 200:
                    raise PyPIError(f"PyPI answered HTTP {response.status_code}")
                body = _read_capped(response)
        except httpx.TimeoutException:
            raise PyPIError("PyPI timed out") from None
        except httpx.HTTPError as error:
            raise PyPIError(f"PyPI unreachable ({type(error).__name__})") from None
        try:
            return parse_project(json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise PyPIError("PyPI sent a malformed response") from None

    def projects(self, names: list[str]) -> dict[str, PyPIProject | str]:
        """Each name's project, or the reason it has none; at most `deadline_s` in all."""
        out: dict[str, PyPIProject | str] = {}
        if not names:
            return out
        pool = futures.ThreadPoolExecutor(max_workers=self.settings.workers)
        pending = {pool.submit(self.project, name): name for name in names}
        started = time.monotonic()
        try:
            for future in futures.as_completed(pending, timeout=self.settings.deadline_s):
                name = pending[future]
                try:
                    out[name] = future.result()
                except PyPIError as error:
                    out[name] = str(error)
        except futures.TimeoutError:
            waited = time.monotonic() - started
            for name in names:
                out.setdefault(name, f"PyPI gave no answer in {waited:.0f} s")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return out

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PyPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_project(payload: Any) -> PyPIProject:
    """A PyPI JSON document's latest release.

    Raises:
        KeyError, TypeError, ValueError: the document is not PyPI's project JSON.
    """
    info = payload["info"]
    if (
        not isinstance(info, dict)
        or not isinstance(info["name"], str)
        or not isinstance(info["version"], str)
    ):
        raise ValueError("no info.name / info.version")
    files = payload.get("urls") or []
    license_text = license_from_fields(
        info.get("license_expression") or "", info.get("license") or "", list(info.get("classifiers") or [])
    )
    return PyPIProject(
        name=info["name"],
        version=info["version"],
        summary=" ".join((info.get("summary") or "").split()),
        license=license_text,
        has_wheel=any(f.get("packagetype") == "bdist_wheel" for f in files),
        requires_python=info.get("requires_python") or "",
    )

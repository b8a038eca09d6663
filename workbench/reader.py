"""Open what a face reads: the local index (read-only) or a `workbench serve` server."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.protocol import WorkbenchReader


def open_reader(
    db: str | Path | None = None, server: str | None = None, token: str | None = None
) -> WorkbenchReader:
    """The HTTP twin on `server` (else $WORKBENCH_SERVER, with $WORKBENCH_TOKEN), or the
    facade on `db` (else the default file) opened read-only, so many processes share it.

    Raises:
        StoreError: a missing, foreign, corrupt or locked local file (one line).
    """
    server = server or os.environ.get("WORKBENCH_SERVER") or None
    if server:
        from workbench.client import RemoteWorkbench

        return RemoteWorkbench(str(server), token=token or os.environ.get("WORKBENCH_TOKEN") or None)
    from workbench.facade import Workbench

    return Workbench(str(db) if db else None)

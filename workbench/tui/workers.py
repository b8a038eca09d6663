"""Calling the engine from a worker thread: its errors become notifications, never a
traceback that ends the app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from workbench.errors import WorkbenchError

T = TypeVar("T")
log = logging.getLogger(__name__)


def engine_call(app: Any, call: Callable[[], T]) -> T | None:
    """`call()` in the current worker thread; on failure a notification and None.

    A `WorkbenchError` is the user's to act on (its one line is shown as it is); anything
    else is a bug, shown as one line too and logged with its traceback.
    """
    try:
        return call()
    except WorkbenchError as error:
        app.call_from_thread(app.notify, str(error), severity="error", timeout=8)
    except Exception as error:  # the app must survive an engine bug
        log.exception("engine call failed")
        app.call_from_thread(
            app.notify, f"internal error: {type(error).__name__}: {error}", severity="error", timeout=10
        )
    return None

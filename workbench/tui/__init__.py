"""`workbench tui`: a Textual app over the facade (or its HTTP twin). Lazy: importing this
package loads no Textual; `make_app` does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


def make_app(*args: Any, **kwargs: Any) -> WorkbenchApp:
    """The app, as the CLI and the tests build it (see `WorkbenchApp`)."""
    from workbench.tui.app import WorkbenchApp

    return WorkbenchApp(*args, **kwargs)

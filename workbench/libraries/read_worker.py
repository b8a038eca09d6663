"""The read-ahead's child (`workbench.libraries.reading.ReadAhead`): reads the packages
pickled on its stdin, one after another, and answers each with a pickled
`("ok", ReadLibrary)` or `("error", exception)` on its stdout.

Run as `python -m workbench.libraries.read_worker PARENT_PID`; it ends when its stdin
closes or its parent is gone.
"""

from __future__ import annotations

import pickle
import sys


def main(argv: list[str]) -> int:
    from workbench.libraries.reading import exit_with_parent, read_library

    exit_with_parent(int(argv[0]))
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not tear the answers apart
    while True:
        try:
            package = pickle.load(requests)
        except EOFError:
            return 0
        try:
            answer = ("ok", read_library(package))
        except Exception as error:
            answer = ("error", error)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an exception that does not pickle: say what it was
            data = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        try:
            answers.write(data)
            answers.flush()
        except (BrokenPipeError, ValueError):
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

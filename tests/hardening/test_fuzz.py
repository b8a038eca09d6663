"""Property: whatever text a face passes (lone surrogates, NULs, control characters, huge
or empty strings, odd numbers), search, ask, show and the graph raise only
WorkbenchErrors (issue 15, item 2). Bounded to a few tens of seconds in CI."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError

#: Any code point, surrogates included (Python strings can hold them; argv does).
ANY_CHAR = st.characters(exclude_categories=())
REAL = ["idna.encode", "h11.Connection", "wbfixture.read_csv", "idna", "h11._state", "encode"]
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.sampled_from(REAL),
    st.builds(lambda a, b: a + b, st.sampled_from(REAL), st.text(ANY_CHAR, max_size=5)),
    st.text(st.sampled_from("a.\x00\ud800 \t'\";%_*"), max_size=30),
    st.text(ANY_CHAR, min_size=1990, max_size=2100),
)
K = st.integers(min_value=-3, max_value=260)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def _only_workbench_errors(call) -> None:
    try:
        call()
    except WorkbenchError as error:
        text = str(error)
        assert text and "\n" not in text.strip(), text
        text.encode("utf-8")  # printable by the CLI


@FUZZ
@given(query=TEXT, k=K, mode=st.sampled_from(["hybrid", "vector", "bm25", "x"]), library=st.none() | TEXT)
def test_search(wb, query, k, mode, library):
    _only_workbench_errors(lambda: wb.search(query, k, mode=mode, libraries=[library] if library else None))


@FUZZ
@given(path=TEXT)
def test_show_and_resolve(wb, path):
    _only_workbench_errors(lambda: wb.show(path))
    _only_workbench_errors(lambda: wb.resolve(path))


@FUZZ
@given(path=TEXT, other=TEXT, hops=st.integers(-2, 8), direction=st.sampled_from(["out", "in", "both", "up"]))
def test_graph(wb, path, other, hops, direction):
    _only_workbench_errors(lambda: wb.neighbors(path, direction=direction))
    _only_workbench_errors(lambda: wb.subgraph(path, hops, direction=direction))
    _only_workbench_errors(lambda: wb.paths(path, other, max_hops=hops))


@pytest.mark.slow
@settings(FUZZ, max_examples=40)
@given(question=TEXT, k=st.integers(-1, 30))
def test_ask(wb, question, k):
    _only_workbench_errors(lambda: wb.ask(question, k))

"""The learned ranker's query-aware features: word overlaps with a candidate's name, path
and summary under light stemming, kind and exception cues, and marks of code users do not
call. Each test pins a value a wrong implementation would get wrong."""

from __future__ import annotations

import pytest

from workbench.model import Hit
from workbench.retrieve.cues import CUE_FEATURES, QueryCues, cue_features, is_hidden, stem


def _hit(path: str, kind: str = "function", *, library: str = "", summary: str = "", **explain) -> Hit:
    definition = explain.pop("definition", path)
    return Hit(1, path, definition, kind, library or path.split(".")[0], 0.0, summary, explain=explain)


def _features(query: str, hit: Hit) -> dict[str, float]:
    return dict(zip(CUE_FEATURES, cue_features(hit, QueryCues.read(query)), strict=True))


@pytest.mark.parametrize(
    ("forms", "same"),
    [
        (("read", "reads", "reading"), True),
        (("parse", "parses", "parsed", "parsing"), True),
        (("file", "files"), True),
        (("match", "matches"), True),
        (("class", "classes"), True),
        (("read", "ready"), False),
    ],
)
def test_light_stemming_merges_the_forms_of_one_word(forms, same):
    assert (len({stem(f) for f in forms}) == 1) is same


def test_a_name_split_into_words_meets_the_query_words():
    query = "read a csv file into a dataframe"
    csv = _features(query, _hit("polars.read_csv"))
    clipboard = _features(query, _hit("polars.read_clipboard"))
    # content words: read, csv, file, dataframe (filler and stopwords out)
    assert csv["name_share"] == pytest.approx(2 / 4)
    assert clipboard["name_share"] == pytest.approx(1 / 4)
    assert csv["name_coverage"] == 1.0 and clipboard["name_coverage"] == 0.5
    assert csv["name_words"] == 2.0


def test_camel_case_names_split_and_stemmed_forms_match():
    f = _features("reading frames of data", _hit("polars.DataFrame", "class"))
    assert f["name_coverage"] == 1.0  # data, frame <- "frames", "data"
    assert f["name_share"] == pytest.approx(2 / 3)  # read is not in the name
    one_word = _features("a dataframe", _hit("polars.DataFrame", "class"))
    assert one_word["name_share"] == 1.0 and one_word["name_coverage"] == 1.0


def test_the_library_root_is_not_a_path_word_but_modules_and_classes_are():
    f = _features("close the client", _hit("httpx.Client.close", "method", library="httpx"))
    assert f["path_share"] == 1.0 and f["parent_named"] == 1.0
    f = _features("httpx close", _hit("httpx.close", library="httpx"))
    assert f["path_share"] == 0.5  # "httpx" is the root: not counted as matched
    assert f["parent_named"] == 0.0  # a module-level function has no parent to name
    stdlib = _features("join path parts", _hit("os.path.join", library="stdlib"))
    assert stdlib["parent_named"] == 1.0 and stdlib["path_share"] == pytest.approx(2 / 3)


def test_the_summary_overlap_counts_query_stems_in_the_summary():
    hit = _hit("x.f", summary="Reads the rows of a table.")
    assert _features("read rows quickly", hit)["summary_share"] == pytest.approx(2 / 3)
    assert _features("read rows quickly", _hit("x.f"))["summary_share"] == 0.0


def test_kind_cues_match_the_kind_asked_for():
    cls = _hit("rich.table.Table", "class")
    fn = _hit("rich.print_table")
    assert _features("which class draws a table", cls)["kind_cue_match"] == 1.0
    assert _features("which class draws a table", fn)["kind_cue_miss"] == 1.0
    plain = _features("draw a table", cls)
    assert plain["kind_cue_match"] == 0.0 and plain["kind_cue_miss"] == 0.0


def test_an_exception_cue_matches_exception_classes_only():
    error = _hit("httpx.ReadTimeoutError", "class")
    timeout = _hit("httpx.Timeout", "class")
    func = _hit("httpx.raise_error")
    query = "which exception is raised when reading times out"
    assert _features(query, error)["exception_cue_match"] == 1.0
    assert _features(query, timeout)["exception_cue_match"] == 0.0
    assert _features(query, func)["exception_cue_match"] == 0.0  # a function, whatever its name
    assert _features("read with a timeout", error)["exception_cue_match"] == 0.0


def test_the_named_library_comes_from_what_search_understood():
    hit = _hit("httpcore.Pool", "class", named_libraries=["httpcore"])
    assert _features("a pool in httpcore", hit)["library_named"] == 1.0
    assert _features("a pool", _hit("httpcore.Pool", "class"))["library_named"] == 0.0


@pytest.mark.parametrize(
    ("definition", "hidden"),
    [
        ("polars._internal.io.read_csv", True),
        ("pkg.tests.helpers.make", True),
        ("pkg._compat.thing", True),
        ("pkg.io.read_csv", False),
        ("pkg.Model.__init__", False),  # a dunder is no private module
        ("pkg.testing.assert_frame_equal", False),  # a public testing API is API
    ],
)
def test_hidden_marks_private_test_and_internal_modules(definition, hidden):
    assert is_hidden(definition) is hidden


def test_dunders_and_builtins_are_marked():
    init = _features("make one", _hit("pkg.Model.__init__", "method"))
    assert init["dunder"] == 1.0 and init["hidden"] == 0.0
    builtin = _hit("str.split", "method", library="stdlib", definition="builtins.str.split")
    split = _features("split a string", builtin)
    assert split["builtin"] == 1.0 and split["name_coverage"] == 1.0
    assert _features("split", _hit("shlex.split", library="stdlib"))["builtin"] == 0.0


def test_a_query_of_filler_only_has_no_content_and_shares_are_zero():
    cues = QueryCues.read("how do I do it")
    assert cues.stems == frozenset()
    assert _features("how do I do it", _hit("x.do_it"))["name_share"] == 0.0

"""Relevance tuning: move the retrieval knobs, watch the metrics, read the misses, save.

Run it with `workbench notebook relevance_tuning [--db FILE]` (or `marimo run
notebooks/relevance_tuning.py -- --db FILE`). Arguments after `--`: `--db FILE`, `--set FILE`
(lookup questions), `--multihop-set FILE`, `--sweep KNOB`, and any knob (`--rrf_k 30`) to
start from other values than the saved ones. The index is opened read-only; the only
writes (saved settings, feedback) go to the state file beside it, behind buttons.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="Relevance tuning")

with app.setup:
    import dataclasses
    from pathlib import Path

    import altair as alt
    import marimo as mo
    import polars as pl

    import workbench
    from workbench.config import SearchSettings, change_search_settings
    from workbench.errors import WorkbenchError
    from workbench.reader import open_reader
    from workbench.retrieve.evaluation import load_cases
    from workbench.retrieve.multihop_eval import load_multihop_cases

    EVAL_DIR = Path(workbench.__file__).resolve().parents[1] / "data" / "eval"
    MODES = ("bm25", "vector", "hybrid")
    METRICS = {
        "R@1": "recall_at_1",
        "R@5": "recall_at_5",
        "R@10": "recall_at_10",
        "MRR@10": "mrr_at_10",
        "nDCG@10": "ndcg_at_10",
    }
    #: (start, stop, step) of each knob's slider; a saved value outside widens it
    KNOBS = {
        "rrf_k": (1, 200, 1),
        "vector_weight": (0.0, 3.0, 0.05),
        "bm25_weight": (0.0, 3.0, 0.05),
        "candidates": (10, 500, 10),
        "exact_name_boost": (0.0, 0.2, 0.005),
        "public_boost": (0.0, 0.2, 0.005),
        "member_weight": (0.0, 1.0, 0.05),
        "max_hops": (1, 6, 1),
    }


@app.function
def slider_range(name: str, value: float) -> tuple[float, float, float]:
    """(start, stop, step) of a knob's slider, widened to hold `value`."""
    start, stop, step = KNOBS[name]
    return min(start, value), max(stop, value), step


@app.function
def settings_from_values(values: dict) -> SearchSettings:
    """Slider values as validated settings (whole numbers for integer knobs, float noise
    from the browser rounded away)."""
    clean = {}
    for name, value in values.items():
        step = KNOBS[name][2]
        clean[name] = round(value) if isinstance(step, int) else round(float(value), 6)
    return change_search_settings(SearchSettings(), clean)


@app.function
def metrics_frame(rows: list, hop_rows: list) -> pl.DataFrame:
    """One row per system: lookup modes with recall/MRR/nDCG, multi-hop systems with
    answer@1/@5 in the R@1/R@5 columns and success@5 and path match beside."""
    records = [
        {"set": "lookup", "system": r.mode, "n": r.n, **{k: getattr(r, v) for k, v in METRICS.items()}}
        for r in rows
    ]
    records += [
        {
            "set": "multi-hop",
            "system": r.system,
            "n": r.n,
            "R@1": r.answer_at_1,
            "R@5": r.answer_at_5,
            "success@5": r.success_at_5,
            "path match": r.path_match,
        }
        for r in hop_rows
    ]
    schema = {"set": pl.String, "system": pl.String, "n": pl.Int64}
    schema |= {k: pl.Float64 for k in (*METRICS, "success@5", "path match")}
    return pl.DataFrame(records, schema=schema)


@app.function
def library_frame(row) -> pl.DataFrame:
    """Per-library recall@10 of one mode's evaluation."""
    items = sorted(row.per_library.items()) if row is not None else []
    return pl.DataFrame(
        [{"library": lib, "questions": n, "recall@10": r} for lib, (n, r) in items],
        schema={"library": pl.String, "questions": pl.Int64, "recall@10": pl.Float64},
    )


@app.function
def sweep_values(name: str, current: float, points: int) -> list:
    """`points` values of a knob spread over its slider's range, the current one included."""
    start, stop, step = slider_range(name, current)
    span = [start + (stop - start) * i / max(points - 1, 1) for i in range(points)]
    snapped = {round(round(v / step) * step, 6) for v in span} | {current}
    if name == "rrf_k":
        snapped = {max(1, v) for v in snapped}
    values = sorted(int(v) if isinstance(step, int) else float(v) for v in snapped)
    return values


@app.function
def sweep_chart(frame: pl.DataFrame, knob: str, current: float) -> alt.LayerChart:
    """Hybrid metrics along one knob (`frame`: a `setting` column and one per metric), the
    current value marked by a dashed rule."""
    long = frame.unpivot(
        index="setting", on=["R@1", "R@10", "MRR@10", "nDCG@10"], variable_name="metric", value_name="score"
    )
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("setting:Q", title=knob),
            y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 1])),
            color="metric:N",
            tooltip=["metric", "setting", alt.Tooltip("score:Q", format=".3f")],
        )
    )
    rule = (
        alt.Chart(pl.DataFrame({"setting": [float(current)]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="setting:Q")
    )
    return (lines + rule).properties(width=420, height=240, title=f"hybrid, sweeping {knob}")


@app.function
def library_chart(frame: pl.DataFrame) -> alt.Chart:
    """Per-library recall@10 as bars."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("recall@10:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("library:N", sort="-x"),
            tooltip=["library", "questions", alt.Tooltip("recall@10:Q", format=".3f")],
        )
        .properties(width=420, title="hybrid recall@10 per library")
    )


@app.function
def misses_frame(row) -> pl.DataFrame:
    """The questions a mode missed in its top 10, with what it ranked first."""
    return pl.DataFrame(
        [
            {"question": q, "expected": ", ".join(expected), "ranked first": ", ".join(ranked)}
            for q, expected, ranked in (row.misses if row is not None else [])
        ],
        schema={"question": pl.String, "expected": pl.String, "ranked first": pl.String},
    )


@app.function
def explain_frame(hits: list, expected: set) -> pl.DataFrame:
    """Search results with the parts of their score (`Hit.explain`) and whether each is
    one the question expects."""
    rows = []
    for hit in hits:
        explain = hit.explain or {}
        rows.append(
            {
                "rank": hit.rank,
                "path": hit.path,
                "expected": hit.definition_path in expected or hit.path in expected,
                "score": hit.score,
                "vector rank": explain.get("vector_rank"),
                "bm25 rank": explain.get("bm25_rank"),
                "rrf": explain.get("rrf"),
                "member support": explain.get("member_support"),
                "exact name boost": explain.get("name_boost"),
                "public boost": explain.get("public_boost"),
                "graph prior": explain.get("graph_prior"),
                "used by libraries": explain.get("used_by_libraries"),
                "class in-degree": explain.get("parent_in_degree"),
                "doc length": explain.get("doc_length"),
                "card similarity": explain.get("card_similarity"),
                "card rank": explain.get("card_rank"),
                "ranker": explain.get("ranker"),
                "summary": hit.summary,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


@app.function
def evaluate_settings(reader, cases: list, hop_cases: list, settings: SearchSettings):
    """The facade's own evaluations with candidate settings: `evaluate` for the lookup
    modes, and `evaluate_multihop` (search alone against search + graph) on a second
    read-only facade opened with those settings and sharing the loaded model.

    Returns:
        (lookup rows, lookup cases skipped, multi-hop report or None)
    """
    rows, skipped = reader.evaluate(cases, MODES, search_settings=settings) if cases else ([], [])
    report = None
    if hop_cases:
        from workbench import Workbench

        candidate = dataclasses.replace(reader.settings, search=settings)
        with Workbench(reader.path, settings=candidate, embedder=reader.embedder) as tuned:
            report = tuned.evaluate_multihop(hop_cases)
    return rows, skipped, report


@app.function
def save_for_every_face(reader, settings: SearchSettings) -> str:
    """What the save button does: the facade saves the settings in the state file beside
    the index (no write lock: works while the TUI, the CLI or a server has it open)."""
    reader.save_settings(settings)
    changed = {k: v for k, v in dataclasses.asdict(settings).items() if v != getattr(SearchSettings(), k)}
    shown = ", ".join(f"{k} = {v}" for k, v in changed.items()) or "the defaults"
    return f"saved {shown} in {reader.state.path}; every face opened from now on uses them"


@app.cell
def _():
    mo.md("""
    # Relevance tuning

    Move the retrieval knobs and watch recall, MRR and nDCG of BM25, vectors, hybrid
    search and hybrid + graph recompute on the evaluation sets; read the misses with
    each result's `explain`; mark results good or bad; save the settings for every face.
    """)
    return


@app.cell
def _():
    args = dict(mo.cli_args())
    try:
        reader = open_reader(args.get("db"), args.get("server"))
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Cannot open the index:** {error}"), kind="danger"))
    mo.stop(
        not hasattr(reader, "evaluate"),
        mo.callout(
            mo.md(
                "Tuning evaluates on the local file: open this notebook where the index is "
                "(`workbench notebook relevance_tuning --db FILE`)."
            ),
            kind="warn",
        ),
    )
    mo.md(f"Index: `{reader.path}` (read-only) · saved settings: `{reader.state.path}`")
    return args, reader


@app.cell
def _(args):
    lookup_path = mo.ui.text(
        value=str(args.get("set") or EVAL_DIR / "questions.jsonl"),
        label="lookup questions (empty: none)",
        full_width=True,
    )
    multihop_path = mo.ui.text(
        value=str(args.get("multihop-set") or EVAL_DIR / "multihop.jsonl"),
        label="multi-hop questions (empty: none)",
        full_width=True,
    )
    use_feedback = mo.ui.checkbox(value=True, label="add the good results from feedback as cases")
    mo.vstack([mo.md("## Evaluation sets"), lookup_path, multihop_path, use_feedback])
    return lookup_path, multihop_path, use_feedback


@app.cell
def _(lookup_path, multihop_path, reader, use_feedback):
    try:
        cases = load_cases(Path(lookup_path.value)) if lookup_path.value.strip() else []
        hop_cases = load_multihop_cases(Path(multihop_path.value)) if multihop_path.value.strip() else []
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Evaluation set:** {error}"), kind="danger"))
    feedback_cases = reader.feedback_cases() if use_feedback.value else []
    cases = cases + feedback_cases
    mo.md(
        f"{len(cases)} lookup cases ({len(feedback_cases)} from feedback), "
        f"{len(hop_cases)} multi-hop cases; cases whose answers are not indexed are left out."
    )
    return cases, hop_cases


@app.cell
def _(args, reader):
    _saved = dataclasses.asdict(reader.settings.search)
    _start = {name: args.get(name, value) for name, value in _saved.items()}
    knobs = mo.ui.dictionary(
        {
            name: mo.ui.slider(
                *slider_range(name, value)[:2],
                step=slider_range(name, value)[2],
                value=value,
                debounce=True,
                show_value=True,
                label=name,
            )
            for name, value in _start.items()
        }
    )
    mo.vstack([mo.md("## Settings (the saved ones to start with)"), knobs.vstack()])
    return (knobs,)


@app.cell
def _(knobs, reader):
    try:
        candidate = settings_from_values(knobs.value)
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Settings:** {error}"), kind="danger"))
    _saved = reader.saved_settings()
    _changes = {
        k: (getattr(_saved, k), v)
        for k, v in dataclasses.asdict(candidate).items()
        if v != getattr(_saved, k)
    }
    mo.md(
        "Unchanged from the saved settings."
        if not _changes
        else "Changed: " + ", ".join(f"`{k}` {a} → **{b}**" for k, (a, b) in _changes.items())
    )
    return (candidate,)


@app.cell
def _(candidate, cases, hop_cases, reader):
    with mo.status.spinner(title="evaluating …"):
        eval_rows, eval_skipped, hop_report = evaluate_settings(reader, cases, hop_cases, candidate)
    metrics = metrics_frame(eval_rows, hop_report.rows if hop_report else [])
    hybrid_row = next((r for r in eval_rows if r.mode == "hybrid"), None)
    _skipped = len(eval_skipped) + (len(hop_report.skipped) if hop_report else 0)
    mo.vstack(
        [
            mo.md("## Metrics"),
            mo.ui.table(
                metrics,
                selection=None,
                format_mapping={c: "{:.3f}" for c in metrics.columns if metrics[c].dtype == pl.Float64},
            ),
            mo.md(
                f"Multi-hop rows: R@1/R@5 are answer@1/@5. {_skipped} cases skipped "
                "(their answers are not in this index)."
            ),
        ]
    )
    return eval_rows, hop_report, hybrid_row, metrics


@app.cell
def _(hybrid_row):
    per_library = library_frame(hybrid_row)
    library_recall_chart = library_chart(per_library)
    library_recall_chart
    return library_recall_chart, per_library


@app.cell
def _(args):
    sweep_knob = mo.ui.dropdown(
        options=["off", *KNOBS], value=str(args.get("sweep") or "rrf_k"), label="sweep one knob"
    )
    sweep_points = mo.ui.slider(3, 9, value=5, label="points", show_value=True)
    mo.hstack([sweep_knob, sweep_points], justify="start")
    return sweep_knob, sweep_points


@app.cell
def _(candidate, cases, reader, sweep_knob, sweep_points):
    mo.stop(sweep_knob.value == "off" or not cases, mo.md("_No sweep._"))
    _knob = sweep_knob.value
    _current = getattr(candidate, _knob)
    _records = []
    for _value in mo.status.progress_bar(
        sweep_values(_knob, _current, sweep_points.value), title=f"sweeping {_knob}"
    ):
        _settings = dataclasses.replace(candidate, **{_knob: _value})
        (_row,), _ = reader.evaluate(cases, ("hybrid",), search_settings=_settings)
        _records.append({"setting": float(_value), **{k: getattr(_row, v) for k, v in METRICS.items()}})
    sweep = pl.DataFrame(_records)
    sweep_line_chart = sweep_chart(sweep, _knob, _current)
    sweep_line_chart
    return sweep, sweep_line_chart


@app.cell
def _(hybrid_row):
    misses_table = mo.ui.table(misses_frame(hybrid_row), selection="single", page_size=10)
    mo.vstack([mo.md("## Hybrid misses (pick one to see why)"), misses_table])
    return (misses_table,)


@app.cell
def _(candidate, cases, misses_table, reader):
    _picked = misses_table.value
    mo.stop(_picked is None or len(_picked) == 0, mo.md("_Select a miss above._"))
    miss_question = _picked["question"][0]
    _case = next(c for c in cases if c.question == miss_question)
    _expected = {p for p in (reader.resolve(e) for e in _case.expected) if p} | set(_case.expected)
    _hits = reader.search(miss_question, 10, search_settings=candidate)
    miss_results = mo.ui.table(explain_frame(_hits, _expected), selection="multi", page_size=10)
    mark_good = mo.ui.run_button(label="mark selected good", kind="success")
    mark_bad = mo.ui.run_button(label="mark selected bad", kind="danger")
    mo.vstack(
        [
            mo.md(f"**{miss_question}** · expected: `{', '.join(_case.expected)}`"),
            miss_results,
            mo.hstack([mark_good, mark_bad], justify="start"),
        ]
    )
    return mark_bad, mark_good, miss_question, miss_results


@app.cell
def _(mark_bad, mark_good, miss_question, miss_results, reader):
    mo.stop(not (mark_good.value or mark_bad.value))
    _verdict = "good" if mark_good.value else "bad"
    _paths = list(miss_results.value["path"]) if len(miss_results.value) else []
    mo.stop(not _paths, mo.md("_Select results first._"))
    _stored = [reader.feedback(miss_question, _path, _verdict) for _path in _paths]
    mo.md(f"Recorded {_verdict}: " + ", ".join(f"`{p}`" for p in _stored))
    return


@app.cell
def _(candidate):
    save_button = mo.ui.run_button(label="Save these settings for every face", kind="success")
    mo.vstack(
        [
            mo.md("## Save"),
            mo.md(
                "Saving writes the state file beside the index (not the index), so it works "
                "while the TUI, the CLI or a server has the file open."
            ),
            mo.md(f"`{candidate}`"),
            save_button,
        ]
    )
    return (save_button,)


@app.cell
def _(candidate, reader, save_button):
    mo.stop(not save_button.value)
    try:
        _message = save_for_every_face(reader, candidate)
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Not saved:** {error}"), kind="danger"))
    mo.callout(mo.md(_message), kind="success")
    return


if __name__ == "__main__":
    app.run()

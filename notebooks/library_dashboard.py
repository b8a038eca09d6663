"""Library dashboard: what the index holds, how well each library is documented, its
license verdict, origin, versions over time, what is stale, suggestions and feedback.

Run it with `workbench notebook library_dashboard [--db FILE | --server URL]`. The index is
opened read-only; nothing is written (checking for updates reads the installed packages,
offline).
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="Library dashboard")

with app.setup:
    from collections import Counter

    import altair as alt
    import marimo as mo
    import polars as pl

    from workbench.errors import WorkbenchError
    from workbench.reader import open_reader


@app.function
def library_table(libraries: list, sizes: list, quality: dict, verdicts: list, checks: list) -> pl.DataFrame:
    """One row per indexed library: size, documentation quality, license verdict, origin
    and update state (stale when the installed copy differs from the indexed one)."""
    size = {name: (entities, chunks, nbytes) for name, entities, chunks, nbytes in sizes}
    verdict = {v.library: v for v in verdicts if not v.opted_out}
    state = {c.library: c.state for c in checks}
    rows = []
    for lib in libraries:
        entities, chunks, nbytes = size.get(lib.name, (lib.entity_count, lib.chunk_count, 0))
        q = quality.get(lib.name)
        v = verdict.get(lib.name)
        update_state = state.get(lib.name, "")
        rows.append(
            {
                "library": lib.name,
                "version": lib.version,
                "origin": lib.origin,
                "entities": entities,
                "chunks": chunks,
                "MB": nbytes / 1e6,
                "documented": q.docstrings if q else None,
                "typed": q.typed if q else None,
                "examples": q.examples if q else None,
                "measured objects": q.objects if q else None,
                "license": v.license if v else lib.license,
                "license class": v.license_class if v else "",
                "allowed": v.allowed if v else None,
                "update state": update_state,
                "stale": update_state not in ("", "current"),
                "ingested at": lib.ingested_at,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


@app.function
def coverage_chart(frame: pl.DataFrame) -> alt.Chart:
    """Share of public classes, functions and methods documented, typed and with an
    example, per library."""
    long = frame.select("library", "documented", "typed", "examples").unpivot(
        index="library", variable_name="measure", value_name="share"
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", scale=alt.Scale(domain=[0, 1]), title=None),
            y=alt.Y("measure:N", title=None),
            color="measure:N",
            row=alt.Row("library:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
            tooltip=["library", "measure", alt.Tooltip("share:Q", format=".0%")],
        )
        .properties(width=360, height=45, title="documentation coverage")
    )


@app.function
def size_chart(frame: pl.DataFrame) -> alt.Chart:
    """Entities per library, coloured by license class."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("entities:Q"),
            y=alt.Y("library:N", sort="-x"),
            color=alt.Color("license class:N"),
            tooltip=["library", "version", "entities", "chunks", alt.Tooltip("MB:Q", format=".1f")],
        )
        .properties(width=360, title="entities per library")
    )


@app.function
def history_frame(history: list) -> pl.DataFrame:
    """The update history (newest first) as a frame with a timestamp column."""
    columns = ["library", "version", "ingested_at", "status", "entities", "added", "changed", "removed"]
    rows = [{k: row.get(k) for k in columns} for row in history]
    frame = pl.DataFrame(
        rows, schema={**{c: pl.String for c in columns[:4]}, **{c: pl.Int64 for c in columns[4:]}}
    )
    return frame.with_columns(pl.col("ingested_at").str.to_datetime(strict=False).alias("when"))


@app.function
def history_chart(frame: pl.DataFrame) -> alt.Chart:
    """Each ingest or update as a point in time per library, labelled with its version."""
    base = alt.Chart(frame).encode(
        x=alt.X("when:T", title=None),
        y=alt.Y("library:N", title=None),
        tooltip=["library", "version", "status", "when:T", "entities", "added", "changed", "removed"],
    )
    points = base.mark_point(filled=True, size=90).encode(color="status:N")
    labels = base.mark_text(dy=-10, fontSize=10).encode(text="version:N")
    return (points + labels).properties(width=620, title="versions over time")


@app.function
def feedback_frame(log: list) -> pl.DataFrame:
    """Feedback counts per library (the root of the judged path) and verdict."""
    counts = Counter((path.split(".", 1)[0], verdict) for _query, path, verdict, _at in log)
    return pl.DataFrame(
        [
            {"library": lib, "verdict": verdict, "judgements": n}
            for (lib, verdict), n in sorted(counts.items())
        ],
        schema={"library": pl.String, "verdict": pl.String, "judgements": pl.Int64},
    )


@app.cell
def _():
    mo.md("""
    # Library dashboard

    What the index holds: size, documentation quality, license verdict, origin, update
    state and history of every library; the suggestions queued and the feedback given.
    """)
    return


@app.cell
def _():
    args = dict(mo.cli_args())
    try:
        reader = open_reader(args.get("db"), args.get("server"))
    except WorkbenchError as error:
        mo.stop(True, mo.callout(mo.md(f"**Cannot open the index:** {error}"), kind="danger"))
    local = hasattr(reader, "history")
    mo.md(
        f"Reading `{getattr(reader, 'path', None) or getattr(reader, 'url', '')}`"
        + ("" if local else " over HTTP: sizes, quality, licenses and history need the local file")
    )
    return local, reader


@app.cell
def _(local, reader):
    _libraries = reader.libraries()
    with mo.status.spinner(title="measuring documentation and checking installed versions …"):
        libraries = library_table(
            _libraries,
            reader.library_sizes() if local else [],
            reader.doc_quality() if local else {},
            reader.compliance() if local else [],
            reader.check_updates() if local else [],
        )
    _stale = libraries.filter(pl.col("stale"))["library"].to_list()
    _refused = libraries.filter(pl.col("allowed") == False)["library"].to_list()  # noqa: E712
    mo.vstack(
        [
            mo.md("## Libraries"),
            mo.hstack(
                [
                    mo.stat(len(libraries), label="libraries"),
                    mo.stat(int(libraries["entities"].sum()), label="entities"),
                    mo.stat(len(_stale), label="stale", caption=", ".join(_stale) or "all current"),
                    mo.stat(
                        len(_refused), label="refused by the license policy", caption=", ".join(_refused)
                    ),
                ],
                justify="start",
            ),
            mo.ui.table(
                libraries,
                selection=None,
                format_mapping={
                    "MB": "{:.1f}",
                    "documented": "{:.0%}",
                    "typed": "{:.0%}",
                    "examples": "{:.0%}",
                },
            ),
        ]
    )
    return (libraries,)


@app.cell
def _(libraries, local):
    mo.stop(not local)
    documentation_chart = coverage_chart(libraries)
    entities_chart = size_chart(libraries)
    mo.vstack([mo.md("## Coverage"), mo.hstack([documentation_chart, entities_chart], justify="start")])
    return documentation_chart, entities_chart


@app.cell
def _(local, reader):
    mo.stop(not local)
    history = history_frame(reader.history())
    versions_chart = history_chart(history)
    mo.vstack(
        [
            mo.md("## Versions over time"),
            versions_chart,
            mo.ui.table(history.drop("when"), selection=None, page_size=8),
        ]
    )
    return history, versions_chart


@app.cell
def _(local, reader):
    suggestions = pl.DataFrame(
        [{"library": n, "asked": c, "reasons": "; ".join(r)} for n, c, r in reader.suggestions()],
        schema={"library": pl.String, "asked": pl.Int64, "reasons": pl.String},
    )
    feedback = feedback_frame(reader.feedback_log()) if local else feedback_frame([])
    feedback_chart = (
        alt.Chart(feedback)
        .mark_bar()
        .encode(
            x="judgements:Q",
            y=alt.Y("library:N", title=None),
            color=alt.Color(
                "verdict:N", scale=alt.Scale(domain=["good", "bad"], range=["#4c9a2a", "#c0392b"])
            ),
            tooltip=["library", "verdict", "judgements"],
        )
        .properties(width=360, title="feedback per library")
    )
    mo.vstack(
        [
            mo.md("## Suggestions and feedback"),
            mo.hstack(
                [
                    mo.vstack(
                        [
                            mo.md(f"**{len(suggestions)} libraries suggested**"),
                            mo.ui.table(suggestions, selection=None),
                        ]
                    ),
                    mo.vstack([mo.md(f"**{int(feedback['judgements'].sum())} judgements**"), feedback_chart]),
                ],
                justify="start",
            ),
        ]
    )
    return feedback, feedback_chart, suggestions


if __name__ == "__main__":
    app.run()

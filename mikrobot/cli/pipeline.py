"""``mikrobot pipeline run|list``: papermill pipelines (``pipelines/*.ipynb``) and their runs.

``run NAME -p key=value ...`` executes the notebook into ``runs/<date>/<name>/<run_id>/`` (see
:mod:`mikrobot.cli.runner`), prints the gates and the paths, and exits 0 when every gate
passed, 1 when one failed, 2 when the notebook raised or the input is bad.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from mikrobot.cli.runner import RunOutcome

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

PipelinesOption = Annotated[
    Path | None,
    typer.Option(
        "--pipelines-dir",
        help="directory of the pipeline notebooks (default $MIKROBOT_PIPELINES, else the "
        "repository's pipelines/)",
    ),
]
RunsOption = Annotated[
    Path | None,
    typer.Option(
        "--runs-root", help="where runs are written (default $MIKROBOT_RUNS, else ./runs)"
    ),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def gate_lines(summary: dict[str, Any]) -> list[str]:
    """The summary's gates as an aligned text table (symbol, gate, PASS/FAIL, value,
    threshold, message)."""
    gates = summary.get("gates") or []
    if not gates:
        return []
    rows = [
        (
            str(g.get("symbol") or ""),
            str(g["name"]),
            "pass" if g["passed"] else "FAIL",
            _fmt(g.get("value")),
            _fmt(g.get("threshold")),
            str(g.get("message", "")),
        )
        for g in gates
    ]
    head = ("symbol", "gate", "", "value", "threshold", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    out = []
    for row in [head, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(5)]
        out.append("  ".join(cells) + "  " + row[5])
    return out


def report(outcome: RunOutcome) -> list[str]:
    """The lines ``pipeline run`` prints: the gates, the status and the files."""
    s = dict(outcome.summary)
    lines = gate_lines(s)
    if lines:
        lines.append("")
    if outcome.status == "error":
        err = s.get("error") or {}
        cell = f" (cell {err['cell']})" if err.get("cell") is not None else ""
        lines.append(f"ERROR{cell}: {err.get('ename')}: {err.get('evalue')}")
    elif outcome.status == "failed":
        lines.append("FAILED: " + ", ".join(s.get("failed_gates") or []))
    else:
        lines.append("all gates passed")
    lines += [
        f"report:   {outcome.html.resolve() if outcome.html else '(not written)'}",
        f"notebook: {outcome.notebook.resolve()}",
        f"summary:  {outcome.summary_path.resolve()}",
        f"{outcome.pipeline} run {outcome.run_id}: {outcome.status} in {outcome.elapsed_s:.1f} s",
    ]
    return lines


def run_and_report(
    name: str,
    params: list[str],
    pipelines: Path | None,
    runs: Path | None,
    progress: bool,
) -> int:
    """Run a pipeline, print :func:`report`, and return the exit status (bad input: the
    error on stderr and 2)."""
    from mikrobot.cli.runner import EXIT_ERROR, run_pipeline
    from mikrobot.core.errors import MikrobotError

    try:
        outcome = run_pipeline(name, params, pipelines=pipelines, runs=runs, progress=progress)
    except MikrobotError as exc:
        typer.echo(f"error: {exc}", err=True)
        return EXIT_ERROR
    for line in report(outcome):
        typer.echo(line)
    return outcome.exit_code


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="the pipeline, e.g. daily-validation")],
    param: Annotated[
        list[str] | None,
        typer.Option("-p", "--param", help="a notebook parameter: -p days=5 (repeat the option)"),
    ] = None,
    pipelines: PipelinesOption = None,
    runs: RunsOption = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="papermill's progress bar")
    ] = True,
) -> None:
    """Run a pipeline notebook with papermill into runs/<date>/<name>/<run_id>/.

    Writes the executed notebook, its HTML and summary.json. Exit status 0 when every gate
    passed, 1 when a gate failed, 2 when the notebook raised (its notebook, HTML and summary
    are still written) or the input is bad.
    """
    raise typer.Exit(run_and_report(name, list(param or []), pipelines, runs, progress))


@app.command("list")
def list_pipelines(
    pipelines: PipelinesOption = None,
    runs: RunsOption = None,
    last: Annotated[int, typer.Option(min=0, help="runs to show per pipeline")] = 5,
) -> None:
    """List the pipelines with their parameters and defaults, and their latest runs."""
    from mikrobot.cli.runner import (
        available_pipelines,
        latest_runs,
        notebook_parameters,
        pipelines_dir,
        runs_root,
    )
    from mikrobot.core.errors import MikrobotError

    try:
        directory = pipelines_dir(pipelines)
        found = available_pipelines(directory)
        described = {name: notebook_parameters(path) for name, path in found.items()}
    except MikrobotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    root = runs_root(runs)
    if not found:
        typer.echo(f"no pipelines in {directory}")
    for name, path in found.items():
        typer.echo(f"{name}  ({path})")
        params = described[name]
        width = max((len(p) for p in params), default=0)
        dwidth = max((len(p.default_text) for p in params.values()), default=0)
        for p in params.values():
            typer.echo(f"  -p {p.name.ljust(width)} = {p.default_text.ljust(dwidth)}  {p.help}")
        past = latest_runs(root, path.stem, last) if last else []
        if past:
            typer.echo(f"  latest runs (under {root}):")
            for r in past:
                failed = f"  ({', '.join(r.failed_gates)})" if r.failed_gates else ""
                typer.echo(f"    {r.date} {r.run_id}  {r.status:<10} {r.directory}{failed}")
        elif last:
            typer.echo(f"  no runs under {root}")
        typer.echo("")

"""The one-file HTML report of a walk-forward run: the summary, the fold table, parameter
stability and the walk-forward figures, plotly.js embedded once."""

from __future__ import annotations

import html
import json
import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mikrobot.backtest.report.page import _CSS, _figure_div, _table, write_atomic
from mikrobot.backtest.report.style import currency
from mikrobot.backtest.report.walkforward import (
    parameter_names,
    walkforward_equity_figure,
    walkforward_folds_figure,
    walkforward_in_sample_figure,
    walkforward_parameters_figure,
)
from mikrobot.backtest.table import stats_rows

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from mikrobot.backtest.walkforward_result import WalkForwardResult

_WIDE_CSS = """
.wrap{overflow-x:auto}
table.wide{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);
font-size:13px;font-variant-numeric:tabular-nums}
table.wide th{padding:5px 7px;border-bottom:2px solid #e0e0e0;color:#616161;font-weight:600;
text-align:right;white-space:nowrap}
table.wide td{padding:4px 7px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
table.wide th.l,table.wide td.l{text-align:left}
table.wide tr.flat td{color:#9e9e9e}
.gain{background:#2e7d32}.loss{background:#c62828}
"""

#: the fold table's columns after the chosen parameters: (header, folds column, format)
_FOLD_FIGURES = (
    ("qualified", "qualified", "d"),
    ("IS {metric}", "is_metric", ".3f"),
    ("IS return %", "is_return_pct", "+.2f"),
    ("IS trades", "is_trades", "d"),
    ("OOS {metric}", "oos_metric", ".3f"),
    ("OOS return %", "oos_return_pct", "+.2f"),
    ("OOS net", "oos_net", ",.2f"),
    ("OOS trades", "oos_trades", "d"),
    ("OOS max DD %", "oos_max_drawdown_pct", ".2f"),
    ("IS ann. %", "is_ann", ".2f"),
    ("OOS ann. %", "oos_ann", ".2f"),
    ("WFE", "wfe", ".2f"),
)

_STABILITY = (
    ("changes", "changes", "d"),
    ("change rate", "change_rate", ".2f"),
    ("distinct", "distinct", "d"),
    ("mode", "mode", ""),
    ("mode share", "mode_share", ".2f"),
    ("min", "min", "g"),
    ("max", "max", "g"),
    ("mean", "mean", ".4g"),
    ("std", "std", ".4g"),
    ("range share", "range_share", ".2f"),
)


def _cell(value: Any, spec: str = "") -> str:
    """``value`` for a table cell: ``-`` when missing or not finite, integers as integers,
    other floats with ``spec`` (default: up to 6 significant digits)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "-"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        if spec == "d" and value.is_integer():
            return format(int(value), ",d")
        return format(value, spec if spec and spec != "d" else ".6g")
    if isinstance(value, int):
        return format(value, ",d") if spec in ("", "d", "g") else format(value, spec)
    return str(value)


def _when(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d %H:%M") if (ts.hour or ts.minute) else ts.strftime("%Y-%m-%d")


def _wide_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 0,
    grey: Sequence[bool] | None = None,
) -> str:
    """An HTML table; the first ``left`` columns are left-aligned, rows with ``grey`` True
    are drawn greyed."""

    def align(k: int) -> str:
        return ' class="l"' if k < left else ""

    head = "".join(f"<th{align(k)}>{html.escape(h)}</th>" for k, h in enumerate(header))
    body = []
    for j, row in enumerate(rows):
        tds = "".join(f"<td{align(k)}>{html.escape(c)}</td>" for k, c in enumerate(row))
        body.append(f'<tr class="flat">{tds}</tr>' if grey and grey[j] else f"<tr>{tds}</tr>")
    return (
        f'<div class="wrap"><table class="wide"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def fold_rows(result: WalkForwardResult) -> tuple[list[str], list[list[str]]]:
    """The fold table of ``result`` as text: ``(header, rows)``, one row per fold.

    Columns: fold, train and test windows (UTC, end exclusive), the chosen candidate and the
    value of every searched parameter (``-`` for a fold where no candidate qualified, which
    is then flat), then ``qualified``, the in-sample and out-of-sample figures of
    ``result.folds`` (metric, return, trades, net, max drawdown, the fold's prop-firm verdict)
    and the annualised returns with the fold's walk-forward efficiency. Integer parameters
    print as integers."""
    names = parameter_names(result)
    header = ["fold", "train", "test", "candidate", *names]
    header += [h.format(metric=result.metric) for h, _, _ in _FOLD_FIGURES]
    header.insert(len(header) - 3, "OOS verdict")
    rows = []
    for fold, row in result.folds.iterrows():
        selected = bool(row["selected"])
        cells = [
            str(fold),
            f"{_when(row['train_start'])} → {_when(row['train_end'])}",
            f"{_when(row['test_start'])} → {_when(row['test_end'])}",
            str(int(row["candidate"])) if selected else "none qualified",
            *(_cell(row[n]) if selected else "-" for n in names),
        ]
        figures = [_cell(row[col], spec) for _, col, spec in _FOLD_FIGURES]
        if not selected:
            figures[3] = "-"  # no in-sample run was chosen
        verdict = row["oos_verdict"]
        figures.insert(len(figures) - 3, "-" if verdict is None or pd.isna(verdict) else verdict)
        rows.append(cells + figures)
    return header, rows


def stability_rows(result: WalkForwardResult) -> tuple[list[str], list[list[str]]]:
    """Parameter stability (``result.stability``) as text: ``(header, rows)``, one row per
    searched parameter; see :func:`mikrobot.backtest.selection.parameter_stability`."""
    header = ["parameter", *(h for h, _, _ in _STABILITY)]
    rows = [
        [str(name), *(_cell(rec[col], spec) for _, col, spec in _STABILITY)]
        for name, rec in result.stability.iterrows()
    ]
    return header, rows


def summary_rows(result: WalkForwardResult) -> list[tuple[str, str]]:
    """``(label, value)`` rows describing how the run was made and its efficiency and
    stability figures (the out-of-sample statistics are :func:`~mikrobot.backtest.table.
    stats_rows` of ``result.oos``)."""
    folds = result.folds
    n, picked = len(folds), int(folds["selected"].sum())
    w, sp, st = result.windows, result.space, result.stability_overall
    is_ann, oos_ann = result.annualised_returns()
    names = parameter_names(result)
    search = f"{sp.get('kind', 'grid')}, {len(result.candidates):,} parameter sets"
    search += f" over {', '.join(names)}" if names else " (the base settings only)"
    if sp.get("kind") == "random":
        search += f", seed {sp.get('seed')}"
    return [
        ("symbol", result.oos.market.spec.name),
        (
            "span",
            f"{_when(folds['train_start'].min())} to {_when(folds['test_end'].max())} UTC "
            f"(first train start to last test end)",
        ),
        (
            "windows",
            f"train {w.get('train')}, test {w.get('test')}, step {w.get('step')}, "
            f"{'anchored' if w.get('anchored') else 'rolling'}, warm-up {w.get('warmup')}",
        ),
        ("search", search),
        (
            "selection",
            f"{'highest' if result.maximize else 'lowest'} in-sample {result.metric} with at "
            f"least {result.min_trades:,} trades",
        ),
        ("folds", f"{n:,}: {picked:,} with a selection, {n - picked:,} flat"),
        (
            "annualised return",
            f"in-sample {_cell(is_ann, '.2f')} %, out-of-sample {_cell(oos_ann, '.2f')} % "
            "(folds with a selection)",
        ),
        ("walk-forward efficiency", _cell(result.wfe, ".3f")),
        (
            "parameter changes",
            f"{st['changes']} in {max(int(st['folds']) - 1, 0)} fold transitions "
            f"(rate {_cell(st['change_rate'], '.2f')})",
        ),
        ("config hash", result.config_hash),
        ("run time", f"{result.elapsed_s:.1f} s"),
    ]


def _oos_rows(result: WalkForwardResult) -> list[tuple[str, str]]:
    """The stitched result's statistics; its prop-firm rows say where the verdicts are."""
    rows = [
        (k, v)
        for k, v in stats_rows(result.oos)
        if not k.startswith("prop-firm") and k != "config hash"
    ]
    verdicts = result.folds["oos_verdict"].dropna()
    counts = verdicts.value_counts()
    text = ", ".join(f"{v} {counts[v]}" for v in counts.index) or "n/a (no prop-firm rules)"
    return [("prop-firm verdicts per test window", text), *rows]


def write_walkforward_report(
    result: WalkForwardResult,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    info: Mapping[str, Any] | None = None,
    max_points: int = 6_000,
) -> Path:
    """Write one self-contained HTML report of a walk-forward run to ``path``; return the path.

    The page holds, in order: the title and a line with the folds, parameter sets, metric and
    config hash; the out-of-sample statistics of the stitched result (:func:`~mikrobot.
    backtest.table.stats_rows` of ``result.oos``, with the prop-firm verdicts of the test
    windows counted) beside the run's summary (:func:`summary_rows`: windows, search,
    selection, annualised returns, walk-forward efficiency, parameter changes) and ``info``
    (e.g. the data source, as rows); the fold table (:func:`fold_rows`); the figures of
    :mod:`mikrobot.backtest.report.walkforward` - stitched out-of-sample equity and drawdown
    with the fold starts (thinned to about ``max_points`` points), in-sample against
    out-of-sample per fold, the chosen parameters per fold - then the parameter stability
    table (:func:`stability_rows`), the in-sample heatmap, and ``result.summary()`` as JSON.

    plotly.js is embedded once in the page head, so the file opens offline; the figures'
    ``div`` ids are ``mikrobot-wf-fig-0`` ... ``-3`` in the order above. The page is written
    through :func:`~mikrobot.backtest.report.page.write_atomic`: a failure leaves no partial
    file and an earlier report at ``path`` untouched.
    """
    from plotly.offline import get_plotlyjs

    started = time.perf_counter()
    folds = result.folds
    s = result.oos_stats
    symbol = result.oos.market.spec.name
    span = f"{_when(folds['train_start'].min())} to {_when(folds['test_end'].max())} UTC"
    if title is None:
        title = f"mikrobot walk-forward: {symbol}, {span}"
    figures: list[tuple[str, go.Figure, str]] = [
        (
            "Out-of-sample equity and drawdown",
            walkforward_equity_figure(result, max_points=max_points),
            "The test windows' runs stitched end to end (each starts from the initial balance; "
            "the curve adds their results). The markers and dotted lines are the fold starts; "
            "hover a marker for the fold's windows, choice and results.",
        ),
        (
            "In-sample against out-of-sample per fold",
            walkforward_folds_figure(result),
            "The chosen parameter set's figures on its train window (grey) and on the test "
            "window that follows (blue). Walk-forward efficiency is the out-of-sample "
            "annualised return over the in-sample one.",
        ),
        ("Chosen parameters per fold", walkforward_parameters_figure(result), ""),
        (
            f"In-sample {result.metric} of every parameter set on every fold",
            walkforward_in_sample_figure(result),
            "A chosen cell (star) alone among poor neighbours is a fragile optimum; a region "
            "of good cells a robust one.",
        ),
    ]
    summary = json.dumps(result.summary(), indent=2, allow_nan=False)
    net = "gain" if s.net_result > 0 else "loss" if s.net_result < 0 else "none"
    headline = (
        f'<div class="verdict {net}">out of sample: {s.net_result:,.2f} '
        f"{html.escape(currency(result.oos))} ({s.return_pct:+.2f} %), {s.trade_count:,} trades, walk-forward efficiency "
        f"{_cell(result.wfe, '.2f')}</div>"
    )
    facts = [
        *summary_rows(result),
        *((str(k), str(v)) for k, v in (info or {}).items()),
        ("generated", pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")),
    ]
    fold_header, fold_body = fold_rows(result)
    names = parameter_names(result)

    def section(k: int) -> str:
        heading, fig, note = figures[k]
        text = f"<h2>{html.escape(heading)}</h2>"
        if note:
            text += f'<p class="note">{html.escape(note)}</p>'
        return text + f'<div class="fig">{_figure_div(fig, f"mikrobot-wf-fig-{k}")}</div>\n'

    def chunks() -> Iterator[str]:
        yield (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_CSS}{_WIDE_CSS}</style>"
        )
        yield f'<script type="text/javascript">{get_plotlyjs()}</script>'
        yield "</head><body><main>\n"
        yield (
            f"<h1>{html.escape(title)}</h1>"
            f'<p class="sub">{len(folds):,} folds · {len(result.candidates):,} parameter sets · '
            f"select by {'max' if result.maximize else 'min'} {html.escape(result.metric)} · "
            f"config hash {html.escape(result.config_hash)}</p>{headline}\n"
            f'<div class="grid"><div><h2>Out of sample, stitched</h2>{_table(_oos_rows(result))}'
            f"</div><div><h2>Run</h2>{_table(facts)}</div></div>\n"
        )
        yield (
            '<h2>Folds</h2><p class="note">Windows in UTC, ends exclusive. IS: the chosen '
            "parameter set on the train window; OOS: on the test window. Grey rows: no "
            "parameter set qualified, the test window stays flat.</p>"
            + _wide_table(
                fold_header, fold_body, left=4, grey=(~folds["selected"].to_numpy(bool)).tolist()
            )
            + "\n"
        )
        yield section(0)
        yield section(1)
        yield section(2)
        if names:
            head, body = stability_rows(result)
            yield (
                '<h2>Parameter stability</h2><p class="note">Over the folds with a selection: '
                "how often each chosen value changed from one fold to the next, its most "
                "frequent value and the share of the searched range the choices spanned.</p>"
                + _wide_table(head, body, left=1)
                + "\n"
            )
        yield section(3)
        yield (
            "<details><summary>run summary (JSON, as <code>mikrobot walkforward --json</code>)"
            f"</summary><pre>{html.escape(summary)}</pre></details>"
        )
        elapsed = time.perf_counter() - started
        yield f'<p class="note">report built in {elapsed:.2f} s</p></main></body></html>\n'

    return write_atomic(path, chunks())

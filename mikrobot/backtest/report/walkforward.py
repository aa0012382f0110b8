"""Figures of a walk-forward run (:class:`~mikrobot.backtest.walkforward_result.
WalkForwardResult`): the stitched out-of-sample equity with the fold boundaries, the in-sample
against the out-of-sample figures per fold, the parameters chosen per fold, and the in-sample
metric of every candidate on every fold.

Folds are numbered as in ``result.folds`` (0-based). A fold where no candidate qualified has no
chosen parameters and NaN in-sample figures; its test window counts as flat.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mikrobot.backtest.report.curves import equity_drawdown_subplots
from mikrobot.backtest.report.style import COLORS, LAYOUT, currency, ns, xs
from mikrobot.backtest.report.style import title as title_

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from mikrobot.backtest.walkforward_result import WalkForwardResult

_IS_COLOR = "#90a4ae"
_OOS_COLOR = COLORS["equity"]


def _num(value: Any, spec: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return format(value, spec)


def parameter_names(result: WalkForwardResult) -> list[str]:
    """The searched parameters of ``result`` (the candidate table's columns but ``key``)."""
    return [c for c in result.candidates.columns if c != "key"]


def _chosen_text(result: WalkForwardResult, row: pd.Series) -> str:
    if not row["selected"]:
        return "no candidate qualified (flat)"
    names = parameter_names(result)
    values = ", ".join(f"{n}={row[n]}" for n in names) or "the base settings"
    return f"candidate {int(row['candidate'])}: {values}"


def fold_starts(result: WalkForwardResult) -> pd.DataFrame:
    """Where each fold's test window begins in the stitched out-of-sample result.

    One row per fold (index ``fold``): ``position`` (its first bar in ``result.oos.market``),
    ``time`` (that bar's open, UTC) and ``equity`` (the stitched equity before the fold: the
    initial balance plus the net results of the earlier folds; every fold's run ends flat).
    """
    folds = result.folds
    bars = folds["test_bars"].to_numpy(np.int64)
    position = np.concatenate([[0], np.cumsum(bars)[:-1]]).astype(np.int64)
    net = folds["oos_net"].to_numpy(np.float64)
    before = result.oos.initial_balance + np.concatenate([[0.0], np.cumsum(net)[:-1]])
    index = result.oos.market.index
    at = np.minimum(position, max(len(index) - 1, 0))
    return pd.DataFrame(
        {"position": position, "time": index[at], "equity": before}, index=folds.index
    )


def walkforward_equity_figure(
    result: WalkForwardResult, *, max_points: int = 6_000, height: int = 560
) -> go.Figure:
    """The stitched out-of-sample equity (top) and its drawdown (bottom) at M1 bar closes.

    Traces by name: ``"out-of-sample equity"`` and ``"drawdown"`` (``result.oos_equity`` and
    ``result.oos.drawdown``, thinned by :func:`~mikrobot.backtest.report.curves.
    decimate_indices` to about ``max_points`` points, exact below that) and ``"fold start"``
    (one marker per fold at :func:`fold_starts`, hover: the windows, the chosen parameters,
    the in-sample metric and the out-of-sample result). A dotted vertical line marks each
    fold's start. Each fold's run starts from the initial balance, so the stitched equity adds
    the folds' results (see :mod:`mikrobot.backtest.selection`).
    """
    import plotly.graph_objects as go

    oos = result.oos
    eq = result.oos_equity.to_numpy(np.float64)
    dd = oos.drawdown.to_numpy(np.float64)
    n = eq.shape[0]
    cur = currency(oos)
    fig, thinned = equity_drawdown_subplots(
        oos.market.time, eq, dd, cur, max_points, name="out-of-sample equity", color=_OOS_COLOR
    )
    if n:
        starts = fold_starts(result)
        folds = result.folds
        text = [
            f"fold {fold}: test {row['test_start']:%Y-%m-%d %H:%M} to "
            f"{row['test_end']:%Y-%m-%d %H:%M} UTC<br>{_chosen_text(result, row)}"
            f"<br>in-sample {result.metric} {_num(row['is_metric'])} "
            f"({int(row['is_trades'])} trades)<br>out-of-sample "
            f"{_num(row['oos_return_pct'], '+.2f')} % ({int(row['oos_trades'])} trades)"
            for fold, row in folds.iterrows()
        ]
        sx = xs(ns(pd.DatetimeIndex(starts["time"])))
        fig.add_trace(
            go.Scatter(
                x=sx,
                y=starts["equity"].to_numpy(np.float64),
                mode="markers+text",
                name="fold start",
                text=[str(f) for f in folds.index],
                textposition="top center",
                customdata=text,
                marker={"symbol": "line-ns-open", "size": 14, "color": "#455a64"},
                hovertemplate="%{customdata}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        for x0 in sx[1:]:
            fig.add_vline(x=x0, line={"color": "#90a4ae", "width": 1, "dash": "dot"})
    s = result.oos_stats
    fig.update_layout(
        **LAYOUT,
        title=title_(
            f"Out-of-sample equity, {len(result.folds)} test windows stitched: net "
            f"{s.net_result:,.2f} {cur} ({s.return_pct:+.2f} %), {s.trade_count:,} trades, "
            f"WFE {_num(result.wfe, '.2f')}{thinned}"
        ),
        height=height,
    )
    fig.update_yaxes(title_text=f"equity ({cur})", tickformat=",.0f", row=1, col=1)
    fig.update_yaxes(title_text=f"drawdown ({cur})", tickformat=",.0f", row=2, col=1)
    fig.update_xaxes(title_text="time (UTC), test windows only", row=2, col=1)
    return fig


def walkforward_folds_figure(result: WalkForwardResult, *, height: int = 600) -> go.Figure:
    """In-sample against out-of-sample per fold: the selection metric (top) and the simple
    annualised return (bottom).

    Traces by name (x = the fold numbers): ``"in-sample <metric>"`` (``folds.is_metric``, the
    chosen candidate's train-window value) and ``"out-of-sample <metric>"``
    (``folds.oos_metric``, its test-window value); ``"in-sample annualised return"`` and
    ``"out-of-sample annualised return"`` (``folds.is_ann`` / ``folds.oos_ann``, percent), with
    the fold's walk-forward efficiency (``folds.wfe``) in the hover text. The gap between the
    two bars of a fold is the in-sample optimism the selection bought.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    folds = result.folds
    x = folds.index.to_numpy()
    metric = result.metric
    windows = [
        f"train {r['train_start']:%Y-%m-%d} to {r['train_end']:%Y-%m-%d}, test "
        f"{r['test_start']:%Y-%m-%d} to {r['test_end']:%Y-%m-%d}<br>{_chosen_text(result, r)}"
        for _, r in folds.iterrows()
    ]
    wfe = [_num(v) for v in folds["wfe"].to_numpy(np.float64)]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(
            f"selection metric: {metric} ({'higher' if result.maximize else 'lower'} is better)",
            "simple annualised return (%)",
        ),
    )
    rows = (
        (1, f"in-sample {metric}", folds["is_metric"], _IS_COLOR, windows),
        (1, f"out-of-sample {metric}", folds["oos_metric"], _OOS_COLOR, windows),
        (2, "in-sample annualised return", folds["is_ann"], _IS_COLOR, windows),
        (
            2,
            "out-of-sample annualised return",
            folds["oos_ann"],
            _OOS_COLOR,
            [f"{w}<br>fold WFE {e}" for w, e in zip(windows, wfe, strict=True)],
        ),
    )
    for row, name, values, color, hover in rows:
        y = values.to_numpy(np.float64)
        fig.add_trace(
            go.Bar(
                x=x,
                y=np.where(np.isfinite(y), y, np.nan),
                name=name,
                marker={"color": color},
                customdata=hover,
                hovertemplate="fold %{x}: %{y:.2f}<br>%{customdata}<extra>" + name + "</extra>",
                legendgroup=name.split(" ")[0],
            ),
            row=row,
            col=1,
        )
    is_ann, oos_ann = result.annualised_returns()
    fig.update_layout(
        **LAYOUT,
        barmode="group",
        height=height,
        title=title_(
            f"In-sample vs out-of-sample per fold: annualised {_num(is_ann)} % in sample, "
            f"{_num(oos_ann)} % out of sample, walk-forward efficiency "
            f"{_num(result.wfe, '.2f')}"
        ),
    )
    fig.update_layout(margin={"t": 120})
    fig.update_xaxes(title_text="fold", dtick=1, row=2, col=1)
    fig.update_yaxes(title_text=metric, row=1, col=1)
    fig.update_yaxes(title_text="% a year", row=2, col=1)
    return fig


def walkforward_parameters_figure(
    result: WalkForwardResult, *, height: int | None = None
) -> go.Figure:
    """The parameter values chosen per fold, one panel per searched parameter.

    Traces by name, per parameter ``p``: ``"p: chosen"`` (x = the folds with a selection,
    y = the chosen value, joined in fold order) and ``"p: searched"`` (every distinct value of
    ``p`` among the candidates, repeated on every fold, in grey: the range the search had).
    The title gives the candidate change rate of ``result.stability_overall``; a parameter
    that jumps across its range from fold to fold is not a stable choice.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = parameter_names(result)
    folds = result.folds
    st = result.stability_overall
    head = (
        f"Chosen parameters per fold: the candidate changed {st['changes']} times in "
        f"{max(int(st['folds']) - 1, 0)} fold transitions (rate {_num(st['change_rate'])}); "
        "grey: the values searched"
    )
    if not names:
        fig = go.Figure()
        fig.add_annotation(
            text="no parameter was searched (one candidate: the base settings)",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
        fig.update_layout(**LAYOUT, title=title_(head), height=height or 240)
        return fig
    fig = make_subplots(
        rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.06, subplot_titles=names
    )
    picked = folds[folds["selected"].to_numpy(bool)]
    x_all = folds.index.to_numpy()
    for k, name in enumerate(names, start=1):
        distinct = list(dict.fromkeys(result.candidates[name].tolist()))
        fig.add_trace(
            go.Scatter(
                x=np.repeat(x_all, len(distinct)),
                y=distinct * len(x_all),
                mode="markers",
                name=f"{name}: searched",
                marker={"color": "#cfd8dc", "size": 6},
                hovertemplate=f"{name} %{{y}} (searched)<extra></extra>",
            ),
            row=k,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=picked.index.to_numpy(),
                y=picked[name].tolist(),
                mode="lines+markers",
                name=f"{name}: chosen",
                line={"color": _OOS_COLOR, "width": 1.5},
                marker={"size": 9},
                customdata=picked["candidate"].to_numpy(),
                hovertemplate=(
                    f"fold %{{x}}: {name} = %{{y}} (candidate %{{customdata}})<extra></extra>"
                ),
            ),
            row=k,
            col=1,
        )
        fig.update_yaxes(title_text=name, row=k, col=1)
    fig.update_xaxes(title_text="fold", dtick=1, row=len(names), col=1)
    fig.update_layout(
        **LAYOUT, title=title_(head), height=height or 140 + 190 * len(names), showlegend=False
    )
    return fig


def walkforward_in_sample_figure(
    result: WalkForwardResult, *, height: int | None = None
) -> go.Figure:
    """Heatmap of the in-sample selection metric of every candidate (rows) on every fold
    (columns), with the chosen candidate of each fold marked.

    Traces by name: ``"in-sample <metric>"`` (a heatmap; ``z[c, f]`` is
    ``result.in_sample``'s metric for candidate ``c`` on fold ``f``, NaN where undefined or
    infinite; hover: the trade count and whether the candidate reached ``min_trades``) and
    ``"chosen"`` (a marker at each fold's chosen candidate). A chosen cell alone among poor
    neighbours is a fragile optimum; a region of good cells is a robust one.
    """
    import plotly.graph_objects as go

    metric = result.metric
    table = result.in_sample
    n_cand = len(result.candidates)
    folds = result.folds.index.to_numpy()
    z = np.full((n_cand, folds.shape[0]), np.nan)
    trades = np.zeros((n_cand, folds.shape[0]), np.int64)
    col = {int(f): j for j, f in enumerate(folds)}
    for rec in table[["fold", "candidate", metric, "trade_count"]].itertuples(index=False):
        value = float(rec[2])
        z[int(rec[1]), col[int(rec[0])]] = value if math.isfinite(value) else math.nan
        trades[int(rec[1]), col[int(rec[0])]] = int(rec[3])
    names = parameter_names(result)
    labels = [
        f"{c}: " + (", ".join(f"{n}={row[n]}" for n in names) or "base")
        for c, row in result.candidates.iterrows()
    ]
    note = np.where(trades >= result.min_trades, "", f" (fewer than {result.min_trades} trades)")
    custom = np.char.add(np.char.add(trades.astype(str), " trades"), note.astype(str))
    finite = z[np.isfinite(z)]
    limit = float(np.abs(finite).max()) if finite.size else 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=folds,
            y=labels,
            customdata=custom,
            name=f"in-sample {metric}",
            colorscale="RdBu",
            zmid=0.0 if finite.size and finite.min() < 0 < finite.max() else None,
            zmin=-limit if finite.size and finite.min() < 0 < finite.max() else None,
            zmax=limit if finite.size and finite.min() < 0 < finite.max() else None,
            colorbar={"title": {"text": metric}},
            xgap=1,
            ygap=1,
            hovertemplate=(
                "fold %{x}<br>%{y}<br>" + metric + " %{z:.3f}<br>%{customdata}<extra></extra>"
            ),
        )
    )
    picked = result.folds[result.folds["selected"].to_numpy(bool)]
    fig.add_trace(
        go.Scatter(
            x=picked.index.to_numpy(),
            y=[labels[int(c)] for c in picked["candidate"]],
            mode="markers",
            name="chosen",
            marker={"symbol": "star", "size": 13, "color": "#ffd600", "line": {"width": 1}},
            hovertemplate="fold %{x}: chosen %{y}<extra></extra>",
        )
    )
    fig.update_layout(
        **LAYOUT,
        title=title_(
            f"In-sample {metric} of every candidate on every fold (★ chosen: the best with "
            f">= {result.min_trades} trades)"
        ),
        height=height or 200 + 26 * max(n_cand, 1),
        xaxis={"title": "fold", "dtick": 1},
        yaxis={"type": "category", "autorange": "reversed"},
    )
    return fig

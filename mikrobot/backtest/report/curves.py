"""Curves and distributions of a backtest: equity and drawdown with the prop-firm floors, the
R multiples, the monthly returns and the refused signals."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mikrobot.backtest import codes
from mikrobot.backtest.report.style import COLORS, LAYOUT, currency, ns, xs
from mikrobot.backtest.report.style import title as title_
from mikrobot.backtest.table import verdict_line

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from mikrobot.backtest.result import BacktestResult

#: the engine's own refusal codes (the others come from the strategic evaluation)
ENGINE_CODES = frozenset((*codes.REJECT_NAMES, "account_breached", "invalid_signal"))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def equity_drawdown_subplots(
    time: np.ndarray,
    equity: np.ndarray,
    drawdown: np.ndarray,
    cur: str,
    max_points: int,
    *,
    name: str = "equity",
    color: str = COLORS["equity"],
) -> tuple[go.Figure, str]:
    """``(figure, note)``: a two-row figure with the equity line (row 1) and the filled drawdown
    (row 2) over ``time`` (epoch ns), thinned to about ``max_points`` by
    :func:`decimate_indices`; ``note`` says how many points were drawn when thinned, else "".
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.04
    )
    n = equity.shape[0]
    if not n:
        return fig, ""
    keep = decimate_indices(max_points, equity, drawdown)
    note = ""
    if keep.shape[0] < n:
        note = f" (drawn with {keep.shape[0]:,} of {n:,} M1 points: each bucket's extremes)"
    x = xs(time[keep])
    fig.add_trace(
        go.Scatter(
            x=x,
            y=equity[keep],
            mode="lines",
            name=name,
            line={"color": color, "width": 1.5},
            hovertemplate=f"%{{x}}<br>equity %{{y:,.2f}} {cur}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=drawdown[keep],
            mode="lines",
            name="drawdown",
            fill="tozeroy",
            line={"color": COLORS["drawdown"], "width": 1},
            fillcolor="rgba(198, 40, 40, 0.25)",
            hovertemplate=f"%{{x}}<br>drawdown %{{y:,.2f}} {cur}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    return fig, note


def decimate_indices(max_points: int, *curves: np.ndarray) -> np.ndarray:
    """Positions to draw of curves sampled on the same bars, at most about ``max_points``.

    With more points than ``max_points`` the bars are cut into equal buckets, and each bucket
    keeps, in time order, the positions of every curve's minimum and maximum (so troughs, peaks
    and the maximum drawdown stay visible); the first and last positions are always kept.
    Without that many points every position is kept.
    """
    n = int(curves[0].shape[0])
    if n <= max_points:
        return np.arange(n)
    per = max(1, 2 * len(curves))  # points a bucket may keep
    buckets = max(1, max_points // per)
    size = math.ceil(n / buckets)
    keep = [np.array([0, n - 1])]
    pad = buckets * size - n
    starts = np.arange(buckets) * size
    for curve in curves:
        padded = np.concatenate([curve, np.full(pad, curve[-1])]).reshape(buckets, size)
        keep.append(np.minimum(starts + padded.argmin(axis=1), n - 1))
        keep.append(np.minimum(starts + padded.argmax(axis=1), n - 1))
    return np.unique(np.concatenate(keep))


# ---------------------------------------------------------------------------- equity
def balance_after_bars(result: BacktestResult) -> np.ndarray:
    """The account balance after each simulated bar: the initial balance plus the pnl of the
    trades closed by then, minus the entry half of the commission of the trades still open
    (the engine books half the round-turn commission at the entry fill)."""
    t = result.trades
    n = result.n_bars
    half = result.params.sizing.commission_per_lot * t["volume"].to_numpy(np.float64) * 0.5
    entry_bar = t["entry_bar"].to_numpy(np.int64)
    exit_bar = t["exit_bar"].to_numpy(np.int64)
    delta = np.zeros(n + 1)
    np.add.at(delta, exit_bar, t["pnl"].to_numpy(np.float64) + half)
    np.add.at(delta, entry_bar, -half)
    return result.initial_balance + np.cumsum(delta[:n])


def floors(result: BacktestResult) -> pd.DataFrame | None:
    """The prop-firm floors per Prague trading day of the run, or None without rules.

    One row per day that has bars, indexed by the day's first bar time (UTC): ``midnight``
    (the balance at the previous Prague midnight; the initial balance on the first day),
    ``daily`` (``midnight − daily_loss × initial``) and ``overall`` (static, or trailing on
    the end-of-day balance, :mod:`mikrobot.risk.floors`).
    """
    from mikrobot.risk.floors import daily_floor, static_overall_floor, trailing_overall_floor

    pf = result.params.prop_firm
    n = result.n_bars
    if pf is None or n == 0:
        return None
    initial = result.initial_balance
    day = result.market.day[:n]
    first = np.concatenate([[0], np.flatnonzero(np.diff(day) != 0) + 1])
    balance = balance_after_bars(result)
    midnight = np.concatenate([[initial], balance[first[1:] - 1]])
    daily = np.array([daily_floor(b, initial, pf.daily_loss) for b in midnight])
    overall = np.empty(first.shape[0])
    floor = static_overall_floor(initial, pf.max_loss)
    highest = initial
    for k, b in enumerate(midnight):
        if pf.max_loss_mode == "trailing_eod" and k > 0:
            highest = max(highest, b)
            floor = trailing_overall_floor(
                floor, initial, highest, pf.max_loss, pf.trailing_lock_at_initial
            )
        overall[k] = floor
    index = result.market.index[first]
    return pd.DataFrame({"midnight": midnight, "daily": daily, "overall": overall}, index=index)


def equity_figure(
    result: BacktestResult, *, max_points: int = 6_000, height: int = 560
) -> go.Figure:
    """Equity (top) and drawdown (bottom) at M1 bar closes, with the prop-firm floors.

    Traces by name: ``"equity"`` and ``"drawdown"`` (money; thinned by
    :func:`decimate_indices` to about ``max_points`` points, exact below that), and with
    prop-firm rules ``"daily loss floor"`` and ``"max loss floor"`` (step lines, one point per
    Prague day at its first bar plus the last bar, see :func:`floors`), ``"profit target"``
    (when the rules have one), ``"breach"`` / ``"passed"`` markers at those times.
    """
    import plotly.graph_objects as go

    eq = result.equity
    dd = result.drawdown
    values = eq.to_numpy(np.float64)
    ddv = dd.to_numpy(np.float64)
    n = values.shape[0]
    cur = currency(result)
    fig, thinned = equity_drawdown_subplots(result.market.time, values, ddv, cur, max_points)
    fl = floors(result)
    pf = result.params.prop_firm
    if fl is not None and n:
        last = result.market.time[n - 1]
        fx = xs(np.concatenate([ns(fl.index), [last]]))
        for name, column, color in (
            ("daily loss floor", "daily", COLORS["daily"]),
            ("max loss floor", "overall", COLORS["overall"]),
        ):
            y = fl[column].to_numpy(np.float64)
            fig.add_trace(
                go.Scatter(
                    x=fx,
                    y=np.concatenate([y, y[-1:]]),
                    mode="lines",
                    name=name,
                    line={"color": color, "width": 1.2, "shape": "hv", "dash": "dash"},
                    hovertemplate=f"{name} %{{y:,.2f}} {cur}<extra></extra>",
                ),
                row=1,
                col=1,
            )
        if pf is not None and pf.profit_target is not None:
            goal = result.initial_balance * (1.0 + pf.profit_target)
            fig.add_trace(
                go.Scatter(
                    x=[fx[0], fx[-1]],
                    y=[goal, goal],
                    mode="lines",
                    name="profit target",
                    line={"color": COLORS["target"], "width": 1.2, "dash": "dot"},
                    hovertemplate=f"profit target %{{y:,.2f}} {cur}<extra></extra>",
                ),
                row=1,
                col=1,
            )
    s = result.stats
    for name, when, color, symbol in (
        ("breach", s.breach_time, COLORS["loss"], "x"),
        ("passed", s.pass_time, COLORS["win"], "star"),
    ):
        if when is None:
            continue
        at = min(int(result.market.index.searchsorted(when)), max(n - 1, 0))
        fig.add_trace(
            go.Scatter(
                x=xs(result.market.time[[at]]),
                y=[float(values[at])] if n else [],
                mode="markers",
                name=name,
                marker={"symbol": symbol, "size": 14, "color": color},
                text=[verdict_line(result)],
                hovertemplate="%{text}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    preset = "" if pf is None else f", {pf.preset} floors"
    fig.update_layout(
        **LAYOUT,
        title=title_(f"Equity and drawdown at M1 closes{preset}{thinned}"),
        height=height,
    )
    fig.update_yaxes(title_text=f"equity ({cur})", tickformat=",.0f", row=1, col=1)
    fig.update_yaxes(title_text=f"drawdown ({cur})", tickformat=",.0f", row=2, col=1)
    fig.update_xaxes(title_text="time (UTC)", row=2, col=1)
    return fig


# ---------------------------------------------------------------------------- R, months
def r_distribution_figure(
    result: BacktestResult, *, bin_size: float = 0.25, height: int = 420
) -> go.Figure:
    """Histogram of the trades' R multiples (pnl / planned risk), bins of ``bin_size`` R.

    Traces ``"winning trades"`` (R of trades with pnl > 0) and ``"losing trades"`` (the
    others), stacked; a dashed line marks the mean R. Trades without a planned risk have no R
    and are left out (the title counts them)."""
    import plotly.graph_objects as go

    if not bin_size > 0:
        raise ValueError(f"bin_size must be > 0, got {bin_size}")
    t = result.trades
    r = t["r"].to_numpy(np.float64)
    pnl = t["pnl"].to_numpy(np.float64)
    ok = np.isfinite(r)
    start = math.floor(float(r[ok].min()) / bin_size) * bin_size if ok.any() else 0.0
    bins = {"start": start, "size": bin_size}
    fig = go.Figure()
    for name, sel, color in (
        ("winning trades", ok & (pnl > 0), COLORS["win"]),
        ("losing trades", ok & (pnl <= 0), COLORS["loss"]),
    ):
        fig.add_trace(
            go.Histogram(
                x=r[sel],
                name=name,
                xbins=bins,
                autobinx=False,
                marker={"color": color, "line": {"color": "#ffffff", "width": 0.5}},
                opacity=0.85,
                hovertemplate="R %{x}<br>%{y} trades<extra>" + name + "</extra>",
            )
        )
    s = result.stats
    missing = int((~ok).sum())
    note = f", {missing} without a planned risk left out" if missing else ""
    if ok.any():
        fig.add_vline(
            x=float(r[ok].mean()),
            line={"color": "#212121", "dash": "dash", "width": 1.5},
            annotation_text=f"mean {r[ok].mean():+.2f} R",
            annotation_position="top",
        )
    fig.update_layout(
        **LAYOUT,
        title=title_(
            f"R multiples of {int(ok.sum()):,} trades (win rate "
            f"{'n/a' if math.isnan(s.win_rate) else f'{s.win_rate:.1f} %'}{note})"
        ),
        barmode="stack",
        height=height,
        bargap=0.05,
        xaxis={"title": f"R (pnl / planned risk, bins of {bin_size:g} R)"},
        yaxis={"title": "trades"},
    )
    return fig


def monthly_returns(result: BacktestResult) -> pd.DataFrame:
    """Per calendar month (UTC) with bars: ``pnl`` (equity at the month's last bar close minus
    the previous month's, the initial balance before the first) and ``return_pct`` (that
    change over the previous month's equity, × 100). Indexed by ``(year, month)``."""
    eq = result.equity
    if eq.empty:
        empty = pd.MultiIndex.from_arrays([[], []], names=["year", "month"])
        return pd.DataFrame({"pnl": [], "return_pct": []}, index=empty)
    utc = eq.index.tz_convert("UTC")
    ends = eq.groupby([utc.year.rename("year"), utc.month.rename("month")]).last()
    previous = np.concatenate([[result.initial_balance], ends.to_numpy()[:-1]])
    pnl = ends.to_numpy() - previous
    return pd.DataFrame({"pnl": pnl, "return_pct": pnl / previous * 100.0}, index=ends.index)


def monthly_returns_figure(result: BacktestResult, *, height: int | None = None) -> go.Figure:
    """Heatmap of :func:`monthly_returns`: one row per year, one column per month.

    ``z`` holds the return in percent (NaN for months without bars), ``customdata`` the P/L
    in money; each year's label carries its compounded return."""
    import plotly.graph_objects as go

    months = monthly_returns(result)
    years = sorted({int(y) for y in months.index.get_level_values("year")})
    z = np.full((len(years), 12), np.nan)
    money = np.full((len(years), 12), np.nan)
    for (year, month), row in months.iterrows():
        z[years.index(int(year)), int(month) - 1] = row["return_pct"]
        money[years.index(int(year)), int(month) - 1] = row["pnl"]
    labels = []
    for k, year in enumerate(years):
        growth = np.nanprod(1.0 + z[k] / 100.0) - 1.0
        labels.append(f"{year} ({growth * 100:+.1f} %)")
    text = np.where(np.isfinite(z), np.char.mod("%+.2f%%", np.nan_to_num(z)), "")
    limit = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    cur = currency(result)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(_MONTHS),
            y=labels,
            customdata=money,
            text=text,
            texttemplate="%{text}",
            colorscale=[[0.0, "#c62828"], [0.5, "#f5f5f5"], [1.0, "#2e7d32"]],
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            xgap=2,
            ygap=2,
            showscale=False,
            hovertemplate=(
                "%{x} %{y}<br>return %{z:+.2f} %<br>P/L %{customdata:,.2f} "
                + cur
                + "<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        **LAYOUT,
        title=title_("Monthly returns (UTC months, equity marked at each month's last close)"),
        height=height or 170 + 56 * max(len(years), 1),
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"side": "top", "type": "category"},
    )
    fig.update_layout(margin={"t": 110})
    return fig


# ---------------------------------------------------------------------------- rejections
def rejections_figure(result: BacktestResult, *, height: int | None = None) -> go.Figure:
    """Horizontal bars of the refused signals per reason code, largest first.

    One ``"refusals"`` trace: ``y`` the codes, ``x`` the counts of ``result.rejections``;
    evaluation codes in blue, the engine's own (:data:`ENGINE_CODES`) in brown. A refused
    signal counts once under each of its reasons."""
    import plotly.graph_objects as go

    items = sorted(result.rejections.items(), key=lambda kv: (-kv[1], kv[0]))
    names = [k for k, _ in items]
    counts = np.array([v for _, v in items], dtype=np.int64)
    colors = [COLORS["engine" if k in ENGINE_CODES else "evaluation"] for k in names]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=names,
            orientation="h",
            name="refusals",
            marker={"color": colors},
            text=[f"{c:,}" for c in counts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,} signals<extra></extra>",
        )
    )
    approved = result.extras.get("approved")
    got = f"{result.signals:,} signals" + (
        "" if approved is None else f", {int(approved):,} approved"
    )
    fig.update_layout(
        **LAYOUT,
        title=title_(
            f"Refused signals by reason ({got}; a signal counts under each of its reasons; "
            "blue: strategic evaluation, brown: engine)"
        ),
        height=height or 170 + 28 * max(len(names), 1),
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"title": "signals refused"},
        showlegend=False,
    )
    if not names:
        fig.add_annotation(
            text="no signal was refused", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
    return fig

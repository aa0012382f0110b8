"""Backtest reports: plotly figures for notebooks, and one self-contained HTML file.

Each ``*_figure`` function takes a :class:`~mikrobot.backtest.result.BacktestResult` and
returns a ``plotly.graph_objects.Figure`` (show it in JupyterLab as the cell's value):

* :func:`price_figure` - candles with the trades (entry markers, entry → exit arrows, stop and
  target lines); with ``structure=True`` the structure layer of ``mikrobot.structure.plot``
  (swings, BOS/CHoCH, retest setups) over a window of M5 candles, otherwise the whole run on
  coarser candles;
* :func:`equity_figure` - equity and drawdown, with the prop-firm floors and target;
* :func:`r_distribution_figure` - the R multiples of the trades;
* :func:`monthly_returns_figure` - returns per calendar month (UTC), year × month;
* :func:`rejections_figure` - refused signals by reason code.

:func:`write_report` puts them in one HTML file with plotly.js embedded once, after a table of
the statistics with the prop-firm verdict, the config hash and the parameters. Long M1 curves
are thinned for drawing (see :func:`decimate_indices`): the figures say so in their titles.

Plotly is imported inside the functions, so importing this module does not load it. Times on the
charts are UTC without a zone suffix, at bar **open** times (MetaTrader's label).
"""

from __future__ import annotations

import html
import json
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mikrobot.backtest import codes
from mikrobot.backtest.table import stats_rows, verdict_line

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from mikrobot.backtest.engine import Market
    from mikrobot.backtest.result import BacktestResult
    from mikrobot.structure.params import StructureParams

#: the engine's own refusal codes (the others come from the strategic evaluation)
ENGINE_CODES = frozenset((*codes.REJECT_NAMES, "account_breached", "invalid_signal"))
#: candle sizes (minutes) tried for the whole-run price chart, finest first
CANDLE_MINUTES = (1, 5, 15, 30, 60, 240, 1440)
_CANDLE_NAMES = {1: "M1", 5: "M5", 15: "M15", 30: "M30", 60: "H1", 240: "H4", 1440: "D1"}
_NS_MIN = 60_000_000_000
_GAP_NS = 3_600_000_000_000
_COLORS = {
    "long": "#0d47a1",
    "short": "#212121",
    "win": "#2e7d32",
    "loss": "#c62828",
    "equity": "#1565c0",
    "daily": "#ef6c00",
    "overall": "#c62828",
    "target": "#2e7d32",
    "drawdown": "#c62828",
    "engine": "#6d4c41",
    "evaluation": "#1565c0",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LAYOUT = {
    "template": "plotly_white",
    "hovermode": "closest",
    "margin": {"l": 70, "r": 20, "t": 100, "b": 50},
    "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 11}},
}


# ---------------------------------------------------------------------------- small helpers
def _xs(ns: np.ndarray) -> np.ndarray:
    """UTC epoch ns as ``YYYY-MM-DDTHH:MM`` strings (plotly.js reads them; half the bytes of
    plotly's own nanosecond strings)."""
    return np.datetime_as_string(np.asarray(ns, np.int64).view("datetime64[ns]"), unit="m")


def _ns(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(times).tz_convert("UTC").as_unit("ns").asi8


def _digits(result: BacktestResult) -> int:
    return int(result.market.spec.digits)


def _currency(result: BacktestResult) -> str:
    return str(result.market.spec.account_currency)


def _title(text: str) -> dict[str, Any]:
    return {
        "text": text,
        "x": 0.01,
        "xanchor": "left",
        "yref": "container",
        "y": 1.0,
        "yanchor": "top",
        "pad": {"t": 12},
        "font": {"size": 15},
    }


def market_frame(market: Market) -> pd.DataFrame:
    """The canonical M1 bar frame of a result's :class:`~mikrobot.backtest.engine.Market`
    (prices and, when it varies per bar, the spread in points)."""
    from mikrobot.data.frame import make_bars

    spread = None
    if market.spread.shape[0] == len(market):
        spread = np.rint(market.spread / market.spec.point).astype(np.int64)
    return make_bars(
        market.time,
        market.open,
        market.high,
        market.low,
        market.close,
        spread=spread,
        symbol=market.spec.name,
        timeframe="M1",
    )


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


# ---------------------------------------------------------------------------- trades layer
def _trade_traces(go: Any, trades: pd.DataFrame, digits: int, currency: str) -> list[Any]:
    """Entry markers, entry → exit arrows (won / lost) and each trade's stop and target."""
    entry_x = _xs(_ns(trades["entry_time"]))
    exit_x = _xs(_ns(trades["exit_time"]))
    long_ = (trades["side"] == "long").to_numpy(bool)
    entry = trades["entry_price"].to_numpy(np.float64)
    exit_ = trades["exit_price"].to_numpy(np.float64)
    pnl = trades["pnl"].to_numpy(np.float64)
    r = trades["r"].to_numpy(np.float64)
    p = f".{digits}f"
    entry_text = np.array(
        [
            f"{side} {vol:g} lots at {e:{p}}<br>stop {s:{p}}, target {t:{p}}"
            f"<br>risk {rk:,.2f} {currency}, multiplier {m:.2f}<br>entry {x}"
            for side, vol, e, s, t, rk, m, x in zip(
                trades["side"].astype(str),
                trades["volume"].to_numpy(np.float64),
                entry,
                trades["stop"].to_numpy(np.float64),
                trades["target"].to_numpy(np.float64),
                trades["risk"].to_numpy(np.float64),
                trades["multiplier"].to_numpy(np.float64),
                entry_x,
                strict=True,
            )
        ],
        dtype=object,
    )
    out: list[Any] = []
    for side, sel, symbol in (("long", long_, "arrow-up"), ("short", ~long_, "arrow-down")):
        out.append(
            go.Scatter(
                x=entry_x[sel],
                y=entry[sel],
                mode="markers",
                name=f"{side} entry",
                marker={
                    "symbol": symbol,
                    "size": 13,
                    "color": _COLORS[side],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                text=list(entry_text[sel]),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    reason = trades["exit_reason"].astype(str).to_numpy()
    for name, sel, color in (
        ("winning trade", pnl > 0, _COLORS["win"]),
        ("losing trade", pnl <= 0, _COLORS["loss"]),
    ):
        k = int(sel.sum())
        xs = np.empty(3 * k, dtype=object)
        ys = np.empty(3 * k, dtype=object)
        xs[0::3], xs[1::3] = entry_x[sel], exit_x[sel]
        ys[0::3], ys[1::3] = entry[sel], exit_[sel]
        text = np.empty(3 * k, dtype=object)
        text[0::3] = entry_text[sel]
        text[1::3] = [
            f"exit ({why}) at {e:{p}} {x}<br>P/L {v:,.2f} {currency}, {rr:+.2f} R"
            for why, e, x, v, rr in zip(
                reason[sel], exit_[sel], exit_x[sel], pnl[sel], r[sel], strict=True
            )
        ]
        size = np.tile([0, 11, 0], k)
        out.append(
            go.Scatter(
                x=list(xs),
                y=list(ys),
                mode="lines+markers",
                name=name,
                line={"color": color, "width": 1.5, "dash": "dot"},
                marker={"symbol": "arrow", "angleref": "previous", "size": size, "color": color},
                text=list(text),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for name, column, color in (
        ("trade stop", "stop", _COLORS["loss"]),
        ("trade target", "target", _COLORS["win"]),
    ):
        level = trades[column].to_numpy(np.float64)
        ok = np.isfinite(level)
        k = int(ok.sum())
        xs = np.empty(3 * k, dtype=object)
        ys = np.empty(3 * k, dtype=object)
        xs[0::3], xs[1::3] = entry_x[ok], exit_x[ok]
        ys[0::3] = ys[1::3] = level[ok]
        out.append(
            go.Scatter(
                x=list(xs),
                y=list(ys),
                mode="lines",
                name=name,
                line={"color": color, "width": 1},
                hovertemplate=f"{name} %{{y:{p}}}<extra></extra>",
            )
        )
    return out


def _overlapping(trades: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp) -> pd.DataFrame:
    return trades.loc[((trades["entry_time"] <= w1) & (trades["exit_time"] >= w0)).to_numpy(bool)]


def _gap_breaks(t: np.ndarray, minutes: int) -> list[dict[str, Any]]:
    """Rangebreaks hiding pauses of more than an hour (and three candles) between candles."""
    bar = minutes * _NS_MIN
    gap = np.flatnonzero(np.diff(t) > max(_GAP_NS, 3 * bar))
    starts = _xs(t[gap] + bar)
    ends = _xs(t[gap + 1])
    return [{"bounds": [str(a), str(b)]} for a, b in zip(starts, ends, strict=True)]


def _utc(value: Any, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a time: give e.g. '2024-03-04 08:00'") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# ---------------------------------------------------------------------------- price
def price_figure(
    result: BacktestResult,
    bars: pd.DataFrame | None = None,
    setups: pd.DataFrame | None = None,
    *,
    m5: pd.DataFrame | None = None,
    params: StructureParams | None = None,
    structure: bool = True,
    start: Any = None,
    end: Any = None,
    last_days: float = 3.0,
    max_candles: int = 7_000,
    height: int = 680,
    title: str | None = None,
) -> go.Figure:
    """Candles with the result's trades marked.

    Trades are drawn as: ``"long entry"`` / ``"short entry"`` markers at the entry time and
    fill price; ``"winning trade"`` / ``"losing trade"`` dotted lines from entry to exit with an
    arrow at the exit (the points of trade ``k`` are ``3k`` = entry, ``3k + 1`` = exit, ``3k + 2``
    = ``None``); ``"trade stop"`` / ``"trade target"`` lines at each trade's stop and target
    from its entry to its exit (same layout). Only the trades overlapping the window are drawn.

    Args:
        result: the backtest.
        bars: the M1 bars the backtest ran on (default: rebuilt from ``result.market``).
        setups: the :func:`mikrobot.structure.setups` frame the backtest used (``structure=True``
            only; None recomputes it from ``bars`` with default structure parameters).
        m5: M5 bars of the same feed (default: built from ``bars``).
        params: the structure parameters the setups were found with (default
            ``StructureParams()``); the swings and breaks are drawn with them.
        structure: True draws ``mikrobot.structure.plot``'s layer (M5 candles, swings,
            BOS/CHoCH, retest setups) over a window of ``last_days`` days; without ``start``
            and ``end`` the window ends at the last trade's exit (or the data's end). False
            draws the whole span (or ``start``..``end``) on the finest candles of M1, M5, M15,
            M30, H1, H4, D1 that keep at most ``max_candles`` candles, with the trades only.
        start, end: the window (anything ``pd.Timestamp`` reads; naive times are UTC).
        last_days: the window length for ``structure=True`` (M5 candles, closed hours not
            counted).
        max_candles: the most candles drawn (coarser candles beyond it).
        height: figure height in pixels.
        title: the figure title (default names the symbol, the candles and the window).
    """
    import plotly.graph_objects as go

    spec = result.market.spec
    digits = _digits(result)
    trades = result.trades
    if structure:
        from mikrobot.structure.plotting import plot

        m1 = market_frame(result.market) if bars is None else bars
        if start is None and end is None and len(trades):
            end = min(trades["exit_time"].max() + pd.Timedelta(hours=1), m1.index[-1])
        fig = plot(
            m1,
            m5,
            setups,
            spec=spec,
            start=start,
            end=end,
            title=title,
            params=params,
            last_days=last_days,
            max_candles=max_candles,
            height=height,
        )
        w0, w1 = (_utc(v, "range") for v in fig.layout.xaxis.range)
        shown = _overlapping(trades, w0, w1)
        fig.add_traces(_trade_traces(go, shown, digits, _currency(result)))
        fig.update_layout(margin={"t": 130})
        return fig

    m = result.market
    lo = 0 if start is None else int(np.searchsorted(m.time, _ns([_utc(start, "start")])[0]))
    hi = (
        len(m) if end is None else int(np.searchsorted(m.time, _ns([_utc(end, "end")])[0], "right"))
    )
    if hi <= lo:
        raise ValueError(
            f"no bar between start={start} and end={end}: the bars span {m.index[0]} to "
            f"{m.index[-1]}; choose a window inside that span"
        )
    t, o, h, low, c, minutes = _coarse_candles(m, lo, hi, max_candles)
    name = f"{_CANDLE_NAMES[minutes]} candles (from M1)"
    w0 = pd.Timestamp(int(t[0]), tz="UTC")
    w1 = pd.Timestamp(int(t[-1]) + minutes * _NS_MIN, tz="UTC")
    shown = _overlapping(trades, w0, w1)
    candles = go.Candlestick(
        x=_xs(t),
        open=o,
        high=h,
        low=low,
        close=c,
        name=name,
        increasing={"line": {"color": "#26a69a", "width": 1}, "fillcolor": "#26a69a"},
        decreasing={"line": {"color": "#ef5350", "width": 1}, "fillcolor": "#ef5350"},
        whiskerwidth=0,
        opacity=0.85,
    )
    fig = go.Figure(data=[candles, *_trade_traces(go, shown, digits, _currency(result))])
    if title is None:
        title = (
            f"{spec.name} {name}, {w0:%Y-%m-%d} to {w1:%Y-%m-%d}: {len(shown):,} trades "
            "(arrows: long ↑ / short ↓ entries; dotted lines to the exits)"
        )
    fig.update_layout(
        **_LAYOUT,
        title=_title(title),
        height=height,
        xaxis={
            "title": "time (UTC, bar open)",
            "rangeslider": {"visible": False},
            "rangebreaks": _gap_breaks(t, minutes),
        },
        yaxis={"title": f"{spec.name} price", "tickformat": f".{digits}f"},
    )
    return fig


def _coarse_candles(
    m: Market, lo: int, hi: int, max_candles: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    from mikrobot.core.bars import aggregate_ohlc

    arrays = (m.time[lo:hi], m.open[lo:hi], m.high[lo:hi], m.low[lo:hi], m.close[lo:hi])
    if hi - lo <= max_candles:
        return (*arrays, 1)
    out = arrays
    minutes = 1
    for minutes in CANDLE_MINUTES[1:]:
        out = aggregate_ohlc(*arrays, None, None, minutes)[:5]
        if out[0].shape[0] <= max_candles:
            break
    return (*out, minutes)


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
    from plotly.subplots import make_subplots

    eq = result.equity
    dd = result.drawdown
    values = eq.to_numpy(np.float64)
    ddv = dd.to_numpy(np.float64)
    n = values.shape[0]
    cur = _currency(result)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.04
    )
    thinned = ""
    if n:
        keep = decimate_indices(max_points, values, ddv)
        if keep.shape[0] < n:
            thinned = f" (drawn with {keep.shape[0]:,} of {n:,} M1 points: each bucket's extremes)"
        x = _xs(result.market.time[keep])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values[keep],
                mode="lines",
                name="equity",
                line={"color": _COLORS["equity"], "width": 1.5},
                hovertemplate=f"%{{x}}<br>equity %{{y:,.2f}} {cur}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=ddv[keep],
                mode="lines",
                name="drawdown",
                fill="tozeroy",
                line={"color": _COLORS["drawdown"], "width": 1},
                fillcolor="rgba(198, 40, 40, 0.25)",
                hovertemplate=f"%{{x}}<br>drawdown %{{y:,.2f}} {cur}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    fl = floors(result)
    pf = result.params.prop_firm
    if fl is not None and n:
        last = result.market.time[n - 1]
        fx = _xs(np.concatenate([_ns(fl.index), [last]]))
        for name, column, color in (
            ("daily loss floor", "daily", _COLORS["daily"]),
            ("max loss floor", "overall", _COLORS["overall"]),
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
                    line={"color": _COLORS["target"], "width": 1.2, "dash": "dot"},
                    hovertemplate=f"profit target %{{y:,.2f}} {cur}<extra></extra>",
                ),
                row=1,
                col=1,
            )
    s = result.stats
    for name, when, color, symbol in (
        ("breach", s.breach_time, _COLORS["loss"], "x"),
        ("passed", s.pass_time, _COLORS["win"], "star"),
    ):
        if when is None:
            continue
        at = min(int(result.market.index.searchsorted(when)), max(n - 1, 0))
        fig.add_trace(
            go.Scatter(
                x=_xs(result.market.time[[at]]),
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
        **_LAYOUT,
        title=_title(f"Equity and drawdown at M1 closes{preset}{thinned}"),
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
        ("winning trades", ok & (pnl > 0), _COLORS["win"]),
        ("losing trades", ok & (pnl <= 0), _COLORS["loss"]),
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
        **_LAYOUT,
        title=_title(
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
    cur = _currency(result)
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
        **_LAYOUT,
        title=_title("Monthly returns (UTC months, equity marked at each month's last close)"),
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
    colors = [_COLORS["engine" if k in ENGINE_CODES else "evaluation"] for k in names]
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
        **_LAYOUT,
        title=_title(
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


# ---------------------------------------------------------------------------- the HTML file
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#212121;
background:#fafafa}
main{max-width:1400px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 2px}h2{font-size:17px;margin:28px 0 6px}
.sub{color:#616161;margin:0 0 14px;font-size:13px}
.verdict{display:inline-block;padding:4px 12px;border-radius:14px;font-weight:600;color:#fff;
font-size:14px;margin:6px 0 12px}
.passed{background:#2e7d32}.failed{background:#c62828}.ongoing{background:#ef6c00}
.none{background:#757575}
table.stats{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);
font-size:13.5px}
table.stats td{padding:5px 14px;border-bottom:1px solid #eee;vertical-align:top}
table.stats td.k{color:#616161;white-space:nowrap}
table.stats td.v{font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.fig{background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);margin:8px 0;padding:4px}
.note{color:#616161;font-size:12.5px;margin:4px 0}
details{margin:12px 0}pre{background:#fff;padding:10px;font-size:12px;overflow:auto;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
"""


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td class="k">{html.escape(k)}</td><td class="v">{html.escape(v)}</td></tr>'
        for k, v in rows
    )
    return f'<table class="stats">{cells}</table>'


def _figure_div(fig: go.Figure, div_id: str) -> str:
    import plotly.io as pio

    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        default_width="100%",
        config={"displaylogo": False, "responsive": True},
    )


def write_report(
    result: BacktestResult,
    path: str | os.PathLike[str],
    *,
    bars: pd.DataFrame | None = None,
    setups: pd.DataFrame | None = None,
    m5: pd.DataFrame | None = None,
    params: StructureParams | None = None,
    title: str | None = None,
    info: Mapping[str, Any] | None = None,
    last_days: float = 3.0,
    max_candles: int = 7_000,
    max_points: int = 6_000,
) -> Path:
    """Write one self-contained HTML report of ``result`` to ``path`` and return the path.

    The page holds, in order: the title, the prop-firm verdict, the statistics table
    (:func:`mikrobot.backtest.table.stats_rows`), ``info`` (e.g. the data source, as rows),
    the parameters and config hash; then the whole-run price chart with the trades
    (:func:`price_figure` with ``structure=False``, candles coarse enough for
    ``max_candles``), the last ``last_days`` days on M5 candles with the structure layer and
    the ``setups``, the equity and drawdown, the R distribution, the monthly returns and the
    refused signals. plotly.js is embedded once in the page head, so the file opens offline
    (it is about 4.8 MB of the file); the figures refer to it. The file is written to a
    temporary name first and moved into place, so a failure leaves no half-written report.

    ``bars`` are the M1 bars of the backtest (default: rebuilt from ``result.market``),
    ``setups`` the setups it traded (None recomputes them), ``params`` the structure
    parameters they were found with (default ``StructureParams()``).
    """
    from plotly.offline import get_plotlyjs

    started = time.perf_counter()
    out = Path(path)
    spec = result.market.spec
    m = result.market
    span = f"{m.index[0]:%Y-%m-%d %H:%M} to {m.index[-1]:%Y-%m-%d %H:%M} UTC"
    if title is None:
        title = f"mikrobot backtest: {spec.name}, {span}"
    overview = price_figure(result, bars, structure=False, max_candles=max_candles, height=560)
    detail = price_figure(
        result, bars, setups, m5=m5, params=params, structure=True, last_days=last_days
    )
    equity = equity_figure(result, max_points=max_points)
    sections = [
        (
            "Price and trades, whole run",
            overview,
            "Candles are built from the M1 bars (the candle size in the legend) so the file "
            "stays small; entries and exits keep their exact M1 times and prices. Zoom in "
            "with the mouse; double-click to zoom out.",
        ),
        (
            f"Structure, setups and trades, last {last_days:g} days of trading",
            detail,
            "M5 candles ending at the last trade's exit; swings, BOS/CHoCH breaks and the "
            "retest setups of the structure engine; the setups' planned entry/stop/target and "
            "the trades' own stop and target lines.",
        ),
        ("Equity and drawdown", equity, ""),
        ("R distribution", r_distribution_figure(result), ""),
        ("Monthly returns", monthly_returns_figure(result), ""),
        ("Refused signals", rejections_figure(result), ""),
    ]
    verdict = result.stats.verdict
    badge = (
        f'<div class="verdict {verdict or "none"}">prop-firm verdict: '
        f"{html.escape(verdict_line(result))}</div>"
    )
    facts = [
        ("symbol", spec.name),
        ("bars", f"{len(m):,} M1 bars, {span}"),
        *((str(k), str(v)) for k, v in (info or {}).items()),
        ("config hash", result.config_hash or "-"),
        ("generated", pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")),
    ]
    params = json.dumps(result.params.model_dump(mode="json"), indent=2, sort_keys=True)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(span)} · {len(result.trades):,} trades · '
        f"config hash {html.escape(result.config_hash or '-')}</p>",
        badge,
        f'<div class="grid"><div>{_table(stats_rows(result))}</div>'
        f"<div>{_table(facts)}</div></div>",
        f"<details><summary>backtest parameters</summary><pre>{html.escape(params)}</pre>"
        "</details>",
    ]
    for k, (heading, fig, note) in enumerate(sections):
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if note:
            body.append(f'<p class="note">{html.escape(note)}</p>')
        body.append(f'<div class="fig">{_figure_div(fig, f"mikrobot-fig-{k}")}</div>')
    elapsed = time.perf_counter() - started
    body.append(f'<p class="note">report built in {elapsed:.2f} s</p>')
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body><main>" + "\n".join(body) + "</main></body></html>\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out

"""The price chart of a backtest: candles with the trades marked, over the structure layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mikrobot.backtest.report.style import COLORS, LAYOUT, NS_MIN, currency, ns, utc, xs
from mikrobot.backtest.report.style import title as title_

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from mikrobot.backtest.engine import Market
    from mikrobot.backtest.result import BacktestResult
    from mikrobot.structure.params import StructureParams

#: candle sizes (minutes) tried for the whole-run price chart, finest first
CANDLE_MINUTES = (1, 5, 15, 30, 60, 240, 1440)
_CANDLE_NAMES = {1: "M1", 5: "M5", 15: "M15", 30: "M30", 60: "H1", 240: "H4", 1440: "D1"}
_GAP_NS = 3_600_000_000_000


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


def _trade_traces(go: Any, trades: pd.DataFrame, digits: int, currency: str) -> list[Any]:
    """Entry markers, entry → exit arrows (won / lost) and each trade's stop and target."""
    entry_x = xs(ns(trades["entry_time"]))
    exit_x = xs(ns(trades["exit_time"]))
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
                    "color": COLORS[side],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                text=list(entry_text[sel]),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    reason = trades["exit_reason"].astype(str).to_numpy()
    for name, sel, color in (
        ("winning trade", pnl > 0, COLORS["win"]),
        ("losing trade", pnl <= 0, COLORS["loss"]),
    ):
        k = int(sel.sum())
        seg_x = np.empty(3 * k, dtype=object)
        seg_y = np.empty(3 * k, dtype=object)
        seg_x[0::3], seg_x[1::3] = entry_x[sel], exit_x[sel]
        seg_y[0::3], seg_y[1::3] = entry[sel], exit_[sel]
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
                x=list(seg_x),
                y=list(seg_y),
                mode="lines+markers",
                name=name,
                line={"color": color, "width": 1.5, "dash": "dot"},
                marker={"symbol": "arrow", "angleref": "previous", "size": size, "color": color},
                text=list(text),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for name, column, color in (
        ("trade stop", "stop", COLORS["loss"]),
        ("trade target", "target", COLORS["win"]),
    ):
        level = trades[column].to_numpy(np.float64)
        ok = np.isfinite(level)
        k = int(ok.sum())
        seg_x = np.empty(3 * k, dtype=object)
        seg_y = np.empty(3 * k, dtype=object)
        seg_x[0::3], seg_x[1::3] = entry_x[ok], exit_x[ok]
        seg_y[0::3] = seg_y[1::3] = level[ok]
        out.append(
            go.Scatter(
                x=list(seg_x),
                y=list(seg_y),
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
    bar = minutes * NS_MIN
    gap = np.flatnonzero(np.diff(t) > max(_GAP_NS, 3 * bar))
    starts = xs(t[gap] + bar)
    ends = xs(t[gap + 1])
    return [{"bounds": [str(a), str(b)]} for a, b in zip(starts, ends, strict=True)]


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
    digits = int(result.market.spec.digits)
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
        w0, w1 = (utc(v, "range") for v in fig.layout.xaxis.range)
        shown = _overlapping(trades, w0, w1)
        fig.add_traces(_trade_traces(go, shown, digits, currency(result)))
        fig.update_layout(margin={"t": 130})
        return fig

    m = result.market
    lo = 0 if start is None else int(np.searchsorted(m.time, ns([utc(start, "start")])[0]))
    hi = len(m) if end is None else int(np.searchsorted(m.time, ns([utc(end, "end")])[0], "right"))
    if hi <= lo:
        raise ValueError(
            f"no bar between start={start} and end={end}: the bars span {m.index[0]} to "
            f"{m.index[-1]}; choose a window inside that span"
        )
    t, o, h, low, c, minutes = _coarse_candles(m, lo, hi, max_candles)
    name = f"{_CANDLE_NAMES[minutes]} candles (from M1)"
    w0 = pd.Timestamp(int(t[0]), tz="UTC")
    w1 = pd.Timestamp(int(t[-1]) + minutes * NS_MIN, tz="UTC")
    shown = _overlapping(trades, w0, w1)
    candles = go.Candlestick(
        x=xs(t),
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
    fig = go.Figure(data=[candles, *_trade_traces(go, shown, digits, currency(result))])
    if title is None:
        title = (
            f"{spec.name} {name}, {w0:%Y-%m-%d} to {w1:%Y-%m-%d}: {len(shown):,} trades "
            "(arrows: long ↑ / short ↓ entries; dotted lines to the exits)"
        )
    fig.update_layout(
        **LAYOUT,
        title=title_(title),
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

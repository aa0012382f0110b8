"""A plotly chart of swings, BOS/CHoCH breaks and M1 retest setups over candles, for research.

:func:`plot` returns a ``plotly.graph_objects.Figure``: show it in JupyterLab (the figure is the
cell's value, or ``fig.show()``) or save it as one HTML file with
``fig.write_html("structure.html", include_plotlyjs=True)``. ``include_plotlyjs=True`` embeds
plotly.js (about 4.5 MB) so the file opens offline on any machine; ``"cdn"`` gives a small file
that needs the internet when opened. Plotly is imported inside :func:`plot`, so
``import mikrobot.structure`` does not load it.

Times on the chart are UTC without a zone suffix; a candle sits at its bar's **open** time
(MetaTrader's label), so an M1 event at 12:47 appears just right of the 12:45 M5 candle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from mikrobot.core.bars import aggregate_ohlc
from mikrobot.core.symbol import SymbolSpec
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure.api import setups as compute_setups
from mikrobot.structure.api import structure as compute_structure
from mikrobot.structure.inputs import bar_arrays, m5_from_m1, resolve_spec
from mikrobot.structure.params import COMPONENTS, StructureParams

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: colours of the setup statuses (markers, touch and confirmation points)
STATUS_COLORS: dict[str, str] = {
    "confirmed": "#2e7d32",
    "invalidated": "#c62828",
    "no_touch": "#757575",
    "no_confirmation": "#f9a825",
    "rejected_max_stop": "#6a1b9a",
}
KIND_COLORS: dict[str, str] = {"BOS": "#1565c0", "CHoCH": "#ef6c00"}
_KIND_DASH = {"BOS": "solid", "CHoCH": "dash"}
_SWING_STYLE = {"high": ("triangle-down", "#ad1457"), "low": ("triangle-up", "#00838f")}
_LEVEL_COLORS = {"entry": "#212121", "stop": "#c62828", "target": "#2e7d32"}
_ZONE_FILL = {"risk": "rgba(198, 40, 40, 0.14)", "reward": "rgba(46, 125, 50, 0.14)"}
#: candle timeframes tried, in minutes, when a window holds more than ``max_candles`` bars
_COARSER = (1, 5, 15, 30, 60, 240, 1440)
#: pauses in the candles longer than this are cut out of the time axis (weekends, holidays)
_GAP_NS = 3_600_000_000_000
_SETUP_COLUMNS = (
    "direction",
    "kind",
    "level",
    "break_time",
    "break_known_at",
    "touch_time",
    "confirm_time",
    "known_at",
    "entry_time",
    "entry",
    "stop",
    "target",
    "confidence",
    *COMPONENTS,
    "status",
)


def plot(
    m1: pd.DataFrame | None,
    m5: pd.DataFrame | None,
    setups: pd.DataFrame | None,
    *,
    swings: pd.DataFrame | None = None,
    breaks: pd.DataFrame | None = None,
    spec: SymbolSpec | str | None = None,
    start: Any = None,
    end: Any = None,
    title: str | None = None,
    params: StructureParams | None = None,
    candles: Literal["M5", "M1"] = "M5",
    last_days: float | None = None,
    setup_minutes: int = 30,
    max_candles: int = 5_000,
    height: int = 720,
) -> go.Figure:
    """A candlestick chart of the market structure and its retest setups.

    Args:
        m1: canonical M1 bars (needed for ``candles="M1"``, to compute missing ``setups`` and
            to place touch/confirmation markers on the M1 bars' prices; may be None otherwise).
        m5: canonical M5 bars; None builds them from ``m1`` (complete M5 bars only).
        setups: the frame of :func:`mikrobot.structure.setups`; None computes it from ``m1``,
            ``m5``, ``spec`` and ``params``; an empty frame draws no setup.
        swings, breaks: the frames of :func:`mikrobot.structure.swings` / ``breaks``; None
            computes them from ``m5`` with ``spec`` and ``params`` (give the same ``params``
            the setups were made with).
        spec: a SymbolSpec or a symbol name; default the frames' ``attrs['symbol']``. Used for
            the computations above and for price digits and pips in the hover text.
        start, end: the time window (anything ``pd.Timestamp`` reads; naive times are UTC).
            Without ``start``, the window holds the last ``last_days`` days' worth of candles
            up to ``end`` (or the data's end): ``last_days * 288`` M5 or ``* 1440`` M1 bars, so
            closed hours do not count; default 3 days of M5 candles, 1 day of M1 candles;
            ``math.inf`` shows everything.
        title: the figure title; default names the symbol, the candles and the window.
        candles: ``"M5"`` (default) or ``"M1"`` candles (for a zoomed window).
        setup_minutes: length of the entry/stop/target segments and risk/reward zones drawn
            from each setup's entry time.
        max_candles: a window with more candles is drawn with coarser candles (M15, M30, H1,
            H4 or D1 built from the chosen bars) so the figure stays fast; events keep their
            exact times.
        height: figure height in pixels.

    Returns:
        A ``plotly.graph_objects.Figure`` whose traces are, by name: the candles
        (``"M5 bars"``, ``"M1 bars"`` or e.g. ``"H1 bars (from M5)"``); ``"swing high"`` and
        ``"swing low"`` markers at the swing bar's open and level (hollow when a later swing of
        the same kind replaced it); ``"BOS"`` and ``"CHoCH"`` segments along each broken level
        from the swing bar to the break bar, with ``"BOS break"``/``"CHoCH break"`` labelled
        markers on the break bar; per setup ``"touch"`` (the touch bar's low for a buy, high
        for a sell) and ``"confirmation"`` (the confirmation bar's close) markers on M1 times,
        ``"entry"``, ``"stop"`` and ``"target"`` segments from the entry time, ``"risk"`` and
        ``"reward"`` zones, and one ``"setup: <status>"`` marker per setup at its known-at time
        and level, coloured by status, whose hover text holds the level, the times, the
        prices and the confidence with its components. Every trace is always present (empty
        when nothing falls in the window); segments are separated by ``None``.

    Raises:
        ValueError: no bars to draw, a missing frame needed for the chosen options, a setups
            frame without the columns of :func:`mikrobot.structure.setups`, or an empty window.
        DataError: bars that break the canonical frame contract (see ``bar_arrays``).
    """
    import plotly.graph_objects as go

    if candles not in ("M5", "M1"):
        raise ValueError(f"candles must be 'M5' or 'M1', got {candles!r}")
    if setup_minutes < 1:
        raise ValueError(f"setup_minutes must be >= 1, got {setup_minutes}")
    if max_candles < 10:
        raise ValueError(f"max_candles must be >= 10, got {max_candles}")
    if m5 is None:
        if m1 is None:
            raise ValueError("plot needs bars: give m1 (M5 is built from it) or m5")
        m5 = _m5_frame(m1)
    sym = _spec_or_none(spec, m1, m5, setups)
    if swings is None or breaks is None:
        if sym is None:
            resolve_spec(spec, m1, m5)  # raises the message that says how to name the symbol
        computed = compute_structure(m5, sym, params)
        swings = computed[0] if swings is None else swings
        breaks = computed[1] if breaks is None else breaks
    if setups is None:
        if m1 is None:
            raise ValueError("setups=None computes them from M1 bars: give m1 or a setups frame")
        setups = compute_setups(m1, m5, sym, params)
    _check_setups(setups)

    if candles == "M1":
        if m1 is None:
            raise ValueError("candles='M1' needs the m1 frame")
        bars, tf = m1, Timeframe.M1
    else:
        bars, tf = m5, Timeframe.M5
    bar_arrays(bars, tf, candles.lower())  # the canonical checks, with their messages
    days = last_days if last_days is not None else (3.0 if candles == "M5" else 1.0)
    w0, w1 = _window(bars.index, start, end, days, 1440 / tf.minutes)
    shown = bars.loc[(bars.index >= w0) & (bars.index <= w1)]
    if shown.empty:
        raise ValueError(
            f"no {candles} bar between {w0} and {w1}: the bars span "
            f"{bars.index[0]} to {bars.index[-1]}; choose start/end inside that span"
        )
    w_end = shown.index[-1] + pd.Timedelta(tf.nanos, "ns")
    digits = sym.digits if sym is not None else 5
    pip = sym.pip_size if sym is not None else None
    cs = _candles(shown, tf, max_candles)

    fmt = _Fmt(digits, pip)
    traces: list[Any] = [
        go.Candlestick(
            x=cs.x,
            open=cs.open,
            high=cs.high,
            low=cs.low,
            close=cs.close,
            name=cs.name,
            increasing={"line": {"color": "#26a69a", "width": 1}, "fillcolor": "#26a69a"},
            decreasing={"line": {"color": "#ef5350", "width": 1}, "fillcolor": "#ef5350"},
            whiskerwidth=0,
            opacity=0.9,
        )
    ]
    traces += _swing_traces(go, swings, w0, w_end, fmt)
    traces += _break_traces(go, breaks, w0, w_end, fmt)
    traces += _setup_traces(go, setups, m1, w0, w_end, fmt, setup_minutes)
    for trace in traces[1:]:
        if trace.x is None or len(trace.x) == 0:
            trace.showlegend = False  # nothing of that kind in the window

    symbol = sym.name if sym is not None else (m5.attrs.get("symbol") or "")
    if title is None:
        title = (
            f"{symbol} {cs.name}: swings, BOS/CHoCH and retests, "
            f"{w0:%Y-%m-%d %H:%M} to {w_end:%Y-%m-%d %H:%M} UTC"
        ).strip()
    pad = pd.Timedelta(cs.minutes, "min")
    fig = go.Figure(data=traces)
    fig.update_layout(
        title={"text": title, "x": 0.01, "y": 0.985, "yanchor": "top", "font": {"size": 15}},
        template="plotly_white",
        height=height,
        hovermode="closest",
        dragmode="zoom",
        legend={"orientation": "h", "x": 0, "y": 1.01, "yanchor": "bottom", "font": {"size": 11}},
        margin={"l": 70, "r": 20, "t": 100, "b": 50},
        uirevision="mikrobot-structure",
        xaxis={
            "title": "time (UTC, bar open)",
            "rangeslider": {"visible": False},
            "range": [_naive_one(shown.index[0] - pad), _naive_one(w_end + pad)],
            "rangebreaks": _gap_breaks(cs.x, cs.minutes),
            "showspikes": True,
            "spikemode": "across",
            "spikethickness": 1,
        },
        yaxis={"title": f"{symbol} price".strip(), "tickformat": f".{digits}f"},
    )
    return fig


@dataclass(frozen=True, slots=True)
class _Candles:
    x: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    name: str
    minutes: int


@dataclass(frozen=True, slots=True)
class _Fmt:
    """Formats prices, pip distances and times for hover text."""

    digits: int
    pip: float | None

    def price(self, value: float) -> str:
        return "n/a" if not math.isfinite(value) else f"{value:.{self.digits}f}"

    def pips(self, distance: float) -> str:
        if self.pip is None or not math.isfinite(distance):
            return ""
        return f" ({distance / self.pip:.1f} pips)"

    @staticmethod
    def time(value: Any) -> str:
        return "n/a" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"

    @staticmethod
    def num(value: float, spec: str = ".2f") -> str:
        return "n/a" if not math.isfinite(value) else format(value, spec)


def _m5_frame(m1: pd.DataFrame) -> pd.DataFrame:
    a = m5_from_m1(bar_arrays(m1, Timeframe.M1, "m1"))
    index = pd.DatetimeIndex(a.time.view("datetime64[ns]")).tz_localize("UTC").rename("time")
    frame = pd.DataFrame(
        {"open": a.open, "high": a.high, "low": a.low, "close": a.close}, index=index
    )
    frame.attrs.update(m1.attrs)
    frame.attrs["timeframe"] = "M5"
    return frame


def _spec_or_none(spec: SymbolSpec | str | None, *frames: pd.DataFrame | None) -> SymbolSpec | None:
    try:
        return resolve_spec(spec, *frames)
    except ValueError:
        if spec is not None:
            raise
        return None


def _check_setups(setups: pd.DataFrame) -> None:
    if not isinstance(setups, pd.DataFrame):
        raise ValueError(f"setups must be a DataFrame from setups(), got {type(setups).__name__}")
    if setups.empty:
        return
    missing = [c for c in _SETUP_COLUMNS if c not in setups.columns]
    if missing:
        raise ValueError(
            f"setups frame lacks columns {missing}: pass the frame returned by "
            "mikrobot.structure.setups (or None to compute it)"
        )


def _utc(value: Any, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a time: give e.g. '2024-03-04 08:00'") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _window(
    index: pd.DatetimeIndex, start: Any, end: Any, days: float, bars_per_day: float
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end]`` in UTC; without ``start``, the last ``days`` days' worth of bars."""
    if len(index) == 0:
        raise ValueError("no bars to draw: the candle frame is empty")
    w1 = index[-1].tz_convert("UTC") if end is None else _utc(end, "end")
    if start is not None:
        w0 = _utc(start, "start")
    else:
        upto = int(index.searchsorted(w1, side="right"))  # bars opening at or before w1
        want = bars_per_day * days
        w0 = index[upto - math.ceil(want)] if 0 < want < upto else index[0]
        w0 = w0.tz_convert("UTC")
    if w1 < w0:
        raise ValueError(f"end {w1} is before start {w0}: swap them")
    return w0, w1


def _naive(values: Any) -> np.ndarray:
    """UTC times as naive ``datetime64[ns]`` (plotly.js has no time zones)."""
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.as_unit("ns").to_numpy()


def _naive_one(value: pd.Timestamp) -> pd.Timestamp:
    return value.tz_convert("UTC").tz_localize(None)


def _candles(frame: pd.DataFrame, tf: Timeframe, max_candles: int) -> _Candles:
    t = np.ascontiguousarray(frame.index.tz_convert("UTC").as_unit("ns").asi8)
    cols = [np.ascontiguousarray(frame[c].to_numpy(np.float64)) for c in ("open", "high", "low")]
    o, h, lo = cols
    c = np.ascontiguousarray(frame["close"].to_numpy(np.float64))
    minutes = tf.minutes
    name = f"{tf.name} bars"
    if t.size > max_candles:
        for m in _COARSER:
            if m <= tf.minutes:
                continue
            t2, o2, h2, l2, c2, _, _ = aggregate_ohlc(t, o, h, lo, c, None, None, m)
            t, o, h, lo, c, minutes = t2, o2, h2, l2, c2, m
            if t.size <= max_candles:
                break
        name = f"{Timeframe(minutes).name} bars (from {tf.name})"
    return _Candles(t.view("datetime64[ns]"), o, h, lo, c, name, minutes)


def _gap_breaks(x: np.ndarray, minutes: int) -> list[dict[str, Any]]:
    """Rangebreaks hiding pauses longer than an hour (and three bars) between candles."""
    t = x.astype("datetime64[ns]").astype(np.int64)
    bar = minutes * 60_000_000_000
    gap = np.flatnonzero(np.diff(t) > max(_GAP_NS, 3 * bar))
    return [
        {
            "bounds": [
                f"{pd.Timestamp(int(t[i]) + bar):%Y-%m-%d %H:%M:%S}",
                f"{pd.Timestamp(int(t[i + 1])):%Y-%m-%d %H:%M:%S}",
            ]
        }
        for i in gap
    ]


def _in_window(times: pd.Series, w0: pd.Timestamp, w1: pd.Timestamp) -> np.ndarray:
    return ((times >= w0) & (times <= w1)).to_numpy(bool)


def _segments(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray | None = None
) -> tuple[list[Any], list[Any]]:
    """Line segments ``(x0, y0) -> (x1, y1)`` in one trace, separated by ``None``."""
    y1 = y0 if y1 is None else y1
    xs: list[Any] = []
    ys: list[Any] = []
    for a, b, ya, yb in zip(x0, x1, y0, y1, strict=True):
        xs += [a, b, None]
        ys += [float(ya), float(yb), None]
    return xs, ys


def _rectangles(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray
) -> tuple[list[Any], list[Any]]:
    """Closed rectangles in one ``fill="toself"`` trace, separated by ``None``."""
    xs: list[Any] = []
    ys: list[Any] = []
    for a, b, ya, yb in zip(x0, x1, y0, y1, strict=True):
        xs += [a, b, b, a, a, None]
        ys += [float(ya), float(ya), float(yb), float(yb), float(ya), None]
    return xs, ys


def _to_py(times: np.ndarray) -> list[pd.Timestamp]:
    return [pd.Timestamp(t) for t in times]


def _swing_traces(
    go: Any, swings: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp, fmt: _Fmt
) -> list[Any]:
    kind = swings["kind"].astype(str).to_numpy()
    replaced = {
        (k, int(i)) for k, i in zip(kind, swings["supersedes"].to_numpy(), strict=True) if i >= 0
    }
    keep = _in_window(swings["time"], w0, w1)
    out = []
    for name in ("high", "low"):
        rows = swings.loc[keep & (kind == name)]
        symbol, color = _SWING_STYLE[name]
        gone = [(name, int(i)) in replaced for i in rows["index"].to_numpy()]
        text = [
            f"swing {name} {fmt.price(lv)}<br>bar {fmt.time(t)}<br>known at {fmt.time(k)}"
            + ("<br>replaced by a more extreme swing" if g else "")
            for lv, t, k, g in zip(rows["level"], rows["time"], rows["known_at"], gone, strict=True)
        ]
        out.append(
            go.Scatter(
                x=_naive(rows["time"]),
                y=rows["level"].to_numpy(np.float64),
                mode="markers",
                name=f"swing {name}",
                marker={
                    "symbol": [f"{symbol}-open" if g else symbol for g in gone],
                    "color": color,
                    "size": 8,
                    "line": {"width": 1, "color": color},
                },
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return out


def _break_traces(
    go: Any, breaks: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp, fmt: _Fmt
) -> list[Any]:
    kind = breaks["kind"].astype(str).to_numpy()
    keep = _in_window(breaks["time"], w0, w1)
    lines, marks = [], []
    for name in ("BOS", "CHoCH"):
        rows = breaks.loc[keep & (kind == name)]
        color = KIND_COLORS[name]
        level = rows["level"].to_numpy(np.float64)
        direction = rows["direction"].to_numpy()
        x0, x1 = _to_py(_naive(rows["swing_time"])), _to_py(_naive(rows["time"]))
        xs, ys = _segments(np.asarray(x0, dtype=object), np.asarray(x1, dtype=object), level)
        lines.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": color, "width": 1.5, "dash": _KIND_DASH[name]},
                hoverinfo="skip",
            )
        )
        text = [
            f"{name} {'bullish' if d > 0 else 'bearish'} of {fmt.price(lv)}"
            f"<br>swing bar {fmt.time(st)}<br>break bar {fmt.time(t)} (known {fmt.time(k)})"
            f"<br>strength {fmt.num(s)} ATR, ATR {fmt.price(a)}{fmt.pips(a)}"
            for d, lv, st, t, k, s, a in zip(
                direction,
                level,
                rows["swing_time"],
                rows["time"],
                rows["known_at"],
                rows["strength"].to_numpy(np.float64),
                rows["atr"].to_numpy(np.float64),
                strict=True,
            )
        ]
        marks.append(
            go.Scatter(
                x=_naive(rows["time"]),
                y=level,
                mode="markers+text",
                name=f"{name} break",
                legendgroup=name,
                showlegend=False,
                text=[f"{name}{'↑' if d > 0 else '↓'}" for d in direction],
                textposition=["top center" if d > 0 else "bottom center" for d in direction],
                textfont={"color": color, "size": 9},
                marker={"symbol": "line-ns-open", "color": color, "size": 10},
                hovertext=text,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return lines + marks


def _setup_text(row: Any, fmt: _Fmt) -> str:
    side = "buy" if row.direction > 0 else "sell"
    risk = abs(row.entry - row.stop) if math.isfinite(row.entry) else math.nan
    comps = " · ".join(f"{c.replace('_', ' ')} {fmt.num(getattr(row, c))}" for c in COMPONENTS)
    return (
        f"<b>{row.status}</b> {side} {row.kind} of {fmt.price(row.level)}, "
        f"confidence {fmt.num(row.confidence)}"
        f"<br>break bar {fmt.time(row.break_time)}, known {fmt.time(row.break_known_at)}"
        f"<br>touch {fmt.time(row.touch_time)}, confirmation {fmt.time(row.confirm_time)}"
        f"<br>known at {fmt.time(row.known_at)}, entry bar {fmt.time(row.entry_time)}"
        f"<br>entry {fmt.price(row.entry)}, stop {fmt.price(row.stop)}{fmt.pips(risk)}, "
        f"target {fmt.price(row.target)}"
        f"<br>{comps}"
    )


def _m1_price(m1: pd.DataFrame | None, times: pd.Series, column: str) -> np.ndarray:
    """``m1[column]`` at ``times`` (NaN where the bar is absent or the time NaT)."""
    if m1 is None or times.empty:
        return np.full(len(times), np.nan)
    index = m1.index.tz_convert("UTC") if m1.index.tz is not None else m1.index
    values = pd.Series(m1[column].to_numpy(np.float64), index=index)
    return values.reindex(pd.DatetimeIndex(times)).to_numpy(np.float64)


def _setup_traces(
    go: Any,
    setups: pd.DataFrame,
    m1: pd.DataFrame | None,
    w0: pd.Timestamp,
    w1: pd.Timestamp,
    fmt: _Fmt,
    minutes: int,
) -> list[Any]:
    if setups.empty:
        rows = pd.DataFrame({c: pd.Series(dtype=float) for c in _SETUP_COLUMNS})
        rows["status"] = rows["status"].astype(str)
        for c in ("break_time", "touch_time", "confirm_time", "known_at", "entry_time"):
            rows[c] = pd.Series(dtype="datetime64[ns, UTC]")
    else:
        last = setups["entry_time"].fillna(setups["known_at"])
        rows = setups.loc[((setups["break_time"] <= w1) & (last >= w0)).to_numpy(bool)]
    status = rows["status"].astype(str).to_numpy()
    direction = rows["direction"].to_numpy(np.float64)
    level = rows["level"].to_numpy(np.float64)
    colors = np.array([STATUS_COLORS.get(s, "#000000") for s in status], dtype=object)
    texts = np.array([_setup_text(r, fmt) for r in rows.itertuples(index=False)], dtype=object)
    out: list[Any] = []

    for name, column, extreme in (
        ("touch", "touch_time", True),
        ("confirmation", "confirm_time", False),
    ):
        has = rows[column].notna().to_numpy(bool)
        times = rows.loc[has, column]
        if extreme:
            buy = direction[has] > 0
            y = np.where(buy, _m1_price(m1, times, "low"), _m1_price(m1, times, "high"))
        else:
            y = _m1_price(m1, times, "close")
        y = np.where(np.isfinite(y), y, level[has])
        out.append(
            go.Scatter(
                x=_naive(times),
                y=y,
                mode="markers",
                name=name,
                marker={
                    "symbol": "circle-open" if extreme else "diamond",
                    "size": 8 if extreme else 7,
                    "color": list(colors[has]),
                    "line": {"width": 2, "color": list(colors[has])},
                },
                text=[
                    f"{name} bar {fmt.time(t)} at {fmt.price(v)}, level {fmt.price(lv)}"
                    f"{fmt.pips(abs(v - lv))}<br>{tx}"
                    for t, v, lv, tx in zip(times, y, level[has], texts[has], strict=True)
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )

    entry = rows["entry"].to_numpy(np.float64)
    has_entry = np.isfinite(entry)
    t0 = _naive(rows.loc[has_entry, "entry_time"])
    t1 = t0 + np.timedelta64(minutes, "m")
    x0 = np.asarray(_to_py(t0), dtype=object)
    x1 = np.asarray(_to_py(t1), dtype=object)
    for name in ("entry", "stop", "target"):
        values = rows.loc[has_entry, name].to_numpy(np.float64)
        ok = np.isfinite(values)
        xs, ys = _segments(x0[ok], x1[ok], values[ok])
        seg_text = [t for tx in texts[has_entry][ok] for t in (tx, tx, None)]
        out.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=name,
                line={"color": _LEVEL_COLORS[name], "width": 2},
                text=seg_text,
                hovertemplate=f"{name} %{{y}}<br>%{{text}}<extra></extra>",
            )
        )
    e = entry[has_entry]
    for name, other in (("risk", "stop"), ("reward", "target")):
        values = rows.loc[has_entry, other].to_numpy(np.float64)
        ok = np.isfinite(values)
        xs, ys = _rectangles(x0[ok], x1[ok], e[ok], values[ok])
        out.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=_ZONE_FILL[name],
                line={"width": 0},
                name=name,
                hoverinfo="skip",
            )
        )

    for name in STATUS_COLORS:
        sel = status == name
        out.append(
            go.Scatter(
                x=_naive(rows.loc[sel, "known_at"]),
                y=level[sel],
                mode="markers",
                name=f"setup: {name}",
                marker={
                    "symbol": "star" if name == "confirmed" else "x",
                    "size": 11 if name == "confirmed" else 9,
                    "color": STATUS_COLORS[name],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                text=list(texts[sel]),
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return out

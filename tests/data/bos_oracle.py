"""A small, slow, obviously-correct reading of SPEC §1-§3, used to check planted episodes.

Written straight from the SPEC text, independently of mikrobot's own code (and of the structure
engine): plain pandas resampling, plain Python loops, one rule per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Swing:
    kind: str  # "high" or "low"
    index: int  # M5 bar position
    level: float


@dataclass(frozen=True)
class Break:
    direction: int  # +1 bullish, -1 bearish
    level: float
    swing_index: int
    index: int  # M5 bar position of the break bar


@dataclass(frozen=True)
class Setup:
    direction: int
    swing_time: pd.Timestamp
    level: float
    break_time: pd.Timestamp
    touch_time: pd.Timestamp
    confirm_time: pd.Timestamp
    entry_time: pd.Timestamp
    entry: float
    stop: float
    target: float


def to_m5(m1: pd.DataFrame) -> pd.DataFrame:
    """MetaTrader M5 bars: labelled by open time, covering [t, t + 5 min)."""
    agg = {"open": "first", "high": "max", "low": "min", "close": "last"}
    return m1[list(agg)].resample("5min", label="left", closed="left").agg(agg).dropna()


def swings(high: list[float], low: list[float], left: int, right: int) -> list[Swing]:
    """SPEC §1: swing high when strictly above the `left` bars before and >= the `right` after."""
    out = []
    for i in range(left, len(high) - right):
        before = range(i - left, i)
        after = range(i + 1, i + right + 1)
        if all(high[i] > high[j] for j in before) and all(high[i] >= high[j] for j in after):
            out.append(Swing("high", i, high[i]))
        if all(low[i] < low[j] for j in before) and all(low[i] <= low[j] for j in after):
            out.append(Swing("low", i, low[i]))
    return out


def breaks(
    m5: pd.DataFrame, left: int, right: int, threshold: float, break_on: str = "close"
) -> list[Break]:
    """SPEC §1-§2, causal: swings exist from the close of bar i + right; same-kind runs keep the
    more extreme (later on a tie); a break needs the swing known before the break bar closes."""
    high, low, close = (m5[c].tolist() for c in ("high", "low", "close"))
    by_known: dict[int, list[Swing]] = {}
    for s in swings(high, low, left, right):
        by_known.setdefault(s.index + right, []).append(s)
    alternating: list[Swing] = []  # thinned swing list, as known so far
    current: dict[str, Swing | None] = {"high": None, "low": None}
    broken: set[tuple[str, int]] = set()
    out = []
    for j in range(len(close)):
        # breaks at the close of j use swings known before j closes
        h, lo = current["high"], current["low"]
        up = close[j] if break_on == "close" else high[j]
        down = close[j] if break_on == "close" else low[j]
        if h is not None and ("high", h.index) not in broken and up > h.level + threshold:
            broken.add(("high", h.index))
            out.append(Break(+1, h.level, h.index, j))
        if lo is not None and ("low", lo.index) not in broken and down < lo.level - threshold:
            broken.add(("low", lo.index))
            out.append(Break(-1, lo.level, lo.index, j))
        # then swings that become known at the close of j
        for s in by_known.get(j, []):
            if alternating and alternating[-1].kind == s.kind:
                last = alternating[-1]
                more_extreme = s.level >= last.level if s.kind == "high" else s.level <= last.level
                if not more_extreme:
                    continue
                alternating[-1] = s
            else:
                alternating.append(s)
            current[s.kind] = s
    return out


def retest(
    m1: pd.DataFrame,
    m5: pd.DataFrame,
    brk: Break,
    *,
    pip: float,
    point: float,
    tolerance: float,
    invalidation: float,
    window_minutes: int,
    sl_buffer: float,
    min_stop: float,
    max_stop: float,
    rr: float,
) -> Setup | None:
    """SPEC §3 for one break: touch, invalidation, confirmation, entry, stop, target."""
    level = brk.level
    t_break = m5.index[brk.index]
    known = t_break + pd.Timedelta(minutes=5)
    end = known + pd.Timedelta(minutes=window_minutes)
    times = m1.index
    i = int(times.searchsorted(known))
    tol, inv = tolerance * pip, invalidation * pip
    d = brk.direction
    touch = None
    opens, highs, lows, closes, spreads = (
        m1[k].to_numpy() for k in ("open", "high", "low", "close", "spread")
    )
    while i < len(times) and times[i] < end:
        o, h, lo, c = float(opens[i]), float(highs[i]), float(lows[i]), float(closes[i])
        if touch is None and ((lo <= level + tol) if d > 0 else (h >= level - tol)):
            touch = i
        confirmed = (c > level and c > o) if d > 0 else (c < level and c < o)
        if touch is not None and confirmed:
            if i + 1 >= len(times):
                return None
            nxt = i + 1
            bid = float(opens[nxt])
            if d > 0:
                entry = bid + float(spreads[nxt]) * point
                stop = float(lows[touch : i + 1].min()) - sl_buffer * pip
                if entry - stop < min_stop * pip:
                    stop = entry - min_stop * pip
                risk = entry - stop
            else:
                entry = bid
                stop = float(highs[touch : i + 1].max()) + sl_buffer * pip
                if stop - entry < min_stop * pip:
                    stop = entry + min_stop * pip
                risk = stop - entry
            if risk > max_stop * pip:
                return None
            return Setup(
                direction=d,
                swing_time=m5.index[brk.swing_index],
                level=level,
                break_time=t_break,
                touch_time=times[touch],
                confirm_time=times[i],
                entry_time=times[nxt],
                entry=entry,
                stop=stop,
                target=entry + d * rr * risk,
            )
        if (c < level - inv) if d > 0 else (c > level + inv):
            return None
        i += 1
    return None


def find_setups(
    m1: pd.DataFrame,
    *,
    pip: float,
    point: float,
    left: int = 3,
    right: int = 3,
    threshold: float = 0.8,
    tolerance: float = 0.8,
    invalidation: float = 3.0,
    window_minutes: int = 60,
    sl_buffer: float = 0.5,
    min_stop: float = 3.0,
    max_stop: float = 30.0,
    rr: float = 2.0,
) -> list[Setup]:
    """Every confirmed BOS/CHoCH + retest setup in ``m1`` under the SPEC defaults."""
    m5 = to_m5(m1)
    found = []
    for brk in breaks(m5, left, right, threshold * pip):
        setup = retest(
            m1,
            m5,
            brk,
            pip=pip,
            point=point,
            tolerance=tolerance,
            invalidation=invalidation,
            window_minutes=window_minutes,
            sl_buffer=sl_buffer,
            min_stop=min_stop,
            max_stop=max_stop,
            rr=rr,
        )
        if setup is not None:
            found.append(setup)
    return found

"""Where planted episodes go on the M1 grid, and the table that describes them afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.errors import ConfigError
from mikrobot.core.symbol import SymbolSpec
from mikrobot.data.synthetic.calendar import NS_PER_MIN
from mikrobot.data.synthetic.episodes import M5, Script
from mikrobot.data.synthetic.params import LONDON, NEW_YORK, OVERLAP, EpisodeParams

EPISODE_COLUMNS: tuple[str, ...] = (
    "direction",
    "swing_time",
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
    "outcome",
    "window_start",
    "window_end",
)

TimeLike = str | datetime | pd.Timestamp


def _prefix(mask: np.ndarray) -> np.ndarray:
    out = np.zeros(mask.size + 1, dtype=np.int64)
    np.cumsum(mask, out=out[1:])
    return out


def _fits(
    ts: np.ndarray, closed_before: np.ndarray, length: int, active: np.ndarray | None
) -> np.ndarray:
    """Start indices where a window of ``length`` bars fits: on a 5-minute boundary, continuous
    with the bar before, no closed period inside, (and every bar active when ``active`` given)."""
    n = ts.size
    ok = np.zeros(n, dtype=bool)
    if n <= length:
        return ok
    last = n - length + 1
    starts = np.arange(1, last)
    gaps = _prefix(closed_before > 0)
    cond = (ts[starts] % (M5 * NS_PER_MIN) == 0) & (closed_before[starts] == 0)
    cond &= gaps[starts + length] - gaps[starts + 1] == 0
    if active is not None:
        act = _prefix(active)
        cond &= act[starts + length] - act[starts] == length
    ok[starts] = cond
    return ok


def place_random(
    ts: np.ndarray,
    closed_before: np.ndarray,
    codes: np.ndarray,
    lengths: Sequence[int],
    spacing: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Start indices for windows of ``lengths``, spread evenly over the span, in London/New York.

    The span is cut into ``len(lengths)`` equal slices; each window starts at a random valid
    bar of its slice (or the first valid bar after the previous window when its slice has
    none), at least ``spacing`` bars after the previous window.
    """
    count = len(lengths)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    active = np.isin(codes, (NEW_YORK, LONDON, OVERLAP))
    valid = np.flatnonzero(_fits(ts, closed_before, max(lengths), active))
    n = ts.size
    starts = np.empty(count, dtype=np.int64)
    earliest = spacing
    for k, length in enumerate(lengths):
        lo, hi = max(k * n // count, earliest), (k + 1) * n // count
        pool = valid[np.searchsorted(valid, lo) : np.searchsorted(valid, hi)]
        if pool.size == 0:
            first = np.searchsorted(valid, earliest)
            pool = valid[first : first + 1]
        if pool.size == 0:
            raise ConfigError(
                f"cannot plant {count} episodes: only {k} fit in London/New York hours of this "
                f"span ({n} bars) with {spacing} minutes between them; ask for fewer episodes, "
                "a longer span or a smaller EpisodeParams.spacing_minutes"
            )
        start = int(pool[rng.integers(0, pool.size)])
        starts[k] = start
        earliest = start + length + spacing
    return starts


def place_at(
    ts: np.ndarray,
    closed_before: np.ndarray,
    times: Sequence[TimeLike],
    lengths: Sequence[int],
) -> np.ndarray:
    """Start indices of windows beginning exactly at ``times`` (UTC; naive means UTC)."""
    starts = np.empty(len(times), dtype=np.int64)
    previous_end = 0
    for k, (when, length) in enumerate(zip(times, lengths, strict=True)):
        stamp = pd.Timestamp(when)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        value = stamp.value
        i = int(np.searchsorted(ts, value))
        if i >= ts.size or ts[i] != value:
            raise ConfigError(
                f"episode time {stamp} is not an open minute of the generated span (market "
                "closed, or outside start..end); pick a time when the market is open"
            )
        if value % (M5 * NS_PER_MIN):
            raise ConfigError(
                f"episode time {stamp} must be on a 5-minute boundary (M5 bars open there)"
            )
        if not _fits(ts, closed_before, length, None)[i]:
            raise ConfigError(
                f"episode at {stamp} needs {length} open minutes in a row after it (and an open "
                "minute just before it); it would cross a market close or the end of the span: "
                "pick an earlier time"
            )
        if i < previous_end:
            raise ConfigError(
                f"episode at {stamp} overlaps the previous one (which ends at bar "
                f"{pd.Timestamp(int(ts[previous_end - 1]), tz='UTC')}); give sorted times at "
                "least one window (about 2 hours) apart"
            )
        starts[k] = i
        previous_end = i + length
    return starts


def episode_table(
    scripts: Sequence[Script],
    starts: np.ndarray,
    ts: np.ndarray,
    prices: dict[str, np.ndarray],
    spread: np.ndarray,
    spec: SymbolSpec,
    ep: EpisodeParams,
) -> pd.DataFrame:
    """One row per planted setup, with what a SPEC-exact engine reports (see ``market``).

    ``level`` is the swing bar's M5 high (low for shorts) as found in ``prices``; ``entry`` the
    entry bar's open plus its spread for longs (its open for shorts); ``stop`` the lowest low
    (highest high) from touch to confirmation minus (plus) ``sl_buffer`` pips; ``target`` the
    entry plus (minus) ``rr`` times the risk. Floats, computed as written, not rounded.
    """
    rows = []
    pip = spec.pip_size
    minute = pd.Timedelta(minutes=1)
    for script, start in zip(scripts, starts, strict=True):
        s = int(start)
        window = slice(s, s + script.length)
        bar = slice(s + script.swing_bar * M5, s + (script.swing_bar + 1) * M5)
        hold = slice(s + script.touch, s + script.confirm + 1)
        entry_i = s + script.confirm + 1
        long = script.direction > 0
        if long:
            level = float(prices["high"][bar].max())
            entry = float(prices["open"][entry_i]) + float(spread[entry_i]) * spec.point
            stop = float(prices["low"][hold].min()) - ep.sl_buffer * pip
            risk = entry - stop
            target = entry + ep.rr * risk
        else:
            level = float(prices["low"][bar].min())
            entry = float(prices["open"][entry_i])
            stop = float(prices["high"][hold].max()) + ep.sl_buffer * pip
            risk = stop - entry
            target = entry - ep.rr * risk
        if not ep.min_stop * pip <= risk <= ep.max_stop * pip:
            raise RuntimeError(  # a bug in the episode script, never an input problem
                f"planted episode at bar {s}: stop distance {risk / pip:.2f} pips is outside "
                f"[{ep.min_stop}, {ep.max_stop}]"
            )

        def at(i: int) -> pd.Timestamp:
            return pd.Timestamp(int(ts[i]), tz="UTC")

        break_time = at(s + script.break_bar * M5)
        confirm_time = at(s + script.confirm)
        rows.append(
            {
                "direction": script.direction,
                "swing_time": at(bar.start),
                "level": level,
                "break_time": break_time,
                "break_known_at": break_time + M5 * minute,
                "touch_time": at(s + script.touch),
                "confirm_time": confirm_time,
                "known_at": confirm_time + minute,
                "entry_time": confirm_time + minute,
                "entry": entry,
                "stop": stop,
                "target": target,
                "outcome": script.outcome,
                "window_start": at(window.start),
                "window_end": at(window.stop - 1) + minute,
            }
        )
    if not rows:
        return _empty_table()
    table = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    table["direction"] = table["direction"].astype("int64")
    return table


def _empty_table() -> pd.DataFrame:
    """The episode table without rows, with the dtypes of a table with rows."""
    times = pd.DatetimeIndex([], dtype="datetime64[ns, UTC]").array
    floats = np.zeros(0, dtype=np.float64)
    columns: dict[str, Any] = {}
    for name in EPISODE_COLUMNS:
        if name == "direction":
            columns[name] = np.zeros(0, dtype=np.int64)
        elif name == "outcome":
            columns[name] = pd.array([], dtype="str")
        elif name.endswith(("time", "known_at", "start", "end")):
            columns[name] = times
        else:
            columns[name] = floats
    return pd.DataFrame(columns)

"""The M1 time grid of a synthetic market: open minutes, sessions, rollover and reopen gaps.

Every answer comes from :mod:`mikrobot.core.sessions` (DST-aware); this module only decides
*where* to ask, so that a year of minutes costs milliseconds rather than one ``zoneinfo``
lookup per UTC hour and zone:

* the helpers' answers change at most on quarter hours (session windows on whole or quarter
  local hours, the 17:00 New York rollover, zones offset by whole or quarter hours), so they are
  asked once per 15-minute block;
* between two UTC-offset changes of the zones involved (found by sampling each zone once a day
  and hourly on the days it changes), local wall-clock time is UTC plus a constant, so the
  answer for a block equals the answer one week earlier: each block is mapped to its
  representative in the first week of its constant-offset piece, and only the representatives
  are asked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from mikrobot.core.sessions import (
    DEFAULT_SESSIONS,
    SessionWindow,
    market_closed,
    minute_of_day,
    session_masks,
    utc_offset_ns,
)
from mikrobot.core.symbol import AssetClass
from mikrobot.data.synthetic.params import ASIA, LONDON, NEW_YORK, OFF, OVERLAP

NS_PER_MIN = 60_000_000_000
_NS_PER_HOUR = 60 * NS_PER_MIN
_NS_PER_DAY = 24 * _NS_PER_HOUR
_NS_PER_WEEK = 7 * _NS_PER_DAY
_NY = "America/New_York"
_ROLL_MINUTE = 17 * 60


def offset_changes(start_ns: int, end_ns: int, zone: str) -> np.ndarray:
    """UTC instants (whole hours) in ``(start_ns, end_ns]`` where ``zone`` changes its UTC offset.

    Samples the zone once per UTC day and hourly on days that change: exact unless a zone
    changes its offset twice within one day (no zone in tzdata does).
    """
    first_day = start_ns // _NS_PER_DAY * _NS_PER_DAY
    days = np.arange(first_day, end_ns + _NS_PER_DAY, _NS_PER_DAY, dtype=np.int64)
    daily = utc_offset_ns(days, zone)
    changes = []
    for d in np.flatnonzero(np.diff(daily)).tolist():
        hours = days[d] + np.arange(25, dtype=np.int64) * _NS_PER_HOUR
        hourly = utc_offset_ns(hours, zone)
        changes.append(int(hours[np.flatnonzero(hourly != hourly[0])[0]]))
    out = np.asarray(changes, dtype=np.int64)
    return out[(out > start_ns) & (out <= end_ns)]


def _pieces(ts: np.ndarray, zones: Iterable[str]) -> np.ndarray:
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(ts[0]), int(ts[-1])
    found = [offset_changes(lo, hi, zone) for zone in sorted(set(zones))]
    return np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *found]))


def periodic_eval(
    ts: np.ndarray,
    fn: Callable[[np.ndarray], np.ndarray],
    zones: Iterable[str],
    step_minutes: int = 15,
) -> np.ndarray:
    """``fn(ts)`` for sorted UTC ns ``ts``, where ``fn`` depends only on the wall-clock time of
    ``zones`` and is constant on blocks of ``step_minutes``: asked once per representative block
    (see the module docstring)."""
    ts = np.asarray(ts, dtype=np.int64)
    if ts.size == 0:
        return fn(ts)
    step = step_minutes * NS_PER_MIN
    block_id = ts // step
    first = np.empty(ts.size, dtype=bool)
    first[0] = True
    np.not_equal(block_id[1:], block_id[:-1], out=first[1:])
    owner = np.cumsum(first) - 1  # which distinct block each instant is in
    block = block_id[first] * step
    changes = _pieces(ts, zones)
    piece_start = np.concatenate([block[:1], changes])[np.searchsorted(changes, block, "right")]
    rep = (piece_start + (block - piece_start) % _NS_PER_WEEK - block[0]) // step
    present = np.zeros(int(rep.max()) + 1, dtype=bool)
    present[rep] = True
    lookup = np.cumsum(present) - 1
    values = fn(block[0] + np.flatnonzero(present).astype(np.int64) * step)
    return values[lookup[rep]][owner]


def _block_minutes(sessions: Sequence[SessionWindow]) -> int:
    step = 15
    for window in sessions:
        step = math.gcd(step, window.start_minute, window.end_minute)
    return max(step, 1)


def open_minutes(
    start_ns: int, end_ns: int, asset_class: AssetClass
) -> tuple[np.ndarray, np.ndarray]:
    """Open M1 bar times in ``[start_ns, end_ns)`` and the minutes closed before each bar.

    ``closed_before[i]`` is 0 when bar ``i`` follows bar ``i - 1`` by one minute (or is the first).
    """
    first = -(-start_ns // NS_PER_MIN) * NS_PER_MIN
    grid = np.arange(first, end_ns, NS_PER_MIN, dtype=np.int64)
    closed = periodic_eval(grid, lambda t: market_closed(t, asset_class), [_NY])
    ts = grid[~closed]
    closed_before = np.zeros(ts.size, dtype=np.int64)
    if ts.size > 1:
        closed_before[1:] = np.diff(ts) // NS_PER_MIN - 1
    return ts, closed_before


def session_codes(
    ts: np.ndarray, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
) -> np.ndarray:
    """Per instant: 0 off, 1 Asia (Sydney/Tokyo), 2 New York, 3 London, 4 London/New York overlap."""

    def codes(t: np.ndarray) -> np.ndarray:
        masks = session_masks(t, sessions)
        false = np.zeros(t.size, dtype=bool)
        london, new_york = masks.get("london", false), masks.get("new_york", false)
        asia = masks.get("tokyo", false) | masks.get("sydney", false)
        out = np.full(t.size, OFF, dtype=np.int8)
        out[asia] = ASIA
        out[new_york] = NEW_YORK
        out[london] = LONDON
        out[london & new_york] = OVERLAP
        return out

    zones = [w.zone for w in sessions]
    return periodic_eval(ts, codes, zones, _block_minutes(sessions))


def new_york_minute(ts: np.ndarray) -> np.ndarray:
    """Minute of the New York wall-clock day for each UTC instant (DST-aware)."""
    ts = np.asarray(ts, dtype=np.int64)
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    changes = offset_changes(int(ts[0]), int(ts[-1]), _NY)
    starts = np.concatenate([ts[:1], changes])
    offsets = utc_offset_ns(starts, _NY)  # constant between changes
    return minute_of_day(ts + offsets[np.searchsorted(changes, ts, "right")])


def rollover_mask(
    ts: np.ndarray, closed_before: np.ndarray, around: tuple[int, int], reopen_minutes: int
) -> np.ndarray:
    """True in the minutes ``around`` 17:00 New York and in the first minutes after a reopen."""
    minute = new_york_minute(ts)
    lo, hi = around
    mask = (minute >= _ROLL_MINUTE + lo) & (minute < _ROLL_MINUTE + hi)
    if reopen_minutes > 0 and ts.size:
        reopen = np.flatnonzero(closed_before > 0)
        if reopen.size:
            # minutes since the last reopen, for every bar
            last = np.zeros(ts.size, dtype=np.int64)
            last[reopen] = reopen
            last = np.maximum.accumulate(last)
            since = (ts - ts[last]) // NS_PER_MIN
            mask |= (since < reopen_minutes) & (last > 0)
    return mask

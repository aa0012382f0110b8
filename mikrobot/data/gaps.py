"""Find missing bars on a timeframe grid and tell closed markets from real holes.

A *gap* is a run of missing bars between two bars that exist: after a bar opening at ``t``
the next is expected at ``t + tf``. Each gap is classified by looking at every minute of the
missing bars' periods against the market calendar of :func:`mikrobot.core.sessions.market_closed`:

* ``weekend``: the gap reaches into a weekend closure (FX, metals, indices: Friday 17:00 to
  Sunday 17:00 New York), and every missing bar is closed time;
* ``market_closed``: the same, for another closure (the daily 17:00-18:00 New York break of
  metals, energy and indices);
* ``holiday``: every missing bar is closed time or on a holiday trading day (default Dec 25 and
  Jan 1; a trading day runs from 17:00 New York the evening before to 17:00 New York, like the
  server date of a ``NY+7`` MetaTrader server); crypto has no holidays;
* ``in_session``: at least one missing bar falls in trading hours: a real hole in the data.

A missing bar counts as closed time when the market is closed, or within ``tolerance_minutes``
of a closure, at every minute of its period (brokers' first quotes come a few minutes after the
open and their last a few minutes before the close), and its gap contains at least one minute of
real closure. A gap made only of tolerance minutes (a hole just after the open) is in-session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

from mikrobot.core.sessions import market_closed
from mikrobot.core.symbol import AssetClass

_NS_PER_MIN = 60_000_000_000
_NEW_YORK = ZoneInfo("America/New_York")

DEFAULT_HOLIDAYS: tuple[tuple[int, int], ...] = ((12, 25), (1, 1))

WEEKEND = "weekend"
MARKET_CLOSED = "market_closed"
HOLIDAY = "holiday"
IN_SESSION = "in_session"


class Gaps(NamedTuple):
    """Gaps as parallel arrays, one entry per gap, in time order."""

    after: np.ndarray  #: int64 index (into the times given) of the bar that ends the gap
    start: np.ndarray  #: int64 ns open time of the first missing bar
    end: np.ndarray  #: int64 ns open time of the bar after the gap (the gap is [start, end))
    missing: np.ndarray  #: int64 number of missing bars
    in_session: np.ndarray  #: int64 missing bars that fall in trading hours
    label: np.ndarray  #: object array of WEEKEND / MARKET_CLOSED / HOLIDAY / IN_SESSION


def _empty() -> Gaps:
    z = np.zeros(0, dtype=np.int64)
    return Gaps(z, z, z, z, z, np.zeros(0, dtype=object))


def find_gaps(
    times: np.ndarray,
    tf_ns: int,
    asset_class: AssetClass | str,
    *,
    tolerance_minutes: int = 10,
    holidays: Sequence[tuple[int, int]] = DEFAULT_HOLIDAYS,
) -> Gaps:
    """Gaps in ``times`` (sorted, unique int64 UTC ns bar open times) on a ``tf_ns`` grid.

    Classification as in the module docstring. Cost grows with the number of minutes inside the
    gaps (about 2,900 per weekend), not with the number of bars.
    """
    if tolerance_minutes < 0:
        raise ValueError(f"tolerance_minutes must be >= 0, got {tolerance_minutes}")
    for month, day in holidays:
        try:
            datetime(2000, int(month), int(day))
        except (TypeError, ValueError):
            raise ValueError(
                f"holidays take (month, day) pairs such as (12, 25), got {(month, day)!r}"
            ) from None
    cls = AssetClass(asset_class)
    t = np.asarray(times, dtype=np.int64)
    if t.size < 2:
        return _empty()
    tf = np.int64(tf_ns)
    step = np.diff(t)
    g = np.flatnonzero(step > tf)
    if g.size == 0:
        return _empty()
    start = t[g] + tf
    end = t[g + 1]
    missing = (step[g] - 1) // tf
    tol = int(tolerance_minutes)

    # Minute samples over each gap, padded by the tolerance on both sides.
    core_len = (end - start + _NS_PER_MIN - 1) // _NS_PER_MIN
    seg_len = core_len + 2 * tol
    seg_start = np.cumsum(seg_len) - seg_len
    gap_of = np.repeat(np.arange(g.size), seg_len)
    offset = np.arange(int(seg_len.sum()), dtype=np.int64) - seg_start[gap_of]
    samples = (start - tol * _NS_PER_MIN)[gap_of] + offset * _NS_PER_MIN
    closed = market_closed(samples, cls)
    if holidays and cls is not AssetClass.CRYPTO:
        closed_or_holiday = closed | _on_holiday(samples, holidays)
    else:
        closed_or_holiday = closed

    core = (offset >= tol) & (offset < tol + core_len[gap_of])
    core_idx = np.flatnonzero(core)
    ok_closed = _dilated(closed, core_idx, tol)
    ok_holiday = _dilated(closed_or_holiday, core_idx, tol)

    # Missing bar of each core minute; a bar is excused when all of its minutes are.
    core_gap = gap_of[core_idx]
    minute_in_gap = offset[core_idx] - tol
    tf_min = max(int(tf // _NS_PER_MIN), 1)
    bar_base = np.cumsum(missing) - missing
    bar_id = bar_base[core_gap] + np.minimum(minute_in_gap // tf_min, missing[core_gap] - 1)
    n_bars = int(missing.sum())
    bad_closed = np.bincount(bar_id, weights=~ok_closed, minlength=n_bars) > 0
    bad_holiday = np.bincount(bar_id, weights=~ok_holiday, minlength=n_bars) > 0
    unexcused_closed = np.add.reduceat(bad_closed.astype(np.int64), bar_base)
    unexcused = np.add.reduceat(bad_holiday.astype(np.int64), bar_base)

    core_start = np.cumsum(core_len) - core_len
    real_closed = closed[core_idx]
    any_closed = np.add.reduceat(real_closed.astype(np.int64), core_start) > 0
    any_closed_or_holiday = (
        np.add.reduceat(closed_or_holiday[core_idx].astype(np.int64), core_start) > 0
    )
    if cls is AssetClass.FX:
        weekend = real_closed
    elif cls is AssetClass.CRYPTO:
        weekend = np.zeros(core_idx.size, dtype=bool)
    else:
        weekend = real_closed & market_closed(samples[core_idx], AssetClass.FX)
    any_weekend = np.add.reduceat(weekend.astype(np.int64), core_start) > 0

    label = np.full(g.size, IN_SESSION, dtype=object)
    holiday_gap = (unexcused == 0) & any_closed_or_holiday
    label[holiday_gap] = HOLIDAY
    closed_gap = (unexcused_closed == 0) & any_closed
    label[closed_gap & ~any_weekend] = MARKET_CLOSED
    label[closed_gap & any_weekend] = WEEKEND
    # Without any real closure in it, a gap is a hole in trading hours from end to end.
    in_session = np.where(any_closed_or_holiday, unexcused, missing)
    in_session = np.where(label == IN_SESSION, in_session, 0).astype(np.int64)
    return Gaps(g + 1, start, end, missing.astype(np.int64), in_session, label)


def _dilated(mask: np.ndarray, at: np.ndarray, tol: int) -> np.ndarray:
    """``mask`` is True anywhere within ``tol`` samples of each position ``at``."""
    if tol == 0:
        return mask[at]
    csum = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    return csum[at + tol + 1] - csum[at - tol] > 0


def _on_holiday(samples: np.ndarray, holidays: Sequence[tuple[int, int]]) -> np.ndarray:
    """True where the trading day is one of ``(month, day)``: from 17:00 New York the evening
    before to 17:00 New York on that date."""
    if samples.size == 0:
        return np.zeros(0, dtype=bool)
    first = datetime.fromtimestamp(int(samples.min()) // 10**9, tz=UTC).year - 1
    last = datetime.fromtimestamp(int(samples.max()) // 10**9, tz=UTC).year + 1
    bounds = []
    for year in range(first, last + 1):
        for month, day in holidays:
            try:
                end = datetime(year, int(month), int(day), 17, tzinfo=_NEW_YORK)
            except ValueError:
                continue  # Feb 29 outside a leap year
            # aware arithmetic keeps the wall clock: 17:00 New York on the day before
            eve = end - timedelta(days=1)
            bounds.append((int(eve.timestamp()) * 10**9, int(end.timestamp()) * 10**9))
    if not bounds:
        return np.zeros(samples.size, dtype=bool)
    spans = np.array(sorted(bounds), dtype=np.int64)
    k = np.searchsorted(spans[:, 0], samples, side="right") - 1
    inside = k >= 0
    inside[inside] = samples[inside] < spans[k[inside], 1]
    return inside

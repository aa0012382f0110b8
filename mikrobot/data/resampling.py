"""Resample canonical bars to a longer timeframe with MetaTrader semantics.

A bar is labelled by its open time and covers ``[t, t + tf)``. Aggregation: open = first,
high = max, low = min, close = last, ``tick_volume`` = sum, ``spread`` = min (MqlRates' spread
is the bar's minimum spread). Only source bars that exist make output bars: an empty bin yields
no bar, nothing is forward-filled.

**Bin alignment.** Without ``align_tz`` bins are aligned to UTC: the bin of a bar opening at
``t`` (epoch ns) starts at ``floor(t / tf) * tf``. That is what MetaTrader shows for M1..M30 on
any whole-hour server zone, but not for H4 and D1: a MetaTrader D1 bar starts at **server
midnight** (17:00 New York on a ``"NY+7"`` server). With ``align_tz`` bins are aligned to that
zone's wall clock instead: each bar's local time is ``t + offset(t)``, bins are
``floor(local / tf) * tf`` on that clock, and a bin is labelled with the UTC instant of its local
start. ``align_tz`` takes every form :func:`mikrobot.data.timezones.resolve_zone` accepts: an
IANA zone (``"Europe/Athens"``), a shifted zone (``"NY+7"``: New York time plus 7 hours, UTC+2
in winter and UTC+3 while the US is on daylight time) or a fixed offset (``"+02:00"``). Pass the
frame's ``attrs["source_tz"]`` to rebuild the broker's own H4/D1 bars. On the rare day a
daylight-saving change falls inside a bin (FX and metals are closed then: the US and EU changes
happen on weekends), the bin follows the wall clock: a D1 bar covers 23 or 25 hours, and a
wall-clock hour repeated by a fall-back change folds into one H1 bar.

**Incomplete last bar.** The last output bar is incomplete when the source data ends before its
period does: ``last source open + source timeframe < last bin end``. ``attrs["last_bar_complete"]``
says whether the returned frame's last bar is complete; ``drop_incomplete=True`` drops it. A
source frame whose last bar is flagged incomplete (itself a resample) makes the last output bar
incomplete too, so M1 -> M5 -> M15 flags what M1 -> M15 flags; ``attrs["incomplete_bar"]`` (the
ISO time of the incomplete bar, or None) keeps a slice that dropped that bar from inheriting the
flag through pandas' attrs propagation. Every
earlier bar is complete (its period has ended), even with source bars missing inside it. The
rule looks at the clock only: data that stops at a Friday close a few minutes before the bin end
(a broker's last quote at 16:55 New York) leaves the last bar flagged incomplete.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mikrobot.core.sessions import utc_offset_ns
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.frame import bars_timeframe, check_canonical, make_bars
from mikrobot.data.nb import resample_ohlc_nb
from mikrobot.data.timezones import resolve_zone

_NS_PER_DAY = 86_400_000_000_000
_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_MIN = 60_000_000_000


def resample(
    df: pd.DataFrame,
    timeframe: Timeframe | str | int,
    *,
    drop_incomplete: bool = False,
    align_tz: str | None = None,
) -> pd.DataFrame:
    """Aggregate canonical bars ``df`` to ``timeframe`` (see the module docstring for the rules).

    Args:
        df: a canonical bar frame (:mod:`mikrobot.data.frame`) with strictly increasing times.
        timeframe: the target; a multiple of the source timeframe (``attrs["timeframe"]``, else
            inferred from the index).
        drop_incomplete: drop the last bar when its period extends past the end of the data.
        align_tz: align bins to this zone's wall clock instead of UTC (``"NY+7"`` gives
            MetaTrader server bars: D1 starts at 17:00 New York).

    Returns:
        A new canonical frame: UTC index of bin open times, the same columns as ``df``, attrs
        ``symbol``/``source_tz``/``source`` copied, ``timeframe`` set to the target,
        ``last_bar_complete`` (bool) and ``incomplete_bar`` (ISO time or None) added.

    Raises:
        ValueError: ``df`` is not canonical, its times are unsorted or repeated (sort and
            deduplicate first; :func:`mikrobot.data.validation.validate` lists where), or
            ``timeframe`` is not a multiple of the source timeframe.
        DataError: ``align_tz`` is not a zone name :func:`resolve_zone` accepts.
    """
    target = Timeframe.parse(timeframe)
    try:
        check_canonical(df)
    except ValueError as exc:
        raise ValueError(
            f"resample needs a canonical bar frame: {exc}; build one with "
            "mikrobot.data.make_bars or mikrobot.data.load_bars"
        ) from None
    source = _source_timeframe(df)
    if target.minutes % source.minutes != 0:
        raise ValueError(
            f"cannot resample {source.name} bars to {target.name}: the target must be a multiple "
            f"of the source timeframe (resampling only aggregates); choose a timeframe such as "
            f"{', '.join(tf.name for tf in Timeframe if tf.minutes % source.minutes == 0)}"
        )
    times = np.ascontiguousarray(df.index.as_unit("ns").asi8)
    _check_increasing(times)
    tf_ns = np.int64(target.nanos)

    zone = None if align_tz is None else resolve_zone(align_tz)
    if zone is None or (zone.is_fixed and zone.shift_minutes == 0):
        offsets = None
        keys = times
    else:
        offsets = _offsets_ns(times, zone.zone, zone.shift_minutes)
        keys = times + offsets

    spread = (
        np.ascontiguousarray(df["spread"].to_numpy(np.int64))
        if "spread" in df.columns
        else np.empty(0, dtype=np.int64)
    )
    start, first, o, h, lo, c, vol, spr = resample_ohlc_nb(
        keys,
        np.ascontiguousarray(df["open"].to_numpy(np.float64)),
        np.ascontiguousarray(df["high"].to_numpy(np.float64)),
        np.ascontiguousarray(df["low"].to_numpy(np.float64)),
        np.ascontiguousarray(df["close"].to_numpy(np.float64)),
        np.ascontiguousarray(df["tick_volume"].to_numpy(np.int64)),
        spread,
        tf_ns,
    )

    complete = True
    if start.size:
        if offsets is None or zone is None:
            labels = start
            last_end = int(start[-1]) + int(tf_ns)
        else:
            labels = _local_to_utc(start, offsets[first], zone.zone, zone.shift_minutes)
            last_end = int(
                _local_to_utc(start[-1:] + tf_ns, offsets[-1:], zone.zone, zone.shift_minutes)[0]
            )
        # A source whose own last bar is incomplete leaves the bar holding it incomplete too.
        complete = not _last_source_bar_incomplete(df, int(times[-1])) and (
            int(times[-1]) + source.nanos >= last_end
        )
        if drop_incomplete and not complete:
            keep = start.size - 1
            labels, o, h, lo, c, vol = (a[:keep] for a in (labels, o, h, lo, c, vol))
            spr = spr[:keep] if spr.size else spr
            complete = True
    else:
        labels = start

    out = make_bars(
        labels,
        o,
        h,
        lo,
        c,
        vol,
        spr if "spread" in df.columns else None,
        symbol=df.attrs.get("symbol"),
        timeframe=target,
        source_tz=df.attrs.get("source_tz", "UTC"),
        source=df.attrs.get("source"),
    )
    out.attrs["last_bar_complete"] = bool(complete)
    out.attrs["incomplete_bar"] = None if complete else out.index[-1].isoformat()
    return out


def _last_source_bar_incomplete(df: pd.DataFrame, last_ns: int) -> bool:
    """True when ``df``'s attrs flag its own last bar incomplete.

    pandas copies attrs onto slices, so the flag counts only while ``attrs["incomplete_bar"]``
    (when present) still names the frame's last bar.
    """
    if df.attrs.get("last_bar_complete") is not False:
        return False
    named = df.attrs.get("incomplete_bar")
    return named is None or pd.Timestamp(named).value == last_ns


def _source_timeframe(df: pd.DataFrame) -> Timeframe:
    try:
        return bars_timeframe(df)
    except ValueError as exc:
        raise ValueError(
            f"cannot tell the source timeframe ({exc}): set df.attrs['timeframe'] (e.g. 'M1')"
        ) from None


def _check_increasing(times: np.ndarray) -> None:
    if times.size < 2:
        return
    bad = np.flatnonzero(times[1:] <= times[:-1])
    if bad.size:
        pos = int(bad[0]) + 1
        what = "repeats" if times[pos] == times[pos - 1] else "goes back from"
        prev = pd.Timestamp(int(times[pos - 1]), tz="UTC")
        here = pd.Timestamp(int(times[pos]), tz="UTC")
        raise ValueError(
            f"bar times must be strictly increasing: row {pos} ({here}) {what} row {pos - 1} "
            f"({prev}); {bad.size} row(s) in all repeat or go back. Sort and deduplicate first: see "
            "mikrobot.data.validate() for every duplicate and out-of-order time"
        )


def _offsets_ns(times: np.ndarray, zone: str | None, shift_minutes: int) -> np.ndarray:
    """UTC offset (ns) of a resolved zone at each instant: the IANA zone's offset plus the shift.

    Looks the zone up once per run of same-day instants (twice: at the day's first and last
    hour) and per instant only on days where the offset changes.
    """
    shift = np.int64(shift_minutes) * _NS_PER_MIN
    if zone is None:
        return np.full(times.size, shift, dtype=np.int64)
    if times.size == 0:
        return np.zeros(0, dtype=np.int64)
    day = times // _NS_PER_DAY
    run_start = np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1])))
    run_len = np.diff(np.append(run_start, times.size))
    day_ns = day[run_start] * _NS_PER_DAY
    at_start = utc_offset_ns(day_ns, zone)
    at_end = utc_offset_ns(day_ns + (_NS_PER_DAY - _NS_PER_HOUR), zone)
    offsets = np.repeat(at_start, run_len)
    changing = at_start != at_end
    if changing.any():
        mask = np.repeat(changing, run_len)
        offsets[mask] = utc_offset_ns(times[mask], zone)
    return offsets + shift


def _local_to_utc(
    local: np.ndarray, offset_hint: np.ndarray, zone: str | None, shift_minutes: int
) -> np.ndarray:
    """UTC instants of wall-clock times ``local``, given the offset of a nearby instant.

    One fixed-point step: the offset in force at ``local - hint`` decides, which is exact unless
    ``local`` itself was skipped by a spring-forward change.
    """
    guess = local - offset_hint
    return local - _offsets_ns(guess, zone, shift_minutes)

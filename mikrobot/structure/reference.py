"""The oracle: SPEC §1-§4 in plain, obvious Python, one bar at a time.

Slow on purpose and written straight from the definitions below, which the numba kernels
(``nb.py``) and the live stream (``stream.py``) must reproduce exactly. Times are UTC epoch
nanoseconds; a bar is labelled by its open time and known at its close (open + timeframe).

Exact definitions (where the SPEC leaves room, the choice is stated here)
-------------------------------------------------------------------------
ATR (M5)
    Wilder's ATR with an SMA seed: ``TR[t] = max(high[t] - low[t], |high[t] - close[t-1]|,
    |low[t] - close[t-1]|)`` for ``t >= 1``; ``ATR[t]`` is NaN for ``t < period``,
    ``ATR[period] = (TR[1] + ... + TR[period]) / period`` (summed left to right) and
    ``ATR[t] = ATR[t-1] * a + TR[t] * b`` after that, with the floats ``a = (period - 1) /
    period`` and ``b = 1 / period`` (Wilder's smoothing written with multiplications, which
    keeps the division out of the per-bar chain). Bars are taken by position: a gap in the
    data is not a bar.

M5 bars built from M1 (when no M5 frame is given)
    MetaTrader bins (:func:`mikrobot.core.bars.aggregate_ohlc`: label ``floor(t / 5 min)``,
    first/max/min/last). An M5 bar exists once its period is over: its last minute's M1 bar
    is in the data, or an M1 bar of a later period is. A forming M5 bar is never used.

Order of work at the close of M5 bar ``j``
    1. ATR[j]; 2. breaks of bar ``j`` against the swings known before it (known at the close of
    bar ``j - 1`` or earlier: "with H already known"), the bullish one first; 3. the swings that
    become known now, at bar ``i = j - right``: the high first, then the low.

Swings (SPEC §1)
    Bar ``i`` (``i >= left``) is a raw swing high when ``high[i] > high[k]`` for the ``left``
    bars before and ``high[i] >= high[k]`` for the ``right`` bars after; lows mirror it. It is
    known at the close of bar ``i + right``. Causal thinning keeps a sequence of accepted swings:
    a raw swing whose kind differs from the last accepted swing's (or the first one) is accepted
    and appended. A raw swing of the same kind as the last accepted one (no opposite swing
    between them) is compared with it: when it is at least as extreme (``>=`` for highs, ``<=``
    for lows: the later one wins a tie) it is accepted and **supersedes** the earlier one,
    otherwise it is dropped and never reported. Nothing is ever rewritten: the superseded swing
    stays in the record as emitted, and the new one names it in ``supersedes``. Thinning looks
    at swings only, never at breaks, so a swing that was already broken still takes part: a
    later, more extreme swing of the same kind supersedes it (and becomes the new, unbroken
    level; the earlier break stands), and a later, less extreme one is dropped.

Breaks (SPEC §2)
    ``H``/``L`` are the latest accepted swing high/low. While ``H`` is not broken, bar ``j``
    breaks it bullishly when ``close[j] > H.level + threshold`` (``high[j]`` with
    ``break_on="wick"``); bearish breaks mirror it with ``L``, ``close``/``low`` and ``<``. A
    broken level stays broken; an older swing is never re-activated (when ``H`` is broken or
    superseded, only a new swing high gives a new ``H``). Kind: BOS when the direction equals the
    previous break's direction, CHoCH otherwise (so the first break is a CHoCH).
    ``strength = (close[j] - level) / ATR[j]`` (``(level - close[j]) / ATR[j]`` for bearish),
    NaN while ATR is NaN or not positive. Known at the close of bar ``j``.

Retest setups (SPEC §3), one per break with ``T`` = the break's known-at time
    A break known before the first M1 bar opens has no setup (the M1 data cannot tell).
    The window holds the M1 bars with ``T <= open < T + window``. Bullish (bearish mirrored):
    *touch* is the first bar with ``low <= level + tolerance``; from the touch bar on (the touch
    bar included), a bar with ``close < level - invalidation`` ends the setup as
    ``invalidated`` (known at that bar's close) and the first bar with ``close > level`` and
    ``close > open`` *confirms* it (known at that bar's close). When no bar of the window did
    either, the setup ends at ``T + window`` as ``no_touch`` or ``no_confirmation``, which is
    known once a bar closes at or after ``T + window`` or one opens after it; until then it is
    pending and not reported.
    *Entry* is the open of the M1 bar after the confirmation bar (the entry bar), plus its
    spread for buys (``spread`` column in points x point, else the symbol's typical spread);
    until the entry bar is in the data the setup is pending. *Stop*: the lowest low from the
    touch bar to the confirmation bar minus ``sl_buffer`` (bearish: highest high plus it);
    ``risk = entry - stop``; if ``risk > max_stop`` the setup is ``rejected_max_stop`` (entry and
    that stop are reported, target is NaN); else if ``risk < min_stop`` the stop moves to
    ``entry - min_stop`` and ``risk = entry - stop`` again; ``target = entry + rr * risk``.

Confidence (SPEC §4), for setups with a confirmation bar (confirmed or rejected_max_stop)
    * break_strength = ``min(1, max(0, strength / saturation))``, 0 when strength is NaN;
    * retest_precision = ``max(0, 1 - |touch_low - level| / tolerance)`` on the touch bar
      (bearish: its high); with ``tolerance == 0``: 1 when equal, else 0;
    * rejection = ``(close - low) / (high - low)`` of the confirmation bar (bearish
      ``(high - close) / (high - low)``);
    * structure = 1 for BOS, 0.5 for CHoCH;
    * session = ``mikrobot.core.sessions.session_score`` at the setup's known-at time;
    * speed = ``min(1, max(0, 1.5 * (window - elapsed) / window))`` with ``elapsed = known_at
      - T`` in nanoseconds: 1 up to a third of the window, 0 at its end;
    * confidence = ``(w1*c1 + ... + w6*c6) / (w1 + ... + w6)`` summed in that order.
    Other statuses report break_strength and structure, retest_precision when touched, and NaN
    for the rest and for confidence.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mikrobot.core.sessions import session_score
from mikrobot.structure import codes
from mikrobot.structure.params import Thresholds

Row = dict[str, Any]


def atr(high: Sequence[float], low: Sequence[float], close: Sequence[float], period: int) -> list:
    """Wilder ATR with an SMA seed, as defined in the module docstring (NaN before ``period``)."""
    n = len(close)
    out = [math.nan] * n
    total = 0.0
    value = math.nan
    a, b = (period - 1) / period, 1 / period
    for t in range(1, n):
        tr = max(high[t] - low[t], abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
        if t < period:
            total += tr
        elif t == period:
            total += tr
            value = total / period
            out[t] = value
        else:
            value = value * a + tr * b
            out[t] = value
    return out


def _is_swing_high(high: Sequence[float], i: int, left: int, right: int) -> bool:
    before = all(high[i] > high[k] for k in range(i - left, i))
    after = all(high[i] >= high[k] for k in range(i + 1, i + right + 1))
    return before and after


def _is_swing_low(low: Sequence[float], i: int, left: int, right: int) -> bool:
    before = all(low[i] < low[k] for k in range(i - left, i))
    after = all(low[i] <= low[k] for k in range(i + 1, i + right + 1))
    return before and after


def structure(
    high: Sequence[float], low: Sequence[float], close: Sequence[float], th: Thresholds
) -> tuple[list[Row], list[Row]]:
    """Swings and breaks of M5 bars, in the order they become known.

    Swing rows: ``index, kind (+1 high / -1 low), level, known_index, supersedes`` (-1 when
    none). Break rows: ``direction, kind (codes.BOS / codes.CHOCH), level, swing_index,
    break_index, strength, atr``. Known-at times are the closes of ``known_index`` and
    ``break_index``.
    """
    high, low, close = list(high), list(low), list(close)
    n = len(close)
    atrs = atr(high, low, close, th.atr_period)
    swings: list[Row] = []
    breaks: list[Row] = []
    last: dict[int, Row] = {}  # latest accepted swing of each kind, with its "broken" flag
    last_kind = 0
    prev_direction = 0

    def strength(direction: int, level: float, j: int) -> float:
        if math.isnan(atrs[j]) or atrs[j] <= 0:
            return math.nan
        return (close[j] - level) / atrs[j] if direction > 0 else (level - close[j]) / atrs[j]

    for j in range(n):
        # 1. breaks of bar j against swings known before its close
        for direction in (codes.BULLISH, codes.BEARISH):
            swing = last.get(direction)
            if swing is None or swing["broken"]:
                continue
            if direction > 0:
                price = close[j] if th.break_on_close else high[j]
                broken = price > swing["level"] + th.threshold
            else:
                price = close[j] if th.break_on_close else low[j]
                broken = price < swing["level"] - th.threshold
            if broken:
                swing["broken"] = True
                kind = codes.BOS if direction == prev_direction else codes.CHOCH
                prev_direction = direction
                breaks.append(
                    {
                        "direction": direction,
                        "kind": kind,
                        "level": swing["level"],
                        "swing_index": swing["index"],
                        "break_index": j,
                        "strength": strength(direction, swing["level"], j),
                        "atr": atrs[j],
                    }
                )
        # 2. swings that become known at the close of bar j
        i = j - th.right
        if i < th.left:
            continue
        found = []
        if _is_swing_high(high, i, th.left, th.right):
            found.append((codes.HIGH, high[i]))
        if _is_swing_low(low, i, th.left, th.right):
            found.append((codes.LOW, low[i]))
        for kind, level in found:
            supersedes = -1
            if last_kind == kind:
                previous = last[kind]
                more_extreme = (
                    level >= previous["level"] if kind > 0 else level <= previous["level"]
                )
                if not more_extreme:
                    continue
                supersedes = previous["index"]
            last[kind] = {"index": i, "level": level, "broken": False}
            last_kind = kind
            swings.append(
                {
                    "index": i,
                    "kind": kind,
                    "level": level,
                    "known_index": j,
                    "supersedes": supersedes,
                }
            )
    return swings, breaks


def session_at(ts_ns: int) -> float:
    """SPEC §4 session component at one instant (``session_score`` of a single time)."""
    return float(session_score(np.array([ts_ns], dtype=np.int64))[0])


def setups(
    breaks: Sequence[Row],
    break_known_at: Sequence[int],
    m1_time: Sequence[int],
    m1_open: Sequence[float],
    m1_high: Sequence[float],
    m1_low: Sequence[float],
    m1_close: Sequence[float],
    m1_spread: Sequence[float],
    th: Thresholds,
    session: Callable[[int], float] = session_at,
) -> list[Row]:
    """One row per break whose setup is decided in the data (pending and pre-M1 breaks omitted).

    ``break_known_at[b]`` is break ``b``'s known-at time; ``m1_spread`` is the spread in price
    per M1 bar. Rows: ``break_id, direction, kind, level, break_known_at, status, touch_index,
    confirm_index, entry_index`` (-1 when none), ``known_at, entry, stop, target``, the six
    components and ``confidence`` (NaN when not defined).
    """
    times = list(m1_time)
    n = len(times)
    rows: list[Row] = []
    for b, brk in enumerate(breaks):
        t_known = int(break_known_at[b])
        if n == 0 or t_known < times[0]:
            continue  # no M1 data at the start of the window: no setup
        bullish = brk["direction"] > 0
        level = brk["level"]
        end = t_known + th.window_ns
        touch = confirm = -1
        status = codes.PENDING
        known_at = -1
        k = bisect_left(times, t_known)
        while k < n and times[k] < end:
            if touch < 0:
                touched = (
                    m1_low[k] <= level + th.tolerance
                    if bullish
                    else m1_high[k] >= level - th.tolerance
                )
                if touched:
                    touch = k
            if touch >= 0:
                if bullish:
                    invalid = m1_close[k] < level - th.invalidation
                    confirmed = m1_close[k] > level and m1_close[k] > m1_open[k]
                else:
                    invalid = m1_close[k] > level + th.invalidation
                    confirmed = m1_close[k] < level and m1_close[k] < m1_open[k]
                if invalid:
                    status, known_at = codes.INVALIDATED, times[k] + codes.M1_NS
                    break
                if confirmed:
                    status, known_at, confirm = codes.CONFIRMED, times[k] + codes.M1_NS, k
                    break
            k += 1
        if status == codes.PENDING:
            window_over = k < n or times[n - 1] + codes.M1_NS >= end
            if not window_over:
                continue
            status = codes.NO_TOUCH if touch < 0 else codes.NO_CONFIRMATION
            known_at = end
        entry = stop = target = math.nan
        entry_index = -1
        if status == codes.CONFIRMED:
            entry_index = confirm + 1
            if entry_index >= n:
                continue  # the entry price is not in the data yet
            if bullish:
                entry = m1_open[entry_index] + m1_spread[entry_index]
                stop = min(m1_low[touch : confirm + 1]) - th.sl_buffer
                risk = entry - stop
            else:
                entry = m1_open[entry_index]
                stop = max(m1_high[touch : confirm + 1]) + th.sl_buffer
                risk = stop - entry
            if risk > th.max_stop:
                status = codes.REJECTED_MAX_STOP
            else:
                if risk < th.min_stop:
                    stop = entry - th.min_stop if bullish else entry + th.min_stop
                    risk = entry - stop if bullish else stop - entry
                target = entry + th.rr * risk if bullish else entry - th.rr * risk
        comp = {name: math.nan for name in ("retest_precision", "rejection", "session", "speed")}
        strength = brk["strength"]
        comp_strength = (
            0.0 if math.isnan(strength) else min(1.0, max(0.0, strength / th.saturation))
        )
        comp_structure = 1.0 if brk["kind"] == codes.BOS else 0.5
        if touch >= 0:
            extreme = m1_low[touch] if bullish else m1_high[touch]
            distance = abs(extreme - level)
            if th.tolerance > 0:
                comp["retest_precision"] = max(0.0, 1.0 - distance / th.tolerance)
            else:
                comp["retest_precision"] = 1.0 if distance == 0 else 0.0
        confidence = math.nan
        if confirm >= 0:
            h, lo, c = m1_high[confirm], m1_low[confirm], m1_close[confirm]
            comp["rejection"] = (c - lo) / (h - lo) if bullish else (h - c) / (h - lo)
            comp["session"] = session(known_at)
            elapsed = known_at - t_known
            comp["speed"] = min(1.0, max(0.0, 1.5 * (th.window_ns - elapsed) / th.window_ns))
            values = (
                comp_strength,
                comp["retest_precision"],
                comp["rejection"],
                comp_structure,
                comp["session"],
                comp["speed"],
            )
            weighted = 0.0
            total = 0.0
            for weight, value in zip(th.weights, values, strict=True):
                weighted += weight * value
                total += weight
            confidence = min(1.0, weighted / total)
        rows.append(
            {
                "break_id": b,
                "direction": brk["direction"],
                "kind": brk["kind"],
                "level": level,
                "break_known_at": t_known,
                "status": status,
                "touch_index": touch,
                "confirm_index": confirm,
                "entry_index": entry_index,
                "known_at": known_at,
                "entry": entry,
                "stop": stop,
                "target": target,
                "break_strength": comp_strength,
                "retest_precision": comp["retest_precision"],
                "rejection": comp["rejection"],
                "structure": comp_structure,
                "session": comp["session"],
                "speed": comp["speed"],
                "confidence": confidence,
            }
        )
    return rows

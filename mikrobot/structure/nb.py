"""Numba kernels for swings, breaks, retest setups and confidence (SPEC §1-§4).

The definitions are those written out in :mod:`mikrobot.structure.reference` (the oracle);
these kernels compute the same numbers in one pass each. Arrays in, arrays out, status codes
from :mod:`mikrobot.structure.codes`, no exceptions. Times are int64 UTC epoch nanoseconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mikrobot.structure.codes import (
    BOS,
    CHOCH,
    CONFIRMED,
    INVALIDATED,
    M1_NS,
    NO_CONFIRMATION,
    NO_SETUP,
    NO_TOUCH,
    PENDING,
    REJECTED_MAX_STOP,
)


@njit(cache=True)
def atr_nb(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    """Wilder ATR with an SMA seed (NaN for the first ``period`` bars), see reference.atr."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    total = 0.0
    value = np.nan
    a = (period - 1) / period
    b = 1 / period
    for t in range(1, n):
        tr = high[t] - low[t]
        x = abs(high[t] - close[t - 1])
        if x > tr:
            tr = x
        x = abs(low[t] - close[t - 1])
        if x > tr:
            tr = x
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


@njit(cache=True)
def raw_swings_nb(high: np.ndarray, low: np.ndarray, left: int, right: int) -> tuple:
    """Raw swing flags per bar (SPEC §1, before thinning): strict against the ``left`` bars
    before, non-strict against the ``right`` bars after; False where either side is missing.

    A branch-free first pass keeps the bars that beat both neighbours (about a third); only
    those are checked against the other bars (``left``, ``right`` >= 1)."""
    n = high.shape[0]
    is_high = np.zeros(n, np.bool_)
    is_low = np.zeros(n, np.bool_)
    first = left
    last = n - right  # exclusive
    if last <= first:
        return is_high, is_low
    cand_high = np.empty(last - first, np.int64)
    cand_low = np.empty(last - first, np.int64)
    nh = 0
    nl = 0
    for i in range(first, last):
        cand_high[nh] = i
        nh += (high[i] > high[i - 1]) & (high[i] >= high[i + 1])
        cand_low[nl] = i
        nl += (low[i] < low[i - 1]) & (low[i] <= low[i + 1])
    for k in range(nh):
        i = cand_high[k]
        h = high[i]
        ok = True
        for d in range(2, left + 1):
            if not h > high[i - d]:
                ok = False
                break
        if ok:
            for d in range(2, right + 1):
                if not h >= high[i + d]:
                    ok = False
                    break
        is_high[i] = ok
    for k in range(nl):
        i = cand_low[k]
        v = low[i]
        ok = True
        for d in range(2, left + 1):
            if not v < low[i - d]:
                ok = False
                break
        if ok:
            for d in range(2, right + 1):
                if not v <= low[i + d]:
                    ok = False
                    break
        is_low[i] = ok
    return is_high, is_low


@njit(cache=True)
def structure_nb(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    left: int,
    right: int,
    break_on_close: bool,
    threshold: float,
    atr_period: int,
) -> tuple:
    """Causal swings (with thinning) and BOS/CHoCH breaks of M5 bars in one pass.

    Returns ``(swing_index, swing_kind, swing_level, swing_known_index, swing_supersedes,
    break_direction, break_kind, break_level, break_swing_index, break_index, break_strength,
    break_atr)``, each trimmed to its count, in the order the events become known.
    """
    n = close.shape[0]
    is_high, is_low = raw_swings_nb(high, low, left, right)
    cap = 1
    for i in range(n):
        cap += is_high[i] + is_low[i]
    s_index = np.empty(cap, np.int64)
    s_kind = np.empty(cap, np.int8)
    s_level = np.empty(cap, np.float64)
    s_known = np.empty(cap, np.int64)
    s_sup = np.empty(cap, np.int64)
    b_dir = np.empty(cap, np.int8)
    b_kind = np.empty(cap, np.int8)
    b_level = np.empty(cap, np.float64)
    b_swing = np.empty(cap, np.int64)
    b_index = np.empty(cap, np.int64)
    b_strength = np.empty(cap, np.float64)
    b_atr = np.empty(cap, np.float64)
    ns = 0
    nb_ = 0

    hi_ok = False
    hi_idx = -1
    hi_level = 0.0
    hi_broken = False
    lo_ok = False
    lo_idx = -1
    lo_level = 0.0
    lo_broken = False
    last_kind = 0
    prev_dir = 0

    atrs = atr_nb(high, low, close, atr_period)
    for j in range(n):
        atr = atrs[j]
        # breaks of bar j, bullish first
        if hi_ok and not hi_broken:
            price = close[j] if break_on_close else high[j]
            if price > hi_level + threshold:
                hi_broken = True
                b_dir[nb_] = 1
                b_kind[nb_] = BOS if prev_dir == 1 else CHOCH
                prev_dir = 1
                b_level[nb_] = hi_level
                b_swing[nb_] = hi_idx
                b_index[nb_] = j
                b_atr[nb_] = atr
                if atr > 0:
                    b_strength[nb_] = (close[j] - hi_level) / atr
                else:
                    b_strength[nb_] = np.nan
                nb_ += 1
        if lo_ok and not lo_broken:
            price = close[j] if break_on_close else low[j]
            if price < lo_level - threshold:
                lo_broken = True
                b_dir[nb_] = -1
                b_kind[nb_] = BOS if prev_dir == -1 else CHOCH
                prev_dir = -1
                b_level[nb_] = lo_level
                b_swing[nb_] = lo_idx
                b_index[nb_] = j
                b_atr[nb_] = atr
                if atr > 0:
                    b_strength[nb_] = (lo_level - close[j]) / atr
                else:
                    b_strength[nb_] = np.nan
                nb_ += 1
        # swings known at the close of bar j: candidate i = j - right, high first
        i = j - right
        if i < left:
            continue
        if is_high[i]:
            h = high[i]
            sup = -1
            accept = True
            if last_kind == 1:
                if h >= hi_level:
                    sup = hi_idx
                else:
                    accept = False
            if accept:
                hi_ok = True
                hi_idx = i
                hi_level = h
                hi_broken = False
                last_kind = 1
                s_index[ns] = i
                s_kind[ns] = 1
                s_level[ns] = h
                s_known[ns] = j
                s_sup[ns] = sup
                ns += 1
        if is_low[i]:
            lv = low[i]
            sup = -1
            accept = True
            if last_kind == -1:
                if lv <= lo_level:
                    sup = lo_idx
                else:
                    accept = False
            if accept:
                lo_ok = True
                lo_idx = i
                lo_level = lv
                lo_broken = False
                last_kind = -1
                s_index[ns] = i
                s_kind[ns] = -1
                s_level[ns] = lv
                s_known[ns] = j
                s_sup[ns] = sup
                ns += 1
    return (
        s_index[:ns],
        s_kind[:ns],
        s_level[:ns],
        s_known[:ns],
        s_sup[:ns],
        b_dir[:nb_],
        b_kind[:nb_],
        b_level[:nb_],
        b_swing[:nb_],
        b_index[:nb_],
        b_strength[:nb_],
        b_atr[:nb_],
    )


@njit(cache=True)
def setups_nb(
    direction: np.ndarray,
    level: np.ndarray,
    known_at: np.ndarray,
    time: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    spread: np.ndarray,
    point: float,
    default_spread: float,
    window_ns: int,
    tolerance: float,
    invalidation: float,
    sl_buffer: float,
    min_stop: float,
    max_stop: float,
    rr: float,
) -> tuple:
    """The M1 retest of each break (breaks sorted by ``known_at``), see reference.setups.

    ``spread`` is per M1 bar in points (times ``point`` gives price), or empty to use
    ``default_spread`` (price). Returns per break ``(status, touch_index,
    confirm_index, entry_index, setup_known_at, entry, stop, target, retest_precision,
    rejection, speed)``; status ``NO_SETUP`` for a break known before the first M1 bar and
    ``PENDING`` when the data end before the outcome or the entry price.
    """
    m = direction.shape[0]
    n = time.shape[0]
    status = np.full(m, PENDING, np.int8)
    touch_i = np.full(m, -1, np.int64)
    confirm_i = np.full(m, -1, np.int64)
    entry_i = np.full(m, -1, np.int64)
    s_known = np.full(m, -1, np.int64)
    entry = np.full(m, np.nan)
    stop = np.full(m, np.nan)
    target = np.full(m, np.nan)
    precision = np.full(m, np.nan)
    rejection = np.full(m, np.nan)
    speed = np.full(m, np.nan)
    last_close = time[n - 1] + M1_NS if n > 0 else 0
    p = 0
    for b in range(m):
        t0 = known_at[b]
        if n == 0 or t0 < time[0]:
            status[b] = NO_SETUP
            continue
        while p < n and time[p] < t0:
            p += 1
        end = t0 + window_ns
        lv = level[b]
        bull = direction[b] > 0
        touch = -1
        k = p
        st = PENDING
        while k < n and time[k] < end:
            c = close[k]
            if touch < 0:
                if bull:
                    if low[k] <= lv + tolerance:
                        touch = k
                elif high[k] >= lv - tolerance:
                    touch = k
            if touch >= 0:
                if bull:
                    if c < lv - invalidation:
                        st = INVALIDATED
                    elif c > lv and c > open_[k]:
                        st = CONFIRMED
                elif c > lv + invalidation:
                    st = INVALIDATED
                elif c < lv and c < open_[k]:
                    st = CONFIRMED
                if st != PENDING:
                    break
            k += 1
        if touch >= 0:
            touch_i[b] = touch
            d = abs(low[touch] - lv) if bull else abs(high[touch] - lv)
            if tolerance > 0:
                precision[b] = max(0.0, 1.0 - d / tolerance)
            else:
                precision[b] = 1.0 if d == 0 else 0.0
        if st == PENDING:
            if k < n or last_close >= end:
                status[b] = NO_TOUCH if touch < 0 else NO_CONFIRMATION
                s_known[b] = end
            continue
        s_known[b] = time[k] + M1_NS
        if st == INVALIDATED:
            status[b] = INVALIDATED
            continue
        # confirmed at bar k: entry at the next bar's open
        confirm_i[b] = k
        e = k + 1
        if e >= n:
            status[b] = PENDING
            continue
        h = high[k]
        lo = low[k]
        if bull:
            rejection[b] = (close[k] - lo) / (h - lo)
        else:
            rejection[b] = (h - close[k]) / (h - lo)
        elapsed = s_known[b] - t0
        speed[b] = min(1.0, max(0.0, 1.5 * (window_ns - elapsed) / window_ns))
        entry_i[b] = e
        if bull:
            px = open_[e] + (spread[e] * point if spread.shape[0] > 0 else default_spread)
            extreme = low[touch]
            for q in range(touch + 1, k + 1):
                if low[q] < extreme:
                    extreme = low[q]
            sl = extreme - sl_buffer
            risk = px - sl
        else:
            px = open_[e]
            extreme = high[touch]
            for q in range(touch + 1, k + 1):
                if high[q] > extreme:
                    extreme = high[q]
            sl = extreme + sl_buffer
            risk = sl - px
        entry[b] = px
        if risk > max_stop:
            status[b] = REJECTED_MAX_STOP
            stop[b] = sl
            continue
        if risk < min_stop:
            if bull:
                sl = px - min_stop
                risk = px - sl
            else:
                sl = px + min_stop
                risk = sl - px
        status[b] = CONFIRMED
        stop[b] = sl
        target[b] = px + rr * risk if bull else px - rr * risk
    return (
        status,
        touch_i,
        confirm_i,
        entry_i,
        s_known,
        entry,
        stop,
        target,
        precision,
        rejection,
        speed,
    )


@njit(cache=True)
def confidence_nb(
    strength: np.ndarray,
    kind: np.ndarray,
    precision: np.ndarray,
    rejection: np.ndarray,
    session: np.ndarray,
    speed: np.ndarray,
    saturation: float,
    weights: np.ndarray,
) -> tuple:
    """SPEC §4: ``(break_strength, structure, confidence)`` components per setup.

    ``confidence`` is the weighted mean (weights in ``COMPONENTS`` order, divided by their sum)
    where ``rejection`` is defined (the setup has a confirmation bar), NaN elsewhere.
    """
    m = strength.shape[0]
    c_strength = np.empty(m)
    c_structure = np.empty(m)
    confidence = np.full(m, np.nan)
    total = 0.0
    for w in range(weights.shape[0]):
        total += weights[w]
    for b in range(m):
        s = strength[b]
        if np.isnan(s):
            c_strength[b] = 0.0
        else:
            c_strength[b] = min(1.0, max(0.0, s / saturation))
        c_structure[b] = 1.0 if kind[b] == BOS else 0.5
        if np.isnan(rejection[b]):
            continue
        acc = 0.0
        acc += weights[0] * c_strength[b]
        acc += weights[1] * precision[b]
        acc += weights[2] * rejection[b]
        acc += weights[3] * c_structure[b]
        acc += weights[4] * session[b]
        acc += weights[5] * speed[b]
        confidence[b] = min(1.0, acc / total)
    return c_strength, c_structure, confidence


@njit(cache=True)
def check_bars_nb(
    time: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    spread: np.ndarray,
    min_step: int,
) -> tuple:
    """First problem in bar arrays, as ``(code, position)``; ``(0, -1)`` when there is none.

    Codes: 1 the bar opens less than ``min_step`` ns after the previous one (unsorted,
    duplicate or finer than the timeframe); 2, 3, 4, 5 a non-finite open, high, low, close;
    6 a spread (points; empty array when there is none) that is negative or not finite.
    """
    n = time.shape[0]
    has_spread = spread.shape[0] > 0
    # one branch-free pass over everything (vectorised); the slow search only on failure
    bad = False
    for k in range(1, n):
        bad |= time[k] - time[k - 1] < min_step
    for k in range(n):
        x = open_[k] + high[k] + low[k] + close[k]
        bad |= x - x != 0.0  # NaN or inf in any of the four (the search below decides)
    if has_spread:
        for k in range(n):
            bad |= not spread[k] >= 0.0
            bad |= spread[k] - spread[k] != 0.0
    if not bad:
        return 0, -1
    for k in range(n):
        if k > 0 and time[k] - time[k - 1] < min_step:
            return 1, k
        if not np.isfinite(open_[k]):
            return 2, k
        if not np.isfinite(high[k]):
            return 3, k
        if not np.isfinite(low[k]):
            return 4, k
        if not np.isfinite(close[k]):
            return 5, k
        if has_spread and not (spread[k] >= 0.0 and np.isfinite(spread[k])):
            return 6, k
    return 0, -1

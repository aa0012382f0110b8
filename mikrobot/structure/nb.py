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


@njit(cache=True, inline="always")
def _true_range(high: float, low: float, prev_close: float) -> float:
    tr = high - low
    x = abs(high - prev_close)
    if x > tr:
        tr = x
    x = abs(low - prev_close)
    if x > tr:
        tr = x
    return tr


@njit(cache=True)
def swing_candidates_nb(high: np.ndarray, low: np.ndarray, left: int, right: int) -> tuple:
    """Raw swing bars (SPEC §1, before thinning): ``(high_index, low_index)``.

    ``high_index`` holds, in increasing order, the bars strictly above the ``left`` bars before
    and not below the ``right`` bars after (none where either side is missing), then ``n`` as
    an end marker; ``low_index`` likewise for lows (``left``, ``right`` >= 1).

    One branch-free pass over all bars keeps those that beat both neighbours (about a third);
    each further distance ``d`` then drops candidates in a branch-free pass over the
    survivors. Indices are slice offsets or unsigned so numba skips its negative-index
    handling.
    """
    n = high.shape[0]
    first = left
    last = n - right  # candidate bars: first <= t < last
    size = last - first if last > first else 0
    cand_high = np.empty(size + 1, np.int64)
    cand_low = np.empty(size + 1, np.int64)
    nh = 0
    nl = 0
    if size > 0:
        h0, h1, h2 = high[first - 1 : last - 1], high[first:last], high[first + 1 : last + 1]
        l0, l1, l2 = low[first - 1 : last - 1], low[first:last], low[first + 1 : last + 1]
        for u in range(size):
            cand_high[nh] = first + u
            nh += (h1[u] > h0[u]) & (h1[u] >= h2[u])
            cand_low[nl] = first + u
            nl += (l1[u] < l0[u]) & (l1[u] <= l2[u])
    for d in range(2, max(left, right) + 1):
        ud = np.uint64(d)
        check_left = d <= left
        check_right = d <= right
        m = 0
        for k in range(nh):
            i = np.uint64(cand_high[k])
            ok = True
            if check_left:
                ok = high[i] > high[i - ud]
            if check_right:
                ok &= high[i] >= high[i + ud]
            cand_high[m] = i
            m += ok
        nh = m
        m = 0
        for k in range(nl):
            i = np.uint64(cand_low[k])
            ok = True
            if check_left:
                ok = low[i] < low[i - ud]
            if check_right:
                ok &= low[i] <= low[i + ud]
            cand_low[m] = i
            m += ok
        nl = m
    cand_high[nh] = n
    cand_low[nl] = n
    return cand_high[: nh + 1], cand_low[: nl + 1]


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
    """Causal swings (with thinning) and BOS/CHoCH breaks of M5 bars.

    Returns ``(swing_index, swing_kind, swing_level, swing_known_index, swing_supersedes,
    break_direction, break_kind, break_level, break_swing_index, break_index, break_strength,
    break_atr)``, each trimmed to its count, in the order the events become known.

    The raw swings come from :func:`swing_candidates_nb`; the scan then goes from one raw
    swing to the next (in the order they become known, a high before a low on the same bar):
    the levels cannot change in between, so the bars up to the swing's known bar are only
    tested against the two break triggers (+inf/-inf when there is no unbroken swing). On a
    bar a bullish break comes before a bearish one, and both before the swings known at its
    close. The scan visits every bar once, in order, and runs the ATR recursion of
    :func:`atr_nb` as it goes (the same operations, so the same values).
    """
    n = close.shape[0]
    cand_high, cand_low = swing_candidates_nb(high, low, left, right)
    p = atr_period
    a = (p - 1) / p
    b = 1 / p
    seed = np.full(min(p + 1, n), np.nan)  # the ATR of bars 0 .. p (the SMA seed at p)
    total = 0.0
    for t in range(1, min(p + 1, n)):
        total += _true_range(high[t], low[t], close[t - 1])
    value = total / p
    if p < n:
        seed[p] = value
    nh = cand_high.shape[0] - 1
    nl = cand_low.shape[0] - 1
    cap = nh + nl
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
    up = close if break_on_close else high
    down = close if break_on_close else low
    ns = 0
    nb_ = 0
    hi_idx = -1
    hi_level = 0.0
    hi_trigger = np.inf  # a bullish break needs up > hi_trigger
    lo_idx = -1
    lo_level = 0.0
    lo_trigger = -np.inf
    last_kind = 0
    prev_dir = 0
    ph = 0
    pl = 0
    j = 0  # first bar not tested for breaks yet
    one = np.uint64(1)
    for _ in range(cap + 1):
        ih = cand_high[ph]
        il = cand_low[pl]
        is_high = ih <= il
        i = ih if is_high else il
        end = i + right + 1 if i < n else n  # test bars j .. end - 1
        for k in range(j, end):
            uk = np.uint64(k)
            if k > p:
                value = value * a + _true_range(high[uk], low[uk], close[uk - one]) * b
            bull = up[uk] > hi_trigger
            bear = down[uk] < lo_trigger
            if bull | bear:
                atr = value if k > p else seed[uk]
                if bull:
                    b_dir[nb_] = 1
                    b_kind[nb_] = BOS if prev_dir == 1 else CHOCH
                    prev_dir = 1
                    b_level[nb_] = hi_level
                    b_swing[nb_] = hi_idx
                    b_index[nb_] = k
                    b_atr[nb_] = atr
                    b_strength[nb_] = (close[uk] - hi_level) / atr if atr > 0 else np.nan
                    nb_ += 1
                    hi_trigger = np.inf
                if bear:
                    b_dir[nb_] = -1
                    b_kind[nb_] = BOS if prev_dir == -1 else CHOCH
                    prev_dir = -1
                    b_level[nb_] = lo_level
                    b_swing[nb_] = lo_idx
                    b_index[nb_] = k
                    b_atr[nb_] = atr
                    b_strength[nb_] = (lo_level - close[uk]) / atr if atr > 0 else np.nan
                    nb_ += 1
                    lo_trigger = -np.inf
        if i >= n:
            break
        j = end
        ph += is_high
        pl += not is_high
        # thinning: a swing of the same kind as the last accepted one must be more extreme
        same = last_kind == (1 if is_high else -1)
        if is_high:
            level = high[i]
            accept = not same or level >= hi_level
            sup = hi_idx if same else -1
        else:
            level = low[i]
            accept = not same or level <= lo_level
            sup = lo_idx if same else -1
        s_index[ns] = i
        s_kind[ns] = 1 if is_high else -1
        s_level[ns] = level
        s_known[ns] = end - 1
        s_sup[ns] = sup
        ns += accept
        if accept:
            if is_high:
                last_kind = 1
                hi_idx = i
                hi_level = level
                hi_trigger = level + threshold
            else:
                last_kind = -1
                lo_idx = i
                lo_level = level
                lo_trigger = level - threshold
    return (
        s_index[:ns],
        s_kind[:ns],
        s_level[:ns],
        s_known[:ns],
        s_sup[:ns],
        b_dir[:nb_].copy(),  # break arrays: compact copies (there are fewer breaks than swings)
        b_kind[:nb_].copy(),
        b_level[:nb_].copy(),
        b_swing[:nb_].copy(),
        b_index[:nb_].copy(),
        b_strength[:nb_].copy(),
        b_atr[:nb_].copy(),
    )


@njit(cache=True)
def event_times_nb(
    time: np.ndarray,
    swing_index: np.ndarray,
    swing_known_index: np.ndarray,
    break_index: np.ndarray,
    break_swing_index: np.ndarray,
    step: int,
) -> np.ndarray:
    """The time columns of the swing and break frames in one int64 array (epoch ns).

    With ``s`` swings and ``b`` breaks: ``[time[swing_index] (s), time[swing_known_index] +
    step (s), time[break_index] (b), time[break_index] + step (b), time[break_swing_index]
    (b)]``; ``step`` is the bar length, so ``+ step`` gives a bar's close.
    """
    ns = swing_index.shape[0]
    nb_ = break_index.shape[0]
    out = np.empty(2 * ns + 3 * nb_, np.int64)
    for k in range(ns):
        out[k] = time[swing_index[k]]
        out[ns + k] = time[swing_known_index[k]] + step
    o = 2 * ns
    for k in range(nb_):
        t = time[break_index[k]]
        out[o + k] = t
        out[o + nb_ + k] = t + step
        out[o + 2 * nb_ + k] = time[break_swing_index[k]]
    return out


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
def aggregate_nb(
    time: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    step: int,
) -> tuple:
    """:func:`mikrobot.core.bars.aggregate_ohlc` without volume and spread, in two passes, for
    bars with strictly increasing times (``step`` ns per output bar).

    Returns ``(label, open, high, low, close)``: a bin ``[label, label + step)`` with
    ``label = floor(t / step) * step`` for every run of bars in one bin; first open, highest
    high, lowest low (NaN if any is NaN), last close. The label is computed once per bin: a
    bar stays in its bin while ``t < end``.
    """
    n = time.shape[0]
    m = 0
    end = 0
    for i in range(n):
        if m == 0 or time[i] >= end:
            end = (time[i] // step) * step + step
            m += 1
    label = np.empty(m, np.int64)
    out_open = np.empty(m)
    out_high = np.empty(m)
    out_low = np.empty(m)
    out_close = np.empty(m)
    i = 0
    for k in range(m):
        start = (time[i] // step) * step
        end = start + step
        h = high[i]
        lo = low[i]
        label[k] = start
        out_open[k] = open_[i]
        j = i + 1
        while j < n and time[j] < end:
            # as numpy's maximum/minimum here: NaN sticks, and a tie takes the later value
            if not h > high[j] and h == h:
                h = high[j]
            if not lo < low[j] and lo == lo:
                lo = low[j]
            j += 1
        out_high[k] = h
        out_low[k] = lo
        out_close[k] = close[j - 1]
        i = j
    return label, out_open, out_high, out_low, out_close


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

"""Numba kernels of the smartmoneyconcepts-compatible preset (see ``smc.py``).

They reproduce ``smartmoneyconcepts`` 0.0.27 ``swing_highs_lows`` and ``bos_choch`` exactly,
in O(n) (swings) and O(n log n) worst case (breaks) instead of the package's quadratic loops.
Arrays in, arrays out; no exceptions; ``cache=True``.

Swing rule of the package (``L = swing_length``): bar ``i`` is a swing high when
``high[i] == max(high[i-L+1 .. i+L])``, a swing low when (not a high and)
``low[i] == min(low[i-L+1 .. i+L])``; the rolling window of ``2L`` values on the series shifted
by ``-L`` only exists for ``2L-1 <= i <= n-1-L`` and is void when any value in it is NaN.
"""

from __future__ import annotations

import numba as nb
import numpy as np

# The first break is searched by a linear scan over this many bars before falling back to a
# segment-tree descent (most levels break within a few bars; the tree bounds the worst case).
_SCAN = 32


@nb.njit(cache=True)
def _no_greater_in_window_nb(x: np.ndarray, sign: float, length: int, out: np.ndarray) -> None:
    """``out[i]`` = True when no value in ``x[i-L+1 .. i+L]`` beats ``x[i]`` and none is NaN.

    "Beats" is ``>`` for ``sign = 1`` (highs) and ``<`` for ``sign = -1`` (lows). Only
    ``2L-1 <= i <= n-1-L`` can be True (the package's rolling window starts there). Two
    monotonic-stack passes find, for each bar, the nearest bar on each side that beats it or
    is NaN; O(n).
    """
    n = x.shape[0]
    stack = np.empty(n, dtype=np.int64)
    prev = np.empty(n, dtype=np.int64)
    top = 0
    for i in range(n):
        v = sign * x[i]
        # pop everything that does not beat v (NaN never pops and never gets popped)
        while top > 0 and sign * x[stack[top - 1]] <= v:
            top -= 1
        prev[i] = stack[top - 1] if top > 0 else -1
        stack[top] = i
        top += 1
    top = 0
    for i in range(n - 1, -1, -1):
        v = sign * x[i]
        while top > 0 and sign * x[stack[top - 1]] <= v:
            top -= 1
        nxt = stack[top - 1] if top > 0 else n
        stack[top] = i
        top += 1
        out[i] = (
            i >= 2 * length - 1
            and i <= n - 1 - length
            and not np.isnan(x[i])
            and prev[i] < i - length + 1
            and nxt > i + length
        )


@nb.njit(cache=True)
def smc_swings_nb(high: np.ndarray, low: np.ndarray, length: int) -> np.ndarray:
    """``HighLow`` of ``smc.swing_highs_lows(swing_length=length)``: 1.0, -1.0 or NaN per bar.

    Candidates (a bar that is both counts as a high) are thinned per run of same-kind
    candidates to the highest high / lowest low, the earliest one on a tie: exactly what the
    package's repeated pairwise removal converges to, since the earliest extreme of a run is
    never removed and every run shrinks until one survives. Then bar 0 gets the kind opposite
    to the first survivor and bar ``n-1`` the kind opposite to the last one.
    """
    n = high.shape[0]
    out = np.full(n, np.nan)
    if length < 1 or n == 0:
        return out
    is_high = np.empty(n, dtype=np.bool_)
    is_low = np.empty(n, dtype=np.bool_)
    _no_greater_in_window_nb(high, 1.0, length, is_high)
    _no_greater_in_window_nb(low, -1.0, length, is_low)
    run_kind = 0
    best = -1
    first = -1
    last = -1
    for i in range(n):
        kind = 1 if is_high[i] else (-1 if is_low[i] else 0)
        if kind == 0:
            continue
        if kind == run_kind:
            if (kind == 1 and high[i] > high[best]) or (kind == -1 and low[i] < low[best]):
                best = i
            continue
        if best >= 0:
            out[best] = run_kind
            if first < 0:
                first = best
            last = best
        run_kind = kind
        best = i
    if best >= 0:
        out[best] = run_kind
        if first < 0:
            first = best
        last = best
    if first >= 0:
        # first >= 2L-1 >= 1 and last <= n-1-L <= n-2: bars 0 and n-1 are never survivors
        out[0] = -out[first]
        out[n - 1] = -out[last]
    return out


@nb.njit(cache=True)
def smc_swing_levels_nb(high: np.ndarray, low: np.ndarray, highlow: np.ndarray) -> np.ndarray:
    """``Level`` of ``swing_highs_lows``: the high of a swing high, the low of any other swing."""
    n = highlow.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        h = highlow[i]
        if not np.isnan(h):
            out[i] = high[i] if h == 1.0 else low[i]
    return out


@nb.njit(cache=True)
def _build_tree_nb(x: np.ndarray, sign: float) -> np.ndarray:
    """Segment tree of ``max(sign * x)`` over a power-of-two leaf layer (NaN leaves as -inf)."""
    n = x.shape[0]
    size = 1
    while size < n:
        size *= 2
    tree = np.full(2 * size, -np.inf)
    for i in range(n):
        v = sign * x[i]
        if not np.isnan(v):
            tree[size + i] = v
    for k in range(size - 1, 0, -1):
        a = tree[2 * k]
        b = tree[2 * k + 1]
        tree[k] = a if a >= b else b
    return tree


@nb.njit(cache=True)
def _first_above_nb(tree: np.ndarray, start: int, n: int, threshold: float) -> int:
    """First index ``>= start`` whose leaf is ``> threshold``, or -1. O(log n)."""
    if start >= n:
        return -1
    size = tree.shape[0] // 2
    k = start + size
    while tree[k] <= threshold:
        # step to the next node to the right at the same or a higher level
        while k & 1:
            k >>= 1
        if k == 0:
            return -1
        k += 1
    while k < size:
        k *= 2
        if tree[k] <= threshold:
            k += 1
    j = k - size
    return j if j < n else -1


@nb.njit(cache=True)
def _first_break_nb(
    x: np.ndarray, sign: float, start: int, level: float, tree: np.ndarray, has_tree: bool
) -> int:
    """First ``j >= start`` with ``sign * x[j] > sign * level`` (linear scan, then the tree)."""
    n = x.shape[0]
    stop = min(n, start + _SCAN)
    t = sign * level
    for j in range(start, stop):
        if sign * x[j] > t:
            return j
    if stop >= n or not has_tree:
        return -1
    return _first_above_nb(tree, stop, n, t)


@nb.njit(cache=True)
def smc_bos_choch_nb(
    highlow: np.ndarray, level: np.ndarray, up: np.ndarray, down: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(BOS, CHOCH, Level, BrokenIndex)`` of ``smc.bos_choch`` for one swing frame.

    ``highlow``/``level`` are the ``HighLow``/``Level`` columns (positional, any kinds: the
    patterns are checked, alternation is not assumed); ``up``/``down`` are the series a bullish /
    bearish level is broken by (``close``/``close`` or ``high``/``low``).

    For each run of four consecutive swings s1..s4 the event is written on the row of s2:
    L,H,L,H with ``l1 < l3 < l2 < l4`` is a bullish BOS, ``l4 > l2 > l1 > l3`` a bullish CHoCH;
    H,L,H,L mirrored gives the bearish ones. The level is s2's, rounded to float32, and the
    break is judged against that float32 value: the first bar from ``s2 + 2`` on beyond it,
    strictly. An event is erased (flags and level; its BrokenIndex stays) when a later event
    breaks at the same bar or earlier, and dropped entirely when never broken. Outputs are
    float64 with NaN for "none", except Level, which is float32 (NaN for none or for 0.0).
    """
    n = up.shape[0]
    m = highlow.shape[0]
    bos = np.zeros(n, dtype=np.int64)
    choch = np.zeros(n, dtype=np.int64)
    lvl = np.zeros(n, dtype=np.float32)
    broken = np.zeros(n, dtype=np.int64)
    events = np.empty(n, dtype=np.int64)
    n_events = 0

    # the last four swings: kinds, levels, rows
    k1 = k2 = k3 = 0.0
    v1 = v2 = v3 = 0.0
    p2 = p3 = -1
    seen = 0
    for i in range(m):
        k4 = highlow[i]
        if np.isnan(k4):
            continue
        v4 = level[i]
        if seen >= 3:
            bull = k1 == -1.0 and k2 == 1.0 and k3 == -1.0 and k4 == 1.0
            bear = k1 == 1.0 and k2 == -1.0 and k3 == 1.0 and k4 == -1.0
            flag_b = 0
            flag_c = 0
            if bull and v1 < v3 and v3 < v2 and v2 < v4:
                flag_b = 1
            elif bear and v1 > v3 and v3 > v2 and v2 > v4:
                flag_b = -1
            if bull and v4 > v2 and v2 > v1 and v1 > v3:
                flag_c = 1
            elif bear and v4 < v2 and v2 < v1 and v1 < v3:
                flag_c = -1
            if (flag_b != 0 or flag_c != 0) and p2 < n:
                bos[p2] = flag_b
                choch[p2] = flag_c
                lvl[p2] = np.float32(v2)
                events[n_events] = p2
                n_events += 1
        k1, k2, k3 = k2, k3, k4
        v1, v2, v3 = v2, v3, v4
        p2, p3 = p3, i
        seen += 1

    # first break of each event, against its float32 level
    tree_up = np.empty(0)
    tree_down = np.empty(0)
    has_up = False
    has_down = False
    for e in range(n_events):
        p = events[e]
        target = np.float64(lvl[p])
        if bos[p] == 1 or choch[p] == 1:
            if not has_up and p + 2 + _SCAN < n:
                tree_up = _build_tree_nb(up, 1.0)
                has_up = True
            j = _first_break_nb(up, 1.0, p + 2, target, tree_up, has_up)
        else:
            if not has_down and p + 2 + _SCAN < n:
                tree_down = _build_tree_nb(down, -1.0)
                has_down = True
            j = _first_break_nb(down, -1.0, p + 2, target, tree_down, has_down)
        if j >= 0:
            broken[p] = j

    # erase events a later event breaks no later than; drop the never-broken ones
    earliest_later = np.iinfo(np.int64).max
    for e in range(n_events - 1, -1, -1):
        p = events[e]
        j = broken[p]
        if j == 0 or earliest_later <= j:
            bos[p] = 0
            choch[p] = 0
            lvl[p] = 0.0
        if j != 0 and j < earliest_later:
            earliest_later = j

    bos_out = np.full(n, np.nan)
    choch_out = np.full(n, np.nan)
    lvl_out = np.full(n, np.float32(np.nan), dtype=np.float32)
    broken_out = np.full(n, np.nan)
    for e in range(n_events):
        p = events[e]
        if bos[p] != 0:
            bos_out[p] = bos[p]
        if choch[p] != 0:
            choch_out[p] = choch[p]
        if lvl[p] != 0.0:
            lvl_out[p] = lvl[p]
        if broken[p] != 0:
            broken_out[p] = broken[p]
    return bos_out, choch_out, lvl_out, broken_out


@nb.njit(cache=True)
def smc_known_index_nb(
    highlow: np.ndarray, bos: np.ndarray, choch: np.ndarray, broken: np.ndarray, length: int
) -> np.ndarray:
    """Earliest bar whose close could reveal each reported event: ``max(break, s3 + L)``.

    s3 is the swing after the event's row (s2); it is confirmed only ``L`` bars after it.
    NaN on rows without a BOS or CHOCH flag.
    """
    n = bos.shape[0]
    out = np.full(n, np.nan)
    next_swing = -1
    for i in range(n - 1, -1, -1):
        if (not np.isnan(bos[i]) or not np.isnan(choch[i])) and next_swing >= 0:
            known = next_swing + length
            b = broken[i]
            if not np.isnan(b) and b > known:
                known = b
            out[i] = known
        if i < highlow.shape[0] and not np.isnan(highlow[i]):
            next_swing = i
    return out

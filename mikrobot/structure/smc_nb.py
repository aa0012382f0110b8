"""Numba kernels of the smartmoneyconcepts-compatible preset (see ``smc.py``).

They reproduce ``smartmoneyconcepts`` 0.0.27 ``swing_highs_lows`` and ``bos_choch`` exactly,
in O(n) (swings) and O(n log n) at worst (breaks) instead of the package's quadratic loops.
Arrays in, arrays out; no exceptions; ``cache=True``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

# Breaks are searched bar by bar to the end of a block of _BLOCK bars, then by descending a
# segment tree of block extremes to the first block that holds a break (O(log n) a query).
_BLOCK = 32


@nb.njit(cache=True)
def _has_missing_nb(x: np.ndarray, y: np.ndarray) -> bool:
    """True when ``x`` or ``y`` holds a NaN or an infinity (both missing to pandas' rolling)."""
    for i in range(x.shape[0]):  # noqa: SIM110 (numba compiles loops, not any(generator))
        if not (np.isfinite(x[i]) and np.isfinite(y[i])):
            return True
    return False


@nb.njit(cache=True)
def smc_swings_nb(high: np.ndarray, low: np.ndarray, length: int) -> np.ndarray:
    """``HighLow`` and ``Level`` of ``smc.swing_highs_lows(swing_length=length)``, shape (2, n).

    Row 0, ``HighLow``: 1.0 (swing high), -1.0 (swing low) or NaN per bar; row 1, ``Level``:
    the swing's high or low, NaN elsewhere.

    Candidates: bar ``i`` whose high (low) is the max (min) of the bars ``i-L+1 .. i+L``, ties
    included, a bar that is both counting as a high. This is the package's
    ``high == high.shift(-L).rolling(2L).max()``: the window exists only for
    ``2L-1 <= i <= n-1-L`` and is void when it holds a NaN or an infinity (pandas' rolling
    aggregations count both as missing). Window extremes come from
    van Herk / Gil-Werman blocks of ``2L`` bars (a suffix extreme of one block and a running
    prefix extreme of the next), O(n) with two small buffers.

    Candidates are thinned per run of same-kind candidates to the highest high / lowest low,
    the earliest one on a tie: what the package's repeated pairwise removal converges to, since
    the earliest extreme of a run is never removed and every run shrinks until one survives.
    Then bar 0 gets the kind opposite to the first survivor and bar ``n-1`` the kind opposite
    to the last one.
    """
    n = high.shape[0]
    both = np.full((2, n), np.nan)
    out = both[0]
    lvl = both[1]
    w = 2 * length
    if length < 1 or n < 3 * length:  # no window fits: no swing at all
        return both
    any_missing = _has_missing_nb(high, low)
    missing_h = 0  # missing highs (lows) in the current window, counted only when there are any
    missing_l = 0
    if any_missing:
        for j in range(length, length + w - 1):
            missing_h += not np.isfinite(high[j])
            missing_l += not np.isfinite(low[j])
    suf_h = np.empty(w)
    suf_l = np.empty(w)
    run_kind = 0  # kind of the current run of candidates, its extreme bar, first/last survivor
    best = -1
    first = -1
    last = -1
    last_start = n - w  # windows [a, a + w - 1] start at a = L .. n - w; candidate i = a + L - 1
    for s in range(length, last_start + 1, w):
        # branch-free max/min (twice as fast as `if`s here). A NaN or infinity may distort an
        # extreme, but only the extremes of windows that hold it, and those are void anyway.
        mh = -np.inf
        ml = np.inf
        for r in range(w - 1, -1, -1):
            mh = max(mh, high[s + r])
            ml = min(ml, low[s + r])
            suf_h[r] = mh
            suf_l[r] = ml
        mh = -np.inf  # running extremes of the next block's first r bars
        ml = np.inf
        for r in range(w):
            a = s + r
            if a > last_start:
                break
            b = a + w - 1
            if any_missing:
                missing_h += not np.isfinite(high[b])
                missing_l += not np.isfinite(low[b])
            i = a + length - 1
            kind = 0
            if high[i] == max(suf_h[r], mh) and missing_h == 0:
                kind = 1
            elif low[i] == min(suf_l[r], ml) and missing_l == 0:
                kind = -1
            if any_missing:
                missing_h -= not np.isfinite(high[a])
                missing_l -= not np.isfinite(low[a])
            if b + 1 < n:
                mh = max(mh, high[b + 1])
                ml = min(ml, low[b + 1])
            if kind == 0:
                continue
            if kind == run_kind:
                if (kind == 1 and high[i] > high[best]) or (kind == -1 and low[i] < low[best]):
                    best = i
                continue
            if best >= 0:
                out[best] = run_kind
                lvl[best] = high[best] if run_kind == 1 else low[best]
                if first < 0:
                    first = best
                last = best
            run_kind = kind
            best = i
    if best >= 0:
        out[best] = run_kind
        lvl[best] = high[best] if run_kind == 1 else low[best]
        if first < 0:
            first = best
        last = best
    if first >= 0:
        # first >= 2L-1 >= 1 and last <= n-1-L <= n-2: bars 0 and n-1 are never survivors
        out[0] = -out[first]
        out[n - 1] = -out[last]
        lvl[0] = high[0] if out[0] == 1.0 else low[0]
        lvl[n - 1] = high[n - 1] if out[n - 1] == 1.0 else low[n - 1]
    return both


@nb.njit(cache=True)
def _block_trees_nb(up: np.ndarray, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segment trees of per-block (``_BLOCK`` bars) ``max(up)`` and ``max(-down)``.

    Power-of-two leaves; NaN values and padding leaves count as -inf (they never break).
    """
    n = up.shape[0]
    blocks = (n + _BLOCK - 1) // _BLOCK
    size = 1
    while size < blocks:
        size *= 2
    tree_up = np.full(2 * size, -np.inf)
    tree_down = np.full(2 * size, -np.inf)
    for b in range(blocks):
        mu = -np.inf
        md = -np.inf
        for i in range(b * _BLOCK, min(n, b * _BLOCK + _BLOCK)):
            if up[i] > mu:
                mu = up[i]
            if -down[i] > md:
                md = -down[i]
        tree_up[size + b] = mu
        tree_down[size + b] = md
    for k in range(size - 1, 0, -1):
        tree_up[k] = max(tree_up[2 * k], tree_up[2 * k + 1])
        tree_down[k] = max(tree_down[2 * k], tree_down[2 * k + 1])
    return tree_up, tree_down


@nb.njit(cache=True)
def _first_leaf_above_nb(tree: np.ndarray, start: int, threshold: float) -> int:
    """First leaf index ``>= start`` whose value is ``> threshold``, or -1. O(log n)."""
    size = tree.shape[0] // 2
    if start >= size:
        return -1
    k = start + size
    while not tree[k] > threshold:
        while k & 1:  # a right child: climb until the node has a right sibling
            k >>= 1
        if k == 0:
            return -1
        k += 1
    while k < size:
        k *= 2
        if not tree[k] > threshold:
            k += 1
    return k - size


@nb.njit(cache=True)
def _first_break_nb(x: np.ndarray, sign: float, start: int, level: float, tree: np.ndarray) -> int:
    """First ``j >= start`` with ``sign * x[j] > sign * level`` (NaN never breaks), or -1."""
    n = x.shape[0]
    t = sign * level
    if start >= n or t != t:
        return -1
    stop = min(n, (start // _BLOCK + 1) * _BLOCK)
    for j in range(start, stop):
        if sign * x[j] > t:
            return j
    if stop >= n:
        return -1
    block = _first_leaf_above_nb(tree, stop // _BLOCK, t)
    if block < 0:
        return -1
    for j in range(block * _BLOCK, min(n, block * _BLOCK + _BLOCK)):
        if sign * x[j] > t:
            return j
    return -1


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
    break is judged against that float32 value: the first bar from ``s2 + 2`` on strictly
    beyond it. An event is erased (flags and level; its BrokenIndex stays) when a later event
    breaks at the same bar or earlier, and dropped entirely when never broken. Outputs are
    float64 with NaN for "none", except Level, which is float32 (NaN for none or for 0.0).
    """
    n = up.shape[0]
    m = min(highlow.shape[0], n)
    swings = np.empty(m, dtype=np.int64)  # rows holding a swing, in order
    n_swings = 0
    for i in range(m):
        swings[n_swings] = i
        n_swings += not np.isnan(highlow[i])
    # per event: row (s2), direction (+1 bullish / -1 bearish), is-CHoCH, float32 level, break
    rows = np.empty(n_swings, dtype=np.int64)
    sides = np.empty(n_swings, dtype=np.int64)
    is_choch = np.empty(n_swings, dtype=np.bool_)
    levels = np.empty(n_swings, dtype=np.float32)
    broken = np.zeros(n_swings, dtype=np.int64)
    n_events = 0
    for e in range(3, n_swings):  # swings s1..s4 = e-3..e: kinds k, levels v
        k1 = highlow[swings[e - 3]]
        k2 = highlow[swings[e - 2]]
        k3 = highlow[swings[e - 1]]
        k4 = highlow[swings[e]]
        bull = k1 == -1.0 and k2 == 1.0 and k3 == -1.0 and k4 == 1.0
        bear = k1 == 1.0 and k2 == -1.0 and k3 == 1.0 and k4 == -1.0
        if not (bull or bear):
            continue
        v1 = level[swings[e - 3]]
        v2 = level[swings[e - 2]]
        v3 = level[swings[e - 1]]
        v4 = level[swings[e]]
        side = 0
        choch = False
        if bull and v1 < v3 and v3 < v2 and v2 < v4:
            side = 1
        elif bear and v1 > v3 and v3 > v2 and v2 > v4:
            side = -1
        elif bull and v4 > v2 and v2 > v1 and v1 > v3:
            side = 1
            choch = True
        elif bear and v4 < v2 and v2 < v1 and v1 < v3:
            side = -1
            choch = True
        if side != 0:
            rows[n_events] = swings[e - 2]
            sides[n_events] = side
            is_choch[n_events] = choch
            levels[n_events] = np.float32(v2)
            n_events += 1

    # first break of each event, judged against its float32 level
    tree_up, tree_down = _block_trees_nb(up, down)
    for e in range(n_events):
        target = np.float64(levels[e])
        if sides[e] == 1:
            j = _first_break_nb(up, 1.0, rows[e] + 2, target, tree_up)
        else:
            j = _first_break_nb(down, -1.0, rows[e] + 2, target, tree_down)
        broken[e] = j if j > 0 else 0

    bos_out = np.full(n, np.nan)
    choch_out = np.full(n, np.nan)
    lvl_out = np.full(n, np.nan, dtype=np.float32)
    broken_out = np.full(n, np.nan)
    # an event survives when broken and no later event breaks at the same bar or earlier
    earliest_later = np.iinfo(np.int64).max
    for e in range(n_events - 1, -1, -1):
        j = broken[e]
        if j == 0:
            continue
        p = rows[e]
        broken_out[p] = j
        if j < earliest_later:
            if is_choch[e]:
                choch_out[p] = sides[e]
            else:
                bos_out[p] = sides[e]
            if levels[e] != 0.0:
                lvl_out[p] = levels[e]
            earliest_later = j
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

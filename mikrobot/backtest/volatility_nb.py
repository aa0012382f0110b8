"""Kernels of the volatility context (:mod:`mikrobot.backtest.context`): M1 to M5 high, low
and close in one pass, and the sliding ATR percentile."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def m5_hlc_nb(
    time: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, tf: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bin labels, highs, lows and closes of ``tf``-ns bins of bars opening at ``time``
    (sorted): the values of ``mikrobot.core.bars.aggregate_ohlc`` (high = ``np.maximum`` fold
    in bar order, so a NaN high makes the bin's high NaN; low likewise; close = the last)."""
    n = time.shape[0]
    label = np.empty(n, np.int64)
    h = np.empty(n)
    lo = np.empty(n)
    c = np.empty(n)
    k = -1
    edge = 0  # the end of bin k (times are sorted: a bar at or past it opens a new bin)
    hk = lk = 0.0  # bin k's high and low so far
    for i in range(n):
        t = time[i]
        if k < 0 or t >= edge:
            if k >= 0:
                h[k] = hk
                lo[k] = lk
                c[k] = close[i - 1]
            k += 1
            label[k] = (t // tf) * tf
            edge = label[k] + tf
            hk = high[i]
            lk = low[i]
        else:
            x = high[i]
            if (x > hk or x != x) and hk == hk:  # np.maximum: a NaN wins
                hk = x
            x = low[i]
            if (x < lk or x != x) and lk == lk:
                lk = x
    if k >= 0:
        h[k] = hk
        lo[k] = lk
        c[k] = close[n - 1]
    return label[: k + 1], h[: k + 1], lo[: k + 1], c[: k + 1]


@njit(cache=True)
def percentiles_nb(
    close_ns: np.ndarray, rank: np.ndarray, ts: np.ndarray, window: int, n_ranks: int
) -> np.ndarray:
    """For each instant in ``ts`` (sorted), the percentile of the ATR of the last M5 bar closed
    by then among the ``window`` bars before it (NaN when either is missing).

    ``rank`` numbers the distinct finite ATR values 1.. in increasing order (0: not finite).
    The counts over a window ``[lo, cur)`` are differences of counts over the prefixes
    ``[0, lo)`` and ``[0, cur)``; both ends only move forward, so one sweep adds every bar
    once to a Fenwick tree of ranks and reads it at each end (O(log n) per bar and answer).
    """
    q = ts.shape[0]
    out = np.full(q, np.nan)
    ends = np.empty(2 * q, np.int64)  # ends[2k] = lo of answer k, ends[2k + 1] = cur
    live = np.zeros(q, np.bool_)
    m = 0
    for k in range(q):
        while m < close_ns.shape[0] and close_ns[m] <= ts[k]:
            m += 1
        cur = m - 1
        if cur >= 1 and rank[cur] != 0:
            live[k] = True
            ends[2 * k] = cur - window if cur > window else 0
            ends[2 * k + 1] = cur
    below = np.zeros(2 * q, np.int64)  # per end: count of ranks < rank[cur], <= it, finite
    at_most = np.zeros(2 * q, np.int64)
    finite = np.zeros(2 * q, np.int64)
    tree = np.zeros(n_ranks + 1, np.int32)
    inside = 0
    p = 0  # bars [0, p) are in the tree
    lo_i, hi_i = 0, 1  # the next lo end and the next cur end (indices into ends, step 2)
    while True:
        while lo_i < 2 * q and not live[lo_i // 2]:
            lo_i += 2
        while hi_i < 2 * q and not live[hi_i // 2]:
            hi_i += 2
        if lo_i >= 2 * q and hi_i >= 2 * q:
            break
        if hi_i >= 2 * q or (lo_i < 2 * q and ends[lo_i] <= ends[hi_i]):
            e = lo_i
            lo_i += 2
        else:
            e = hi_i
            hi_i += 2
        target = ends[e]
        while p < target:
            r = rank[p]
            if r > 0:
                inside += 1
                while r <= n_ranks:
                    tree[r] += 1
                    r += r & -r
            p += 1
        r = rank[ends[e | 1]]  # the answer's current ATR
        total = 0
        j = r
        while j > 0:
            total += tree[j]
            j -= j & -j
        at_most[e] = total
        total = 0
        j = r - 1
        while j > 0:
            total += tree[j]
            j -= j & -j
        below[e] = total
        finite[e] = inside
    for k in range(q):
        if not live[k]:
            continue
        count = finite[2 * k + 1] - finite[2 * k]
        if count == 0:
            continue
        b = below[2 * k + 1] - below[2 * k]
        a = at_most[2 * k + 1] - at_most[2 * k]
        out[k] = 100.0 * (b + 0.5 * (a - b)) / count
    return out

"""Numba kernels for bar resampling and validation.

Kernels take arrays and scalars, return arrays, never raise, and are cached on disk
(``cache=True``); the pandas-facing wrappers live in :mod:`mikrobot.data.resampling` and
:mod:`mikrobot.data.validation`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def bin_count_nb(keys: np.ndarray, tf: np.int64) -> np.int64:
    """Number of runs of ``keys`` (int64 ns) that stay inside one ``[floor(k/tf)*tf, +tf)`` bin.

    A new run starts whenever a key leaves the current bin, forwards or backwards, so keys that
    are sorted give one run per distinct bin.
    """
    n = keys.size
    count = np.int64(0)
    lo = np.int64(0)
    hi = np.int64(0)
    for i in range(n):
        k = keys[i]
        if i == 0 or k >= hi or k < lo:
            lo = (k // tf) * tf
            hi = lo + tf
            count += 1
    return count


@njit(cache=True)
def resample_ohlc_nb(
    keys: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    spread: np.ndarray,
    tf: np.int64,
) -> tuple[np.ndarray, ...]:
    """Aggregate bars into ``tf`` bins of ``keys`` (int64 ns, the bars' open times on the bin clock).

    Bins are runs as in :func:`bin_count_nb`. Returns ``(bin_start, first, open, high, low, close,
    volume, spread)``: ``bin_start`` on the same clock as ``keys``, ``first`` the index of each
    bin's first source bar, open = first, high = max, low = min, close = last, volume = sum,
    spread = min. ``spread`` may be empty (no spread column); the spread output is then empty.
    A NaN high or low anywhere in a bin makes that bin's high or low NaN (nothing is hidden).
    """
    n = keys.size
    m = bin_count_nb(keys, tf)
    has_spread = spread.size == n and n > 0
    out_start = np.empty(m, dtype=np.int64)
    out_first = np.empty(m, dtype=np.int64)
    out_open = np.empty(m, dtype=np.float64)
    out_high = np.empty(m, dtype=np.float64)
    out_low = np.empty(m, dtype=np.float64)
    out_close = np.empty(m, dtype=np.float64)
    out_volume = np.empty(m, dtype=np.int64)
    out_spread = np.empty(m if has_spread else 0, dtype=np.int64)
    k = 0
    i = 0
    while i < n:
        lo = (keys[i] // tf) * tf
        hi = lo + tf
        hh = high[i]
        ll = low[i]
        vv = volume[i]
        ss = spread[i] if has_spread else 0
        j = i + 1
        while j < n and keys[j] >= lo and keys[j] < hi:
            if high[j] > hh or high[j] != high[j]:  # NaN sticks
                hh = high[j]
            if low[j] < ll or low[j] != low[j]:
                ll = low[j]
            vv += volume[j]
            if has_spread and spread[j] < ss:
                ss = spread[j]
            j += 1
        out_start[k] = lo
        out_first[k] = i
        out_open[k] = open_[i]
        out_high[k] = hh
        out_low[k] = ll
        out_close[k] = close[j - 1]
        out_volume[k] = vv
        if has_spread:
            out_spread[k] = ss
        k += 1
        i = j
    return out_start, out_first, out_open, out_high, out_low, out_close, out_volume, out_spread


@njit(cache=True)
def centred_median_at_nb(x: np.ndarray, at: np.ndarray, window: int) -> np.ndarray:
    """Median of ``x`` over ``window`` values centred on each index in ``at``.

    Index ``i`` uses ``x[i - window//2 : i + window//2 + 1]``, truncated at both ends (an even
    ``window`` is rounded up to the next odd number). ``x`` must not contain NaN. Costs
    O(window log window) per index, so callers ask only where the answer can matter.
    """
    n = x.size
    half = max(window // 2, 0)
    out = np.empty(at.size, dtype=np.float64)
    for k in range(at.size):
        i = at[k]
        lo = max(i - half, 0)
        hi = min(i + half + 1, n)
        out[k] = np.median(x[lo:hi])
    return out


#: bits of :func:`price_flags_nb`
FLAG_NONFINITE = 1
FLAG_NON_POSITIVE = 2
FLAG_HIGH_BELOW_BODY = 4
FLAG_LOW_ABOVE_BODY = 8
FLAG_HIGH_BELOW_LOW = 16


@njit(cache=True)
def price_flags_nb(
    open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray
) -> np.ndarray:
    """One uint8 of flags per bar: a NaN/inf price, a price <= 0, and (only for bars whose four
    prices are finite and positive) high < max(open, close), low > min(open, close), high < low.
    """
    n = open_.size
    out = np.zeros(n, dtype=np.uint8)
    for i in range(n):
        o = open_[i]
        h = high[i]
        lo = low[i]
        c = close[i]
        flags = 0
        if not (np.isfinite(o) and np.isfinite(h) and np.isfinite(lo) and np.isfinite(c)):
            flags |= FLAG_NONFINITE
        if o <= 0.0 or h <= 0.0 or lo <= 0.0 or c <= 0.0:
            flags |= FLAG_NON_POSITIVE
        if flags == 0:
            if h < max(o, c):
                flags |= FLAG_HIGH_BELOW_BODY
            if lo > min(o, c):
                flags |= FLAG_LOW_ABOVE_BODY
            if h < lo:
                flags |= FLAG_HIGH_BELOW_LOW
        out[i] = flags
    return out


@njit(cache=True)
def bar_moves_nb(
    times: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, tf: np.int64
) -> tuple[np.ndarray, np.ndarray]:
    """``(move, own)`` per bar: ``own`` = high - low; ``move`` = the true range (high and low
    stretched to the previous close) when the previous bar opened exactly ``tf`` earlier, else
    ``own``. Bars are sorted by time with sound prices."""
    n = times.size
    move = np.empty(n, dtype=np.float64)
    own = np.empty(n, dtype=np.float64)
    for i in range(n):
        h = high[i]
        lo = low[i]
        own[i] = h - lo
        if i > 0 and times[i] - times[i - 1] == tf:
            pc = close[i - 1]
            move[i] = max(h, pc) - min(lo, pc)
        else:
            move[i] = h - lo
    return move, own

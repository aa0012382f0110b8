"""Market facts the strategic evaluation needs at each signal, precomputed for a backtest.

The volatility regime (SPEC §5): the percentile of the current M5 ATR within the last
``lookback_days`` of M5 ATRs. M5 bars come from the M1 bars (MetaTrader semantics, as
``mikrobot.core.bars.aggregate_ohlc`` builds them: a bin ``[floor(t / 5 min) × 5 min, + 5 min)``
per M1 open time ``t``, first open, highest high, lowest low, last close; empty bins are not
invented), the ATR is Wilder's with an SMA seed (the structure engine's definition,
``mikrobot.structure.nb.atr_nb``), and the rank is
:func:`mikrobot.strategy.context.atr_percentile`'s: ``100 × (count(h < current) + ½
count(h == current)) / count(h)`` over the finite ATRs of the window.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mikrobot.backtest.engine import Market

NS_PER_MIN = 60_000_000_000
M5_PER_DAY = 288


@njit(cache=True)
def m5_nb(
    time: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(label_ns, high, low, close)`` of the M5 bars made of M1 bars (times increasing)."""
    n = time.shape[0]
    tf = 5 * NS_PER_MIN
    label = np.empty(n, np.int64)
    hi = np.empty(n, np.float64)
    lo = np.empty(n, np.float64)
    cl = np.empty(n, np.float64)
    k = -1
    for i in range(n):
        b = time[i] - time[i] % tf
        if k < 0 or b != label[k]:
            k += 1
            label[k] = b
            hi[k] = high[i]
            lo[k] = low[i]
        else:
            hi[k] = max(hi[k], high[i])
            lo[k] = min(lo[k], low[i])
        cl[k] = close[i]
    return label[: k + 1], hi[: k + 1], lo[: k + 1], cl[: k + 1]


@njit(cache=True)
def atr_nb(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int) -> np.ndarray:
    """Wilder ATR seeded with the mean of the first ``period`` true ranges (bars 1..period),
    NaN before; true range = max(high − low, |high − previous close|, |low − previous close|)."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    total = 0.0
    value = np.nan
    a = (period - 1) / period
    b = 1 / period
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


@njit(cache=True)
def percentiles_nb(
    close_ns: np.ndarray, rank: np.ndarray, ts: np.ndarray, window: int, n_ranks: int
) -> np.ndarray:
    """For each instant in ``ts`` (sorted), the percentile of the ATR of the last M5 bar closed
    by then among the ``window`` bars before it (NaN when either is missing).

    ``rank`` numbers the distinct finite ATR values 1.. in increasing order (0: not finite); a
    Fenwick tree counts the window's ranks as it slides, so each answer costs O(log n)."""
    out = np.full(ts.shape[0], np.nan)
    tree = np.zeros(n_ranks + 1, np.int64)
    inside = 0  # finite values in the window
    lo = 0  # window = bars [lo, hi)
    hi = 0
    m = 0
    for k in range(ts.shape[0]):
        while m < close_ns.shape[0] and close_ns[m] <= ts[k]:
            m += 1
        cur = m - 1
        if cur < 1 or rank[cur] == 0:
            continue
        while hi < cur:
            r = rank[hi]
            if r > 0:
                inside += 1
                while r <= n_ranks:
                    tree[r] += 1
                    r += r & -r
            hi += 1
        while lo < cur - window:
            r = rank[lo]
            if r > 0:
                inside -= 1
                while r <= n_ranks:
                    tree[r] -= 1
                    r += r & -r
            lo += 1
        if inside == 0:
            continue
        r = rank[cur]
        at_most = 0
        j = r
        while j > 0:
            at_most += tree[j]
            j -= j & -j
        below = 0
        j = r - 1
        while j > 0:
            below += tree[j]
            j -= j & -j
        out[k] = 100.0 * (below + 0.5 * (at_most - below)) / inside
    return out


def atr_percentiles(
    market: Market, ts: np.ndarray, *, period: int = 14, lookback_days: int = 20
) -> np.ndarray:
    """The M5 ATR(``period``) percentile over the last ``lookback_days`` × 288 M5 bars at each
    instant of ``ts`` (UTC epoch ns, sorted ascending), using only M5 bars closed by then."""
    label, high, low, close = m5_nb(market.time, market.high, market.low, market.close)
    atr = atr_nb(high, low, close, period)
    finite = np.isfinite(atr)
    values, inverse = np.unique(atr[finite], return_inverse=True)
    rank = np.zeros(atr.shape[0], np.int64)
    rank[finite] = inverse + 1
    stamps = np.ascontiguousarray(ts, dtype=np.int64)
    return percentiles_nb(
        label + 5 * NS_PER_MIN, rank, stamps, lookback_days * M5_PER_DAY, values.shape[0]
    )

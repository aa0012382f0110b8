"""Market facts the strategic evaluation needs at each signal, precomputed for a backtest.

The volatility regime (SPEC §5): the percentile of the current M5 ATR within the last
``lookback_days`` of M5 ATRs. M5 bars come from the M1 bars through
``mikrobot.core.bars.aggregate_ohlc`` (MetaTrader semantics, no invented bins), the ATR is the
structure engine's (``mikrobot.structure.nb.atr_nb``: Wilder with an SMA seed), and the rank is
:func:`mikrobot.strategy.context.atr_percentile`'s: ``100 × (count(h < current) + ½
count(h == current)) / count(h)`` over the finite ATRs of the window.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mikrobot.backtest.engine import Market
from mikrobot.core.bars import aggregate_ohlc
from mikrobot.structure.nb import atr_nb

NS_PER_MIN = 60_000_000_000
M5_PER_DAY = 288


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
    label, _, high, low, close, _, _ = aggregate_ohlc(
        market.time, market.open, market.high, market.low, market.close, None, None, 5
    )
    atr = atr_nb(high, low, close, period)
    finite = np.isfinite(atr)
    values, inverse = np.unique(atr[finite], return_inverse=True)
    rank = np.zeros(atr.shape[0], np.int64)
    rank[finite] = inverse + 1
    stamps = np.ascontiguousarray(ts, dtype=np.int64)
    return percentiles_nb(
        label + 5 * NS_PER_MIN, rank, stamps, lookback_days * M5_PER_DAY, values.shape[0]
    )

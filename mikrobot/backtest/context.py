"""Market facts the strategic evaluation needs at each signal, precomputed for a backtest.

The volatility regime (SPEC §5): the percentile of the current M5 ATR within the last
``lookback_days`` of M5 ATRs. M5 bars come from the M1 bars as
``mikrobot.core.bars.aggregate_ohlc`` builds them (MetaTrader semantics, no invented bins; one
numba pass here, :func:`~mikrobot.backtest.volatility_nb.m5_hlc_nb`), the ATR is the
structure engine's (``mikrobot.structure.nb.atr_nb``: Wilder with an SMA seed), and the rank is
:func:`mikrobot.strategy.context.atr_percentile`'s: ``100 × (count(h < current) + ½
count(h == current)) / count(h)`` over the finite ATRs of the window.
"""

from __future__ import annotations

import numpy as np

from mikrobot.backtest.engine import Market
from mikrobot.backtest.volatility_nb import m5_hlc_nb, percentiles_nb
from mikrobot.structure.nb import atr_nb

NS_PER_MIN = 60_000_000_000
M5_PER_DAY = 288


def atr_percentiles(
    market: Market, ts: np.ndarray, *, period: int = 14, lookback_days: int = 20
) -> np.ndarray:
    """The M5 ATR(``period``) percentile over the last ``lookback_days`` × 288 M5 bars at each
    instant of ``ts`` (UTC epoch ns, sorted ascending), using only M5 bars closed by then."""
    label, high, low, close = m5_hlc_nb(
        market.time, market.high, market.low, market.close, 5 * NS_PER_MIN
    )
    atr = atr_nb(high, low, close, period)
    rank, n_ranks = dense_ranks(atr)
    stamps = np.ascontiguousarray(ts, dtype=np.int64)
    return percentiles_nb(label + 5 * NS_PER_MIN, rank, stamps, lookback_days * M5_PER_DAY, n_ranks)


def dense_ranks(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank 1.. of each finite value among the distinct finite values (equal values share a
    rank, 0 for NaN and ±inf), and the number of distinct finite values."""
    finite = np.flatnonzero(np.isfinite(values))
    rank = np.zeros(values.shape[0], np.int64)
    if finite.shape[0] == 0:
        return rank, 0
    order = finite[np.argsort(values[finite])]
    ordered = values[order]
    step = np.empty(order.shape[0], np.int64)
    step[0] = 1
    np.not_equal(ordered[1:], ordered[:-1], out=step[1:], casting="unsafe")
    ranks = np.cumsum(step)
    rank[order] = ranks
    return rank, int(ranks[-1])


__all__ = ["M5_PER_DAY", "NS_PER_MIN", "atr_percentiles", "dense_ranks", "percentiles_nb"]

"""Signal kernels for engine checks: a rolling mean equal to pandas' to the bit, and crossovers.

:func:`sma_nb` repeats pandas' ``Series.rolling(n).mean()`` (Kahan-compensated running sums,
separate compensations for values entering and leaving the window, the same guard for windows
of identical values and for sign), so signals built on it equal those a backtesting.py or
pandas strategy computes from the same closes.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def sma_nb(values: np.ndarray, n: int) -> np.ndarray:
    """Rolling mean over ``n`` values, NaN for the first ``n - 1`` (pandas ``rolling(n).mean()``
    with ``min_periods = n``; NaN inputs are skipped like pandas does)."""
    size = values.shape[0]
    out = np.empty(size, np.float64)
    nobs = 0
    neg_ct = 0
    sum_x = 0.0
    comp_add = 0.0
    comp_remove = 0.0
    same = 0
    prev_value = values[0] if size > 0 else np.nan
    for i in range(size):
        # remove the value leaving the window, then add the one entering it
        if i >= n:
            val = values[i - n]
            if val == val:
                nobs -= 1
                y = -val - comp_remove
                t = sum_x + y
                comp_remove = t - sum_x - y
                sum_x = t
                if np.signbit(val):
                    neg_ct -= 1
        val = values[i]
        if val == val:
            nobs += 1
            y = val - comp_add
            t = sum_x + y
            comp_add = t - sum_x - y
            sum_x = t
            if np.signbit(val):
                neg_ct += 1
            if val == prev_value:
                same += 1
            else:
                same = 1
            prev_value = val
        if nobs >= n and nobs > 0:
            result = sum_x / nobs
            if same >= nobs:
                result = prev_value
            elif (neg_ct == 0 and result < 0) or (neg_ct == nobs and result > 0):
                result = 0.0
            out[i] = result
        else:
            out[i] = np.nan
    return out


@njit(cache=True)
def crossover_nb(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True at ``i`` when ``a[i-1] < b[i-1]`` and ``a[i] > b[i]`` (backtesting.lib.crossover)."""
    size = a.shape[0]
    out = np.zeros(size, np.bool_)
    for i in range(1, size):
        out[i] = a[i - 1] < b[i - 1] and a[i] > b[i]
    return out


@njit(cache=True)
def sma_cross_nb(close: np.ndarray, fast: int, slow: int) -> tuple[np.ndarray, np.ndarray]:
    """``(up, down)``: the fast SMA crossing above / below the slow one at each bar's close."""
    f = sma_nb(close, fast)
    s = sma_nb(close, slow)
    return crossover_nb(f, s), crossover_nb(s, f)

"""Signal kernels for engine checks: a rolling mean equal to pandas' to the bit, and crossovers.

:func:`sma_nb` repeats pandas' ``Series.rolling(n).mean()`` (Kahan-compensated running sums,
separate compensations for values entering and leaving the window, the same guard for windows
of identical values and for sign), so signals built on it equal those a backtesting.py or
pandas strategy computes from the same closes.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _roll_nb(
    enter: float,
    leave: float,
    leaving: bool,
    n: int,
    nobs: int,
    neg: int,
    total: float,
    comp_add: float,
    comp_remove: float,
    same: int,
    prev: float,
) -> tuple[int, int, float, float, float, int, float, float]:
    """One step of pandas' roll_mean: remove ``leave`` (when ``leaving``), add ``enter``;
    returns the new state and the mean (NaN below ``n`` observations)."""
    if leaving and leave == leave:
        nobs -= 1
        y = -leave - comp_remove
        t = total + y
        comp_remove = t - total - y
        total = t
        neg -= np.signbit(leave)
    if enter == enter:
        nobs += 1
        y = enter - comp_add
        t = total + y
        comp_add = t - total - y
        total = t
        neg += np.signbit(enter)
        same = same * (enter == prev) + 1
        prev = enter
    mean = np.nan
    if nobs >= n and nobs > 0:
        mean = total / nobs
        if same >= nobs:
            mean = prev
        elif (neg == 0 and mean < 0) or (neg == nobs and mean > 0):
            mean = 0.0
    return nobs, neg, total, comp_add, comp_remove, same, prev, mean


@njit(cache=True)
def sma_nb(values: np.ndarray, n: int) -> np.ndarray:
    """Rolling mean over ``n`` values, NaN for the first ``n - 1`` (pandas ``rolling(n).mean()``
    with ``min_periods = n``; NaN inputs are skipped like pandas does)."""
    size = values.shape[0]
    out = np.empty(size, np.float64)
    nobs, neg, same = 0, 0, 0
    total, comp_add, comp_remove = 0.0, 0.0, 0.0
    prev = values[0] if size > 0 else np.nan
    for i in range(size):
        leave = values[i - n] if i >= n else 0.0
        nobs, neg, total, comp_add, comp_remove, same, prev, out[i] = _roll_nb(
            values[i], leave, i >= n, n, nobs, neg, total, comp_add, comp_remove, same, prev
        )
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
    """``(up, down)``: the fast SMA crossing above / below the slow one at each bar's close
    (both means as :func:`sma_nb`, computed in one pass)."""
    size = close.shape[0]
    up = np.zeros(size, np.bool_)
    down = np.zeros(size, np.bool_)
    first = close[0] if size > 0 else np.nan
    f_nobs, f_neg, f_same, f_total, f_ca, f_cr, f_prev = 0, 0, 0, 0.0, 0.0, 0.0, first
    s_nobs, s_neg, s_same, s_total, s_ca, s_cr, s_prev = 0, 0, 0, 0.0, 0.0, 0.0, first
    f_last = np.nan
    s_last = np.nan
    for i in range(size):
        v = close[i]
        f_out = close[i - fast] if i >= fast else 0.0
        s_out = close[i - slow] if i >= slow else 0.0
        f_nobs, f_neg, f_total, f_ca, f_cr, f_same, f_prev, f = _roll_nb(
            v, f_out, i >= fast, fast, f_nobs, f_neg, f_total, f_ca, f_cr, f_same, f_prev
        )
        s_nobs, s_neg, s_total, s_ca, s_cr, s_same, s_prev, m = _roll_nb(
            v, s_out, i >= slow, slow, s_nobs, s_neg, s_total, s_ca, s_cr, s_same, s_prev
        )
        up[i] = f_last < s_last and f > m
        down[i] = s_last < f_last and m > f
        f_last = f
        s_last = m
    return up, down

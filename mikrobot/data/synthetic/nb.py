"""Numba kernels of the synthetic market: the whole price path in one pass.

Arrays in, arrays out, no exceptions. Prices are integers counted in ticks; the caller turns
them into prices (``ticks * tick_size`` rounded to the symbol's digits).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _ticks(price: float, tick: float) -> np.int64:
    return np.int64(math.floor(price / tick + 0.5))


@njit(cache=True)
def market_path_nb(
    x0: float,
    sigma0: float,
    sess_mult: np.ndarray,
    gap_sd: np.ndarray,
    z_ret: np.ndarray,
    z_vol: np.ndarray,
    z_gap: np.ndarray,
    u_regime: np.ndarray,
    e_high: np.ndarray,
    e_low: np.ndarray,
    h0: float,
    phi: float,
    eta: float,
    h_shift: float,
    drift: float,
    kappa: float,
    p_leave_trend: float,
    p_leave_range: float,
    tick: float,
    ep_start: np.ndarray,
    ep_len: np.ndarray,
    ep_first: np.ndarray,
    s_open: np.ndarray,
    s_high: np.ndarray,
    s_low: np.ndarray,
    s_close: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate ``n = sess_mult.size`` M1 bars; return ``(open, high, low, close, sigma, regime)``.

    Model per bar ``i`` (log price ``x``): log-volatility ``h = phi*h + eta*z_vol[i]``,
    ``sigma = sigma0 * sess_mult[i] * exp(h - h_shift)``; regime (0 range, +1/-1 trend) leaves a
    trend with probability ``p_leave_trend`` and a range with ``p_leave_range`` (to a trend up or
    down with equal odds, decided by ``u_regime[i]``); a range pulls ``x`` towards the log price
    where it began by ``kappa`` per bar, a trend drifts by ``drift * sigma``. A bar with
    ``gap_sd[i] > 0`` opens with a jump ``gap_sd[i] * z_gap[i]``, otherwise at the previous close.
    ``x += mu + sigma * z_ret[i]``; close = ``x`` in ticks; high/low extend the open/close by the
    exact maximum/minimum of a Brownian bridge between them with the bar's variance, sampled
    from the standard exponential draws ``e_high``/``e_low`` (``P(max > m) = exp(-2(m-o)(m-c)
    / var)``), so low <= open, close <= high always.

    Planted episodes: bars ``ep_start[k] .. ep_start[k] + ep_len[k] - 1`` take their OHLC from
    the script arrays (``s_*[ep_first[k] + m]``, ticks relative to the previous close); the walk
    resumes from the script's last close. ``regime`` is 2 on planted bars.
    """
    n = sess_mult.size
    o = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    lo = np.empty(n, dtype=np.int64)
    c = np.empty(n, dtype=np.int64)
    sigma = np.empty(n, dtype=np.float64)
    regime = np.empty(n, dtype=np.int8)
    x = x0
    anchor = x0
    state = 0
    h = h0
    prev = _ticks(math.exp(x0), tick)
    k = 0
    base = prev
    n_ep = ep_start.size
    for i in range(n):
        h = phi * h + eta * z_vol[i]
        sig = sigma0 * sess_mult[i] * math.exp(h - h_shift)
        sigma[i] = sig
        u = u_regime[i]
        if state == 0:
            if u < p_leave_range:
                state = 1 if u < 0.5 * p_leave_range else -1
        elif u < p_leave_trend:
            state = 0
            anchor = x
        if k < n_ep and i >= ep_start[k]:
            m = i - ep_start[k]
            if m == 0:
                base = prev
            j = ep_first[k] + m
            o[i] = base + s_open[j]
            hi[i] = base + s_high[j]
            lo[i] = base + s_low[j]
            c[i] = base + s_close[j]
            regime[i] = 2
            prev = c[i]
            if m == ep_len[k] - 1:
                x = math.log(prev * tick)
                anchor = x
                k += 1
            continue
        regime[i] = state
        if gap_sd[i] > 0.0:
            x += gap_sd[i] * z_gap[i]
            op = _ticks(math.exp(x), tick)
        else:
            op = prev
        mu = -kappa * (x - anchor) if state == 0 else state * drift * sig
        x += mu + sig * z_ret[i]
        price = math.exp(x)
        cl = _ticks(price, tick)
        po = op * tick
        pc = cl * tick
        sd = sig * price
        d = pc - po
        var2 = 2.0 * sd * sd
        top = 0.5 * (po + pc + math.sqrt(d * d + var2 * e_high[i]))
        bottom = 0.5 * (po + pc - math.sqrt(d * d + var2 * e_low[i]))
        o[i] = op
        c[i] = cl
        hi[i] = max(_ticks(top, tick), max(op, cl))
        lo[i] = min(_ticks(bottom, tick), min(op, cl))
        prev = cl
    return o, hi, lo, c, sigma, regime


@njit(cache=True)
def calendar_nb(
    first: int,
    n_min: int,
    skip: int,
    step: int,
    closed: np.ndarray,
    code: np.ndarray,
    ny_offset: np.ndarray,
    roll_from: int,
    roll_to: int,
    reopen_minutes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The open minutes of a grid of ``n_min`` minutes from ``first`` (UTC ns), with per-block
    answers spread over the blocks' minutes; return ``(ts, closed_before, codes, roll)``.

    Block ``b`` (``step`` minutes) holds grid minutes ``b * step - skip`` up to
    ``(b + 1) * step - skip`` (cut to the grid); ``closed[b]``, ``code[b]`` and
    ``ny_offset[b]`` (the New York UTC offset, ns) hold for all of them. ``closed_before``: the
    minutes closed just before each open minute (0 for the first); ``roll``: the New York
    minute of the day is in ``[17:00 + roll_from, 17:00 + roll_to)``, or fewer than
    ``reopen_minutes`` minutes have passed since the last open minute that followed a close.
    """
    minute_ns = 60_000_000_000
    n = 0
    for b in range(closed.shape[0]):
        if not closed[b]:
            n += min((b + 1) * step - skip, n_min) - max(b * step - skip, 0)
    ts = np.empty(n, np.int64)
    closed_before = np.empty(n, np.int64)
    codes = np.empty(n, np.int8)
    roll = np.empty(n, np.bool_)
    k = 0
    prev = 0
    reopened = -1  # grid minute of the last open minute that followed a close
    lo_minute = 17 * 60 + roll_from
    hi_minute = 17 * 60 + roll_to
    for b in range(closed.shape[0]):
        if closed[b]:
            continue
        lo = max(b * step - skip, 0)
        minute = (first + lo * minute_ns + ny_offset[b]) // minute_ns % 1440
        for g in range(lo, min((b + 1) * step - skip, n_min)):
            gap = g - prev - 1 if k > 0 else 0
            if gap > 0:
                reopened = g
            ts[k] = first + g * minute_ns
            closed_before[k] = gap
            codes[k] = code[b]
            roll[k] = (lo_minute <= minute < hi_minute) or (
                reopened >= 0 and g - reopened < reopen_minutes
            )
            prev = g
            k += 1
            minute = minute + 1 if minute < 1439 else 0
    return ts, closed_before, codes, roll

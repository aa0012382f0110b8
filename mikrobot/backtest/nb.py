"""The bar-by-bar simulation over M1 bars (numba).

:func:`simulate_nb` walks bars ``[state.cursor, stop_bar)`` and can be resumed: the setups
driver stops it before each setup's entry bar, asks the strategic evaluation, appends the order
and resumes. Everything lives in arrays handed in by Python (see :mod:`mikrobot.backtest.engine`):

* bars: ``open, high, low, close`` (bid), ``spread`` and ``slip`` (price units, one per bar or a
  single value for all), ``day`` (Prague day number per bar);
* ``exit_long`` / ``exit_short``: exit signals known at a bar's close (empty arrays: none);
* orders, sorted by entry bar: ``o_bar`` (the bar whose **open** fills it, i.e. the bar after the
  signal became known), ``o_side`` (+1 buy, -1 sell), ``o_stop`` / ``o_target`` (price levels,
  NaN: none), ``o_volume`` (fixed sizing), ``o_mult`` (risk multiplier), ``o_status`` (written);
* ``prm``: one :data:`PARAM_DTYPE` record; ``st``: one :data:`STATE_DTYPE` record; ``acct``: the
  account array of :mod:`mikrobot.backtest.mirror_nb`; ``pos``: open positions; ``trades``:
  closed trades (:data:`TRADE_DTYPE`); ``scratch``: a ``(4, len(pos))`` float64 work array.

The kernels never allocate, so they are compiled without numba's runtime (``_nrt=False``): no
reference counting on the array arguments of the inlined helpers, which made an entry or an
exit about four times dearer.

Within one bar ``i`` the order of events is:

1. a Prague midnight between bars rolls the account (midnight balance, trailing floor);
2. at the open: exit signals of bar ``i-1`` close matching positions, then orders with
   ``o_bar == i`` fill (an exclusive order first closes every open position). Buys fill at
   ``ask = open + spread + slip``, sells at ``bid = open - slip``; half the round-turn
   commission is charged;
3. stops and targets are checked for every open position, those just opened included: longs
   against the bid (``low``/``high``), shorts against the ask (``high + spread``/``low +
   spread``). An open already beyond the stop fills at the open (worse); beyond the target, at
   the open (better). A bar touching both is *ambiguous*: ``pessimistic`` takes the stop,
   ``optimistic`` the target; ``stop_first`` (backtesting.py) takes the stop whenever it is
   touched, before looking at gaps. Stop fills (market orders) pay ``slip``; target fills
   (limit orders) do not;
4. prop-firm floors: the worst equity inside the bar (every position at its adverse extreme at
   once, clipped at its stop; stopped positions at their fill) is tested against the daily and
   overall floors. Below one, the account is lost: every position closes at that adverse price
   (``breach``), the kernel records the bar and the reason and stops for good;
5. equity at the close (longs at bid, shorts at ask) is stored in the state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from mikrobot.backtest import codes
from mikrobot.backtest.mirror_nb import (
    A_BALANCE,
    A_DAY,
    A_OVERALL,
    SIZE_BELOW_MIN,
    SIZE_NO_EQUITY,
    SIZE_NO_RISK,
    SIZE_OK,
    SIZE_ZERO_STOP,
    breach_code_nb,
    daily_floor_nb,
    risk_room_nb,
    roll_day_nb,
    size_volume_nb,
)

#: order status before the kernel reached its bar, and once filled (otherwise a REJECT_* code)
ORDER_PENDING = -2
ORDER_FILLED = -1

TRADE_DTYPE = np.dtype(
    [
        ("order", np.int64),  # index of the order that opened it
        ("side", np.int64),  # +1 long, -1 short
        ("entry_bar", np.int64),
        ("exit_bar", np.int64),
        ("entry_price", np.float64),  # fill, spread and slippage included
        ("exit_price", np.float64),
        ("volume", np.float64),  # lots (units with a unit contract)
        ("stop", np.float64),
        ("target", np.float64),
        ("pnl", np.float64),  # net: gross minus both commissions
        ("commission", np.float64),
        ("slippage", np.float64),  # money lost to slippage, entry and exit
        ("risk", np.float64),  # planned money at risk (the R unit); NaN without a stop
        ("multiplier", np.float64),
        ("exit_reason", np.int64),
        ("ambiguous", np.bool_),
    ]
)

PARAM_DTYPE = np.dtype(
    [
        ("policy", np.int64),  # codes.POLICY_*
        ("exclusive", np.bool_),  # an entry closes every open position first
        ("max_open", np.int64),
        ("size_mode", np.int64),  # codes.SIZE_*
        ("cash_fraction", np.float64),  # SIZE_CASH_FRACTION
        ("risk_per_trade", np.float64),  # SIZE_RISK
        ("max_risk_per_trade", np.float64),
        ("commission", np.float64),  # round turn per lot; half at entry, half at exit
        ("sizing_slippage", np.float64),  # price units assumed at the stop by the sizing
        ("slippage_allowance", np.float64),  # x stop distance, with prop-firm rules
        ("tick_size", np.float64),
        ("tick_value", np.float64),
        ("value_per_price", np.float64),  # tick_value / tick_size: money per 1.0 price per lot
        ("volume_min", np.float64),
        ("volume_max", np.float64),
        ("volume_step", np.float64),
        ("prop", np.bool_),  # prop-firm floors on
    ]
)

STATE_DTYPE = np.dtype(
    [
        ("cursor", np.int64),  # next bar to process
        ("next_order", np.int64),
        ("n_trades", np.int64),
        ("n_open", np.int64),
        ("status", np.int64),  # codes.STATUS_*
        ("breach_bar", np.int64),
        ("breach_code", np.int64),
        ("ambiguous", np.int64),  # bars where a position touched stop and target
        ("equity", np.float64),  # at the close of bar cursor - 1
        ("breach_equity", np.float64),
    ]
)


def new_state() -> np.ndarray:
    """A one-record state array at bar 0 with nothing open."""
    st = np.zeros(1, STATE_DTYPE)
    st[0]["breach_bar"] = -1
    st[0]["equity"] = np.nan
    st[0]["breach_equity"] = np.nan
    return st


@njit(cache=True, _nrt=False, inline="always")
def _at(values: np.ndarray, i: int) -> float:
    return values[i] if values.shape[0] > 1 else values[0]


@njit(cache=True, _nrt=False, inline="always")
def _close_nb(
    pos: np.ndarray,
    j: int,
    trades: np.ndarray,
    st: np.ndarray,
    acct: np.ndarray,
    bar: int,
    price: float,
    reason: int,
    ambiguous: bool,
    slip: float,
    prm: np.ndarray,
) -> None:
    """Close open position ``j`` at ``price`` (slippage ``slip`` already inside it): book the
    result and the exit commission, write the trade, drop the position (those after it move
    up one place: callers walk the positions backwards)."""
    p = prm[0]
    s = st[0]
    q = pos[j]
    volume = q.volume
    gross = (q.side * volume) * (price - q.entry_price) * p.value_per_price
    commission = p.commission * volume * 0.5
    acct[A_BALANCE] += gross - commission
    t = trades[s.n_trades]
    t.order = q.order
    t.side = q.side
    t.entry_bar = q.entry_bar
    t.exit_bar = bar
    t.entry_price = q.entry_price
    t.exit_price = price
    t.volume = volume
    t.stop = q.stop
    t.target = q.target
    t.commission = q.commission + commission
    t.pnl = gross - t.commission
    t.slippage = q.slippage + slip * volume * p.value_per_price
    t.risk = q.risk
    t.multiplier = q.multiplier
    t.exit_reason = reason
    t.ambiguous = ambiguous
    s.n_trades += 1
    # keep the positions in entry order (sums over them then add up in a fixed order)
    for m in range(j, s.n_open - 1):
        pos[m] = pos[m + 1]
    s.n_open -= 1


@njit(cache=True, _nrt=False, inline="always")
def _mark_nb(pos: np.ndarray, n_open: int, bid: float, ask: float, vpp: float) -> float:
    """Floating result of the open positions with longs marked at ``bid``, shorts at ``ask``."""
    total = 0.0
    for j in range(n_open):
        q = pos[j]
        mark = bid if q.side > 0 else ask
        total += (q.side * q.volume) * (mark - q.entry_price) * vpp
    return total


@njit(cache=True, _nrt=False, inline="always")
def _fill_nb(
    k: int,
    i: int,
    open_: float,
    close_: float,
    spread: float,
    slip: float,
    o_side: np.ndarray,
    o_stop: np.ndarray,
    o_target: np.ndarray,
    o_volume: np.ndarray,
    o_mult: np.ndarray,
    o_status: np.ndarray,
    prm: np.ndarray,
    st: np.ndarray,
    acct: np.ndarray,
    pos: np.ndarray,
) -> None:
    """Fill order ``k`` at the open of bar ``i`` (or refuse it, writing the reason)."""
    p = prm[0]
    s = st[0]
    if s.n_open >= p.max_open:
        o_status[k] = codes.REJECT_MAX_OPEN
        return
    side = o_side[k]
    stop = o_stop[k]
    fill = open_ + spread + slip if side > 0 else open_ - slip
    vpp = p.value_per_price
    risk = math.nan
    if p.size_mode == codes.SIZE_RISK:
        if stop != stop or (fill - stop) * side <= 0.0:
            o_status[k] = codes.REJECT_ZERO_STOP
            return
        balance = acct[A_BALANCE]
        equity = balance + _mark_nb(pos, s.n_open, open_, open_ + spread, vpp)
        distance = abs(open_ - stop)
        sizing_slip = p.sizing_slippage
        room = math.inf
        if p.prop:
            open_risk = 0.0
            for j in range(s.n_open):
                open_risk += pos[j].risk
            room = risk_room_nb(acct, equity, open_risk)
            sizing_slip = max(sizing_slip, p.slippage_allowance * distance)
        volume, at_risk, _, _, code = size_volume_nb(
            equity,
            open_,
            stop,
            p.risk_per_trade,
            o_mult[k],
            p.max_risk_per_trade,
            spread,
            p.commission,
            sizing_slip,
            p.tick_size,
            p.tick_value,
            p.volume_min,
            p.volume_max,
            p.volume_step,
            room,
        )
        if code != SIZE_OK:
            if code == SIZE_NO_RISK and room <= 0.0:
                o_status[k] = codes.REJECT_NO_ROOM
            elif code == SIZE_NO_EQUITY:
                o_status[k] = codes.REJECT_NO_EQUITY
            elif code == SIZE_ZERO_STOP:
                o_status[k] = codes.REJECT_ZERO_STOP
            elif code == SIZE_BELOW_MIN:
                o_status[k] = codes.REJECT_VOLUME_MIN
            else:
                o_status[k] = codes.REJECT_NO_ROOM
            return
        risk = at_risk
    elif p.size_mode == codes.SIZE_CASH_FRACTION:
        # backtesting.py: margin available = equity at this bar's close minus the value of the
        # open positions (leverage 1), sized in whole units at the fill price
        marked = _mark_nb(pos, s.n_open, close_, close_ + spread, vpp)
        used = 0.0
        for j in range(s.n_open):
            used += pos[j].volume * close_
        available = max(0.0, acct[A_BALANCE] + marked - used)
        volume = float((available * p.cash_fraction) // fill)
        if volume <= 0.0:
            o_status[k] = codes.REJECT_NO_EQUITY
            return
    else:
        volume = o_volume[k]
    if p.size_mode != codes.SIZE_RISK and stop == stop:
        risk = volume * abs(fill - stop) * vpp + p.commission * volume
    commission = p.commission * volume * 0.5
    acct[A_BALANCE] -= commission
    q = pos[s.n_open]
    q.order = k
    q.side = side
    q.entry_bar = i
    q.exit_bar = -1
    q.entry_price = fill
    q.exit_price = math.nan
    q.volume = volume
    q.stop = stop
    q.target = o_target[k]
    q.pnl = 0.0
    q.commission = commission
    q.slippage = slip * volume * vpp
    q.risk = risk
    q.multiplier = o_mult[k]
    q.exit_reason = 0
    q.ambiguous = False
    s.n_open += 1
    o_status[k] = ORDER_FILLED


@njit(cache=True, _nrt=False, inline="always")
def _exit_decision_nb(
    side: int,
    stop: float,
    target: float,
    o: float,
    h: float,
    lo: float,
    spread: float,
    slip: float,
    policy: int,
) -> tuple[int, float, float, bool]:
    """``(reason or 0, fill price, adverse price, ambiguous)`` of one position on one bar.

    The adverse price is where the position stands at the worst moment of the bar: its stop
    fill when stopped, else the bar's adverse extreme clipped at the stop level."""
    has_stop = stop == stop
    has_target = target == target
    if side > 0:
        po, ph, pl = o, h, lo  # bid
    else:
        po, ph, pl = o + spread, h + spread, lo + spread  # ask
    s_touch = has_stop and (pl <= stop if side > 0 else ph >= stop)
    t_touch = has_target and (ph >= target if side > 0 else pl <= target)
    ambiguous = s_touch and t_touch
    reason = 0
    fill = math.nan
    if policy == codes.POLICY_STOP_FIRST:
        if s_touch:
            reason = codes.EXIT_STOP
            fill = (min(po, stop) - slip) if side > 0 else (max(po, stop) + slip)
        elif t_touch:
            reason = codes.EXIT_TARGET
            fill = max(po, target) if side > 0 else min(po, target)
    else:
        s_gap = has_stop and (po <= stop if side > 0 else po >= stop)
        t_gap = has_target and (po >= target if side > 0 else po <= target)
        if s_gap:
            reason = codes.EXIT_STOP
            fill = po - slip if side > 0 else po + slip
            ambiguous = False
        elif t_gap:
            reason = codes.EXIT_TARGET
            fill = po
            ambiguous = False
        elif ambiguous:
            if policy == codes.POLICY_OPTIMISTIC:
                reason = codes.EXIT_TARGET
                fill = target
            else:
                reason = codes.EXIT_STOP
                fill = stop - slip if side > 0 else stop + slip
        elif s_touch:
            reason = codes.EXIT_STOP
            fill = stop - slip if side > 0 else stop + slip
        elif t_touch:
            reason = codes.EXIT_TARGET
            fill = target
    if reason == codes.EXIT_STOP:
        adverse = fill
    else:
        adverse = pl if side > 0 else ph
        if has_stop:
            adverse = max(adverse, stop) if side > 0 else min(adverse, stop)
    return reason, fill, adverse, ambiguous


@njit(cache=True, _nrt=False, inline="always")
def _bar_exits_nb(
    i: int,
    o: float,
    h: float,
    lo: float,
    sp: float,
    sl: float,
    prm: np.ndarray,
    st: np.ndarray,
    acct: np.ndarray,
    pos: np.ndarray,
    trades: np.ndarray,
    fills: np.ndarray,
    adverse: np.ndarray,
    reasons: np.ndarray,
    ambig: np.ndarray,
) -> None:
    """Stops, targets and the floors on bar ``i`` for every open position (steps 3-4);
    ``fills``, ``adverse``, ``reasons``, ``ambig`` are scratch arrays of ``len(pos)``."""
    p = prm[0]
    s = st[0]
    n_open = s.n_open
    vpp = p.value_per_price
    worst = acct[A_BALANCE]
    any_ambiguous = False
    for j in range(n_open):
        q = pos[j]
        reason, fill, adv, amb = _exit_decision_nb(
            q.side, q.stop, q.target, o, h, lo, sp, sl, p.policy
        )
        reasons[j] = reason
        fills[j] = fill
        adverse[j] = adv
        ambig[j] = 1.0 if amb else 0.0
        any_ambiguous = any_ambiguous or amb
        worst += (q.side * q.volume) * (adv - q.entry_price) * vpp
        if reason == codes.EXIT_STOP:
            worst -= p.commission * q.volume * 0.5
    if any_ambiguous:
        s.ambiguous += 1
    breach = codes.BREACH_NONE
    if p.prop:
        breach = breach_code_nb(acct, worst)
    # closing a position moves the later ones up: walk backwards
    for j in range(n_open - 1, -1, -1):
        if breach != codes.BREACH_NONE:
            stopped = reasons[j] == codes.EXIT_STOP
            price = fills[j] if stopped else adverse[j]
            reason = codes.EXIT_STOP if stopped else codes.EXIT_BREACH
            paid = sl if stopped else 0.0
            _close_nb(pos, j, trades, st, acct, i, price, reason, ambig[j] > 0.0, paid, prm)
        elif reasons[j] != 0:
            code = int(reasons[j])
            paid = sl if code == codes.EXIT_STOP else 0.0
            _close_nb(pos, j, trades, st, acct, i, fills[j], code, ambig[j] > 0.0, paid, prm)
    if breach != codes.BREACH_NONE:
        s.status = codes.STATUS_BREACHED
        s.breach_bar = i
        s.breach_code = breach
        s.breach_equity = worst


@njit(cache=True, _nrt=False, inline="always")
def _bands_nb(
    pos: np.ndarray, n_open: int, balance: float, vpp: float
) -> tuple[float, float, float, float, float, float, float]:
    """What the open positions react to: the highest long stop, the lowest long target (bid),
    the lowest short stop, the highest short target (ask), and the worst-case equity as
    ``c + vl × low − vs × (high + spread)``. Missing levels are ±inf."""
    long_stop = -math.inf
    long_target = math.inf
    short_stop = math.inf
    short_target = -math.inf
    c = balance
    vl = 0.0
    vs = 0.0
    for j in range(n_open):
        q = pos[j]
        v = q.volume * vpp
        if q.side > 0:
            if q.stop == q.stop:
                long_stop = max(long_stop, q.stop)
            if q.target == q.target:
                long_target = min(long_target, q.target)
            c -= v * q.entry_price
            vl += v
        else:
            if q.stop == q.stop:
                short_stop = min(short_stop, q.stop)
            if q.target == q.target:
                short_target = max(short_target, q.target)
            c += v * q.entry_price
            vs += v
    return long_stop, long_target, short_stop, short_target, c, vl, vs


@njit(cache=True, _nrt=False, inline="always")
def _quiet_nb(
    i: int,
    end: int,
    high: np.ndarray,
    low: np.ndarray,
    spread: np.ndarray,
    long_stop: float,
    long_target: float,
    short_stop: float,
    short_target: float,
    c: float,
    vl: float,
    vs: float,
    floor: float,
    prop: bool,
    day: np.ndarray,
    today: int,
    exit_long: np.ndarray,
    exit_short: np.ndarray,
) -> int:
    """The first bar in ``[i, end)`` on which something may happen to the open positions (a
    stop or target touched, the worst-case equity near the floor, a Prague midnight, an exit
    signal), or ``end``. The per-position test of the full path is the same comparison against
    the extreme levels; the equity test keeps a margin for rounding, so no event is missed."""
    spread_1 = spread.shape[0] == 1
    has_exits = exit_long.shape[0] > 0
    sp = spread[0]
    k = i
    while k < end:
        if not spread_1:
            sp = spread[k]
        h = high[k]
        lo = low[k]
        if lo <= long_stop or h >= long_target:
            return k
        ah = h + sp
        if ah >= short_stop or lo + sp <= short_target:
            return k
        if prop:
            if day[k] != today:
                return k
            worst = c + vl * lo - vs * ah
            if worst < floor + 1e-9 * (abs(c) + vl * abs(lo) + vs * abs(ah)) + 1e-9:
                return k
        if has_exits and k > 0 and (exit_long[k - 1] or exit_short[k - 1]):
            return k
        k += 1
    return end


@njit(cache=True, _nrt=False)
def simulate_nb(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    spread: np.ndarray,
    slip: np.ndarray,
    day: np.ndarray,
    exit_long: np.ndarray,
    exit_short: np.ndarray,
    o_bar: np.ndarray,
    o_side: np.ndarray,
    o_stop: np.ndarray,
    o_target: np.ndarray,
    o_volume: np.ndarray,
    o_mult: np.ndarray,
    o_status: np.ndarray,
    n_orders: int,
    stop_bar: int,
    prm: np.ndarray,
    st: np.ndarray,
    acct: np.ndarray,
    pos: np.ndarray,
    trades: np.ndarray,
    scratch: np.ndarray,
) -> int:
    """Simulate bars ``[st.cursor, min(stop_bar, n))`` with the first ``n_orders`` orders; return
    the status (``STATUS_OK``, ``STATUS_BREACHED``). See the module docstring for the rules.

    ``trades`` must hold every trade still to come (one per filled order is enough). While
    nothing is open the loop jumps to the next order's bar: a flat account changes at no bar
    (Prague midnights met on the way leave the balance as it is, so rolling them at the next
    bar gives the same floors)."""
    p = prm[0]
    s = st[0]
    if s.status != codes.STATUS_OK:
        return s.status  # a lost account stays lost
    n = open_.shape[0]
    end = min(stop_bar, n)
    has_exits = exit_long.shape[0] > 0
    spread_1 = spread.shape[0] == 1
    slip_1 = slip.shape[0] == 1
    prop = p.prop
    vpp = p.value_per_price
    next_bar = o_bar[s.next_order] if s.next_order < n_orders else n
    fills = scratch[0]
    adverse = scratch[1]
    reasons = scratch[2]
    ambig = scratch[3]
    floor = -math.inf  # the higher floor of the current day
    if prop:
        floor = max(daily_floor_nb(acct), acct[A_OVERALL])
    i = s.cursor
    last = i - 1
    while i < end:
        if s.n_open == 0:
            if next_bar >= end:
                last = end - 1
                i = end
                break
            i = max(i, next_bar)
        elif next_bar > i:
            # skip the bars on which nothing can happen to the open positions
            ls, lt, ss, st_, c0, vl, vs = _bands_nb(pos, s.n_open, acct[A_BALANCE], vpp)
            quiet_end = min(end, next_bar)
            k = _quiet_nb(
                i,
                quiet_end,
                high,
                low,
                spread,
                ls,
                lt,
                ss,
                st_,
                c0,
                vl,
                vs,
                floor,
                prop,
                day,
                int(acct[A_DAY]),
                exit_long,
                exit_short,
            )
            if k > i:
                last = k - 1
                i = k
                if i >= end:
                    break
        last = i
        if prop and roll_day_nb(acct, day[i]):
            floor = max(daily_floor_nb(acct), acct[A_OVERALL])
        o = open_[i]
        sp = spread[0] if spread_1 else spread[i]
        sl = slip[0] if slip_1 else slip[i]
        # -- 2. at the open: exit signals of the previous bar, then entries
        if has_exits and i > 0 and s.n_open > 0 and (exit_long[i - 1] or exit_short[i - 1]):
            for j in range(s.n_open - 1, -1, -1):
                side = pos[j].side
                if (side > 0 and exit_long[i - 1]) or (side < 0 and exit_short[i - 1]):
                    price = o - sl if side > 0 else o + sp + sl
                    _close_nb(pos, j, trades, st, acct, i, price, codes.EXIT_SIGNAL, False, sl, prm)
        while next_bar <= i:
            k = s.next_order
            s.next_order += 1
            next_bar = o_bar[k + 1] if k + 1 < n_orders else n
            if o_bar[k] < i:  # appended too late: its open has passed
                o_status[k] = codes.REJECT_AFTER_END
                continue
            if p.exclusive:
                for j in range(s.n_open - 1, -1, -1):
                    price = o - sl if pos[j].side > 0 else o + sp + sl
                    _close_nb(pos, j, trades, st, acct, i, price, codes.EXIT_SIGNAL, False, sl, prm)
            _fill_nb(
                k,
                i,
                o,
                close[i],
                sp,
                sl,
                o_side,
                o_stop,
                o_target,
                o_volume,
                o_mult,
                o_status,
                prm,
                st,
                acct,
                pos,
            )
        # -- 3./4. stops, targets and floors; the full work only when something is touched
        n_open = s.n_open
        if n_open > 0:
            h = high[i]
            lo = low[i]
            touched = False
            worst = acct[A_BALANCE]
            for j in range(n_open):
                q = pos[j]
                if q.side > 0:
                    touched = touched or lo <= q.stop or h >= q.target
                    worst += q.volume * (lo - q.entry_price) * vpp
                else:
                    touched = touched or h + sp >= q.stop or lo + sp <= q.target
                    worst -= q.volume * (h + sp - q.entry_price) * vpp
            if touched or worst < floor:
                _bar_exits_nb(
                    i, o, h, lo, sp, sl, prm, st, acct, pos, trades, fills, adverse, reasons, ambig
                )
                if s.status != codes.STATUS_OK:
                    i += 1
                    break
        i += 1
    if last >= 0 and s.status == codes.STATUS_OK:
        c = close[last]
        sp = spread[0] if spread_1 else spread[last]
        s.equity = acct[A_BALANCE] + _mark_nb(pos, s.n_open, c, c + sp, vpp)
    elif s.status != codes.STATUS_OK:
        s.equity = acct[A_BALANCE]
    s.cursor = i
    return s.status


@njit(cache=True, _nrt=False)
def close_all_nb(
    close: np.ndarray,
    spread: np.ndarray,
    bar: int,
    reason: int,
    prm: np.ndarray,
    st: np.ndarray,
    acct: np.ndarray,
    pos: np.ndarray,
    trades: np.ndarray,
) -> None:
    """Close every open position at the close of ``bar`` (longs at bid, shorts at ask, no
    slippage) with ``reason`` (``EXIT_END`` at the end of the data)."""
    s = st[0]
    c = close[bar]
    sp = _at(spread, bar)
    j = s.n_open - 1
    while j >= 0:
        price = c if pos[j].side > 0 else c + sp
        _close_nb(pos, j, trades, st, acct, bar, price, reason, False, 0.0, prm)
        j -= 1
    s.equity = acct[A_BALANCE]


@njit(cache=True)
def equity_curve_nb(
    close: np.ndarray,
    spread: np.ndarray,
    side: np.ndarray,
    entry_bar: np.ndarray,
    exit_bar: np.ndarray,
    entry_price: np.ndarray,
    volume: np.ndarray,
    pnl: np.ndarray,
    entry_commission: np.ndarray,
    initial: float,
    vpp: float,
    n_bars: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Equity at the close of each of the first ``n_bars`` bars and whether a position was open
    during the bar: initial balance + closed results (booked at the exit bar) + open positions
    marked at the close (longs at bid, shorts at ask) minus their entry commissions."""
    equity = np.zeros(n_bars, np.float64)
    exposed = np.zeros(n_bars, np.bool_)
    realized = np.zeros(n_bars + 1, np.float64)
    for t in range(side.shape[0]):
        e0 = entry_bar[t]
        e1 = exit_bar[t]
        if e1 < n_bars:
            realized[e1] += pnl[t]
        for i in range(e0, min(e1 + 1, n_bars)):
            exposed[i] = True
        for i in range(e0, min(e1, n_bars)):
            sp = spread[i] if spread.shape[0] > 1 else spread[0]
            mark = close[i] if side[t] > 0 else close[i] + sp
            equity[i] += (side[t] * volume[t]) * (mark - entry_price[t]) * vpp - entry_commission[t]
    total = initial
    for i in range(n_bars):
        total += realized[i]
        equity[i] += total
    return equity, exposed


@njit(cache=True)
def curve_stats_nb(
    equity: np.ndarray, day: np.ndarray, initial: float
) -> tuple[float, float, np.ndarray]:
    """One pass over the equity curve: the largest fall below the running peak (the initial
    balance is the first peak) in money and in percent of that peak, and the equity at the last
    bar of each day (``day`` numbers per bar, non-decreasing)."""
    n = equity.shape[0]
    peak = initial
    dd = 0.0
    dd_pct = 0.0
    ends = np.empty(n, np.float64)
    k = 0
    for i in range(n):
        v = equity[i]
        if v > peak:
            peak = v
        fall = peak - v
        if fall > dd:
            dd = fall
        if fall / peak > dd_pct:
            dd_pct = fall / peak
        if i == n - 1 or day[i + 1] != day[i]:
            ends[k] = v
            k += 1
    return dd, dd_pct * 100.0, ends[:k]

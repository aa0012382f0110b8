"""Numba mirrors of :mod:`mikrobot.risk.sizing` and :mod:`mikrobot.risk.floors`.

The simulation sizes positions and tracks the prop-firm floors inside its bar loop, so it cannot
call the Python originals. These scalar functions repeat them operation for operation (the tests
compare them with :func:`~mikrobot.risk.sizing.size_position` and
:class:`~mikrobot.risk.propfirm.PropFirmAccount` on random inputs); change both together.

The account is a float64 array indexed by the ``A_*`` constants below, so one array carries it
through the kernel and back to Python.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from mikrobot.backtest import codes

#: tick counts this close to a whole number are float noise (risk.sizing.TICK_SNAP)
TICK_SNAP = 1e-6

# sizing outcome codes (the order of the checks in size_position)
SIZE_OK = 0
SIZE_ZERO_STOP = 1
SIZE_NO_EQUITY = 2
SIZE_NO_RISK = 3
SIZE_BELOW_MIN = 4

# ---------------------------------------------------------------------------- account layout
A_INITIAL = 0
A_BALANCE = 1
A_MIDNIGHT = 2  # balance at the last Prague midnight
A_HIGHEST_EOD = 3  # highest balance seen at a Prague midnight
A_OVERALL = 4  # overall floor
A_DAY = 5  # current Prague day number (days since 1970-01-01 in Prague wall time); -1 unset
A_DAILY_LOSS = 6
A_MAX_LOSS = 7
A_TRAILING = 8  # 1.0: trailing on end-of-day balance, 0.0: static
A_LOCK = 9  # 1.0: the trailing floor stops at the initial balance
A_SAFETY = 10  # safety_buffer (fraction of initial)
A_OVERNIGHT = 11  # 1.0: overnight_guard
A_SIZE = 12


def new_account(
    initial_balance: float,
    *,
    daily_loss: float,
    max_loss: float,
    trailing: bool,
    lock_at_initial: bool = False,
    safety_buffer: float = 0.0,
    overnight_guard: bool = True,
) -> np.ndarray:
    """A fresh account array: balance, midnight balance and highest EOD balance at
    ``initial_balance``, the static overall floor, no day yet."""
    acct = np.zeros(A_SIZE)
    acct[A_INITIAL] = initial_balance
    acct[A_BALANCE] = initial_balance
    acct[A_MIDNIGHT] = initial_balance
    acct[A_HIGHEST_EOD] = initial_balance
    acct[A_OVERALL] = initial_balance - max_loss * initial_balance
    acct[A_DAY] = -1.0
    acct[A_DAILY_LOSS] = daily_loss
    acct[A_MAX_LOSS] = max_loss
    acct[A_TRAILING] = 1.0 if trailing else 0.0
    acct[A_LOCK] = 1.0 if lock_at_initial else 0.0
    acct[A_SAFETY] = safety_buffer
    acct[A_OVERNIGHT] = 1.0 if overnight_guard else 0.0
    return acct


# ---------------------------------------------------------------------------- sizing
@njit(cache=True, _nrt=False)
def round_volume_down_nb(volume: float, step: float) -> float:
    """SymbolSpec.round_volume_down: floor to ``step`` (1e-9 of a step tolerated), then round to
    the step's decimals + 2."""
    steps = math.floor(volume / step + 1e-9)
    decimals = max(0, -math.floor(math.log10(step)) + 2)
    return round(steps * step, decimals)


@njit(cache=True, _nrt=False)
def loss_per_lot_nb(
    stop_distance: float,
    tick_size: float,
    tick_value: float,
    spread: float,
    slippage: float,
    commission_per_lot: float,
) -> float:
    """risk.sizing.loss_per_lot: ticks (snapped to whole within TICK_SNAP) x tick value +
    round-turn commission."""
    ticks = (stop_distance + spread + slippage) / tick_size
    whole = float(round(ticks))
    if abs(ticks - whole) <= TICK_SNAP:
        ticks = whole
    return ticks * tick_value + commission_per_lot


@njit(cache=True, _nrt=False)
def size_volume_nb(
    equity: float,
    entry: float,
    stop: float,
    risk_per_trade: float,
    risk_multiplier: float,
    max_risk_per_trade: float,
    spread: float,
    commission_per_lot: float,
    slippage: float,
    tick_size: float,
    tick_value: float,
    volume_min: float,
    volume_max: float,
    volume_step: float,
    max_risk_money: float,
) -> tuple[float, float, float, float, int]:
    """risk.sizing.size_position without Kelly: ``(volume, money_at_risk, loss_per_lot,
    risk_money, code)``; ``code`` is ``SIZE_OK`` or the first refusal (volume 0).

    ``max_risk_money = inf`` stands for ``None``; it must be >= 0.
    """
    stop_distance = abs(entry - stop)
    per_lot = loss_per_lot_nb(
        stop_distance, tick_size, tick_value, spread, slippage, commission_per_lot
    )
    fraction = risk_per_trade * risk_multiplier
    if fraction > max_risk_per_trade:
        fraction = max_risk_per_trade
    fraction = max(fraction, 0.0)
    budget = equity * fraction if equity > 0 else 0.0
    if budget > max_risk_money:
        budget = max(max_risk_money, 0.0)
    if stop_distance <= 0:
        return 0.0, 0.0, per_lot, budget, SIZE_ZERO_STOP
    if equity <= 0:
        return 0.0, 0.0, per_lot, budget, SIZE_NO_EQUITY
    if budget <= 0:
        return 0.0, 0.0, per_lot, budget, SIZE_NO_RISK
    raw = budget / per_lot
    limit = min(raw, volume_max)
    volume = round_volume_down_nb(limit, volume_step)
    while volume > 0 and (volume * per_lot > budget or volume > limit + 1e-9 * volume_step):
        steps = round(volume / volume_step) - 1
        volume = round_volume_down_nb(max(steps, 0) * volume_step, volume_step)
    if volume <= 0 or volume < volume_min - 1e-9 * volume_step:
        return 0.0, 0.0, per_lot, budget, SIZE_BELOW_MIN
    return volume, volume * per_lot, per_lot, budget, SIZE_OK


# ---------------------------------------------------------------------------- floors
@njit(cache=True, _nrt=False)
def daily_floor_nb(acct: np.ndarray) -> float:
    """floors.daily_floor of the account: midnight balance − daily_loss × initial."""
    return acct[A_MIDNIGHT] - acct[A_DAILY_LOSS] * acct[A_INITIAL]


@njit(cache=True, _nrt=False)
def trailing_floor_nb(
    previous: float, initial: float, highest_eod: float, max_loss: float, lock: bool
) -> float:
    """floors.trailing_overall_floor."""
    floor = max(initial, highest_eod) - max_loss * initial
    if lock and floor > initial:
        floor = initial
    return max(previous, floor)


@njit(cache=True, _nrt=False)
def roll_day_nb(acct: np.ndarray, day: int) -> bool:
    """Advance the account to Prague day ``day`` (PropFirmAccount._advance/_roll_day): the first
    call only sets the day; a later day takes the current balance as the midnight balance,
    raises the highest end-of-day balance and, when trailing, the overall floor. Rolling several
    midnights at once with an unchanged balance equals rolling them one by one. Returns True
    when a midnight passed."""
    if acct[A_DAY] < 0:
        acct[A_DAY] = day
        return False
    if day <= acct[A_DAY]:
        return False
    balance = acct[A_BALANCE]
    acct[A_MIDNIGHT] = balance
    acct[A_HIGHEST_EOD] = max(acct[A_HIGHEST_EOD], balance)
    if acct[A_TRAILING] > 0:
        acct[A_OVERALL] = trailing_floor_nb(
            acct[A_OVERALL],
            acct[A_INITIAL],
            acct[A_HIGHEST_EOD],
            acct[A_MAX_LOSS],
            acct[A_LOCK] > 0,
        )
    acct[A_DAY] = day
    return True


@njit(cache=True, _nrt=False)
def breach_code_nb(acct: np.ndarray, equity: float) -> int:
    """floors.monitor_level's breach test and PropFirmAccount._breach_reason: ``BREACH_NONE``
    when ``equity`` >= the higher floor, else ``BREACH_DAILY`` when the daily floor is the
    higher (ties included), ``BREACH_OVERALL`` otherwise."""
    daily = daily_floor_nb(acct)
    overall = acct[A_OVERALL]
    if equity - max(daily, overall) < 0.0:
        return codes.BREACH_DAILY if daily >= overall else codes.BREACH_OVERALL
    return codes.BREACH_NONE


@njit(cache=True, _nrt=False)
def risk_room_nb(acct: np.ndarray, equity: float, open_risk: float) -> float:
    """PropFirmAccount.risk_room: the most a new order may lose at its stop before the worst
    case (every open stop filled) comes within ``safety_buffer`` of a guarded floor (today's
    two and, with ``overnight_guard``, those the next midnight would set when higher); >= 0."""
    initial = acct[A_INITIAL]
    balance = acct[A_BALANCE]
    buffer = acct[A_SAFETY] * initial
    worst = min(balance - open_risk, equity)
    daily = daily_floor_nb(acct)
    overall = acct[A_OVERALL]
    room = min(worst - daily - buffer, worst - overall - buffer)
    if acct[A_OVERNIGHT] > 0:
        next_daily = balance - acct[A_DAILY_LOSS] * initial
        if next_daily > daily:
            room = min(room, worst - next_daily - buffer)
        if acct[A_TRAILING] > 0:
            next_overall = trailing_floor_nb(
                overall,
                initial,
                max(acct[A_HIGHEST_EOD], balance),
                acct[A_MAX_LOSS],
                acct[A_LOCK] > 0,
            )
            if next_overall > overall:
                room = min(room, worst - next_overall - buffer)
    return max(0.0, room)


@njit(cache=True, _nrt=False)
def monitor_level_nb(acct: np.ndarray, equity: float, hard_buffer: float) -> int:
    """floors.monitor_level against the account's floors and buffers (0 ACTIVE, 1 REDUCING,
    2 HALTED, 3 BREACHED)."""
    initial = acct[A_INITIAL]
    headroom = equity - max(daily_floor_nb(acct), acct[A_OVERALL])
    if headroom < 0.0:
        return 3
    if headroom < hard_buffer * initial:
        return 2
    if headroom < acct[A_SAFETY] * initial:
        return 1
    return 0


@njit(cache=True, _nrt=False)
def account_view_nb(
    acct: np.ndarray,
    scratch: np.ndarray,
    day: int,
    equity: float,
    open_risk: float,
    hard_buffer: float,
) -> tuple[float, int]:
    """``(risk_room_nb, monitor_level_nb)`` of the account as it stands on Prague ``day``: when
    the account has not met that day's midnight yet, a copy in ``scratch`` (same shape) is
    rolled to it first; ``acct`` is never changed."""
    now = acct
    if day != acct[A_DAY]:
        for i in range(acct.shape[0]):
            scratch[i] = acct[i]
        roll_day_nb(scratch, day)
        now = scratch
    return risk_room_nb(now, equity, open_risk), monitor_level_nb(now, equity, hard_buffer)

"""The prop-firm floor arithmetic as small pure scalar functions.

Everything is money in account currency; ``daily_loss``, ``max_loss`` and the buffers are
fractions of the initial balance. The backtester's numba kernels mirror these one to one, so
they take and return plain floats and ints only.
"""

from __future__ import annotations

#: monitor levels returned by :func:`monitor_level`
LEVEL_ACTIVE = 0
LEVEL_REDUCING = 1
LEVEL_HALTED = 2
LEVEL_BREACHED = 3


def daily_floor(midnight_balance: float, initial_balance: float, daily_loss: float) -> float:
    """``midnight_balance − daily_loss × initial_balance``: equity below it breaks the daily rule."""
    return midnight_balance - daily_loss * initial_balance


def static_overall_floor(initial_balance: float, max_loss: float) -> float:
    """``initial_balance × (1 − max_loss)`` (2-Step: fixed for the life of the account)."""
    return initial_balance - max_loss * initial_balance


def trailing_overall_floor(
    previous_floor: float,
    initial_balance: float,
    highest_eod_balance: float,
    max_loss: float,
    lock_at_initial: bool,
) -> float:
    """1-Step floor after a Prague midnight: ``max(initial, highest EOD balance) − max_loss ×
    initial``, never below ``previous_floor`` (it only rises); with ``lock_at_initial`` it stops
    at the initial balance."""
    floor = max(initial_balance, highest_eod_balance) - max_loss * initial_balance
    if lock_at_initial and floor > initial_balance:
        floor = initial_balance
    return max(previous_floor, floor)


def worst_case_equity(balance: float, equity: float, open_loss_at_stop: float) -> float:
    """Equity if every open position's stop fills: ``balance − Σ loss at stop``, or the current
    equity when that is already lower (a position past its stop)."""
    return min(balance - open_loss_at_stop, equity)


def monitor_level(
    equity: float,
    daily: float,
    overall: float,
    initial_balance: float,
    safety_buffer: float,
    hard_buffer: float,
) -> int:
    """Where equity stands against the higher floor.

    ``LEVEL_BREACHED`` below it; ``LEVEL_HALTED`` within ``hard_buffer × initial`` of it;
    ``LEVEL_REDUCING`` within ``safety_buffer × initial``; else ``LEVEL_ACTIVE``.
    """
    headroom = equity - max(daily, overall)
    if headroom < 0.0:
        return LEVEL_BREACHED
    if headroom < hard_buffer * initial_balance:
        return LEVEL_HALTED
    if headroom < safety_buffer * initial_balance:
        return LEVEL_REDUCING
    return LEVEL_ACTIVE


def room_above(worst_equity: float, floor: float, initial_balance: float, buffer: float) -> float:
    """Money that may still be lost before ``worst_equity`` comes within ``buffer × initial`` of
    ``floor`` (negative: already inside the buffer)."""
    return worst_equity - floor - buffer * initial_balance

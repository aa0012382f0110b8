"""Integer codes shared by the numba kernels and the pandas edge, with their names.

The kernels return status codes instead of raising; these tables turn them into the strings a
:class:`~mikrobot.backtest.result.BacktestResult` reports.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------- run status
#: the kernel processed every bar it was asked to
STATUS_OK = 0
#: a prop-firm floor was breached: the run ended at the breach bar
STATUS_BREACHED = 1
#: the trade buffer is full (the caller allocates more and resumes; never seen by users)
STATUS_TRADES_FULL = 2

# ---------------------------------------------------------------------------- exit reasons
EXIT_STOP = 1
EXIT_TARGET = 2
EXIT_SIGNAL = 3  # an exit signal, or an exclusive entry closing the open position
EXIT_BREACH = 4  # closed when the account was lost
EXIT_END = 5  # still open at the last bar: marked at its close (bid for longs, ask for shorts)

EXIT_NAMES: dict[int, str] = {
    EXIT_STOP: "stop",
    EXIT_TARGET: "target",
    EXIT_SIGNAL: "signal",
    EXIT_BREACH: "breach",
    EXIT_END: "end_of_data",
}

# ---------------------------------------------------------------------------- breaches
BREACH_NONE = 0
BREACH_DAILY = 1  # equity below the daily floor (the higher of the two)
BREACH_OVERALL = 2  # equity below the overall floor (the higher of the two)

#: the reason codes of :meth:`mikrobot.risk.propfirm.PropFirmAccount._breach_reason`
BREACH_NAMES: dict[int, str] = {
    BREACH_NONE: "",
    BREACH_DAILY: "max_daily_loss",
    BREACH_OVERALL: "max_loss",
}

# ---------------------------------------------------------------------------- kernel rejections
#: orders the kernel itself refused at the fill (the evaluation's refusals are counted apart)
REJECT_MAX_OPEN = 0
REJECT_ZERO_STOP = 1  # stop at or beyond the fill price
REJECT_NO_ROOM = 2  # no prop-firm room left above the floors (safety buffer included)
REJECT_VOLUME_MIN = 3  # the budget does not cover volume_min
REJECT_NO_EQUITY = 4
REJECT_AFTER_END = 5  # the entry bar lies beyond the data
N_REJECT = 6

REJECT_NAMES: tuple[str, ...] = (
    "max_open_positions",
    "zero_stop",
    "prop_firm_no_room",
    "below_volume_min",
    "no_equity",
    "entry_after_data",
)

# ---------------------------------------------------------------------------- policies
POLICY_PESSIMISTIC = 0  # a bar touching stop and target: the stop filled first
POLICY_OPTIMISTIC = 1  # ... the target filled first
POLICY_STOP_FIRST = 2  # backtesting.py: the stop order is checked first, even after a gap
POLICIES: dict[str, int] = {
    "pessimistic": POLICY_PESSIMISTIC,
    "optimistic": POLICY_OPTIMISTIC,
    "stop_first": POLICY_STOP_FIRST,
}

# ---------------------------------------------------------------------------- sizing modes
SIZE_FIXED = 0  # the order's volume as given
SIZE_RISK = 1  # risk sizing (mirror of mikrobot.risk.sizing.size_position)
SIZE_CASH_FRACTION = 2  # backtesting.py: int(cash x fraction // price) units

# ---------------------------------------------------------------------------- overall floor
FLOOR_STATIC = 0
FLOOR_TRAILING_EOD = 1

"""Performance feedback (SPEC §8): rolling statistics and bounded adjustments.

After each closed trade, :func:`record_trade` recomputes the statistics of the last ``window``
trades and, when switched on, moves two limits by at most one step each:

* expectancy below ``tighten_below`` [0 R]: minimum confidence +``confidence_step`` [0.05]
  (never above ``confidence_max`` [0.8]) and risk-multiplier cap -``cap_step`` [0.25] (never
  below ``cap_min`` [0.5]);
* expectancy above ``relax_above`` [0.3 R] with at least ``window`` trades: each limit one step
  back toward its default (never past it).

Every change is a :class:`FeedbackAdjusted` event with the value before and after. The state is
an immutable value, so replaying the same trades gives the same limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from mikrobot.core.events import Event, Reason
from mikrobot.strategy.params import FeedbackParams

__all__ = [
    "FeedbackAdjusted",
    "FeedbackAdjustments",
    "FeedbackState",
    "FeedbackUpdate",
    "RollingStats",
    "TradeResult",
    "initial_state",
    "record_trade",
    "replay_trades",
    "rolling_stats",
]

_DIGITS = 10  # limits are rounded so that repeated steps do not drift (0.6 + 4 x 0.05)


@dataclass(frozen=True, slots=True)
class TradeResult:
    """A closed trade: UTC epoch-ns ``close_ts`` and the result in R (profit / planned risk).

    A loss has ``r_multiple < 0``, a win ``> 0``; a scratch (``0``) is neither.
    """

    close_ts: int
    r_multiple: float
    symbol: str = ""
    correlation_id: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.r_multiple):
            raise ValueError(f"r_multiple must be finite, got {self.r_multiple!r}")

    @property
    def is_loss(self) -> bool:
        """True for a losing trade (``r_multiple < 0``)."""
        return self.r_multiple < 0.0


@dataclass(frozen=True, slots=True)
class RollingStats:
    """Statistics over the last ``n`` trades (R units).

    ``win_rate`` = wins / n; ``avg_r`` = mean R; ``expectancy`` =
    win_rate × mean win - loss_rate × mean |loss| (equal to ``avg_r``; kept for the SPEC's
    wording); ``profit_factor`` = sum of wins / |sum of losses| (``inf`` without losses,
    ``nan`` with neither); ``consecutive_losses`` = the losing streak ending at the last trade.
    All are ``nan`` (streak 0) for ``n == 0``.
    """

    n: int
    win_rate: float
    avg_r: float
    expectancy: float
    profit_factor: float
    consecutive_losses: int

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict (for reasons and reports)."""
        return {
            "n": self.n,
            "win_rate": self.win_rate,
            "avg_r": self.avg_r,
            "expectancy": self.expectancy,
            "profit_factor": self.profit_factor,
            "consecutive_losses": self.consecutive_losses,
        }


def rolling_stats(results: Iterable[TradeResult]) -> RollingStats:
    """The :class:`RollingStats` of ``results`` (all of them, in the order given)."""
    rs = [t.r_multiple for t in results]
    n = len(rs)
    if n == 0:
        nan = math.nan
        return RollingStats(0, nan, nan, nan, nan, 0)
    wins = [r for r in rs if r > 0.0]
    losses = [r for r in rs if r < 0.0]
    gross_win = math.fsum(wins)
    gross_loss = -math.fsum(losses)
    win_rate = len(wins) / n
    loss_rate = len(losses) / n
    mean_win = gross_win / len(wins) if wins else 0.0
    mean_loss = gross_loss / len(losses) if losses else 0.0
    expectancy = win_rate * mean_win - loss_rate * mean_loss
    if gross_loss > 0.0:
        profit_factor = gross_win / gross_loss
    else:
        profit_factor = math.inf if gross_win > 0.0 else math.nan
    streak = 0
    for r in reversed(rs):
        if r >= 0.0:
            break
        streak += 1
    return RollingStats(n, win_rate, math.fsum(rs) / n, expectancy, profit_factor, streak)


@dataclass(frozen=True, slots=True)
class FeedbackAdjustments:
    """The limits feedback hands to evaluation: a minimum confidence and a risk-multiplier cap."""

    min_confidence: float
    risk_multiplier_cap: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackAdjusted(Event):
    """One bounded change of a feedback limit, with its value ``before`` and ``after``.

    ``parameter`` is ``"min_confidence"`` or ``"risk_multiplier_cap"``; ``reason`` carries the
    code (``expectancy_below_threshold`` or ``expectancy_above_threshold``) and the statistics.
    """

    kind: ClassVar[str] = "feedback_adjusted"

    parameter: str
    before: float
    after: float
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able record."""
        out = Event.to_dict(self)
        out["reason"] = self.reason.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class FeedbackState:
    """Feedback's memory: the last ``window`` trades, the current limits and their defaults."""

    results: tuple[TradeResult, ...]
    min_confidence: float
    risk_multiplier_cap: float
    default_min_confidence: float
    default_risk_multiplier_cap: float

    @property
    def adjustments(self) -> FeedbackAdjustments:
        """The current limits, for :class:`~mikrobot.strategy.evaluation.EvaluationContext`."""
        return FeedbackAdjustments(self.min_confidence, self.risk_multiplier_cap)

    @property
    def stats(self) -> RollingStats:
        """Statistics over the kept trades."""
        return rolling_stats(self.results)


@dataclass(frozen=True, slots=True)
class FeedbackUpdate:
    """What :func:`record_trade` returns: the new state, its statistics and the events."""

    state: FeedbackState
    stats: RollingStats
    events: tuple[FeedbackAdjusted, ...]


def initial_state(
    params: FeedbackParams, default_min_confidence: float, default_risk_multiplier_cap: float
) -> FeedbackState:
    """A fresh state at the defaults (the evaluation's minimum confidence and
    ``multiplier_at_max``). Raises ``ValueError`` when a default lies outside the bounds."""
    if not 0.0 <= default_min_confidence <= params.confidence_max:
        raise ValueError(
            f"default minimum confidence {default_min_confidence} is above feedback "
            f"confidence_max {params.confidence_max}: raise confidence_max"
        )
    if default_risk_multiplier_cap < params.cap_min:
        raise ValueError(
            f"default risk-multiplier cap {default_risk_multiplier_cap} is below feedback "
            f"cap_min {params.cap_min}: lower cap_min"
        )
    return FeedbackState(
        (),
        default_min_confidence,
        default_risk_multiplier_cap,
        default_min_confidence,
        default_risk_multiplier_cap,
    )


def record_trade(
    state: FeedbackState, trade: TradeResult, params: FeedbackParams
) -> FeedbackUpdate:
    """Add a closed ``trade`` and apply at most one step to each limit (SPEC §8).

    Trades must arrive in close-time order (``ValueError`` otherwise). With
    ``params.enabled`` off the statistics still update but the limits never move and no event
    is produced.
    """
    if state.results and trade.close_ts < state.results[-1].close_ts:
        raise ValueError(
            f"trade closed at {trade.close_ts} arrives after one closed at "
            f"{state.results[-1].close_ts}: feed trades in close-time order"
        )
    kept = (*state.results, trade)[-params.window :]
    stats = rolling_stats(kept)
    new_state = replace(state, results=kept)
    if not params.enabled:
        return FeedbackUpdate(new_state, stats, ())

    conf, cap = state.min_confidence, state.risk_multiplier_cap
    if stats.expectancy < params.tighten_below:
        code, threshold = "expectancy_below_threshold", params.tighten_below
        new_conf = min(params.confidence_max, round(conf + params.confidence_step, _DIGITS))
        new_cap = max(params.cap_min, round(cap - params.cap_step, _DIGITS))
        # never loosen while tightening (a limit already past its bound is held, not moved back)
        new_conf, new_cap = max(new_conf, conf), min(new_cap, cap)
    elif stats.expectancy > params.relax_above and stats.n >= params.window:
        code, threshold = "expectancy_above_threshold", params.relax_above
        low_conf, high_cap = state.default_min_confidence, state.default_risk_multiplier_cap
        new_conf = (
            max(low_conf, round(conf - params.confidence_step, _DIGITS))
            if conf > low_conf
            else conf
        )
        new_cap = min(high_cap, round(cap + params.cap_step, _DIGITS)) if cap < high_cap else cap
    else:
        return FeedbackUpdate(new_state, stats, ())

    reason = Reason(
        code,
        f"expectancy {stats.expectancy:.3f} R over {stats.n} trades",
        {**stats.to_dict(), "threshold": threshold},
    )
    events: list[FeedbackAdjusted] = []
    for parameter, before, after in (
        ("min_confidence", conf, new_conf),
        ("risk_multiplier_cap", cap, new_cap),
    ):
        if after != before:
            events.append(
                FeedbackAdjusted(
                    ts=trade.close_ts,
                    correlation_id=trade.correlation_id,
                    parameter=parameter,
                    before=before,
                    after=after,
                    reason=reason,
                )
            )
    new_state = replace(new_state, min_confidence=new_conf, risk_multiplier_cap=new_cap)
    return FeedbackUpdate(new_state, stats, tuple(events))


def replay_trades(
    trades: Iterable[TradeResult], params: FeedbackParams, state: FeedbackState
) -> tuple[FeedbackState, tuple[FeedbackAdjusted, ...]]:
    """Fold :func:`record_trade` over ``trades`` from ``state``: the final state and every event.

    The limits are a pure function of the trade sequence, so a restarted live process (or a
    backtest) rebuilds them by replaying its closed trades.
    """
    events: list[FeedbackAdjusted] = []
    for trade in trades:
        update = record_trade(state, trade, params)
        state = update.state
        events.extend(update.events)
    return state, tuple(events)

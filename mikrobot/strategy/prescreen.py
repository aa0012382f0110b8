"""Batch prescreen of the strategic evaluation: which signals :func:`evaluate` must see.

A backtest meets thousands of signals, and most fail a check that does not depend on the
account: the confidence floor, the sessions, the news blackout, the spread, the volatility
regime. :func:`static_failures` computes those checks with numpy for all signals at once, with
the same arithmetic and the same flattened parameters as :class:`Evaluator`;
:func:`quiet_gate` says, for one account state, which signals cannot fail any state-dependent
check (trading state, positions, exposure, cool-down, headroom, multiplier floor, a confidence
floor raised by feedback).

A signal that fails a static check in a quiet state is rejected by :func:`evaluate` with
exactly its static codes, so a backtest may count those codes without calling it; every other
signal goes through :func:`evaluate`, which stays the single source of truth. The gate is
conservative: when in doubt, it sends the signal to :func:`evaluate`. Tests prove that a
backtest with the prescreen equals one that calls :func:`evaluate` for every signal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from mikrobot.core.sessions import in_session
from mikrobot.core.symbol import SymbolSpec
from mikrobot.strategy.evaluation import Evaluator, loss_streak
from mikrobot.strategy.feedback import FeedbackAdjustments, TradeResult
from mikrobot.strategy.news import NewsCalendar

__all__ = ["STATIC_CODES", "QuietGate", "cooldown_until", "quiet_gate", "static_failures"]

#: the reason codes of the state-independent checks, the columns of :func:`static_failures`
STATIC_CODES = (
    "confidence_below_min",
    "outside_sessions",
    "news_calendar_missing",
    "news_blackout",
    "spread_unknown",
    "spread_too_wide",
    "volatility_unknown",
    "volatility_too_low",
    "volatility_too_high",
)
_COL = {code: k for k, code in enumerate(STATIC_CODES)}
_NEVER = -(2**63)


def static_failures(
    evaluator: Evaluator,
    *,
    spec: SymbolSpec,
    ts: np.ndarray,
    confidence: np.ndarray,
    entry: np.ndarray,
    stop: np.ndarray,
    spread_points: np.ndarray,
    atr_percentile: np.ndarray,
    news: NewsCalendar | None,
    news_rule_applies: bool,
) -> np.ndarray:
    """Boolean matrix (signals × :data:`STATIC_CODES`): True where the signal fails that check.

    Each column is what ``evaluator`` reports for a signal of that ``ts`` (UTC epoch ns),
    ``confidence``, ``entry``, ``stop`` on ``spec``'s symbol in a context with that
    ``spread_points``, ``atr_percentile``, ``news`` calendar and ``news_rule_applies``; the
    confidence column uses the configured minimum (feedback may raise it: see
    :func:`quiet_gate`). Arrays have one value per signal; the signals must be valid
    :class:`~mikrobot.core.signal.Signal` values (rows that are not give meaningless rows).
    """
    ts = np.asarray(ts, dtype=np.int64)
    m = ts.shape[0]
    out = np.zeros((m, len(STATIC_CODES)), np.bool_)
    _, on_conf, on_sessions, on_spread, on_vol, *_ = evaluator._on
    if on_conf:
        out[:, _COL["confidence_below_min"]] = np.asarray(confidence) < evaluator._min_conf
    if on_sessions and m:
        open_any = np.zeros(m, np.bool_)
        for window in evaluator._windows:
            open_any |= in_session(ts, window)
        out[:, _COL["outside_sessions"]] = ~open_any
    if evaluator._news_on and (evaluator._news_all or news_rule_applies):
        if news is None:
            out[:, _COL["news_calendar_missing"]] = evaluator._news_require
        else:
            quote, profit = spec.quote_currency, spec.profit_currency
            currencies = (
                (spec.base_currency, quote)
                if profit == quote
                else (spec.base_currency, quote, profit)
            )
            out[:, _COL["news_blackout"]] = news.blackout_mask(
                currencies,
                ts,
                before_ns=evaluator._news_before,
                after_ns=evaluator._news_after,
                min_impact=evaluator._news_impact,
            )
    if on_spread:
        points = np.asarray(spread_points, dtype=np.float64)
        known = (points >= 0.0) & (points < math.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = (points * spec.point) / np.abs(np.asarray(entry) - np.asarray(stop))
        out[:, _COL["spread_unknown"]] = ~known
        out[:, _COL["spread_too_wide"]] = known & (fraction > evaluator._max_fraction)
    if on_vol:
        pct = np.asarray(atr_percentile, dtype=np.float64)
        unknown = np.isnan(pct)
        out[:, _COL["volatility_unknown"]] = unknown
        out[:, _COL["volatility_too_low"]] = ~unknown & (pct < evaluator._min_pct)
        out[:, _COL["volatility_too_high"]] = (
            ~unknown & ~(pct < evaluator._min_pct) & (pct > evaluator._max_pct)
        )
    return out


class QuietGate(NamedTuple):
    """Which signals cannot fail a state-dependent check in one account state.

    A signal at ``ts`` with ``confidence`` is quiet when ``open`` and ``ts >= ts_from`` and its
    confidence is outside ``[conf_lo, conf_hi)`` (the band a feedback-raised floor adds).
    """

    open: bool
    ts_from: int
    conf_lo: float
    conf_hi: float

    def quiet(self, ts: int, confidence: float) -> bool:
        """True when :func:`evaluate` reports no state-dependent reason for this signal."""
        return self.open and ts >= self.ts_from and not (self.conf_lo <= confidence < self.conf_hi)


_CLOSED = QuietGate(False, _NEVER, 0.0, 0.0)


def quiet_gate(
    evaluator: Evaluator,
    *,
    trading_state: str,
    open_positions_symbol: int,
    open_positions_total: int,
    currency_exposure: dict[str, int] | None,
    recent_trades: Sequence[TradeResult],
    headroom_money: float,
    risk_budget_money: float,
    adjustments: FeedbackAdjustments | None,
    cool_until: int | None = None,
) -> QuietGate:
    """The :class:`QuietGate` of the context with these fields (the other fields of a context
    feed only the static checks).

    Closed (every signal goes to :func:`evaluate`) unless: the state is ACTIVE, no position
    limit is reached, no currency is exposed, the headroom is positive and the risk multiplier
    cannot fall to the floor (its lower bound, ``multiplier_at_min`` capped by feedback and by
    the headroom, is above ``min_multiplier``). ``ts_from`` is past the last closed trade and
    past the end of a cool-down that trade history triggers (``cool_until``: that instant
    from :func:`cooldown_until` for these ``recent_trades``, computed here when ``None``).
    """
    on_state, on_conf, _, _, _, on_pos, on_exp, _ = evaluator._on
    if on_state and trading_state != "ACTIVE":
        return _CLOSED
    if on_pos and (
        open_positions_symbol >= evaluator._max_symbol
        or open_positions_total >= evaluator._max_total
    ):
        return _CLOSED
    if on_exp and (currency_exposure or evaluator._exposure_max < 1):
        return _CLOSED
    if headroom_money != headroom_money:  # nan: the context refuses it, let evaluate say so
        return _CLOSED
    floor = min(evaluator._at_min, evaluator._at_max)
    if adjustments is not None and adjustments.risk_multiplier_cap < floor:
        floor = adjustments.risk_multiplier_cap
    if evaluator._headroom_cap and headroom_money < math.inf:
        if not (headroom_money > 0.0 and risk_budget_money > 0.0):
            return _CLOSED
        cap = headroom_money / risk_budget_money
        if cap < floor:
            floor = cap
    if not floor > evaluator._min_multiplier:
        return _CLOSED
    ts_from = cooldown_until(evaluator, recent_trades) if cool_until is None else cool_until
    conf_lo = conf_hi = 0.0
    if on_conf and adjustments is not None and adjustments.min_confidence > evaluator._min_conf:
        conf_lo, conf_hi = evaluator._min_conf, adjustments.min_confidence
    return QuietGate(True, ts_from, conf_lo, conf_hi)


def cooldown_until(evaluator: Evaluator, recent_trades: Sequence[TradeResult]) -> int:
    """The first instant from which the cool-down cannot reject a signal, given these trades:
    after the last close (no trade is skipped as unknown) and after the pause a losing streak
    of ``losses`` trades imposes; the smallest int64 when the cool-down is off or no trade."""
    if not evaluator._on[7] or not recent_trades:
        return _NEVER
    last_close = max(t.close_ts for t in recent_trades)
    need = evaluator._cool_losses
    streak, last_loss_ts = loss_streak(recent_trades, last_close, need)
    if streak >= need:
        return max(last_close, last_loss_ts + evaluator._cool_ns)
    return last_close

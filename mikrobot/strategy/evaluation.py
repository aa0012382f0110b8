"""Strategic evaluation, the "product owner" (SPEC §5): approve or reject a signal.

:func:`evaluate` is a pure, deterministic function of the signal, its
:class:`~mikrobot.strategy.context.EvaluationContext`, the :class:`EvaluationParams` and the
session table. It runs every enabled check and reports **every** failure as a
:class:`~mikrobot.core.events.Reason` with a stable code and the numbers behind it, then derives
the risk multiplier (linear in confidence, capped by feedback and by the prop-firm headroom).

Reason codes (checks, in the order they run):

===================================== ========================================================
``trading_state_not_active``          state is REDUCING or HALTED
``confidence_below_min``              confidence < minimum (configured, or raised by feedback)
``outside_sessions``                  no allowed session is open at the signal time
``news_blackout``                     a restricted release is within the window
``news_calendar_missing``             the news rule applies but no calendar was given
``spread_unknown`` / ``spread_too_wide``  spread > ``max_fraction_of_stop`` × stop distance
                                      (relative tolerance 1e-9 for float noise)
``volatility_unknown`` / ``volatility_too_low`` / ``volatility_too_high``  ATR percentile
``max_positions_symbol`` / ``max_positions_total``  open-position limits reached
``currency_exposure_limit``           the trade would push a currency past its limit
``cooldown_active``                   ``losses`` consecutive losses, pause not over
``prop_firm_headroom_exhausted``      no money left above the nearest floor
``risk_multiplier_below_min``         the capped multiplier is at or below ``min_multiplier``
===================================== ========================================================

Adjustment codes: ``risk_multiplier_from_confidence``, ``risk_multiplier_capped_by_feedback``,
``risk_multiplier_capped_by_headroom``.

The per-signal path uses no pandas and no arrays: :class:`Evaluator` flattens the parameters
once, so a call costs a few microseconds. Messages are fixed per code; the numbers are in
``values``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from mikrobot.core.events import Event, Reason
from mikrobot.core.instruments import canonical_name
from mikrobot.core.sessions import DEFAULT_SESSIONS, SessionWindow
from mikrobot.core.signal import Signal
from mikrobot.strategy.context import EvaluationContext
from mikrobot.strategy.feedback import TradeResult
from mikrobot.strategy.news import Impact, minutes_ns
from mikrobot.strategy.params import EvaluationParams
from mikrobot.strategy.sessiontime import in_window

__all__ = [
    "Decision",
    "DecisionMade",
    "Evaluator",
    "evaluate",
    "loss_streak",
    "risk_multiplier_for",
]

_NS_PER_MIN = 60_000_000_000
_REL_TOL = 1e-9
_IMPACT = {"low": Impact.LOW, "medium": Impact.MEDIUM, "high": Impact.HIGH}


@dataclass(frozen=True, slots=True)
class Decision:
    """The evaluation's answer.

    ``approved`` is True only when ``reasons`` is empty. ``risk_multiplier`` scales the
    planned risk (0.0 when rejected); ``adjustments`` explains how it was derived even for a
    rejection; ``checked`` names the checks that ran (disabled ones are absent).
    """

    approved: bool
    reasons: tuple[Reason, ...]
    risk_multiplier: float
    adjustments: tuple[Reason, ...]
    checked: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The rejection codes, in check order."""
        return tuple(r.code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return {
            "approved": self.approved,
            "reasons": [r.to_dict() for r in self.reasons],
            "risk_multiplier": self.risk_multiplier,
            "adjustments": [r.to_dict() for r in self.adjustments],
            "checked": list(self.checked),
        }

    def to_event(self, signal: Signal, ts: int | None = None) -> DecisionMade:
        """This decision as an event carrying the signal's correlation id (``ts`` defaults to
        the signal's)."""
        return DecisionMade(
            ts=signal.ts if ts is None else ts,
            correlation_id=signal.correlation_id,
            causation_id=signal.signal_id,
            signal_id=signal.signal_id,
            symbol=signal.symbol,
            approved=self.approved,
            risk_multiplier=self.risk_multiplier,
            reasons=self.reasons,
            adjustments=self.adjustments,
            checked=self.checked,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionMade(Event):
    """A decision on a signal, as stored in the event log."""

    kind: ClassVar[str] = "decision"

    signal_id: str
    symbol: str
    approved: bool
    risk_multiplier: float
    reasons: tuple[Reason, ...]
    adjustments: tuple[Reason, ...]
    checked: tuple[str, ...]


def risk_multiplier_for(
    confidence: float, min_confidence: float, at_min: float, at_max: float
) -> float:
    """Linear from ``at_min`` at ``min_confidence`` to ``at_max`` at confidence 1.0, clamped.

    With ``min_confidence >= 1`` only a confidence of 1.0 earns ``at_max``.
    """
    if min_confidence >= 1.0:
        frac = 1.0 if confidence >= 1.0 else 0.0
    else:
        frac = (confidence - min_confidence) / (1.0 - min_confidence)
        frac = 0.0 if frac < 0.0 else 1.0 if frac > 1.0 else frac
    return at_min + (at_max - at_min) * frac


def loss_streak(trades: Sequence[TradeResult], ts: int, need: int) -> tuple[int, int]:
    """The losing streak the cool-down sees at ``ts``: ``(streak, close_ts of its last loss)``.

    Walks ``trades`` (close-time order) from the newest, skipping trades closed after ``ts``,
    counting consecutive losses (``r_multiple < 0``) up to ``need``; ``(0, 0)`` without one.
    """
    streak = 0
    last_loss_ts = 0
    for trade in reversed(trades):
        if trade.close_ts > ts:
            continue  # closed after the signal: not known yet
        if trade.r_multiple >= 0.0:
            break
        if streak == 0:
            last_loss_ts = trade.close_ts
        streak += 1
        if streak >= need:
            break
    return streak, last_loss_ts


class Evaluator:
    """:func:`evaluate` with the parameters and the session table flattened once.

    Hold one per parameter set in a loop (backtest, live runtime); ``evaluator(signal,
    context)`` equals ``evaluate(signal, context, params, sessions)``. Raises ``ValueError``
    when no allowed session exists in the table.
    """

    __slots__ = (
        "_allowed",
        "_at_max",
        "_at_min",
        "_checked",
        "_checked_variants",
        "_cool_losses",
        "_cool_ns",
        "_exposure_max",
        "_headroom_cap",
        "_max_fraction",
        "_max_pct",
        "_max_symbol",
        "_max_total",
        "_min_conf",
        "_min_multiplier",
        "_min_pct",
        "_news_after",
        "_news_all",
        "_news_before",
        "_news_impact",
        "_news_on",
        "_news_require",
        "_on",
        "_sessions",
        "_windows",
        "params",
    )

    def __init__(
        self, params: EvaluationParams, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
    ) -> None:
        self.params = params
        p = params
        self._on = (
            p.trading_state.enabled,
            p.confidence.enabled,
            p.sessions.enabled,
            p.spread.enabled,
            p.volatility.enabled,
            p.positions.enabled,
            p.exposure.enabled,
            p.cooldown.enabled,
        )
        self._checked = tuple(
            name
            for name, on in zip(
                (
                    "trading_state",
                    "confidence",
                    "sessions",
                    "spread",
                    "volatility",
                    "positions",
                    "exposure",
                    "cooldown",
                ),
                self._on,
                strict=True,
            )
            if on
        )
        # the checks that ran, for each combination of the two that depend on the context
        self._checked_variants = {
            (news, headroom): _in_order(
                (*self._checked, *(("news",) if news else ()), *(("headroom",) if headroom else ()))
            )
            for news in (False, True)
            for headroom in (False, True)
        }
        self._min_conf = p.confidence.minimum
        self._sessions = tuple(sessions)
        self._allowed = ",".join(p.sessions.allowed)
        self._windows = tuple(w for w in self._sessions if w.name in p.sessions.allowed)
        if p.sessions.enabled and not self._windows:
            raise ValueError(
                f"none of the allowed sessions {', '.join(p.sessions.allowed)} is in the session "
                f"table ({', '.join(w.name for w in self._sessions)})"
            )
        self._news_on = p.news.enabled
        self._news_all = p.news.scope == "all"
        self._news_require = p.news.require_calendar
        self._news_before = minutes_ns(p.news.before_minutes)
        self._news_after = minutes_ns(p.news.after_minutes)
        self._news_impact = _IMPACT[p.news.min_impact]
        self._max_fraction = p.spread.max_fraction_of_stop * (1.0 + _REL_TOL)
        self._min_pct = p.volatility.min_percentile
        self._max_pct = p.volatility.max_percentile
        self._max_symbol = p.positions.max_per_symbol
        self._max_total = p.positions.max_total
        self._exposure_max = p.exposure.max_per_currency
        self._cool_losses = p.cooldown.losses
        self._cool_ns = round(p.cooldown.minutes * _NS_PER_MIN)
        self._at_min = p.sizing.multiplier_at_min
        self._at_max = p.sizing.multiplier_at_max
        self._headroom_cap = p.sizing.headroom_cap
        self._min_multiplier = p.sizing.min_multiplier

    def __call__(self, signal: Signal, context: EvaluationContext) -> Decision:
        """Approve or reject ``signal`` in ``context`` (see :func:`evaluate`)."""
        spec = context.spec
        if spec.name != signal.symbol and canonical_name(spec.name) != canonical_name(
            signal.symbol
        ):
            raise ValueError(
                f"context spec is {spec.name!r} but the signal is on {signal.symbol!r}"
            )
        ts = signal.ts
        confidence = signal.confidence
        reasons: list[Reason] = []
        on_state, on_conf, on_sessions, on_spread, on_vol, on_pos, on_exp, on_cool = self._on
        adj = context.adjustments
        min_conf = self._min_conf
        if adj is not None and adj.min_confidence > min_conf:
            min_conf = adj.min_confidence

        if on_state and context.trading_state != "ACTIVE":
            reasons.append(
                Reason(
                    "trading_state_not_active",
                    "trading state is not ACTIVE",
                    {"state": context.trading_state},
                )
            )

        if on_conf and confidence < min_conf:
            reasons.append(
                Reason(
                    "confidence_below_min",
                    "confidence below the minimum",
                    {"confidence": confidence, "min": min_conf, "configured_min": self._min_conf},
                )
            )

        if on_sessions:
            for window in self._windows:
                if in_window(ts, window):
                    break
            else:
                reasons.append(
                    Reason(
                        "outside_sessions",
                        "no allowed session is open",
                        {
                            "open": ",".join(w.name for w in self._sessions if in_window(ts, w)),
                            "allowed": self._allowed,
                        },
                    )
                )

        news_checked = False
        if self._news_on and (self._news_all or context.news_rule_applies):
            news_checked = True
            calendar = context.news
            if calendar is None:
                if self._news_require:
                    reasons.append(
                        Reason(
                            "news_calendar_missing",
                            "the news rule applies but no calendar is loaded",
                            {"phase": context.phase, "account_type": context.account_type},
                        )
                    )
            else:
                quote = spec.quote_currency
                profit = spec.profit_currency
                currencies = (
                    (spec.base_currency, quote)
                    if profit == quote
                    else (spec.base_currency, quote, profit)
                )
                event = calendar.nearest_in_window(
                    currencies, ts, ts - self._news_after, ts + self._news_before, self._news_impact
                )
                if event is not None:
                    reasons.append(
                        Reason(
                            "news_blackout",
                            "a restricted news release is within the blackout window",
                            {
                                "event_ts": event.ts,
                                "currency": event.currency,
                                "impact": event.impact.name.lower(),
                                "title": event.title,
                                "seconds_to_event": (event.ts - ts) / 1e9,
                            },
                        )
                    )

        if on_spread:
            spread_points = context.spread_points
            if not (spread_points >= 0.0 and spread_points < math.inf):
                reasons.append(
                    Reason("spread_unknown", "no current spread", {"spread_points": spread_points})
                )
            else:
                stop_distance = abs(signal.entry - signal.stop)
                spread = spread_points * spec.point
                fraction = spread / stop_distance
                # prices are binary floats: a spread exactly at the limit must not fail on noise
                if fraction > self._max_fraction:
                    reasons.append(
                        Reason(
                            "spread_too_wide",
                            "spread is too large a fraction of the stop distance",
                            {
                                "spread_points": spread_points,
                                "spread": spread,
                                "stop_distance": stop_distance,
                                "fraction": fraction,
                                "max_fraction": self.params.spread.max_fraction_of_stop,
                            },
                        )
                    )

        if on_vol:
            pct = context.atr_percentile
            if pct is None or pct != pct:  # None or nan
                reasons.append(
                    Reason("volatility_unknown", "no ATR percentile", {"percentile": None})
                )
            elif pct < self._min_pct:
                reasons.append(
                    Reason(
                        "volatility_too_low",
                        "ATR percentile below the regime",
                        {"percentile": pct, "min": self._min_pct},
                    )
                )
            elif pct > self._max_pct:
                reasons.append(
                    Reason(
                        "volatility_too_high",
                        "ATR percentile above the regime",
                        {"percentile": pct, "max": self._max_pct},
                    )
                )

        if on_pos:
            if context.open_positions_symbol >= self._max_symbol:
                reasons.append(
                    Reason(
                        "max_positions_symbol",
                        "open positions on the symbol at the limit",
                        {"open": context.open_positions_symbol, "max": self._max_symbol},
                    )
                )
            if context.open_positions_total >= self._max_total:
                reasons.append(
                    Reason(
                        "max_positions_total",
                        "open positions in total at the limit",
                        {"open": context.open_positions_total, "max": self._max_total},
                    )
                )

        if on_exp:
            exposure = context.currency_exposure
            limit = self._exposure_max
            sign = signal.side.value
            base, quote = spec.base_currency, spec.quote_currency
            deltas = ((quote, sign),) if base == quote else ((base, sign), (quote, -sign))
            for currency, delta in deltas:
                now = exposure.get(currency, 0)
                after = now + delta
                if abs(after) > limit and abs(after) > abs(now):
                    reasons.append(
                        Reason(
                            "currency_exposure_limit",
                            "the trade would push a currency past its exposure limit",
                            {"currency": currency, "exposure": now, "after": after, "max": limit},
                        )
                    )

        if on_cool:
            need = self._cool_losses
            streak, last_loss_ts = loss_streak(context.recent_trades, ts, need)
            if streak >= need:
                until = last_loss_ts + self._cool_ns
                if ts < until:
                    reasons.append(
                        Reason(
                            "cooldown_active",
                            "paused after consecutive losses",
                            {
                                "consecutive_losses": streak,
                                "last_loss_ts": last_loss_ts,
                                "until_ts": until,
                                "minutes_left": (until - ts) / _NS_PER_MIN,
                            },
                        )
                    )

        # -- risk multiplier
        multiplier = risk_multiplier_for(confidence, min_conf, self._at_min, self._at_max)
        adjustments = [
            Reason(
                "risk_multiplier_from_confidence",
                "risk multiplier from confidence",
                {"confidence": confidence, "min_confidence": min_conf, "multiplier": multiplier},
            )
        ]
        if adj is not None and multiplier > adj.risk_multiplier_cap:
            adjustments.append(
                Reason(
                    "risk_multiplier_capped_by_feedback",
                    "risk multiplier capped by performance feedback",
                    {"before": multiplier, "cap": adj.risk_multiplier_cap},
                )
            )
            multiplier = adj.risk_multiplier_cap
        headroom = context.headroom_money
        headroom_checked = exhausted = False
        if self._headroom_cap and headroom < math.inf:
            headroom_checked = True
            budget = context.risk_budget_money
            cap = headroom / budget
            if headroom <= 0.0:
                exhausted = True
                reasons.append(
                    Reason(
                        "prop_firm_headroom_exhausted",
                        "no room above the nearest prop-firm floor",
                        {"headroom": headroom, "risk_budget": budget},
                    )
                )
            elif multiplier > cap:
                adjustments.append(
                    Reason(
                        "risk_multiplier_capped_by_headroom",
                        "risk multiplier capped so the planned risk fits the headroom",
                        {
                            "before": multiplier,
                            "cap": cap,
                            "headroom": headroom,
                            "risk_budget": budget,
                        },
                    )
                )
                multiplier = cap
        if multiplier <= self._min_multiplier and not exhausted:
            reasons.append(
                Reason(
                    "risk_multiplier_below_min",
                    "risk multiplier at or below the minimum",
                    {"multiplier": multiplier, "min": self._min_multiplier},
                )
            )

        checked = self._checked_variants[news_checked, headroom_checked]
        approved = not reasons
        return Decision(
            approved,
            tuple(reasons),
            multiplier if approved else 0.0,
            tuple(adjustments),
            checked,
        )


_ORDER = (
    "trading_state",
    "confidence",
    "sessions",
    "news",
    "spread",
    "volatility",
    "positions",
    "exposure",
    "cooldown",
    "headroom",
)


def _in_order(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in _ORDER if n in names)


_EVALUATORS: dict[tuple[int, int], Evaluator] = {}
_EVALUATORS_MAX = 64


def evaluate(
    signal: Signal,
    context: EvaluationContext,
    params: EvaluationParams,
    sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS,
) -> Decision:
    """Approve or reject ``signal`` (SPEC §5); see the module docstring for the codes.

    ``sessions`` is the session table (``Settings.session_windows()``); the allowed names in
    ``params.sessions.allowed`` refer to it. Pure and deterministic: equal inputs give an
    equal :class:`Decision`. Raises ``ValueError`` when ``context.spec`` is not the signal's
    symbol or no allowed session exists in the table. The flattened parameters are kept for
    the last few (params, sessions) objects seen; use :class:`Evaluator` directly in a loop.
    """
    key = (id(params), id(sessions))
    evaluator = _EVALUATORS.get(key)
    if (
        evaluator is None
        or evaluator.params is not params
        or evaluator._sessions != tuple(sessions)
    ):
        evaluator = Evaluator(params, sessions)
        if len(_EVALUATORS) >= _EVALUATORS_MAX:
            _EVALUATORS.clear()
        _EVALUATORS[key] = evaluator
    return evaluator(signal, context)

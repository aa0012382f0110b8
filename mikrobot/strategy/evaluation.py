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
``volatility_unknown`` / ``volatility_too_low`` / ``volatility_too_high``  ATR percentile
``max_positions_symbol`` / ``max_positions_total``  open-position limits reached
``currency_exposure_limit``           the trade would push a currency past its limit
``cooldown_active``                   ``losses`` consecutive losses, pause not over
``prop_firm_headroom_exhausted``      no money left above the nearest floor
``risk_multiplier_below_min``         the capped multiplier is at or below ``min_multiplier``
===================================== ========================================================

Adjustment codes: ``risk_multiplier_from_confidence``, ``risk_multiplier_capped_by_feedback``,
``risk_multiplier_capped_by_headroom``.

The per-signal path uses no pandas and no arrays: a few microseconds per call.
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
from mikrobot.strategy.context import EvaluationContext, currency_deltas
from mikrobot.strategy.news import Impact, minutes_ns
from mikrobot.strategy.params import EvaluationParams
from mikrobot.strategy.sessiontime import in_window

__all__ = ["Decision", "DecisionMade", "evaluate", "risk_multiplier_for"]

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


def evaluate(
    signal: Signal,
    context: EvaluationContext,
    params: EvaluationParams,
    sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS,
) -> Decision:
    """Approve or reject ``signal`` (SPEC §5); see the module docstring for the codes.

    ``sessions`` is the session table (``Settings.session_windows()``); the allowed names in
    ``params.sessions.allowed`` refer to it. Raises ``ValueError`` when ``context.spec`` is
    not the signal's symbol or no allowed session exists in the table.
    """
    spec = context.spec
    if spec.name != signal.symbol and canonical_name(spec.name) != canonical_name(signal.symbol):
        raise ValueError(f"context spec is {spec.name!r} but the signal is on {signal.symbol!r}")
    ts = signal.ts
    reasons: list[Reason] = []
    checked: list[str] = []
    adj = context.adjustments

    # -- trading state
    if params.trading_state.enabled:
        checked.append("trading_state")
        if context.trading_state != "ACTIVE":
            reasons.append(
                Reason(
                    "trading_state_not_active",
                    f"trading state is {context.trading_state}",
                    {"state": context.trading_state},
                )
            )

    # -- confidence
    min_conf = params.confidence.minimum
    if adj is not None and adj.min_confidence > min_conf:
        min_conf = adj.min_confidence
    if params.confidence.enabled:
        checked.append("confidence")
        if signal.confidence < min_conf:
            reasons.append(
                Reason(
                    "confidence_below_min",
                    f"confidence {signal.confidence:.3f} below minimum {min_conf:.3f}",
                    {
                        "confidence": signal.confidence,
                        "min": min_conf,
                        "configured_min": params.confidence.minimum,
                    },
                )
            )

    # -- sessions
    if params.sessions.enabled:
        checked.append("sessions")
        allowed = params.sessions.allowed
        windows = [w for w in sessions if w.name in allowed]
        if not windows:
            raise ValueError(
                f"none of the allowed sessions {', '.join(allowed)} is in the session table "
                f"({', '.join(w.name for w in sessions)})"
            )
        if not any(in_window(ts, w) for w in windows):
            open_now = [w.name for w in sessions if in_window(ts, w)]
            reasons.append(
                Reason(
                    "outside_sessions",
                    "no allowed session is open",
                    {"open": ",".join(open_now), "allowed": ",".join(allowed)},
                )
            )

    # -- news
    news = params.news
    if news.enabled and (news.scope == "all" or context.news_rule_applies):
        checked.append("news")
        calendar = context.news
        if calendar is None:
            if news.require_calendar:
                reasons.append(
                    Reason(
                        "news_calendar_missing",
                        "the news rule applies but no calendar is loaded",
                        {"phase": context.phase, "account_type": context.account_type},
                    )
                )
        else:
            currencies = tuple(
                dict.fromkeys((spec.base_currency, spec.quote_currency, spec.profit_currency))
            )
            event = calendar.blackout(
                currencies,
                ts,
                before_ns=minutes_ns(news.before_minutes),
                after_ns=minutes_ns(news.after_minutes),
                min_impact=_IMPACT[news.min_impact],
            )
            if event is not None:
                reasons.append(
                    Reason(
                        "news_blackout",
                        f"{event.currency} {event.title or 'release'} within the blackout",
                        {
                            "event_ts": event.ts,
                            "currency": event.currency,
                            "impact": event.impact.name.lower(),
                            "title": event.title,
                            "seconds_to_event": (event.ts - ts) / 1e9,
                        },
                    )
                )

    # -- spread
    if params.spread.enabled:
        checked.append("spread")
        spread_points = context.spread_points
        stop_distance = signal.stop_distance
        if not (math.isfinite(spread_points) and spread_points >= 0.0):
            reasons.append(
                Reason("spread_unknown", "no current spread", {"spread_points": spread_points})
            )
        else:
            spread = spread_points * spec.point
            fraction = spread / stop_distance
            # prices are binary floats: a spread exactly at the limit must not fail on noise
            if fraction > params.spread.max_fraction_of_stop * (1.0 + _REL_TOL):
                reasons.append(
                    Reason(
                        "spread_too_wide",
                        f"spread is {fraction:.2f} of the stop distance",
                        {
                            "spread_points": spread_points,
                            "spread": spread,
                            "stop_distance": stop_distance,
                            "fraction": fraction,
                            "max_fraction": params.spread.max_fraction_of_stop,
                        },
                    )
                )

    # -- volatility regime
    vol = params.volatility
    if vol.enabled:
        checked.append("volatility")
        pct = context.atr_percentile
        if pct is None or not math.isfinite(pct):
            reasons.append(Reason("volatility_unknown", "no ATR percentile", {"percentile": None}))
        elif pct < vol.min_percentile:
            reasons.append(
                Reason(
                    "volatility_too_low",
                    f"ATR percentile {pct:.1f} below {vol.min_percentile}",
                    {"percentile": pct, "min": vol.min_percentile},
                )
            )
        elif pct > vol.max_percentile:
            reasons.append(
                Reason(
                    "volatility_too_high",
                    f"ATR percentile {pct:.1f} above {vol.max_percentile}",
                    {"percentile": pct, "max": vol.max_percentile},
                )
            )

    # -- open positions
    pos = params.positions
    if pos.enabled:
        checked.append("positions")
        if context.open_positions_symbol >= pos.max_per_symbol:
            reasons.append(
                Reason(
                    "max_positions_symbol",
                    f"{context.open_positions_symbol} open on {spec.name}",
                    {"open": context.open_positions_symbol, "max": pos.max_per_symbol},
                )
            )
        if context.open_positions_total >= pos.max_total:
            reasons.append(
                Reason(
                    "max_positions_total",
                    f"{context.open_positions_total} open in total",
                    {"open": context.open_positions_total, "max": pos.max_total},
                )
            )

    # -- currency exposure
    if params.exposure.enabled:
        checked.append("exposure")
        limit = params.exposure.max_per_currency
        exposure = context.currency_exposure
        for currency, delta in currency_deltas(spec, signal.side):
            now = exposure.get(currency, 0)
            after = now + delta
            if abs(after) > limit and abs(after) > abs(now):
                reasons.append(
                    Reason(
                        "currency_exposure_limit",
                        f"{currency} exposure would be {after:+d}",
                        {"currency": currency, "exposure": now, "after": after, "max": limit},
                    )
                )

    # -- cool-down after consecutive losses
    cool = params.cooldown
    if cool.enabled:
        checked.append("cooldown")
        streak = 0
        last_loss_ts = 0
        for trade in reversed(context.recent_trades):
            if trade.close_ts > ts:
                continue  # closed after the signal: not known yet
            if not trade.is_loss:
                break
            if streak == 0:
                last_loss_ts = trade.close_ts
            streak += 1
            if streak >= cool.losses:
                break
        if streak >= cool.losses:
            until = last_loss_ts + round(cool.minutes * _NS_PER_MIN)
            if ts < until:
                reasons.append(
                    Reason(
                        "cooldown_active",
                        f"{streak} consecutive losses: paused",
                        {
                            "consecutive_losses": streak,
                            "last_loss_ts": last_loss_ts,
                            "until_ts": until,
                            "minutes_left": (until - ts) / _NS_PER_MIN,
                        },
                    )
                )

    # -- risk multiplier
    sizing = params.sizing
    multiplier = risk_multiplier_for(
        signal.confidence, min_conf, sizing.multiplier_at_min, sizing.multiplier_at_max
    )
    adjustments = [
        Reason(
            "risk_multiplier_from_confidence",
            f"multiplier {multiplier:.3f} from confidence {signal.confidence:.3f}",
            {"confidence": signal.confidence, "min_confidence": min_conf, "multiplier": multiplier},
        )
    ]
    if adj is not None and multiplier > adj.risk_multiplier_cap:
        adjustments.append(
            Reason(
                "risk_multiplier_capped_by_feedback",
                f"capped at {adj.risk_multiplier_cap:.3f} by performance feedback",
                {"before": multiplier, "cap": adj.risk_multiplier_cap},
            )
        )
        multiplier = adj.risk_multiplier_cap
    headroom = context.headroom_money
    exhausted = False
    if sizing.headroom_cap and math.isfinite(headroom):
        checked.append("headroom")
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
                    f"capped at {cap:.3f} so the planned risk fits the headroom",
                    {"before": multiplier, "cap": cap, "headroom": headroom, "risk_budget": budget},
                )
            )
            multiplier = cap
    if multiplier <= sizing.min_multiplier and not exhausted:
        reasons.append(
            Reason(
                "risk_multiplier_below_min",
                f"multiplier {multiplier:.3f} at or below {sizing.min_multiplier}",
                {"multiplier": multiplier, "min": sizing.min_multiplier},
            )
        )

    approved = not reasons
    return Decision(
        approved,
        tuple(reasons),
        multiplier if approved else 0.0,
        tuple(adjustments),
        tuple(checked),
    )

"""Parameters of the strategic evaluation, the performance feedback and the session table.

Frozen pydantic models that refuse unknown keys and out-of-range values; the error names the
field. :mod:`mikrobot.config` mounts them as the ``[evaluation]``, ``[feedback]`` and
``[sessions]`` sections of the TOML file. Defaults are SPEC §5 and §8.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mikrobot.core.sessions import DEFAULT_SESSIONS, SessionWindow

__all__ = [
    "ConfidenceCheck",
    "CooldownCheck",
    "EvaluationParams",
    "ExposureCheck",
    "FeedbackParams",
    "NewsCheck",
    "PositionsCheck",
    "SessionWindowParams",
    "SessionsCheck",
    "SizingAdjustment",
    "SpreadCheck",
    "TradingStateCheck",
    "VolatilityCheck",
    "default_session_table",
    "merge_session_table",
    "session_windows",
]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------- session table
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minutes(text: str) -> int:
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day: write it as 'HH:MM', e.g. '08:00'")
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    if minutes >= 60 or value > 24 * 60:
        raise ValueError(f"{text!r} is outside 00:00..24:00")
    return value


class SessionWindowParams(_Params):
    """One trading centre's session in its own local time (``end`` may be past midnight)."""

    zone: str = Field(description="IANA zone of the centre, e.g. 'Europe/London'")
    start: str = Field(default="08:00", description="local start, 'HH:MM'")
    end: str = Field(default="17:00", description="local end (exclusive), 'HH:MM'")

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as 'Europe/London'"
            ) from None
        return value

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        _minutes(value)
        return value

    def to_window(self, name: str) -> SessionWindow:
        """The core :class:`~mikrobot.core.sessions.SessionWindow` named ``name``."""
        return SessionWindow(name, self.zone, _minutes(self.start), _minutes(self.end))


def _hhmm_of(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def default_session_table() -> dict[str, SessionWindowParams]:
    """The reference table (``reference/trading-sessions.md``): 08:00-17:00 local in each centre."""
    return {
        w.name: SessionWindowParams(
            zone=w.zone, start=_hhmm_of(w.start_minute), end=_hhmm_of(w.end_minute)
        )
        for w in DEFAULT_SESSIONS
    }


def merge_session_table(value: Any) -> Any:
    """Overlay a config ``[sessions]`` mapping on the default table, window by window.

    A known window (``london``) takes only the fields given; a new name must give ``zone``.
    Anything that is not a mapping is returned unchanged for pydantic to refuse.
    """
    if not isinstance(value, Mapping):
        return value
    table: dict[str, Any] = {
        name: window.model_dump() for name, window in default_session_table().items()
    }
    for name, window in value.items():
        if isinstance(window, SessionWindowParams):
            window = window.model_dump()
        if name in table and isinstance(window, Mapping):
            table[name] = {**table[name], **dict(window)}
        else:
            table[name] = window
    return table


def session_windows(table: Mapping[str, SessionWindowParams]) -> tuple[SessionWindow, ...]:
    """The table as core session windows, in the table's order."""
    return tuple(window.to_window(name) for name, window in table.items())


# ---------------------------------------------------------------------------- evaluation
class ConfidenceCheck(_Params):
    """Reject a signal whose confidence is below ``minimum`` (SPEC §5 [0.6])."""

    enabled: bool = True
    minimum: float = Field(default=0.6, ge=0.0, le=1.0)


class SessionsCheck(_Params):
    """Reject a signal known outside every ``allowed`` session of the ``[sessions]`` table."""

    enabled: bool = True
    allowed: tuple[str, ...] = Field(
        default=("london", "new_york"), min_length=1, description="session names"
    )


class NewsCheck(_Params):
    """News blackout: no entry from ``before_minutes`` before to ``after_minutes`` after an event.

    ``scope = "ftmo"`` applies it only where FTMO does (funded Standard accounts;
    ``reference/ftmo-rules.md`` §5); ``"all"`` applies it to every account.
    ``require_calendar`` rejects when the rule applies but no calendar was given.
    """

    enabled: bool = True
    scope: Literal["ftmo", "all"] = "ftmo"
    before_minutes: float = Field(default=2.0, ge=0.0, le=24 * 60)
    after_minutes: float = Field(default=2.0, ge=0.0, le=24 * 60)
    min_impact: Literal["low", "medium", "high"] = "high"
    require_calendar: bool = True


class SpreadCheck(_Params):
    """Reject when the current spread exceeds ``max_fraction_of_stop`` × the stop distance [0.2]."""

    enabled: bool = True
    max_fraction_of_stop: float = Field(default=0.2, gt=0.0, le=1.0)


class VolatilityCheck(_Params):
    """Volatility regime: the M5 ATR percentile over the last ``lookback_days`` must be inside
    [``min_percentile``, ``max_percentile``] ([10, 95] over 20 days)."""

    enabled: bool = True
    min_percentile: float = Field(default=10.0, ge=0.0, le=100.0)
    max_percentile: float = Field(default=95.0, ge=0.0, le=100.0)
    lookback_days: int = Field(default=20, ge=1, le=365)

    @model_validator(mode="after")
    def _ordered(self) -> VolatilityCheck:
        if self.min_percentile > self.max_percentile:
            raise ValueError(
                f"min_percentile {self.min_percentile} is above max_percentile "
                f"{self.max_percentile}: swap them"
            )
        return self


class PositionsCheck(_Params):
    """At most ``max_per_symbol`` [1] open positions on the symbol and ``max_total`` [3] in all."""

    enabled: bool = True
    max_per_symbol: int = Field(default=1, ge=1, le=100)
    max_total: int = Field(default=3, ge=1, le=1000)


class ExposureCheck(_Params):
    """At most ``max_per_currency`` [2] net open positions long or short any one currency.

    A buy of ``EURUSD`` is +1 EUR and -1 USD; a trade that reduces a currency's net
    exposure is never refused.
    """

    enabled: bool = True
    max_per_currency: int = Field(default=2, ge=1, le=100)


class TradingStateCheck(_Params):
    """Only a trading state of ACTIVE lets a signal through."""

    enabled: bool = True


class CooldownCheck(_Params):
    """After ``losses`` [3] consecutive losing trades, no entry for ``minutes`` [60] after the last."""

    enabled: bool = True
    losses: int = Field(default=3, ge=1, le=100)
    minutes: float = Field(default=60.0, gt=0.0, le=7 * 24 * 60)


class SizingAdjustment(_Params):
    """The risk multiplier: linear from ``multiplier_at_min`` at the minimum confidence to
    ``multiplier_at_max`` at confidence 1.0, then capped by the prop-firm headroom when
    ``headroom_cap`` is on; a multiplier at or below ``min_multiplier`` is a rejection."""

    multiplier_at_min: float = Field(default=0.5, gt=0.0, le=5.0)
    multiplier_at_max: float = Field(default=1.5, gt=0.0, le=5.0)
    headroom_cap: bool = True
    min_multiplier: float = Field(default=0.0, ge=0.0, le=5.0)

    @model_validator(mode="after")
    def _ordered(self) -> SizingAdjustment:
        if self.multiplier_at_min > self.multiplier_at_max:
            raise ValueError(
                f"multiplier_at_min {self.multiplier_at_min} is above multiplier_at_max "
                f"{self.multiplier_at_max}"
            )
        return self


class EvaluationParams(_Params):
    """Every check of the strategic evaluation (SPEC §5); each has ``enabled``."""

    confidence: ConfidenceCheck = ConfidenceCheck()
    sessions: SessionsCheck = SessionsCheck()
    news: NewsCheck = NewsCheck()
    spread: SpreadCheck = SpreadCheck()
    volatility: VolatilityCheck = VolatilityCheck()
    positions: PositionsCheck = PositionsCheck()
    exposure: ExposureCheck = ExposureCheck()
    trading_state: TradingStateCheck = TradingStateCheck()
    cooldown: CooldownCheck = CooldownCheck()
    sizing: SizingAdjustment = SizingAdjustment()


# ---------------------------------------------------------------------------- feedback
class FeedbackParams(_Params):
    """Performance feedback (SPEC §8): rolling statistics over the last ``window`` trades and
    bounded adjustments of the minimum confidence and the risk-multiplier cap.

    Expectancy below ``tighten_below`` raises the minimum confidence by ``confidence_step``
    (up to ``confidence_max``) and lowers the cap by ``cap_step`` (down to ``cap_min``);
    expectancy above ``relax_above`` with at least ``window`` trades steps both back toward
    their defaults (the evaluation's minimum confidence and ``multiplier_at_max``).
    """

    enabled: bool = True
    window: int = Field(default=30, ge=1, le=10_000)
    tighten_below: float = Field(default=0.0, ge=-10.0, le=10.0)
    relax_above: float = Field(default=0.3, ge=-10.0, le=10.0)
    confidence_step: float = Field(default=0.05, gt=0.0, le=1.0)
    confidence_max: float = Field(default=0.8, ge=0.0, le=1.0)
    cap_step: float = Field(default=0.25, gt=0.0, le=5.0)
    cap_min: float = Field(default=0.5, gt=0.0, le=5.0)

    @model_validator(mode="after")
    def _ordered(self) -> FeedbackParams:
        if self.relax_above < self.tighten_below:
            raise ValueError(
                f"relax_above {self.relax_above} is below tighten_below {self.tighten_below}: "
                "the adjustments would oscillate"
            )
        return self

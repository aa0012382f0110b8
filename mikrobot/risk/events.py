"""Risk events: trading-state changes, flatten instructions, breaches and day rolls.

Each is an immutable :class:`mikrobot.core.events.Event`; ``to_dict`` gives a JSON-able record
and :func:`event_from_dict` reads one back unchanged (equal field by field).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from mikrobot.core.events import Event, Reason


class TradingState(Enum):
    """The trading-state gate: ``ACTIVE`` trades, ``REDUCING`` takes no new entries,
    ``HALTED`` takes no entries and flattens; only an operator lifts ``HALTED``."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


class Actor(Enum):
    """Who changed the trading state: a risk ``RULE`` or an ``OPERATOR`` command."""

    RULE = "rule"
    OPERATOR = "operator"


def reason_from_dict(data: Mapping[str, Any]) -> Reason:
    """Inverse of :meth:`Reason.to_dict`."""
    return Reason(
        code=str(data["code"]),
        message=str(data.get("message", "")),
        values=dict(data.get("values", {})),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingStateChanged(Event):
    """The gate moved from ``from_state`` to ``to_state`` because of ``reason``.

    ``actor`` says whether a rule or an operator did it; ``operator`` names the person or
    tool for operator commands (empty for rules).
    """

    kind: ClassVar[str] = "trading_state_changed"

    from_state: TradingState
    to_state: TradingState
    reason: Reason
    actor: Actor
    operator: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (states and actor as their string values, reason as a dict)."""
        out = Event.to_dict(self)
        out["reason"] = self.reason.to_dict()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class FlattenRequested(Event):
    """Close positions now: ``symbols`` names which (empty tuple: every open position)."""

    kind: ClassVar[str] = "flatten_requested"

    reason: Reason
    symbols: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record."""
        out = Event.to_dict(self)
        out["reason"] = self.reason.to_dict()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PropFirmBreached(Event):
    """A prop-firm rule was broken (equity below a floor): the account is lost."""

    kind: ClassVar[str] = "prop_firm_breached"

    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record."""
        out = Event.to_dict(self)
        out["reason"] = self.reason.to_dict()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingDayRolled(Event):
    """Midnight Europe/Prague passed: ``day`` (ISO date) starts with these floors.

    ``midnight_balance`` is the last balance reported before midnight; ``previous_day_pnl``
    is the closed result of the day that ended.
    """

    kind: ClassVar[str] = "trading_day_rolled"

    day: str
    midnight_balance: float
    previous_day_pnl: float
    daily_floor: float
    overall_floor: float


_KINDS: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (TradingStateChanged, FlattenRequested, PropFirmBreached, TradingDayRolled)
}


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Rebuild a risk event from its ``to_dict`` record; an unknown ``kind`` raises ``ValueError``."""
    kind = data.get("kind")
    cls = _KINDS.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown risk event kind {kind!r}: expected one of {sorted(_KINDS)}")
    fields = {k: v for k, v in data.items() if k != "kind"}
    if "reason" in fields:
        fields["reason"] = reason_from_dict(fields["reason"])
    if cls is TradingStateChanged:
        fields["from_state"] = TradingState(fields["from_state"])
        fields["to_state"] = TradingState(fields["to_state"])
        fields["actor"] = Actor(fields["actor"])
    if cls is FlattenRequested:
        fields["symbols"] = tuple(fields.get("symbols", ()))
    return cls(**fields)

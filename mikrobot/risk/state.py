"""The trading-state gate: ACTIVE → REDUCING → HALTED.

Only a rule (:meth:`StateGate.apply_rule`) or an operator command (:meth:`StateGate.command`)
changes the state, and every change is an immutable :class:`TradingStateChanged` event with its
reason. The state is derived from the event history, so the history is the whole truth:

* a rule may move ACTIVE ↔ REDUCING and escalate to HALTED; it lifts REDUCING back to ACTIVE
  only when a rule set it (an operator's pause stays until an operator lifts it);
* nothing but an explicit operator command leaves HALTED.

``save``/``load`` persist the gate as JSON written atomically; a loaded gate equals the saved one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mikrobot.core.events import Reason
from mikrobot.risk.events import Actor, TradingState, TradingStateChanged, event_from_dict
from mikrobot.risk.persist import read_json, write_json_atomic

__all__ = ["Actor", "StateGate", "TradingState"]

_FORMAT = 1


class StateGate:
    """Holds the trading state and the history of its changes."""

    __slots__ = ("_events", "_initial")

    def __init__(
        self,
        initial: TradingState = TradingState.ACTIVE,
        events: Iterable[TradingStateChanged] = (),
    ) -> None:
        self._initial = TradingState(initial)
        self._events: list[TradingStateChanged] = []
        state = self._initial
        for event in events:
            if event.from_state is not state:
                raise ValueError(
                    f"state history is inconsistent: event {event.event_id} moves from "
                    f"{event.from_state.value} but the state was {state.value}"
                )
            self._events.append(event)
            state = event.to_state

    # ------------------------------------------------------------------ reading
    @property
    def state(self) -> TradingState:
        """The current state (the last change's ``to_state``, else the initial state)."""
        return self._events[-1].to_state if self._events else self._initial

    @property
    def set_by(self) -> Actor | None:
        """Who set the current state (``None`` when it is still the initial state)."""
        return self._events[-1].actor if self._events else None

    @property
    def events(self) -> tuple[TradingStateChanged, ...]:
        """Every change so far, oldest first."""
        return tuple(self._events)

    @property
    def allows_entries(self) -> bool:
        """True only in ACTIVE: REDUCING and HALTED take no new entries."""
        return self.state is TradingState.ACTIVE

    # ------------------------------------------------------------------ changing
    def apply_rule(
        self,
        ts: int,
        to: TradingState,
        reason: Reason,
        *,
        correlation_id: str = "",
        causation_id: str = "",
    ) -> TradingStateChanged | None:
        """A risk rule asks for state ``to``; returns the change event, or ``None`` if refused
        or already there.

        Refused: leaving HALTED (operator only), and lifting an operator's REDUCING to ACTIVE.
        """
        current = self.state
        if to is current or current is TradingState.HALTED:
            return None
        if (
            current is TradingState.REDUCING
            and to is TradingState.ACTIVE
            and self.set_by is Actor.OPERATOR
        ):
            return None
        return self._change(ts, to, reason, Actor.RULE, "", correlation_id, causation_id)

    def command(
        self,
        ts: int,
        to: TradingState,
        reason: Reason,
        *,
        operator: str,
        correlation_id: str = "",
        causation_id: str = "",
    ) -> TradingStateChanged | None:
        """An operator command (pause → REDUCING, halt → HALTED, resume → ACTIVE).

        ``operator`` names who gave it (must not be empty). Returns the event, or ``None``
        when the state already is ``to``.
        """
        if not operator:
            raise ValueError("operator command needs the operator's name (operator='...')")
        if to is self.state:
            return None
        return self._change(ts, to, reason, Actor.OPERATOR, operator, correlation_id, causation_id)

    def resume(
        self, ts: int, *, operator: str, reason: Reason | None = None
    ) -> TradingStateChanged | None:
        """Operator resume to ACTIVE (the only way out of HALTED)."""
        why = reason or Reason("operator_resume", f"resumed by {operator}")
        return self.command(ts, TradingState.ACTIVE, why, operator=operator)

    def _change(
        self,
        ts: int,
        to: TradingState,
        reason: Reason,
        actor: Actor,
        operator: str,
        correlation_id: str,
        causation_id: str,
    ) -> TradingStateChanged:
        if not isinstance(reason, Reason):
            raise TypeError(
                f"reason must be a mikrobot.core.events.Reason, got {type(reason).__name__}"
            )
        if self._events and ts < self._events[-1].ts:
            raise ValueError(
                f"state change at ts={ts} is older than the last change at ts={self._events[-1].ts}"
            )
        event = TradingStateChanged(
            ts=ts,
            from_state=self.state,
            to_state=TradingState(to),
            reason=reason,
            actor=actor,
            operator=operator,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self._events.append(event)
        return event

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: the initial state and every change."""
        return {
            "format": _FORMAT,
            "initial": self._initial.value,
            "events": [e.to_dict() for e in self._events],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StateGate:
        """Inverse of :meth:`to_dict`."""
        if data.get("format") != _FORMAT:
            raise ValueError(
                f"trading-state format {data.get('format')!r} is not {_FORMAT}: "
                "this file was written by another mikrobot version"
            )
        events = []
        for record in data.get("events", []):
            event = event_from_dict(record)
            if not isinstance(event, TradingStateChanged):
                raise ValueError(f"trading-state file holds a {event.kind} event")
            events.append(event)
        return cls(TradingState(data["initial"]), events)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the gate to ``path`` as JSON, atomically."""
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StateGate:
        """Read a gate written by :meth:`save`."""
        return cls.from_dict(read_json(path))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StateGate):
            return NotImplemented
        return self._initial is other._initial and self._events == other._events

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StateGate(state={self.state.value}, changes={len(self._events)})"

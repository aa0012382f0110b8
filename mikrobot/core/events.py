"""Immutable events: facts with an id, a time, a correlation id and a cause.

Every state change, adjustment and decision in mikrobot is one of these. Subclasses add their
own fields; ``kind`` names the class for stores and dashboards; ``to_dict`` gives a JSON-able
record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from mikrobot.core.ids import new_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base event. ``ts`` is UTC epoch nanoseconds of when the fact happened (from a Clock)."""

    kind: ClassVar[str] = "event"

    ts: int
    event_id: str = ""
    correlation_id: str = ""
    causation_id: str = ""

    def __post_init__(self) -> None:
        if not self.event_id:
            object.__setattr__(self, "event_id", new_id(self.ts))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able record: ``kind`` plus every field (enums as their values)."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = [v.to_dict() if hasattr(v, "to_dict") else v for v in value]
            out[f.name] = value
        return out


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine-readable reason: a stable ``code`` plus the numbers that explain it."""

    code: str
    message: str = ""
    values: Mapping[str, float | int | str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict."""
        return {"code": self.code, "message": self.message, "values": dict(self.values)}

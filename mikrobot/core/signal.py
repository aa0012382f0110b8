"""The trading signal: what the structure engine (or a webhook) hands to evaluation and risk."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mikrobot.core.ids import new_id
from mikrobot.core.side import Side


@dataclass(frozen=True, slots=True)
class Signal:
    """A confirmed setup ready for a decision.

    ``ts`` is the UTC epoch-ns moment the signal was known (SPEC: the confirmation bar's close);
    ``entry``, ``stop`` and ``target`` are prices; ``confidence`` is in [0, 1] and
    ``components`` holds the SPEC §4 parts (each in [0, 1]) that produced it.
    ``correlation_id`` follows the signal through decision, order, fill and feedback.
    """

    symbol: str
    side: Side
    ts: int
    entry: float
    stop: float
    target: float
    confidence: float
    components: Mapping[str, float] = field(default_factory=dict)
    kind: str = "BOS"
    level: float = math.nan
    source: str = "structure"
    signal_id: str = ""
    correlation_id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.side, Side):
            object.__setattr__(self, "side", Side.parse(self.side))
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within [0, 1], got {self.confidence}")
        for name in ("entry", "stop", "target"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive price, got {value!r}")
        sign = self.side.sign
        if (self.entry - self.stop) * sign <= 0:
            raise ValueError(
                f"stop {self.stop} is on the wrong side of entry {self.entry} for a {self.side}"
            )
        if (self.target - self.entry) * sign <= 0:
            raise ValueError(
                f"target {self.target} is on the wrong side of entry {self.entry} for a {self.side}"
            )
        if self.kind not in ("BOS", "CHoCH"):
            raise ValueError(f"kind must be 'BOS' or 'CHoCH', got {self.kind!r}")
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))
        if not self.signal_id:
            object.__setattr__(self, "signal_id", new_id(self.ts))
        if not self.correlation_id:
            object.__setattr__(self, "correlation_id", self.signal_id)

    @property
    def stop_distance(self) -> float:
        """``|entry - stop|`` in price units."""
        return abs(self.entry - self.stop)

    @property
    def reward_risk(self) -> float:
        """``|target - entry| / |entry - stop|``."""
        return abs(self.target - self.entry) / self.stop_distance

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return {
            "symbol": self.symbol,
            "side": str(self.side),
            "ts": self.ts,
            "entry": self.entry,
            "stop": self.stop,
            "target": self.target,
            "confidence": self.confidence,
            "components": dict(self.components),
            "kind": self.kind,
            "level": self.level,
            "source": self.source,
            "signal_id": self.signal_id,
            "correlation_id": self.correlation_id,
        }

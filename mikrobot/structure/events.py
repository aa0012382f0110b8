"""What the bar-by-bar stream emits: swings, breaks and decided setups, as immutable records.

Fields mirror the columns of :func:`mikrobot.structure.swings`, :func:`~mikrobot.structure.breaks`
and :func:`~mikrobot.structure.setups`, with times as int UTC epoch nanoseconds (None for a
missing time, NaN for a missing number).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from mikrobot.core.side import Side
from mikrobot.core.signal import Signal
from mikrobot.structure.params import COMPONENTS


@dataclass(frozen=True, slots=True)
class SwingEvent:
    """An accepted swing, emitted at ``known_at`` (see :func:`mikrobot.structure.swings`)."""

    time: int
    kind: str
    level: float
    known_at: int
    index: int
    known_index: int
    supersedes: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BreakEvent:
    """A BOS/CHoCH break, emitted at ``known_at`` (see :func:`mikrobot.structure.breaks`)."""

    time: int
    known_at: int
    direction: int
    kind: str
    level: float
    swing_time: int
    swing_index: int
    break_index: int
    strength: float
    atr: float
    break_id: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SetupEvent:
    """A decided retest setup (see :func:`mikrobot.structure.setups` for every field)."""

    break_id: int
    direction: int
    kind: str
    level: float
    break_time: int
    break_known_at: int
    touch_time: int | None
    confirm_time: int | None
    known_at: int
    entry_time: int | None
    entry: float
    stop: float
    target: float
    confidence: float
    break_strength: float
    retest_precision: float
    rejection: float
    structure: float
    session: float
    speed: float
    status: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return asdict(self)

    @property
    def components(self) -> dict[str, float]:
        """The six SPEC §4 components by name."""
        return {name: getattr(self, name) for name in COMPONENTS}

    def to_signal(self, symbol: str, weights: dict[str, float] | None = None) -> Signal:
        """The :class:`~mikrobot.core.signal.Signal` of a confirmed setup.

        ``weights`` (normalised, by component name) are added to the components as
        ``weight_<name>``. Raises ``ValueError`` when the setup is not confirmed.
        """
        if self.status != "confirmed" or math.isnan(self.confidence):
            raise ValueError(f"setup of break {self.break_id} is {self.status}, not confirmed")
        components = self.components
        components.update({f"weight_{k}": float(w) for k, w in (weights or {}).items()})
        return Signal(
            symbol=symbol,
            side=Side.BUY if self.direction > 0 else Side.SELL,
            ts=self.known_at,
            entry=self.entry,
            stop=self.stop,
            target=self.target,
            confidence=self.confidence,
            components=components,
            kind=self.kind,
            level=self.level,
            source="structure",
        )

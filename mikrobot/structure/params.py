"""Structure parameters (SPEC §1-§4): one frozen, validated model with the SPEC defaults.

Distances are written in pips, as the SPEC does; :meth:`StructureParams.for_symbol` turns them
into price units with the symbol's own ``pip_size`` (0.0001 EURUSD, 0.01 USDJPY, 0.1 XAUUSD,
1.0 for an index), so every implementation compares prices with the same precomputed floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mikrobot.core.symbol import SymbolSpec

#: Confidence components in the order used everywhere (weights, kernels, frames).
COMPONENTS: tuple[str, ...] = (
    "break_strength",
    "retest_precision",
    "rejection",
    "structure",
    "session",
    "speed",
)

_NS_PER_MIN = 60_000_000_000


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ConfidenceWeights(_Frozen):
    """SPEC §4 weights. Non-negative, summing to more than 0; confidence divides by their sum."""

    break_strength: float = Field(0.25, ge=0)
    retest_precision: float = Field(0.20, ge=0)
    rejection: float = Field(0.20, ge=0)
    structure: float = Field(0.15, ge=0)
    session: float = Field(0.10, ge=0)
    speed: float = Field(0.10, ge=0)

    @model_validator(mode="after")
    def _positive_sum(self) -> ConfidenceWeights:
        if sum(self.as_tuple()) <= 0:
            raise ValueError("weights must not all be 0: give at least one a positive weight")
        return self

    def as_tuple(self) -> tuple[float, ...]:
        """The six weights in :data:`COMPONENTS` order."""
        return tuple(float(getattr(self, name)) for name in COMPONENTS)

    def normalised(self) -> dict[str, float]:
        """The weights divided by their sum, by component name (what signals report)."""
        weights = self.as_tuple()
        total = sum(weights)
        return {name: w / total for name, w in zip(COMPONENTS, weights, strict=True)}


class StructureParams(_Frozen):
    """Every parameter of swings, breaks, retests and confidence (SPEC §1-§4), with defaults.

    * ``left``/``right``: bars before/after a swing bar (SPEC §1);
    * ``break_on``: ``"close"`` or ``"wick"`` (high/low) decides a break; ``break_threshold_pips``;
    * ``retest_window_minutes``, ``retest_tolerance_pips``, ``invalidation_pips`` (SPEC §3);
    * ``sl_buffer_pips``, ``min_stop_pips``, ``max_stop_pips``, ``rr``: stop and target;
    * ``atr_period``: Wilder ATR of M5 used for break strength, which saturates at
      ``strength_saturation_atr``;
    * ``weights``: the confidence weights (SPEC §4).

    Invalid values raise pydantic's ``ValidationError`` (a ``ValueError``) naming the field,
    also when the model sits in a larger settings model.
    """

    left: int = Field(3, ge=1)
    right: int = Field(3, ge=1)
    break_on: Literal["close", "wick"] = "close"
    break_threshold_pips: float = Field(0.8, ge=0)
    retest_window_minutes: int = Field(60, ge=1)
    retest_tolerance_pips: float = Field(0.8, ge=0)
    invalidation_pips: float = Field(3.0, ge=0)
    sl_buffer_pips: float = Field(0.5, ge=0)
    min_stop_pips: float = Field(3.0, gt=0)
    max_stop_pips: float = Field(30.0, gt=0)
    rr: float = Field(2.0, gt=0)
    atr_period: int = Field(14, ge=1)
    strength_saturation_atr: float = Field(0.5, gt=0)
    weights: ConfidenceWeights = ConfidenceWeights()

    @model_validator(mode="after")
    def _stops_in_order(self) -> StructureParams:
        if self.min_stop_pips > self.max_stop_pips:
            raise ValueError(
                f"min_stop_pips ({self.min_stop_pips}) exceeds max_stop_pips "
                f"({self.max_stop_pips}): lower min_stop_pips or raise max_stop_pips"
            )
        return self

    def replace(self, **changes: Any) -> StructureParams:
        """A validated copy with some fields changed (unknown names raise ``ValueError``)."""
        data = self.model_dump()
        data.update(changes)
        return StructureParams(**data)

    def for_symbol(self, spec: SymbolSpec) -> Thresholds:
        """These parameters in price units for ``spec`` (see :class:`Thresholds`)."""
        pip = spec.pip_size
        return Thresholds(
            left=self.left,
            right=self.right,
            break_on_close=self.break_on == "close",
            threshold=self.break_threshold_pips * pip,
            window_ns=self.retest_window_minutes * _NS_PER_MIN,
            tolerance=self.retest_tolerance_pips * pip,
            invalidation=self.invalidation_pips * pip,
            sl_buffer=self.sl_buffer_pips * pip,
            min_stop=self.min_stop_pips * pip,
            max_stop=self.max_stop_pips * pip,
            rr=float(self.rr),
            atr_period=self.atr_period,
            saturation=float(self.strength_saturation_atr),
            point=spec.point,
            typical_spread=spec.typical_spread * spec.point,
            weights=self.weights.as_tuple(),
        )


@dataclass(frozen=True, slots=True)
class Thresholds:
    """:class:`StructureParams` in price units for one symbol: what the three drivers use.

    ``threshold``, ``tolerance``, ``invalidation``, ``sl_buffer``, ``min_stop``, ``max_stop``
    and ``typical_spread`` are price distances; ``window_ns`` is the retest window in
    nanoseconds; ``point`` converts a spread in points to price.
    """

    left: int
    right: int
    break_on_close: bool
    threshold: float
    window_ns: int
    tolerance: float
    invalidation: float
    sl_buffer: float
    min_stop: float
    max_stop: float
    rr: float
    atr_period: int
    saturation: float
    point: float
    typical_spread: float
    weights: tuple[float, ...]

"""Instrument specification and the conversions between pips, points, ticks and price.

Risk and stops are kept in **price units**; money comes from ``tick_size`` and ``tick_value``
(account currency per tick per lot, as MT5's ``trade_tick_value``). Pips are for people and
for thresholds written in the SPEC (``0.8 pip``); each symbol carries its own ``pip_size``
rather than the ``digits in (3, 5)`` guess, which is wrong for metals, indices and crypto.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from enum import Enum
from typing import Any


class AssetClass(Enum):
    """What kind of market a symbol trades in; decides its weekly calendar."""

    FX = "fx"
    METAL = "metal"
    INDEX = "index"
    CRYPTO = "crypto"
    ENERGY = "energy"


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """Everything mikrobot needs to know about one tradable symbol.

    ``tick_value`` is the value of one ``tick_size`` move for 1.0 lot **in the account
    currency** at a reference rate; when the profit currency differs from the account currency,
    sizing converts with the current rate (``tick_value_profit`` is the rate-free figure).
    ``typical_spread`` is in points.
    """

    name: str
    asset_class: AssetClass
    digits: int
    point: float
    pip_size: float
    tick_size: float
    tick_value: float
    contract_size: float
    volume_min: float
    volume_max: float
    volume_step: float
    base_currency: str
    quote_currency: str
    profit_currency: str
    typical_spread: float
    account_currency: str = "USD"

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("SymbolSpec.name must not be empty")
        if not isinstance(self.asset_class, AssetClass):
            object.__setattr__(self, "asset_class", AssetClass(self.asset_class))
        if self.digits < 0 or self.digits > 10:
            raise ValueError(f"{self.name}: digits must be within 0..10, got {self.digits}")
        for name in (
            "point",
            "pip_size",
            "tick_size",
            "tick_value",
            "contract_size",
            "volume_min",
            "volume_max",
            "volume_step",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{self.name}: {name} must be a positive number, got {value!r}")
        if self.typical_spread < 0:
            raise ValueError(f"{self.name}: typical_spread must be >= 0, got {self.typical_spread}")
        if self.volume_min > self.volume_max:
            raise ValueError(
                f"{self.name}: volume_min {self.volume_min} exceeds volume_max {self.volume_max}"
            )
        if self.tick_size < self.point * (1 - 1e-9):
            raise ValueError(
                f"{self.name}: tick_size {self.tick_size} is smaller than point {self.point}"
            )

    # ------------------------------------------------------------------ conversions
    @property
    def points_per_pip(self) -> float:
        """How many points make one pip (10 on 5-digit FX, 1 on 2-digit gold with pip 0.01)."""
        return self.pip_size / self.point

    @property
    def tick_value_profit(self) -> float:
        """Value of one tick for 1.0 lot in the **profit** currency (no exchange rate needed)."""
        return self.contract_size * self.tick_size

    def pips_to_price(self, pips: float) -> float:
        """Price distance of ``pips`` pips."""
        return pips * self.pip_size

    def price_to_pips(self, distance: float) -> float:
        """Pips in a price distance."""
        return distance / self.pip_size

    def points_to_price(self, points: float) -> float:
        """Price distance of ``points`` points (MT5 spreads and stop levels are in points)."""
        return points * self.point

    def price_to_points(self, distance: float) -> float:
        """Points in a price distance."""
        return distance / self.point

    def pips_to_points(self, pips: float) -> float:
        """Points in ``pips`` pips."""
        return pips * self.points_per_pip

    def points_to_pips(self, points: float) -> float:
        """Pips in ``points`` points."""
        return points / self.points_per_pip

    def round_price(self, price: float) -> float:
        """Round a price to the nearest tick, then to ``digits`` decimals (what MT5 accepts)."""
        ticks = round(price / self.tick_size)
        return round(ticks * self.tick_size, self.digits)

    def money_per_lot(self, distance: float) -> float:
        """Account-currency value of a ``distance`` move for 1.0 lot, at the reference tick value."""
        return distance / self.tick_size * self.tick_value

    def round_volume_down(self, volume: float) -> float:
        """Round a volume **down** to ``volume_step`` (never up: rounding up would add risk)."""
        steps = math.floor(volume / self.volume_step + 1e-9)
        decimals = max(0, -math.floor(math.log10(self.volume_step)) + 2)
        return round(steps * self.volume_step, decimals)

    # ------------------------------------------------------------------ plumbing
    def with_overrides(self, **changes: Any) -> SymbolSpec:
        """A copy with some fields changed; unknown field names raise ``ValueError`` naming them."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(
                f"{self.name}: unknown SymbolSpec field(s) {', '.join(unknown)}; "
                f"known fields: {', '.join(sorted(known))}"
            )
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (asset class as its string value), e.g. for JSON or TOML."""
        data = asdict(self)
        data["asset_class"] = self.asset_class.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SymbolSpec:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError`` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown SymbolSpec field(s): {', '.join(unknown)}")
        return cls(**data)

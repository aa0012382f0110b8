"""Trade direction."""

from __future__ import annotations

from enum import Enum


class Side(Enum):
    """Direction of an order or a setup. ``sign`` is +1 for BUY and -1 for SELL."""

    BUY = 1
    SELL = -1

    @property
    def sign(self) -> int:
        """+1 for BUY, -1 for SELL."""
        return int(self.value)

    @property
    def opposite(self) -> Side:
        """The side that closes a position of this side."""
        return Side.SELL if self is Side.BUY else Side.BUY

    @classmethod
    def parse(cls, value: Side | str | int) -> Side:
        """Accept a Side, ``"buy"``/``"long"``/``"bullish"``/``1`` or ``"sell"``/``"short"``/``"bearish"``/``-1``."""
        if isinstance(value, Side):
            return value
        if isinstance(value, int) and value in (1, -1):
            return cls(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("buy", "long", "bull", "bullish", "+1", "1"):
                return cls.BUY
            if text in ("sell", "short", "bear", "bearish", "-1"):
                return cls.SELL
        raise ValueError(f"unknown side {value!r}: use 'buy' or 'sell'")

    def __str__(self) -> str:
        return self.name.lower()

"""Small hand-made bar frames and specs for the backtest tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.frame import make_bars

EURUSD = DEFAULT_SPECS["EURUSD"]
PIP = 0.0001
#: money per 1.0 price move per lot for EURUSD (tick value / tick size)
VPP = EURUSD.tick_value / EURUSD.tick_size


def bars(
    rows: list[tuple[float, float, float, float]],
    *,
    start: str = "2024-03-04 10:00",
    spread: list[int] | None = None,
    times: list[str] | None = None,
) -> pd.DataFrame:
    """Canonical M1 bars from ``(open, high, low, close)`` rows, one minute apart from ``start``
    (or at ``times``, UTC), with an optional ``spread`` column in points."""
    if times is None:
        index = pd.date_range(start, periods=len(rows), freq="1min", tz="UTC")
    else:
        index = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    arr = np.array(rows, dtype=np.float64)
    return make_bars(
        index,
        arr[:, 0],
        arr[:, 1],
        arr[:, 2],
        arr[:, 3],
        spread=None if spread is None else np.asarray(spread, dtype=np.int64),
        symbol="EURUSD",
        timeframe="M1",
    )


def flat(price: float, n: int, width: float = 0.0002) -> list[tuple[float, float, float, float]]:
    """``n`` quiet bars around ``price`` (high/low ``width`` away)."""
    return [(price, price + width, price - width, price)] * n


def mask(n: int, *at: int) -> np.ndarray:
    """A boolean array of length ``n``, True at ``at``."""
    out = np.zeros(n, np.bool_)
    out[list(at)] = True
    return out

"""Bar builder shared by the data tests: a seeded random walk."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mikrobot.data.frame import make_bars

MIN = pd.Timedelta(minutes=1)


def walk(
    start: str,
    end: str,
    *,
    tf: str = "M1",
    seed: int = 0,
    drop: tuple[tuple[str, str], ...] = (),
    symbol: str | None = None,
    spread: bool = False,
) -> pd.DataFrame:
    """Bars every ``tf`` over ``[start, end)`` UTC, minus the ``[a, b)`` spans in ``drop``.

    A random walk around 1.10 with a per-bar sigma of 0.00015 and wicks of up to 1 pip.
    """
    times = pd.date_range(start, end, freq=pd.Timedelta(minutes=_minutes(tf)), tz="UTC",
                          inclusive="left", unit="ns")  # fmt: skip
    keep = np.ones(len(times), dtype=bool)
    for a, b in drop:
        keep &= ~((times >= pd.Timestamp(a, tz="UTC")) & (times < pd.Timestamp(b, tz="UTC")))
    rng = np.random.default_rng(seed)
    n = len(times)
    close = 1.10 + np.cumsum(rng.normal(0.0, 0.00015, n))
    open_ = np.concatenate(([1.10], close[:-1]))
    high = np.maximum(open_, close) + rng.uniform(0, 0.0001, n)
    low = np.minimum(open_, close) - rng.uniform(0, 0.0001, n)
    volume = rng.integers(1, 200, n)
    spreads = rng.integers(0, 30, n) if spread else None
    cols = [a[keep] for a in (open_, high, low, close, volume)]
    return make_bars(times[keep], *cols, None if spreads is None else spreads[keep],
                     symbol=symbol, timeframe=tf)  # fmt: skip


def _minutes(tf: str) -> int:
    return {"M1": 1, "M5": 5, "M15": 15, "M30": 30, "H1": 60, "H4": 240, "D1": 1440}[tf]

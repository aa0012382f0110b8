"""Bar builders shared by the data tests: a seeded random walk and the real quoted-TSV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mikrobot.data.frame import make_bars
from mikrobot.data.timezones import localize_to_utc

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


def read_quoted_tsv(path: Path, tz: str = "UTC", symbol: str = "EURUSD") -> pd.DataFrame:
    """Private reader of the hadiforoughi files: every line in double quotes, TAB inside,
    header ``Time Open High Low Close Volume``. Keeps the file's row order."""
    raw = pd.read_csv(path, sep="\t", quoting=3, dtype=str)
    raw.columns = [c.strip('"') for c in raw.columns]
    first, last = raw.columns[0], raw.columns[-1]
    raw[first] = raw[first].str.strip('"')
    raw[last] = raw[last].str.strip('"')
    naive = pd.DatetimeIndex(pd.to_datetime(raw["Time"], format="%Y-%m-%d %H:%M:%S")).as_unit("ns")
    index = localize_to_utc(naive, tz) if tz != "UTC" else naive.tz_localize("UTC")
    cols = [raw[c].astype(float).to_numpy() for c in ("Open", "High", "Low", "Close")]
    frame = make_bars(index, *cols, raw["Volume"].astype(np.int64).to_numpy(),
                      symbol=symbol, source_tz=tz, source="quoted_tsv")  # fmt: skip
    return frame

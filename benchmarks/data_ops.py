"""Time mikrobot.data.resampling and mikrobot.data.validation against pandas, in one run.

    python benchmarks/data_ops.py [--runs 7]

Inputs: the standard synthetic year (BENCHMARKS.md: a seeded random walk from 1.10 with a
per-minute sigma of 0.00015, 52 weeks x 5 days x 24 h x 60 min = 374,400 M1 bars, each week
opening Sunday 22:00 UTC) and, when present, the real EURUSD M1 file in ../shared/data.
Prints the median of ``--runs`` timed runs after one warm-up, the pandas peer and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mikrobot.data.frame import make_bars  # noqa: E402
from mikrobot.data.loaders import load_bars  # noqa: E402
from mikrobot.data.resampling import resample  # noqa: E402
from mikrobot.data.validation import validate  # noqa: E402

SHARED = Path(os.environ.get("MIKROBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
REAL_M1 = SHARED / "real" / "eurusd_m1_2022-01_2022-02.csv"
REAL_TZ = "-03:30"  # the file's clock: the FX week closes at 18:30 file time in winter


def synthetic_year(seed: int = 42) -> pd.DataFrame:
    """374,400 M1 bars: 52 trading weeks, Sunday 22:00 to Friday 22:00 UTC."""
    minute = 60_000_000_000
    week0 = pd.Timestamp("2024-01-07 22:00", tz="UTC").value
    weeks = week0 + np.arange(52, dtype=np.int64) * 7 * 1440 * minute
    times = (weeks[:, None] + np.arange(5 * 1440, dtype=np.int64)[None, :] * minute).ravel()
    rng = np.random.default_rng(seed)
    n = times.size
    close = 1.10 + np.cumsum(rng.normal(0.0, 0.00015, n))
    open_ = np.concatenate(([1.10], close[:-1]))
    high = np.maximum(open_, close) + rng.uniform(0, 0.0001, n)
    low = np.minimum(open_, close) - rng.uniform(0, 0.0001, n)
    volume = rng.integers(1, 200, n)
    return make_bars(times, open_, high, low, close, volume, symbol="EURUSD", timeframe="M1")


def load_real() -> pd.DataFrame | None:
    if not REAL_M1.is_file():
        return None
    return load_bars(REAL_M1, symbol="EURUSD", tz=REAL_TZ)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up (JIT compile or load from the on-disk cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def pandas_resample(df: pd.DataFrame, rule: str) -> pd.DataFrame:
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "tick_volume": "sum"}
    return df.resample(rule).agg(agg).dropna(subset=["open"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    rows: list[tuple[str, float, float | None, int]] = []
    year = synthetic_year()
    ours = resample(year, "M5")
    peer = pandas_resample(year, "5min")
    assert np.array_equal(ours.index.asi8, peer.index.asi8)
    assert np.array_equal(ours["high"].to_numpy(), peer["high"].to_numpy())
    rows.append(
        (
            "resample 374,400 M1 -> M5",
            median_ms(lambda: resample(year, "M5"), args.runs),
            median_ms(lambda: pandas_resample(year, "5min"), args.runs),
            len(year),
        )
    )
    rows.append(
        (
            "resample 374,400 M1 -> D1 (NY+7)",
            median_ms(lambda: resample(year, "D1", align_tz="NY+7"), args.runs),
            None,
            len(year),
        )
    )
    rows.append(
        (
            "validate 374,400 M1 (synthetic)",
            median_ms(lambda: validate(year), args.runs),
            None,
            len(year),
        )
    )
    real = load_real()
    if real is not None:
        rows.append(
            (
                "validate real EURUSD M1",
                median_ms(lambda: validate(real), args.runs),
                None,
                len(real),
            )
        )
        rows.append(
            (
                "resample real EURUSD M1 -> M5",
                median_ms(lambda: resample(real, "M5"), args.runs),
                median_ms(lambda: pandas_resample(real, "5min"), args.runs),
                len(real),
            )
        )
    else:
        print(f"(real data not found under {SHARED}: real-data rows skipped)")

    print(f"{'what':36} {'mikrobot ms':>12} {'pandas ms':>10} {'ratio':>7} {'n':>8}")
    for name, mine, other, n in rows:
        ratio = f"{other / mine:6.1f}x" if other else "      -"
        other_txt = f"{other:10.2f}" if other else f"{'-':>10}"
        print(f"{name:36} {mine:12.2f} {other_txt} {ratio} {n:8,}")


if __name__ == "__main__":
    main()

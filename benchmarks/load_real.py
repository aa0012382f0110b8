"""Median load time of the real EURUSD files (``python benchmarks/load_real.py [DATA_DIR]``).

DATA_DIR defaults to ``../shared/data/real`` next to the repository. Each file: one warm-up,
then 7 timed runs; the median is printed, next to the median of the plainest pandas code that
reads the same file without any checks (strip quotes, ``read_csv``, ``to_datetime``), run in
the same loop so machine noise hits both alike. Not a test: figures only.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's mikrobot, not an installed one

from mikrobot.data.loaders import load_bars  # noqa: E402

FILES = (
    ("eurusd_m1_2022-01_2022-02.csv", "\t", "Time", "%Y-%m-%d %H:%M:%S"),
    ("eurusd_m5_2021-06_2022-02.csv", "\t", "Time", "%Y-%m-%d %H:%M:%S"),
    ("eurusd_m15_2022.csv", ",", "Date", "%Y.%m.%d %H:%M:%S"),
)
RUNS = 7


def plain_pandas(path: Path, sep: str, column: str, fmt: str) -> pd.DataFrame:
    data = path.read_bytes().replace(b'"', b"")
    frame = pd.read_csv(io.BytesIO(data), sep=sep)
    frame.index = pd.to_datetime(frame.pop(column), format=fmt, utc=True)
    return frame


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "real"
    print(f"{'file':34} {'rows':>7} {'load_bars':>10} {'plain pandas':>13} {'ratio':>6}")
    for name, sep, column, fmt in FILES:
        path = data / name
        if not path.is_file():
            print(f"{name}: not found under {data}, skipped")
            continue
        rows = len(load_bars(path, tz="UTC"))  # warm-up
        plain_pandas(path, sep, column, fmt)
        ours, plain = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            load_bars(path, tz="UTC")
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain_pandas(path, sep, column, fmt)
            plain.append(time.perf_counter() - start)
        a, b = statistics.median(ours) * 1e3, statistics.median(plain) * 1e3
        print(f"{name:34} {rows:>7,} {a:>8.1f}ms {b:>11.1f}ms {b / a:>5.2f}x")
    print(f"medians of {RUNS} runs after a warm-up")


if __name__ == "__main__":
    main()

"""Median load time of the real EURUSD files (``python benchmarks/load_real.py [DATA_DIR]``).

DATA_DIR defaults to ``../shared/data/real`` next to the repository; 7 timed runs after a
warm-up, median printed per file. Not a test: figures only.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's mikrobot, not an installed one

from mikrobot.data.loaders import load_bars  # noqa: E402

FILES = (
    "eurusd_m1_2022-01_2022-02.csv",
    "eurusd_m5_2021-06_2022-02.csv",
    "eurusd_m15_2022.csv",
)


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "real"
    runs = 7
    for name in FILES:
        path = data / name
        if not path.is_file():
            print(f"{name}: not found under {data}, skipped")
            continue
        frame = load_bars(path, tz="UTC")  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            load_bars(path, tz="UTC")
            times.append(time.perf_counter() - start)
        print(
            f"{name}: {len(frame):,} rows, median {statistics.median(times) * 1e3:.1f} ms "
            f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}, n={runs})"
        )


if __name__ == "__main__":
    main()

"""Time the synthetic market generators (not a test; prints medians).

    python benchmarks/synthetic_speed.py [--runs 7]

* ``market("EURUSD", "2024-01-01", days=365)``: one year of M1 bars with sessions, volatility
  clustering, regimes, closes, spread and tick volume (target: well under a second, < 0.3 s);
* the same with 250 planted BOS + retest episodes;
* ``random_walk(374_400)``: the standard benchmark input.

Each is called once to warm up (JIT from the on-disk cache), then timed ``--runs`` times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's mikrobot

from mikrobot.data.synthetic import market, random_walk


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    rows = len(out.bars) if hasattr(out, "bars") else len(out)  # type: ignore[arg-type]
    return first, statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    cases = [
        ("market EURUSD 365 days", lambda: market("EURUSD", "2024-01-01", days=365, seed=1)),
        (
            "market EURUSD 365 days, 250 episodes",
            lambda: market("EURUSD", "2024-01-01", days=365, seed=1, episodes=250),
        ),
        ("random_walk(374_400)", lambda: random_walk(374_400, seed=0)),
    ]
    print(f"{'case':40s} {'bars':>8s} {'first call':>11s} {'median':>9s}  (n={args.runs})")
    for name, fn in cases:
        first, median, rows = measure(fn, args.runs)
        print(f"{name:40s} {rows:8d} {first * 1e3:9.1f}ms {median * 1e3:7.1f}ms")


if __name__ == "__main__":
    main()

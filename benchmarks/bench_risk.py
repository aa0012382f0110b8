"""Per-call cost of the risk hot paths (part of B6's budget): the live monitor's update, the
pre-trade check and position sizing. Prints the median of 7 runs after a warm-up.

Run from the repo root: ``python -m benchmarks.bench_risk``.
"""

from __future__ import annotations

import statistics
import timeit

from mikrobot.core import DEFAULT_SPECS, to_ns
from mikrobot.risk import PropFirmAccount, size_position

N = 20_000


def main() -> None:
    spec = DEFAULT_SPECS["EURUSD"]
    acc = PropFirmAccount.from_preset("ftmo-2step-funded", initial_balance=100_000)
    clock = [to_ns("2025-01-13T08:00:00Z")]
    acc.record_open(clock[0], "p", spec, loss_at_stop=300.0)

    def update() -> None:
        clock[0] += 1_000_000_000
        acc.update(clock[0], balance=100_000.0, equity=99_900.0)

    def check() -> None:
        acc.check_order(clock[0], spec, volume=1.0, entry=1.1, stop=1.098)

    def size() -> None:
        size_position(spec, equity=100_000.0, entry=1.1, stop=1.098)

    print(f"{'what':<28}{'median per call':>18}")
    for name, fn in (
        ("PropFirmAccount.update", update),
        ("check_order", check),
        ("size_position", size),
    ):
        fn()
        runs = timeit.repeat(fn, number=N, repeat=7)
        print(f"{name:<28}{statistics.median(runs) / N * 1e6:>15.2f} us")


if __name__ == "__main__":
    main()

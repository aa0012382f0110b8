"""Parquet bar store import throughput (``python benchmarks/store_import.py [--runs 5] [--json F]``).

Cases, each the median of ``--runs`` timed runs after one warm-up, every run on its own store
in a temporary directory:

* ``syn-append``: the standard synthetic year of M1 (``mikrobot.data.synthetic.random_walk()``,
  374,400 bars) appended to an empty store;
* ``syn-reimport``: the same frame appended again (every row a duplicate, nothing written);
* ``syn-append-nosync``: as ``syn-append`` with ``durable=False`` (no fsync), to show the cost
  of flushing to disk;
* ``real-append`` / ``real-reimport``: the real EURUSD M1 file (49,993 bars), loaded once;
* ``real-import``: ``BarStore.import_file`` on the real file: load + validate + append.

The real file is looked up in ``$MIKROBOT_SHARED_DATA/real`` or ``../shared/data/real`` next to
the repository; its cases are skipped when it is absent. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's mikrobot, not an installed one

from mikrobot.data.loaders import load_bars  # noqa: E402
from mikrobot.data.store import BarStore  # noqa: E402
from mikrobot.data.synthetic import random_walk  # noqa: E402

SYN_BARS = 374_400  # 5 days x 24 h x 60 min x 52 weeks
REAL_M1 = "eurusd_m1_2022-01_2022-02.csv"


def real_path() -> Path | None:
    shared = Path(os.environ.get("MIKROBOT_SHARED_DATA", ROOT.parent / "shared" / "data"))
    path = shared / "real" / REAL_M1
    return path if path.is_file() else None


def median_time(
    runs: int, setup: Callable[[Path], object], action: Callable[[Path, object], object]
) -> tuple[float, float, float]:
    """Median, min and max seconds of ``action`` over fresh stores (one untimed warm-up)."""
    times = []
    for i in range(runs + 1):
        with tempfile.TemporaryDirectory(prefix="mikrobot-bench-") as tmp:
            state = setup(Path(tmp))
            start = time.perf_counter()
            action(Path(tmp), state)
            elapsed = time.perf_counter() - start
        if i:
            times.append(elapsed)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()

    cases: list[tuple[str, int, Callable, Callable]] = []
    syn = random_walk(SYN_BARS)
    n_syn = len(syn)

    def fresh(_: Path) -> None:
        return None

    def filled(tmp: Path, frame: object = syn) -> None:
        BarStore(tmp).append(frame)

    cases.append(("syn-append", n_syn, fresh, lambda tmp, _: BarStore(tmp).append(syn)))
    cases.append(("syn-reimport", n_syn, filled, lambda tmp, _: BarStore(tmp).append(syn)))
    cases.append(
        (
            "syn-append-nosync",
            n_syn,
            fresh,
            lambda tmp, _: BarStore(tmp, durable=False).append(syn),
        )
    )
    path = real_path()
    if path is None:
        print(f"{REAL_M1} not found: real-data cases skipped")
    else:
        real = load_bars(path, symbol="EURUSD", tz="Etc/GMT-2")
        n_real = len(real)
        cases.append(("real-append", n_real, fresh, lambda tmp, _: BarStore(tmp).append(real)))
        cases.append(
            (
                "real-reimport",
                n_real,
                lambda tmp: filled(tmp, real),
                lambda tmp, _: BarStore(tmp).append(real),
            )
        )
        cases.append(
            (
                "real-import",
                n_real,
                fresh,
                lambda tmp, _: BarStore(tmp).import_file(path, symbol="EURUSD", tz="Etc/GMT-2"),
            )
        )

    rows = []
    print(f"{'case':<20}{'rows':>10}{'median ms':>12}{'min ms':>10}{'max ms':>10}{'rows/s':>14}")
    for name, n, setup, action in cases:
        med, lo, hi = median_time(args.runs, setup, action)
        rate = n / med
        rows.append(
            {
                "case": name,
                "rows": n,
                "median_s": med,
                "min_s": lo,
                "max_s": hi,
                "rows_per_s": rate,
                "runs": args.runs,
            }
        )
        print(
            f"{name:<20}{n:>10,}{med * 1e3:>12.1f}{lo * 1e3:>10.1f}{hi * 1e3:>10.1f}{rate:>14,.0f}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

"""Stream: cost per M1 bar of the live detector (SPEC §1-§4 bar by bar), target p99 <= 20 µs.

A year of standard M1 bars goes through :class:`mikrobot.structure.StructureStream` one bar at
a time, M5 built inside (the live path); each ``update_m1`` call is timed. ``mikrobot_ms`` is
the median over the runs of each run's p99, in ms; the notes give p50, p99.9 and the total.
"""

from __future__ import annotations

import statistics
from time import perf_counter_ns

import numpy as np
from common import M1_BARS, QUICK_M1_BARS, repeats

from mikrobot.data.synthetic import random_walk
from mikrobot.structure import StructureStream


def _one_run(t: list, o: list, h: list, lo: list, c: list) -> tuple[np.ndarray, int]:
    stream = StructureStream("EURUSD")
    update = stream.update_m1
    clock = perf_counter_ns
    cost = np.empty(len(t), dtype=np.int64)
    events = 0
    for k in range(len(t)):
        start = clock()
        out = update(t[k], o[k], h[k], lo[k], c[k])
        cost[k] = clock() - start
        events += len(out)
    return cost, events


def rows(quick: bool) -> list[dict]:
    """One row: per-bar p99 of the M1-only stream over a year (median of the runs)."""
    m1 = random_walk(QUICK_M1_BARS if quick else M1_BARS)
    t = m1.index.asi8.tolist()
    o, h, lo, c = (m1[k].to_numpy().tolist() for k in ("open", "high", "low", "close"))
    _one_run(t, o, h, lo, c)  # warm-up
    p50, p99, p999, totals = [], [], [], []
    events = 0
    for _ in range(repeats(quick)):
        cost, events = _one_run(t, o, h, lo, c)
        p50.append(float(np.percentile(cost, 50)) / 1e6)
        p99.append(float(np.percentile(cost, 99)) / 1e6)
        p999.append(float(np.percentile(cost, 99.9)) / 1e6)
        totals.append(int(cost.sum()) / 1e6)
    med = statistics.median
    return [
        {
            "id": "B-stream",
            "what": "stream: one closed M1 bar (M5 built inside), per-bar p99",
            "mikrobot_ms": med(p99),
            "peer": None,
            "peer_ms": None,
            "ratio": None,
            "n": len(t),
            "p50_us": med(p50) * 1e3,
            "p999_us": med(p999) * 1e3,
            "total_ms": med(totals),
            "events": events,
            "notes": f"p50 {med(p50) * 1e3:.2f} µs, p99 {med(p99) * 1e3:.2f} µs, "
            f"p99.9 {med(p999) * 1e3:.2f} µs, {med(totals):.0f} ms per year of bars",
        }
    ]


if __name__ == "__main__":
    for r in rows(quick=False):
        print(r)

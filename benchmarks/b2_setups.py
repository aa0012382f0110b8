"""B2: M5 BOS + M1 retest setups over a year of standard bars (374,400 M1 + 74,880 M5).

No peer does this. ``mikrobot_ms`` is :func:`mikrobot.structure.setups` with both frames
(checks, kernels, session lookup, confidence and the result frame); ``kernel_ms`` the numba
kernels alone (structure, retest scan, confidence). A second row builds M5 from M1 inside.
"""

from __future__ import annotations

import numpy as np
from common import M1_BARS, QUICK_M1_BARS, median_ms, repeats, to_m5

import mikrobot.structure as ms
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.synthetic import random_walk
from mikrobot.structure.api import setup_arrays, structure_arrays
from mikrobot.structure.inputs import bar_arrays


def rows(quick: bool) -> list[dict]:
    """Two rows: setups from M1 + M5, and from M1 only."""
    m1 = random_walk(QUICK_M1_BARS if quick else M1_BARS)
    m5 = to_m5(m1)
    runs = repeats(quick, fast=True)
    spec = DEFAULT_SPECS["EURUSD"]
    th = ms.StructureParams().for_symbol(spec)
    b1, b5 = bar_arrays(m1, Timeframe.M1, "m1"), bar_arrays(m5, Timeframe.M5, "m5")

    def kernels() -> dict:
        return setup_arrays(b1, b5, structure_arrays(b5, th), th)

    api_ms, found = median_ms(lambda: ms.setups(m1, m5, spec), runs)
    kernel_ms, _ = median_ms(kernels, runs)
    m1_only_ms, found_m1 = median_ms(lambda: ms.setups(m1, None, spec), runs)
    counts = found["status"].value_counts()
    summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    same = found.equals(found_m1)
    common = {"peer": None, "peer_ms": None, "ratio": None, "n": len(m1)}
    return [
        {
            "id": "B2",
            "what": "M5 BOS + M1 retest setups, M1 + M5 given",
            "mikrobot_ms": api_ms,
            "kernel_ms": kernel_ms,
            **common,
            "setups": len(found),
            "confirmed": int(counts.get("confirmed", 0)),
            "notes": f"no peer does this; {summary}; mean confidence "
            f"{np.nanmean(found['confidence']):.3f}",
        },
        {
            "id": "B2-m1",
            "what": "M5 BOS + M1 retest setups, M5 built from M1 inside",
            "mikrobot_ms": m1_only_ms,
            **common,
            "setups_equal": same,
            "notes": "same setups as with the M5 frame" if same else "SETUPS DIFFER",
        },
    ]


if __name__ == "__main__":
    for r in rows(quick=False):
        print(r)

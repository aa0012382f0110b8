"""B1 (causal): mikrobot's causal swings + BOS/CHoCH on the standard M5 bars vs smartmoneyconcepts.

mikrobot runs its own definition (SPEC §1-§2: causal, thinned swings; breaks; ATR strength)
with the SPEC defaults (left = right = 3) and with left = right = 5; the peer runs
``swing_highs_lows(5)`` + ``bos_choch`` (it places swings with future bars), so outputs differ
by design and these rows compare speed only (``b1_smc.py`` compares the compatible preset on
identical output). ``mikrobot_ms`` is :func:`mikrobot.structure.structure` (input checks and
both result frames included), ``kernel_ms`` the numba kernel alone. The peer is timed once.
"""

from __future__ import annotations

from common import import_peer, median_ms, peer_name, ratio, repeats, standard_m5

import mikrobot.structure as ms
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure.api import structure_arrays
from mikrobot.structure.inputs import bar_arrays

PEER_SWING_LENGTH = 5


def rows(quick: bool) -> list[dict]:
    """Two rows (SPEC defaults, and left = right = 5), the peer timed once on the same bars."""
    m5 = standard_m5(quick)
    runs = repeats(quick, fast=True)  # our calls take milliseconds: a steadier median
    spec = DEFAULT_SPECS["EURUSD"]
    bars = bar_arrays(m5, Timeframe.M5, "m5")
    smc_module = import_peer("smartmoneyconcepts")
    peer_ms = None
    if smc_module is not None:
        pkg = smc_module.smc

        def theirs() -> object:
            found = pkg.swing_highs_lows(m5, PEER_SWING_LENGTH)
            return pkg.bos_choch(m5, found, True)

        peer_ms, _ = median_ms(theirs, repeats(quick))  # seconds per call: 5 runs
    out = []
    for size in (3, 5):
        params = ms.StructureParams(left=size, right=size)
        th = params.for_symbol(spec)
        api_ms, (swings, breaks) = median_ms(lambda p=params: ms.structure(m5, spec, p), runs)
        kernel_ms, _ = median_ms(lambda th=th: structure_arrays(bars, th), runs)
        out.append(
            {
                "id": "B1-causal" if size == 3 else "B1-causal-5",
                "what": f"causal swings (left=right={size}) + BOS/CHoCH + ATR strength, M5",
                "mikrobot_ms": api_ms,
                "kernel_ms": kernel_ms,
                "peer": peer_name(smc_module, "smartmoneyconcepts"),
                "peer_ms": peer_ms,
                "ratio": ratio(peer_ms, api_ms),
                "kernel_ratio": ratio(peer_ms, kernel_ms),
                "n": len(m5),
                "swings": len(swings),
                "events": len(breaks),
                "notes": (
                    "peer missing"
                    if peer_ms is None
                    else f"peer: swing_highs_lows({PEER_SWING_LENGTH}) + bos_choch, which uses "
                    "future bars: speed only"
                ),
            }
        )
    return out


if __name__ == "__main__":
    for r in rows(quick=False):
        print(r)

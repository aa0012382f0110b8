"""B1 (causal): mikrobot's causal swings + BOS/CHoCH on the standard M5 bars vs smartmoneyconcepts.

mikrobot runs its default definition (SPEC §1-§2: causal swings, left = right = 5 here to match
``swing_length=5``) and the peer its own look-ahead one, so the outputs differ by design: this
row compares speed only (``b1_smc.py`` compares the compatible preset on identical output).
``mikrobot_ms`` is :func:`mikrobot.structure.structure` (frames included), ``kernel_ms`` the
numba kernel alone.
"""

from __future__ import annotations

from common import import_peer, median_ms, peer_name, ratio, repeats, standard_m5

import mikrobot.structure as ms
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure.api import structure_arrays
from mikrobot.structure.inputs import bar_arrays

SWING_LENGTH = 5


def rows(quick: bool) -> list[dict]:
    """One row: causal swings + breaks (API and kernel) and the peer, same input, same run."""
    m5 = standard_m5(quick)
    runs = repeats(quick)
    spec = DEFAULT_SPECS["EURUSD"]
    params = ms.StructureParams(left=SWING_LENGTH, right=SWING_LENGTH)
    th = params.for_symbol(spec)
    bars = bar_arrays(m5, Timeframe.M5, "m5")
    api_ms, (swings, breaks) = median_ms(lambda: ms.structure(m5, spec, params), runs)
    kernel_ms, _ = median_ms(lambda: structure_arrays(bars, th), runs)
    row = {
        "id": "B1-causal",
        "what": f"causal swings(left=right={SWING_LENGTH}) + BOS/CHoCH + ATR, M5",
        "mikrobot_ms": api_ms,
        "kernel_ms": kernel_ms,
        "n": len(m5),
        "swings": len(swings),
        "events": len(breaks),
    }
    smc_module = import_peer("smartmoneyconcepts")
    row["peer"] = peer_name(smc_module, "smartmoneyconcepts")
    if smc_module is None:
        row.update(peer_ms=None, ratio=None, notes="peer missing")
        return [row]
    pkg = smc_module.smc

    def theirs() -> object:
        found = pkg.swing_highs_lows(m5, SWING_LENGTH)
        return pkg.bos_choch(m5, found, True)

    peer_ms, _ = median_ms(theirs, runs)
    row.update(
        peer_ms=peer_ms,
        ratio=ratio(peer_ms, api_ms),
        kernel_ratio=ratio(peer_ms, kernel_ms),
        notes="different definitions (smc places swings with future bars): speed only",
    )
    return [row]


if __name__ == "__main__":
    for r in rows(quick=False):
        print(r)

"""B1 (compat): smartmoneyconcepts swings + BOS/CHoCH vs mikrobot's smc-compatible preset.

Both get the same standard M5 bars and parameters (``swing_length=5``, ``close_break=True``)
and must give identical output; the row reports ``output_equal``. The preset reproduces the
package's look-ahead (SPEC §2), so this compares speed on identical output, not the causal
engine (that is ``b1_causal.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from common import import_peer, median_ms, peer_name, ratio, repeats, standard_m5

from mikrobot.structure import smc as compat
from mikrobot.structure.smc_nb import smc_bos_choch_nb, smc_swings_nb

SWING_LENGTH = 5
CLOSE_BREAK = True


def _same(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None when the frames are identical (values, dtypes, index), else the first difference."""
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    return None


def rows(quick: bool) -> list[dict]:
    """One row: the package and the preset on identical input, timed in this process."""
    m5 = standard_m5(quick)

    def ours() -> tuple[pd.DataFrame, pd.DataFrame]:
        swings = compat.swing_highs_lows(m5, SWING_LENGTH)
        return swings, compat.bos_choch(m5, swings, CLOSE_BREAK)

    high, low, close = (np.ascontiguousarray(m5[c].to_numpy()) for c in ("high", "low", "close"))

    def kernels() -> tuple[np.ndarray, ...]:
        highlow, level = smc_swings_nb(high, low, SWING_LENGTH)  # rows of one (2, n) array
        return smc_bos_choch_nb(highlow, level, close, close)

    ours_ms, (swings, breaks) = median_ms(ours, repeats(quick, fast=True))
    kernel_ms, _ = median_ms(kernels, repeats(quick, fast=True))
    row = {
        "id": "B1-compat",
        "what": f"swings({SWING_LENGTH}) + BOS/CHoCH, smc-compatible preset, M5",
        "mikrobot_ms": ours_ms,
        "kernel_ms": kernel_ms,
        "n": len(m5),
        "swings": int(swings["HighLow"].notna().sum()),
        "events": int((breaks["BOS"].notna() | breaks["CHOCH"].notna()).sum()),
    }
    smc_module = import_peer("smartmoneyconcepts")
    row["peer"] = peer_name(smc_module, "smartmoneyconcepts")
    if smc_module is None:
        row.update(peer_ms=None, ratio=None, output_equal=None, notes="peer missing")
        return [row]
    pkg = smc_module.smc

    def theirs() -> tuple[pd.DataFrame, pd.DataFrame]:
        swings = pkg.swing_highs_lows(m5, SWING_LENGTH)
        return swings, pkg.bos_choch(m5, swings, CLOSE_BREAK)

    peer_ms, (their_swings, their_breaks) = median_ms(theirs, repeats(quick))
    diff = _same(swings, their_swings) or _same(breaks, their_breaks)
    row.update(
        peer_ms=peer_ms,
        ratio=ratio(peer_ms, ours_ms),
        output_equal=diff is None,
        notes=(
            "identical output (assert_frame_equal, exact); preset uses future bars like smc"
            if diff is None
            else f"OUTPUT DIFFERS: {diff}"
        ),
    )
    return [row]

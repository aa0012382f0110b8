"""How far the smc-compatible preset agrees with smartmoneyconcepts 0.0.27: counts, not times.

    python benchmarks/smc_agreement.py [--quick]

Runs both on the real EURUSD M15 bars (when ../shared/data is present) and on the standard
synthetic M5 bars, for swing_length 5 and 10 and close_break True/False, and prints per case
the rows compared, swings, BOS/CHoCH events, erased-but-broken rows (the package's quirk of a
BrokenIndex left without a flag) and whether the frames are identical (exact values, dtypes,
index). Exits 1 on any difference. Not a ``b*`` module: ``run.py`` does not time it.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
from common import import_peer, real_bars, standard_m5

from mikrobot.data.loaders import load_bars
from mikrobot.structure import smc as compat

CASES = [(length, close_break) for length in (5, 10) for close_break in (True, False)]


def inputs(quick: bool) -> dict[str, pd.DataFrame]:
    """The frames to compare on: the real M15 bars (when present) and the standard M5."""
    frames = {}
    path = real_bars("eurusd_m15_2022.csv")
    if path is not None:
        df = load_bars(path)
        frames["EURUSD M15 (real)"] = df.iloc[:3_000] if quick else df
    frames["random walk M5"] = standard_m5(quick)
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small inputs")
    args = parser.parse_args(argv)
    module = import_peer("smartmoneyconcepts")
    if module is None:
        print("smartmoneyconcepts is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    pkg = module.smc
    header = f"{'input':<20} {'L':>3} {'break':<6} {'rows':>7} {'swings':>7} {'events':>7} {'erased':>7}  equal"
    print(header)
    print("-" * len(header))
    all_equal = True
    for name, df in inputs(args.quick).items():
        for length, close_break in CASES:
            theirs_s = pkg.swing_highs_lows(df, length)
            theirs_b = pkg.bos_choch(df, theirs_s, close_break)
            ours_s = compat.swing_highs_lows(df, length)
            ours_b = compat.bos_choch(df, ours_s, close_break)
            try:
                pd.testing.assert_frame_equal(ours_s, theirs_s, check_exact=True)
                pd.testing.assert_frame_equal(ours_b, theirs_b, check_exact=True)
                equal = "yes"
            except AssertionError as exc:
                equal = "NO: " + str(exc).splitlines()[0]
                all_equal = False
            flagged = ours_b["BOS"].notna() | ours_b["CHOCH"].notna()
            erased = ~flagged & ours_b["BrokenIndex"].notna()
            print(
                f"{name:<20} {length:>3} {'close' if close_break else 'wick':<6} {len(df):>7,} "
                f"{int(ours_s['HighLow'].notna().sum()):>7,} {int(flagged.sum()):>7,} "
                f"{int(erased.sum()):>7,}  {equal}"
            )
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())

"""Wall time of the look-ahead check (``python benchmarks/lookahead_check.py [--quick] [--json]``).

Rows: the default strategy (:func:`mikrobot.structure.api.setups`) on a synthetic month of
EURUSD M1 and on the real EURUSD M1 file (M1 only, and with the real M5 file), and the
smc-compatible preset on the real M1 file (which the check flags). Each row: median of 5 full
checks (50 cutoffs and 10 entry checks, after a warm-up), the time per strategy run (the
full run, the truncated runs and the entry checks), and one strategy run on the whole history
for scale (a truncated run costs at most that plus the comparison). No peer: freqtrade's
lookahead-analysis needs a freqtrade bot and its backtester. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd
from common import SHARED_DATA, median_ms

from mikrobot.backtest.lookahead import check_lookahead, setups_strategy, smc_strategy
from mikrobot.data.loaders import load_bars
from mikrobot.data.synthetic import market

REAL_M1 = SHARED_DATA / "real" / "eurusd_m1_2022-01_2022-02.csv"
REAL_M5 = SHARED_DATA / "real" / "eurusd_m5_2021-06_2022-02.csv"
FILE_TZ = "-03:30"  # the hadiforoughi files' clock (see tests/data/test_validate.py)


def real(path) -> pd.DataFrame:
    """A real file through the loader, the M5 file's repeated block dropped and sorted."""
    frame = load_bars(path, tz=FILE_TZ)
    return frame[~frame.index.duplicated(keep="first")].sort_index()


def row(what: str, m1, strategy, m5, cutoffs: int, runs: int) -> dict:
    one_ms, _ = median_ms(lambda: strategy(m1) if m5 is None else strategy(m1, m5), runs)
    check_ms, report = median_ms(
        lambda: check_lookahead(m1, strategy, m5=m5, n_cutoffs=cutoffs), runs
    )
    return {
        "id": "LA",
        "what": what,
        "mikrobot_ms": round(check_ms, 1),
        "per_run_ms": round(check_ms / (len(report.cutoffs) + report.entry_checks + 1), 2),
        "one_run_ms": round(one_ms, 2),
        "n": len(m1),
        "cutoffs": len(report.cutoffs),
        "entry_checks": report.entry_checks,
        "signals": report.n_signals,
        "compared": report.compared,
        "violations": report.counts(),
        "clean": report.clean,
    }


def rows(quick: bool) -> list[dict]:
    """The benchmark rows (a one-week synthetic row only with ``quick``)."""
    runs, cutoffs = (3, 10) if quick else (5, 50)
    days = 7 if quick else 30
    synthetic = market("EURUSD", "2024-03-04", days=days, seed=7, episodes=days).bars
    setups = setups_strategy("EURUSD")
    out = [row(f"setups, synthetic {days} days", synthetic, setups, None, cutoffs, runs)]
    if quick or not REAL_M1.is_file():
        return out
    m1 = real(REAL_M1)
    out.append(row("setups, real EURUSD M1", m1, setups, None, cutoffs, runs))
    if REAL_M5.is_file():
        out.append(row("setups, real EURUSD M1 + M5", m1, setups, real(REAL_M5), cutoffs, runs))
    out.append(row("smc-compat(5), real EURUSD M1", m1, smc_strategy(5), None, cutoffs, runs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small row (smoke run)")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    args = parser.parse_args()
    for r in rows(args.quick):
        if args.json:
            print(json.dumps(r))
        else:
            found = ", ".join(f"{k} {v}" for k, v in r["violations"].items() if v) or "clean"
            print(
                f"{r['what']:<30} {r['n']:>6} bars {r['cutoffs']} cutoffs + "
                f"{r['entry_checks']} entry checks: {r['mikrobot_ms']:>6.1f} ms "
                f"({r['per_run_ms']:.2f} ms/run; whole history once {r['one_run_ms']:.2f} ms) "
                f"signals {r['signals']}: {found}"
            )


if __name__ == "__main__":
    main()

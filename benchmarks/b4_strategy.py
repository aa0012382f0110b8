"""B4: the real strategy backtest on one synthetic year of M1 bars.

M5 BOS + M1 retest setups (``mikrobot.structure.api.setups``), every confirmed setup through
the strategic evaluation (``mikrobot.strategy.evaluation.evaluate``, default settings), risk
sizing with the confidence multiplier, the bars' spread column, 7 USD round-turn commission per
lot, random slippage (uniform 0-0.5 pip, seeded), SL/TP on every M1 bar, FTMO 2-Step Challenge
floors; then the trade list and the statistics.

``mikrobot_ms`` covers all of it from the bar frame on; ``setups_ms`` is the structure engine's
part and ``backtest_ms`` the rest (evaluation, simulation, trade list, statistics). No peer does
this. Target: <= 60 ms warm.
"""

from __future__ import annotations

from common import M1_BARS, QUICK_M1_BARS, median_ms, random_walk, repeats

from mikrobot.backtest import BacktestParams, SlippageParams, run_setups
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.risk.params import SizingParams
from mikrobot.structure.api import setups

SPEC = DEFAULT_SPECS["EURUSD"]
PARAMS = BacktestParams(
    sizing=SizingParams(commission_per_lot=7.0, slippage_pips=0.5),
    slippage=SlippageParams(mode="random", pips=0.5, seed=1),
)


def rows(quick: bool) -> list[dict]:
    """One row: the whole pipeline, with the setups and the backtest timed apart too."""
    n = QUICK_M1_BARS if quick else M1_BARS
    row = {
        "id": "B4",
        "what": "BOS+retest setups, evaluation, sizing, costs, SL/TP, FTMO rules, stats; M1",
        "peer": None,
        "peer_ms": None,
        "ratio": None,
        "n": n,
        "target_ms": 60.0,
    }
    m1 = random_walk(n)
    runs = repeats(quick, fast=True)

    def backtest(found):
        result = run_setups(m1, found, spec=SPEC, params=PARAMS, config_hash="bench")
        result.stats  # noqa: B018  (statistics are computed on first access)
        return result

    def pipeline():
        return backtest(setups(m1, spec=SPEC))

    total_ms, result = median_ms(pipeline, runs)
    setups_ms, found = median_ms(lambda: setups(m1, spec=SPEC), runs)
    backtest_ms, _ = median_ms(lambda: backtest(found), runs)
    s = result.stats
    row.update(
        mikrobot_ms=total_ms,
        setups_ms=setups_ms,
        backtest_ms=backtest_ms,
        signals=result.signals,
        approved=result.extras["approved"],
        trades=s.trade_count,
        verdict=s.verdict,
        rejections=dict(result.rejections),
        notes=(
            f"{result.signals} confirmed setups evaluated, {s.trade_count} trades, "
            f"verdict {s.verdict}; setups {setups_ms:.1f} ms + backtest {backtest_ms:.1f} ms"
        ),
    )
    return [row]


if __name__ == "__main__":
    import json
    import sys

    for r in rows("--quick" in sys.argv):
        print(json.dumps(r, default=str))

"""Engine-check mode: the B3 strategy's trade list equals backtesting.py 0.6.6's on small inputs.

Also the signal kernels: the rolling mean equals pandas' bit for bit, the crossover equals
backtesting.lib.crossover.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mikrobot.backtest import backtesting_compat, run_sma_cross
from mikrobot.backtest.signals_nb import crossover_nb, sma_nb
from mikrobot.data.synthetic import random_walk

SL = 0.0010
TP = 0.0015


def _bt_trades(m1: pd.DataFrame, size: float, cash: float) -> pd.DataFrame:
    backtesting = pytest.importorskip(
        "backtesting", reason="backtesting.py is in the dev extra: pip install -e '.[dev]'"
    )
    from backtesting.lib import crossover

    def sma(values, n):
        return pd.Series(values).rolling(n).mean()

    class SmaCross(backtesting.Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, 10)
            self.slow = self.I(sma, self.data.Close, 30)

        def next(self):
            price = self.data.Close[-1]
            if crossover(self.fast, self.slow):
                self.buy(size=size, sl=price - SL, tp=price + TP)
            elif crossover(self.slow, self.fast):
                self.sell(size=size, sl=price + SL, tp=price - TP)

    frame = m1[["open", "high", "low", "close"]].rename(columns=str.capitalize)
    frame.index = frame.index.tz_localize(None)
    bt = backtesting.Backtest(frame, SmaCross, cash=cash, exclusive_orders=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bt.run()._trades


@pytest.mark.parametrize(
    ("size", "cash"),
    [(0.9999, 10_000.0), (10_000, 1_000_000.0)],
    ids=["relative-size", "fixed-units"],
)
def test_sma_cross_trades_equal_backtesting_py(size, cash):
    m1 = random_walk(4_000, seed=3)
    theirs = _bt_trades(m1, size, cash)
    kwargs = {"cash_fraction": size} if size < 1 else {"size": float(size)}
    res = run_sma_cross(m1, sl=SL, tp=TP, params=backtesting_compat(cash), **kwargs)
    ours = res.trades[res.trades["exit_reason"] != "end_of_data"]
    assert len(ours) == len(theirs) > 50
    assert set(ours["exit_reason"]) == {"stop", "target", "signal"}
    assert np.array_equal(ours["entry_bar"], theirs["EntryBar"])
    assert np.array_equal(ours["exit_bar"], theirs["ExitBar"])
    assert np.array_equal(ours["entry_time"].dt.tz_localize(None), theirs["EntryTime"])
    assert np.array_equal(ours["exit_time"].dt.tz_localize(None), theirs["ExitTime"])
    assert np.array_equal(ours["entry_price"], theirs["EntryPrice"])
    assert np.array_equal(ours["exit_price"], theirs["ExitPrice"])
    assert np.array_equal(ours["volume"], theirs["Size"].abs())
    assert np.array_equal(np.where(ours["side"] == "long", 1, -1), np.sign(theirs["Size"]))
    assert np.array_equal(ours["pnl"], theirs["PnL"])


def test_sma_equals_pandas_rolling_mean_bit_for_bit():
    rng = np.random.default_rng(5)
    values = np.round(1.1 + np.cumsum(rng.normal(0, 1e-4, 5_000)), 5)
    values[100:140] = 1.2  # a window of identical values
    values[300] = np.nan
    for n in (1, 2, 10, 30, 200):
        expected = pd.Series(values).rolling(n).mean().to_numpy()
        assert np.array_equal(sma_nb(values, n), expected, equal_nan=True)


def test_crossover_matches_definition():
    a = np.array([1.0, 2.0, 3.0, 2.0, 2.0, 4.0])
    b = np.array([2.0, 2.5, 2.5, 2.5, 2.0, 3.0])
    assert crossover_nb(a, b).tolist() == [False, False, True, False, False, False]
    assert crossover_nb(b, a).tolist() == [False, False, False, True, False, False]

"""B3: engine check - SMA 10/30 crossover with fixed SL/TP on one year of M1 bars.

The strategy: at a bar's close, long when SMA(10) of closes crosses above SMA(30), short when it
crosses below; the order fills at the next open and first closes the open position
(``exclusive_orders``); stop 10 pips and target 15 pips from the signal bar's close. Size: 99.99 %
of the cash in whole units (backtesting.py's default relative size), cash 10,000, no spread or
commission.

* vs backtesting.py 0.6.6 ``Backtest.run()``: mikrobot runs :func:`mikrobot.backtest.run_sma_cross`
  under :func:`~mikrobot.backtest.backtesting_compat`; ``trades_equal`` says whether every closed
  trade has the same entry and exit time, price and size (the trade still open at the end is
  left out of both lists: backtesting.py's ``finalize_trades=False``).
* vs vectorbt 1.2.0 ``Portfolio.from_signals`` (warm: its JIT compiled by a first call): the
  same signals shifted to the fill bar, ``price=open``, OHLC stops as ``sl_stop``/``tp_stop``
  fractions of the fill price. Speed only; ``trade_count_match`` reports whether it closes as
  many trades (its stop and reversal rules differ in details).

mikrobot's time covers the whole call: bar arrays, both SMAs and crossovers, the simulation and
the trade list DataFrame; ``kernel_ms`` is the simulation kernel alone.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
from common import (
    M1_BARS,
    QUICK_M1_BARS,
    import_peer,
    median_ms,
    peer_name,
    random_walk,
    ratio,
    repeats,
)

from mikrobot.backtest import Market, backtesting_compat, run_sma_cross, unit_spec
from mikrobot.backtest.signals_nb import sma_cross_nb

FAST, SLOW = 10, 30
SL, TP = 0.0010, 0.0015
CASH = 10_000.0
FRACTION = 0.9999


def _ours(m1: pd.DataFrame):
    return run_sma_cross(
        m1, FAST, SLOW, sl=SL, tp=TP, cash_fraction=FRACTION, params=backtesting_compat(CASH)
    )


def _kernel_ms(m1: pd.DataFrame, runs: int) -> float:
    """Median time of the simulation kernel alone on prepared arrays and orders."""
    from mikrobot.backtest import Simulation, codes

    params = backtesting_compat(CASH)
    market = Market.from_bars(m1, unit_spec(), 0.0)
    up, down = sma_cross_nb(market.close, FAST, SLOW)
    signal = np.flatnonzero((up | down)[:-1])
    side = np.where(up[signal], 1, -1)
    close = market.close[signal]
    stop = np.where(side > 0, close - SL, close + SL)
    target = np.where(side > 0, close + TP, close - TP)

    def kernel():
        sim = Simulation(
            market,
            params,
            capacity=signal.size,
            size_mode=codes.SIZE_CASH_FRACTION,
            exclusive=True,
            cash_fraction=FRACTION,
        )
        sim.add_orders(signal + 1, side, stop, target)
        return sim.advance()

    return median_ms(kernel, runs)[0]


def _backtesting_run(bt_module, m1: pd.DataFrame):
    from backtesting.lib import crossover

    def sma(values, n):
        return pd.Series(values).rolling(n).mean()

    class SmaCross(bt_module.Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, FAST)
            self.slow = self.I(sma, self.data.Close, SLOW)

        def next(self):
            price = self.data.Close[-1]
            if crossover(self.fast, self.slow):
                self.buy(size=FRACTION, sl=price - SL, tp=price + TP)
            elif crossover(self.slow, self.fast):
                self.sell(size=FRACTION, sl=price + SL, tp=price - TP)

    frame = m1[["open", "high", "low", "close"]].rename(columns=str.capitalize)
    frame.index = frame.index.tz_localize(None)
    bt = bt_module.Backtest(frame, SmaCross, cash=CASH, exclusive_orders=True)

    def run():
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            return bt.run()

    return run


def trades_equal(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[bool, str]:
    """Whether the closed trades agree on entry/exit time, price and size (and why not)."""
    mine = ours[ours["exit_reason"] != "end_of_data"]
    if len(mine) != len(theirs):
        return False, f"{len(mine)} trades vs {len(theirs)}"
    checks = {
        "entry time": (mine["entry_time"].dt.tz_localize(None), theirs["EntryTime"]),
        "exit time": (mine["exit_time"].dt.tz_localize(None), theirs["ExitTime"]),
        "entry price": (mine["entry_price"], theirs["EntryPrice"]),
        "exit price": (mine["exit_price"], theirs["ExitPrice"]),
        "size": (mine["volume"] * np.where(mine["side"] == "long", 1, -1), theirs["Size"]),
    }
    for name, (a, b) in checks.items():
        a, b = np.asarray(a), np.asarray(b)
        if not np.array_equal(a, b):
            first = int(np.flatnonzero(a != b)[0])
            return False, f"{name} differs first at trade {first}: {a[first]} vs {b[first]}"
    return True, f"{len(mine)} trades identical"


def _vectorbt_run(vbt, m1: pd.DataFrame):
    o, h, lo, c = (m1[k].to_numpy() for k in ("open", "high", "low", "close"))
    up, down = sma_cross_nb(c, FAST, SLOW)
    entries = np.r_[False, up[:-1]]
    shorts = np.r_[False, down[:-1]]
    sl = np.r_[np.nan, SL / c[:-1]]  # as fractions of the fill price (= previous close here)
    tp = np.r_[np.nan, TP / c[:-1]]

    def run():
        return vbt.Portfolio.from_signals(
            c,
            entries=entries,
            short_entries=shorts,
            price=o,
            open=o,
            high=h,
            low=lo,
            sl_stop=sl,
            tp_stop=tp,
            size=1.0,
            init_cash=1e12,
        )

    return run


def rows(quick: bool) -> list[dict]:
    """Two rows: mikrobot vs backtesting.py (with ``trades_equal``) and vs vectorbt."""
    n = QUICK_M1_BARS if quick else M1_BARS
    m1 = random_walk(n)
    ours_ms, result = median_ms(lambda: _ours(m1), repeats(quick, fast=True))
    kernel_ms = _kernel_ms(m1, repeats(quick, fast=True))
    ours = result.trades
    closed = int((ours["exit_reason"] != "end_of_data").sum())
    base = {
        "what": f"SMA {FAST}/{SLOW} cross + SL/TP, M1, engine check",
        "mikrobot_ms": ours_ms,
        "kernel_ms": kernel_ms,
        "n": n,
        "trades": closed,
    }
    out = []

    bt_module = import_peer("backtesting")
    row = {"id": "B3", **base, "peer": peer_name(bt_module, "backtesting")}
    if bt_module is None:
        row.update(peer_ms=None, ratio=None, trades_equal=None, notes="peer missing")
    else:
        bt_ms, stats = median_ms(_backtesting_run(bt_module, m1), repeats(quick))
        equal, why = trades_equal(ours, stats["_trades"])
        row.update(
            peer_ms=bt_ms,
            ratio=ratio(bt_ms, ours_ms),
            trades_equal=equal,
            peer_trades=len(stats["_trades"]),
            notes=f"backtesting_compat(): {why}; sizes = int(cash x 0.9999 // open) units",
        )
    out.append(row)

    vbt = import_peer("vectorbt")
    row = {"id": "B3-vectorbt", **base, "peer": peer_name(vbt, "vectorbt")}
    if vbt is None:
        row.update(peer_ms=None, ratio=None, notes="peer missing")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vbt_ms, pf = median_ms(_vectorbt_run(vbt, m1), repeats(quick))
        count = int(pf.trades.count())
        row.update(
            peer_ms=vbt_ms,
            ratio=ratio(vbt_ms, ours_ms),
            peer_trades=count,
            trade_count_match=count == len(ours),
            notes=(
                f"from_signals warm, next-open fills, OHLC sl_stop/tp_stop: {count} trades "
                f"(open ones included) vs mikrobot's {len(ours)}; speed only"
            ),
        )
    out.append(row)
    return out


if __name__ == "__main__":
    import json
    import sys

    for r in rows("--quick" in sys.argv):
        print(json.dumps(r))

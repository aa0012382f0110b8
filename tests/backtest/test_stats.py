"""Statistics against independent pandas computations, and the prop-firm verdict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mikrobot.backtest import (
    BacktestParams,
    BacktestResult,
    Market,
    Simulation,
    SlippageParams,
    codes,
    run_sma_cross,
)
from mikrobot.data.synthetic import random_walk
from mikrobot.risk.params import PropFirmParams, SizingParams

from .helpers import EURUSD, PIP, VPP, bars, flat


@pytest.fixture(scope="module")
def result() -> BacktestResult:
    m1 = random_walk(8_000, seed=11)  # spread column: 10 points
    params = BacktestParams(
        prop_firm=None,
        max_open_positions=1,
        sizing=SizingParams(commission_per_lot=7.0),
        slippage=SlippageParams(mode="fixed", pips=0.2),
    )
    return run_sma_cross(
        m1, sl=10 * PIP, tp=15 * PIP, size=1.0, spec=EURUSD, params=params, config_hash="abc"
    )


def _pandas_equity(res: BacktestResult) -> pd.Series:
    m = res.market
    idx = m.index[: res.n_bars]
    close = pd.Series(m.close[: res.n_bars], index=idx)
    spread = pd.Series(np.broadcast_to(m.spread, (len(m),))[: res.n_bars], index=idx)
    equity = pd.Series(res.initial_balance, index=idx)
    for t in res.trades.itertuples():
        sign = 1 if t.side == "long" else -1
        mark = close if sign > 0 else close + spread
        held = (idx >= t.entry_time) & (idx < t.exit_time)
        floating = sign * t.volume * (mark - t.entry_price) * VPP - t.commission / 2
        equity[held] += floating[held]
        equity[idx >= t.exit_time] += t.pnl
    return equity


def test_trades_and_config_hash(result):
    t = result.trades
    assert result.config_hash == "abc"
    assert len(t) > 100
    assert set(t.exit_reason) <= {"stop", "target", "signal", "end_of_data"}
    assert (t.commission == 7.0).all()
    assert np.allclose(t.pnl.sum(), result.final_balance - result.initial_balance)
    longs = t.side == "long"
    entry_open = result.market.open[t.entry_bar.to_numpy()]
    expected = np.where(longs, entry_open + 10e-5 + 0.2 * PIP, entry_open - 0.2 * PIP)
    assert np.allclose(t.entry_price, expected, atol=1e-12)


def test_equity_curve_equals_a_pandas_recomputation(result):
    expected = _pandas_equity(result)
    assert np.allclose(result.equity.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-6)
    assert result.equity.iloc[-1] == pytest.approx(result.final_balance)


def test_stats_equal_pandas_definitions(result):
    s = result.stats
    t = result.trades
    eq = _pandas_equity(result)
    peak = np.maximum(eq, result.initial_balance).cummax()
    assert s.max_drawdown == pytest.approx((peak - eq).max())
    assert s.max_drawdown_pct == pytest.approx(((peak - eq) / peak).max() * 100)
    assert result.drawdown.min() == pytest.approx(-s.max_drawdown)
    days = eq.index.tz_convert("Europe/Prague").date
    daily = eq.groupby(days).last()
    rets = daily / daily.shift(1, fill_value=result.initial_balance) - 1
    assert s.days == len(rets) > 3
    assert s.sharpe == pytest.approx(rets.mean() / rets.std() * math.sqrt(252))
    downside = math.sqrt((rets.clip(upper=0) ** 2).mean())
    assert s.sortino == pytest.approx(rets.mean() / downside * math.sqrt(252))
    wins, losses = t.pnl[t.pnl > 0].sum(), -t.pnl[t.pnl < 0].sum()
    assert s.profit_factor == pytest.approx(wins / losses)
    assert s.win_rate == pytest.approx((t.pnl > 0).mean() * 100)
    assert s.expectancy == pytest.approx(t.pnl.mean())
    risk = t.volume * (t.entry_price - t.stop).abs() * VPP + 7.0 * t.volume
    assert s.avg_r == pytest.approx((t.pnl / risk).mean())
    assert s.trade_count == len(t)
    assert s.net_result == pytest.approx(t.pnl.sum())
    assert s.return_pct == pytest.approx(t.pnl.sum() / 1_000)
    held = np.zeros(result.n_bars, bool)
    for e0, e1 in zip(t.entry_bar, t.exit_bar, strict=True):
        held[e0 : e1 + 1] = True
    assert s.exposure_pct == pytest.approx(held.mean() * 100)
    assert s.verdict is None
    assert result.summary()["config_hash"] == "abc"


def test_verdict_passes_only_once_the_minimum_trading_days_are_reached():
    """Days 1-3 make +4,000 each (the 10 % target is met on day 3), but the challenge needs 4
    trading days: it passes when day 4's trade closes."""
    times, rows, orders = [], [], []
    for d, gain in zip((4, 5, 6, 7), (40, 40, 40, 5), strict=True):
        base = len(rows)
        times += [f"2024-03-0{d} 10:0{k}" for k in range(3)]
        rows += [*flat(1.1, 2, 0.00001), (1.1, 1.1 + gain * PIP, 1.09999, 1.1)]
        orders.append((base + 1, 1.1 + gain * PIP))
    frame = bars(rows, times=times)
    params = BacktestParams(
        prop_firm=PropFirmParams.from_preset("ftmo-2step-challenge"),
        spread_points=0.0,
        sizing=SizingParams(commission_per_lot=0.0),
    )
    sim = Simulation(
        Market.from_bars(frame, EURUSD, 0.0), params, capacity=4, size_mode=codes.SIZE_FIXED
    )
    for bar, target in orders:
        sim.add_order(bar, 1, math.nan, target, volume=10.0)
    res = BacktestResult.from_simulation(sim, config_hash="")
    assert res.final_balance == pytest.approx(112_500.0)
    assert res.stats.trading_days == 4
    assert res.stats.verdict == "passed"
    assert res.stats.pass_time == frame.index[11]

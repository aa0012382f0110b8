"""Fills and costs computed by hand: next open, ask/bid, spread, commission, slippage, SL/TP."""

from __future__ import annotations

import numpy as np
import pytest

from mikrobot.backtest import BacktestParams, SlippageParams, run_signals
from mikrobot.risk.params import SizingParams

from .helpers import EURUSD, PIP, VPP, bars, flat, mask


def params(**kw) -> BacktestParams:
    base = {"prop_firm": None, "max_open_positions": 1}
    sizing = kw.pop("commission", 0.0)
    base["sizing"] = SizingParams(commission_per_lot=sizing)
    base.update(kw)
    return BacktestParams(**base)


def test_long_enters_at_next_open_ask_and_exits_at_next_open_bid_with_commission():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10005),
        (1.10005, 1.10020, 1.10000, 1.10010),  # signal at this close
        (1.10012, 1.10030, 1.10000, 1.10020),  # fill at this open + spread[2]
        (1.10020, 1.10060, 1.10010, 1.10050),  # exit signal at this close
        (1.10055, 1.10070, 1.10040, 1.10060),  # exit at this open (bid)
    ]
    b = bars(rows, spread=[10, 20, 30, 40, 50])
    res = run_signals(
        b, mask(5, 1), exits=mask(5, 3), size=2.0, spec=EURUSD, params=params(commission=7.0)
    )
    t = res.trades.iloc[0]
    assert len(res.trades) == 1
    assert t.entry_time == b.index[2]
    assert t.exit_time == b.index[4]
    assert t.entry_price == pytest.approx(1.10012 + 30 * 1e-5, abs=1e-12)
    assert t.exit_price == pytest.approx(1.10055, abs=1e-12)
    assert t.commission == pytest.approx(14.0)  # 7 per lot round turn, 2 lots
    gross = 2.0 * (1.10055 - 1.10042) * VPP
    assert t.pnl == pytest.approx(gross - 14.0)
    assert t.exit_reason == "signal"
    assert res.final_balance == pytest.approx(100_000 + gross - 14.0)


def test_short_enters_at_bid_and_exits_at_ask_fixed_spread_overrides_column():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),
        (1.10000, 1.10010, 1.09990, 1.09995),  # short signal
        (1.09990, 1.10000, 1.09980, 1.09985),  # fill at bid open
        (1.09980, 1.09990, 1.09970, 1.09975),  # exit signal
        (1.09970, 1.09980, 1.09960, 1.09965),  # exit at ask = open + 12 points
    ]
    b = bars(rows, spread=[50] * 5)
    res = run_signals(
        b,
        mask(5),
        short_entries=mask(5, 1),
        short_exits=mask(5, 3),
        size=1.0,
        spec=EURUSD,
        params=params(spread_points=12.0),
    )
    t = res.trades.iloc[0]
    assert t.side == "short"
    assert t.entry_price == pytest.approx(1.09990, abs=1e-12)
    assert t.exit_price == pytest.approx(1.09970 + 12e-5, abs=1e-12)
    assert t.pnl == pytest.approx((1.09990 - 1.09982) * VPP)


def test_fixed_slippage_on_market_fills_not_on_targets():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),  # signal
        (1.10000, 1.10010, 1.09990, 1.10000),  # fill: ask + 0.5 pip
        (1.10000, 1.10120, 1.09990, 1.10100),  # target 1.10100 touched: fills at the target
    ]
    b = bars(rows)
    p = params(spread_points=10.0, slippage=SlippageParams(mode="fixed", pips=0.5))
    res = run_signals(b, mask(3, 0), sl=20 * PIP, tp=10 * PIP, size=1.0, spec=EURUSD, params=p)
    t = res.trades.iloc[0]
    assert t.entry_price == pytest.approx(1.10000 + 10e-5 + 0.5 * PIP, abs=1e-12)
    assert t.exit_reason == "target"
    assert t.exit_price == pytest.approx(1.10100, abs=1e-12)
    assert t.slippage == pytest.approx(0.5 * PIP * VPP)


def test_seeded_random_slippage_draws_one_value_per_bar():
    n = 6
    b = bars(flat(1.1, n, width=0.00005))
    p = params(spread_points=0.0, slippage=SlippageParams(mode="random", pips=2.0, seed=7))
    res = run_signals(b, mask(n, 1), exits=mask(n, 3), size=1.0, spec=EURUSD, params=p)
    draws = np.random.default_rng(7).uniform(0.0, 2 * PIP, n)
    t = res.trades.iloc[0]
    assert t.entry_price == pytest.approx(1.1 + draws[2], abs=1e-12)
    assert t.exit_price == pytest.approx(1.1 - draws[4], abs=1e-12)
    again = run_signals(b, mask(n, 1), exits=mask(n, 3), size=1.0, spec=EURUSD, params=p)
    assert again.trades.equals(res.trades)
    other = p.model_copy(update={"slippage": SlippageParams(mode="random", pips=2.0, seed=8)})
    third = run_signals(b, mask(n, 1), exits=mask(n, 3), size=1.0, spec=EURUSD, params=other)
    assert third.trades.iloc[0].entry_price != t.entry_price


@pytest.mark.parametrize(
    ("policy", "reason", "price"),
    [("pessimistic", "stop", 1.09900 - 0.3 * PIP), ("optimistic", "target", 1.10100)],
)
def test_bar_touching_stop_and_target_follows_policy_and_is_counted(policy, reason, price):
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),  # signal: stop 1.0990, target 1.1010
        (1.10000, 1.10010, 1.09990, 1.10000),  # fill
        (1.10000, 1.10150, 1.09850, 1.10000),  # touches both
        (1.10000, 1.10010, 1.09990, 1.10000),
    ]
    p = params(spread_points=0.0, policy=policy, slippage=SlippageParams(mode="fixed", pips=0.3))
    res = run_signals(
        bars(rows), mask(4, 0), sl=10 * PIP, tp=10 * PIP, size=1.0, spec=EURUSD, params=p
    )
    t = res.trades.iloc[0]
    assert t.exit_reason == reason
    assert t.exit_price == pytest.approx(price, abs=1e-12)
    assert bool(t.ambiguous)
    assert res.ambiguous_bars == 1
    assert res.stats.ambiguous_bars == 1


def test_gap_through_the_stop_fills_at_the_open():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),  # signal: stop 1.0990
        (1.10000, 1.10010, 1.09990, 1.10000),  # fill
        (1.09800, 1.09850, 1.09700, 1.09800),  # opens 10 pips below the stop
    ]
    p = params(spread_points=0.0)
    res = run_signals(
        bars(rows), mask(3, 0), sl=10 * PIP, tp=30 * PIP, size=1.0, spec=EURUSD, params=p
    )
    t = res.trades.iloc[0]
    assert t.exit_reason == "stop"
    assert t.exit_price == pytest.approx(1.09800, abs=1e-12)
    assert not t.ambiguous
    assert res.ambiguous_bars == 0


def test_gap_beyond_target_fills_at_the_better_open_unless_stop_first():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),  # signal: stop 1.0990, target 1.1010
        (1.10000, 1.10010, 1.09990, 1.10000),  # fill
        (1.10200, 1.10250, 1.09850, 1.10000),  # opens above the target, then falls below stop
    ]
    for policy, reason, price in (
        ("pessimistic", "target", 1.10200),
        ("stop_first", "stop", 1.09900),
    ):
        p = params(spread_points=0.0, policy=policy)
        res = run_signals(
            bars(rows), mask(3, 0), sl=10 * PIP, tp=10 * PIP, size=1.0, spec=EURUSD, params=p
        )
        t = res.trades.iloc[0]
        assert (t.exit_reason, round(t.exit_price, 6)) == (reason, price)


def test_short_stop_triggers_on_the_ask():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),  # short signal: stop 1.1010
        (1.10000, 1.10010, 1.09990, 1.10000),  # fill at bid
        (1.10000, 1.10080, 1.09990, 1.10000),  # bid high 1.1008 < stop; ask high depends
    ]
    for spread, hit in ((10, False), (30, True)):
        res = run_signals(
            bars(rows, spread=[spread] * 3),
            mask(3),
            short_entries=mask(3, 0),
            sl=10 * PIP,
            tp=50 * PIP,
            size=1.0,
            spec=EURUSD,
            params=params(),
        )
        t = res.trades.iloc[0]
        assert (t.exit_reason == "stop") is hit
        if hit:
            assert t.exit_price == pytest.approx(1.10100, abs=1e-12)
        else:
            assert t.exit_reason == "end_of_data"
            assert t.exit_price == pytest.approx(1.10000 + spread * 1e-5, abs=1e-12)


def test_stop_checked_on_the_entry_bar_and_exclusive_entry_closes_the_open_position():
    rows = [
        (1.10000, 1.10010, 1.09990, 1.10000),  # long signal
        (1.10000, 1.10010, 1.09850, 1.10000),  # fill, then the stop (1.0990) inside this bar
        (1.10000, 1.10010, 1.09990, 1.10000),  # long signal again
        (1.10000, 1.10010, 1.09990, 1.10000),  # fill
        (1.10000, 1.10010, 1.09990, 1.10000),  # short signal
        (1.10030, 1.10040, 1.09990, 1.10000),  # long closed at this open, short opened
    ]
    res = run_signals(
        bars(rows),
        mask(6, 0, 2),
        short_entries=mask(6, 4),
        sl=10 * PIP,
        tp=50 * PIP,
        size=1.0,
        spec=EURUSD,
        params=params(spread_points=0.0),
    )
    t = res.trades
    assert list(t.exit_reason) == ["stop", "signal", "end_of_data"]
    assert list(t.entry_bar) == [1, 3, 5]
    assert list(t.exit_bar) == [1, 5, 5]
    assert t.exit_price.iloc[1] == pytest.approx(1.10030, abs=1e-12)
    assert t.entry_price.iloc[2] == pytest.approx(1.10030, abs=1e-12)

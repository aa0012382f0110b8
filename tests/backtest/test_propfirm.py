"""Prop-firm rules inside the simulation: breaches end the run, Prague midnights, floor modes."""

from __future__ import annotations

import math

import pytest

from mikrobot.backtest import BacktestParams, BacktestResult, Market, Simulation, codes
from mikrobot.risk.params import PropFirmParams, SizingParams

from .helpers import EURUSD, PIP, VPP, bars, flat


def _params(**rules) -> BacktestParams:
    preset = rules.pop("preset", "ftmo-2step-challenge")
    return BacktestParams(
        prop_firm=PropFirmParams.from_preset(preset, **rules),
        max_open_positions=5,
        spread_points=0.0,
        sizing=SizingParams(commission_per_lot=0.0),
    )


def _run(frame, params, orders) -> BacktestResult:
    market = Market.from_bars(frame, EURUSD, params.spread_points)
    sim = Simulation(market, params, capacity=len(orders), size_mode=codes.SIZE_FIXED)
    for bar, side, stop, target, volume in orders:
        sim.add_order(bar, side, stop, target, volume=volume)
    return BacktestResult.from_simulation(sim, config_hash="test")


def test_daily_breach_ends_the_run_at_the_bar_with_the_reason():
    # 10 lots: one pip is 100 USD; the daily floor is 95,000 (5 % of 100,000)
    rows = [
        *flat(1.1000, 3),
        (1.1000, 1.1001, 1.0960, 1.0970),  # low 40 pips down: equity 96,000, fine
        (1.0970, 1.0975, 1.0948, 1.0950),  # low 52 pips down: equity 94,800 < 95,000
        *flat(1.0950, 3),
    ]
    frame = bars(rows)
    res = _run(
        frame, _params(), [(1, 1, math.nan, math.nan, 10.0), (6, 1, math.nan, math.nan, 1.0)]
    )
    assert res.breach_time == frame.index[4]
    assert res.breach_reason == "max_daily_loss"
    assert res.breach_equity == pytest.approx(100_000 - 52 * PIP * 10 * VPP)
    assert res.n_bars == 5  # the run ended at the breach bar
    t = res.trades
    assert len(t) == 1  # the order for bar 6 never filled
    assert t.exit_reason.iloc[0] == "breach"
    assert t.exit_price.iloc[0] == pytest.approx(1.0948, abs=1e-12)
    assert res.stats.verdict == "failed"
    assert res.stats.breach_reason == "max_daily_loss"


def test_a_stop_caps_the_worst_case_of_the_bar():
    rows = [*flat(1.1000, 2), (1.1000, 1.1001, 1.0900, 1.0950), *flat(1.0950, 2)]
    frame = bars(rows)
    # stop 40 pips below: the bar's low (100 pips down) is cut at the stop: no breach
    res = _run(frame, _params(), [(1, 1, 1.0960, math.nan, 10.0)])
    assert res.breach_time is None
    assert res.trades.exit_reason.iloc[0] == "stop"
    assert res.final_balance == pytest.approx(100_000 - 40 * PIP * 10 * VPP)


@pytest.mark.parametrize(
    ("midnight_utc", "before"),
    [
        ("2024-03-31 22:00", "2024-03-31 21:59"),  # summer time: Prague midnight = 22:00 UTC
        ("2024-03-30 23:00", "2024-03-30 22:59"),  # winter time: 23:00 UTC
        ("2024-10-27 23:00", "2024-10-27 22:59"),  # the night after the autumn change
    ],
)
def test_prague_midnight_takes_the_closed_balance_as_the_new_daily_base(midnight_utc, before):
    """Day D: +4,000 closed, a position carried at -6,000 floating. Before Prague midnight the
    daily floor is 95,000 (equity 98,000 is fine); after it, 104,000 - 5,000 = 99,000 and the
    same equity breaches, at the first bar after midnight."""
    t0 = before
    times = [
        f"{t0[:10]} 20:00",
        f"{t0[:10]} 20:01",
        f"{t0[:10]} 20:02",
        f"{t0[:10]} 20:03",
        before,
        midnight_utc,
        f"{midnight_utc[:10]} {midnight_utc[11:13]}:05",
    ]
    rows = [
        (1.1000, 1.1001, 1.0999, 1.1000),  # 0: two long orders signalled
        (1.1000, 1.1001, 1.0999, 1.1000),  # 1: both fill at 1.1000
        (1.1000, 1.1040, 1.0999, 1.1000),  # 2: the first hits its target +40 pips x 10 lots
        (1.1000, 1.1001, 1.0940, 1.0940),  # 3: the second floats -60 pips x 10 lots
        (1.0940, 1.0941, 1.0940, 1.0940),  # 4: still -6,000 before midnight: no breach
        (1.0940, 1.0941, 1.0940, 1.0940),  # 5: after midnight: breach
        (1.0940, 1.0941, 1.0940, 1.0940),
    ]
    frame = bars(rows, times=times)
    orders = [(1, 1, math.nan, 1.1040, 10.0), (1, 1, math.nan, math.nan, 10.0)]
    res = _run(frame, _params(), orders)
    assert res.breach_time == frame.index[5]
    assert res.breach_reason == "max_daily_loss"
    assert res.breach_equity == pytest.approx(98_000.0)


def _overall_path():
    # day 1: +3,000 closed; day 2: a loss to equity 92,500
    times = ["2024-03-05 10:00", "2024-03-05 10:01", "2024-03-05 10:02"]
    times += ["2024-03-06 10:00", "2024-03-06 10:01", "2024-03-06 10:02", "2024-03-06 10:03"]
    rows = [
        (1.1000, 1.1001, 1.0999, 1.1000),
        (1.1000, 1.1001, 1.0999, 1.1000),
        (1.1000, 1.1030, 1.0999, 1.1030),  # target +30 pips x 10 lots
        (1.1000, 1.1001, 1.0999, 1.1000),  # second order signalled
        (1.1000, 1.1001, 1.0999, 1.1000),  # fill
        (1.1000, 1.1001, 1.0895, 1.0900),  # -105 pips x 10 lots: equity 92,500
        (1.0900, 1.0901, 1.0899, 1.0900),
    ]
    orders = [(1, 1, math.nan, 1.1030, 10.0), (4, 1, math.nan, math.nan, 10.0)]
    return bars(rows, times=times), orders


def test_trailing_overall_floor_breaches_where_the_static_one_does_not():
    frame, orders = _overall_path()
    static = _run(frame, _params(daily_loss=0.5), orders)
    trailing = _run(frame, _params(daily_loss=0.5, max_loss_mode="trailing_eod"), orders)
    assert static.breach_time is None
    assert static.stats.verdict == "ongoing"
    # 1-step style: max(100,000, EOD 103,000) - 10,000 = 93,000 > 92,500
    assert trailing.breach_time == frame.index[5]
    assert trailing.breach_reason == "max_loss"
    assert trailing.breach_equity == pytest.approx(92_500.0)


def test_risk_sizing_is_capped_by_the_prop_firm_room():
    # daily floor 95,000, safety buffer 0.5 % = 500: room 4,500. Risk 10 % asked (10,000)
    frame = bars(flat(1.1000, 5))
    p = BacktestParams(
        prop_firm=PropFirmParams.from_preset("ftmo-2step-challenge", slippage_allowance=0.0),
        spread_points=0.0,
        sizing=SizingParams(risk_per_trade=0.1, max_risk_per_trade=0.1),
    )
    sim = Simulation(Market.from_bars(frame, EURUSD, 0.0), p, capacity=1)
    sim.add_order(1, 1, 1.1000 - 50 * PIP, math.nan)
    res = BacktestResult.from_simulation(sim, config_hash="")
    t = res.trades.iloc[0]
    assert t.volume == pytest.approx(9.0)  # 4,500 / (50 pips x 10 USD per pip per lot)
    assert t.risk == pytest.approx(4_500.0)

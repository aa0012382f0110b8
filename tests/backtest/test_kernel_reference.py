"""The kernel equals the slow reference simulation on random bars, orders and rules.

This covers what the hand-made cases cannot enumerate: gaps, ambiguous bars under every
policy, several positions, exit signals, exclusive entries, risk sizing with the prop-firm room,
midnight rolls, breaches, and the kernel's skipping of quiet bars and of flat stretches.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.backtest import BacktestParams, Market, Simulation, SlippageParams, codes
from mikrobot.backtest.days import prague_days
from mikrobot.risk.params import PropFirmParams, SizingParams

from .helpers import EURUSD
from .reference import Rules, simulate

MINUTE = 60_000_000_000
START = 1_711_843_200 * 1_000_000_000  # 2024-03-31 00:00 UTC: the EU spring DST change


@st.composite
def scenarios(draw):
    n = draw(st.integers(5, 120))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    vol = draw(st.sampled_from([0.0002, 0.0010, 0.0040]))
    steps = rng.normal(0, vol, n)
    gaps = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.3]))
    close = np.round(1.1 + np.cumsum(steps), 5)
    open_ = np.round(np.r_[1.1, close[:-1]] + gaps * rng.normal(0, 3 * vol, n), 5)
    high = np.round(np.maximum(open_, close) + np.abs(rng.normal(0, vol, n)), 5)
    low = np.round(np.minimum(open_, close) - np.abs(rng.normal(0, vol, n)), 5)
    minutes = np.cumsum(rng.choice([1, 1, 1, 7, 180, 900], n))
    time = START + minutes.astype(np.int64) * MINUTE
    spread = rng.integers(0, 30, n).astype(np.float64) * 1e-5
    slip = np.round(rng.random(n) * draw(st.sampled_from([0.0, 0.0003])), 6)
    with_exits = draw(st.booleans())
    exit_long = rng.random(n) < 0.1 if with_exits else None
    exit_short = rng.random(n) < 0.1 if with_exits else None
    m = draw(st.integers(0, 25))
    bars = np.sort(rng.integers(1, n + 2, m))  # some beyond the data
    sides = rng.choice([-1, 1], m)
    dist = rng.uniform(0.0003, 0.004, m)
    ref = open_[np.minimum(bars, n - 1) - 1] if n > 1 else open_[:1].repeat(m)
    stop = np.where(rng.random(m) < 0.15, np.nan, np.round(ref - sides * dist, 5))
    target = np.where(rng.random(m) < 0.15, np.nan, np.round(ref + sides * 2 * dist, 5))
    orders = [
        {
            "bar": int(bars[j]),
            "side": int(sides[j]),
            "stop": float(stop[j]),
            "target": float(target[j]),
            "volume": float(rng.choice([0.5, 1.0, 8.0])),
            "mult": float(rng.uniform(0.1, 2.0)),
        }
        for j in range(m)
    ]
    rules = Rules(
        policy=draw(st.sampled_from(["pessimistic", "optimistic", "stop_first"])),
        exclusive=draw(st.booleans()),
        max_open=draw(st.integers(1, 3)),
        sizing=draw(st.sampled_from(["fixed", "risk"])),
        risk_per_trade=draw(st.sampled_from([0.005, 0.03])),
        max_risk_per_trade=0.05,
        commission=draw(st.sampled_from([0.0, 7.0])),
        sizing_slippage=draw(st.sampled_from([0.0, 0.0002])),
        prop=draw(st.booleans()),
        initial=draw(st.sampled_from([100_000.0, 10_000.0])),
        daily_loss=draw(st.sampled_from([0.02, 0.05])),
        trailing=draw(st.booleans()),
        overnight=draw(st.booleans()),
        allowance=draw(st.sampled_from([0.0, 0.1])),
    )
    return time, open_, high, low, close, spread, slip, exit_long, exit_short, orders, rules


def _params(rules: Rules) -> BacktestParams:
    prop = None
    if rules.prop:
        prop = PropFirmParams.from_preset(
            "ftmo-1step" if rules.trailing else "ftmo-2step-challenge",
            daily_loss=rules.daily_loss,
            max_loss=rules.max_loss,
            safety_buffer=rules.safety,
            hard_buffer=0.0,
            overnight_guard=rules.overnight,
            slippage_allowance=rules.allowance,
        )
    return BacktestParams(
        initial_balance=rules.initial,
        policy=rules.policy,
        max_open_positions=rules.max_open,
        sizing=SizingParams(
            risk_per_trade=rules.risk_per_trade,
            max_risk_per_trade=rules.max_risk_per_trade,
            commission_per_lot=rules.commission,
            slippage_pips=rules.sizing_slippage / EURUSD.pip_size,
        ),
        slippage=SlippageParams(),
        prop_firm=prop,
    )


@given(scenarios())
def test_kernel_equals_reference(scenario):
    time, open_, high, low, close, spread, slip, exit_long, exit_short, orders, rules = scenario
    n = len(time)
    day = prague_days(time)
    market = Market(
        time=time, open=open_, high=high, low=low, close=close, spread=spread, spec=EURUSD
    )
    params = _params(rules)
    sim = Simulation(
        market,
        params,
        capacity=max(len(orders), 1),
        size_mode=codes.SIZE_RISK if rules.sizing == "risk" else codes.SIZE_FIXED,
        exclusive=rules.exclusive,
        exit_long=exit_long,
        exit_short=exit_short,
        slippage=slip,
    )
    for o in orders:
        kw = {"volume": o["volume"], "multiplier": o["mult"]}
        sim.add_order(o["bar"], o["side"], o["stop"], o["target"], **kw)
    # drive it in steps, as the setups driver does
    for stop_bar in sorted({o["bar"] for o in orders}):
        sim.advance(stop_bar)
    sim.finish()
    bars = {
        "open": open_.tolist(),
        "high": high.tolist(),
        "low": low.tolist(),
        "close": close.tolist(),
        "spread": spread.tolist(),
        "slip": slip.tolist(),
        "day": day.tolist(),
        "exit_long": None if exit_long is None else exit_long.tolist(),
        "exit_short": None if exit_short is None else exit_short.tolist(),
    }
    ref = simulate(bars, [o for o in orders if o["bar"] < n], rules, EURUSD)
    got = sim.closed_trades
    assert len(got) == len(ref.trades)
    assert [int(g["order"]) for g in got] == [r["order"] for r in ref.trades]
    names = {v: k for k, v in codes.EXIT_NAMES.items()}
    for g, r in zip(got, ref.trades, strict=True):
        assert int(g["order"]) == r["order"]
        assert (int(g["entry_bar"]), int(g["exit_bar"])) == (r["entry_bar"], r["exit_bar"])
        assert int(g["exit_reason"]) == names[r["reason"]]
        assert bool(g["ambiguous"]) == r["ambiguous"]
        assert g["volume"] == r["volume"]
        assert g["entry_price"] == r["entry_price"]
        assert g["exit_price"] == r["exit_price"]
        assert math.isclose(g["pnl"], r["pnl"], rel_tol=1e-12, abs_tol=1e-9)
        assert math.isclose(g["slippage"], r["slippage"], rel_tol=1e-12, abs_tol=1e-9)
    state = sim.st[0]
    assert int(state["breach_bar"]) == ref.breach_bar
    assert codes.BREACH_NAMES[int(state["breach_code"])] == ref.breach_reason
    assert int(state["ambiguous"]) == ref.ambiguous
    assert math.isclose(sim.balance, ref.balance, rel_tol=1e-12, abs_tol=1e-9)
    if not sim.breached:
        refused = {k for k in range(len(orders)) if 0 <= sim.o_status[k] < codes.REJECT_AFTER_END}
        assert refused == set(ref.rejected)

"""The numba mirrors equal mikrobot.risk: size_position and PropFirmAccount on random inputs."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.backtest import codes
from mikrobot.backtest.days import prague_day
from mikrobot.backtest.mirror_nb import (
    A_BALANCE,
    A_MIDNIGHT,
    A_OVERALL,
    SIZE_BELOW_MIN,
    SIZE_NO_EQUITY,
    SIZE_NO_RISK,
    SIZE_OK,
    SIZE_ZERO_STOP,
    account_view_nb,
    breach_code_nb,
    daily_floor_nb,
    monitor_level_nb,
    new_account,
    risk_room_nb,
    roll_day_nb,
    size_volume_nb,
)
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.symbol import AssetClass, SymbolSpec
from mikrobot.risk import floors as fl
from mikrobot.risk.params import PropFirmParams
from mikrobot.risk.propfirm import PropFirmAccount
from mikrobot.risk.sizing import size_position

_CODES = {
    "zero_stop": SIZE_ZERO_STOP,
    "no_equity": SIZE_NO_EQUITY,
    "no_risk": SIZE_NO_RISK,
    "below_volume_min": SIZE_BELOW_MIN,
}


@st.composite
def specs(draw) -> SymbolSpec:
    digits = draw(st.sampled_from([1, 2, 3, 5]))
    point = 10.0**-digits
    tick = point * draw(st.sampled_from([1, 1, 5, 10]))
    step = draw(st.sampled_from([0.01, 0.1, 1.0, 0.001]))
    vmin = step * draw(st.integers(1, 10))
    return SymbolSpec(
        name="X",
        asset_class=AssetClass.FX,
        digits=digits,
        point=point,
        pip_size=point * 10,
        tick_size=tick,
        tick_value=draw(st.floats(0.01, 50.0)),
        contract_size=100_000.0,
        volume_min=vmin,
        volume_max=vmin * draw(st.sampled_from([1, 10, 500, 5_000])),
        volume_step=step,
        base_currency="EUR",
        quote_currency="USD",
        profit_currency="USD",
        typical_spread=0.0,
    )


@given(
    spec=specs(),
    equity=st.one_of(
        st.floats(10_000.0, 5e6), st.floats(10_000.0, 5e6), st.floats(-1_000.0, 1_000.0)
    ),
    entry=st.floats(0.5, 2_000.0),
    stop_ticks=st.one_of(st.integers(1, 5_000), st.integers(0, 3)),
    below=st.booleans(),
    rpt=st.one_of(*[st.floats(0.001, 0.05)] * 4, st.just(0.0)),
    mult=st.floats(0.05, 3.0),
    cap=st.floats(0.001, 0.1),
    spread_ticks=st.integers(0, 50),
    commission=st.floats(0.0, 20.0),
    slip_ticks=st.floats(0.0, 20.0),
    room=st.one_of(st.none(), st.none(), st.floats(1.0, 1e5), st.just(0.0)),
)
def test_sizing_mirror_equals_size_position(
    spec,
    equity,
    entry,
    stop_ticks,
    below,
    rpt,
    mult,
    cap,
    spread_ticks,
    commission,
    slip_ticks,
    room,
):
    distance = stop_ticks * spec.tick_size
    stop = entry - distance if below else entry + distance
    if stop <= 0:
        stop = entry + distance
    spread = spread_ticks * spec.tick_size
    slippage = slip_ticks * spec.tick_size
    ref = size_position(
        spec,
        equity=equity,
        entry=entry,
        stop=stop,
        risk_per_trade=rpt,
        risk_multiplier=mult,
        max_risk_per_trade=cap,
        spread=spread,
        commission_per_lot=commission,
        slippage=slippage,
        max_risk_money=room,
    )
    volume, at_risk, per_lot, budget, code = size_volume_nb(
        equity,
        entry,
        stop,
        rpt,
        mult,
        cap,
        spread,
        commission,
        slippage,
        spec.tick_size,
        spec.tick_value,
        spec.volume_min,
        spec.volume_max,
        spec.volume_step,
        math.inf if room is None else room,
    )
    assert volume == ref.volume
    assert at_risk == ref.money_at_risk
    assert per_lot == ref.loss_per_lot
    assert budget == ref.risk_money
    expected = SIZE_OK if ref.accepted else _CODES[ref.reasons[-1].code]
    assert code == expected


NS_HOUR = 3_600_000_000_000
START = 1_711_400_000 * 1_000_000_000  # 2024-03-25, a week before and across the EU DST change


@st.composite
def paths(draw):
    steps = draw(st.integers(1, 60))
    ts = START
    balance = 100_000.0
    out = []
    for _ in range(steps):
        ts += draw(st.integers(0, 30)) * NS_HOUR + draw(st.integers(0, 59)) * 60_000_000_000
        balance += draw(st.floats(-3_000.0, 3_000.0))
        floating = draw(st.floats(-6_000.0, 2_000.0))
        risk = draw(st.floats(0.0, 3_000.0))
        out.append((ts, balance, balance + floating, risk))
    return out


@given(
    path=paths(),
    preset=st.sampled_from(["ftmo-2step-challenge", "ftmo-1step"]),
    lock=st.booleans(),
    overnight=st.booleans(),
    safety=st.sampled_from([0.0, 0.005, 0.02]),
)
def test_floor_mirror_equals_prop_firm_account(path, preset, lock, overnight, safety):
    params = PropFirmParams.from_preset(
        preset,
        trailing_lock_at_initial=lock,
        overnight_guard=overnight,
        safety_buffer=safety,
        hard_buffer=min(safety, 0.002),
    )
    account = PropFirmAccount(params, 100_000.0)
    spec = DEFAULT_SPECS["EURUSD"]
    acct = new_account(
        100_000.0,
        daily_loss=params.daily_loss,
        max_loss=params.max_loss,
        trailing=params.max_loss_mode == "trailing_eod",
        lock_at_initial=lock,
        safety_buffer=safety,
        overnight_guard=overnight,
    )
    first_breach = None
    for k, (ts, balance, equity, risk) in enumerate(path):
        account.update(ts, balance=balance, equity=equity)
        roll_day_nb(acct, prague_day(ts))
        acct[A_BALANCE] = balance
        code = breach_code_nb(acct, equity)
        assert acct[A_MIDNIGHT] == account.midnight_balance
        assert daily_floor_nb(acct) == account.daily_floor
        assert acct[A_OVERALL] == account.overall_floor
        if code != codes.BREACH_NONE and first_breach is None:
            first_breach = (k, codes.BREACH_NAMES[code])
        if account.breached is not None:
            assert first_breach is not None
            assert first_breach[1] == account.breached.code
        else:
            assert first_breach is None
            level = monitor_level_nb(acct, equity, params.hard_buffer)
            assert level == fl.monitor_level(
                equity,
                account.daily_floor,
                account.overall_floor,
                100_000.0,
                params.safety_buffer,
                params.hard_buffer,
            )
            if risk > 0:
                account.record_open(ts, f"p{k}", spec, loss_at_stop=risk)
                assert risk_room_nb(acct, equity, account.open_risk) == account.risk_room
                account.record_close(ts, f"p{k}")
    if first_breach is not None:
        assert account.breached is not None


def test_prague_day_numbers_match_core_sessions():
    from mikrobot.backtest.days import prague_days
    from mikrobot.core.sessions import local_ns

    ts = START + np.arange(0, 24 * 40, dtype=np.int64) * NS_HOUR // 2
    expected = local_ns(ts, "Europe/Prague") // (86_400 * 1_000_000_000)
    assert np.array_equal(prague_days(ts), expected)


@given(path=paths(), overnight=st.booleans(), ahead=st.integers(0, 3))
def test_account_view_is_the_account_rolled_to_the_day_without_touching_it(path, overnight, ahead):
    acct = new_account(
        100_000.0, daily_loss=0.05, max_loss=0.10, trailing=True, overnight_guard=overnight
    )
    scratch = np.empty_like(acct)
    for ts, balance, equity, risk in path:
        roll_day_nb(acct, prague_day(ts))
        acct[A_BALANCE] = balance
        day = prague_day(ts) + ahead
        before = acct.copy()
        rolled = acct.copy()
        roll_day_nb(rolled, day)
        got = account_view_nb(acct, scratch, day, equity, risk, 0.002)
        assert got == (risk_room_nb(rolled, equity, risk), monitor_level_nb(rolled, equity, 0.002))
        assert np.array_equal(acct, before)

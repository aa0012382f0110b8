"""Objectives (target on closed results, trading days, best day), news and weekend rules by
account type, presets and overrides, the pre-trade numbers and the monitor's states."""

from datetime import date

import pytest

from mikrobot.core import DEFAULT_SPECS, ConfigError
from mikrobot.risk import (
    PRESETS,
    FlattenRequested,
    MarketBreak,
    PropFirmAccount,
    PropFirmParams,
    PropFirmSelection,
    TradingState,
    blackout_around,
)
from mikrobot.risk.events import Actor
from mikrobot.risk.restrictions import weekend_break
from tests.risk.helpers import new_york, prague

EURUSD, USDJPY, EURGBP, BTCUSD, XAUUSD = (
    DEFAULT_SPECS[n] for n in ("EURUSD", "USDJPY", "EURGBP", "BTCUSD", "XAUUSD")
)


def account(preset="ftmo-2step-challenge", **overrides):
    return PropFirmAccount.from_preset(preset, initial_balance=100_000, **overrides)


# ---------------------------------------------------------------------------- presets
def test_presets_carry_the_reference_numbers():
    expected = {
        "ftmo-2step-challenge": (0.05, 0.10, "static", 0.10, 4, None, "standard"),
        "ftmo-2step-challenge-swing": (0.05, 0.10, "static", 0.10, 4, None, "swing"),
        "ftmo-2step-verification": (0.05, 0.10, "static", 0.05, 4, None, "standard"),
        "ftmo-2step-verification-swing": (0.05, 0.10, "static", 0.05, 4, None, "swing"),
        "ftmo-2step-funded": (0.05, 0.10, "static", None, 0, None, "standard"),
        "ftmo-2step-funded-swing": (0.05, 0.10, "static", None, 0, None, "swing"),
        "ftmo-1step": (0.03, 0.10, "trailing_eod", 0.10, 0, 0.50, "standard"),
    }
    assert set(PRESETS) == set(expected)
    for name, values in expected.items():
        p = PropFirmParams.from_preset(name)
        got = (
            p.daily_loss,
            p.max_loss,
            p.max_loss_mode,
            p.profit_target,
            p.min_trading_days,
            p.best_day_rule,
            p.account_type,
        )
        assert got == values, name
        assert not p.trailing_lock_at_initial
        assert p.safety_buffer == 0.005
        assert p.hard_buffer == 0.002
    restricted = {n for n in expected if PropFirmParams.from_preset(n).restricts_news}
    flat = {n for n in expected if PropFirmParams.from_preset(n).requires_weekend_flat}
    assert restricted == flat == {"ftmo-2step-funded"}


def test_overrides_and_their_errors():
    p = PropFirmParams.from_preset("ftmo-2step-funded", account_type="swing", daily_loss=0.04)
    assert p.daily_loss == 0.04
    assert not p.restricts_news  # follows the overridden account type
    assert PropFirmParams.from_preset("ftmo-2step-challenge", news_restricted=True).restricts_news
    with pytest.raises(ConfigError, match="dayly_loss"):
        PropFirmParams.from_preset("ftmo-2step-challenge", dayly_loss=0.04)
    with pytest.raises(ConfigError, match="daily_loss"):
        PropFirmParams.from_preset("ftmo-2step-challenge", daily_loss=1.5)
    with pytest.raises(ConfigError, match="hard_buffer"):
        PropFirmParams.from_preset("ftmo-1step", hard_buffer=0.01)
    with pytest.raises(ConfigError, match="ftmo-1step"):
        PropFirmParams.from_preset("ftmo-3step")
    with pytest.raises(ValueError, match="max_los"):
        PropFirmSelection(preset="ftmo-1step", overrides={"max_los": 0.2})
    sel = PropFirmSelection(
        preset="ftmo-1step", initial_balance=50_000, overrides={"max_loss": 0.08}
    )
    assert sel.params().max_loss == 0.08
    with pytest.raises(Exception, match="frozen"):
        p.daily_loss = 0.1


# ---------------------------------------------------------------------------- objectives
def test_target_counts_closed_results_only():
    acc = account()
    acc.record_open(prague("2025-01-13 10:00"), "p1", EURUSD, loss_at_stop=500)
    acc.update(prague("2025-01-13 11:00"), balance=110_500, equity=111_000)
    assert not acc.target_reached  # a position is still open
    acc.record_close(prague("2025-01-13 12:00"), "p1")
    acc.update(prague("2025-01-13 12:00"), balance=109_999.99, equity=109_999.99)
    assert not acc.target_reached
    acc.update(prague("2025-01-13 12:05"), balance=110_000, equity=110_000)
    assert acc.target_reached
    assert not acc.phase_passed  # one trading day of the four
    verification = account("ftmo-2step-verification")
    verification.update(prague("2025-01-13 12:05"), balance=105_000, equity=105_000)
    assert verification.target_reached
    funded = account("ftmo-2step-funded")
    funded.update(prague("2025-01-13 12:05"), balance=150_000, equity=150_000)
    assert not funded.target_reached  # no target on a funded account


def test_trading_days_are_prague_days_with_a_new_position():
    acc = account()
    opens = [
        ("a", "2025-01-13 09:00"),
        ("b", "2025-01-13 17:00"),  # same day: counts once
        ("c", "2025-01-15 00:30"),  # 23:30 UTC on the 14th, but the 15th in Prague
        ("d", "2025-01-20 10:00"),
    ]
    for pid, when in opens:
        acc.record_open(prague(when), pid, EURUSD, loss_at_stop=100)
    # "a" held over several days counts only on the day it was opened
    acc.update(prague("2025-01-22 10:00"), balance=100_000, equity=100_000)
    assert acc.trading_days == 3
    assert acc.trading_dates == (date(2025, 1, 13), date(2025, 1, 15), date(2025, 1, 20))
    for pid in "abcd":
        acc.record_close(prague("2025-01-22 11:00"), pid)
    acc.update(prague("2025-01-22 11:00"), balance=110_000, equity=110_000)
    assert acc.target_reached
    assert not acc.phase_passed
    acc.record_open(prague("2025-01-23 10:00"), "e", EURUSD, loss_at_stop=100)
    acc.record_close(prague("2025-01-23 10:30"), "e")
    acc.update(prague("2025-01-23 10:30"), balance=110_000, equity=110_000)
    assert acc.trading_days == 4
    assert acc.phase_passed


def run_days(acc, results, first_day=13):
    balance = acc.balance
    for day, pnl in enumerate(results, start=first_day):
        balance += pnl
        acc.update(prague(f"2025-01-{day} 20:00"), balance=balance, equity=balance)


def test_best_day_rule_one_step():
    acc = account("ftmo-1step")
    run_days(acc, [6_000, 4_000])  # best 6,000 > 50 % of 10,000
    assert acc.target_reached
    assert not acc.best_day_ok
    assert not acc.phase_passed
    run_days(acc, [0, 0, 2_000], first_day=15)  # one more day: best 6,000 <= 50 % of 12,000
    assert acc.best_day_ok
    assert acc.phase_passed
    assert acc.daily_results[date(2025, 1, 13)] == 6_000


def test_best_day_base_is_configurable():
    # +6,000, −2,000, +6,000: net 10,000 (best 60 %) but profitable days sum to 12,000 (50 %)
    net = account("ftmo-1step")
    run_days(net, [6_000, -2_000, 6_000])
    assert not net.best_day_ok
    positive = account("ftmo-1step", best_day_base="positive_days")
    run_days(positive, [6_000, -2_000, 6_000])
    assert positive.best_day_ok
    assert account("ftmo-1step", best_day_rule=None).best_day_ok


# ---------------------------------------------------------------------------- news
def news_accounts():
    return {name: account(name) for name in PRESETS}


def test_news_blackout_only_on_funded_standard_and_targeted_instruments():
    nfp = new_york("2025-01-10 08:30")
    window = blackout_around(nfp, currencies={"USD"}, label="NFP")
    for name, acc in news_accounts().items():
        acc.set_blackouts([window])
        inside = acc.check_order(nfp - 119 * 10**9, USDJPY, volume=0.1, entry=150.0, stop=149.5)
        blocked = name == "ftmo-2step-funded"
        assert ("news_blackout" in inside.codes) is blocked, name
    acc = account("ftmo-2step-funded")
    acc.set_blackouts([window])
    kw = dict(volume=0.1, entry=150.0, stop=149.5)
    assert "news_blackout" in acc.check_order(nfp + 120 * 10**9, USDJPY, **kw).codes
    assert acc.check_order(nfp + 121 * 10**9, USDJPY, **kw).approved
    fresh = account("ftmo-2step-funded")
    fresh.set_blackouts([window])
    assert fresh.check_order(nfp - 121 * 10**9, USDJPY, **kw).approved
    assert fresh.check_order(nfp, EURGBP, volume=0.1, entry=0.85, stop=0.845).approved
    # closing is restricted too: the execution layer asks news_blocked
    assert fresh.news_blocked(nfp, USDJPY) == window
    assert fresh.news_blocked(nfp, EURGBP) is None
    decision = fresh.check_order(nfp, USDJPY, **kw)
    assert decision.reasons[0].values["start_ns"] == nfp - 120 * 10**9


def test_news_window_by_symbol_name():
    window = blackout_around(new_york("2025-01-10 08:30"), symbols={"XAUUSD", "US30.cash"})
    assert window.targets(XAUUSD)
    assert window.targets(DEFAULT_SPECS["US30"])
    assert not window.targets(EURUSD)


# ---------------------------------------------------------------------------- weekends
def test_weekend_break_follows_new_york_time_across_dst():
    winter = weekend_break(new_york("2025-01-08 12:00"))
    assert winter.start_ns == new_york("2025-01-10 17:00")
    assert winter.end_ns == new_york("2025-01-12 17:00")
    assert winter.hours == 48
    # in the spring mismatch week, New York time still governs (21:00 UTC close)
    spring = weekend_break(new_york("2025-03-21 12:00"))
    assert spring.start_ns == new_york("2025-03-21 17:00")
    # during the weekend: the current one
    assert weekend_break(new_york("2025-01-11 12:00")) == winter
    assert not winter.applies_to(BTCUSD)


def test_weekend_rules_by_account_type():
    friday = "2025-01-10"
    kw = dict(volume=0.1, entry=1.1, stop=1.098)
    for name in PRESETS:
        late = account(name).check_order(new_york(f"{friday} 15:30"), EURUSD, **kw)
        assert ("market_break_ahead" in late.codes) is (name == "ftmo-2step-funded"), name
    acc = account("ftmo-2step-funded")
    assert acc.check_order(new_york(f"{friday} 14:59"), EURUSD, **kw).approved
    assert not acc.check_order(new_york(f"{friday} 15:00"), EURUSD, **kw).approved
    # crypto has no weekend close
    assert acc.check_order(
        new_york(f"{friday} 16:00"), BTCUSD, volume=0.1, entry=90_000, stop=89_500
    ).approved


def test_funded_standard_is_told_to_flatten_before_the_weekend_once():
    acc = account("ftmo-2step-funded")
    acc.record_open(new_york("2025-01-10 09:00"), "eu", EURUSD, loss_at_stop=200)
    acc.record_open(new_york("2025-01-10 09:00"), "btc", BTCUSD, loss_at_stop=200)
    assert acc.update(new_york("2025-01-10 16:44"), balance=1e5, equity=1e5) == ()
    events = acc.update(new_york("2025-01-10 16:45"), balance=1e5, equity=1e5)
    assert len(events) == 1
    assert isinstance(events[0], FlattenRequested)
    assert events[0].symbols == ("EURUSD",)
    assert events[0].reason.code == "market_break_flat"
    assert events[0].reason.values["minutes_left"] == 15
    assert acc.update(new_york("2025-01-10 16:50"), balance=1e5, equity=1e5) == ()
    swing = account("ftmo-2step-funded-swing")
    swing.record_open(new_york("2025-01-10 09:00"), "eu", EURUSD, loss_at_stop=200)
    assert swing.update(new_york("2025-01-10 16:50"), balance=1e5, equity=1e5) == ()


def test_holiday_breaks_longer_than_two_hours_count():
    acc = account("ftmo-2step-funded")
    short = MarketBreak(new_york("2025-01-08 12:00"), new_york("2025-01-08 13:30"), label="short")
    long = MarketBreak(
        new_york("2025-01-08 14:00"),
        new_york("2025-01-09 09:00"),
        symbols={"XAUUSD"},
        label="holiday",
    )
    acc.set_market_breaks([short, long])
    kw = dict(volume=0.1, entry=2000.0, stop=1990.0)
    assert acc.check_order(new_york("2025-01-08 11:50"), XAUUSD, **kw).approved
    blocked = acc.check_order(new_york("2025-01-08 12:30"), XAUUSD, **kw)
    assert blocked.codes == ("market_break_ahead",)
    assert blocked.reasons[0].values["minutes_left"] == 90
    assert acc.check_order(
        new_york("2025-01-08 12:30"), EURUSD, volume=0.1, entry=1.1, stop=1.098
    ).approved


# ---------------------------------------------------------------------------- pre-trade numbers
def test_check_order_prices_the_stop_out_with_costs_and_allowance():
    acc = account()
    acc.update(prague("2025-01-13 09:00"), balance=100_000, equity=100_000)
    # 1 lot, 20 pips + 1 pip spread + 10 % × 20 pips slippage = 23 pips = $230, + $7 commission
    d = acc.check_order(
        prague("2025-01-13 09:01"),
        EURUSD,
        volume=1.0,
        entry=1.1,
        stop=1.098,
        spread=0.0001,
        commission_per_lot=7.0,
    )
    assert d.approved
    assert d.loss_at_stop == pytest.approx(237.0)
    assert d.worst_equity == pytest.approx(100_000 - 237.0)
    assert d.room == pytest.approx(100_000 - 95_000 - 500)
    assert acc.risk_room == pytest.approx(4_500)
    acc.record_open(prague("2025-01-13 09:02"), "p", EURUSD, loss_at_stop=d.loss_at_stop)
    assert acc.risk_room == pytest.approx(4_500 - 237)
    # 22 lots × $200 = $4,400 + $237 open > $4,500 of room: refused, with the numbers
    kw = dict(entry=1.1, stop=1.098, spread=0.0, slippage=0.0)
    big = acc.check_order(prague("2025-01-13 09:03"), EURUSD, volume=22.0, **kw)
    assert big.codes == ("daily_floor",)
    v = big.reasons[0].values
    assert v["loss_at_stop"] == pytest.approx(4_400)
    assert v["open_risk"] == pytest.approx(237)
    assert v["worst_equity"] == pytest.approx(100_000 - 237 - 4_400)
    assert v["floor"] == 95_000
    assert v["buffer"] == 500
    assert v["room"] == pytest.approx(4_263)
    # 21 lots: $4,200 + $237 fits
    assert acc.check_order(prague("2025-01-13 09:03"), EURUSD, volume=21.0, **kw).approved


def test_max_volume_per_order_is_off_unless_set():
    kw = dict(volume=60.0, entry=1.1, stop=1.0999, spread=0.0)
    assert (
        "max_volume_per_order"
        not in account().check_order(prague("2025-01-13 09:00"), EURUSD, **kw).codes
    )
    capped = account(max_volume_per_order=50.0).check_order(
        prague("2025-01-13 09:00"), EURUSD, **kw
    )
    assert capped.codes == ("max_volume_per_order",)


def test_check_order_rejects_bad_input():
    acc = account()
    with pytest.raises(ValueError, match="stop"):
        acc.check_order(prague("2025-01-13 09:00"), EURUSD, volume=1.0, entry=1.1, stop=1.1)
    with pytest.raises(ValueError, match="volume"):
        acc.check_order(prague("2025-01-13 09:00"), EURUSD, volume=0.0, entry=1.1, stop=1.09)
    acc.update(prague("2025-01-13 10:00"), balance=1e5, equity=1e5)
    with pytest.raises(ValueError, match="backwards"):
        acc.update(prague("2025-01-13 09:00"), balance=1e5, equity=1e5)


# ---------------------------------------------------------------------------- monitor states
def test_monitor_moves_between_active_reducing_halted():
    acc = account()
    t = prague("2025-01-13 09:00")
    acc.update(t, balance=100_000, equity=100_000)
    assert acc.state is TradingState.ACTIVE
    (change,) = acc.update(t + 1, balance=100_000, equity=95_499)  # within 500 of 95,000
    assert acc.state is TradingState.REDUCING
    assert change.reason.code == "safety_buffer"
    assert change.actor is Actor.RULE
    assert change.reason.values["headroom"] == 499
    refused = acc.check_order(t + 2, EURUSD, volume=0.01, entry=1.1, stop=1.099)
    assert "trading_state" in refused.codes
    (back,) = acc.update(t + 3, balance=100_000, equity=96_000)
    assert acc.state is TradingState.ACTIVE
    assert back.reason.code == "headroom_restored"
    events = acc.update(t + 4, balance=100_000, equity=95_150)  # within 200: halt + flatten
    assert acc.state is TradingState.HALTED
    assert [e.kind for e in events] == ["trading_state_changed", "flatten_requested"]
    assert events[0].reason.code == "hard_buffer"
    assert not acc.breached
    # recovery does not lift HALTED; a new day does not either; an operator does
    assert acc.update(t + 5, balance=100_000, equity=99_000) == ()
    acc.update(prague("2025-01-14 09:00"), balance=100_000, equity=100_000)
    assert acc.state is TradingState.HALTED
    acc.gate.resume(prague("2025-01-14 09:01"), operator="alice")
    assert acc.state is TradingState.ACTIVE
    assert acc.check_order(prague("2025-01-14 09:02"), EURUSD, volume=0.01, entry=1.1, stop=1.099)


def test_operator_pause_is_not_lifted_by_the_rule():
    acc = account()
    t = prague("2025-01-13 09:00")
    acc.update(t, balance=100_000, equity=100_000)
    from mikrobot.core.events import Reason

    acc.gate.command(t + 1, TradingState.REDUCING, Reason("operator_pause"), operator="bob")
    assert acc.update(t + 2, balance=100_000, equity=100_000) == ()
    assert acc.state is TradingState.REDUCING
    acc.update(t + 3, balance=100_000, equity=95_100)  # the rule may still escalate
    assert acc.state is TradingState.HALTED


def test_sizing_within_the_risk_room_passes_the_pre_trade_check():
    from mikrobot.risk import size_position

    acc = account()
    t = prague("2025-01-13 09:00")
    acc.update(t, balance=100_000, equity=100_000)
    acc.record_open(t, "p", EURUSD, loss_at_stop=4_200)  # leaves $300 before the buffer
    assert acc.risk_room == pytest.approx(300)
    entry, stop, spread = 1.1, 1.098, 0.00008
    sized = size_position(
        EURUSD,
        equity=acc.equity,
        entry=entry,
        stop=stop,
        spread=spread,
        commission_per_lot=7.0,
        slippage=acc.params.slippage_allowance * abs(entry - stop),
        max_risk_money=acc.risk_room,
    )
    assert sized.accepted
    assert sized.risk_money == pytest.approx(300)
    decision = acc.check_order(
        t + 1,
        EURUSD,
        volume=sized.volume,
        entry=entry,
        stop=stop,
        spread=spread,
        commission_per_lot=7.0,
    )
    assert decision.approved
    assert decision.loss_at_stop == pytest.approx(sized.money_at_risk)
    bigger = acc.check_order(
        t + 2,
        EURUSD,
        volume=sized.volume + 0.02,
        entry=entry,
        stop=stop,
        spread=spread,
        commission_per_lot=7.0,
    )
    assert not bigger.approved

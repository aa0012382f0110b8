"""Every worked example of reference/ftmo-rules.md, plus the floors' pure functions."""

import pytest

from mikrobot.core import DEFAULT_SPECS
from mikrobot.risk import (
    FlattenRequested,
    PropFirmAccount,
    PropFirmBreached,
    TradingDayRolled,
    TradingState,
    TradingStateChanged,
)
from mikrobot.risk import floors as fl
from tests.risk.helpers import prague

EURUSD = DEFAULT_SPECS["EURUSD"]


def two_step(**overrides):
    return PropFirmAccount.from_preset("ftmo-2step-challenge", initial_balance=100_000, **overrides)


def test_daily_limit_day1_then_day2_after_a_profitable_day():
    acc = two_step()
    acc.update(prague("2025-01-13 09:00"), balance=100_000, equity=100_000)
    assert acc.daily_floor == 95_000  # 1. day 1 limit = 100,000 − 5,000
    acc.update(prague("2025-01-13 16:00"), balance=102_000, equity=102_000)
    assert acc.daily_floor == 95_000  # intraday profit does not move today's limit
    events = acc.update(prague("2025-01-14 00:00:01"), balance=102_000, equity=102_000)
    assert acc.daily_floor == 97_000  # 2. day 2 limit = 102,000 − 5,000
    rolled = [e for e in events if isinstance(e, TradingDayRolled)]
    assert len(rolled) == 1
    assert rolled[0].day == "2025-01-14"
    assert rolled[0].midnight_balance == 102_000
    assert rolled[0].previous_day_pnl == 2_000
    assert rolled[0].ts == prague("2025-01-14 00:00")


def test_day2_floating_loss_ok_then_the_96900_breach():
    acc = two_step()
    acc.update(prague("2025-01-13 16:00"), balance=102_000, equity=102_000)
    acc.update(prague("2025-01-14 09:00"), balance=102_000, equity=102_000)
    # 3. closes −1,500 (balance 100,500) and holds −3,000 floating: equity 97,500 >= 97,000
    acc.update(prague("2025-01-14 11:00"), balance=100_500, equity=97_500)
    assert not acc.breached
    assert acc.headroom == 500
    # floating loss grows to −3,600: equity 96,900 < 97,000 -> breach
    events = acc.update(prague("2025-01-14 11:05"), balance=100_500, equity=96_900)
    assert acc.breached
    assert acc.breached.code == "max_daily_loss"
    assert acc.breached.values["equity"] == 96_900
    assert acc.breached.values["floor"] == 97_000
    assert acc.state is TradingState.HALTED
    kinds = [type(e) for e in events]
    assert kinds == [PropFirmBreached, TradingStateChanged, FlattenRequested]
    # a breach stays, even if equity recovers, and no order passes
    acc.update(prague("2025-01-14 11:10"), balance=100_500, equity=99_000)
    assert acc.breached
    assert acc.state is TradingState.HALTED
    decision = acc.check_order(
        prague("2025-01-14 11:11"), EURUSD, volume=0.01, entry=1.1, stop=1.099
    )
    assert not decision
    assert "account_breached" in decision.codes


def test_overnight_trap_limit_snaps_to_midnight_balance():
    acc = two_step()
    acc.update(prague("2025-01-13 16:00"), balance=102_000, equity=102_000)
    acc.update(prague("2025-01-14 23:59"), balance=100_500, equity=97_500)
    assert acc.daily_floor == 97_000
    assert not acc.breached
    acc.update(prague("2025-01-15 00:00:30"), balance=100_500, equity=97_500)
    # 4. new limit = 100,500 − 5,000 = 95,500: the carried −3,000 uses 3,000 of the 5,000
    assert acc.daily_floor == 95_500
    assert acc.equity - acc.daily_floor == 2_000


def test_overnight_guard_refuses_open_risk_the_next_midnight_would_not_allow():
    # After +2,000 closed today, today's floor is 95,000 but tomorrow's will be 97,000.
    # 4,000 already at risk + 1,000 more leaves a worst case of 97,000: inside tomorrow's buffer.
    for guard, approved in ((True, False), (False, True)):
        acc = two_step(overnight_guard=guard)
        acc.update(prague("2025-01-13 09:00"), balance=100_000, equity=100_000)
        acc.record_open(prague("2025-01-13 10:00"), "p1", EURUSD, loss_at_stop=4_000)
        acc.update(prague("2025-01-13 16:00"), balance=102_000, equity=102_000)
        # 1 lot, 90 pips stop, no spread, 10 % slippage allowance = 99 pips = $990 + $10 commission
        decision = acc.check_order(
            prague("2025-01-13 16:01"),
            EURUSD,
            volume=1.0,
            entry=1.1,
            stop=1.091,
            spread=0.0,
            commission_per_lot=10.0,
        )
        assert decision.loss_at_stop == pytest.approx(1_000.0)
        assert decision.worst_equity == pytest.approx(97_000.0)
        assert bool(decision) is approved
        if not approved:
            assert decision.codes == ("daily_floor_next_day",)
            values = decision.reasons[0].values
            assert values["floor"] == 97_000
            assert values["room"] == pytest.approx(102_000 - 4_000 - 97_000 - 500)


def test_one_step_trailing_example_90000_94000_94000():
    acc = PropFirmAccount.from_preset("ftmo-1step", initial_balance=100_000)
    acc.update(prague("2025-01-13 09:00"), balance=100_000, equity=100_000)
    assert acc.overall_floor == 90_000
    assert acc.daily_floor == 97_000  # 1-Step daily loss is 3 %
    acc.update(prague("2025-01-13 22:00"), balance=104_000, equity=104_000)
    assert acc.overall_floor == 90_000  # intraday results do not move it
    acc.update(prague("2025-01-14 08:00"), balance=104_000, equity=104_000)
    assert acc.overall_floor == 94_000
    acc.update(prague("2025-01-14 22:00"), balance=103_000, equity=103_000)
    acc.update(prague("2025-01-15 08:00"), balance=103_000, equity=103_000)
    assert acc.overall_floor == 94_000  # highest end-of-day balance is used
    # intraday floating profit above the high does not move it either
    acc.update(prague("2025-01-15 12:00"), balance=103_000, equity=110_000)
    assert acc.overall_floor == 94_000


def test_one_step_lock_at_initial_is_configurable():
    for lock, expected in ((False, 105_000), (True, 100_000)):
        acc = PropFirmAccount.from_preset(
            "ftmo-1step", initial_balance=100_000, trailing_lock_at_initial=lock
        )
        acc.update(prague("2025-01-13 22:00"), balance=115_000, equity=115_000)
        acc.update(prague("2025-01-14 08:00"), balance=115_000, equity=115_000)
        assert acc.overall_floor == expected


def test_two_step_overall_floor_is_static():
    acc = two_step()
    acc.update(prague("2025-01-13 22:00"), balance=108_000, equity=108_000)
    acc.update(prague("2025-01-14 08:00"), balance=108_000, equity=108_000)
    assert acc.overall_floor == 90_000
    assert acc.daily_floor == 103_000
    # breach of the overall floor is named as such
    acc2 = two_step(daily_loss=0.2)
    acc2.update(prague("2025-01-13 10:00"), balance=92_000, equity=89_999)
    assert acc2.breached.code == "max_loss"


def test_days_without_updates_roll_one_by_one():
    acc = PropFirmAccount.from_preset("ftmo-1step", initial_balance=100_000)
    acc.update(prague("2025-01-10 22:00"), balance=104_000, equity=104_000)  # Friday
    events = acc.update(prague("2025-01-13 08:00"), balance=104_000, equity=104_000)  # Monday
    assert [e.day for e in events if isinstance(e, TradingDayRolled)] == [
        "2025-01-11",
        "2025-01-12",
        "2025-01-13",
    ]
    assert acc.overall_floor == 94_000
    assert acc.daily_floor == 101_000


def test_pure_floor_functions():
    assert fl.daily_floor(102_000, 100_000, 0.05) == 97_000
    assert fl.static_overall_floor(100_000, 0.10) == 90_000
    assert fl.trailing_overall_floor(90_000, 100_000, 104_000, 0.10, False) == 94_000
    assert fl.trailing_overall_floor(94_000, 100_000, 103_000, 0.10, False) == 94_000
    assert fl.trailing_overall_floor(90_000, 100_000, 95_000, 0.10, False) == 90_000
    assert fl.trailing_overall_floor(90_000, 100_000, 120_000, 0.10, True) == 100_000
    assert fl.worst_case_equity(100_000, 101_000, 1_500) == 98_500
    assert fl.worst_case_equity(100_000, 98_000, 1_500) == 98_000  # already past a stop
    kw = dict(initial_balance=100_000, safety_buffer=0.005, hard_buffer=0.002)
    assert fl.monitor_level(97_500, 97_000, 90_000, **kw) == fl.LEVEL_ACTIVE
    assert fl.monitor_level(97_499, 97_000, 90_000, **kw) == fl.LEVEL_REDUCING
    assert fl.monitor_level(97_199, 97_000, 90_000, **kw) == fl.LEVEL_HALTED
    assert fl.monitor_level(96_999, 97_000, 90_000, **kw) == fl.LEVEL_BREACHED
    assert fl.monitor_level(90_100, 85_000, 90_000, **kw) == fl.LEVEL_HALTED  # overall binds

"""Prague-midnight day boundaries across DST, against an FTMO-style MT5 server clock
(New York + 7 h, switching on US dates). reference/trading-sessions.md §1 and §3."""

from datetime import date, datetime, timedelta

import pytest

from mikrobot.core import DEFAULT_SPECS
from mikrobot.risk import PropFirmAccount
from mikrobot.risk.days import (
    NS_PER_DAY,
    next_prague_midnight_ns,
    prague_date,
    prague_midnight_ns,
)
from tests.risk.helpers import NEW_YORK, mt5_server, prague

EURUSD = DEFAULT_SPECS["EURUSD"]
HOUR = 3_600_000_000_000

# DST switch dates from the reference table (§1): the US/EU mismatch days, when Prague midnight
# is 02:00 on the server clock instead of 01:00.
MISMATCH = {
    2025: ((date(2025, 3, 9), date(2025, 3, 30)), (date(2025, 10, 26), date(2025, 11, 2))),
    2026: ((date(2026, 3, 8), date(2026, 3, 29)), (date(2026, 10, 25), date(2026, 11, 1))),
    2027: ((date(2027, 3, 14), date(2027, 3, 28)), (date(2027, 10, 31), date(2027, 11, 7))),
}


def server_hour_of_prague_midnight(day: date) -> datetime:
    utc = datetime.fromtimestamp(prague_midnight_ns(day) / 1e9, tz=NEW_YORK)
    return utc.replace(tzinfo=None) + timedelta(hours=7)


@pytest.mark.parametrize("year", sorted(MISMATCH))
def test_prague_midnight_is_0100_server_time_except_in_the_mismatch_weeks(year):
    (spring_us, spring_eu), (autumn_eu, autumn_us) = MISMATCH[year]
    day = date(year, 1, 1)
    while day.year == year:
        server = server_hour_of_prague_midnight(day)
        mismatch = spring_us < day <= spring_eu or autumn_eu < day <= autumn_us
        assert server.date() == day
        assert (server.hour, server.minute) == ((2, 0) if mismatch else (1, 0)), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("server_day", "midnight_hour"),
    [
        ("2025-01-15", 1),  # winter: both on standard time
        ("2025-03-19", 2),  # US on DST since 9 Mar, EU not until 30 Mar
        ("2025-04-15", 1),  # summer
        ("2025-10-29", 2),  # EU back on 26 Oct, US not until 2 Nov
        ("2025-11-05", 1),
    ],
)
def test_account_rolls_the_day_at_prague_midnight_on_a_server_clock(server_day, midnight_hour):
    acc = PropFirmAccount.from_preset("ftmo-2step-challenge", initial_balance=100_000)
    acc.update(mt5_server(f"{server_day} 00:00") - 2 * HOUR, balance=100_000, equity=100_000)
    acc.update(mt5_server(f"{server_day} 00:00") - HOUR, balance=101_000, equity=101_000)
    before = acc.day
    # server midnight itself is NOT the boundary
    acc.update(mt5_server(f"{server_day} 00:30"), balance=101_000, equity=101_000)
    assert acc.day == before
    assert acc.daily_floor == 95_000
    # one second before Prague midnight: still the old day
    just_before = mt5_server(f"{server_day} 0{midnight_hour}:00") - 1_000_000_000
    acc.update(just_before, balance=101_000, equity=101_000)
    assert acc.day == before
    assert acc.daily_floor == 95_000
    acc.update(mt5_server(f"{server_day} 0{midnight_hour}:00"), balance=101_000, equity=101_000)
    assert acc.day == date.fromisoformat(server_day)
    assert acc.daily_floor == 96_000


def test_trading_day_of_an_early_server_morning_open_in_the_mismatch_week():
    # 01:30 server on 19 Mar 2025 is still 18 Mar in Prague (23:30 CET)
    acc = PropFirmAccount.from_preset("ftmo-2step-challenge", initial_balance=100_000)
    acc.record_open(mt5_server("2025-03-19 01:30"), "a", EURUSD, loss_at_stop=100)
    acc.record_open(mt5_server("2025-03-19 02:30"), "b", EURUSD, loss_at_stop=100)
    assert acc.trading_dates == (date(2025, 3, 18), date(2025, 3, 19))


def test_dst_change_days_are_23_and_25_hours_long():
    spring = prague_midnight_ns(date(2025, 3, 31)) - prague_midnight_ns(date(2025, 3, 30))
    autumn = prague_midnight_ns(date(2025, 10, 27)) - prague_midnight_ns(date(2025, 10, 26))
    assert spring == NS_PER_DAY - HOUR
    assert autumn == NS_PER_DAY + HOUR


@pytest.mark.parametrize(
    "text", ["2025-03-29 23:59:59", "2025-03-30 03:30", "2025-10-26 02:30", "2025-07-01 00:00"]
)
def test_prague_date_and_next_midnight(text):
    ts = prague(text)
    day = date.fromisoformat(text[:10])
    assert prague_date(ts) == day
    assert next_prague_midnight_ns(ts) == prague(f"{day + timedelta(days=1)} 00:00")
    assert prague_date(next_prague_midnight_ns(ts)) == day + timedelta(days=1)
    assert prague_date(next_prague_midnight_ns(ts) - 1) == day

"""Source zones: parsing, wall clock -> UTC, and back."""

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core import DataError
from mikrobot.data.timezones import localize_to_utc, resolve_zone, utc_to_wall


@pytest.mark.parametrize(
    ("name", "zone", "shift"),
    [
        ("UTC", None, 0),
        ("EST", None, -300),
        ("+02:00", None, 120),
        ("UTC+5:45", None, 345),
        ("GMT+0200", None, 120),
        ("Etc/GMT-2", None, 120),
        ("NY+7", "America/New_York", 420),
        ("Europe/Athens", "Europe/Athens", 0),
    ],
)
def test_resolve_zone_forms(name, zone, shift):
    parsed = resolve_zone(name)
    assert (parsed.zone, parsed.shift_minutes) == (zone, shift)


def test_ny_plus_7_is_utc_plus_2_in_winter_and_3_in_summer():
    wall = pd.DatetimeIndex(["2024-01-15 10:00", "2024-07-15 10:00"])
    assert list(localize_to_utc(wall, "NY+7")) == [
        pd.Timestamp("2024-01-15 08:00", tz="UTC"),
        pd.Timestamp("2024-07-15 07:00", tz="UTC"),
    ]


def test_nonexistent_time_reports_the_line_given_by_line_of():
    wall = pd.DatetimeIndex(["2024-03-31 02:30", "2024-03-31 03:30"])  # Athens skips 03:00-04:00
    with pytest.raises(DataError) as info:
        localize_to_utc(wall, "Europe/Athens", path="f.csv", line_of=lambda i: 10 * (i + 1))
    assert (info.value.path, info.value.line, info.value.field) == ("f.csv", 20, "time")


ZONES = [
    "UTC",
    "EST",
    "+02:00",
    "-04:30",
    "NY+7",
    "Europe/Athens",
    "America/New_York",
    "Asia/Kolkata",
]


@given(
    moments=st.lists(
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
        min_size=1,
        max_size=20,
        unique=True,
    ),
    zone=st.sampled_from(ZONES),
)
def test_utc_to_wall_inverts_localize_to_utc(moments, zone):
    utc = pd.DatetimeIndex(sorted(moments)).as_unit("ns").floor("min").unique().tz_localize("UTC")
    wall = utc_to_wall(utc, zone)
    assert wall.tz is None
    # the wall clock is the UTC time plus the zone's offset at that moment (zoneinfo, per value)
    resolved = resolve_zone(zone)
    for u, w in zip(utc, wall, strict=True):
        local = u if resolved.zone is None else u.tz_convert(resolved.zone)
        expected = local.tz_localize(None) + pd.Timedelta(minutes=resolved.shift_minutes)
        assert w == expected
    if resolved.is_fixed:
        assert localize_to_utc(wall, zone).equals(utc)
    else:
        try:
            back = localize_to_utc(wall, zone)
        except DataError:
            return  # a lone repeated autumn hour cannot be placed; the loader says so
        assert np.array_equal(back.asi8, utc.asi8)

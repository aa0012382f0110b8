"""The numpy fixed-width time parser agrees with pandas.to_datetime, or steps aside."""

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.data.loaders.fastdates import parse_fixed_width

FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y%m%d %H%M%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M",
]

moments = st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2250, 12, 31))


def series(values):
    return pd.Series(values, dtype="str")


def pandas_times(raw, fmt):
    return pd.DatetimeIndex(pd.to_datetime(raw, format=fmt)).as_unit("ns")


@given(stamps=st.lists(moments, min_size=1, max_size=30), fmt=st.sampled_from(FORMATS))
def test_agrees_with_pandas_on_valid_times(stamps, fmt):
    text = [
        s.strftime(fmt.replace("%f", "")) + (f"{s.microsecond // 1000:03d}" if "%f" in fmt else "")
        for s in stamps
    ]
    fast = parse_fixed_width(series(text), fmt)
    assert fast is not None
    assert fast.equals(pandas_times(series(text), fmt))


@given(stamp=moments, fmt=st.sampled_from(FORMATS), position=st.integers(0, 25),
       char=st.sampled_from(list("0123456789 -.:/xT")))  # fmt: skip
def test_never_disagrees_with_pandas_on_mangled_text(stamp, fmt, position, char):
    good = stamp.strftime(fmt.replace("%f", "")) + ("000" if "%f" in fmt else "")
    text = good[:position] + char + good[position + 1 :] if position < len(good) else good
    raw = series([good, text])
    fast = parse_fixed_width(raw, fmt)
    try:
        expected = pandas_times(raw, fmt)
    except ValueError:
        assert fast is None  # pandas refuses: the fast path must not accept it
        return
    if fast is not None:
        assert fast.equals(expected)


@pytest.mark.parametrize(
    "text",
    [
        "2023.02.29 00:00:00",  # not a leap year
        "2100.02.29 00:00:00",  # century, not a leap year
        "2024.04.31 00:00:00",
        "2024.13.01 00:00:00",
        "2024.00.10 00:00:00",
        "2024.01.00 00:00:00",
        "2024.01.01 24:00:00",
        "2024.01.01 00:60:00",
        "2024.01.01 00:00:60",
        "2024/01/01 00:00:00",
        "2024.01.01 0:00:000",
    ],
)
def test_invalid_values_step_aside(text):
    assert parse_fixed_width(series(["2024.01.01 00:00:00", text]), "%Y.%m.%d %H:%M:%S") is None


def test_leap_days_are_real_dates():
    raw = series(["2000.02.29 00:00:00", "2024.02.29 23:59:59"])
    parsed = parse_fixed_width(raw, "%Y.%m.%d %H:%M:%S")
    assert list(parsed) == [pd.Timestamp("2000-02-29"), pd.Timestamp("2024-02-29 23:59:59")]


def test_ragged_widths_nulls_and_unsupported_formats_step_aside():
    assert (
        parse_fixed_width(series(["2024.01.01 00:00:00", "2024.1.1 00:00:00"]), "%Y.%m.%d %H:%M:%S")
        is None
    )
    assert (
        parse_fixed_width(
            pd.Series(["2024.01.01 00:00:00", None], dtype="str"), "%Y.%m.%d %H:%M:%S"
        )
        is None
    )
    assert parse_fixed_width(series(["2024-01-01T00:00:00+02:00"]), "%Y-%m-%dT%H:%M:%S%z") is None
    assert parse_fixed_width(series(["Mar 04 2024"]), "%b %d %Y") is None


def test_sliced_arrow_array():
    raw = series(
        [
            (datetime(2024, 1, 1) + timedelta(minutes=i)).strftime("%Y.%m.%d %H:%M")
            for i in range(10)
        ]
    )
    part = raw.iloc[3:7]
    assert parse_fixed_width(part, "%Y.%m.%d %H:%M").equals(pandas_times(part, "%Y.%m.%d %H:%M"))

"""Walk-forward window arithmetic: rolling and anchored folds by bar count and by calendar."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.backtest.windows import make_folds, parse_span, warmup_start
from mikrobot.core.errors import ConfigError

MIN = 60_000_000_000


def minutes(n: int, start: str = "2024-01-01") -> np.ndarray:
    return pd.Timestamp(start, tz="UTC").value + np.arange(n, dtype=np.int64) * MIN


def weekday_minutes(start: str, days: int) -> np.ndarray:
    """Every minute of the weekdays (UTC) in ``days`` calendar days from ``start``."""
    idx = pd.date_range(start, periods=days * 1440, freq="1min", tz="UTC")
    return idx[idx.day_of_week < 5].as_unit("ns").asi8


@given(
    n=st.integers(20, 400),
    train=st.integers(1, 100),
    test=st.integers(1, 50),
    extra=st.integers(0, 30),
    anchored=st.booleans(),
)
def test_bar_folds_tile_the_data_without_overlapping_tests(n, train, test, extra, anchored):
    step = test + extra
    if train + test > n:
        with pytest.raises(ConfigError, match="too short"):
            make_folds(minutes(n), train=train, test=test, step=step, anchored=anchored)
        return
    folds = make_folds(minutes(n), train=train, test=test, step=step, anchored=anchored)
    assert folds[0].train_lo == 0
    for k, f in enumerate(folds):
        assert f.index == k
        assert f.train_hi == f.test_lo  # the test window follows its train window
        assert f.test_hi - f.test_lo == test
        assert f.train_hi == train + k * step
        assert f.train_lo == (0 if anchored else k * step)
        assert f.test_hi <= n
    for a, b in itertools.pairwise(folds):
        assert b.test_lo >= a.test_hi  # test periods never overlap
        assert b.test_lo - a.test_lo == step
    # maximal: one more fold would run past the data
    assert folds[-1].test_hi + step > n


def test_bar_fold_times_are_the_bar_opens_and_the_end_is_one_bar_past_the_data():
    t = minutes(100)
    folds = make_folds(t, train=60, test=40)
    assert len(folds) == 1
    f = folds[0]
    assert (f.train_start.value, f.train_end.value) == (t[0], t[60])
    assert (f.test_start.value, f.test_end.value) == (t[60], t[99] + MIN)
    assert f.test_days == pytest.approx(40 / 1440)


def test_digit_strings_are_bar_counts():
    a = make_folds(minutes(100), train="60", test="20")
    b = make_folds(minutes(100), train=60, test=20)
    assert a == b


def test_calendar_folds_hold_exactly_the_bars_of_their_windows():
    t = weekday_minutes("2024-01-01", 40)
    folds = make_folds(t, train="10D", test="5D", step="7D")
    origin = pd.Timestamp("2024-01-01", tz="UTC")
    assert len(folds) == 4  # fold 3: 21 + 10 + 5 = 36 <= 40 days, fold 4 would end on day 43
    for k, f in enumerate(folds):
        assert f.train_start == origin + pd.Timedelta(days=7 * k)
        assert f.train_end == f.test_start == f.train_start + pd.Timedelta(days=10)
        assert f.test_end == f.test_start + pd.Timedelta(days=5)
        for lo, hi, s, e in ((f.train_lo, f.train_hi, f.train_start, f.train_end),
                             (f.test_lo, f.test_hi, f.test_start, f.test_end)):  # fmt: skip
            inside = (t >= s.value) & (t < e.value)
            assert np.array_equal(np.flatnonzero(inside), np.arange(lo, hi))


def test_anchored_calendar_folds_grow_from_the_start():
    t = weekday_minutes("2024-01-01", 40)
    folds = make_folds(t, train="10D", test="5D", anchored=True)
    assert all(f.train_lo == 0 for f in folds)
    assert [f.train_days for f in folds] == [10, 15, 20, 25, 30, 35][: len(folds)]
    assert [f.test_start for f in folds[1:]] == [f.test_end for f in folds[:-1]]


def test_month_windows_from_a_month_end_never_overlap():
    t = np.arange(
        pd.Timestamp("2024-01-31", tz="UTC").value,
        pd.Timestamp("2024-09-01", tz="UTC").value,
        15 * MIN,
    )
    folds = make_folds(t, train="2M", test="1M", start="2024-01-31", bar_ns=15 * MIN)
    starts = [f.test_start for f in folds]
    assert starts[:3] == [
        pd.Timestamp(d, tz="UTC") for d in ("2024-03-31", "2024-04-30", "2024-05-31")
    ]
    assert [f.test_start for f in folds[1:]] == [f.test_end for f in folds[:-1]]
    assert [f.train_end for f in folds] == starts


def test_years_are_twelve_months():
    assert parse_span("1Y") == pd.DateOffset(months=12)
    assert parse_span("3mo") == pd.DateOffset(months=3)
    assert parse_span("90D") == pd.Timedelta(days=90)
    assert parse_span(pd.DateOffset(years=1)) == pd.DateOffset(months=12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"train": "10D", "test": "5D", "step": "3D"}, "test windows would overlap"),
        ({"train": "1M", "test": "5D"}, "same kind"),
        ({"train": 100, "test": "5D"}, "same kind"),
        ({"train": "abc", "test": "5D"}, "train: cannot read 'abc'"),
        ({"train": "0D", "test": "5D"}, "longer than zero"),
        ({"train": 0, "test": 5}, "longer than zero"),
        ({"train": "300D", "test": "5D"}, "too short for one fold"),
        ({"train": 10, "test": 5, "start": "2024-01-01"}, "calendar windows only"),
    ],
)
def test_bad_windows_are_refused_with_the_reason(kwargs, message):
    t = weekday_minutes("2024-01-01", 40)
    with pytest.raises(ConfigError, match=message):
        make_folds(t, **kwargs)


def test_a_window_without_bars_is_refused_naming_the_fold():
    t = weekday_minutes("2024-01-01", 14)  # Mon 1 .. Fri 12 January, weekend 6-7 empty
    with pytest.raises(ConfigError, match=r"fold 4: the test window 2024-01-06 .* holds no bars"):
        make_folds(t, train="1D", test="1D")


def test_warmup_start():
    t = minutes(10_000)
    assert warmup_start(t, 5_000, None) == 0
    assert warmup_start(t, 5_000, 0) == 5_000
    assert warmup_start(t, 5_000, 1_000) == 4_000
    assert warmup_start(t, 500, 1_000) == 0
    assert warmup_start(t, 5_000, "1h") == 5_000 - 60
    assert warmup_start(t, 5_000, "600") == 4_400
    window_start = pd.Timestamp(int(t[5_000]), unit="ns", tz="UTC") - pd.Timedelta("30min")
    assert warmup_start(t, 5_000, "1h", window_start) == 5_000 - 90
    with pytest.raises(ConfigError, match="not months"):
        warmup_start(t, 5_000, "1M")

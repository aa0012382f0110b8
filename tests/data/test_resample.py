import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.errors import DataError
from mikrobot.data.frame import check_canonical, make_bars
from mikrobot.data.loaders import load_bars
from mikrobot.data.resampling import resample
from tests.data._bars import walk

MIN_NS = 60_000_000_000
OHLCV = ["open", "high", "low", "close", "tick_volume"]


# ---------------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_real_m1_to_m5_reproduces_every_complete_m5_bar(real_m1_path, real_m5_path):
    m1 = load_bars(real_m1_path, tz="UTC")
    m5 = load_bars(real_m5_path, tz="UTC")
    out = resample(m1, "M5")
    overlap = m5[m5.index >= m1.index[0]]
    assert overlap.index.is_unique
    assert overlap.index.is_monotonic_increasing
    assert out.index.equals(overlap.index)  # same bars exist: none invented, none lost

    complete = out.iloc[:-1]
    assert len(complete) == 10_049
    for col in OHLCV:
        assert np.array_equal(complete[col].to_numpy(), overlap[col].to_numpy()[:-1]), col

    # The file's last M5 bar was still forming where the M1 file stops (15:25 is its last minute).
    last = out.index[-1]
    assert last == pd.Timestamp("2022-02-22 15:25", tz="UTC")
    assert m1.index[-1] == last
    assert out.attrs["last_bar_complete"] is False
    assert out["tick_volume"].iloc[-1] < overlap["tick_volume"].iloc[-1]

    dropped = resample(m1, "M5", drop_incomplete=True)
    assert dropped.attrs["last_bar_complete"] is True
    assert len(dropped) == 10_049
    pd.testing.assert_frame_equal(dropped, complete, check_freq=False)


# ---------------------------------------------------------------------------- semantics
def _bars(times: list[str], rows: list[tuple], spread: list[int] | None = None, tf: str = "M1"):
    o, h, lo, c, v = (np.array(x) for x in zip(*rows, strict=True))
    return make_bars(pd.DatetimeIndex(times, tz="UTC"), o, h, lo, c, v, spread,
                     symbol="EURUSD", timeframe=tf, source_tz="NY+7", source="mt5_export")  # fmt: skip


def test_aggregation_follows_metatrader_rules():
    df = _bars(
        ["2025-01-08 10:00", "2025-01-08 10:01", "2025-01-08 10:03", "2025-01-08 10:07"],
        [
            (1.1000, 1.1010, 1.0990, 1.1005, 10),
            (1.1005, 1.1030, 1.1001, 1.1020, 5),
            (1.1020, 1.1025, 1.0980, 1.0985, 7),
            (1.0985, 1.0990, 1.0970, 1.0975, 3),
        ],
        spread=[12, 9, 15, 20],
    )
    out = resample(df, "M5")
    check_canonical(out)
    assert list(out.index) == [pd.Timestamp("2025-01-08 10:00", tz="UTC"),
                               pd.Timestamp("2025-01-08 10:05", tz="UTC")]  # fmt: skip
    first = out.iloc[0]
    assert (first.open, first.high, first.low, first.close) == (1.1000, 1.1030, 1.0980, 1.0985)
    assert first.tick_volume == 22  # volumes add up
    assert first.spread == 9  # spread is the minimum
    assert out.iloc[1].tolist() == [1.0985, 1.0990, 1.0970, 1.0975, 3, 20]
    assert out.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M5",
        "source_tz": "NY+7",
        "source": "mt5_export",
        "last_bar_complete": False,  # data ends at 10:08, the 10:05 bar runs to 10:10
        "incomplete_bar": "2025-01-08T10:05:00+00:00",
    }
    assert out["spread"].dtype == np.int64
    assert out["tick_volume"].dtype == np.int64


def test_no_bar_is_made_from_nothing():
    df = walk(
        "2025-01-08 10:00", "2025-01-08 11:00", drop=(("2025-01-08 10:07", "2025-01-08 10:31"),)
    )
    out = resample(df, "M5")
    expected = ["10:00", "10:05", "10:30", "10:35", "10:40", "10:45", "10:50", "10:55"]
    assert [f"{t:%H:%M}" for t in out.index] == expected
    assert out.attrs["last_bar_complete"] is True  # 10:59 + 1 min reaches the bin end


@pytest.mark.parametrize(
    ("end", "complete"),
    [("2025-01-08 10:15", True), ("2025-01-08 10:14", False), ("2025-01-08 10:11", False)],
)
def test_only_the_last_bar_can_be_incomplete(end, complete):
    df = walk("2025-01-08 10:00", end, drop=(("2025-01-08 10:02", "2025-01-08 10:04"),))
    out = resample(df, "M5")
    assert out.attrs["last_bar_complete"] is complete
    dropped = resample(df, "M5", drop_incomplete=True)
    assert len(dropped) == len(out) - (0 if complete else 1)
    assert dropped.attrs["last_bar_complete"] is True
    # the 10:00 bar misses two minutes inside but its period has ended: it stays
    assert dropped.index[0] == pd.Timestamp("2025-01-08 10:00", tz="UTC")


def test_an_incomplete_flag_follows_its_bar_not_a_slice():
    df = walk("2025-01-08 10:00", "2025-01-08 11:07")  # data ends inside the 11:05 bar
    m5 = resample(df, "M5")
    assert m5.attrs["incomplete_bar"] == "2025-01-08T11:05:00+00:00"
    assert resample(m5, "M15").attrs["last_bar_complete"] is False  # 11:00 holds 11:05
    head = m5.loc[:"2025-01-08 10:55"]  # pandas copies the attrs onto the slice
    assert head.attrs["last_bar_complete"] is False
    h1 = resample(head, "H1")
    assert h1.attrs["last_bar_complete"] is True  # 10:55 + 5 min reaches 11:00
    assert h1.attrs["incomplete_bar"] is None


def test_empty_frame_resamples_to_empty():
    df = walk("2025-01-08 10:00", "2025-01-08 10:10").iloc[:0]
    df.attrs["timeframe"] = "M1"
    out = resample(df, "M5")
    assert len(out) == 0
    assert list(out.columns) == OHLCV
    assert out.attrs["timeframe"] == "M5"
    assert out.attrs["last_bar_complete"] is True


def test_same_timeframe_is_identity():
    df = walk("2025-01-08 10:00", "2025-01-08 12:00", tf="M5", spread=True)
    out = resample(df, "M5")
    pd.testing.assert_frame_equal(out, df, check_freq=False)


# ---------------------------------------------------------------------------- errors
def test_unsorted_or_duplicate_times_are_refused_with_the_fix():
    df = walk("2025-01-08 10:00", "2025-01-08 10:10")
    swapped = df.iloc[[0, 1, 3, 2, 4, 5]]
    with pytest.raises(
        ValueError, match=r"row 3 .*goes back.*Sort and deduplicate first.*validate\(\)"
    ):
        resample(swapped, "M5")
    dup = df.iloc[[0, 1, 1, 2]]
    with pytest.raises(ValueError, match=r"row 2 .*repeats.*Sort and deduplicate"):
        resample(dup, "M5")


@pytest.mark.parametrize(("source", "target"), [("M5", "M1"), ("M15", "M5"), ("H4", "H1")])
def test_target_must_be_a_multiple_of_the_source(source, target):
    df = walk("2025-01-06 00:00", "2025-01-10 00:00", tf=source)
    with pytest.raises(ValueError, match=f"cannot resample {source} bars to {target}.*multiple"):
        resample(df, target)


def test_source_timeframe_is_inferred_when_attrs_lack_it():
    df = walk("2025-01-08 10:00", "2025-01-08 11:00", tf="M5")
    df.attrs["timeframe"] = None
    assert resample(df, "M15").attrs["timeframe"] == "M15"
    with pytest.raises(ValueError, match="multiple"):
        resample(df, "M1")


def test_non_canonical_frames_are_refused():
    df = walk("2025-01-08 10:00", "2025-01-08 10:10")
    with pytest.raises(ValueError, match=r"canonical bar frame.*make_bars"):
        resample(df.tz_convert(None), "M5")
    with pytest.raises(ValueError, match="canonical"):
        resample(df[["open", "high", "low", "close"]], "M5")


def test_unknown_align_zone_is_a_data_error():
    df = walk("2025-01-08 10:00", "2025-01-08 10:10")
    with pytest.raises(DataError, match="unknown time zone"):
        resample(df, "H1", align_tz="Mars/Olympus")


# ---------------------------------------------------------------------------- alignment
def _oracle(df: pd.DataFrame, minutes: int, local: pd.DatetimeIndex, utc_of_local) -> pd.DataFrame:
    """Independent pandas groupby on wall-clock bins ``floor(local)``, labelled in UTC."""
    key = local.floor(f"{minutes}min")
    agg = df.groupby(key.values).agg(open=("open", "first"), high=("high", "max"),
                                      low=("low", "min"), close=("close", "last"),
                                      tick_volume=("tick_volume", "sum"))  # fmt: skip
    agg.index = utc_of_local(pd.DatetimeIndex(agg.index))
    return agg


def test_d1_aligned_to_a_ny7_server_starts_at_17_new_york_across_dst():
    # 24/7 hourly bars over the US spring change (Sun 9 Mar 2025 02:00 New York).
    df = walk("2025-03-05 00:00", "2025-03-13 00:00", tf="H1", seed=3)
    out = resample(df, "D1", align_tz="NY+7")
    ny = df.index.tz_convert("America/New_York").tz_localize(None)
    expected = _oracle(
        df, 1440, ny + pd.Timedelta(hours=7),
        lambda k: (k - pd.Timedelta(hours=7)).tz_localize("America/New_York").tz_convert("UTC"),
    )  # fmt: skip
    assert out.index.equals(pd.DatetimeIndex(expected.index).as_unit("ns").rename("time"))
    for col in OHLCV:
        assert np.array_equal(out[col].to_numpy(), expected[col].to_numpy()), col
    hours = [t.hour for t in out.index]
    assert hours[:3] == [22, 22, 22]  # server UTC+2 in winter
    assert hours[-3:] == [21, 21, 21]  # UTC+3 once the US is on daylight time
    # The bin holding the change (server Sunday) covers 23 hours.
    sizes = df.groupby(np.searchsorted(out.index.asi8, df.index.asi8, side="right")).size()
    assert sorted(set(sizes.iloc[1:-1])) == [23, 24]


def test_h4_aligned_to_athens_and_to_a_fixed_offset():
    df = walk("2025-03-27 00:00", "2025-04-02 00:00", tf="M30", seed=4)
    for zone, local in (
        ("Europe/Athens", df.index.tz_convert("Europe/Athens").tz_localize(None)),
        ("+02:00", (df.index + pd.Timedelta(hours=2)).tz_localize(None)),
    ):
        out = resample(df, "H4", align_tz=zone)
        if zone == "+02:00":
            to_utc = lambda k: (k - pd.Timedelta(hours=2)).tz_localize("UTC")  # noqa: E731
        else:
            to_utc = lambda k: k.tz_localize("Europe/Athens").tz_convert("UTC")  # noqa: E731
        expected = _oracle(df, 240, local, to_utc)
        assert out.index.equals(pd.DatetimeIndex(expected.index).as_unit("ns").rename("time"))
        assert np.array_equal(out["tick_volume"].to_numpy(), expected["tick_volume"].to_numpy())
        assert np.array_equal(out["high"].to_numpy(), expected["high"].to_numpy())


def test_without_align_tz_bins_follow_utc():
    df = walk("2025-01-06 00:00", "2025-01-09 00:00", tf="H1")
    out = resample(df, "D1")
    assert all(t.hour == 0 for t in out.index)
    ny7 = resample(df, "D1", align_tz="NY+7")
    assert all(t.hour == 22 for t in ny7.index)


def test_a_repeated_wall_clock_hour_folds_into_one_bar():
    # Athens falls back on 26 Oct 2025 at 04:00 local (01:00 UTC): local 03:00-04:00 happens twice.
    df = walk("2025-10-25 23:00", "2025-10-26 03:00", seed=5)
    out = resample(df, "H1", align_tz="Europe/Athens")
    assert [f"{t:%H:%M}" for t in out.index] == ["23:00", "00:00", "02:00"]
    counts = np.diff(np.append(np.searchsorted(df.index.asi8, out.index.asi8), len(df)))
    assert counts.tolist() == [60, 120, 60]


# ---------------------------------------------------------------------------- properties
@st.composite
def m1_frames(draw):
    """M1 bars at random minutes of a 2-day span from a random start, with prices on a 1e-5
    grid (so ties happen) and sound OHLC; arrays come from a drawn seed to keep runs fast."""
    n = draw(st.integers(1, 400))
    span = draw(st.integers(n, 3_000))
    base = pd.Timestamp("2024-03-04 00:00", tz="UTC").value + draw(st.integers(0, 1_439)) * MIN_NS
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    times = base + np.sort(rng.choice(span, size=n, replace=False)).astype(np.int64) * MIN_NS
    o = np.round(rng.uniform(1.0, 1.001, n), 5)
    c = np.round(rng.uniform(1.0, 1.001, n), 5)
    high = np.maximum(o, c) + np.round(rng.uniform(0, 0.0003, n), 5) * rng.integers(0, 2, n)
    low = np.minimum(o, c) - np.round(rng.uniform(0, 0.0003, n), 5) * rng.integers(0, 2, n)
    vol = rng.integers(0, 10_000, n)
    spread = rng.integers(0, 50, n)
    return make_bars(times, o, high, low, c, vol, spread, symbol="EURUSD", timeframe="M1")


TARGETS = st.sampled_from(["M5", "M15", "M30", "H1", "H4", "D1"])


@given(m1_frames(), TARGETS)
def test_resample_matches_a_groupby_oracle_and_keeps_ohlc_sound(df, target):
    out = resample(df, target)
    minutes = {"M5": 5, "M15": 15, "M30": 30, "H1": 60, "H4": 240, "D1": 1440}[target]
    tf_ns = minutes * MIN_NS
    floors = df.index.asi8 // tf_ns * tf_ns
    # every output bar opens at the floor of some source bar, one per distinct bin
    assert np.array_equal(out.index.asi8, np.unique(floors))
    assert out["tick_volume"].sum() == df["tick_volume"].sum()
    assert (out["high"] >= np.maximum(out["open"], out["close"])).all()
    assert (out["low"] <= np.minimum(out["open"], out["close"])).all()
    g = df.groupby(floors)
    assert np.array_equal(out["open"].to_numpy(), g["open"].first().to_numpy())
    assert np.array_equal(out["high"].to_numpy(), g["high"].max().to_numpy())
    assert np.array_equal(out["low"].to_numpy(), g["low"].min().to_numpy())
    assert np.array_equal(out["close"].to_numpy(), g["close"].last().to_numpy())
    assert np.array_equal(out["spread"].to_numpy(), g["spread"].min().to_numpy())


@given(m1_frames())
def test_resampling_in_steps_equals_resampling_at_once(df):
    direct = resample(df, "M15")
    stepped = resample(resample(df, "M5"), "M15")
    pd.testing.assert_frame_equal(stepped, direct, check_freq=False)
    assert stepped.attrs == direct.attrs
    hourly = resample(df, "H1", align_tz="NY+7")
    via_m30 = resample(resample(df, "M30", align_tz="NY+7"), "H1", align_tz="NY+7")
    pd.testing.assert_frame_equal(via_m30, hourly, check_freq=False)


@given(m1_frames(), TARGETS)
def test_only_a_last_bar_cut_short_by_the_end_of_data_is_incomplete(df, target):
    out = resample(df, target)
    tf_ns = {"M5": 5, "M15": 15, "M30": 30, "H1": 60, "H4": 240, "D1": 1440}[target] * MIN_NS
    last_end = out.index.asi8[-1] + tf_ns
    expected = df.index.asi8[-1] + MIN_NS >= last_end
    assert out.attrs["last_bar_complete"] is bool(expected)
    dropped = resample(df, target, drop_incomplete=True)
    keep = len(out) if expected else len(out) - 1
    pd.testing.assert_frame_equal(dropped, out.iloc[:keep], check_freq=False)
    assert dropped.attrs["last_bar_complete"] is True

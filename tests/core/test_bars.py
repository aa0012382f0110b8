import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.bars import aggregate_ohlc

M1 = 60_000_000_000


def pandas_aggregate(time, o, h, lo, c, v, s, minutes):
    frame = pd.DataFrame(
        {"open": o, "high": h, "low": lo, "close": c, "volume": v, "spread": s},
        index=pd.DatetimeIndex(time.view("datetime64[ns]")),
    )
    grouped = frame.groupby(frame.index.floor(f"{minutes}min"))
    agg = grouped.agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum",
         "spread": "min"}
    )  # fmt: skip
    return agg.index.asi8, agg


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    minutes=st.sampled_from([1, 5, 15, 60, 1440]),
)
def test_matches_pandas_groupby_on_bars_with_gaps(seed, n, minutes):
    rng = np.random.default_rng(seed)
    time = np.cumsum(rng.integers(1, 4, n)).astype(np.int64) * M1 + 1_704_067_200 * 10**9
    o, h, lo, c = rng.normal(1.1, 0.001, (4, n))
    v = rng.integers(1, 100, n)
    s = rng.integers(0, 30, n)
    label, ao, ah, al, ac, av, asp = aggregate_ohlc(time, o, h, lo, c, v, s, minutes)
    index, expected = pandas_aggregate(time, o, h, lo, c, v, s, minutes)
    assert label.tolist() == index.tolist()
    for got, column in ((ao, "open"), (ah, "high"), (al, "low"), (ac, "close")):
        assert got.tolist() == expected[column].tolist()
    assert av.tolist() == expected["volume"].tolist()
    assert asp.tolist() == expected["spread"].tolist()


def test_volume_and_spread_may_be_absent_and_times_must_increase():
    time = np.array([0, M1, 2 * M1], dtype=np.int64)
    x = np.array([1.0, 2.0, 3.0])
    out = aggregate_ohlc(time, x, x, x, x, None, None, 5)
    assert out[5] is None
    assert out[6] is None
    assert out[0].tolist() == [0]
    assert out[2].tolist() == [3.0]
    assert out[3].tolist() == [1.0]
    with pytest.raises(ValueError, match="strictly increasing"):
        aggregate_ohlc(time[::-1].copy(), x, x, x, x, None, None, 5)
    with pytest.raises(ValueError, match="minutes"):
        aggregate_ohlc(time, x, x, x, x, None, None, 0)


@pytest.mark.realdata
def test_reproduces_the_real_m5_file_from_the_real_m1_file(real_m1_path, real_m5_path):
    from mikrobot.data.loaders import load_bars

    m1 = load_bars(real_m1_path, tz="UTC")
    m5 = load_bars(real_m5_path, tz="UTC")
    m5 = m5[~m5.index.duplicated(keep="first")]  # the file repeats a block of bars
    label, o, h, lo, c, _, _ = aggregate_ohlc(
        m1.index.asi8, *(m1[k].to_numpy() for k in ("open", "high", "low", "close")), None, None, 5
    )
    ours = pd.DataFrame({"open": o, "high": h, "low": lo, "close": c}, index=label)
    theirs = m5[["open", "high", "low", "close"]].set_axis(m5.index.asi8)
    common = ours.index.intersection(theirs.index)
    same = (ours.loc[common] == theirs.loc[common]).all(axis=1)
    # data/README: every complete M5 bar of the overlap matches; only the last (forming) does not
    assert same.sum() == 10_049
    assert list(common[~same.to_numpy()]) == [common[-1]]

"""The smc-compatible preset gives exactly what smartmoneyconcepts 0.0.27 gives (SPEC §2).

The package is imported lazily (it is in the dev extra) and its import banner is silenced.
"""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.errors import DataError
from mikrobot.data.loaders import load_bars
from mikrobot.structure import smc as compat

FLAGS = ["BOS", "CHOCH", "Level", "BrokenIndex"]


@pytest.fixture(scope="module")
def pkg():
    """The package's ``smc`` class, or a skip saying how to get it."""
    os.environ.setdefault("SMC_CREDIT", "0")  # its banner switch
    with contextlib.redirect_stdout(io.StringIO()):
        module = pytest.importorskip(
            "smartmoneyconcepts",
            reason="smartmoneyconcepts is not installed: pip install -e '.[dev]'",
        )
    if module.smc.__version__ != "0.0.27":
        pytest.skip(f"the preset copies smartmoneyconcepts 0.0.27, found {module.smc.__version__}")
    return module.smc


def plain(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars as the package's users often hold them: capitalised columns and a RangeIndex."""
    return bars[["open", "high", "low", "close"]].rename(columns=str.title).reset_index(drop=True)


def assert_same(pkg, df: pd.DataFrame, length: int, close_break: bool, ours_df=None):
    """Both implementations on ``df`` (ours on ``ours_df`` when given); return our two frames."""
    theirs_s = pkg.swing_highs_lows(df, length)
    theirs_b = pkg.bos_choch(df, theirs_s, close_break)
    src = df if ours_df is None else ours_df
    ours_s = compat.swing_highs_lows(src, length)
    ours_b = compat.bos_choch(src, ours_s, close_break)
    pd.testing.assert_frame_equal(ours_s, theirs_s, check_exact=True)
    pd.testing.assert_frame_equal(ours_b, theirs_b, check_exact=True)
    return ours_s, ours_b


def counts(swings: pd.DataFrame, breaks: pd.DataFrame) -> dict[str, int]:
    return {
        "rows": len(swings),
        "swings": int(swings["HighLow"].notna().sum()),
        "events": int((breaks["BOS"].notna() | breaks["CHOCH"].notna()).sum()),
        "erased_but_broken": int(
            (breaks["BOS"].isna() & breaks["CHOCH"].isna() & breaks["BrokenIndex"].notna()).sum()
        ),
    }


# --- real EURUSD M15 -----------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize("length", [5, 10])
@pytest.mark.parametrize("close_break", [True, False])
def test_real_m15_output_is_identical(pkg, real_m15_path, length, close_break):
    df = load_bars(real_m15_path)  # the canonical frame: UTC DatetimeIndex, lowercase columns
    swings, breaks = assert_same(pkg, df, length, close_break)
    c = counts(swings, breaks)
    # the comparison covers what matters: many swings and events, the erase quirk, and breaks
    # far enough away to leave the linear scan for the segment tree
    assert c["rows"] == len(df) > 20_000
    assert c["swings"] > 1_000
    assert c["events"] > 300
    assert c["erased_but_broken"] > 0
    lag = breaks["BrokenIndex"] - np.arange(len(df))
    assert lag.max() > 34  # the kernel scans 32 bars from s2 + 2, then descends its tree


@pytest.mark.realdata
def test_any_index_and_column_case_give_the_same_rows_and_known_times(pkg, real_m15_path):
    bars = load_bars(real_m15_path)
    swings, breaks = assert_same(pkg, plain(bars), 5, True, ours_df=bars)
    known = compat.known_at(bars, swings, breaks, 5)
    has = known["KnownIndex"].notna()
    assert has.sum() == (breaks["BOS"].notna() | breaks["CHOCH"].notna()).sum()
    k = known.loc[has, "KnownIndex"].astype(np.int64).to_numpy()
    expected = bars.index[k] + pd.Timedelta(minutes=15)
    assert (known.loc[has, "KnownTime"].to_numpy() == expected.to_numpy()).all()
    assert known.loc[~has, "KnownTime"].isna().all()
    # SPEC §2: the flag sits well before anyone could know it
    assert known.loc[has, "LagBars"].median() >= 5


# --- generated bars ------------------------------------------------------------------------


@st.composite
def walks(draw, max_size: int = 30) -> pd.DataFrame:
    """Random walks on a tick grid: many ties, optional flat stretch, 1..max_size bars."""
    n = draw(st.integers(1, max_size))
    ints = st.lists(st.integers(-3, 3), min_size=n, max_size=n)
    steps = np.array(draw(ints), dtype=np.int64)
    up = np.abs(np.array(draw(ints), dtype=np.int64)) // 2
    down = np.abs(np.array(draw(ints), dtype=np.int64)) // 2
    start = draw(st.integers(0, n - 1))
    flat = slice(start, start + draw(st.integers(0, n)))
    steps[flat] = 0
    up[flat] = 0
    down[flat] = 0
    tick = draw(st.sampled_from([1e-5, 0.0001, 0.25, 1.0]))
    close_ticks = np.cumsum(steps)
    open_ticks = np.r_[0, close_ticks[:-1]]
    base = 1.1
    return pd.DataFrame(
        {
            "open": base + open_ticks * tick,
            "high": base + (np.maximum(open_ticks, close_ticks) + up) * tick,
            "low": base + (np.minimum(open_ticks, close_ticks) - down) * tick,
            "close": base + close_ticks * tick,
        }
    )


@st.composite
def long_walks(draw) -> pd.DataFrame:
    """Longer seeded Gaussian walks (50..600 bars), rounded to 5 digits like broker prices."""
    n = draw(st.integers(50, 600))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    close = np.round(1.1 + np.cumsum(rng.normal(0.0, 0.0003, n)), 5)
    open_ = np.r_[1.1, close[:-1]]
    wick = np.round(np.abs(rng.normal(0.0, 0.0002, (2, n))), 5)
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + wick[0],
            "low": np.minimum(open_, close) - wick[1],
            "close": close,
        }
    )


@given(df=walks(), length=st.integers(1, 12), close_break=st.booleans())
def test_short_frames_match(pkg, df, length, close_break):
    assert_same(pkg, df, length, close_break)


@given(df=long_walks(), length=st.sampled_from([1, 2, 3, 5, 10]), close_break=st.booleans())
def test_long_walks_match(pkg, df, length, close_break):
    assert_same(pkg, df, length, close_break)


HOLES = st.lists(
    st.tuples(
        st.integers(0, 59),
        st.sampled_from(["high", "low", "close"]),
        st.sampled_from([np.nan, np.inf, -np.inf]),
    ),
    max_size=4,
)


@given(df=walks(max_size=60), holes=HOLES, length=st.integers(1, 4), close_break=st.booleans())
def test_missing_and_infinite_prices_match(pkg, df, holes, length, close_break):
    # pandas' rolling max/min treat NaN and +-inf alike as missing: such windows are void
    for row, column, value in holes:
        if row < len(df):
            df.loc[row, column] = value
    assert_same(pkg, df, length, close_break)


@given(df=walks(max_size=40), length=st.integers(1, 4))
def test_float32_and_integer_prices_match(pkg, df, length):
    assert_same(pkg, df.astype("float32"), length, True)
    assert_same(pkg, (df * 1e5).round().astype("int64"), length, False)


@st.composite
def bars_and_any_swings(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bars plus a hand-made swing frame: kinds need not alternate, levels may be 0."""
    df = draw(walks(max_size=60))
    n = len(df)
    kinds = draw(st.lists(st.sampled_from([1.0, -1.0, np.nan, np.nan]), min_size=n, max_size=n))
    levels = draw(
        st.lists(st.sampled_from([0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]), min_size=n, max_size=n)
    )
    highlow = np.array(kinds)
    level = np.where(np.isnan(highlow), np.nan, 1.1 + (np.array(levels) - 2.0) * 1e-4)
    level[np.array(levels) == 0.0] = 0.0
    return df, pd.DataFrame({"HighLow": highlow, "Level": level})


@given(data=bars_and_any_swings(), close_break=st.booleans())
def test_bos_choch_matches_on_any_swing_frame(pkg, data, close_break):
    df, swings = data
    pd.testing.assert_frame_equal(
        compat.bos_choch(df, swings, close_break),
        pkg.bos_choch(df, swings, close_break),
        check_exact=True,
    )


# --- the quirks, spelled out independently of the package ----------------------------------


def test_first_and_last_bar_are_swings_of_the_opposite_kind():
    # one clean peak at bar 5 with L = 2: bar 0 becomes a low, the last bar a low too
    high = np.array([1, 2, 3, 4, 5, 9, 5, 4, 3, 2, 1], dtype=float)
    df = pd.DataFrame({"open": high, "high": high, "low": high - 0.5, "close": high})
    swings = compat.swing_highs_lows(df, 2)
    marked = swings["HighLow"].dropna()
    assert marked.to_dict() == {0: -1.0, 5: 1.0, 10: -1.0}
    assert swings["Level"].dropna().to_dict() == {0: 0.5, 5: 9.0, 10: 0.5}


def test_flat_bars_keep_the_earliest_of_equal_swing_highs():
    price = np.full(12, 1.1)
    df = pd.DataFrame({"open": price, "high": price, "low": price, "close": price})
    swings = compat.swing_highs_lows(df, 2)
    # every bar from 2L-1 = 3 to n-1-L = 9 ties for the high; the first one survives
    assert swings["HighLow"].dropna().to_dict() == {0: -1.0, 3: 1.0, 11: -1.0}


def test_known_at_is_break_or_confirmed_s3_whichever_is_later():
    rng = np.random.default_rng(5)
    close = np.round(1.1 + np.cumsum(rng.normal(0, 0.0003, 3_000)), 5)
    df = pd.DataFrame(
        {"open": close, "high": close + 0.0001, "low": close - 0.0001, "close": close}
    )
    swings = compat.swing_highs_lows(df, 5)
    breaks = compat.bos_choch(df, swings, True)
    known = compat.known_at(df, swings, breaks, 5)
    swing_rows = np.flatnonzero(swings["HighLow"].notna())
    flagged = np.flatnonzero(breaks["BOS"].notna() | breaks["CHOCH"].notna())
    assert len(flagged) > 20
    for row in flagged:
        s3 = swing_rows[np.searchsorted(swing_rows, row, side="right")]
        assert known["KnownIndex"][row] == max(breaks["BrokenIndex"][row], s3 + 5)
        assert known["KnownIndex"][row] > row
    assert known["KnownIndex"].notna().sum() == len(flagged)
    assert known["KnownTime"].isna().all()  # no DatetimeIndex, no times


def test_bad_input_names_the_fix():
    df = pd.DataFrame({"open": [1.0], "High": [1.0], "low": [1.0]})
    assert compat.swing_highs_lows(df, 1)["HighLow"].isna().all()  # column case is ignored
    with pytest.raises(DataError, match="'close'"):
        compat.bos_choch(df, compat.swing_highs_lows(df, 1))
    with pytest.raises(ValueError, match="swing_length must be >= 1"):
        compat.swing_highs_lows(df, 0)
    with pytest.raises(ValueError, match="same bars"):
        compat.bos_choch(pd.concat([df, df]).assign(close=1.0), compat.swing_highs_lows(df, 1))


@given(seed=st.integers(0, 2**32 - 1), length=st.integers(1, 8), close_break=st.booleans())
def test_strided_columns_give_what_contiguous_ones_give(seed, length, close_break):
    """The preset passes float64 columns to its kernels as they are (views, perhaps strided)."""
    rng = np.random.default_rng(seed)
    n = 400
    mid = 1.1 + np.cumsum(rng.normal(0, 0.0004, n))
    prices = np.stack([mid, mid + rng.random(n) * 1e-3, mid - rng.random(n) * 1e-3, mid], axis=1)
    wide = np.repeat(prices, 2, axis=1)  # column k of the bars at 2k + 1: stride 64 bytes
    names = ("open", "high", "low", "close")
    strided = pd.DataFrame({c: wide[:, 2 * k + 1] for k, c in enumerate(names)}, copy=False)
    assert not strided["close"].to_numpy().flags.c_contiguous
    contiguous = pd.DataFrame({c: prices[:, k].copy() for k, c in enumerate(names)})
    a = compat.swing_highs_lows(strided, length)
    b = compat.swing_highs_lows(contiguous, length)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(
        compat.bos_choch(strided, a, close_break),
        compat.bos_choch(contiguous, b, close_break),
        check_exact=True,
    )

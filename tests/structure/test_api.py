import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mikrobot.structure as ms
from mikrobot.core.errors import DataError, UnknownSymbolError
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure.inputs import bar_arrays

from .helpers import m5_of, random_m1


def test_result_frames_have_the_documented_columns_and_dtypes():
    m1 = random_m1(3, 3000)
    m5 = m5_of(m1)
    swings, breaks, setups = ms.swings(m5), ms.breaks(m5), ms.setups(m1)
    assert list(swings.columns) == [
        "time", "kind", "level", "known_at", "index", "known_index", "supersedes"
    ]  # fmt: skip
    assert list(breaks.columns[:5]) == ["time", "known_at", "direction", "kind", "level"]
    assert list(setups.columns[-7:]) == [
        "break_strength", "retest_precision", "rejection", "structure", "session", "speed",
        "status",
    ]  # fmt: skip
    for frame in (swings, breaks, setups):
        for column in frame.columns:
            if column.endswith(("time", "_at")):
                assert str(frame[column].dtype) == "datetime64[ns, UTC]", column
    assert (swings["known_at"] > swings["time"]).all()
    assert (breaks["known_at"] - breaks["time"] == pd.Timedelta("5min")).all()
    assert set(setups["status"].cat.categories) == {
        "confirmed", "invalidated", "no_touch", "no_confirmation", "rejected_max_stop"
    }  # fmt: skip
    confirmed = setups[setups["status"] == "confirmed"]
    assert ((confirmed["confidence"] >= 0) & (confirmed["confidence"] <= 1)).all()
    sign = confirmed["direction"].to_numpy()
    assert (sign * (confirmed["entry"] - confirmed["stop"]) > 0).all()
    assert (sign * (confirmed["target"] - confirmed["entry"]) > 0).all()
    assert setups.attrs["symbol"] == "EURUSD"
    assert sum(setups.attrs["weights"].values()) == pytest.approx(1.0)
    assert len(ms.to_signals(setups)) == len(confirmed)


def test_spec_comes_from_attrs_a_name_or_a_spec():
    m1 = random_m1(4, 800)
    by_attr = ms.setups(m1)
    m1.attrs["symbol"] = None
    with pytest.raises(ValueError, match="spec="):
        ms.setups(m1)
    pd.testing.assert_frame_equal(ms.setups(m1, spec="eurusd.a"), by_attr)
    with pytest.raises(UnknownSymbolError):
        ms.setups(m1, spec="NOPE")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.iloc[::-1], "not after"),
        (lambda f: pd.concat([f.iloc[:5], f.iloc[4:]]), "not after"),
        (lambda f: f.drop(columns="close"), "close"),
        (lambda f: f.assign(high=np.where(np.arange(len(f)) == 7, np.nan, f["high"])), "high"),
        (lambda f: f.tz_localize(None), "tz-aware"),
        (lambda f: f.assign(spread=-1), "spread"),
    ],
)
def test_bad_frames_are_refused_saying_what_to_fix(change, match):
    m1 = random_m1(5, 100)
    with pytest.raises(DataError, match=match):
        ms.setups(change(m1))


def test_bars_of_the_wrong_timeframe_are_refused():
    m1 = random_m1(5, 100)
    with pytest.raises(DataError, match="M5 bars are needed"):
        ms.swings(m1)
    m5 = m5_of(m1).iloc[:4]
    m5.index = m5.index[:3].append(m5.index[2:3] + pd.Timedelta("1min")).rename("time")
    with pytest.raises(DataError, match="less than M5"):
        ms.swings(m5)


def test_empty_and_tiny_inputs_give_empty_frames():
    m1 = random_m1(6, 3)
    assert ms.setups(m1).empty
    assert ms.swings(m5_of(random_m1(6, 12))).empty
    assert list(ms.setups(m1.iloc[:0]).columns)[-1] == "status"


def test_importing_structure_loads_no_heavy_neighbours():
    code = (
        "import sys, mikrobot.structure; "
        "bad = [m for m in ('panel', 'fastapi', 'papermill', 'dask', 'mikrobot.data') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_atr_kernel_matches_the_reference_definition():
    from mikrobot.structure import reference
    from mikrobot.structure.nb import atr_nb

    m1 = random_m1(8, 600)
    h, lo, c = (m1[k].to_numpy() for k in ("high", "low", "close"))
    for period in (1, 2, 14):
        expected = reference.atr(h.tolist(), lo.tolist(), c.tolist(), period)
        np.testing.assert_array_equal(atr_nb(h, lo, c, period), np.array(expected))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_m5_built_inside_equals_the_data_resampler(seed):
    from mikrobot.data import resample

    m1 = random_m1(seed, 3000, gaps=0.05)
    m5 = resample(m1, "M5", drop_incomplete=True)
    pd.testing.assert_frame_equal(ms.setups(m1), ms.setups(m1, m5))
    pd.testing.assert_frame_equal(
        ms.setups(m1.iloc[:-2]),
        ms.setups(m1.iloc[:-2], resample(m1.iloc[:-2], "M5", drop_incomplete=True)),
    )


DEFECTS = ["open", "high", "low", "close", "inf", "duplicate", "too_close", "spread", "none"]


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    defect=st.sampled_from(DEFECTS),
    where=st.floats(0, 1),
    with_spread=st.booleans(),
)
def test_every_m5_call_refuses_a_bad_bar_anywhere_naming_it(seed, n, defect, where, with_spread):
    """A single bad bar k (NaN/inf price, negative spread, duplicate or too-close time) in the
    M5 frame, anywhere (first and last bars included), makes swings/breaks/structure/setups
    raise the DataError of the input check, naming the field and bar k's time."""
    m1 = random_m1(seed, 5 * n + 5)
    m5 = m5_of(m1).iloc[:n].copy()
    n = len(m5)
    k = min(int(where * n), n - 1)
    field = defect
    if with_spread or defect == "spread":
        m5["spread"] = 3.0
    if defect in ("open", "high", "low", "close"):
        m5.iloc[k, m5.columns.get_loc(defect)] = np.nan
    elif defect == "inf":
        field = "low"
        m5.iloc[k, m5.columns.get_loc("low")] = -np.inf
    elif defect == "spread":
        m5.iloc[k, m5.columns.get_loc("spread")] = -1.0
    elif defect in ("duplicate", "too_close"):
        k = max(k, 1)
        if n < 2:
            return
        step = pd.Timedelta(0) if defect == "duplicate" else pd.Timedelta("1min")
        times = m5.index.to_numpy().copy()
        times[k] = times[k - 1] + step.to_timedelta64()
        if k + 1 < n and times[k + 1] <= times[k] + np.timedelta64(5, "m"):
            times[k + 1 :] += np.timedelta64(5, "m")  # only bar k is too close
        m5.index = pd.DatetimeIndex(times, name=m5.index.name)
        field = "index"
    expected = None
    try:
        bar_arrays(m5, Timeframe.M5, "m5")
    except DataError as exc:
        expected = exc
    if defect == "none":
        assert expected is None
    else:
        assert expected is not None
        assert expected.field == field
        stamp = str(m5.index[k])
        assert stamp in str(expected)
    calls = [ms.swings, ms.breaks, ms.structure, lambda f: ms.setups(m1, f)]
    for call in calls:
        if expected is None:
            call(m5)
            continue
        with pytest.raises(DataError) as info:
            call(m5)
        assert info.value.field == expected.field
        assert str(info.value) == str(expected)


def _frame_of(columns: dict, like: pd.DataFrame) -> pd.DataFrame:
    """A bar frame holding exactly these arrays (no copy), with ``like``'s index and attrs."""
    frame = pd.DataFrame(columns, index=like.index, copy=False)
    frame.attrs.update(like.attrs)
    return frame


@given(seed=st.integers(0, 2**32 - 1), layout=st.sampled_from(["strided", "float32", "mixed"]))
def test_columns_of_any_layout_give_the_same_results(seed, layout):
    """The pandas edge hands the frame's columns to the kernels without copying them:
    strided views (a column taken from a wider array), float32 columns (converted) and a mix
    give what contiguous float64 columns give."""
    names = ("open", "high", "low", "close")
    m1 = random_m1(seed, 1500, spread=True)
    m5 = m5_of(m1)
    wide = np.repeat(m5[list(names)].to_numpy(), 3, axis=1)  # (n, 12): column k at 3k + 1
    prices = m5[list(names)].to_numpy().astype(np.float32).astype(np.float64)  # float32 values
    columns, plain = {}, {}
    for k, column in enumerate(names):
        if layout == "strided" or (layout == "mixed" and k % 2):
            columns[column] = wide[:, 3 * k + 1]
            plain[column] = m5[column].to_numpy().copy()
        else:
            columns[column] = prices[:, k].astype(np.float32)
            plain[column] = prices[:, k].copy()
    other = _frame_of(columns, m5)
    assert any(not other[c].to_numpy().flags.c_contiguous for c in names) or layout == "float32"
    contiguous = _frame_of(plain, m5)
    for got, want in zip(ms.structure(other), ms.structure(contiguous), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(ms.setups(m1, other), ms.setups(m1, contiguous), check_exact=True)
    strided_m1 = _frame_of(
        {c: np.repeat(m1[c].to_numpy()[:, None], 2, axis=1)[:, 1] for c in (*names, "spread")}, m1
    )
    pd.testing.assert_frame_equal(ms.setups(strided_m1), ms.setups(m1), check_exact=True)

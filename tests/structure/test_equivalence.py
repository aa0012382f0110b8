"""Batch (numba) == stream == reference, exactly, on generated and real bars."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mikrobot.structure as ms
from mikrobot.structure import StructureParams

from .helpers import (
    EURUSD,
    assert_same,
    load_real,
    m5_of,
    random_m1,
    reference_setups,
    reference_structure,
    run_stream,
)

PARAM_SETS = [
    StructureParams(),
    StructureParams(left=2, right=5, break_on="wick", break_threshold_pips=0.0),
    StructureParams(
        left=5,
        right=1,
        break_threshold_pips=2.0,
        retest_window_minutes=15,
        retest_tolerance_pips=0.0,
        invalidation_pips=0.0,
        min_stop_pips=8,
        max_stop_pips=12,
        atr_period=3,
    ),
]


@st.composite
def params(draw: st.DrawFn) -> StructureParams:
    min_stop = draw(st.sampled_from([0.5, 3.0, 10.0]))
    return StructureParams(
        left=draw(st.integers(1, 5)),
        right=draw(st.integers(1, 5)),
        break_on=draw(st.sampled_from(["close", "wick"])),
        break_threshold_pips=draw(st.sampled_from([0.0, 0.8, 2.0])),
        retest_window_minutes=draw(st.sampled_from([1, 5, 15, 60])),
        retest_tolerance_pips=draw(st.sampled_from([0.0, 0.8, 2.0])),
        invalidation_pips=draw(st.sampled_from([0.0, 3.0])),
        sl_buffer_pips=draw(st.sampled_from([0.0, 0.5])),
        min_stop_pips=min_stop,
        max_stop_pips=draw(st.sampled_from([min_stop, 5.0 + min_stop, 30.0])),
        rr=draw(st.sampled_from([1.0, 2.0, 3.5])),
        atr_period=draw(st.sampled_from([1, 3, 14])),
    )


@st.composite
def m1_bars(draw: st.DrawFn):
    return random_m1(
        draw(st.integers(0, 2**32 - 1)),
        draw(st.integers(50, 2500)),
        tick=draw(st.sampled_from([0.00002, 0.0001, 0.0003])),
        flat=draw(st.sampled_from([0.0, 0.15, 0.4])),
        gaps=draw(st.sampled_from([0.0, 0.01, 0.05])),
        spread=draw(st.booleans()),
        max_step=draw(st.sampled_from([1, 3])),
    )


@given(m1=m1_bars(), p=params(), m5_given=st.booleans())
def test_batch_stream_and_reference_agree_on_generated_bars(m1, p, m5_given):
    m5 = m5_of(m1)
    ref_swings, ref_breaks = reference_structure(m5, EURUSD, p)
    assert_same(ms.swings(m5, params=p), ref_swings)
    assert_same(ms.breaks(m5, params=p), ref_breaks)
    ref_setups = reference_setups(m1, m5 if m5_given else None, EURUSD, p)
    assert_same(ms.setups(m1, m5 if m5_given else None, params=p), ref_setups)
    swings, breaks, setups, _ = run_stream(
        m1, m5 if m5_given else None, EURUSD, p, restore_every=37
    )
    assert_same(swings, ref_swings)
    assert_same(breaks, ref_breaks)
    assert_same(setups, ref_setups)


def test_generated_bars_exercise_every_status_and_overlapping_windows():
    # the property above is only as strong as its inputs: make sure they reach every branch
    seen: set[str] = set()
    overlapping = superseding = 0
    p = StructureParams(min_stop_pips=2, max_stop_pips=6)
    for seed in range(12):
        m1 = random_m1(seed, 2500, spread=seed % 2 == 0)
        setups = ms.setups(m1, params=p)
        seen |= set(setups["status"].astype(str))
        start, end = setups["break_known_at"], setups["known_at"]
        overlapping += int((start.iloc[1:].to_numpy() < end.iloc[:-1].to_numpy()).sum())
        superseding += int((ms.swings(m5_of(m1), params=p)["supersedes"] >= 0).sum())
    assert seen == {"confirmed", "invalidated", "no_touch", "no_confirmation", "rejected_max_stop"}
    assert overlapping > 0
    assert superseding > 0


@pytest.mark.realdata
@pytest.mark.parametrize("p", PARAM_SETS, ids=["default", "wick-2-5", "5-1-tight"])
def test_agree_on_real_eurusd(real_m1_path, real_m5_path, p):
    m1 = load_real(real_m1_path)
    m5 = load_real(real_m5_path)
    ref_swings, ref_breaks = reference_structure(m5, EURUSD, p)
    assert len(ref_breaks) > 1000
    assert_same(ms.swings(m5, params=p), ref_swings)
    assert_same(ms.breaks(m5, params=p), ref_breaks)
    for m5_given in (m5, None):
        ref_setups = reference_setups(m1, m5_given, EURUSD, p)
        assert len(ref_setups) > 100
        assert_same(ms.setups(m1, m5_given, params=p), ref_setups)
    swings, _breaks, setups, _ = run_stream(m1, None, EURUSD, p, restore_every=5000)
    assert_same(setups, ref_setups)
    assert_same(swings, reference_structure(m5_of(m1), EURUSD, p)[0])


@pytest.mark.realdata
def test_stream_with_m5_and_m1_feeds_agrees_on_real_eurusd(real_m1_path, real_m5_path):
    m1 = load_real(real_m1_path)
    m5 = load_real(real_m5_path)
    # the M5 file starts months before the M1 file: those breaks have no setup
    ref_swings, ref_breaks = reference_structure(m5)
    swings, breaks, setups, _ = run_stream(m1, m5, use_on_open=True)
    assert_same(swings, ref_swings)
    assert_same(breaks, ref_breaks)
    assert_same(setups, reference_setups(m1, m5))

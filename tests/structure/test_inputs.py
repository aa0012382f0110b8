"""M5 bars built inside structure (numba) equal the core aggregation (numpy)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.bars import aggregate_ohlc
from mikrobot.structure.codes import M1_NS, M5_NS
from mikrobot.structure.inputs import BarArrays, m5_from_m1
from mikrobot.structure.nb import aggregate_nb


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    max_step=st.sampled_from([1, 2, 7, 600]),
    start_minute=st.integers(-(10**6), 10**6),
    minutes=st.sampled_from([1, 5, 15, 60]),
)
def test_aggregate_kernel_equals_core_aggregation(seed, n, max_step, start_minute, minutes):
    """Any gaps, bins that start mid-way, times before 1970, ties, NaN."""
    rng = np.random.default_rng(seed)
    time = (start_minute + np.cumsum(rng.integers(1, max_step + 1, n))).astype(np.int64) * M1_NS
    o, h, lo, c = rng.choice([0.5, 1.0, 1.5, 2.0, np.nan], (4, n), p=[0.2] * 5)
    got = aggregate_nb(time, o, h, lo, c, minutes * M1_NS)
    want = aggregate_ohlc(time, o, h, lo, c, None, None, minutes)[:5]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w, strict=True)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), skip=st.integers(0, 4))
def test_m5_from_m1_drops_only_a_forming_last_bar(seed, n, skip):
    rng = np.random.default_rng(seed)
    time = (np.cumsum(rng.integers(1, 3, n)) + skip).astype(np.int64) * M1_NS
    x = rng.random((4, n))
    m5 = m5_from_m1(BarArrays(time, *x, None))
    label = aggregate_ohlc(time, *x, None, None, 5)[0]
    complete = label + M5_NS <= time[-1] + M1_NS
    assert m5.time.tolist() == label[complete].tolist()
    assert complete[:-1].all()  # only the last bin can still be forming

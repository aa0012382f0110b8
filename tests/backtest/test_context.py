"""The volatility context: M5 bars, ATR and its percentile equal the project's definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.backtest import Market, volatility_nb
from mikrobot.backtest.context import atr_percentiles, dense_ranks
from mikrobot.core import bars
from mikrobot.data.synthetic import random_walk
from mikrobot.strategy import context
from mikrobot.structure import nb as structure_nb

from .helpers import EURUSD


@pytest.fixture(scope="module")
def market() -> Market:
    m1 = random_walk(40_000, seed=9)
    keep = np.ones(len(m1), bool)
    keep[[7, 8, 9, 1_000, 20_001]] = False  # gaps, one spanning an M5 bin
    return Market.from_bars(m1[keep], EURUSD)


def m5_nb(time, high, low, close):
    t, _, h, lo, c, _, _ = bars.aggregate_ohlc(time, time * 0.0, high, low, close, None, None, 5)
    return t, h, lo, c


atr_nb = structure_nb.atr_nb


def test_m5_bins_by_hand():
    minute = 60_000_000_000
    time = np.array([0, 1, 4, 5, 9, 12], dtype=np.int64) * minute
    high = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 7.0])
    low = high - 1
    close = high - 0.5
    label, h, lo, c = m5_nb(time, high, low, close)
    assert label.tolist() == [0, 5 * minute, 10 * minute]
    assert h.tolist() == [3.0, 5.0, 7.0]
    assert lo.tolist() == [0.0, 3.0, 6.0]
    assert c.tolist() == [1.5, 3.5, 6.5]


def test_percentiles_equal_strategy_atr_percentile(market):
    label, high, low, close = m5_nb(market.time, market.high, market.low, market.close)
    atr = atr_nb(high, low, close, 14)
    closes = label + 5 * 60_000_000_000
    rng = np.random.default_rng(2)
    ts = np.sort(rng.choice(market.time[1_000:], 200, replace=False)) + 30_000_000_000
    window = 2 * 288
    got = atr_percentiles(market, ts, lookback_days=2)
    for k, stamp in enumerate(ts):
        cur = int(np.searchsorted(closes, stamp, side="right")) - 1
        expected = context.atr_percentile(atr[cur], atr[max(0, cur - window) : cur])
        assert got[k] == pytest.approx(expected, abs=1e-12)


@given(
    steps=st.lists(st.integers(1, 12), min_size=1, max_size=60),
    prices=st.lists(
        st.one_of(st.floats(0.5, 2.0), st.just(float("nan"))), min_size=60, max_size=60
    ),
)
def test_one_pass_m5_kernel_equals_aggregate_ohlc(steps, prices):
    minute = 60_000_000_000
    time = np.cumsum(steps).astype(np.int64) * minute
    n = time.shape[0]
    price = np.array(prices[:n])
    high, low, close = price + 0.1, price - 0.1, price
    got = volatility_nb.m5_hlc_nb(time, high, low, close, 5 * minute)
    for a, b in zip(got, m5_nb(time, high, low, close), strict=True):
        np.testing.assert_array_equal(a, b)


@given(
    values=st.lists(
        st.one_of(
            st.sampled_from([0.0, -0.0, 1.5, 2.0, float("nan"), float("inf"), -float("inf")]),
            st.floats(-3.0, 3.0),
        ),
        max_size=40,
    )
)
def test_dense_ranks_order_the_finite_values(values):
    x = np.array(values, dtype=np.float64)
    rank, count = dense_ranks(x)
    finite = np.isfinite(x)
    assert (rank[~finite] == 0).all()
    assert count == np.unique(x[finite]).shape[0]
    f = x[finite]
    r = rank[finite]
    assert np.array_equal(f[:, None] < f[None, :], r[:, None] < r[None, :])
    assert np.array_equal(f[:, None] == f[None, :], r[:, None] == r[None, :])
    if count:
        assert r.min() == 1
        assert r.max() == count


@given(
    atr=st.lists(
        st.one_of(st.sampled_from([1.0, 2.0, float("nan")]), st.floats(0.5, 3.0)),
        min_size=1,
        max_size=50,
    ),
    queries=st.lists(st.integers(-5, 60), max_size=30),
    window=st.integers(1, 12),
)
def test_sliding_percentiles_equal_the_rank_formula_window_by_window(atr, queries, window):
    values = np.array(atr)
    closes = np.arange(1, values.shape[0] + 1, dtype=np.int64) * 10
    ts = np.sort(np.array(queries, dtype=np.int64)) * 10 + 5
    rank, count = dense_ranks(values)
    got = volatility_nb.percentiles_nb(closes, rank, ts, window, count)
    for k, stamp in enumerate(ts):
        cur = int(np.searchsorted(closes, stamp, side="right")) - 1
        if cur < 1:
            assert np.isnan(got[k])
            continue
        expected = context.atr_percentile(values[cur], values[max(0, cur - window) : cur])
        np.testing.assert_equal(got[k], expected)

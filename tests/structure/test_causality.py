"""No look-ahead: results on bars[:k] are exactly the full run's events known by bar k's close.

A setup whose status needs its entry price (confirmed, rejected_max_stop) is known once its
entry bar (the M1 bar after confirmation) is in the data; every other event once its
``known_at`` is at or before the close of the last bar. Equality of whole rows also proves
that no event is ever rewritten: an event seen on a prefix is identical in the full run.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mikrobot.structure as ms
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure import StructureParams, StructureStream
from mikrobot.structure.api import setup_arrays, structure_arrays
from mikrobot.structure.codes import CONFIRMED, REJECTED_MAX_STOP
from mikrobot.structure.events import BreakEvent, SetupEvent, SwingEvent
from mikrobot.structure.inputs import BarArrays, bar_arrays, m5_from_m1

from .helpers import EURUSD, M1, M5, assert_same, load_real, m5_of, random_m1

ENTRY_STATUSES = ["confirmed", "rejected_max_stop"]


def known_by(frame: pd.DataFrame, close_ns: int) -> pd.DataFrame:
    """Rows of a swings/breaks frame known at or before ``close_ns``."""
    return frame[frame["known_at"].array.asi8 <= close_ns]


def setups_known_by(setups: pd.DataFrame, last_m1_open: int) -> pd.DataFrame:
    """Rows of a setups frame decided once the M1 bar opening at ``last_m1_open`` has closed."""
    needs_entry = setups["status"].isin(ENTRY_STATUSES).to_numpy()
    entry_ok = setups["entry_time"].array.asi8 <= last_m1_open
    known_ok = setups["known_at"].array.asi8 <= last_m1_open + M1
    return setups[np.where(needs_entry, entry_ok, known_ok)]


def check_m5_prefixes(m5: pd.DataFrame, p: StructureParams, ks) -> None:
    full_swings, full_breaks = ms.swings(m5, params=p), ms.breaks(m5, EURUSD, p)
    times = m5.index.asi8
    for k in ks:
        close = int(times[k - 1]) + M5
        assert_same(ms.swings(m5.iloc[:k], params=p), known_by(full_swings, close))
        assert_same(ms.breaks(m5.iloc[:k], EURUSD, p), known_by(full_breaks, close))


def check_m1_prefixes(m1: pd.DataFrame, p: StructureParams, ks, m5: pd.DataFrame | None) -> None:
    full = ms.setups(m1, m5, EURUSD, p)
    times = m1.index.asi8
    for k in ks:
        last = int(times[k - 1])
        m5_k = None if m5 is None else m5[m5.index.asi8 + M5 <= last + M1]
        # break ids too: the breaks of a prefix are a prefix of the full run's breaks
        assert_same(ms.setups(m1.iloc[:k], m5_k, EURUSD, p), setups_known_by(full, last))


def _prefix(b: BarArrays, k: int) -> BarArrays:
    return BarArrays(*(None if x is None else x[:k] for x in astuple_bars(b)))


def astuple_bars(b: BarArrays) -> tuple:
    return (b.time, b.open, b.high, b.low, b.close, b.spread)


def check_kernel_prefixes(m1: pd.DataFrame, m5: pd.DataFrame | None, th) -> None:
    """Every prefix, at the kernels' level (cheap enough for every k)."""
    b1 = bar_arrays(m1, Timeframe.M1, "m1")
    b5_full = m5_from_m1(b1) if m5 is None else bar_arrays(m5, Timeframe.M5, "m5")
    s_full = structure_arrays(b5_full, th)
    a_full = setup_arrays(b1, b5_full, s_full, th)
    needs_entry = (a_full["status"] == CONFIRMED) | (a_full["status"] == REJECTED_MAX_STOP)
    for k in range(1, len(b1) + 1):
        last = int(b1.time[k - 1])
        b1_k = _prefix(b1, k)
        if m5 is None:
            b5 = m5_from_m1(b1_k)
        else:
            b5 = _prefix(b5_full, int(np.searchsorted(b5_full.time + M5, last + M1, "right")))
        k5 = len(b5)
        assert np.array_equal(b5.time, b5_full.time[:k5])
        s = structure_arrays(b5, th)
        swings_known = s_full.swing_known_index < k5
        breaks_known = s_full.break_index < k5
        for name in ("swing_index", "swing_kind", "swing_level", "swing_supersedes"):
            np.testing.assert_array_equal(getattr(s, name), getattr(s_full, name)[swings_known])
        for name in ("break_direction", "break_kind", "break_level", "break_swing_index"):
            np.testing.assert_array_equal(getattr(s, name), getattr(s_full, name)[breaks_known])
        np.testing.assert_array_equal(s.break_strength, s_full.break_strength[breaks_known])
        a = setup_arrays(b1_k, b5, s, th)
        got = np.flatnonzero(a["status"] > 0)
        decided = np.where(
            needs_entry,
            (a_full["entry_index"] >= 0) & (a_full["entry_index"] < k),
            (a_full["status"] > 0) & (a_full["known_at"] <= last + M1),
        )
        want = np.flatnonzero(decided)
        np.testing.assert_array_equal(got, want)
        for name, values in a.items():
            np.testing.assert_array_equal(values[got], a_full[name][want], err_msg=name)


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 500),
    left=st.integers(1, 4),
    right=st.integers(1, 4),
    wick=st.booleans(),
    m5_given=st.booleans(),
)
def test_every_prefix_of_generated_bars_is_the_full_run_known_so_far(
    seed, n, left, right, wick, m5_given
):
    p = StructureParams(
        left=left,
        right=right,
        break_on="wick" if wick else "close",
        retest_window_minutes=20,
        min_stop_pips=2,
        max_stop_pips=6,
    )
    m1 = random_m1(seed, n, gaps=0.03, spread=seed % 2 == 0)
    m5 = m5_of(m1)
    check_kernel_prefixes(m1, m5 if m5_given else None, p.for_symbol(EURUSD))
    # the frames too, on a sample of prefixes (the pandas edge is slower)
    rng = np.random.default_rng(seed)
    check_m5_prefixes(m5, p, np.unique(np.r_[rng.integers(1, len(m5) + 1, 6), len(m5)]))
    ks = np.unique(np.r_[rng.integers(1, n + 1, 10), n])
    check_m1_prefixes(m1, p, ks, m5 if m5_given else None)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 600))
def test_stream_emits_each_event_at_the_first_bar_it_is_known(seed, n):
    p = StructureParams(left=2, right=2, retest_window_minutes=15)
    m1 = random_m1(seed, n, gaps=0.03)
    setups = ms.setups(m1, None, EURUSD, p)
    swings = ms.swings(m5_of(m1), params=p)
    times = m1.index.asi8
    closes = times + M1
    # the first bar whose close makes each event known (the entry bar for entry statuses)
    needs_entry = setups["status"].isin(ENTRY_STATUSES).to_numpy()
    want_setups = np.where(
        needs_entry,
        np.searchsorted(times, setups["entry_time"].array.asi8),
        np.searchsorted(closes, setups["known_at"].array.asi8),
    )
    want_swings = np.searchsorted(closes, swings["known_at"].array.asi8)
    stream = StructureStream(EURUSD, p)
    got_setups: dict[int, int] = {}
    got_swings = []
    for k, row in enumerate(m1.itertuples()):
        for event in stream.update_m1(int(times[k]), row.open, row.high, row.low, row.close):
            if isinstance(event, SwingEvent | BreakEvent):
                assert event.known_at <= closes[k]
            if isinstance(event, SwingEvent):
                got_swings.append(k)
            if isinstance(event, SetupEvent):
                got_setups[event.break_id] = k
    assert got_swings == want_swings.tolist()
    assert [got_setups[b] for b in setups["break_id"]] == want_setups.tolist()
    assert len(got_setups) == len(setups)


@pytest.mark.realdata
def test_prefixes_of_real_eurusd(real_m1_path, real_m5_path):
    p = StructureParams()
    m5 = load_real(real_m5_path).iloc[-6000:]
    rng = np.random.default_rng(3)
    ks = np.unique(np.r_[rng.integers(1, len(m5) + 1, 120), 1, len(m5)])
    check_m5_prefixes(m5, p, ks)
    m1 = load_real(real_m1_path).iloc[:20000]
    full = ms.setups(m1, None, EURUSD, p)
    # dense around the moments setups are decided (the bars just before and after), plus random
    pos = m1.index.get_indexer
    around = []
    for column in ("known_at", "entry_time"):
        when = full[column].dropna()
        idx = pos(when - pd.Timedelta(minutes=1))  # the bar closing at known_at
        idx = idx[idx >= 0]
        around += [idx, idx + 1, idx + 2]
    ks = np.unique(np.r_[np.concatenate(around)[:300], rng.integers(1, len(m1) + 1, 80)])
    ks = ks[(ks >= 1) & (ks <= len(m1))]
    check_m1_prefixes(m1, p, ks, None)

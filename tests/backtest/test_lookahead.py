"""The look-ahead check flags strategies that cheat, each with the right kind, and passes the
causal setups engine on generated, planted and real bars."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mikrobot.structure as ms
from mikrobot.backtest.lookahead import (
    KINDS,
    SignalSchema,
    check_lookahead,
    choose_cutoffs,
    setups_strategy,
    smc_strategy,
)
from mikrobot.data.loaders import load_bars
from mikrobot.data.resampling import resample
from mikrobot.data.synthetic import market
from mikrobot.structure import StructureParams, smc

from . import cheats
from .cheats import EURUSD, MINUTE

M5 = pd.Timedelta(minutes=5)
#: more cutoffs under the long hypothesis profile (ci)
MANY = 60 if settings().max_examples >= 100 else 20


@pytest.fixture(scope="module")
def planted():
    """Three days of synthetic EURUSD with three planted BOS + retest episodes."""
    return market("EURUSD", "2024-03-04", days=3, seed=5, episodes=3)


def kinds(report) -> set[str]:
    return {v.kind for v in report.violations}


# ---------------------------------------------------------------------------- clean
def test_setups_pass_clean_on_a_planted_market(planted):
    report = check_lookahead(planted.bars, spec=EURUSD, n_cutoffs=MANY)
    assert report.clean, report.table()
    assert report.n_signals >= len(planted.episodes) == 3
    assert report.compared > 0
    # the planted setups are among the signals the check compared
    full = ms.setups(planted.bars, None, EURUSD)
    assert set(planted.episodes["confirm_time"]) <= set(full["confirm_time"])


def test_setups_pass_with_m5_given_and_other_params(planted):
    m5 = resample(planted.bars, "M5", drop_incomplete=True)
    p = StructureParams(left=2, right=2, retest_window_minutes=30, max_stop_pips=10)
    report = check_lookahead(planted.bars, m5=m5, spec="EURUSD", params=p, n_cutoffs=MANY)
    assert report.clean, report.table()
    assert report.n_signals > 0


def test_a_causal_strategy_entering_at_the_next_open_passes(planted):
    def breakout_next_open(m1: pd.DataFrame) -> pd.DataFrame:
        close = m1["close"]
        hit = (close > close.shift(1).rolling(10).max()).to_numpy()[:-1]  # needs a next bar
        rows = np.flatnonzero(hit)
        return pd.DataFrame(
            {
                "time": m1.index[rows],
                "direction": 1,
                "known_at": m1.index[rows] + MINUTE,
                "entry_time": m1.index[rows + 1],
                "entry": m1["open"].to_numpy()[rows + 1],
            }
        )

    report = check_lookahead(planted.bars, breakout_next_open, n_cutoffs=MANY)
    assert report.clean, report.table()
    assert report.n_signals > 50


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(60, 600),
    left=st.integers(1, 4),
    right=st.integers(1, 4),
    wick=st.booleans(),
    m5_given=st.booleans(),
)
def test_setups_pass_on_generated_bars(seed, n, left, right, wick, m5_given):
    from tests.structure.helpers import m5_of, random_m1

    p = StructureParams(
        left=left,
        right=right,
        break_on="wick" if wick else "close",
        retest_window_minutes=20,
        min_stop_pips=2,
        max_stop_pips=6,
    )
    m1 = random_m1(seed, n, gaps=0.03, spread=seed % 2 == 0)
    m5 = m5_of(m1) if m5_given else None
    report = check_lookahead(m1, m5=m5, spec=EURUSD, params=p, n_cutoffs=15, seed=seed)
    assert report.clean, report.table()


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 120))
def test_next_close_is_flagged_at_exactly_the_bars_it_peeks_past(seed, n):
    """With every cutoff, each signal at bar i < n - 1 is missing exactly once: at k = i + 1."""
    from tests.structure.helpers import random_m1

    m1 = random_m1(seed, n, gaps=0.05, max_step=4)
    full = cheats.next_close(m1)
    report = check_lookahead(m1, cheats.next_close, cutoffs=range(1, n + 1))
    expected = sorted(int(m1.index.get_loc(t)) + 1 for t in full["time"])
    assert sorted(v.bars for v in report.violations) == expected
    assert kinds(report) <= {"missing"}


# ---------------------------------------------------------------------------- cheats
def test_next_bar_close_is_flagged_missing_at_the_bar_it_needs(planted):
    report = check_lookahead(planted.bars, cheats.next_close, n_cutoffs=MANY)
    assert kinds(report) == {"missing"}
    for v in report.violations:
        # the signal is dated at the last bar kept; its deciding bar is the one cut off
        assert v.key["time"] == v.cutoff - MINUTE
        assert v.truncated is None
        assert v.full["known_at"] == v.cutoff


def test_centred_rolling_max_swings_are_flagged_extra(planted):
    report = check_lookahead(planted.bars, cheats.centred_swings, n_cutoffs=MANY)
    assert "extra" in kinds(report)
    full = cheats.centred_swings(planted.bars)
    for v in report.violations:
        assert v.kind == "extra"
        # a swing of the truncated window near its end that later bars overrule
        assert v.key["time"] > v.cutoff - 4 * MINUTE
        assert v.key["time"] not in set(full["time"])


def test_smc_compat_preset_is_flagged_where_its_events_were_not_known(planted):
    """At the close of each break that smc.known_at() dates later (s3 + L after it), the
    truncated run does not have the event: the check reports it missing (or changed)."""
    length = 3
    m5 = resample(planted.bars, "M5", drop_incomplete=True)
    swings = smc.swing_highs_lows(m5, length)
    events = smc.bos_choch(m5, swings)
    known = smc.known_at(m5, swings, events, length)
    rows = np.flatnonzero(~np.isnan(known["KnownIndex"].to_numpy()))
    broken = events["BrokenIndex"].to_numpy()[rows].astype(np.int64)
    late = rows[known["KnownIndex"].to_numpy()[rows] > broken]
    assert late.size >= 5
    close = planted.bars.index + MINUTE
    break_close = m5.index[events["BrokenIndex"].to_numpy()[late].astype(np.int64)] + M5
    ks = np.searchsorted(close, break_close, side="right")

    report = check_lookahead(planted.bars, smc_strategy(length), cutoffs=ks)
    assert {"missing", "extra"} <= kinds(report) <= {"missing", "extra", "changed"}
    flagged = {v.key["time"] for v in report.violations if v.kind in ("missing", "changed")}
    # smc's forced swing on the last bar can stand in for s3, so not quite every one
    assert len(flagged & set(m5.index[late])) >= 0.75 * late.size


def test_smc_compat_preset_is_flagged_with_default_cutoffs(planted):
    report = check_lookahead(planted.bars, smc_strategy(3), n_cutoffs=MANY)
    assert "missing" in kinds(report)
    assert kinds(report) <= {"missing", "extra", "changed"}


def test_known_at_the_break_is_flagged_early_from_the_retest_columns(planted):
    report = check_lookahead(planted.bars, cheats.setups_known_at_break, n_cutoffs=MANY)
    early = [v for v in report.violations if v.kind == "early"]
    honest = ms.setups(planted.bars, None, EURUSD)
    touched = honest["touch_time"].notna()
    assert len(early) == touched.sum() > 0  # every setup with a touch names a later bar
    for v in early:
        assert set(v.fields) <= {"touch_time", "confirm_time"}
        assert v.full["known_at"] == v.full["break_known_at"]
        assert v.full["known_at"] < v.full["touch_time"] + MINUTE


def test_known_at_the_break_without_retest_columns_is_flagged_missing(planted):
    report = check_lookahead(planted.bars, cheats.setups_known_at_break_bare, n_cutoffs=MANY)
    assert kinds(report) == {"missing"}
    honest = ms.setups(planted.bars, None, EURUSD).set_index(["direction", "break_time"])
    for v in report.violations:
        truly_known = honest.loc[(v.key["direction"], v.key["break_time"]), "known_at"]
        assert v.cutoff < truly_known  # flagged only while the setup was still undecided


def test_whole_history_normalisation_is_flagged_changed(planted):
    report = check_lookahead(planted.bars, cheats.whole_history_zscore, n_cutoffs=10)
    assert kinds(report) == {"changed"}
    for v in report.violations[:50]:
        assert v.fields == ("z",)
        assert v.full["z"] != v.truncated["z"]


def test_an_entry_bar_not_in_the_data_is_flagged_future(planted):
    report = check_lookahead(planted.bars, cheats.entry_on_next_minute, n_cutoffs=MANY)
    assert kinds(report) == {"future"}
    for v in report.violations:
        assert v.key["time"] == v.cutoff - MINUTE  # a breakout on the last bar kept


def test_deciding_with_the_entry_bar_close_is_flagged_peeks_entry(planted):
    """Truncation cannot see it (the row is due once its entry bar has closed); rerunning with
    the entry bar showing only its open does."""
    report = check_lookahead(planted.bars, cheats.enter_if_next_bar_rises, entry_checks=8)
    assert kinds(report) == {"peeks_entry"}
    assert len(report.violations) == 8
    for v in report.violations:
        assert v.truncated is None  # a flat entry bar does not close above its open
        assert v.cutoff == v.full["entry_time"] + MINUTE
    assert check_lookahead(planted.bars, cheats.enter_if_next_bar_rises, entry_checks=0).clean


def test_a_strategy_failing_on_short_history_is_reported_not_raised(planted):
    def needs_100_bars(m1: pd.DataFrame) -> pd.DataFrame:
        if len(m1) < 100:
            raise ValueError("need 100 bars")
        return cheats.whole_history_zscore(m1).iloc[:0]

    report = check_lookahead(planted.bars, needs_100_bars, cutoffs=[1, 50, 100, 4000])
    assert [(v.kind, v.bars) for v in report.violations] == [("error", 1), ("error", 50)]
    assert "need 100 bars" in report.violations[0].detail


# ---------------------------------------------------------------------------- mechanics
def test_m5_is_truncated_to_bars_closed_by_the_cutoff(planted):
    m5 = resample(planted.bars, "M5", drop_incomplete=True)
    seen = []

    def spy(m1: pd.DataFrame, m5_k: pd.DataFrame) -> pd.DataFrame:
        seen.append((m1.index[-1] + MINUTE, m5_k.index))
        return pd.DataFrame({"known_at": pd.DatetimeIndex([], tz="UTC")})

    ks = [1, 4, 5, 6, 9, 10, 11, 777, len(planted.bars)]
    check_lookahead(planted.bars, spy, m5=m5, cutoffs=ks)
    assert len(seen) == len(ks) + 1  # the full run, then one per cutoff
    for cutoff, kept in seen:
        assert kept.equals(m5.index[m5.index + M5 <= cutoff])  # no forming bar


def test_cutoffs_are_deterministic_and_include_the_edges():
    targets = np.array([5, 50, 500, 5000, 7000, 0, 9000])
    a = choose_cutoffs(7000, targets, 30, seed=3)
    assert np.array_equal(a, choose_cutoffs(7000, targets, 30, seed=3))
    assert not np.array_equal(a, choose_cutoffs(7000, targets, 30, seed=4))
    assert a.size == 30
    assert a[0] == 1
    assert a[-1] == 7000
    assert np.all(np.diff(a) > 0)
    assert set(targets[(targets >= 1) & (targets <= 7000)]) <= set(a)  # few targets: all
    assert np.array_equal(choose_cutoffs(12, targets, 30, seed=0), np.arange(1, 13))


def test_bad_arguments_say_what_to_do(planted):
    with pytest.raises(ValueError, match="known"):
        check_lookahead(planted.bars, lambda m1: pd.DataFrame({"time": m1.index[:3]}))
    with pytest.raises(ValueError, match=r"1\.\.4320"):
        check_lookahead(planted.bars, cheats.next_close, cutoffs=[0, 10])
    with pytest.raises(ValueError, match="default strategy"):
        check_lookahead(planted.bars, cheats.next_close, spec="EURUSD")
    with pytest.raises(ValueError, match="no bars"):
        check_lookahead(planted.bars.iloc[:0])
    with pytest.raises(ValueError, match="key columns"):
        check_lookahead(planted.bars, cheats.next_close, schema=SignalSchema(key=("nope",)))


def test_report_renders_as_table_frame_and_json(planted):
    report = check_lookahead(planted.bars, cheats.next_close, n_cutoffs=10)
    counts = report.counts()
    assert list(counts) == list(KINDS)
    assert counts["missing"] == len(report.violations) > 0
    frame = report.frame()
    assert list(frame["kind"].unique()) == ["missing"]
    assert len(frame) == len(report.violations)
    assert "missing" in report.table()
    assert "LOOK-AHEAD FOUND" in report.summary()
    data = json.loads(report.to_json())
    assert data["clean"] is False
    assert data["counts"]["missing"] == counts["missing"]
    first = data["violations"][0]
    assert pd.Timestamp(first["key"]["time"]) == report.violations[0].key["time"]
    clean = check_lookahead(planted.bars, setups_strategy(EURUSD), n_cutoffs=5)
    assert clean.table() == ""
    assert "CLEAN" in clean.summary()


# ---------------------------------------------------------------------------- real data
def real(path) -> pd.DataFrame:
    frame = load_bars(path, tz="-03:30")
    return frame[~frame.index.duplicated(keep="first")].sort_index()


@pytest.mark.realdata
def test_setups_pass_on_real_eurusd(real_m1_path, real_m5_path):
    m1 = real(real_m1_path).iloc[:15000]
    m5 = real(real_m5_path)
    m5 = m5[m5.index < m1.index[-1] + pd.Timedelta(days=1)]
    for m5_given in (None, m5):
        report = check_lookahead(m1, m5=m5_given, spec="EURUSD", n_cutoffs=MANY, seed=11)
        assert report.clean, report.table()
        assert report.n_signals > 50
        assert report.compared > 0


@pytest.mark.realdata
def test_smc_compat_is_flagged_on_real_eurusd(real_m1_path):
    m1 = real(real_m1_path).iloc[:15000]
    report = check_lookahead(m1, smc_strategy(5), n_cutoffs=MANY, seed=11)
    assert "missing" in kinds(report)
    assert kinds(report) <= {"missing", "extra", "changed"}


def labelled(m1: pd.DataFrame, *, flip_last: bool = False) -> pd.DataFrame:
    """A causal strategy with awkward columns: naive known_at, labels with gaps, nullable ints."""
    close = m1["close"]
    hit = (close > close.shift(1).rolling(10).max()).to_numpy()
    times = m1.index[hit]
    n = int(hit.sum())
    grade = pd.Categorical(
        [None if i % 3 == 0 else ("a" if i % 2 else "b") for i in range(n)], categories=["a", "b"]
    )
    note = [None if i % 4 == 0 else f"n{i}" for i in range(n)]
    if flip_last and n:
        note[-1] = "flipped"  # what a truncated history would change: the last row's note
    return pd.DataFrame(
        {
            "time": times,
            "direction": 1,
            "grade": grade,
            "note": pd.Series(note, dtype=object),
            "count": pd.array([None if i % 5 == 0 else i for i in range(n)], dtype="Int64"),
            "known_at": (times + MINUTE).tz_localize(None),
        }
    )


def test_labels_missing_values_and_naive_times_compare_exactly(planted):
    assert check_lookahead(planted.bars, labelled, n_cutoffs=15).clean

    def revising(m1: pd.DataFrame) -> pd.DataFrame:
        return labelled(m1, flip_last=len(m1) < len(planted.bars))

    report = check_lookahead(planted.bars, revising, cutoffs=[3000, len(planted.bars)])
    (v,) = report.violations
    assert (v.kind, v.bars, v.fields) == ("changed", 3000, ("note",))
    assert v.truncated["note"] == "flipped"
    assert v.full["known_at"] == v.key["time"] + MINUTE  # naive times were read as UTC

"""Hand-built cases whose answers follow from SPEC §1-§4 (and reference.py's stated choices).

Bars are written in pips above a base price: ``(open, high, low, close)``.
"""

import math

import numpy as np
import pandas as pd
import pytest

import mikrobot.structure as ms
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.structure import StructureParams

from .helpers import EURUSD, assert_same, bars_frame, reference_setups, run_stream

MONDAY = pd.Timestamp("2024-01-08 10:00", tz="UTC")  # winter: London session, not New York
ONE = StructureParams(left=1, right=1)


def pips(
    rows, start, minutes, *, base=1.1, pip=0.0001, spread=None, symbol="EURUSD", tf="M5"
) -> pd.DataFrame:
    rows = np.asarray(rows, dtype=float)
    time = pd.Timestamp(start).value + np.arange(len(rows), dtype=np.int64) * minutes * 60 * 10**9
    price = base + rows * pip
    sp = None if spread is None else np.full(len(rows), spread)
    return bars_frame(time, *price.T, sp, timeframe=tf, symbol=symbol)


def swing_rows(m5, params=ONE):
    return [
        (r.index, r.kind, round((r.level - 1.1) / 1e-4, 6), r.known_index, r.supersedes)
        for r in ms.swings(m5, params=params).itertuples()
    ]


def break_rows(m5, params=ONE):
    return [
        (r.direction, r.kind, round((r.level - 1.1) / 1e-4, 6), r.swing_index, r.break_index)
        for r in ms.breaks(m5, EURUSD, params).itertuples()
    ]


# ------------------------------------------------------------------------------ swings, breaks
def test_equal_highs_keep_the_later_swing():
    m5 = pips(
        [(5, 10, 4, 6), (6, 12, 3, 7), (7, 11, 2, 8), (8, 12, 1, 9), (9, 11, 0, 10),
         (10, 11, -1, 10), (11, 14, -2, 13.5)],
        MONDAY, 5,
    )  # fmt: skip
    # lows fall on every bar, so there is no swing low between the two highs of 12
    swings = swing_rows(m5)
    assert swings[:2] == [(1, "high", 12, 2, -1), (3, "high", 12, 4, 1)]
    # the break is of the later swing, and the earlier row was not rewritten
    assert break_rows(m5) == [(1, "CHoCH", 12, 3, 6)]


def test_a_broken_swing_is_superseded_by_a_higher_one_and_its_break_stands():
    m5 = pips(
        [(5, 10, 4, 6), (6, 12, 3, 7), (7, 11.5, 2, 8), (8, 13, 1, 12.9), (12, 12.5, 0, 11),
         (11, 14, -1, 13.9)],
        MONDAY, 5,
    )  # fmt: skip
    assert swing_rows(m5) == [(1, "high", 12, 2, -1), (3, "high", 13, 4, 1)]
    # bar 3 closes 12.9 > 12 + 0.8: breaks the first swing; bar 5 (13.9 > 13.8) the new one
    assert break_rows(m5) == [(1, "CHoCH", 12, 1, 3), (1, "BOS", 13, 3, 5)]


def test_a_bar_that_is_both_swing_high_and_low_is_taken_high_first():
    m5 = pips(
        [(5, 9, 4, 6), (6, 12, 5, 7), (7, 8, 4.5, 6), (6, 9, 3, 5), (5, 10, 1, 5), (5, 9.5, 2, 5)],
        MONDAY, 5,
    )  # fmt: skip
    # bar 4 is both; its high (10) comes first and is dropped (lower than the high of 12 with no
    # low between), then its low is accepted
    assert swing_rows(m5) == [(1, "high", 12, 2, -1), (4, "low", 1, 5, -1)]


def test_a_bar_breaking_both_sides_in_wick_mode_records_the_bullish_break_first():
    m5 = pips(
        [(5, 6, 4, 5), (5, 8, 4.5, 6), (6, 7, 3, 5), (5, 6.5, 3.5, 5), (5, 9, 2, 5)], MONDAY, 5
    )
    wick = ONE.replace(break_on="wick")
    assert break_rows(m5, wick) == [(1, "CHoCH", 8, 1, 4), (-1, "CHoCH", 3, 2, 4)]
    assert break_rows(m5, ONE) == []  # closes stay inside


def test_break_needs_more_than_the_threshold():
    base = [(0, 5, -1, 3), (3, 10, 2, 6), (6, 8, 1, 4), (4, 9, 3, 8)]
    at = pips([*base, (8, 12, 7, 10.8)], MONDAY, 5)  # 10.8 is not > 10 + 0.8
    above = pips([*base, (8, 12, 7, 10.81)], MONDAY, 5)
    assert break_rows(at) == []
    assert break_rows(above) == [(1, "CHoCH", 10, 1, 4)]


# ------------------------------------------------------------------------------ setups
M5_BREAK = [(0, 5, -1, 3), (3, 10, 2, 6), (6, 8, 1, 4), (4, 9, 3, 8), (8, 12, 7, 11.5)]
T = MONDAY + pd.Timedelta(minutes=25)  # close of the break bar
P = ONE.replace(atr_period=2)
TOUCH = (11.5, 11.8, 10.5, 10.7)  # low 10.5 <= 10 + 0.8; closes below its open
CONFIRM = (10.7, 11.2, 10.2, 11.0)  # closes above 10 and above its open
ENTRY = (11.0, 11.4, 10.9, 11.3)


def setup_of(m1_rows, *, params=P, spread=None, spec=EURUSD, base=1.1, pip=0.0001):
    sym = spec.name
    m5 = pips(M5_BREAK, MONDAY, 5, base=base, pip=pip, symbol=sym)
    m1 = pips(m1_rows, T, 1, base=base, pip=pip, spread=spread, symbol=sym, tf="M1")
    out = ms.setups(m1, m5, spec, params)
    # every case is checked against the oracle and the stream too
    assert_same(out, reference_setups(m1, m5, spec, params))
    assert_same(run_stream(m1, m5, spec, params)[2], out)
    return out


def in_pips(value, base=1.1, pip=0.0001):
    return (value - base) / pip


def test_confirmed_setup_entry_stop_target_and_confidence():
    (row,) = setup_of([TOUCH, CONFIRM, ENTRY]).itertuples()
    assert row.status == "confirmed"
    assert row.kind == "CHoCH"
    assert row.direction == 1
    assert row.touch_time == T
    assert row.confirm_time == T + pd.Timedelta(minutes=1)
    assert row.known_at == T + pd.Timedelta(minutes=2)
    assert row.entry_time == T + pd.Timedelta(minutes=2)
    # ask entry: open 11.0 + typical spread 8 points (0.8 pip); stop 10.2 - 0.5 = 9.7 gives a
    # risk of 2.1 pips, widened to min_stop 3 -> 8.8; target 2 x 3 pips above entry
    assert in_pips(row.entry) == pytest.approx(11.8)
    assert in_pips(row.stop) == pytest.approx(8.8)
    assert in_pips(row.target) == pytest.approx(17.8)
    # ATR(2) of the M5 bars at the break bar: TR 8, 7 -> 7.5; TR 6 -> 6.75; TR 5 -> 5.875
    strength = (11.5 - 10) / 5.875
    expected = {
        "break_strength": strength / 0.5,
        "retest_precision": 1 - 0.5 / 0.8,
        "rejection": (11.0 - 10.2) / (11.2 - 10.2),
        "structure": 0.5,
        "session": 0.8,
        "speed": 1.0,
    }
    for name, value in expected.items():
        assert getattr(row, name) == pytest.approx(value, abs=1e-9), name
    weights = (0.25, 0.20, 0.20, 0.15, 0.10, 0.10)
    assert row.confidence == pytest.approx(
        sum(w * v for w, v in zip(weights, expected.values(), strict=True)), abs=1e-9
    )


def test_spread_column_is_used_for_the_ask_entry():
    (row,) = setup_of([TOUCH, CONFIRM, ENTRY], spread=15).itertuples()
    # entry 11.0 + 1.5; stop 9.7 -> risk 2.8 < 3 -> 12.5 - 3 = 9.5; target 12.5 + 6
    assert [in_pips(row.entry), in_pips(row.stop), in_pips(row.target)] == pytest.approx(
        [12.5, 9.5, 18.5]
    )


def test_stop_below_the_lowest_low_when_it_exceeds_min_stop():
    (row,) = setup_of([TOUCH, CONFIRM, ENTRY], params=P.replace(min_stop_pips=1)).itertuples()
    assert [in_pips(row.entry), in_pips(row.stop), in_pips(row.target)] == pytest.approx(
        [11.8, 9.7, 11.8 + 2 * 2.1]
    )


def test_stop_beyond_max_stop_is_rejected_not_stretched():
    deep = (10.7, 11.2, -24.8, 11.0)  # a long wick, but the close is back above the level
    (row,) = setup_of([TOUCH, deep, ENTRY]).itertuples()
    assert row.status == "rejected_max_stop"
    assert in_pips(row.entry) == pytest.approx(11.8)
    assert in_pips(row.stop) == pytest.approx(-25.3)
    assert math.isnan(row.target)
    assert 0 <= row.confidence <= 1
    assert ms.to_signals(setup_of([TOUCH, deep, ENTRY])) == []


def test_close_beyond_invalidation_drops_the_setup():
    (row,) = setup_of([TOUCH, (10.7, 10.8, 6.0, 6.5), ENTRY]).itertuples()
    assert row.status == "invalidated"
    assert row.known_at == T + pd.Timedelta(minutes=2)
    assert math.isnan(row.entry)
    assert math.isnan(row.confidence)
    assert row.retest_precision == pytest.approx(0.375)


def test_window_without_touch_or_confirmation_ends_at_window_end():
    far = [(13, 14, 12, 13)] * 60  # never down to 10.8
    (row,) = setup_of(far).itertuples()
    assert row.status == "no_touch"
    assert row.known_at == T + pd.Timedelta(minutes=60)
    assert pd.isna(row.touch_time)
    assert math.isnan(row.retest_precision)
    touched = [TOUCH] + [(10.7, 10.9, 10.6, 10.65)] * 59  # never closes above its open
    (row,) = setup_of(touched).itertuples()
    assert row.status == "no_confirmation"
    assert row.known_at == T + pd.Timedelta(minutes=60)
    # a bar opening at the window's end is outside it, even when it would confirm
    (row,) = setup_of([*touched, CONFIRM, ENTRY]).itertuples()
    assert row.status == "no_confirmation"


def test_setups_at_the_end_of_the_data_are_pending_not_invented():
    assert setup_of([TOUCH]).empty  # touched, window still open
    assert setup_of([TOUCH, CONFIRM]).empty  # confirmed, entry bar not there yet
    assert setup_of([(13, 14, 12, 13)] * 59).empty  # one bar short of the window's end
    assert len(setup_of([TOUCH, CONFIRM, ENTRY])) == 1


def test_break_known_before_the_first_m1_bar_has_no_setup():
    m5 = pips(M5_BREAK, MONDAY, 5)
    m1 = pips([CONFIRM, ENTRY], T + pd.Timedelta(minutes=1), 1, tf="M1")
    assert len(ms.breaks(m5, EURUSD, P)) == 1
    assert ms.setups(m1, m5, EURUSD, P).empty
    assert_same(ms.setups(m1, m5, EURUSD, P), reference_setups(m1, m5, EURUSD, P))


@pytest.mark.parametrize(
    ("symbol", "base"), [("USDJPY", 150.0), ("XAUUSD", 2000.0), ("US30", 35000.0)]
)
def test_other_symbols_work_in_their_own_pips(symbol, base):
    spec = DEFAULT_SPECS[symbol]
    rows = [TOUCH, CONFIRM, ENTRY]
    (row,) = setup_of(rows, spec=spec, base=base, pip=spec.pip_size, spread=0).itertuples()
    (eur,) = setup_of(rows, spread=0).itertuples()
    assert row.status == eur.status == "confirmed"
    assert (row.touch_time, row.known_at) == (eur.touch_time, eur.known_at)
    # without spread: entry 11.0, stop 9.7 -> risk 1.3 < 3 -> 8.0, target 17.0 (in pips)
    got = [in_pips(x, base, spec.pip_size) for x in (row.entry, row.stop, row.target)]
    assert got == pytest.approx([11.0, 8.0, 17.0], abs=1e-6)
    assert row.confidence == pytest.approx(eur.confidence, abs=1e-6)


def test_bearish_setup_mirrors_the_bullish_one():
    mirror = [(-o, -lo, -h, -c) for o, h, lo, c in M5_BREAK]
    m5 = pips(mirror, MONDAY, 5)
    m1_rows = [(-o, -lo, -h, -c) for o, h, lo, c in (TOUCH, CONFIRM, ENTRY)]
    m1 = pips(m1_rows, T, 1, tf="M1", spread=10)
    (row,) = ms.setups(m1, m5, EURUSD, P).itertuples()
    assert row.direction == -1
    assert row.status == "confirmed"
    # sells enter at bid: -11.0; stop -10.2 + 0.5 = -9.7 -> risk 1.3 < 3 -> -8.0; target -17
    assert [in_pips(row.entry), in_pips(row.stop), in_pips(row.target)] == pytest.approx(
        [-11.0, -8.0, -17.0]
    )
    assert row.rejection == pytest.approx(0.8)
    assert_same(ms.setups(m1, m5, EURUSD, P), reference_setups(m1, m5, EURUSD, P))


def test_to_signals_gives_one_signal_per_confirmed_setup():
    setups = setup_of([TOUCH, CONFIRM, ENTRY])
    (signal,) = ms.to_signals(setups)
    row = setups.iloc[0]
    assert signal.symbol == "EURUSD"
    assert signal.side.sign == 1
    assert signal.kind == "CHoCH"
    assert signal.ts == row["known_at"].value
    assert (signal.entry, signal.stop, signal.target) == (row["entry"], row["stop"], row["target"])
    assert signal.confidence == row["confidence"]
    assert signal.components["rejection"] == row["rejection"]
    assert sum(v for k, v in signal.components.items() if k.startswith("weight_")) == (
        pytest.approx(1.0)
    )

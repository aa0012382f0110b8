import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mikrobot.structure as ms
from mikrobot.structure import StructureParams, StructureStream

from .helpers import EURUSD, M1, M5, assert_same, m5_of, random_m1, run_stream


def feed(stream: StructureStream, m1, start: int, stop: int) -> list:
    events = []
    for row in m1.iloc[start:stop].itertuples():
        events += stream.update_m1(row.Index.value, row.open, row.high, row.low, row.close)
    return events


@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 1500))
def test_state_round_trips_and_a_restored_stream_continues_identically(seed, cut):
    m1 = random_m1(seed, 1500, gaps=0.02)
    original = StructureStream(EURUSD, StructureParams(left=2, right=2, retest_window_minutes=20))
    feed(original, m1, 0, cut)
    state = original.state()
    json.dumps(state, allow_nan=False)  # plain JSON-able data
    restored = StructureStream.from_state(state)
    assert restored.state() == state
    from_bytes = StructureStream.from_state(original.to_bytes())
    assert from_bytes.state() == state
    rest_a = feed(original, m1, cut, len(m1))
    rest_b = feed(restored, m1, cut, len(m1))
    rest_c = feed(from_bytes, m1, cut, len(m1))
    assert [e.to_dict() for e in rest_a] == [e.to_dict() for e in rest_b]
    assert [repr(e) for e in rest_a] == [repr(e) for e in rest_c]
    assert restored.state() == original.state()


@given(seed=st.integers(0, 2**32 - 1))
def test_on_open_gives_the_same_setups_one_bar_earlier(seed):
    m1 = random_m1(seed, 1200, spread=True)
    plain = run_stream(m1)[2]
    assert_same(run_stream(m1, use_on_open=True)[2], plain)
    assert_same(plain, ms.setups(m1, None, EURUSD))


def test_on_open_emits_confirmed_setups_before_the_entry_bar_closes():
    m1 = random_m1(5, 3000)
    stream = StructureStream(EURUSD)
    early = 0
    for row in m1.itertuples():
        t = row.Index.value
        for event in stream.on_open(t, row.open):
            assert event.entry_time == t
            assert event.status in ("confirmed", "rejected_max_stop")
            early += 1
        for event in stream.update_m1(t, row.open, row.high, row.low, row.close):
            assert getattr(event, "status", None) not in ("confirmed", "rejected_max_stop")
    assert early > 0


def test_bars_out_of_order_or_misfed_are_refused():
    m1 = random_m1(1, 20)
    t0 = m1.index[0].value
    stream = StructureStream("EURUSD")
    stream.update_m1(t0, 1.1, 1.1, 1.1, 1.1)
    with pytest.raises(ValueError, match="one minute after"):
        stream.update_m1(t0, 1.1, 1.1, 1.1, 1.1)
    with pytest.raises(ValueError, match="m5_from_m1=False"):
        stream.update_m5(t0, 1.1, 1.1, 1.1, 1.1)
    stream.on_open(t0 + M1, 1.1)
    with pytest.raises(ValueError, match="announced"):
        stream.update_m1(t0 + 2 * M1, 1.1, 1.1, 1.1, 1.1)
    both = StructureStream("EURUSD", m5_from_m1=False)
    both.update_m1(t0 + 10 * M1, 1.1, 1.1, 1.1, 1.1)
    with pytest.raises(ValueError, match="before the M1 bars"):
        both.update_m5(t0, 1.1, 1.1, 1.1, 1.1)
    with pytest.raises(ValueError, match="finite"):
        stream.update_m1(t0 + 5 * M1, 1.1, float("nan"), 1.1, 1.1)
    with pytest.raises(ValueError, match="spread"):
        stream.update_m1(t0 + 5 * M1, 1.1, 1.1, 1.1, 1.1, -3)
    with pytest.raises(ValueError, match="version"):
        StructureStream.from_state({**stream.state(), "version": 99})


def test_m5_feed_and_m1_only_feed_agree_when_the_m5_bars_are_the_m1_aggregate():
    m1 = random_m1(11, 4000, gaps=0.02)
    m5 = m5_of(m1)
    a = run_stream(m1)
    b = run_stream(m1, m5)
    for x, y in zip(a[:3], b[:3], strict=True):
        assert_same(x, y)


def test_an_m5_bar_closes_with_its_last_minute_or_when_a_later_bar_arrives():
    stream = StructureStream(EURUSD, StructureParams(left=1, right=1))
    m1 = random_m1(2, 10)
    t = m1.index[0].value
    t -= t % M5
    # 12:00 .. 12:04 close the first M5 bar with the 12:04 bar; 12:05 and 12:07 leave the
    # second M5 bar open until the 12:10 bar arrives
    for minute in (0, 1, 2, 3, 4, 5, 7):
        stream.update_m1(t + minute * M1, 1.1, 1.1001, 1.0999, 1.1)
        assert stream.m5_count == (1 if minute >= 4 else 0)
    stream.update_m1(t + 10 * M1, 1.1, 1.1001, 1.0999, 1.1)
    assert stream.m5_count == 2


def test_session_score_is_constant_within_each_utc_hour():
    # the stream looks the session component up once per UTC hour; that is exact only if
    # every session edge falls on a whole UTC hour, in every DST combination
    from mikrobot.core.sessions import session_score

    rng = np.random.default_rng(0)
    ts = rng.integers(1_704_067_200, 1_798_761_600, 20_000) * 10**9  # 2024-2026
    hour_start = ts - ts % (3600 * 10**9)
    assert (session_score(ts) == session_score(hour_start)).all()

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.clock import to_ns
from mikrobot.core.sessions import DEFAULT_SESSIONS, SessionWindow, in_session
from mikrobot.strategy.sessiontime import in_window, open_sessions, utc_offset_at

# 2019-01-01 .. 2031-01-01: covers every DST rule change the reference lists
START, END = to_ns("2019-01-01T00:00:00Z"), to_ns("2031-01-01T00:00:00Z")
windows = st.one_of(
    st.sampled_from(DEFAULT_SESSIONS),
    st.builds(
        SessionWindow,
        st.just("custom"),
        st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo"]),
        st.integers(0, 1440),
        st.integers(0, 1440),
    ),
)


@given(ts=st.lists(st.integers(START, END), min_size=1, max_size=20), window=windows)
def test_scalar_session_check_agrees_with_the_vectorised_core(ts, window):
    expected = in_session(np.array(ts, dtype=np.int64), window)
    assert [in_window(t, window) for t in ts] == expected.tolist()


def test_open_sessions_and_offsets_around_the_us_dst_switch():
    # 2025-03-09 07:00 UTC: New York moves from UTC-5 to UTC-4
    assert utc_offset_at(to_ns("2025-03-09T06:59:59Z"), "America/New_York") == -5 * 3600 * 10**9
    assert utc_offset_at(to_ns("2025-03-09T07:00:00Z"), "America/New_York") == -4 * 3600 * 10**9
    # 12:30 UTC is 07:30 EST before the switch (New York closed), 08:30 EDT after it
    assert open_sessions(to_ns("2025-03-05T12:30:00Z")) == ("london",)
    assert open_sessions(to_ns("2025-03-12T12:30:00Z")) == ("london", "new_york")

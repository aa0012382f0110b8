from datetime import UTC, datetime, timedelta, timezone

import pytest

from mikrobot.core import Clock, LiveClock, SimulatedClock, to_datetime, to_ns


def test_simulated_clock_moves_only_forward():
    clock = SimulatedClock("2025-01-15T10:00:00Z")
    assert clock.now() == datetime(2025, 1, 15, 10, tzinfo=UTC)
    clock.advance(60)
    assert clock.now() == datetime(2025, 1, 15, 10, 1, tzinfo=UTC)
    clock.set(datetime(2025, 1, 15, 12, 30, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set("2025-01-15T09:00:00+00:00")
    with pytest.raises(ValueError, match="negative"):
        clock.advance(-1)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="no zone"):
        to_ns(datetime(2025, 1, 1))


def test_both_clocks_satisfy_the_protocol():
    assert isinstance(SimulatedClock(), Clock)
    live = LiveClock()
    assert isinstance(live, Clock)
    assert abs(live.now().timestamp() - datetime.now(UTC).timestamp()) < 5
    assert to_ns(to_datetime(1_700_000_000_123_456_000)) == 1_700_000_000_123_456_000

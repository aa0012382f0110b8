"""The cached hourly offset table gives exactly what zoneinfo says, instant by instant."""

from datetime import UTC, datetime

import numpy as np
import pytest

from mikrobot.core.sessions import utc_offset_ns


def direct(ts: int, zone: str) -> int:
    from zoneinfo import ZoneInfo

    offset = datetime.fromtimestamp(ts / 1e9, tz=UTC).astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds()) * 10**9


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Tokyo",
        "Europe/Prague",
        "Asia/Kolkata",
    ],
)  # fmt: skip (zones that switch on whole UTC hours: Lord Howe, switching at :30, is not one)
def test_offsets_match_zoneinfo_across_years(zone):
    rng = np.random.default_rng(7)
    start = int(datetime(2018, 12, 25, tzinfo=UTC).timestamp()) * 10**9
    stop = int(datetime(2027, 1, 5, tzinfo=UTC).timestamp()) * 10**9
    ts = np.sort(rng.integers(start, stop, 3000)) // 60_000_000_000 * 60_000_000_000
    got = utc_offset_ns(ts, zone)
    assert got.tolist() == [direct(int(t), zone) for t in ts]


def test_offsets_around_each_2025_switch_minute_by_minute():
    # every minute of the days on which London, New York and Sydney switch in 2025
    days = ["2025-03-09", "2025-03-30", "2025-04-05", "2025-10-04", "2025-10-26", "2025-11-02"]
    for day in days:
        first = int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) * 10**9
        ts = first + np.arange(0, 2 * 1440) * 60_000_000_000
        for zone in ("Europe/London", "America/New_York", "Australia/Sydney"):
            assert utc_offset_ns(ts, zone).tolist() == [direct(int(t), zone) for t in ts]


def test_unknown_zone_is_refused_even_for_no_instants():
    with pytest.raises(Exception, match="Nowhere"):
        utc_offset_ns(np.array([0]), "Mars/Nowhere")

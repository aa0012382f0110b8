"""The prop-firm trading day: it starts at midnight Europe/Prague (CET/CEST), never at broker
server midnight. Times are UTC epoch nanoseconds.

For arrays, ``mikrobot.core.sessions.local_ns(ts, PRAGUE) // NS_PER_DAY`` gives the same day
numbers vectorised.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRAGUE = "Europe/Prague"
NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
_ZONE = ZoneInfo(PRAGUE)


def prague_date(ts_ns: int) -> date:
    """The Prague calendar date of ``ts_ns``."""
    return datetime.fromtimestamp(ts_ns // NS_PER_SECOND, tz=UTC).astimezone(_ZONE).date()


def prague_midnight_ns(day: date) -> int:
    """UTC epoch ns of 00:00 Prague time on ``day``."""
    local = datetime.combine(day, time(0), tzinfo=_ZONE)
    return int(local.timestamp()) * NS_PER_SECOND


def next_prague_midnight_ns(ts_ns: int) -> int:
    """UTC epoch ns of the first Prague midnight strictly after ``ts_ns``."""
    return prague_midnight_ns(prague_date(ts_ns) + timedelta(days=1))

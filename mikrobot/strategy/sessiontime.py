"""Which sessions are open at one instant: the scalar twin of :mod:`mikrobot.core.sessions`.

The core functions are vectorised over arrays; evaluating one signal at a time needs the same
answer for one instant in well under a microsecond per window. Zone offsets are looked up once
per (zone, UTC hour) and cached, which is exact for the same reason as in the core: every zone
used changes its offset on a whole UTC hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from mikrobot.core.sessions import DEFAULT_SESSIONS, SessionWindow

__all__ = ["in_window", "open_sessions", "utc_offset_at"]

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_MIN = 60_000_000_000
_NS_PER_DAY = 1440 * _NS_PER_MIN
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=65_536)
def _offset_for_hour(zone: str, hour: int) -> int:
    delta = datetime.fromtimestamp(hour * 3600, tz=UTC).astimezone(_zone(zone)).utcoffset()
    return int(delta.total_seconds()) * 1_000_000_000 if delta is not None else 0


def utc_offset_at(ts_ns: int, zone: str) -> int:
    """UTC offset of ``zone`` in nanoseconds at the UTC instant ``ts_ns`` (epoch ns)."""
    return _offset_for_hour(zone, ts_ns // _NS_PER_HOUR)


def in_window(ts_ns: int, window: SessionWindow) -> bool:
    """True when ``ts_ns`` falls inside ``window`` on a weekday of its centre.

    Same rule as :func:`mikrobot.core.sessions.in_session`: local minute in
    ``[start, end)`` (wrapping past midnight when ``start > end``) and local Monday-Friday.
    """
    local = ts_ns + _offset_for_hour(window.zone, ts_ns // _NS_PER_HOUR)
    if ((local // _NS_PER_DAY) + _EPOCH_WEEKDAY) % 7 >= 5:
        return False
    minute = (local // _NS_PER_MIN) % 1440
    if window.start_minute <= window.end_minute:
        return window.start_minute <= minute < window.end_minute
    return minute >= window.start_minute or minute < window.end_minute


def open_sessions(
    ts_ns: int, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
) -> tuple[str, ...]:
    """Names of the sessions open at ``ts_ns``, in the order of ``sessions``."""
    return tuple(w.name for w in sessions if in_window(ts_ns, w))

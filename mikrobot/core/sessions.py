"""Trading sessions and weekly market hours, computed with each centre's own DST rule.

Sessions are a convention (``reference/trading-sessions.md``): 08:00-17:00 local time of
Sydney, Tokyo, London and New York, each converted with ``zoneinfo``. The FX week runs from
Sunday 17:00 to Friday 17:00 New York time. All functions take UTC epoch nanoseconds (what a
pandas ``DatetimeIndex`` holds) and are vectorised: zone offsets come from a cached table of
hourly offsets per year, which is exact because every zone used here changes its offset on a
whole UTC hour, at most once a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from mikrobot.core.symbol import AssetClass

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_MIN = 60_000_000_000
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """One trading centre's session in its local time; ``end`` may be past midnight."""

    name: str
    zone: str
    start_minute: int = 8 * 60
    end_minute: int = 17 * 60

    def __post_init__(self) -> None:
        ZoneInfo(self.zone)  # raises ZoneInfoNotFoundError on a bad name
        for label, value in (("start_minute", self.start_minute), ("end_minute", self.end_minute)):
            if not 0 <= value <= 24 * 60:
                raise ValueError(
                    f"session {self.name}: {label} must be within 0..1440, got {value}"
                )


DEFAULT_SESSIONS: tuple[SessionWindow, ...] = (
    SessionWindow("sydney", "Australia/Sydney"),
    SessionWindow("tokyo", "Asia/Tokyo"),
    SessionWindow("london", "Europe/London"),
    SessionWindow("new_york", "America/New_York"),
)

#: SPEC §4 session component: overlap London/New York 1, London or New York 0.8, Asia 0.5, else 0.2
SESSION_SCORE_OVERLAP = 1.0
SESSION_SCORE_MAJOR = 0.8
SESSION_SCORE_ASIA = 0.5
SESSION_SCORE_OFF = 0.2


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset_ns(tz: ZoneInfo, moment: datetime) -> int:
    delta = moment.astimezone(tz).utcoffset()
    return int(delta.total_seconds()) * 1_000_000_000 if delta is not None else 0


@lru_cache(maxsize=512)
def _year_offsets(zone: str, year: int) -> np.ndarray:
    """UTC offset (ns) of ``zone`` for every UTC hour of the UTC calendar ``year``.

    Looked up once per day, and hour by hour only on the days whose offset changes (a zone
    changes its offset at most once a day, on a whole UTC hour). Read-only; cached.
    """
    tz = _zone(zone)
    first = datetime(year, 1, 1, tzinfo=UTC)
    days = (datetime(year + 1, 1, 1, tzinfo=UTC) - first).days
    at_midnight = [_offset_ns(tz, first + timedelta(days=d)) for d in range(days + 1)]
    out = np.empty(days * 24, dtype=np.int64)
    for d in range(days):
        if at_midnight[d] == at_midnight[d + 1]:
            out[d * 24 : (d + 1) * 24] = at_midnight[d]
        else:
            for h in range(24):
                out[d * 24 + h] = _offset_ns(tz, first + timedelta(days=d, hours=h))
    out.flags.writeable = False
    return out


def utc_offset_ns(ts_ns: np.ndarray, zone: str) -> np.ndarray:
    """UTC offset of ``zone`` (in ns) at each UTC instant in ``ts_ns``.

    Uses a cached table of hourly offsets per calendar year, so the cost is one array lookup
    per instant once a zone-year has been seen.
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    if ts.size == 0:
        return np.zeros(0, dtype=np.int64)
    _zone(zone)  # raises for an unknown zone, whatever the input
    hours = ts // _NS_PER_HOUR
    first_year = datetime.fromtimestamp(int(hours.min()) * 3600, tz=UTC).year
    last_year = datetime.fromtimestamp(int(hours.max()) * 3600, tz=UTC).year
    tables = [_year_offsets(zone, y) for y in range(first_year, last_year + 1)]
    table = tables[0] if len(tables) == 1 else np.concatenate(tables)
    base = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()) // 3600
    return table[hours - base]


def local_ns(ts_ns: np.ndarray, zone: str) -> np.ndarray:
    """Wall-clock time of ``zone`` as naive epoch nanoseconds."""
    ts = np.asarray(ts_ns, dtype=np.int64)
    return ts + utc_offset_ns(ts, zone)


def minute_of_day(local: np.ndarray) -> np.ndarray:
    """Minutes since local midnight, for naive epoch nanoseconds."""
    return (np.asarray(local, dtype=np.int64) // _NS_PER_MIN) % 1440


def weekday(local: np.ndarray) -> np.ndarray:
    """Day of week (Monday = 0) for naive epoch nanoseconds."""
    days = np.asarray(local, dtype=np.int64) // (1440 * _NS_PER_MIN)
    return (days + _EPOCH_WEEKDAY) % 7


def in_session(ts_ns: np.ndarray, window: SessionWindow) -> np.ndarray:
    """Boolean mask: instant falls inside ``window`` on a weekday of its centre."""
    local = local_ns(ts_ns, window.zone)
    minute = minute_of_day(local)
    if window.start_minute <= window.end_minute:
        inside = (minute >= window.start_minute) & (minute < window.end_minute)
    else:
        inside = (minute >= window.start_minute) | (minute < window.end_minute)
    return inside & (weekday(local) < 5)


def session_masks(
    ts_ns: np.ndarray, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
) -> dict[str, np.ndarray]:
    """One boolean mask per session name."""
    return {w.name: in_session(ts_ns, w) for w in sessions}


def session_score(
    ts_ns: np.ndarray, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
) -> np.ndarray:
    """SPEC §4 session component per instant (float64 in {1, 0.8, 0.5, 0.2})."""
    masks = session_masks(ts_ns, sessions)
    london = masks.get("london", np.zeros(len(ts_ns), dtype=bool))
    new_york = masks.get("new_york", np.zeros(len(ts_ns), dtype=bool))
    asia = masks.get("tokyo", np.zeros(len(ts_ns), dtype=bool)) | masks.get(
        "sydney", np.zeros(len(ts_ns), dtype=bool)
    )
    score = np.full(len(ts_ns), SESSION_SCORE_OFF)
    score[asia] = SESSION_SCORE_ASIA
    score[london | new_york] = SESSION_SCORE_MAJOR
    score[london & new_york] = SESSION_SCORE_OVERLAP
    return score


def session_label(
    ts_ns: np.ndarray, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
) -> np.ndarray:
    """A label per instant: ``"overlap"``, ``"london"``, ``"new_york"``, ``"asia"`` or ``"off"``."""
    masks = session_masks(ts_ns, sessions)
    n = len(ts_ns)
    false = np.zeros(n, dtype=bool)
    london, new_york = masks.get("london", false), masks.get("new_york", false)
    asia = masks.get("tokyo", false) | masks.get("sydney", false)
    label = np.full(n, "off", dtype=object)
    label[asia] = "asia"
    label[new_york] = "new_york"
    label[london] = "london"
    label[london & new_york] = "overlap"
    return label


# ---------------------------------------------------------------------------- weekly hours
_NY = "America/New_York"
_ROLL_MINUTE = 17 * 60  # the 17:00 New York rollover


def market_closed(ts_ns: np.ndarray, asset_class: AssetClass | str) -> np.ndarray:
    """True where the market of ``asset_class`` is closed (weekend, or a daily break).

    * FX: Friday 17:00 to Sunday 17:00 New York time;
    * metals, energy and indices: the same weekend plus the daily 17:00-18:00 New York break;
    * crypto: never closed.
    """
    cls = AssetClass(asset_class)
    ts = np.asarray(ts_ns, dtype=np.int64)
    if cls is AssetClass.CRYPTO:
        return np.zeros(ts.size, dtype=bool)
    local = local_ns(ts, _NY)
    minute = minute_of_day(local)
    day = weekday(local)
    closed = (
        (day == 5)
        | ((day == 4) & (minute >= _ROLL_MINUTE))
        | ((day == 6) & (minute < _ROLL_MINUTE))
    )
    if cls is not AssetClass.FX:
        closed |= (minute >= _ROLL_MINUTE) & (minute < _ROLL_MINUTE + 60)
    return closed

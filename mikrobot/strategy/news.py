"""The economic news calendar: CSV import and blackout look-up.

CSV columns (a header row is required, names are case-insensitive, extra columns ignored):

=========== ================================================= ==============================
column      also accepted as                                   content
=========== ================================================= ==============================
``time``    ``datetime``, ``timestamp``                        ISO 8601 (``2025-03-07 13:30``,
                                                               ``2025-03-07T13:30:00Z``, with
                                                               an offset), or only the time of
                                                               day when a ``date`` column exists
``date``    (optional)                                         ``YYYY-MM-DD`` or ``MM-DD-YYYY``
``currency`` ``country``, ``ccy``                               ``USD``, ``EUR``…; ``ALL``
                                                               affects every symbol
``impact``  ``importance``, ``volatility``                     high/medium/low, red/orange/
                                                               yellow, h/m/l, 3/2/1; holiday,
                                                               none, gray, non-economic, 0
``title``   ``event``, ``name`` (optional)                     free text
=========== ================================================= ==============================

Times without an offset are read in ``tz`` (default UTC; any IANA zone). Times of day may be
``13:30``, ``13:30:00`` or ``1:30pm``. A row with no time (``All Day``, ``Tentative``, empty)
is skipped when its impact is none/holiday and refused otherwise.

Look-ups use per-currency sorted arrays: :meth:`NewsCalendar.blackout` (one instant, bisect)
and :meth:`NewsCalendar.blackout_mask` (many instants, ``numpy.searchsorted``).
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import IntEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from mikrobot.core.errors import DataError
from mikrobot.risk.restrictions import BlackoutWindow, blackout_around

__all__ = ["ALL_CURRENCIES", "Impact", "NewsCalendar", "NewsEvent", "minutes_ns", "read_news_csv"]

#: the currency code of an event that affects every symbol
ALL_CURRENCIES = "ALL"
_NS_PER_MIN = 60_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Impact(IntEnum):
    """Expected market impact of a release; FTMO restricts HIGH ("red") events."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, value: Impact | str | int) -> Impact:
        """Read ``high``/``medium``/``low``/``none``, colours, ``h``/``m``/``l`` or ``0``-``3``."""
        if isinstance(value, Impact):
            return value
        text = str(value).strip().lower()
        try:
            return _IMPACT_WORDS[text]
        except KeyError:
            raise ValueError(
                f"unknown impact {value!r}: use high/medium/low/none, red/orange/yellow/gray "
                "or 3/2/1/0"
            ) from None


_IMPACT_WORDS: dict[str, Impact] = {
    **dict.fromkeys(("high", "h", "red", "3", "high impact expected"), Impact.HIGH),
    **dict.fromkeys(("medium", "med", "m", "orange", "2", "medium impact expected"), Impact.MEDIUM),
    **dict.fromkeys(("low", "l", "yellow", "1", "low impact expected"), Impact.LOW),
    **dict.fromkeys(
        ("none", "holiday", "gray", "grey", "non-economic", "0", ""),
        Impact.NONE,
    ),
}


@dataclass(frozen=True, slots=True, order=True)
class NewsEvent:
    """One release: UTC epoch-ns ``ts``, ``currency`` code, ``impact`` and ``title``."""

    ts: int
    currency: str
    impact: Impact
    title: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able dict."""
        return {
            "ts": self.ts,
            "currency": self.currency,
            "impact": self.impact.name.lower(),
            "title": self.title,
        }


_Series = tuple[list[int], list[int], np.ndarray]  # times, rows into events, times as array


@dataclass(frozen=True, slots=True)
class NewsCalendar:
    """Events sorted by time, indexed by minimum impact and currency for fast look-ups.

    Build it with :meth:`from_events` or :meth:`from_csv`.
    """

    events: tuple[NewsEvent, ...]
    _index: dict[int, dict[str, _Series]] = field(repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_events(cls, events: Iterable[NewsEvent]) -> NewsCalendar:
        """A calendar of ``events`` (any order; they are sorted by time, currency, impact, title)."""
        ordered = tuple(sorted(events))
        times: dict[int, dict[str, list[int]]] = {}
        rows: dict[int, dict[str, list[int]]] = {}
        for row, event in enumerate(ordered):
            for level in range(int(Impact.LOW), int(event.impact) + 1):
                times.setdefault(level, {}).setdefault(event.currency, []).append(event.ts)
                rows.setdefault(level, {}).setdefault(event.currency, []).append(row)
        index = {
            level: {
                cur: (values, rows[level][cur], np.asarray(values, dtype=np.int64))
                for cur, values in by_currency.items()
            }
            for level, by_currency in times.items()
        }
        return cls(ordered, index)

    @classmethod
    def from_csv(cls, path: str | Path, *, tz: str = "UTC") -> NewsCalendar:
        """Read a calendar CSV (see the module docstring for the columns).

        Raises :class:`DataError` naming the file, the line and the field of a bad row.
        """
        return cls.from_events(read_news_csv(path, tz=tz))

    # ------------------------------------------------------------------ look-ups
    def __len__(self) -> int:
        return len(self.events)

    def blackout(
        self,
        currencies: Sequence[str],
        ts: int,
        *,
        before_ns: int,
        after_ns: int,
        min_impact: Impact = Impact.HIGH,
    ) -> NewsEvent | None:
        """The event nearest to ``ts`` that blacks it out, else None.

        An event at ``e`` on one of ``currencies`` (or on ``ALL``) with at least
        ``min_impact`` blacks out every instant in ``[e - before_ns, e + after_ns]`` (both
        ends included). Ties in distance go to the event listed first in :attr:`events`.
        """
        return self.nearest_in_window(currencies, ts, ts - after_ns, ts + before_ns, min_impact)

    def nearest_in_window(
        self, currencies: Sequence[str], ts: int, lo: int, hi: int, min_impact: Impact
    ) -> NewsEvent | None:
        """The event of ``currencies`` (or ``ALL``) with at least ``min_impact`` whose time
        lies in ``[lo, hi]`` and is nearest to ``ts`` (ties: the one listed first), else None.

        The positional core of :meth:`blackout` (``lo = ts - after_ns``, ``hi = ts + before_ns``);
        ``ValueError`` unless ``lo <= ts <= hi``.
        """
        if not lo <= ts <= hi:
            raise ValueError(f"ts {ts} must lie within [lo, hi] = [{lo}, {hi}]")
        by_currency = self._index.get(int(min_impact) or 1)
        if by_currency is None:
            return None
        best_row = -1
        best_dist = 0
        for currency in (*currencies, ALL_CURRENCIES):
            series = by_currency.get(currency)
            if series is None:
                continue
            times = series[0]
            k = bisect_left(times, lo)
            if k == len(times) or times[k] > hi:
                continue  # the usual case: nothing in the window
            # nearest in the window: the last event at or before ts, or the first after it
            j = bisect_left(times, ts, k)
            for i in (j - 1, j):
                if k <= i < len(times) and times[i] <= hi:
                    first = bisect_left(times, times[i], k)  # earliest row at that time
                    dist = abs(ts - times[i])
                    row = series[1][first]
                    if best_row < 0 or dist < best_dist or (dist == best_dist and row < best_row):
                        best_row, best_dist = row, dist
        return self.events[best_row] if best_row >= 0 else None

    def blackout_windows(
        self, *, before_s: float = 120.0, after_s: float = 120.0, min_impact: Impact = Impact.HIGH
    ) -> tuple[BlackoutWindow, ...]:
        """The risk engine's windows around every event with at least ``min_impact``
        (for :meth:`mikrobot.risk.PropFirmAccount.set_blackouts`); an ``ALL`` event targets
        every symbol."""
        return tuple(
            blackout_around(
                e.ts,
                before_s=before_s,
                after_s=after_s,
                currencies=() if e.currency == ALL_CURRENCIES else (e.currency,),
                label=f"{e.currency} {e.title}".strip(),
            )
            for e in self.events
            if e.impact >= max(min_impact, Impact.LOW)
        )

    def blackout_mask(
        self,
        currencies: Sequence[str],
        ts: np.ndarray,
        *,
        before_ns: int,
        after_ns: int,
        min_impact: Impact = Impact.HIGH,
    ) -> np.ndarray:
        """Boolean mask over the instants ``ts`` (UTC epoch ns): True inside a blackout.

        Same rule as :meth:`blackout`, for many instants at once (for backtests).
        """
        stamps = np.asarray(ts, dtype=np.int64)
        mask = np.zeros(stamps.shape, dtype=bool)
        by_currency = self._index.get(int(min_impact) or 1, {})
        for currency in (*currencies, ALL_CURRENCIES):
            series = by_currency.get(currency)
            if series is None:
                continue
            times = series[2]
            # first event at or after ts - after_ns; inside when it is <= ts + before_ns
            k = np.searchsorted(times, stamps - after_ns, side="left")
            nxt = times[np.minimum(k, times.size - 1)]
            mask |= (k < times.size) & (nxt <= stamps + before_ns)
        return mask


# ---------------------------------------------------------------------------- CSV reading
_COLUMNS: dict[str, tuple[str, ...]] = {
    "time": ("time", "datetime", "timestamp", "date_time"),
    "date": ("date", "day"),
    "currency": ("currency", "country", "ccy"),
    "impact": ("impact", "importance", "volatility"),
    "title": ("title", "event", "name"),
}
_CURRENCY = re.compile(r"^[A-Z0-9]{2,6}$")
_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]m)?$", re.IGNORECASE)
_UNTIMED = ("", "all day", "tentative", "day 1", "day 2", "day 3", "tba", "n/a")


def _zone(tz: str) -> ZoneInfo | None:
    if tz.strip().upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"unknown time zone {tz!r}: use 'UTC' or an IANA name such as 'America/New_York'",
            field="tz",
        ) from None


def _to_ns(moment: datetime, zone: ZoneInfo | None) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _parse_date(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%m-%d-%Y", "%Y/%m/%d", "%m/%d/%Y", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _FieldError("date", f"{text!r} is not a date: write YYYY-MM-DD (or MM-DD-YYYY)")


def _parse_time_of_day(text: str) -> time:
    match = _TIME_OF_DAY.match(text.strip())
    if not match:
        raise _FieldError("time", f"{text!r} is not a time of day: write HH:MM or H:MMam/pm")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    ampm = (match.group(4) or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise _FieldError("time", f"{text!r}: the hour must be 1..12 with am/pm")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _FieldError("time", f"{text!r} is out of range")
    return time(hour, minute, second)


def _parse_moment(time_text: str, date_text: str | None) -> datetime:
    text = time_text.strip()
    if date_text is not None and date_text.strip() and _TIME_OF_DAY.match(text):
        return datetime.combine(_parse_date(date_text), _parse_time_of_day(text))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _FieldError(
            "time",
            f"{text!r} is not a time: write ISO 8601 such as '2025-03-07 13:30' "
            "(or give a separate date column)",
        ) from None
    if ":" not in text:
        raise _FieldError("time", f"{text!r} has no time of day: write e.g. '{text} 13:30'")
    return moment


def _find_columns(header: Sequence[str], path: str) -> dict[str, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    found: dict[str, int] = {}
    for key, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    for required in ("time", "currency", "impact"):
        if required not in found:
            raise DataError(
                f"no {required!r} column (accepted names: {', '.join(_COLUMNS[required])}); "
                f"the header has {', '.join(names) or 'nothing'}",
                path=path,
                line=1,
                field=required,
            )
    return found


def read_news_csv(path: str | Path, *, tz: str = "UTC") -> list[NewsEvent]:
    """The events of a calendar CSV, in file order (see the module docstring for the format).

    Raises :class:`DataError` naming the file, the line and the field of the first bad row.
    """
    file = Path(path)
    zone = _zone(tz)
    name = str(file)
    try:
        handle = file.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"cannot read the calendar: {exc.strerror}", path=name) from None
    events: list[NewsEvent] = []
    with handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None:
            raise DataError("the file is empty: it needs a header row", path=name, line=1)
        cols = _find_columns(header, name)
        width = max(cols.values()) + 1
        for line, row in enumerate(rows, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) < width:
                raise DataError(
                    f"has {len(row)} fields, the header has {len(header)}",
                    path=name,
                    line=line,
                )

            def cell(key: str, row: list[str] = row) -> str:
                return row[cols[key]].strip() if key in cols else ""

            try:
                impact = Impact.parse(cell("impact"))
            except ValueError as exc:
                raise DataError(str(exc), path=name, line=line, field="impact") from None
            time_text = cell("time")
            if time_text.lower() in _UNTIMED:
                if impact is Impact.NONE:
                    continue
                raise DataError(
                    f"{impact.name.lower()}-impact event has no time ({time_text!r}): give its "
                    "time or delete the row",
                    path=name,
                    line=line,
                    field="time",
                )
            try:
                moment = _parse_moment(time_text, cell("date") if "date" in cols else None)
            except _FieldError as exc:
                raise DataError(str(exc), path=name, line=line, field=exc.field) from None
            currency = cell("currency").upper()
            if not _CURRENCY.match(currency):
                raise DataError(
                    f"{currency!r} is not a currency code: write e.g. USD, EUR or ALL",
                    path=name,
                    line=line,
                    field="currency",
                )
            events.append(NewsEvent(_to_ns(moment, zone), currency, impact, cell("title")))
    return events


def minutes_ns(minutes: float) -> int:
    """``minutes`` as integer nanoseconds (rounded to the nearest ns)."""
    return round(minutes * _NS_PER_MIN)

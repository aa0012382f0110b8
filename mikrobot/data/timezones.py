"""Source time zones of bar files and their conversion to UTC.

Accepted names:

* ``"UTC"`` and any IANA zone (``"Europe/Athens"``, ``"America/New_York"``);
* fixed offsets: ``"+02:00"``, ``"UTC+2"``, ``"GMT-5"``, or IANA's ``"Etc/GMT-2"`` (sign inverted:
  that one is UTC+2), none of which model daylight saving;
* ``"NY+7"``: a MetaTrader server that runs New York time plus 7 hours (UTC+2 in winter, UTC+3
  while the US is on daylight time), as FTMO's and most brokers' servers do;
* ``"EST"`` is read as histdata.com's fixed UTC-5 (no DST), not as a DST zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError

_FIXED = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_SHIFTED = re.compile(r"^(NY|[A-Za-z_]+/[A-Za-z_/]+)\s*([+-])(\d{1,2})$")
_SHIFT_BASES = {"NY": "America/New_York"}


@dataclass(frozen=True, slots=True)
class SourceZone:
    """A parsed source zone: an IANA zone (or None for a fixed offset) plus a fixed shift."""

    name: str
    zone: str | None
    shift_minutes: int

    @property
    def is_fixed(self) -> bool:
        """True when the zone has no daylight saving (UTC or a fixed offset)."""
        return self.zone is None


def resolve_zone(name: str) -> SourceZone:
    """Parse a source zone name; raise :class:`DataError` (field ``tz``) naming the accepted forms."""
    text = str(name).strip()
    upper = text.upper()
    if upper in ("UTC", "GMT", "Z", "ETC/UTC", "ETC/GMT"):
        return SourceZone(text, None, 0)
    if upper == "EST":
        return SourceZone(text, None, -300)
    fixed = _FIXED.match(text)
    if fixed:
        sign = 1 if fixed.group(1) == "+" else -1
        hours, minutes = int(fixed.group(2)), int(fixed.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise DataError(f"offset {text!r} is out of range", field="tz")
        return SourceZone(text, None, sign * (hours * 60 + minutes))
    etc = re.match(r"^Etc/GMT([+-])(\d{1,2})$", text, re.IGNORECASE)
    if etc:
        sign = -1 if etc.group(1) == "+" else 1  # IANA Etc zones invert the sign
        return SourceZone(text, None, sign * int(etc.group(2)) * 60)
    shifted = _SHIFTED.match(text)
    if shifted:
        base = _SHIFT_BASES.get(shifted.group(1).upper(), shifted.group(1))
        _check_iana(base, text)
        sign = 1 if shifted.group(2) == "+" else -1
        return SourceZone(text, base, sign * int(shifted.group(3)) * 60)
    _check_iana(text, text)
    return SourceZone(text, text, 0)


def _check_iana(zone: str, original: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"unknown time zone {original!r}: use an IANA name such as 'Europe/Athens', "
            "a fixed offset such as '+02:00' or 'Etc/GMT-2', or 'NY+7' for a New-York-aligned "
            "MetaTrader server",
            field="tz",
        ) from None


def localize_to_utc(
    naive: pd.DatetimeIndex,
    tz: str,
    *,
    path: str | None = None,
    first_line: int = 1,
    line_of: Callable[[int], int] | None = None,
) -> pd.DatetimeIndex:
    """Convert naive wall-clock times of zone ``tz`` to a UTC ``DatetimeIndex``.

    Times that do not exist in the zone (skipped by a spring DST change) raise :class:`DataError`
    naming the line: ``line_of(i)`` when given (the file line of ``naive[i]``, for files with
    blank lines), else ``first_line + i``. Repeated autumn hours are resolved by order, which
    needs the times sorted.
    """
    zone = resolve_zone(tz)
    values = naive.as_unit("ns") if naive.tz is None else naive.tz_localize(None).as_unit("ns")
    shifted = values - pd.Timedelta(minutes=zone.shift_minutes)
    if zone.is_fixed:
        return shifted.tz_localize("UTC")
    try:
        local = shifted.tz_localize(zone.zone, ambiguous="infer", nonexistent="raise")
    except Exception:  # pandas raises several pytz-style classes here
        probe = shifted.tz_localize(zone.zone, ambiguous="NaT", nonexistent="NaT")
        bad = np.flatnonzero(np.asarray(probe.isna()))
        pos = int(bad[0]) if bad.size else 0
        raise DataError(
            f"time {naive[pos]} does not exist or is ambiguous in zone {tz!r} "
            "(a daylight-saving change); check the file's zone or use a fixed offset",
            path=path,
            line=line_of(pos) if line_of is not None else first_line + pos,
            field="time",
        ) from None
    return local.tz_convert("UTC")


def utc_to_wall(utc: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    """The naive wall-clock times of zone ``tz`` for UTC times: the inverse of :func:`localize_to_utc`.

    Naive input is taken as UTC. Writers use it to produce files in a source zone.
    """
    zone = resolve_zone(tz)
    aware = utc.tz_localize("UTC") if utc.tz is None else utc.tz_convert("UTC")
    local = aware if zone.is_fixed else aware.tz_convert(zone.zone)
    return local.tz_localize(None).as_unit("ns") + pd.Timedelta(minutes=zone.shift_minutes)

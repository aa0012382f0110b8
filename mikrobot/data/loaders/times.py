"""Parse a column of bar times with one explicit format (C speed), and word the failures.

A format is picked once, from the first value, among a format's candidates; then the whole
column is parsed with it. Besides ``strptime`` patterns a candidate may be ``"epoch"`` (integer
Unix time; the unit, s/ms/us/ns, follows from the size of the first value) or ``"ISO8601"``.
Patterns with ``%z`` (or ISO values with an offset) give absolute times, whatever ``tz=`` says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError
from mikrobot.data.loaders.fastdates import parse_fixed_width

EPOCH = "epoch"
ISO = "ISO8601"
#: Whole numbers at least this large read as Unix time (1973 on); smaller ones as dates (20240304).
EPOCH_MIN = 10**8

#: What the generic reader tries, in order, when no ``time_format`` is given.
GENERIC_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d %H%M%S",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d %H:%M",
    "%Y%m%d",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    EPOCH,
    ISO,
)

_SWAPPED = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y"}
_EPOCH_UNITS = ((10**11, "s"), (10**14, "ms"), (10**17, "us"))

#: ``fail(row, message)`` returns the :class:`DataError` for data row ``row`` (0-based).
Fail = Callable[[int, str], DataError]


@dataclass(frozen=True, slots=True)
class ParsedTimes:
    """Times of a column: naive wall clock of the source zone, or absolute when the text says so."""

    wall: pd.DatetimeIndex | None
    utc: pd.DatetimeIndex | None
    zone_label: str | None
    format: str


def _example(fmt: str) -> str:
    if fmt == EPOCH:
        return "1709510700"
    if fmt == ISO:
        return "2024-03-04T00:05:00"
    return pd.Timestamp("2024-03-04 00:05:00").strftime(
        fmt.replace("%z", "+0200").replace("%f", "000")
    )


def _parses(value: str, fmt: str) -> bool:
    if fmt == EPOCH:
        text = value.strip()
        return text.lstrip("-").isdigit() and abs(int(text)) >= EPOCH_MIN
    try:
        pd.to_datetime(pd.Series([value]), format=fmt, utc="%z" in fmt)
    except (ValueError, OverflowError):
        return False
    return True


def _first_bad(raw: pd.Series, parsed: pd.Series | pd.DatetimeIndex) -> int:
    bad = np.flatnonzero(np.asarray(pd.isna(parsed)) & ~np.asarray(raw.isna()))
    if bad.size:
        return int(bad[0])
    return int(np.flatnonzero(np.asarray(pd.isna(parsed)))[0])


def _parse_epoch(raw: pd.Series, fail: Fail) -> pd.DatetimeIndex:
    numbers = pd.to_numeric(raw, errors="coerce")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)))
    if bad.size:
        row = int(bad[0])
        raise fail(row, f"cannot read the time {raw.iloc[row]!r} as whole Unix seconds")
    return _epoch_index(numbers.to_numpy(dtype=np.int64), fail)


def _epoch_index(ints: np.ndarray, fail: Fail) -> pd.DatetimeIndex:
    """Epoch integers as naive times; the unit (s, ms, us, ns) follows from the first value."""
    first = abs(int(ints[0]))
    unit = next((u for limit, u in _EPOCH_UNITS if first < limit), "ns")
    per_ns = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
    bad = np.flatnonzero(np.abs(ints) > np.iinfo(np.int64).max // per_ns)
    if bad.size:
        row = int(bad[0])
        raise fail(row, f"the Unix time {int(ints[row])} ({unit}) is outside the years 1678-2261")
    return pd.DatetimeIndex(ints * per_ns, dtype="datetime64[ns]")


def _parse_with(raw: pd.Series, fmt: str, fail: Fail) -> pd.DatetimeIndex:
    if fmt == EPOCH:
        return _parse_epoch(raw, fail)
    aware = "%z" in fmt or (fmt == ISO and _has_offset(str(raw.iloc[0])))
    if not aware and fmt != ISO:
        fast = parse_fixed_width(raw, fmt)
        if fast is not None:
            return fast
    try:
        parsed = pd.to_datetime(raw, format=fmt, utc=aware)
    except (ValueError, OverflowError):
        coerced = pd.to_datetime(raw, format=fmt, utc=aware, errors="coerce")
        row = _first_bad(raw, coerced)
        raise fail(
            row,
            f"cannot read the time {raw.iloc[row]!r}: the file's times look like "
            f"{_example(fmt)!r} (format {fmt!r}); fix this line, or pass "
            "columns={'time_format': ...} with the generic format",
        ) from None
    return _in_range(raw, pd.DatetimeIndex(parsed), fail)


def _in_range(raw: pd.Series, index: pd.DatetimeIndex, fail: Fail) -> pd.DatetimeIndex:
    """``index`` in nanoseconds, or the error at the first time outside 1678-2261."""
    try:
        return index.as_unit("ns")
    except (ValueError, OverflowError):
        years = np.asarray(index.year)
        row = int(np.flatnonzero((years < 1678) | (years > 2261))[0])
        raise fail(
            row, f"the time {raw.iloc[row]!r} is outside the years 1678-2261 that bars can hold"
        ) from None


def _has_offset(text: str) -> bool:
    tail = text.strip()[10:]
    return tail.endswith("Z") or "+" in tail or tail.count("-") > 0


def _check_ambiguous(raw: pd.Series, fmt: str, fail: Fail) -> None:
    """Refuse day/month-ambiguous slash dates that parse both ways."""
    head = fmt.split(" ")[0]
    if head not in _SWAPPED:
        return
    other = fmt.replace(head, _SWAPPED[head])
    coerced = pd.to_datetime(raw, format=other, errors="coerce")
    if not coerced.isna().any():
        raise fail(
            0,
            f"the dates are ambiguous: they read both as {fmt!r} and as {other!r}; pass "
            "columns={'time_format': ...} to say which",
        )


def parse_times(raw: pd.Series, formats: tuple[str, ...], fail: Fail) -> ParsedTimes:
    """Parse text times with the first of ``formats`` that reads the first value.

    Raises the :class:`DataError` built by ``fail`` for an empty time, a first value no format
    reads, or the first value that does not follow the chosen format.
    """
    missing = np.flatnonzero(np.asarray(raw.isna()))
    if missing.size:
        raise fail(int(missing[0]), "the time is empty")
    if raw.dtype.kind in "iuf":  # the parser saw numbers: Unix time, or dates like 20240304
        whole = np.flatnonzero(raw.to_numpy(np.float64) % 1 != 0)
        if whole.size:
            row = int(whole[0])
            raise fail(row, f"cannot read the time {raw.iloc[row]!r}: expected whole numbers")
        ints = raw.to_numpy(np.int64)
        if EPOCH in formats and abs(int(ints[0])) >= EPOCH_MIN:
            return ParsedTimes(_epoch_index(ints, fail), None, None, EPOCH)
        raw = pd.Series(ints.astype(str), index=raw.index)
    first = str(raw.iloc[0])
    fmt = next((f for f in formats if _parses(first, f)), None)
    if fmt is None:
        shown = ", ".join(repr(_example(f)) for f in formats[:4])
        more = " or another known layout" if len(formats) > 4 else ""
        raise fail(
            0,
            f"cannot read the time {first!r}: expected a time like {shown}{more}; check that "
            "this is the right format= or pass columns={'time_format': ...} with the generic "
            "format",
        )
    parsed = _parse_with(raw, fmt, fail)
    if len(formats) > 1:  # a format the caller chose is not second-guessed
        _check_ambiguous(raw, fmt, fail)
    if parsed.tz is not None:
        return ParsedTimes(None, parsed.tz_convert("UTC"), _offset_label(first, fmt), fmt)
    return ParsedTimes(parsed, None, None, fmt)


def _offset_label(first: str, fmt: str) -> str:
    """The offset written on the first row as ``"+02:00"`` (``"UTC"`` for zero)."""
    stamp = pd.to_datetime(pd.Series([first]), format=fmt, utc=False).iloc[0]
    offset = stamp.utcoffset()
    if offset is None or offset == pd.Timedelta(0):
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def offsets_label(text: pd.Series) -> str:
    """The distinct ``GMT±hhmm`` suffixes of a Dukascopy local-time column, ``/``-joined."""
    suffixes = sorted(set(text.str.slice(-8).unique().tolist()))
    return "/".join(str(s) for s in suffixes)

"""Parse fixed-width time text (``2024.03.04 00:05:00``) with numpy, straight from Arrow's buffer.

When every value has the same length, Arrow keeps them back to back in one buffer, so the
column is an ``(n, width)`` byte matrix at no cost; the digits of each field are then read with a
few vectorised operations and every value is validated (digits where digits belong, literals
where literals belong, real calendar dates, hours < 24, minutes and seconds < 60). Anything out
of the ordinary (nulls, ragged widths, a bad value, an unsupported directive) returns None and
the caller falls back to ``pandas.to_datetime``, which then decides and words the error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

_WIDTHS = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2, "f": 3}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _layout(fmt: str) -> tuple[int, dict[str, int], list[tuple[int, int]]] | None:
    """Total width, start of each field, and ``(position, byte)`` of each literal; None if unsupported."""
    position = 0
    fields: dict[str, int] = {}
    literals: list[tuple[int, int]] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            if i + 1 >= len(fmt):
                return None
            directive = fmt[i + 1]
            if directive not in _WIDTHS or directive in fields:
                return None
            fields[directive] = position
            position += _WIDTHS[directive]
            i += 2
            continue
        if not char.isascii():
            return None
        literals.append((position, ord(char)))
        position += 1
        i += 1
    if "Y" not in fields or "m" not in fields or "d" not in fields:
        return None
    return position, fields, literals


def _matrix(raw: pd.Series, width: int) -> np.ndarray | None:
    try:
        chunked = pa.chunked_array(pa.array(raw.array)) if len(raw) else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if chunked is None or chunked.null_count:
        return None
    array = chunked.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    _, offset_buffer, data_buffer = array.buffers()
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offset_buffer, dtype=kind)[array.offset : array.offset + len(array) + 1]
    if not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    start = int(offsets[0])
    return data[start : start + len(array) * width].reshape(len(array), width)


def _number(digits: np.ndarray, start: int, width: int) -> np.ndarray:
    value = digits[start].astype(np.int64)
    for k in range(start + 1, start + width):
        value = value * 10 + digits[k]
    return value


def parse_fixed_width(raw: pd.Series, fmt: str) -> pd.DatetimeIndex | None:
    """Naive times of ``raw`` read with ``fmt``, or None when the fast path does not apply."""
    layout = _layout(fmt)
    if layout is None:
        return None
    width, fields, literals = layout
    matrix = _matrix(raw, width)
    if matrix is None:
        return None
    columns = np.ascontiguousarray(matrix.T)  # one row per character position
    for position, byte in literals:
        if not (columns[position] == byte).all():
            return None
    digits = columns - np.uint8(48)  # non-digits wrap around to values above 9
    for key, start in fields.items():
        if (digits[start : start + _WIDTHS[key]] > 9).any():
            return None
    get = {key: _number(digits, start, _WIDTHS[key]) for key, start in fields.items()}
    zero = np.zeros(len(matrix), dtype=np.int64)
    year, month, day = get["Y"], get["m"], get["d"]
    hour, minute, second = get.get("H", zero), get.get("M", zero), get.get("S", zero)
    millis = get.get("f", zero)
    if not ((month >= 1) & (month <= 12) & (year >= 1678) & (year <= 2261)).all():
        return None
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = _DAYS_IN_MONTH[month] + ((month == 2) & leap)
    if not (
        (day >= 1) & (day <= days_in_month) & (hour < 24) & (minute < 60) & (second < 60)
    ).all():
        return None
    # days from the civil date (proleptic Gregorian), Howard Hinnant's algorithm
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146_097 + doe - 719_468
    seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
    nanos = seconds * 1_000_000_000 + millis * 1_000_000
    return pd.DatetimeIndex(nanos.view("datetime64[ns]"))

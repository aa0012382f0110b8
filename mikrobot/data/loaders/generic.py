"""Generic delimited bar files, and the quote-wrapped TAB layout of the hadiforoughi files.

``generic`` maps columns by a ``columns=`` dict or, without one, by common header names
(``time``/``datetime``/``timestamp``/``date``, ``open``/``o``, ..., ``tickvol``/``volume``,
``spread``). The dict's keys:

* ``"time"``: the time column; or ``"date"`` plus ``"time"`` for split date and time-of-day
  columns (joined with a space before parsing);
* ``"open"``, ``"high"``, ``"low"``, ``"close"`` (required), ``"tick_volume"`` (alias
  ``"volume"``) and ``"spread"`` (optional);
* options: ``"time_format"`` (a ``strptime`` pattern such as ``"%d/%m/%Y %H:%M"``, or
  ``"epoch"`` for Unix time, ``"ISO8601"``), ``"sep"`` (default: sniffed), ``"header"``
  (default True; with False, columns are given as 0-based positions), ``"decimal"``
  (``","`` for decimal commas).

Column values are header names (exact, else case-insensitive) or 0-based positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mikrobot.core.errors import DataError
from mikrobot.data.loaders.source import Source, expect_separator, guess_separator, split_fields
from mikrobot.data.loaders.table import (
    Field,
    Plan,
    find_columns,
    normalise,
    read_header,
)
from mikrobot.data.loaders.times import GENERIC_FORMATS

QUOTED_TSV_FORMATS: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S")
COLUMN_KEYS = ("time", "date", "open", "high", "low", "close", "tick_volume", "volume", "spread")
OPTION_KEYS = ("time_format", "sep", "header", "decimal")

_QUOTED_COLUMNS = {
    "time": ("Time",),
    "open": ("Open",),
    "high": ("High",),
    "low": ("Low",),
    "close": ("Close",),
    "tick_volume": ("Volume",),
}
_AUTO_COLUMNS = {
    "time": (
        "time",
        "datetime",
        "date_time",
        "timestamp",
        "open_time",
        "gmt time",
        "local time",
        "time (utc)",
        "date",
        "dt",
    ),
    "open": ("open", "o", "open_bid", "bid_open"),
    "high": ("high", "h", "high_bid", "bid_high"),
    "low": ("low", "l", "low_bid", "bid_low"),
    "close": ("close", "c", "close_bid", "bid_close"),
    "tick_volume": ("tick_volume", "tickvol", "ticks", "volume", "vol", "v"),
    "spread": ("spread",),
}
_PRICES = ("open", "high", "low", "close")


def plan_quoted_tsv(source: Source) -> Plan:
    """Plan for ``Time Open High Low Close Volume`` TAB files (each line may be quote-wrapped)."""
    header = read_header(
        source,
        format="quoted_tsv",
        separators=("\t",),
        wanted=_QUOTED_COLUMNS,
        required=("time", *_PRICES),
    )
    return header.plan("quoted_tsv", time_formats=QUOTED_TSV_FORMATS, default_tz="UTC")


def _bad_key(source: Source, key: str, message: str) -> DataError:
    return DataError(message, path=source.path, field=f"columns[{key!r}]")


def _check_keys(source: Source, columns: Mapping[str, Any]) -> None:
    for key in columns:
        if key not in COLUMN_KEYS and key not in OPTION_KEYS:
            raise _bad_key(
                source,
                key,
                f"unknown key {key!r}; columns= takes {', '.join(COLUMN_KEYS + OPTION_KEYS)}",
            )
    if "tick_volume" in columns and "volume" in columns:
        raise _bad_key(source, "volume", "give 'tick_volume' or its alias 'volume', not both")


def _locate(
    source: Source, key: str, value: Any, names: list[str] | None, width: int, line: int
) -> Field:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < width:
            raise _bad_key(
                source,
                key,
                f"position {value} is outside the {width} fields of line {line} (positions "
                "are 0-based)",
            )
        label = names[value] if names else f"column {value + 1} ({key})"
        return Field(value, label)
    if names is None:
        raise _bad_key(
            source,
            key,
            f"the file has no header (header=False): give {key!r} as a 0-based position",
        )
    text = str(value)
    if text in names:
        return Field(names.index(text), text)
    lowered = [n.lower() for n in names]
    if text.lower() in lowered:
        position = lowered.index(text.lower())
        return Field(position, names[position])
    raise DataError(
        f"missing column {text!r} (columns[{key!r}]); the header has: "
        f"{', '.join(repr(n) for n in names)}",
        path=source.path,
        line=line,
        field=text,
    )


def _mapped(
    source: Source, columns: Mapping[str, Any], names: list[str] | None, width: int, line: int
) -> dict[str, Field]:
    missing = [k for k in _PRICES if k not in columns]
    if "time" not in columns and "date" not in columns:
        missing.insert(0, "time")
    if missing:
        raise _bad_key(
            source,
            missing[0],
            f"columns= must map {', '.join(repr(k) for k in missing)} too (it maps "
            f"{', '.join(repr(k) for k in columns if k in COLUMN_KEYS)})",
        )
    out = {}
    for key in COLUMN_KEYS:
        if key in columns:
            canonical = "tick_volume" if key == "volume" else key
            out[canonical] = _locate(source, key, columns[key], names, width, line)
    return out


def _auto(source: Source, names: list[str], line: int) -> dict[str, Field]:
    cols = find_columns(
        names, _AUTO_COLUMNS, ("time", *_PRICES), source=source, line=line, format="generic"
    )
    normal = [normalise(n) for n in names]
    if normalise(cols["time"].label) == "date" and "time" in normal:
        position = normal.index("time")
        cols["date"] = cols["time"]
        cols["time"] = Field(position, names[position])
    elif normalise(cols["time"].label) == "time" and "date" in normal:
        position = normal.index("date")
        cols["date"] = Field(position, names[position])
    return cols


def plan_generic(source: Source, columns: Mapping[str, Any] | None = None) -> Plan:
    """Plan for any delimited file with one row per bar, from ``columns=`` or the header names."""
    columns = dict(columns or {})
    _check_keys(source, columns)
    line, text = source.lines(limit=1)[0]
    sep = columns.get("sep")
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in '\r\n".'):
        raise _bad_key(
            source, "sep", f"sep must be one character such as ',', ';' or TAB, not {sep!r}"
        )
    if sep is None:
        sep = guess_separator(text) or ","
    else:
        sep = expect_separator(source, line, text, (str(sep),), "generic")
    has_header = bool(columns.get("header", True))
    fields = split_fields(text, sep)
    names = fields if has_header else None
    if has_header and not any(ch.isalpha() for ch in "".join(fields)):
        raise DataError(
            f"the first line looks like data, not a header ({text[:60]!r}); pass "
            "columns={'header': False, 'time': 0, 'open': 1, ...} with 0-based positions",
            path=source.path,
            line=line,
        )
    cols = (
        _mapped(source, columns, names, len(fields), line)
        if any(k in columns for k in COLUMN_KEYS)
        else _auto(source, fields, line)
        if has_header
        else _mapped(source, columns, None, len(fields), line)
    )
    time_format = columns.get("time_format")
    if "date" in cols:
        time, clock = cols["date"], cols.get("time")
    else:
        time, clock = cols["time"], None
    decimal = str(columns.get("decimal", "."))
    if decimal == sep:
        raise _bad_key(source, "decimal", f"decimal {decimal!r} cannot also be the separator")
    return Plan(
        format="generic",
        sep=sep,
        skip_lines=line if has_header else line - 1,
        width=len(fields),
        time=time,
        clock=clock,
        open=cols["open"],
        high=cols["high"],
        low=cols["low"],
        close=cols["close"],
        tick_volume=cols.get("tick_volume"),
        spread=cols.get("spread"),
        time_formats=(str(time_format),) if time_format else GENERIC_FORMATS,
        default_tz="UTC",
        decimal=decimal,
        has_header=has_header,
    )

"""histdata.com M1 bars: Generic ASCII (``20240304 000000;1.083520;...;0``) and the MetaTrader
variant (``2012.02.01,00:00,1.306600,...,0``). Neither has a header. Times are fixed EST
(UTC-5 all year, no daylight saving), so by default ``utc = file time + 5 h``.
"""

from __future__ import annotations

from mikrobot.core.errors import DataError
from mikrobot.data.loaders.source import Source, expect_separator, split_fields
from mikrobot.data.loaders.table import Field, Plan

HISTDATA_TZ = "EST"
_ASCII_LABELS = ("time", "open", "high", "low", "close", "volume")
_MT_LABELS = ("date", "time", "open", "high", "low", "close", "volume")


def _fields(labels: tuple[str, ...]) -> list[Field]:
    return [Field(i, f"column {i + 1} ({name})") for i, name in enumerate(labels)]


def _width(
    source: Source, line: int, text: str, sep: str, labels: tuple[str, ...], format: str
) -> int:
    width = len(split_fields(text, sep))
    if width < len(labels):
        raise DataError(
            f"format {format!r} needs {len(labels)} fields per line ({', '.join(labels)}), "
            f"this line has {width}: {text[:80]!r}; check format=",
            path=source.path,
            line=line,
        )
    return width


def plan_histdata_ascii(source: Source) -> Plan:
    """Plan for Generic ASCII M1: ``;``-separated, ``%Y%m%d %H%M%S``, bid OHLC, volume."""
    line, text = source.lines(limit=1)[0]
    sep = expect_separator(source, line, text, (";",), "histdata_ascii")
    width = _width(source, line, text, sep, _ASCII_LABELS, "histdata_ascii")
    time, o, h, low, c, vol = _fields(_ASCII_LABELS)
    return Plan(
        format="histdata_ascii",
        sep=sep,
        skip_lines=line - 1,
        width=width,
        time=time,
        open=o,
        high=h,
        low=low,
        close=c,
        tick_volume=vol,
        time_formats=("%Y%m%d %H%M%S", "%Y%m%d %H%M"),
        default_tz=HISTDATA_TZ,
        has_header=False,
    )


def plan_histdata_mt(source: Source) -> Plan:
    """Plan for the MetaTrader variant: comma-separated ``YYYY.MM.DD,HH:MM,o,h,l,c,volume``."""
    line, text = source.lines(limit=1)[0]
    sep = expect_separator(source, line, text, (",",), "histdata_mt")
    width = _width(source, line, text, sep, _MT_LABELS, "histdata_mt")
    date, clock, o, h, low, c, vol = _fields(_MT_LABELS)
    return Plan(
        format="histdata_mt",
        sep=sep,
        skip_lines=line - 1,
        width=width,
        time=date,
        clock=clock,
        open=o,
        high=h,
        low=low,
        close=c,
        tick_volume=vol,
        time_formats=("%Y.%m.%d %H:%M", "%Y.%m.%d %H:%M:%S"),
        default_tz=HISTDATA_TZ,
        has_header=False,
    )

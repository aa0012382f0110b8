"""MetaTrader text layouts: the terminal's bar export, a ``copy_rates`` CSV dump, and the
MetaTrader-style comma CSV (``Date,Open,High,Low,Close,Tickvol,Volume,Spread``).

All three carry broker **server** wall-clock times; they are read as UTC unless ``tz=`` names
the server's zone (``"NY+7"`` for most brokers and FTMO).
"""

from __future__ import annotations

from mikrobot.core.errors import DataError
from mikrobot.data.loaders.source import Source, expect_separator
from mikrobot.data.loaders.table import Plan, find_columns, header_fields
from mikrobot.data.loaders.times import EPOCH, ISO

MT5_DATETIME_FORMATS: tuple[str, ...] = (
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
MT5_DATE_FORMATS: tuple[str, ...] = ("%Y.%m.%d", "%Y-%m-%d")
RATES_FORMATS: tuple[str, ...] = (
    EPOCH,
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y.%m.%d %H:%M:%S",
    ISO,
)

_EXPORT_COLUMNS = {
    "date": ("<DATE>",),
    "clock": ("<TIME>",),
    "open": ("<OPEN>",),
    "high": ("<HIGH>",),
    "low": ("<LOW>",),
    "close": ("<CLOSE>",),
    "tick_volume": ("<TICKVOL>", "<VOL>", "<VOLUME>"),
    "spread": ("<SPREAD>",),
}
_RATES_COLUMNS = {
    "time": ("time",),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
    "close": ("close",),
    "tick_volume": ("tick_volume",),
    "spread": ("spread",),
}
_METATRADER_COLUMNS = {
    "date": ("Date", "Time", "DateTime"),
    "open": ("Open",),
    "high": ("High",),
    "low": ("Low",),
    "close": ("Close",),
    "tick_volume": ("Tickvol", "Tick_volume", "Ticks"),
    "spread": ("Spread",),
}
_PRICES = ("open", "high", "low", "close")


def _header(source: Source) -> tuple[int, str]:
    lines = source.lines(limit=1)
    return lines[0]


def plan_mt5_export(source: Source) -> Plan:
    """Plan for a terminal export: ``<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL>
    <SPREAD>``, TAB (or comma) separated; ``<TIME>`` may be absent (D1 and above)."""
    line, text = _header(source)
    sep = expect_separator(source, line, text, ("\t", ","), "mt5_export")
    names = header_fields(text, sep)
    upper = {n.upper() for n in names}
    if "<BID>" in upper or "<ASK>" in upper:
        raise DataError(
            "this is an MT5 tick export (<BID>/<ASK> columns), not bars; export bars from "
            "the Symbols window (Bars tab) instead",
            path=source.path,
            line=line,
        )
    cols = find_columns(
        names,
        _EXPORT_COLUMNS,
        ("date", *_PRICES),
        source=source,
        line=line,
        format="mt5_export",
    )
    clock = cols.get("clock")
    return Plan(
        format="mt5_export",
        sep=sep,
        skip_lines=line,
        width=len(names),
        time=cols["date"],
        clock=clock,
        open=cols["open"],
        high=cols["high"],
        low=cols["low"],
        close=cols["close"],
        tick_volume=cols.get("tick_volume"),
        spread=cols.get("spread"),
        time_formats=MT5_DATETIME_FORMATS if clock is not None else MT5_DATE_FORMATS,
        default_tz="UTC",
    )


def plan_mt5_rates_csv(source: Source) -> Plan:
    """Plan for a CSV dump of ``copy_rates_*``: ``time,open,high,low,close,tick_volume,spread,
    real_volume`` with Unix seconds or ISO times (an unnamed leading index column is ignored)."""
    line, text = _header(source)
    sep = expect_separator(source, line, text, (",", "\t", ";"), "mt5_rates_csv")
    names = header_fields(text, sep)
    cols = find_columns(
        names,
        _RATES_COLUMNS,
        ("time", *_PRICES, "tick_volume"),
        source=source,
        line=line,
        format="mt5_rates_csv",
    )
    return Plan(
        format="mt5_rates_csv",
        sep=sep,
        skip_lines=line,
        width=len(names),
        time=cols["time"],
        open=cols["open"],
        high=cols["high"],
        low=cols["low"],
        close=cols["close"],
        tick_volume=cols["tick_volume"],
        spread=cols.get("spread"),
        time_formats=RATES_FORMATS,
        default_tz="UTC",
    )


def plan_metatrader_csv(source: Source) -> Plan:
    """Plan for ``Date,Open,High,Low,Close,Tickvol,Volume,Spread`` with ``YYYY.MM.DD HH:MM:SS``
    times; ``Tickvol`` gives ``tick_volume`` and ``Spread`` (points) gives ``spread``."""
    line, text = _header(source)
    sep = expect_separator(source, line, text, (",",), "metatrader_csv")
    names = header_fields(text, sep)
    cols = find_columns(
        names,
        _METATRADER_COLUMNS,
        ("date", *_PRICES, "tick_volume"),
        source=source,
        line=line,
        format="metatrader_csv",
    )
    return Plan(
        format="metatrader_csv",
        sep=sep,
        skip_lines=line,
        width=len(names),
        time=cols["date"],
        open=cols["open"],
        high=cols["high"],
        low=cols["low"],
        close=cols["close"],
        tick_volume=cols["tick_volume"],
        spread=cols.get("spread"),
        time_formats=(*MT5_DATETIME_FORMATS, *MT5_DATE_FORMATS),
        default_tz="UTC",
    )

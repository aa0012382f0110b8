"""MetaTrader text layouts: the terminal's bar export, a ``copy_rates`` CSV dump, and the
MetaTrader-style comma CSV (``Date,Open,High,Low,Close,Tickvol,Volume,Spread``).

All three carry broker **server** wall-clock times; they are read as UTC unless ``tz=`` names
the server's zone (``"NY+7"`` for most brokers and FTMO).
"""

from __future__ import annotations

from mikrobot.core.errors import DataError
from mikrobot.data.loaders.source import Source
from mikrobot.data.loaders.table import Plan, read_header
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


def plan_mt5_export(source: Source) -> Plan:
    """Plan for a terminal export: ``<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL>
    <SPREAD>``, TAB (or comma) separated; ``<TIME>`` may be absent (D1 and above)."""
    line, text = source.lines(limit=1)[0]
    upper = text.upper()
    if "<BID>" in upper or "<ASK>" in upper:
        raise DataError(
            "this is an MT5 tick export (<BID>/<ASK> columns), not bars; export bars from "
            "the Symbols window (Bars tab) instead",
            path=source.path,
            line=line,
        )
    header = read_header(
        source,
        format="mt5_export",
        separators=("\t", ","),
        wanted=_EXPORT_COLUMNS,
        required=("date", *_PRICES),
    )
    clock = header.cols.get("clock")
    return header.plan(
        "mt5_export",
        time_key="date",
        clock=clock,
        time_formats=MT5_DATETIME_FORMATS if clock is not None else MT5_DATE_FORMATS,
        default_tz="UTC",
    )


def plan_mt5_rates_csv(source: Source) -> Plan:
    """Plan for a CSV dump of ``copy_rates_*``: ``time,open,high,low,close,tick_volume,spread,
    real_volume`` with Unix seconds or ISO times (an unnamed leading index column is ignored)."""
    header = read_header(
        source,
        format="mt5_rates_csv",
        separators=(",", "\t", ";"),
        wanted=_RATES_COLUMNS,
        required=("time", *_PRICES, "tick_volume"),
    )
    return header.plan("mt5_rates_csv", time_formats=RATES_FORMATS, default_tz="UTC")


def plan_metatrader_csv(source: Source) -> Plan:
    """Plan for ``Date,Open,High,Low,Close,Tickvol,Volume,Spread`` with ``YYYY.MM.DD HH:MM:SS``
    times; ``Tickvol`` gives ``tick_volume`` and ``Spread`` (points) gives ``spread``."""
    header = read_header(
        source,
        format="metatrader_csv",
        separators=(",",),
        wanted=_METATRADER_COLUMNS,
        required=("date", *_PRICES, "tick_volume"),
    )
    return header.plan(
        "metatrader_csv",
        time_key="date",
        time_formats=(*MT5_DATETIME_FORMATS, *MT5_DATE_FORMATS),
        default_tz="UTC",
    )

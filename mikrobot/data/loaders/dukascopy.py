"""Dukascopy CSV (JForex / the website's Historical Data Export).

* ``Gmt time,Open,High,Low,Close,Volume`` with day-first ``04.03.2024 00:00:00.000`` times in
  UTC (an explicit ``tz=`` overrides that, for files that were re-zoned);
* ``Local time,...`` where every time carries its own offset, ``04.03.2024 02:00:00.000 GMT+0200``;
  those offsets are used as written and ``tz=`` is ignored.

``Volume`` is a decimal (units, thousands or millions, chosen at export); it is rounded to the
int ``tick_volume``. **Flats** (bars with ``Volume == 0`` and ``open == high == low == close``)
are bars the exporter invents for closed-market hours; they are dropped by default so gaps stay
gaps. ``read_dukascopy(..., drop_flats=False)`` keeps them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mikrobot.core.timeframe import Timeframe
from mikrobot.data.loaders.source import Source, read_source
from mikrobot.data.loaders.symbols import finish_symbol
from mikrobot.data.loaders.table import (
    Plan,
    normalise,
    read_header,
    read_plan,
    resolve_tz,
)

GMT_FORMATS: tuple[str, ...] = ("%d.%m.%Y %H:%M:%S.%f", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")
LOCAL_FORMATS: tuple[str, ...] = (
    "%d.%m.%Y %H:%M:%S.%f GMT%z",
    "%d.%m.%Y %H:%M:%S GMT%z",
    "%d.%m.%Y %H:%M GMT%z",
)
_COLUMNS = {
    "time": ("Gmt time", "Local time"),
    "open": ("Open",),
    "high": ("High",),
    "low": ("Low",),
    "close": ("Close",),
    "tick_volume": ("Volume",),
}


def plan_dukascopy(source: Source, *, drop_flats: bool = True) -> Plan:
    """Plan for a Dukascopy CSV in GMT or local-time mode."""
    header = read_header(
        source,
        format="dukascopy",
        separators=(",",),
        wanted=_COLUMNS,
        required=("time", "open", "high", "low", "close"),
    )
    local = normalise(header.cols["time"].label) == "localtime"
    return header.plan(
        "dukascopy",
        time_formats=LOCAL_FORMATS if local else GMT_FORMATS,
        default_tz="UTC",
        drop_flats=drop_flats,
        offset_suffix=local,
    )


def read_dukascopy(
    path: str | Path,
    symbol: str | None = None,
    timeframe: Timeframe | str | None = None,
    tz: str | None = None,
    *,
    drop_flats: bool = True,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Load a Dukascopy CSV as canonical bars; ``drop_flats=False`` keeps closed-market flats.

    Same meaning of the other arguments as :func:`mikrobot.data.loaders.load_bars` (which uses
    ``drop_flats=True``).
    """
    source = read_source(path, encoding)
    plan = plan_dukascopy(source, drop_flats=drop_flats)
    return read_plan(
        source,
        plan,
        tz=resolve_tz(tz, plan.default_tz, source.path),
        timeframe=timeframe,
        symbol=finish_symbol(symbol, source.path),
    )

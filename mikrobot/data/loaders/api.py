"""``load_bars``: one call for every bar file format mikrobot reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.loaders.dukascopy import plan_dukascopy
from mikrobot.data.loaders.generic import plan_generic, plan_quoted_tsv
from mikrobot.data.loaders.histdata import plan_histdata_ascii, plan_histdata_mt
from mikrobot.data.loaders.mt5 import plan_metatrader_csv, plan_mt5_export, plan_mt5_rates_csv
from mikrobot.data.loaders.rates import bars_from_rates, read_rates_npy
from mikrobot.data.loaders.sniff import FORMATS, NPY_MAGIC, sniff_format
from mikrobot.data.loaders.source import Source, read_source
from mikrobot.data.loaders.symbols import finish_symbol
from mikrobot.data.loaders.table import Plan, read_plan, resolve_tz

_PLANS: dict[str, Callable[[Source], Plan]] = {
    "mt5_export": plan_mt5_export,
    "mt5_rates_csv": plan_mt5_rates_csv,
    "histdata_ascii": plan_histdata_ascii,
    "histdata_mt": plan_histdata_mt,
    "dukascopy": plan_dukascopy,
    "metatrader_csv": plan_metatrader_csv,
    "quoted_tsv": plan_quoted_tsv,
}


def _is_npy(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(NPY_MAGIC)) == NPY_MAGIC
    except OSError:
        return False


def load_bars(
    path: str | Path | np.ndarray | pd.DataFrame,
    symbol: str | None = None,
    timeframe: Timeframe | str | None = None,
    tz: str | None = None,
    *,
    format: str | None = None,
    columns: Mapping[str, Any] | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Load a bar file as the canonical frame (see :mod:`mikrobot.data.frame`).

    * ``format``: one of :data:`FORMATS`; None sniffs it from the first line (``.npy`` files
      by their magic bytes). ``columns`` (generic format only) maps canonical fields to the
      file's columns; giving it without ``format`` means ``format="generic"``. A numpy
      ``copy_rates_*`` array or a DataFrame made from one may be passed instead of a path.
    * ``tz``: the zone the file's times are written in. None means the format's own zone:
      ``histdata_*`` fixed EST (UTC-5, no DST), Dukascopy ``Gmt time`` UTC, Dukascopy
      ``Local time`` the ``GMT+hhmm`` written on each row (``tz`` is ignored there), every
      other format ``"UTC"`` (times taken as written; MT5 data is on the broker's server clock,
      so pass e.g. ``tz="NY+7"``). The zone used is stored in ``attrs["source_tz"]``.
    * ``timeframe``: None infers it from the bar times; a given one is checked against them.
    * ``symbol``: None takes it from the file name when it names a known instrument.
    * ``encoding``: None detects UTF-8 (with or without BOM) and UTF-16 (BOM or not).

    Gaps stay gaps and rows keep the file's order; validation is the job of
    :mod:`mikrobot.data.validation`. Dukascopy flats (closed-market zero-volume bars) are
    dropped; see :func:`mikrobot.data.loaders.dukascopy.read_dukascopy` to keep them.

    Raises :class:`DataError` naming the file, the editor line and the field for an empty
    file, a wrong separator, missing columns, an unreadable time or number, an unknown zone
    or a timeframe the times contradict.
    """
    if isinstance(path, np.ndarray | pd.DataFrame):
        return bars_from_rates(path, symbol, timeframe, "UTC" if tz is None else tz)
    where = str(path)
    if format is not None and format not in FORMATS:
        raise DataError(
            f"unknown format {format!r}; use one of {', '.join(FORMATS)} (or None to sniff)",
            path=where,
            field="format",
        )
    if columns is not None and format not in (None, "generic"):
        raise DataError(
            f"columns= only applies to format='generic', not {format!r}",
            path=where,
            field="columns",
        )
    if format == "mt5_rates_npy" or (format is None and _is_npy(Path(path))):
        return read_rates_npy(path, symbol, timeframe, "UTC" if tz is None else tz)
    source = read_source(path, encoding)
    if format is None:
        format = "generic" if columns is not None else sniff_format(source)
    plan = plan_generic(source, columns) if format == "generic" else _PLANS[format](source)
    return read_plan(
        source,
        plan,
        tz=resolve_tz(tz, plan.default_tz, source.path),
        timeframe=timeframe,
        symbol=finish_symbol(symbol, source.path),
    )

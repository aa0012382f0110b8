"""Bars from MetaTrader 5 ``copy_rates_*`` results: the numpy structured array, a DataFrame made
from it, or a ``.npy`` file holding one.

The array's ``time`` is the bar open time in epoch seconds, but on the broker's **server clock**
written as if it were UTC (reference: mt5-python-api.md section 8). Pass the server's zone as
``tz`` (``"NY+7"`` on FTMO and most brokers) to get true UTC; the default ``"UTC"`` takes the
values as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.frame import make_bars
from mikrobot.data.loaders.symbols import finish_symbol
from mikrobot.data.loaders.table import resolve_timeframe, resolve_tz
from mikrobot.data.timezones import localize_to_utc

RATES_FIELDS: tuple[str, ...] = ("time", "open", "high", "low", "close", "tick_volume")
RATES_DTYPE = np.dtype(
    [
        ("time", "<i8"),
        ("open", "<f8"),
        ("high", "<f8"),
        ("low", "<f8"),
        ("close", "<f8"),
        ("tick_volume", "<u8"),
        ("spread", "<i4"),
        ("real_volume", "<u8"),
    ]
)


def _columns(rates: Any, where: str | None) -> dict[str, np.ndarray]:
    if rates is None:
        raise DataError(
            "rates is None: copy_rates_* failed; call mt5.last_error() for the reason (symbol "
            "not in Market Watch, history still loading, or more bars than 'Max bars in chart')",
            path=where,
        )
    if isinstance(rates, pd.DataFrame):
        frame = rates
        if "time" not in frame.columns and frame.index.name == "time":
            frame = frame.reset_index()
        names = [str(c) for c in frame.columns]
        get = {str(c): frame[c].to_numpy() for c in frame.columns}
    else:
        array = np.asarray(rates)
        if array.dtype.names is None:
            raise DataError(
                f"expected the structured array copy_rates_* returns (fields "
                f"{', '.join(RATES_DTYPE.names or ())}), got an array of {array.dtype}",
                path=where,
            )
        names = list(array.dtype.names)
        get = {n: array[n] for n in names}
    missing = [f for f in RATES_FIELDS if f not in get]
    if missing:
        raise DataError(
            f"rates lack the field{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"found {', '.join(names)}",
            path=where,
            field=missing[0],
        )
    return get


def _wall_times(values: np.ndarray, where: str | None) -> pd.DatetimeIndex:
    if np.issubdtype(values.dtype, np.datetime64):
        index = pd.DatetimeIndex(values)
        return index.tz_localize(None) if index.tz is not None else index.as_unit("ns")
    if isinstance(values.dtype, pd.DatetimeTZDtype) or (
        values.dtype == object and len(values) and isinstance(values[0], pd.Timestamp)
    ):
        index = pd.DatetimeIndex(values)
        return (index.tz_convert("UTC").tz_localize(None) if index.tz else index).as_unit("ns")
    if not np.issubdtype(values.dtype, np.integer):
        raise DataError(
            f"rates 'time' must be epoch seconds (int) or datetimes, got {values.dtype}",
            path=where,
            field="time",
        )
    return pd.DatetimeIndex(values.astype(np.int64) * 1_000_000_000, dtype="datetime64[ns]")


def _check_values(name: str, values: np.ndarray, where: str | None) -> np.ndarray:
    floats = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(floats))
    if bad.size:
        raise DataError(
            f"{name} of bar {int(bad[0])} (0-based) is {floats[bad[0]]!r}, not a number",
            path=where,
            field=name,
        )
    return floats


def bars_from_rates(
    rates: Any,
    symbol: str | None = None,
    timeframe: Timeframe | str | int | None = None,
    tz: str = "UTC",
    *,
    source: str = "mt5_rates",
    path: str | None = None,
) -> pd.DataFrame:
    """Canonical bars from a ``copy_rates_*`` result (structured array or DataFrame).

    ``tz`` is the zone of the server clock the ``time`` values are written in; the result's
    index is true UTC and ``attrs["source_tz"]`` records ``tz``. ``spread`` (points) is kept
    when present; ``real_volume`` is dropped. An empty result gives an empty frame; ``None``
    (a failed call) raises :class:`DataError`. ``timeframe`` is checked against the bar times
    as in :func:`mikrobot.data.loaders.load_bars`.
    """
    resolve_tz(tz, "UTC", path)
    cols = _columns(rates, path)
    wall = _wall_times(np.asarray(cols["time"]), path)
    utc = localize_to_utc(wall, tz, path=path, line_of=lambda i: i + 1)
    tf = resolve_timeframe(
        np.asarray(wall.asi8),
        timeframe,
        path=path,
        fail=lambda row, msg: DataError(f"bar {row} (0-based): {msg}", path=path, field="time"),
        where=lambda row: f"bar {row}",
    )
    prices = [_check_values(n, cols[n], path) for n in ("open", "high", "low", "close")]
    volume = np.asarray(cols["tick_volume"]).astype(np.int64)
    spread = np.asarray(cols["spread"]).astype(np.int64) if "spread" in cols else None
    return make_bars(
        np.asarray(utc.asi8),
        *prices,
        tick_volume=volume,
        spread=spread,
        symbol=finish_symbol(symbol, path),
        timeframe=tf,
        source_tz=tz,
        source=source,
    )


def read_rates_npy(
    path: str | Path,
    symbol: str | None = None,
    timeframe: Timeframe | str | int | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Canonical bars from a ``.npy`` file holding a ``copy_rates_*`` structured array."""
    where = str(path)
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"cannot read the .npy file: {exc}", path=where) from None
    if array.size == 0:
        raise DataError("the .npy file holds no bars", path=where)
    return bars_from_rates(array, symbol, timeframe, tz, source="mt5_rates_npy", path=where)

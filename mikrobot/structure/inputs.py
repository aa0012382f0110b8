"""Input checks at the pandas edge: bar frames to contiguous arrays, symbol specs, parameters.

Frames follow the canonical bar frame (``mikrobot.data.frame``): a UTC ``DatetimeIndex`` of
bar open times and float64 ``open``, ``high``, ``low``, ``close`` (plus ``spread`` in points
when the source has it). ``structure`` may not import ``mikrobot.data``, so the few checks it
needs live here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError
from mikrobot.core.instruments import SymbolRegistry
from mikrobot.core.symbol import SymbolSpec
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure.codes import M1_NS, M5_NS
from mikrobot.structure.nb import aggregate_nb, check_bars_nb
from mikrobot.structure.params import StructureParams


@dataclass(frozen=True, slots=True)
class BarArrays:
    """Arrays of one bar frame; ``spread`` is in points or None.

    The price arrays are the frame's own columns where they already are float64 (read-only
    views, possibly strided: the kernels take any layout, so no column is copied per call).
    """

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    spread: np.ndarray | None

    def __len__(self) -> int:
        return int(self.time.shape[0])


def bar_arrays(frame: pd.DataFrame, timeframe: Timeframe, name: str) -> BarArrays:
    """Check ``frame`` holds ``timeframe`` bars and return its arrays.

    Raises :class:`DataError` naming the frame (``name``), the field and the fix: a missing
    column, a non-UTC or unsorted index, duplicate or too-close times, NaN prices, or a
    ``timeframe`` attribute that is not ``timeframe``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame of bars, got {type(frame).__name__}")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise DataError(
            f"{name} needs a tz-aware DatetimeIndex of bar open times (UTC); "
            "load it with mikrobot.data.load_bars or set the index with tz='UTC'",
            field="index",
        )
    for column in ("open", "high", "low", "close"):
        if column not in frame.columns:
            raise DataError(
                f"{name} has no {column!r} column; columns are {list(frame.columns)}",
                field=column,
            )
    declared = frame.attrs.get("timeframe")
    if declared and Timeframe.parse(declared) is not timeframe:
        raise DataError(
            f"{name} holds {declared} bars but {timeframe.name} bars are needed", field="timeframe"
        )
    if str(index.tz) != "UTC" or index.unit != "ns":
        index = index.tz_convert("UTC").as_unit("ns")
    time = np.ascontiguousarray(index.asi8, dtype=np.int64)
    arrays = [frame[c].to_numpy(np.float64) for c in ("open", "high", "low", "close")]
    spread = None
    if "spread" in frame.columns:
        spread = frame["spread"].to_numpy(np.float64)
    points = np.zeros(0) if spread is None else spread
    code, k = check_bars_nb(time, *arrays, points, timeframe.nanos)
    if code == 1:
        problem = "not after" if time[k] <= time[k - 1] else f"less than {timeframe.name} after"
        raise DataError(
            f"{name}: bar {k} at {index[k]} is {problem} bar {k - 1} at {index[k - 1]}; "
            f"give {timeframe.name} bars sorted by time without duplicates",
            field="index",
        )
    if code == 6:
        raise DataError(
            f"{name}: spread must be a non-negative number of points, not at {index[k]}",
            field="spread",
        )
    if code > 1:
        column = ("open", "high", "low", "close")[code - 2]
        raise DataError(
            f"{name}: {column} is not a finite number at {index[k]}; drop or repair that bar",
            field=column,
        )
    return BarArrays(time, *arrays, spread)


def m5_from_m1(m1: BarArrays) -> BarArrays:
    """M5 bars built from M1 bars (MetaTrader semantics), keeping only complete M5 bars.

    The last M5 bar is dropped while it is still forming: when the data end before its close
    (its label + 5 min is after the close of the last M1 bar).
    """
    t, o, h, lo, c = aggregate_nb(m1.time, m1.open, m1.high, m1.low, m1.close, M5_NS)
    if t.size and t[-1] + M5_NS > m1.time[-1] + M1_NS:
        t, o, h, lo, c = t[:-1], o[:-1], h[:-1], lo[:-1], c[:-1]
    return BarArrays(t, o, h, lo, c, None)


def resolve_spec(spec: SymbolSpec | str | None, *frames: pd.DataFrame | None) -> SymbolSpec:
    """``spec`` itself, a registry lookup of a symbol name, or the frames' ``attrs['symbol']``."""
    if isinstance(spec, SymbolSpec):
        return spec
    name = spec
    if name is None:
        for frame in frames:
            if frame is not None and frame.attrs.get("symbol"):
                name = str(frame.attrs["symbol"])
                break
    if name is None:
        raise ValueError(
            "no symbol spec: pass spec=SymbolSpec(...) or a symbol name such as spec='EURUSD', "
            "or set frame.attrs['symbol'] (pip size and spread come from the symbol)"
        )
    return SymbolRegistry()[name]


def resolve_params(params: StructureParams | None) -> StructureParams:
    """``params`` or the SPEC defaults."""
    if params is None:
        return StructureParams()
    if not isinstance(params, StructureParams):
        raise TypeError(f"params must be a StructureParams, got {type(params).__name__}")
    return params

"""The canonical bar frame every loader returns and every consumer expects.

* index: ``DatetimeIndex`` named ``time``, dtype ``datetime64[ns, UTC]``, bar **open** times;
* columns, in this order: float64 ``open``, ``high``, ``low``, ``close``; int64 ``tick_volume``;
  and int64 ``spread`` (points) only when the source has it;
* ``attrs``: ``symbol`` (str or None), ``timeframe`` (a :class:`Timeframe` name such as ``"M5"``),
  ``source_tz`` (the zone the source file was written in), ``source`` (format name or None).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.timeframe import Timeframe

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")
COLUMNS: tuple[str, ...] = (*PRICE_COLUMNS, "tick_volume", "spread")
INDEX_NAME = "time"


def make_bars(
    time: pd.DatetimeIndex | np.ndarray,
    open: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    tick_volume: np.ndarray | None = None,
    spread: np.ndarray | None = None,
    *,
    symbol: str | None = None,
    timeframe: Timeframe | str | None = None,
    source_tz: str = "UTC",
    source: str | None = None,
) -> pd.DataFrame:
    """Build a canonical frame. ``time`` is a UTC ``DatetimeIndex`` or int64 UTC epoch nanoseconds.

    ``timeframe`` is inferred from the times when not given (and left None for a single bar).
    """
    if isinstance(time, pd.DatetimeIndex):
        index = time.tz_localize("UTC") if time.tz is None else time.tz_convert("UTC")
        index = index.as_unit("ns")
    else:
        index = pd.DatetimeIndex(np.asarray(time, dtype="int64").view("datetime64[ns]"), tz="UTC")
    index = index.rename(INDEX_NAME)
    n = len(index)
    data: dict[str, np.ndarray] = {
        "open": np.asarray(open, dtype=np.float64),
        "high": np.asarray(high, dtype=np.float64),
        "low": np.asarray(low, dtype=np.float64),
        "close": np.asarray(close, dtype=np.float64),
        "tick_volume": (
            np.zeros(n, dtype=np.int64)
            if tick_volume is None
            else np.asarray(tick_volume).astype(np.int64, copy=False)
        ),
    }
    if spread is not None:
        data["spread"] = np.asarray(spread).astype(np.int64, copy=False)
    for name, values in data.items():
        if values.shape != (n,):
            raise ValueError(f"column {name!r} has shape {values.shape}, expected ({n},)")
    frame = pd.DataFrame(data, index=index, copy=False)
    if timeframe is None and n >= 2:
        tf: Timeframe | None = Timeframe.infer(index.asi8)
    else:
        tf = None if timeframe is None else Timeframe.parse(timeframe)
    set_attrs(frame, symbol=symbol, timeframe=tf, source_tz=source_tz, source=source)
    return frame


def set_attrs(
    frame: pd.DataFrame,
    *,
    symbol: str | None,
    timeframe: Timeframe | str | None,
    source_tz: str = "UTC",
    source: str | None = None,
) -> pd.DataFrame:
    """Set the canonical ``attrs`` in place and return the frame."""
    frame.attrs["symbol"] = symbol
    frame.attrs["timeframe"] = None if timeframe is None else Timeframe.parse(timeframe).name
    frame.attrs["source_tz"] = source_tz
    frame.attrs["source"] = source
    return frame


def bars_timeframe(frame: pd.DataFrame) -> Timeframe:
    """The frame's timeframe from ``attrs``, else inferred from its index."""
    name = frame.attrs.get("timeframe")
    if name:
        return Timeframe.parse(name)
    return Timeframe.infer(frame.index.asi8)


def check_canonical(frame: pd.DataFrame) -> None:
    """Raise ``ValueError`` describing the first way ``frame`` departs from the canonical form."""
    if not isinstance(frame.index, pd.DatetimeIndex) or str(frame.index.tz) != "UTC":
        raise ValueError("bars need a UTC DatetimeIndex of bar open times")
    expected = [c for c in COLUMNS if c in frame.columns]
    if list(frame.columns) != expected or expected[:5] != list(COLUMNS[:5]):
        raise ValueError(
            f"bar columns must be {', '.join(COLUMNS[:5])} (+ spread), got {list(frame.columns)}"
        )
    for name in PRICE_COLUMNS:
        if frame[name].dtype != np.float64:
            raise ValueError(f"column {name!r} must be float64, got {frame[name].dtype}")
    for name in ("tick_volume", "spread"):
        if name in frame.columns and frame[name].dtype != np.int64:
            raise ValueError(f"column {name!r} must be int64, got {frame[name].dtype}")


def ohlc_arrays(frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """``(time_ns, open, high, low, close)`` as contiguous arrays for numba kernels."""
    return (
        np.ascontiguousarray(frame.index.asi8),
        *(np.ascontiguousarray(frame[c].to_numpy(np.float64)) for c in PRICE_COLUMNS),
    )


def describe_attrs(frame: pd.DataFrame) -> dict[str, Any]:
    """The canonical attrs as a plain dict (for reports and JSON)."""
    return {k: frame.attrs.get(k) for k in ("symbol", "timeframe", "source_tz", "source")}

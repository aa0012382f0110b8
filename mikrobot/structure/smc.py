"""A fast drop-in for ``smartmoneyconcepts`` 0.0.27 ``swing_highs_lows`` and ``bos_choch``.

.. warning::
   **This preset looks into the future. Never trade on it.** It exists to compare mikrobot with
   the widely used ``smartmoneyconcepts`` package on identical output, and it reproduces that
   package's look-ahead faithfully:

   * a swing at bar ``i`` needs ``L`` bars after it, and swings are thinned over the *whole*
     history, so a swing seen live can vanish once later bars arrive;
   * bar 0 and the last bar are always marked as swings;
   * a BOS/CHoCH flag is written on the row of the swing whose level breaks (s2), typically
     many bars before the break happened, and needs the two swings after it (s3, s4);
   * an event is erased when a later event breaks no later than it, and dropped when the data
     ends before it breaks, both of which depend on bars after the event.

   :func:`known_at` says when each reported event could really have been known. The causal
   engine (``mikrobot.structure.api``, SPEC §1-§2) is the one to trade.

Semantics (measured on the package's source, SPEC §2 "The smc-compatible preset"):

* bar ``i`` is a swing high when ``high[i]`` equals the maximum of ``high[i-L+1 .. i+L]``
  (ties count; the rolling window exists only for ``2L-1 <= i <= n-1-L`` and is void when it
  holds a NaN or an infinity, as pandas' rolling max sees them); a swing low mirrors it with ``low`` unless the bar is already a high;
* runs of same-kind swings are thinned to the highest high / lowest low (the earliest on a
  tie); then bar 0 gets the kind opposite to the first swing and the last bar the kind opposite
  to the last swing;
* on four consecutive swings s1..s4, L,H,L,H with ``l1 < l3 < l2 < l4`` is a bullish BOS and
  ``l4 > l2 > l1 > l3`` a bullish CHoCH, H,L,H,L mirrored the bearish ones; flag and ``Level``
  (s2's level as float32) sit on the row of s2; ``BrokenIndex`` is the first bar from
  ``s2 + 2`` whose close (or high/low when ``close_break=False``) is strictly beyond the
  float32 level; a later event that breaks no later erases an earlier event's flags and level
  (its ``BrokenIndex`` stays); events never broken are dropped;
* output rows are positional (a ``RangeIndex``), whatever the input's index.

Cost: O(n) for swings and O(n log n) at worst for breaks (the package is quadratic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure.smc_nb import (
    smc_bos_choch_nb,
    smc_known_index_nb,
    smc_swings_nb,
)

__all__ = ["bos_choch", "known_at", "swing_highs_lows"]

_SWING_COLUMNS = pd.Index(["HighLow", "Level"])


def _series(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` of ``df``, matched case-insensitively like the package."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of bars, got {type(df).__name__}")
    if name in df.columns:
        return df[name]
    for col in df.columns:
        if isinstance(col, str) and col.lower() == name:
            return df[col]
    raise DataError(
        f"the bars have no {name!r} column (columns: {list(df.columns)}); pass a frame with "
        "open/high/low/close columns, such as mikrobot's canonical bar frame",
        field=name,
    )


def _floats(series: pd.Series) -> np.ndarray:
    """``series`` as a float64 array (missing values as NaN) for the kernels, which take any
    layout: float64 columns are passed as they are (a view, perhaps strided), not copied."""
    if series.dtype == np.float64:  # numpy-backed floats: a view, NaN already NaN
        return series.to_numpy()
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of ``df`` (any case) as float64."""
    return _floats(_series(df, name))


def _length(swing_length: int) -> int:
    """``swing_length`` as an int, or ``ValueError`` unless it is an integer >= 1."""
    if isinstance(swing_length, bool) or not isinstance(swing_length, int | np.integer):
        raise ValueError(f"swing_length must be an int >= 1, got {swing_length!r}")
    if swing_length < 1:
        raise ValueError(f"swing_length must be >= 1, got {swing_length}")
    return int(swing_length)


def _swing_columns(df: pd.DataFrame, swing_highs_lows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """``(HighLow, Level)`` of a swing frame as float64 arrays, checked against the bars."""
    for name in ("HighLow", "Level"):
        if name not in swing_highs_lows.columns:
            raise DataError(
                f"swing_highs_lows has no {name!r} column; pass the frame that "
                "swing_highs_lows(df, swing_length) returned",
                field=name,
            )
    if len(swing_highs_lows) != len(df):
        raise ValueError(
            f"swing_highs_lows has {len(swing_highs_lows)} rows but the bars have {len(df)}; "
            "compute it on the same bars"
        )
    return _floats(swing_highs_lows["HighLow"]), _floats(swing_highs_lows["Level"])


def swing_highs_lows(df: pd.DataFrame, swing_length: int = 50) -> pd.DataFrame:
    """Swing highs and lows exactly as ``smartmoneyconcepts`` 0.0.27 ``smc.swing_highs_lows``.

    ``df`` has ``high`` and ``low`` columns (any case, like the package; mikrobot's canonical
    bar frame works). Returns a frame with a ``RangeIndex`` of ``len(df)`` rows and float64
    columns ``HighLow`` (1 swing high, -1 swing low, NaN otherwise) and ``Level`` (the swing's
    high or low, NaN otherwise; float32 when the input prices are float32, like the package).

    Uses ``swing_length`` bars after each swing and the whole history: not causal, see the
    module warning. Raises ``ValueError`` when ``swing_length`` is not an int >= 1 and
    ``DataError`` when a column is missing.
    """
    length = _length(swing_length)
    high_s, low_s = _series(df, "high"), _series(df, "low")
    high, low = _floats(high_s), _floats(low_s)
    both = smc_swings_nb(high, low, length)
    # the package's np.where keeps float32 prices float32 and turns integers into float64
    level_dtype = np.result_type(high_s.dtype, low_s.dtype, 0.0)
    rows = pd.RangeIndex(len(df))
    if level_dtype == np.float64:  # one float64 block, no copy
        return pd.DataFrame(both.T, index=rows, columns=_SWING_COLUMNS, copy=False)
    return pd.DataFrame({"HighLow": both[0], "Level": both[1].astype(level_dtype)}, index=rows)


def bos_choch(
    df: pd.DataFrame, swing_highs_lows: pd.DataFrame, close_break: bool = True
) -> pd.DataFrame:
    """Breaks of structure exactly as ``smartmoneyconcepts`` 0.0.27 ``smc.bos_choch``.

    ``df`` has ``high``, ``low`` and ``close`` columns; ``swing_highs_lows`` is the frame
    :func:`swing_highs_lows` (or the package) returned for the same bars, read positionally.
    ``close_break=True`` breaks a level by the close, ``False`` by the high (bullish) or low
    (bearish). Returns a frame with a ``RangeIndex`` and columns ``BOS`` and ``CHOCH``
    (float64: 1 bullish, -1 bearish, NaN none), ``Level`` (float32, the broken swing level) and
    ``BrokenIndex`` (float64 bar position of the break), all on the row of the broken swing.

    Uses bars after the flagged row: not causal, see the module warning and :func:`known_at`.
    Raises ``ValueError`` when the two frames differ in length and ``DataError`` when a column
    is missing.
    """
    highlow, level = _swing_columns(df, swing_highs_lows)
    if close_break:
        close = _column(df, "close")
        up, down = close, close
    else:
        up, down = _column(df, "high"), _column(df, "low")
    bos, choch, lvl, broken = smc_bos_choch_nb(highlow, level, up, down)
    return pd.DataFrame(
        {"BOS": bos, "CHOCH": choch, "Level": lvl, "BrokenIndex": broken},
        index=pd.RangeIndex(len(df)),
        copy=False,
    )


def known_at(
    df: pd.DataFrame,
    swing_highs_lows: pd.DataFrame,
    bos_choch: pd.DataFrame,
    swing_length: int,
) -> pd.DataFrame:
    """When each event of :func:`bos_choch` could have been known at the earliest.

    An event flagged on the row of swing s2 needs its break (bar ``BrokenIndex``) and the next
    swing s3, which exists only once the ``swing_length`` bars after it have closed, so it is
    known at the close of bar ``max(BrokenIndex, s3 + swing_length)`` at the earliest (SPEC §2;
    the package's whole-history thinning can move it later still, so this is a lower bound).

    Returns a frame with a ``RangeIndex`` aligned with ``bos_choch`` and columns
    ``KnownIndex`` (float64 bar position, NaN on rows without a BOS/CHOCH flag),
    ``LagBars`` (``KnownIndex`` minus the row: how far into the future the flag was written)
    and ``KnownTime`` (the close time of that bar, ``open time + timeframe``, in the index's
    zone; NaT when ``df`` has no ``DatetimeIndex`` or when there is no event). The bar length
    comes from ``df.attrs["timeframe"]`` (canonical frames) or is inferred from the index.
    """
    length = _length(swing_length)
    highlow, _ = _swing_columns(df, swing_highs_lows)
    if len(bos_choch) != len(df):
        raise ValueError(
            f"bos_choch has {len(bos_choch)} rows but the bars have {len(df)}; "
            "compute it on the same bars"
        )
    bos, choch, broken = (_floats(bos_choch[c]) for c in ("BOS", "CHOCH", "BrokenIndex"))
    known = smc_known_index_nb(highlow, bos, choch, broken, length)
    rows = pd.RangeIndex(len(df))
    times = pd.Series(pd.NaT, index=rows, dtype="datetime64[ns, UTC]")
    if isinstance(df.index, pd.DatetimeIndex) and len(df) >= 2:
        index = df.index.as_unit("ns")
        name = df.attrs.get("timeframe")  # set on mikrobot's canonical frames
        timeframe = Timeframe.parse(name) if name else Timeframe.infer(index.asi8)
        has = ~np.isnan(known)
        closes = index[known[has].astype(np.int64)] + timeframe.timedelta64
        times = pd.Series(pd.NaT, index=rows, dtype=closes.dtype)
        times.iloc[np.flatnonzero(has)] = closes
    return pd.DataFrame(
        {"KnownIndex": known, "LagBars": known - np.arange(len(df)), "KnownTime": times},
        index=rows,
    )

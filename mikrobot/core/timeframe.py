"""Bar timeframes with their MetaTrader 5 codes.

A bar is labelled by its **open time** and covers ``[open, open + timeframe)``; its
information exists only from ``open + timeframe`` (see DESIGN.md, "Time").
"""

from __future__ import annotations

from enum import Enum

import numpy as np

_MT5_HOUR_FLAG = 0x4000


class Timeframe(Enum):
    """A bar period. ``value`` is its length in minutes."""

    M1 = 1
    M5 = 5
    M15 = 15
    M30 = 30
    H1 = 60
    H4 = 240
    D1 = 1440

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return int(self.value)

    @property
    def seconds(self) -> int:
        """Length in seconds."""
        return int(self.value) * 60

    @property
    def nanos(self) -> int:
        """Length in nanoseconds (the unit of a pandas ``DatetimeIndex``)."""
        return int(self.value) * 60 * 1_000_000_000

    @property
    def timedelta64(self) -> np.timedelta64:
        """Length as ``numpy.timedelta64`` in nanoseconds."""
        return np.timedelta64(self.nanos, "ns")

    @property
    def mt5_code(self) -> int:
        """The ``mt5.TIMEFRAME_*`` constant (minutes below an hour, ``hours | 0x4000`` above)."""
        if self.value < 60:
            return int(self.value)
        return (int(self.value) // 60) | _MT5_HOUR_FLAG

    @property
    def pandas_freq(self) -> str:
        """A pandas offset alias of the same length (``"5min"``, ``"1h"``, ``"1D"``)."""
        if self.value < 60:
            return f"{self.value}min"
        if self.value < 1440:
            return f"{self.value // 60}h"
        return "1D"

    @classmethod
    def parse(cls, value: Timeframe | str | int) -> Timeframe:
        """Accept a Timeframe, a name (``"M5"``, ``"m5"``, ``"5min"``, ``"1h"``), minutes or an MT5 code.

        Raises ``ValueError`` naming the accepted values when nothing matches.
        """
        if isinstance(value, Timeframe):
            return value
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            ivalue = int(value)
            for tf in cls:
                if tf.value == ivalue or tf.mt5_code == ivalue:
                    return tf
        elif isinstance(value, str):
            text = value.strip().upper()
            if text in cls.__members__:
                return cls[text]
            for tf in cls:
                if text == tf.pandas_freq.upper() or text == f"{tf.value}MIN":
                    return tf
        names = ", ".join(cls.__members__)
        raise ValueError(f"unknown timeframe {value!r}: use one of {names}")

    @classmethod
    def infer(cls, open_times_ns: np.ndarray) -> Timeframe:
        """Infer the timeframe of sorted bar open times (int64 ns) from their smallest common step.

        Uses the most frequent positive difference, which survives gaps and weekend closes.
        """
        times = np.asarray(open_times_ns, dtype=np.int64)
        if times.size < 2:
            raise ValueError("need at least two bars to infer a timeframe")
        diffs = np.diff(times)
        diffs = diffs[diffs > 0]
        if diffs.size == 0:
            raise ValueError("cannot infer a timeframe: all bar times are equal")
        values, counts = np.unique(diffs, return_counts=True)
        step_minutes = int(values[np.argmax(counts)] // 60_000_000_000)
        try:
            return cls.parse(step_minutes)
        except ValueError:
            raise ValueError(
                f"bars are {step_minutes} minutes apart, which is not a supported timeframe"
            ) from None

    def __str__(self) -> str:
        return self.name

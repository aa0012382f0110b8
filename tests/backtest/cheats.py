"""Strategies that look ahead on purpose, each in a way seen in real research code.

Each returns a signal frame like :func:`mikrobot.structure.api.setups` does (a ``known_at``
column plus identifying columns); the look-ahead check must flag every one of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import mikrobot.structure as ms
from mikrobot.core.instruments import DEFAULT_SPECS

EURUSD = DEFAULT_SPECS["EURUSD"]
MINUTE = pd.Timedelta(minutes=1)


def next_close(m1: pd.DataFrame) -> pd.DataFrame:
    """Buy bar i when bar i+1 closes 2 pips higher, dated at bar i's close (``shift(-1)``)."""
    close = m1["close"]
    up = ((close.shift(-1) - close) > 0.0002).to_numpy()
    times = m1.index[up]
    return pd.DataFrame({"time": times, "direction": 1, "known_at": times + MINUTE})


def centred_swings(m1: pd.DataFrame, length: int = 3) -> pd.DataFrame:
    """Swing highs as centred rolling maxima (``length`` bars each side, ``min_periods=1``),
    dated at the swing bar's close, as if the bars after it were already known."""
    high = m1["high"]
    peak = high.rolling(2 * length + 1, center=True, min_periods=1).max()
    is_swing = (high == peak).to_numpy()
    times = m1.index[is_swing]
    return pd.DataFrame(
        {
            "time": times,
            "direction": -1,
            "level": high.to_numpy()[is_swing],
            "known_at": times + MINUTE,
        }
    )


def setups_known_at_break(m1: pd.DataFrame) -> pd.DataFrame:
    """The real setups, but each dated at its break's close instead of its confirmation."""
    frame = ms.setups(m1, None, EURUSD)
    frame["known_at"] = frame["break_known_at"]
    return frame


def setups_known_at_break_bare(m1: pd.DataFrame) -> pd.DataFrame:
    """:func:`setups_known_at_break` without the columns naming the retest bars."""
    return setups_known_at_break(m1)[["direction", "break_time", "level", "status", "known_at"]]


def whole_history_zscore(m1: pd.DataFrame) -> pd.DataFrame:
    """Causal 10-bar breakouts, each with a z-score of its close over the *whole* history."""
    close = m1["close"]
    breakout = (close > close.shift(1).rolling(10).max()).to_numpy()
    z = (close - close.mean()) / close.std()
    times = m1.index[breakout]
    return pd.DataFrame(
        {
            "time": times,
            "direction": 1,
            "z": z.to_numpy()[breakout],
            "known_at": times + MINUTE,
        }
    )


def entry_on_next_minute(m1: pd.DataFrame) -> pd.DataFrame:
    """Causal 10-bar breakouts entering at ``time + 1 min``, a bar that may not exist yet."""
    close = m1["close"]
    breakout = (close > close.shift(1).rolling(10).max()).to_numpy()
    times = m1.index[breakout]
    return pd.DataFrame(
        {
            "time": times,
            "direction": 1,
            "known_at": times + MINUTE,
            "entry_time": times + MINUTE,
            "entry": close.to_numpy()[breakout],
        }
    )


def enter_if_next_bar_rises(m1: pd.DataFrame) -> pd.DataFrame:
    """Causal 10-bar breakouts entered at the next bar's open, but only when that bar closes
    above its open: the entry is decided with the entry bar's own close."""
    close, open_ = m1["close"].to_numpy(), m1["open"].to_numpy()
    breakout = (m1["close"] > m1["close"].shift(1).rolling(10).max()).to_numpy()
    rows = np.flatnonzero(breakout[:-1] & (close[1:] > open_[1:]))
    return pd.DataFrame(
        {
            "time": m1.index[rows],
            "direction": 1,
            "known_at": m1.index[rows] + MINUTE,
            "entry_time": m1.index[rows + 1],
            "entry": open_[rows + 1],
        }
    )

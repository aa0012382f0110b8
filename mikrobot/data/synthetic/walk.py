"""``random_walk()``: the plain seeded random walk every benchmark uses (BENCHMARKS.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mikrobot.core.errors import ConfigError
from mikrobot.data.frame import make_bars
from mikrobot.data.synthetic.calendar import NS_PER_MIN

#: 5 days x 24 h x 60 min x 52 weeks: one year of weekday M1 bars.
YEAR_M1 = 374_400

_NS_PER_DAY = 1440 * NS_PER_MIN
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def weekday_minutes(start: str | pd.Timestamp, n: int) -> np.ndarray:
    """The first ``n`` minutes (UTC epoch ns) at or after ``start`` falling Monday to Friday UTC."""
    stamp = pd.Timestamp(start)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    first = -(-stamp.value // NS_PER_MIN) * NS_PER_MIN
    span = (n // (5 * 1440) + 2) * 7 * 1440
    grid = first + np.arange(span, dtype=np.int64) * NS_PER_MIN
    weekday = (grid // _NS_PER_DAY + _EPOCH_WEEKDAY) % 7
    return grid[weekday < 5][:n]


def _extend(edge: np.ndarray, w: np.ndarray, scale: float, digits: int) -> np.ndarray:
    """``max(round(edge + scale * |w|, digits), edge)`` for ``scale > 0`` (a high), ``min(round(
    edge - |scale| * |w|, digits), edge)`` for ``scale < 0`` (a low), computed in ``w``."""
    np.abs(w, out=w)
    w *= abs(scale)
    if scale > 0:
        np.add(edge, w, out=w)
        np.round(w, digits, out=w)
        return np.maximum(w, edge, out=w)
    np.subtract(edge, w, out=w)
    np.round(w, digits, out=w)
    return np.minimum(w, edge, out=w)


def random_walk(
    n: int = YEAR_M1,
    *,
    seed: int = 0,
    start_price: float = 1.10,
    sigma: float = 0.00015,
    start: str | pd.Timestamp = "2024-01-01",
    digits: int = 5,
    spread: int = 10,
    symbol: str | None = "EURUSD",
) -> pd.DataFrame:
    """The standard synthetic input: ``n`` M1 bars of a seeded Gaussian random walk.

    Bars sit on consecutive minutes from ``start`` (UTC), skipping Saturdays and Sundays UTC;
    the default ``n`` is 52 weeks of 5 x 24 x 60 minutes (374,400 bars, from Monday
    2024-01-01). With ``rng = numpy.random.default_rng(seed)``, drawn in this order:
    ``z = rng.standard_normal(n)``, ``w = rng.standard_normal((2, n))``, ``v = rng.random(n)``:

    * ``close[i] = round(start_price + sigma * (z[0] + ... + z[i]), digits)``;
    * ``open[0] = round(start_price, digits)``, ``open[i] = close[i - 1]``;
    * ``high = max(round(max(open, close) + 0.5 * sigma * |w[0]|, digits), open, close)``;
    * ``low = min(round(min(open, close) - 0.5 * sigma * |w[1]|, digits), open, close)``;
    * ``tick_volume = 1 + floor(30 * (high - low) / sigma + 20 * v)`` (always >= 1);
    * ``spread`` = the constant ``spread`` points.

    So close-to-close changes have standard deviation ``sigma`` (plus rounding, negligible), and
    the same arguments always give the same frame. ``attrs``: ``symbol``, ``"M1"``,
    ``source="synthetic"``.
    """
    if n < 1:
        raise ConfigError(f"random_walk needs n >= 1 bars, got {n}")
    if not sigma > 0:
        raise ConfigError(f"random_walk needs sigma > 0, got {sigma!r}")
    if spread < 0:
        raise ConfigError(f"random_walk spread must be >= 0 points, got {spread}")
    rng = np.random.default_rng(seed)
    # each step below is the formula above computed in place, to hold few n-long arrays at once
    close = rng.standard_normal(n)
    w_high, w_low = rng.standard_normal(n), rng.standard_normal(n)  # = standard_normal((2, n))
    v = rng.random(n)
    np.cumsum(close, out=close)
    close *= sigma
    close += start_price
    np.round(close, digits, out=close)
    open_ = np.empty(n)
    open_[0] = round(start_price, digits)
    open_[1:] = close[:-1]
    high = _extend(np.maximum(open_, close), w_high, 0.5 * sigma, digits)
    low = _extend(np.minimum(open_, close), w_low, -0.5 * sigma, digits)
    volume = np.subtract(high, low)
    volume *= 30.0
    volume /= sigma
    v *= 20.0
    volume += v
    np.floor(volume, out=volume)
    tick_volume = volume.astype(np.int64)
    tick_volume += 1
    return make_bars(
        weekday_minutes(start, n),
        open_,
        high,
        low,
        close,
        tick_volume,
        np.full(n, spread, dtype=np.int64),
        symbol=symbol,
        timeframe="M1",
        source="synthetic",
    )

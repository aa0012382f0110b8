"""Walk-forward windows: folds of an in-sample (train) window followed by an out-of-sample
(test) window over a sorted array of M1 bar open times.

Windows are half-open, ``[start, end)``, and are given either

* **by bar count** (``train=93_600, test=23_400`` bars; a string of digits counts too), or
* **by calendar**: durations (``"90D"``, ``"12h"``, ``"2W"``: anything ``pandas.Timedelta``
  reads) or whole months and years (``"3M"``, ``"3mo"``, ``"1Y"``); the three spans must be
  all durations or all months/years, so that every boundary is ``start + a whole number of
  units`` and the test windows cannot overlap through month-end arithmetic.

Fold ``k`` (0-based), with ``step`` defaulting to ``test``:

* rolling: train ``[s + k·step, s + k·step + train)``, test ``[train end, train end + test)``;
* anchored: train ``[s, s + train + k·step)``, test as above.

``s`` is the first bar (by count) or ``start`` (by calendar; default midnight UTC of the first
bar's day). A fold is made while its test window ends at or before the end of the data (the
last bar's open + one bar). ``step >= test`` is required, so test windows never overlap
(``step > test`` leaves unused bars between them). Every train and test window must hold at
least one bar.

Warm-up: the structure engine (and the volatility context) of a window may read bars before
the window's start; :func:`warmup_start` says from where. The default (``None``) is all
earlier bars: the causal engine then sees exactly what a live engine running since the first
bar would have seen, and nothing at or after the window's end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mikrobot.core.errors import ConfigError

NS_PER_MIN = 60_000_000_000
_MONTHS = re.compile(r"^\s*(\d+)\s*(m|mo|mon|month|months|y|yr|year|years)\s*$")
_DIGITS = re.compile(r"^\s*\d+\s*$")

#: a window length: a bar count, a duration, or a whole number of months
Span = int | pd.Timedelta | pd.DateOffset


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward fold: bar positions ``[train_lo, train_hi)`` and ``[test_lo, test_hi)``
    in the bars, and the windows' UTC bounds (``*_end`` exclusive)."""

    index: int
    train_lo: int
    train_hi: int
    test_lo: int
    test_hi: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp

    @property
    def train_days(self) -> float:
        """Length of the train window in days (``train_end − train_start``)."""
        return (self.train_end - self.train_start) / pd.Timedelta(days=1)

    @property
    def test_days(self) -> float:
        """Length of the test window in days (``test_end − test_start``)."""
        return (self.test_end - self.test_start) / pd.Timedelta(days=1)


def parse_span(value: int | str | pd.Timedelta | pd.DateOffset, name: str = "span") -> Span:
    """A window length: an ``int`` (or a string of digits) is a bar count; ``"3M"``/``"3mo"``/
    ``"1Y"`` whole months or years (a ``DateOffset``); anything else a ``pandas.Timedelta``
    (``"90D"``, ``"12h"``). ``name`` is used in the error. Raises :class:`ConfigError`."""
    if isinstance(value, bool):
        raise ConfigError(f"{name}: {value!r} is not a window length; write e.g. 90D, 3M or 5000")
    if isinstance(value, int | np.integer):
        span: Span = int(value)
    elif isinstance(value, pd.DateOffset):
        span = _months_offset(value, name)
    elif isinstance(value, pd.Timedelta):
        span = value
    elif isinstance(value, str):
        if _DIGITS.match(value):
            span = int(value)
        elif match := _MONTHS.match(value.lower()):
            count = int(match.group(1))
            years = match.group(2).startswith("y")
            span = pd.DateOffset(months=count * 12 if years else count)
        else:
            try:
                span = pd.Timedelta(value)
            except ValueError:
                raise ConfigError(
                    f"{name}: cannot read {value!r} as a window length; write a bar count "
                    "(5000), a duration (90D, 12h, 2W) or months/years (3M, 1Y)"
                ) from None
    else:
        raise ConfigError(f"{name}: {value!r} is not a window length; write e.g. 90D, 3M or 5000")
    if _size(span) <= 0:
        raise ConfigError(f"{name}: {value!r} must be longer than zero")
    return span


def _months_offset(value: pd.DateOffset, name: str) -> pd.DateOffset:
    kwds = dict(value.kwds)
    months = kwds.pop("months", 0) + 12 * kwds.pop("years", 0)
    if kwds or value.n != 1:
        raise ConfigError(
            f"{name}: only whole months or years are supported as a DateOffset, got {value!r}; "
            "use pd.DateOffset(months=3) or a duration such as '90D'"
        )
    return pd.DateOffset(months=months)


def _size(span: Span) -> int:
    """A comparable size within one kind: bars, ns or months."""
    if isinstance(span, int):
        return span
    if isinstance(span, pd.Timedelta):
        return int(span.value)
    return int(span.kwds.get("months", 0))


def _kind(span: Span) -> str:
    if isinstance(span, int):
        return "bars"
    return "duration" if isinstance(span, pd.Timedelta) else "months"


def make_folds(
    time: np.ndarray | pd.DatetimeIndex,
    *,
    train: int | str | pd.Timedelta | pd.DateOffset,
    test: int | str | pd.Timedelta | pd.DateOffset,
    step: int | str | pd.Timedelta | pd.DateOffset | None = None,
    anchored: bool = False,
    start: str | pd.Timestamp | None = None,
    bar_ns: int = NS_PER_MIN,
) -> list[Fold]:
    """The walk-forward folds over bars with open times ``time`` (UTC epoch ns or a UTC
    DatetimeIndex, strictly increasing); see the module docstring for the arithmetic.

    ``start`` (calendar windows only) is where fold 0's train window begins (default midnight
    UTC of the first bar's day); ``bar_ns`` is the bar length (the data end is the last open +
    ``bar_ns``). Raises :class:`ConfigError` naming the bad argument.
    """
    ts = _as_ns(time)
    if ts.shape[0] == 0:
        raise ConfigError("no bars: walk-forward windows need data")
    spans = {"train": parse_span(train, "train"), "test": parse_span(test, "test")}
    spans["step"] = spans["test"] if step is None else parse_span(step, "step")
    kinds = {name: _kind(s) for name, s in spans.items()}
    if len(set(kinds.values())) > 1:
        raise ConfigError(
            "train, test and step must be the same kind of length, got "
            + ", ".join(f"{k}={v}" for k, v in kinds.items())
            + ": give all as bar counts (5000), all as durations (90D) or all in months (3M)"
        )
    if _size(spans["step"]) < _size(spans["test"]):
        raise ConfigError(
            f"step ({step}) is shorter than test ({test}): the test windows would overlap; "
            "set step >= test"
        )
    if kinds["train"] == "bars":
        if start is not None:
            raise ConfigError("start applies to calendar windows only: drop it or use 90D/3M")
        bounds = _bar_bounds(ts.shape[0], spans, anchored)
    else:
        bounds = _calendar_bounds(ts, spans, anchored, start, bar_ns)
    if not bounds:
        first, last = _stamp(ts[0]), _stamp(ts[-1])
        raise ConfigError(
            f"the data ({ts.shape[0]} bars, {first} to {last}) are too short for one fold of "
            f"train {train} + test {test}: shorten the windows or give more data"
        )
    return [_fold(k, b, ts, kinds["train"] == "bars", bar_ns) for k, b in enumerate(bounds)]


def _as_ns(time: np.ndarray | pd.DatetimeIndex) -> np.ndarray:
    if isinstance(time, pd.DatetimeIndex):
        if time.tz is None:
            raise ConfigError("bar times need a UTC DatetimeIndex (tz-aware)")
        return np.asarray(time.tz_convert("UTC").as_unit("ns").asi8)
    return np.asarray(time, dtype=np.int64)


def _stamp(ns: int) -> pd.Timestamp:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC")


def _bar_bounds(n: int, spans: dict[str, Span], anchored: bool) -> list[tuple[int, ...]]:
    train, test, step = (int(spans[k]) for k in ("train", "test", "step"))  # type: ignore[call-overload]
    out = []
    k = 0
    while True:
        lo = 0 if anchored else k * step
        hi = train + k * step
        if hi + test > n:
            return out
        out.append((lo, hi, hi, hi + test))
        k += 1


def _calendar_bounds(
    ts: np.ndarray,
    spans: dict[str, Span],
    anchored: bool,
    start: str | pd.Timestamp | None,
    bar_ns: int,
) -> list[tuple[int, ...]]:
    if start is None:
        origin = _stamp(ts[0]).normalize()
    else:
        origin = pd.Timestamp(start)
        origin = origin.tz_localize("UTC") if origin.tz is None else origin.tz_convert("UTC")
    data_end = int(ts[-1]) + bar_ns

    def at(units: int) -> int:
        if isinstance(spans["train"], pd.Timedelta):
            return int(origin.value) + units
        return int((origin + pd.DateOffset(months=units)).as_unit("ns").value)

    train, test, step = (_size(spans[k]) for k in ("train", "test", "step"))
    out = []
    k = 0
    while True:
        t0 = at(0 if anchored else k * step)
        t1 = at(train + k * step)
        t2 = at(train + k * step + test)
        if t2 > data_end:
            return out
        out.append((t0, t1, t1, t2))
        k += 1


def _fold(k: int, b: tuple[int, ...], ts: np.ndarray, by_bars: bool, bar_ns: int) -> Fold:
    n = ts.shape[0]
    if by_bars:
        lo, hi, tlo, thi = b

        def edge(i: int) -> pd.Timestamp:
            return _stamp(ts[i]) if i < n else _stamp(ts[n - 1] + bar_ns)

        times = (edge(lo), edge(hi), edge(tlo), edge(thi))
    else:
        lo, hi, tlo, thi = (int(np.searchsorted(ts, t, side="left")) for t in b)
        times = tuple(_stamp(t) for t in b)  # type: ignore[assignment]
    fold = Fold(k, lo, hi, tlo, thi, *times)
    for name, a, z, s, e in (
        ("train", lo, hi, times[0], times[1]),
        ("test", tlo, thi, times[2], times[3]),
    ):
        if z <= a:
            raise ConfigError(
                f"fold {k}: the {name} window {s} to {e} holds no bars; lengthen the windows "
                "or move start"
            )
    return fold


def warmup_start(
    time: np.ndarray,
    lo: int,
    warmup: int | str | pd.Timedelta | None,
    start: pd.Timestamp | None = None,
) -> int:
    """The first bar the structure engine reads for a window whose first bar is ``lo``.

    ``None``: bar 0 (all earlier bars); an ``int`` (or a string of digits): that many bars
    before ``lo`` (0: none); a duration (``"30D"``, a Timedelta): the first bar at or after
    the window's ``start`` (default ``time[lo]``) minus ``warmup``. Raises
    :class:`ConfigError` for months or a bad value.
    """
    if warmup is None:
        return 0
    if isinstance(warmup, int | np.integer) and not isinstance(warmup, bool) and warmup == 0:
        return lo
    if isinstance(warmup, str) and _DIGITS.match(warmup) and int(warmup) == 0:
        return lo
    span = parse_span(warmup, "warmup")
    if isinstance(span, int):
        return max(0, lo - span)
    if not isinstance(span, pd.Timedelta):
        raise ConfigError("warmup: give a bar count or a duration such as 30D (not months)")
    origin = int(time[lo]) if start is None else int(start.value)
    return min(lo, int(np.searchsorted(time, origin - int(span.value), side="left")))


def describe(
    train: object, test: object, step: object, anchored: bool, warmup: object
) -> dict[str, str | bool]:
    """The window settings as JSON-able strings (for summaries and hashes)."""
    return {
        "train": str(train),
        "test": str(test),
        "step": str(test if step is None else step),
        "anchored": bool(anchored),
        "warmup": "all" if warmup is None else str(warmup),
    }

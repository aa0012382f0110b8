"""Bar arrays: aggregation of bars into a longer timeframe with MetaTrader semantics.

Pure numpy (``core`` imports nothing else). ``mikrobot.data.resample`` wraps this for frames.
"""

from __future__ import annotations

import numpy as np

_NS_PER_MIN = 60_000_000_000


def aggregate_ohlc(
    time_ns: np.ndarray,
    open: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray | None,
    spread: np.ndarray | None,
    minutes: int,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray | None,
    np.ndarray | None,
]:
    """Aggregate bars into ``minutes``-long bars the way MetaTrader builds them.

    A source bar opening at ``t`` (UTC epoch ns) falls in the bin labelled
    ``floor(t / tf) * tf`` with ``tf = minutes`` minutes; the bin covers ``[label, label + tf)``.
    Each bin that holds at least one bar gives one output bar: open = first open, high = max,
    low = min, close = last close, volume = sum, spread = min (bins without bars are not
    invented, so gaps stay gaps). ``volume`` and ``spread`` may be None and then come back None.

    ``time_ns`` must be strictly increasing; otherwise ``ValueError`` names the first bad
    position. Returns ``(label_ns, open, high, low, close, volume, spread)``.
    """
    if minutes < 1:
        raise ValueError(f"minutes must be >= 1, got {minutes}")
    t = np.asarray(time_ns, dtype=np.int64)
    n = t.size
    arrays = [np.asarray(a, dtype=np.float64) for a in (open, high, low, close)]
    for name, a in zip(("open", "high", "low", "close"), arrays, strict=True):
        if a.shape != (n,):
            raise ValueError(f"{name} has shape {a.shape}, expected ({n},) like time_ns")
    if n > 1:
        bad = np.flatnonzero(np.diff(t) <= 0)
        if bad.size:
            raise ValueError(
                f"time_ns must be strictly increasing: position {int(bad[0]) + 1} is not after "
                f"position {int(bad[0])}; sort the bars and drop duplicates first"
            )
    tf = minutes * _NS_PER_MIN
    labels = (t // tf) * tf
    o, h, lo, c = arrays
    v = None if volume is None else np.asarray(volume)
    s = None if spread is None else np.asarray(spread)
    if n == 0:
        return (
            labels, o.copy(), h.copy(), lo.copy(), c.copy(),
            None if v is None else v.copy(), None if s is None else s.copy(),
        )  # fmt: skip
    starts = np.concatenate(([0], np.flatnonzero(labels[1:] != labels[:-1]) + 1))
    ends = np.append(starts[1:], n) - 1
    return (
        labels[starts],
        o[starts],
        np.maximum.reduceat(h, starts),
        np.minimum.reduceat(lo, starts),
        c[ends],
        None if v is None else np.add.reduceat(v, starts),
        None if s is None else np.minimum.reduceat(s, starts),
    )

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
        bad = t[1:] <= t[:-1]
        if bad.any():
            first = int(bad.argmax())
            raise ValueError(
                f"time_ns must be strictly increasing: position {first + 1} is not after "
                f"position {first}; sort the bars and drop duplicates first"
            )
    tf = minutes * _NS_PER_MIN
    o, h, lo, c = arrays
    v = None if volume is None else np.asarray(volume)
    s = None if spread is None else np.asarray(spread)
    if n == 0:
        return (
            t.copy(), o.copy(), h.copy(), lo.copy(), c.copy(),
            None if v is None else v.copy(), None if s is None else s.copy(),
        )  # fmt: skip
    bins = t // tf
    starts = np.flatnonzero(bins[1:] != bins[:-1]) + 1
    starts = np.concatenate((np.zeros(1, starts.dtype), starts))
    ends = np.append(starts[1:], n) - 1
    return (
        bins[starts] * tf,
        o[starts],
        _reduce(np.maximum, h, starts, ends),
        _reduce(np.minimum, lo, starts, ends),
        c[ends],
        None if v is None else _reduce(np.add, v, starts, ends),
        None if s is None else _reduce(np.minimum, s, starts, ends),
    )


#: bins of at most this many bars are reduced column by column instead of by ``reduceat``
_SHORT_BINS = 16


def _reduce(
    ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """``ufunc.reduceat(values, starts)`` for bins ``starts[k] .. ends[k]`` (the same values).

    ``reduceat`` spends most of its time per bin, which is slow for short bins (five M1 bars
    in an M5 bar); with at most ``_SHORT_BINS`` bars in every bin, the k-th bar of every bin
    is folded in with one vectorised call instead, in bar order, so every bin sees the same
    operations in the same order as in ``reduceat``. A max/min reads a bin's last bar again
    where the bin is shorter (max(x, x) is x); a sum of floats keeps ``reduceat`` (its
    pairwise summation orders long bins differently).
    """
    longest = int((ends - starts).max()) + 1
    idempotent = ufunc is not np.add
    exact = idempotent or values.dtype == np.int64
    if longest > _SHORT_BINS or not exact or (longest - 1) * starts.size > 2 * values.size:
        return ufunc.reduceat(values, starts)
    out = values[starts]
    index = starts.copy()
    for _ in range(1, longest):
        index += 1
        if idempotent:
            np.minimum(index, ends, out=index)
            ufunc(out, values[index], out=out)
        else:  # int64 (exact in any order): add the bins that still have a bar
            more = index <= ends
            out[more] += values[index[more]]
    return out

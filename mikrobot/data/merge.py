"""Merging bar columns by open time: sort, drop duplicate times, count conflicts.

Bars travel here as :class:`BarColumns`, a plain dict of equal-length numpy arrays keyed by the
canonical column names plus ``"time"`` (int64 UTC epoch nanoseconds). No pandas: the Parquet
store merges a year of M1 bars in a few milliseconds this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIME = "time"

BarColumns = dict[str, np.ndarray]
"""``{"time": int64 ns, "open": float64, ..., "tick_volume": int64[, "spread": int64]}``."""


@dataclass(frozen=True, slots=True)
class MergeStats:
    """What one merge did. ``duplicates`` counts incoming rows that did not add a new time."""

    rows_before: int
    rows_after: int
    rows_in: int
    duplicates: int
    conflicts: int

    @property
    def added(self) -> int:
        """Rows the merge added (``rows_after - rows_before``)."""
        return self.rows_after - self.rows_before

    @property
    def changed(self) -> bool:
        """True when the merged columns differ from the existing ones."""
        return self.added != 0 or self.conflicts != 0


def empty_columns(names: tuple[str, ...]) -> BarColumns:
    """Zero-length columns with the canonical dtypes for ``names`` (``"time"`` included)."""
    return {name: np.empty(0, dtype=column_dtype(name)) for name in names}


def column_dtype(name: str) -> np.dtype:
    """The numpy dtype of a stored column: int64 for time and counts, float64 for prices."""
    return np.dtype(np.int64 if name in (TIME, "tick_volume", "spread") else np.float64)


def take(columns: BarColumns, index: np.ndarray | slice) -> BarColumns:
    """The rows ``index`` (positions, a boolean mask or a slice) of every column."""
    return {name: values[index] for name, values in columns.items()}


def merge_columns(existing: BarColumns, incoming: BarColumns) -> tuple[BarColumns, MergeStats]:
    """Merge ``incoming`` bars into ``existing`` ones; the later row wins on equal times.

    ``existing`` must be sorted by time without duplicates (as the store keeps it); ``incoming``
    may be in any order and may repeat times (its later rows win over its earlier ones, all of
    them win over ``existing``). Both must have the same column names. Returns the merged
    columns, sorted and unique by time, and the statistics: a *conflict* is a dropped row whose
    values differ from the row that finally holds its time (NaN equals NaN). The returned
    arrays may be the input arrays themselves (never modified): copy before writing to them.
    """
    if existing.keys() != incoming.keys():
        raise ValueError(f"cannot merge columns {sorted(incoming)} into columns {sorted(existing)}")
    n_old = len(existing[TIME])
    n_new = len(incoming[TIME])
    old_times, new_times = existing[TIME], incoming[TIME]
    increasing = n_new < 2 or bool(np.all(new_times[1:] > new_times[:-1]))
    if not increasing:
        return _merge_by_sort(existing, incoming)
    if n_new == 0:
        return existing, MergeStats(n_old, n_old, 0, 0, 0)
    if n_old == 0:
        return dict(incoming), MergeStats(0, n_new, n_new, 0, 0)
    if new_times[0] > old_times[-1]:
        # Strictly increasing rows that all come after the existing ones: a concatenation.
        merged = {name: np.concatenate([existing[name], incoming[name]]) for name in existing}
        return merged, MergeStats(n_old, n_old + n_new, n_new, 0, 0)
    # Incoming times are unique and sorted: locate each one among the existing times.
    pos = np.searchsorted(old_times, new_times)
    found = pos < n_old
    found[found] = old_times[pos[found]] == new_times[found]
    n_found = int(found.sum())
    conflicts = 0
    replace: np.ndarray | None = None
    if n_found:
        at = pos[found]
        differs = np.zeros(n_found, dtype=bool)
        for name in existing:
            if name != TIME:
                differs |= _unequal(existing[name][at], incoming[name][found])
        conflicts = int(differs.sum())
        if conflicts:
            replace = np.flatnonzero(found)[differs]
    fresh = ~found
    n_fresh = n_new - n_found
    if n_fresh == 0 and replace is None:
        merged = existing  # nothing to do: every incoming row is already stored as it is
    else:
        # Output slot of each fresh row: its insertion point plus the fresh rows before it.
        fresh_slots = pos[fresh] + np.arange(n_fresh)
        is_fresh = np.zeros(n_old + n_fresh, dtype=bool)
        is_fresh[fresh_slots] = True
        merged = {}
        for name, values in existing.items():
            out = np.empty(n_old + n_fresh, dtype=values.dtype)
            out[fresh_slots] = incoming[name][fresh]
            if replace is not None:
                values = values.copy()
                values[pos[replace]] = incoming[name][replace]
            out[~is_fresh] = values
            merged[name] = out
    stats = MergeStats(n_old, n_old + n_fresh, n_new, n_found, conflicts)
    return merged, stats


def _unequal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise ``a != b`` where NaN equals NaN."""
    unequal = a != b
    if a.dtype.kind == "f":
        unequal &= ~(np.isnan(a) & np.isnan(b))
    return unequal


def _merge_by_sort(existing: BarColumns, incoming: BarColumns) -> tuple[BarColumns, MergeStats]:
    """General merge for incoming rows in any order, with repeated times."""
    n_old = len(existing[TIME])
    n_new = len(incoming[TIME])
    combined = {name: np.concatenate([existing[name], incoming[name]]) for name in existing}
    # A stable sort keeps equal times in arrival order, so the last of each run is the winner.
    order = np.argsort(combined[TIME], kind="stable")
    sorted_times = combined[TIME][order]
    keep = np.ones(sorted_times.size, dtype=bool)
    keep[:-1] = sorted_times[1:] != sorted_times[:-1]
    dropped = np.flatnonzero(~keep)
    conflicts = 0
    if dropped.size:
        winners = order[np.searchsorted(sorted_times, sorted_times[dropped], side="right") - 1]
        losers = order[dropped]
        differs = np.zeros(dropped.size, dtype=bool)
        for name, values in combined.items():
            if name != TIME:
                differs |= _unequal(values[losers], values[winners])
        conflicts = int(differs.sum())
    kept = order[keep]
    merged = {name: values[kept] for name, values in combined.items()}
    rows_after = int(kept.size)
    stats = MergeStats(
        rows_before=n_old,
        rows_after=rows_after,
        rows_in=n_new,
        duplicates=n_new - (rows_after - n_old),
        conflicts=conflicts,
    )
    return merged, stats


def years_of(times_ns: np.ndarray) -> np.ndarray:
    """Calendar year (UTC) of each int64 epoch-nanosecond time."""
    return (
        np.asarray(times_ns, dtype=np.int64)
        .view("datetime64[ns]")
        .astype("datetime64[Y]")
        .astype(np.int64)
        + 1970
    )


def year_start_ns(year: int) -> int:
    """Epoch nanoseconds of 1 January ``year``, 00:00 UTC."""
    return int(np.datetime64(f"{year:04d}-01-01", "ns").astype(np.int64))


def split_by_year(columns: BarColumns) -> dict[int, BarColumns]:
    """Rows grouped by UTC calendar year, each group keeping the input order."""
    times = columns[TIME]
    if times.size == 0:
        return {}
    if times.size < 2 or bool(np.all(times[1:] >= times[:-1])):
        # Sorted: find the year boundaries by binary search instead of converting every time.
        first, last = (int(y) for y in years_of(times[[0, -1]]))
        cuts = [0]
        cuts += [int(np.searchsorted(times, year_start_ns(y))) for y in range(first + 1, last + 1)]
        cuts.append(times.size)
        return {
            first + k: take(columns, slice(cuts[k], cuts[k + 1]))
            for k in range(last - first + 1)
            if cuts[k + 1] > cuts[k]
        }
    years = years_of(times)
    return {int(y): take(columns, years == y) for y in np.unique(years)}

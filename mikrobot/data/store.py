"""The Parquet bar store: one dataset per symbol and timeframe, partitioned by UTC year.

Layout (each dataset a :class:`~mikrobot.data.snapshots.VersionedDir`)::

    <root>/EURUSD/M1/CURRENT                         name of the published version
    <root>/EURUSD/M1/v000007/_manifest.json          columns, attrs, rows/first/last per year
    <root>/EURUSD/M1/v000007/year=2022/bars.parquet  canonical bars of 2022, sorted by time

A version directory is a complete hive-partitioned Parquet dataset, so DuckDB or pyarrow can
query ``BarStore.dataset_path(symbol, timeframe)`` directly. Files hold ``time`` as
``timestamp[ns, UTC]``, float64 ``open/high/low/close``, int64 ``tick_volume`` and (when the
dataset has it) int64 ``spread``; the frame attrs live in the manifest and in each file's
schema metadata (key ``mikrobot``).

Guarantees:

* **All or nothing.** Everything that can fail on the input (parsing, validation in strict mode,
  symbol/timeframe/column checks, non-finite prices) happens before anything is written. A
  write builds the new version aside (unchanged year files are hard links to the old ones) and
  publishes it by replacing ``CURRENT`` atomically, so a crash at any point leaves the previous
  version intact, and a reader never sees a half-written dataset.
* **Later wins.** Appending rows whose open times are already stored replaces the stored rows;
  a replaced row whose values differ is counted as a *conflict*.
* Writers serialise on ``<root>/.lock``; readers take no lock.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mikrobot.core.errors import DataError
from mikrobot.core.instruments import DEFAULT_SPECS, canonical_name
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.merge import (
    TIME,
    BarColumns,
    empty_columns,
    merge_columns,
    split_by_year,
)
from mikrobot.data.snapshots import VersionedDir, file_lock

if TYPE_CHECKING:
    import pandas as pd

    from mikrobot.core.symbol import SymbolSpec
    from mikrobot.data.validation import ValidationReport

MANIFEST = "_manifest.json"
YEAR_FILE = "bars.parquet"
FORMAT_VERSION = 1
LOCK = ".lock"
HISTORY_LIMIT = 50
ROW_GROUP_ROWS = 65_536  # about six weeks of M1: lets a start/end filter skip row groups
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9._#+\-]{0,39}$")
_READ_RETRIES = 5
_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import (or :meth:`BarStore.append`) did to one dataset.

    ``rows_before``/``rows_after`` count the whole dataset; ``added = rows_after - rows_before``;
    ``duplicates`` counts incoming rows whose open time was already stored (or repeated in the
    input); ``conflicts`` counts those whose values differed (the incoming row won).
    """

    symbol: str
    timeframe: str
    rows_in: int
    rows_before: int
    rows_after: int
    duplicates: int
    conflicts: int
    years: tuple[int, ...]
    version: str | None
    path: str | None = None
    report: ValidationReport | None = None
    notes: tuple[str, ...] = ()

    @property
    def added(self) -> int:
        """Rows added to the dataset."""
        return self.rows_after - self.rows_before

    def summary(self) -> str:
        """One line: source, dataset, rows read, added, duplicates, conflicts and the gaps in
        trading hours the validation found (closed-market gaps are not counted)."""
        source = f"{Path(self.path).name}: " if self.path else ""
        years = ",".join(str(y) for y in self.years) or "-"
        text = (
            f"{source}{self.symbol} {self.timeframe} {self.rows_in:,} rows, "
            f"{self.added:,} added, {self.duplicates:,} duplicates "
            f"({self.conflicts:,} conflicting, new values kept), years {years}"
        )
        if self.report is not None:
            from mikrobot.data.gaps import IN_SESSION

            gaps = self.report.of_kind("gap", IN_SESSION)
            missing = sum(g.count for g in gaps)
            text += f", {len(gaps):,} gaps in trading hours ({missing:,} bars missing)"
        return text + f"; dataset now {self.rows_after:,} rows"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the validation report as its own ``to_dict()``)."""
        return {
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "path": self.path,
            "rows_in": self.rows_in,
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "added": self.added,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "years": list(self.years),
            "version": self.version,
            "notes": list(self.notes),
            "report": None if self.report is None else self.report.to_dict(),
        }


@dataclass(slots=True)
class _Batch:
    """Checked input for one dataset: columns plus where they came from."""

    symbol: str
    timeframe: Timeframe
    columns: BarColumns
    source_tz: str | None
    source: str | None
    years: tuple[int, ...]
    path: str | None = None
    report: ValidationReport | None = None
    notes: builtins.list[str] = field(default_factory=builtins.list)


class BarStore:
    """A directory of canonical bar datasets, one per symbol and timeframe.

    ``durable`` flushes files to disk before publishing (turn it off only for throwaway
    stores); ``compression`` is the Parquet codec (``"lz4"``, ``"zstd"``, ``"snappy"``,
    ``"none"``).
    """

    def __init__(
        self, root: str | os.PathLike[str], *, durable: bool = True, compression: str = "lz4"
    ) -> None:
        self.root = Path(root).expanduser()
        self.durable = durable
        self.compression = compression

    def __repr__(self) -> str:
        return f"BarStore({str(self.root)!r})"

    # ------------------------------------------------------------------ names and paths
    @staticmethod
    def canonical_symbol(symbol: str) -> str:
        """The stored name of ``symbol`` (``"eurusd.a"`` -> ``"EURUSD"``); DataError if unusable."""
        name = canonical_name(str(symbol))
        if not _SYMBOL.match(name) or name.endswith("."):
            raise DataError(
                f"symbol {symbol!r} cannot name a dataset: use letters, digits and . _ # + - "
                "(at most 40 characters)",
                field="symbol",
            )
        return name

    def _dataset(self, symbol: str, timeframe: Timeframe | str | int) -> VersionedDir:
        tf = Timeframe.parse(timeframe)
        return VersionedDir(
            self.root / self.canonical_symbol(symbol) / tf.name, durable=self.durable
        )

    def dataset_path(self, symbol: str, timeframe: Timeframe | str | int) -> Path | None:
        """The published version directory (a hive-partitioned Parquet dataset), or None.

        Point DuckDB at ``<path>/year=*/*.parquet``. The directory stays valid until the second
        write after this call.
        """
        return self._dataset(symbol, timeframe).current_path()

    # ------------------------------------------------------------------ writing
    def append(
        self,
        df: pd.DataFrame,
        *,
        symbol: str | None = None,
        timeframe: Timeframe | str | None = None,
        progress: bool | None = False,
    ) -> ImportResult:
        """Merge a canonical bar frame into its dataset and publish the result atomically.

        ``symbol``/``timeframe`` default to ``df.attrs`` (the timeframe is inferred from the
        index when neither says). Raises :class:`DataError` (store untouched) when the frame is
        not canonical, a price is not finite, a time is NaT, the timeframe contradicts
        ``df.attrs``, or the frame lacks a ``spread`` column the dataset has.
        """
        batch = self._prepare(df, symbol=symbol, timeframe=timeframe)
        return self._commit([batch], progress=progress)[0]

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        symbol: str,
        timeframe: Timeframe | str | None = None,
        tz: str | None = None,
        format: str | None = None,
        strict: bool = False,
        spec: SymbolSpec | None = None,
        progress: bool | None = False,
    ) -> ImportResult:
        """Load a bar file, validate it and append it: see :meth:`import_files`."""
        return self.import_files(
            [path],
            symbol=symbol,
            timeframe=timeframe,
            tz=tz,
            format=format,
            strict=strict,
            spec=spec,
            progress=progress,
        )[0]

    def import_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        symbol: str,
        timeframe: Timeframe | str | None = None,
        tz: str | None = None,
        format: str | None = None,
        strict: bool = False,
        spec: SymbolSpec | None = None,
        progress: bool | None = False,
    ) -> builtins.list[ImportResult]:
        """Import files in order (a later file wins on equal times); one result per file.

        Every file is loaded (``mikrobot.data.loaders.load_bars``; ``tz=None`` means the
        format's own zone) and validated (``mikrobot.data.validation.validate`` with ``spec``,
        else the default spec of the symbol) before anything is written, so a
        :class:`DataError` in any file, or a failed report with ``strict=True``, leaves the
        store untouched. Each dataset is then published once. ``progress``: True shows tqdm
        bars, None shows them only on a terminal.
        """
        from tqdm.auto import tqdm

        from mikrobot.data.loaders import load_bars
        from mikrobot.data.validation import validate

        name = self.canonical_symbol(symbol)
        spec = spec if spec is not None else DEFAULT_SPECS.get(name)
        batches: builtins.list[_Batch] = []
        bar = tqdm(total=len(paths), desc="reading", unit="file", disable=_tqdm_disable(progress))
        with bar:
            for raw in paths:
                path = str(raw)
                bar.set_postfix_str(Path(path).name)
                frame = load_bars(path, symbol=name, timeframe=timeframe, tz=tz, format=format)
                report = validate(frame, spec=spec)
                if strict and not report.ok:
                    errors = "; ".join(f.message for f in report.errors[:5])
                    more = len(report.errors) - 5
                    raise DataError(
                        f"{len(report.errors)} validation error(s) in strict mode: {errors}"
                        + (f" (and {more} more)" if more > 0 else "")
                        + "; fix the file, or import without strict to store it as it is",
                        path=path,
                    )
                batch = self._prepare(frame, symbol=name, timeframe=timeframe, path=path)
                batch.report = report
                batches.append(batch)
                bar.update(1)
        return self._commit(batches, progress=progress)

    def _prepare(
        self,
        df: pd.DataFrame,
        *,
        symbol: str | None,
        timeframe: Timeframe | str | None,
        path: str | None = None,
    ) -> _Batch:
        """Check a frame and turn it into columns; raises DataError, writes nothing."""
        import pandas as pd

        from mikrobot.data.frame import COLUMNS, check_canonical

        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame of bars, got {type(df).__name__}")
        try:
            check_canonical(df)
        except ValueError as exc:
            raise DataError(
                f"{exc} (build the frame with mikrobot.data.make_bars)", path=path
            ) from None
        raw_symbol = symbol if symbol is not None else df.attrs.get("symbol")
        if not raw_symbol:
            raise DataError(
                "the bars carry no symbol: pass symbol= (or --symbol)", path=path, field="symbol"
            )
        name = self.canonical_symbol(raw_symbol)
        tf = self._timeframe_of(df, timeframe, path)
        index = df.index.as_unit("ns")
        times = np.ascontiguousarray(index.asi8)
        if times.size and bool((times == _NAT).any()):
            pos = int(np.flatnonzero(times == _NAT)[0])
            raise DataError(f"bar {pos} has no time (NaT)", path=path, field="time")
        columns: BarColumns = {TIME: times}
        for col in COLUMNS:
            if col in df.columns:
                columns[col] = np.ascontiguousarray(df[col].to_numpy())
        for col in ("open", "high", "low", "close"):
            bad = ~np.isfinite(columns[col])
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise DataError(
                    f"bar at {index[pos]} has {col}={float(columns[col][pos])}; drop or repair "
                    "the row before importing",
                    path=path,
                    field=col,
                )
        return _Batch(
            symbol=name,
            timeframe=tf,
            columns=columns,
            source_tz=df.attrs.get("source_tz"),
            source=df.attrs.get("source"),
            years=tuple(split_by_year({TIME: times})),
            path=path,
        )

    @staticmethod
    def _timeframe_of(
        df: pd.DataFrame, timeframe: Timeframe | str | None, path: str | None
    ) -> Timeframe:
        try:
            given = None if timeframe is None else Timeframe.parse(timeframe)
            attr = df.attrs.get("timeframe")
            stated = None if not attr else Timeframe.parse(attr)
        except ValueError as exc:
            raise DataError(str(exc), path=path, field="timeframe") from None
        if given is not None and stated is not None and given is not stated:
            raise DataError(
                f"the bars are {stated.name} but timeframe {given.name} was asked for; "
                "resample them first or drop the timeframe argument",
                path=path,
                field="timeframe",
            )
        tf = given or stated
        if tf is None:
            try:
                tf = Timeframe.infer(df.index.as_unit("ns").asi8)
            except ValueError as exc:
                raise DataError(
                    f"{exc}; pass timeframe= (or --timeframe)", path=path, field="timeframe"
                ) from None
        return tf

    def _commit(
        self, batches: builtins.list[_Batch], *, progress: bool | None
    ) -> builtins.list[ImportResult]:
        """Merge checked batches into their datasets and publish each dataset once."""
        from tqdm.auto import tqdm

        results: builtins.list[ImportResult | None] = [None] * len(batches)
        groups: dict[tuple[str, Timeframe], builtins.list[int]] = {}
        for i, batch in enumerate(batches):
            groups.setdefault((batch.symbol, batch.timeframe), []).append(i)
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root / LOCK):
            plans = []
            for (symbol, tf), members in groups.items():
                vdir = self._dataset(symbol, tf)
                manifest = _read_manifest(vdir)
                names = _plan_columns(manifest, [batches[i] for i in members])
                plans.append((vdir, manifest, names, members))
            # Nothing failed on the input: from here on only I/O can fail.
            total_years = sum(len(batch.years) for batch in batches)
            bar = tqdm(
                total=total_years, desc="writing", unit="year", disable=_tqdm_disable(progress)
            )
            with bar:
                for vdir, manifest, names, members in plans:
                    for i, result in zip(
                        members,
                        self._write_dataset(vdir, manifest, names, batches, members, bar),
                        strict=True,
                    ):
                        results[i] = result
        return [r for r in results if r is not None]

    def _write_dataset(
        self,
        vdir: VersionedDir,
        manifest: dict[str, Any] | None,
        names: tuple[str, ...],
        batches: builtins.list[_Batch],
        members: builtins.list[int],
        bar: Any,
    ) -> builtins.list[ImportResult]:
        current = vdir.current_path()
        year_meta: dict[int, dict[str, Any]] = {
            int(y): meta for y, meta in (manifest or {}).get("years", {}).items()
        }
        year_rows = {y: int(meta["rows"]) for y, meta in year_meta.items()}
        loaded: dict[int, BarColumns] = {}
        changed: set[int] = set()
        pending: builtins.list[tuple[_Batch, dict[str, int], tuple[int, ...]]] = []
        for i in members:
            batch = batches[i]
            incoming = {n: batch.columns[n] for n in names}
            rows_before = sum(year_rows.values())
            dup = conflicts = 0
            by_year = split_by_year(incoming)
            for year, cols in by_year.items():
                if year in loaded:
                    existing = loaded[year]
                elif year in year_meta and current is not None:
                    existing = _read_columns(current / year_meta[year]["file"], names)
                else:
                    existing = empty_columns(names)
                merged, stats = merge_columns(existing, cols)
                loaded[year] = merged
                year_rows[year] = stats.rows_after
                dup += stats.duplicates
                conflicts += stats.conflicts
                if stats.changed:
                    changed.add(year)
                bar.update(1)
            counts = {
                "rows_in": len(incoming[TIME]),
                "rows_before": rows_before,
                "rows_after": sum(year_rows.values()),
                "duplicates": dup,
                "conflicts": conflicts,
            }
            pending.append((batch, counts, tuple(sorted(by_year))))
        version = vdir.current()
        if changed:
            version = self._publish(vdir, manifest, names, pending, loaded, changed, year_meta)
        results = []
        for batch, counts, years in pending:
            results.append(
                ImportResult(
                    symbol=batch.symbol,
                    timeframe=batch.timeframe.name,
                    years=years,
                    version=version,
                    path=batch.path,
                    report=batch.report,
                    notes=tuple(batch.notes),
                    **counts,
                )
            )
        return results

    def _publish(
        self,
        vdir: VersionedDir,
        manifest: dict[str, Any] | None,
        names: tuple[str, ...],
        pending: builtins.list[tuple[_Batch, dict[str, int], tuple[int, ...]]],
        loaded: dict[int, BarColumns],
        changed: set[int],
        year_meta: dict[int, dict[str, Any]],
    ) -> str:
        current = vdir.current_path()
        first = pending[0][0]
        new_manifest = _next_manifest(manifest, first.symbol, first.timeframe, names, pending)
        metadata = {
            "mikrobot": json.dumps(
                {
                    "symbol": first.symbol,
                    "timeframe": first.timeframe.name,
                    "source_tz": _join(new_manifest["source_tz"]),
                    "source": _join(new_manifest["source"]),
                    "format": FORMAT_VERSION,
                }
            )
        }
        tmp = vdir.begin()
        try:
            years: dict[str, dict[str, Any]] = {}
            for year in sorted(set(year_meta) | changed):
                rel = f"year={year}/{YEAR_FILE}"
                target = tmp / rel
                target.parent.mkdir()
                if year in changed:
                    cols = loaded[year]
                    _write_columns(target, cols, names, metadata, self.compression)
                    meta = {
                        "file": rel,
                        "rows": len(cols[TIME]),
                        "first": int(cols[TIME][0]),
                        "last": int(cols[TIME][-1]),
                    }
                else:
                    assert current is not None
                    _link_or_copy(current / year_meta[year]["file"], target)
                    meta = dict(year_meta[year], file=rel)
                meta["bytes"] = target.stat().st_size
                years[str(year)] = meta
            new_manifest["years"] = years
            new_manifest["rows"] = sum(m["rows"] for m in years.values())
            (tmp / MANIFEST).write_text(json.dumps(new_manifest, indent=1), encoding="utf-8")
            return vdir.publish(tmp)
        except BaseException:
            vdir.abort(tmp)
            raise

    # ------------------------------------------------------------------ reading
    def read(
        self,
        symbol: str,
        timeframe: Timeframe | str | int,
        start: Any = None,
        end: Any = None,
    ) -> pd.DataFrame:
        """The stored bars with open time in ``[start, end)`` as a canonical frame.

        ``start``/``end`` take anything ``pandas.Timestamp`` does; naive values are UTC. Only
        the year files overlapping the range are opened, and row groups outside it are skipped.
        Raises :class:`DataError` when the dataset does not exist.
        """
        vdir = self._dataset(symbol, timeframe)
        lo, hi = _bound(start), _bound(end)
        for attempt in range(_READ_RETRIES):
            try:
                return self._read_once(vdir, lo, hi)
            except FileNotFoundError:
                # A writer collected the version we started on: start again on the new one.
                if attempt == _READ_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _read_once(self, vdir: VersionedDir, lo: int | None, hi: int | None) -> pd.DataFrame:
        from mikrobot.data.frame import make_bars

        current = vdir.current_path()
        if current is None:
            raise DataError(self._missing_message(vdir), path=str(vdir.path))
        manifest = json.loads((current / MANIFEST).read_text(encoding="utf-8"))
        names = tuple(manifest["columns"])
        parts = []
        for year in sorted(manifest["years"], key=int):
            meta = manifest["years"][year]
            if lo is not None and meta["last"] < lo:
                continue
            if hi is not None and meta["first"] >= hi:
                continue
            parts.append(_read_columns(current / meta["file"], names, lo, hi))
        if len(parts) == 1:
            cols = parts[0]  # one year file: its arrays as they are, no concatenated copy
        else:
            cols = (
                {n: np.concatenate([p[n] for p in parts]) for n in names}
                if parts
                else empty_columns(names)
            )
        return make_bars(
            cols[TIME],
            cols["open"],
            cols["high"],
            cols["low"],
            cols["close"],
            cols["tick_volume"],
            cols.get("spread"),
            symbol=manifest["symbol"],
            timeframe=manifest["timeframe"],
            source_tz=_join(manifest["source_tz"]) or "UTC",
            source=_join(manifest["source"]),
        )

    def _missing_message(self, vdir: VersionedDir) -> str:
        known = [f"{s} {t}" for s, t in self._datasets()]
        have = f"; the store has {', '.join(known)}" if known else "; the store is empty"
        return (
            f"no {vdir.path.parent.name} {vdir.path.name} bars in the store: import them with "
            f"`mikrobot data import FILE --symbol {vdir.path.parent.name}`{have}"
        )

    def _datasets(self) -> builtins.list[tuple[str, str]]:
        """(symbol, timeframe) of every published dataset, sorted by symbol then period."""
        found = []
        if not self.root.is_dir():
            return found
        for sym_dir in self.root.iterdir():
            if not sym_dir.is_dir() or not _SYMBOL.match(sym_dir.name):
                continue
            for tf_dir in sym_dir.iterdir():
                if tf_dir.name in Timeframe.__members__ and (tf_dir / "CURRENT").is_file():
                    found.append((sym_dir.name, tf_dir.name))
        found.sort(key=lambda st: (st[0], Timeframe[st[1]].minutes))
        return found

    def list(self) -> pd.DataFrame:
        """One row per dataset: symbol, timeframe, rows, first, last (UTC), years, bytes."""
        import pandas as pd

        rows = []
        for symbol, tf in self._datasets():
            vdir = self._dataset(symbol, tf)
            for attempt in range(_READ_RETRIES):
                try:
                    current = vdir.current_path()
                    if current is None:
                        break
                    manifest = json.loads((current / MANIFEST).read_text(encoding="utf-8"))
                    break
                except FileNotFoundError:
                    if attempt == _READ_RETRIES - 1:
                        raise
            else:  # pragma: no cover - loop always breaks or raises
                continue
            if current is None:
                continue
            years = manifest["years"]
            rows.append(
                {
                    "symbol": symbol,
                    "timeframe": tf,
                    "rows": int(manifest["rows"]),
                    "first": pd.Timestamp(min(m["first"] for m in years.values()), tz="UTC"),
                    "last": pd.Timestamp(max(m["last"] for m in years.values()), tz="UTC"),
                    "years": tuple(sorted(int(y) for y in years)),
                    "bytes": sum(int(m["bytes"]) for m in years.values()),
                }
            )
        frame = pd.DataFrame(
            rows, columns=["symbol", "timeframe", "rows", "first", "last", "years", "bytes"]
        )
        if not rows:
            frame["first"] = pd.Series(dtype="datetime64[ns, UTC]")
            frame["last"] = pd.Series(dtype="datetime64[ns, UTC]")
        return frame

    def timeframes(self, symbol: str) -> builtins.list[str]:
        """Names of the timeframes stored for ``symbol``, shortest first."""
        name = self.canonical_symbol(symbol)
        return [tf for sym, tf in self._datasets() if sym == name]

    def check(
        self,
        symbol: str,
        timeframe: Timeframe | str | None = None,
        *,
        spec: SymbolSpec | None = None,
        strict: bool = False,
    ) -> dict[str, ValidationReport]:
        """Validate stored bars: ``{timeframe name: report}`` for one or every timeframe.

        ``spec`` defaults to the symbol's default spec. Raises :class:`DataError` when nothing
        is stored for the symbol (and timeframe).
        """
        name = self.canonical_symbol(symbol)
        spec = spec if spec is not None else DEFAULT_SPECS.get(name)
        if timeframe is not None:
            tfs = [Timeframe.parse(timeframe).name]
        else:
            tfs = self.timeframes(name)
            if not tfs:
                raise DataError(
                    self._missing_message(self._dataset(name, Timeframe.M1)).replace(" M1", ""),
                    path=str(self.root / name),
                )
        frames = {tf: self.read(name, tf) for tf in tfs}  # DataError when one is missing

        from mikrobot.data.validation import validate

        return {tf: validate(frame, spec=spec, strict=strict) for tf, frame in frames.items()}

    def delete(self, symbol: str, timeframe: Timeframe | str | int) -> bool:
        """Remove a dataset; returns False when it did not exist."""
        vdir = self._dataset(symbol, timeframe)
        if not vdir.path.exists():
            return False
        with file_lock(self.root / LOCK):
            existed = vdir.current() is not None
            vdir.remove()
            parent = vdir.path.parent
            if parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
        return existed


# ---------------------------------------------------------------------- helpers


def _tqdm_disable(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def _join(values: Iterable[str] | None) -> str | None:
    items = [v for v in (values or []) if v]
    return ", ".join(items) if items else None


def _bound(value: Any) -> int | None:
    if value is None:
        return None
    import pandas as pd

    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    stamp = stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


def _read_manifest(vdir: VersionedDir) -> dict[str, Any] | None:
    current = vdir.current_path()
    if current is None:
        return None
    return json.loads((current / MANIFEST).read_text(encoding="utf-8"))


def _plan_columns(
    manifest: dict[str, Any] | None, batches: builtins.list[_Batch]
) -> tuple[str, ...]:
    """The dataset's column names; drops an extra ``spread`` (noted), refuses a missing one."""
    names = tuple(manifest["columns"]) if manifest is not None else tuple(batches[0].columns)
    for batch in batches:
        have = tuple(batch.columns)
        if "spread" in names and "spread" not in have:
            where = f"stored {batch.symbol} {batch.timeframe.name}"
            if manifest is None:
                where = "the first file of this import"
            raise DataError(
                f"the bars have no spread column but {where} has one; import files with "
                "spreads into this dataset, or delete it (BarStore.delete) and import again",
                path=batch.path,
                field="spread",
            )
        if "spread" in have and "spread" not in names:
            batch.notes.append(
                f"spread column dropped: the {batch.symbol} {batch.timeframe.name} dataset "
                "was created without spreads"
            )
            batch.columns = {n: batch.columns[n] for n in names}
    return names


def _next_manifest(
    manifest: dict[str, Any] | None,
    symbol: str,
    tf: Timeframe,
    names: tuple[str, ...],
    pending: builtins.list[tuple[_Batch, dict[str, int], tuple[int, ...]]],
) -> dict[str, Any]:
    old = manifest or {}
    source_tz = builtins.list(old.get("source_tz", []))
    source = builtins.list(old.get("source", []))
    history = builtins.list(old.get("history", []))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for batch, counts, _ in pending:
        if batch.source_tz and batch.source_tz not in source_tz:
            source_tz.append(batch.source_tz)
        if batch.source and batch.source not in source:
            source.append(batch.source)
        history.append(
            {
                "at": now,
                "file": None if batch.path is None else Path(batch.path).name,
                "source": batch.source,
                "source_tz": batch.source_tz,
                "rows_in": counts["rows_in"],
                "added": counts["rows_after"] - counts["rows_before"],
                "conflicts": counts["conflicts"],
            }
        )
    return {
        "format": FORMAT_VERSION,
        "symbol": symbol,
        "timeframe": tf.name,
        "columns": builtins.list(names),
        "source_tz": source_tz,
        "source": source,
        "history": history[-HISTORY_LIMIT:],
    }


def _schema(names: tuple[str, ...], metadata: dict[str, str] | None = None) -> Any:
    import pyarrow as pa

    fields = [pa.field(TIME, pa.timestamp("ns", tz="UTC"), nullable=False)]
    for name in names:
        if name == TIME:
            continue
        kind = pa.int64() if name in ("tick_volume", "spread") else pa.float64()
        fields.append(pa.field(name, kind, nullable=False))
    return pa.schema(fields, metadata=metadata)


def _write_columns(
    path: Path,
    cols: BarColumns,
    names: tuple[str, ...],
    metadata: dict[str, str],
    compression: str,
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(names, metadata)
    arrays = [pa.array(cols[TIME].view("datetime64[ns]"), type=schema.field(TIME).type)]
    arrays += [pa.array(cols[n]) for n in names if n != TIME]
    table = pa.Table.from_arrays(arrays, schema=schema)
    # Delta encoding shrinks sorted times and small counts; prices compress best plain.
    encodings = {
        n: ("PLAIN" if n in ("open", "high", "low", "close") else "DELTA_BINARY_PACKED")
        for n in names
    }
    pq.write_table(
        table,
        path,
        compression=compression,
        use_dictionary=False,
        column_encoding=encodings,
        row_group_size=ROW_GROUP_ROWS,
    )


def _read_columns(
    path: Path, names: tuple[str, ...], lo: int | None = None, hi: int | None = None
) -> BarColumns:
    """The columns ``names`` of one year file, the rows with time in ``[lo, hi)`` (None: open).

    Reads the file directly (no dataset layer); row groups whose time statistics lie outside
    the range are not read, and the rows of the others are cut with a mask on the time.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    groups = None
    if lo is not None or hi is not None:
        meta = pf.metadata
        at = meta.schema.to_arrow_schema().get_field_index(TIME)
        groups = []
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(at).statistics
            if stats is None or not stats.has_min_max:
                groups.append(g)
                continue
            first, last = int(stats.min_raw), int(stats.max_raw)  # epoch ns (int64 storage)
            if (lo is None or last >= lo) and (hi is None or first < hi):
                groups.append(g)
    table = (
        pf.read_row_groups(groups, columns=builtins.list(names))
        if groups is not None
        else (pf.read(columns=builtins.list(names)))
    )
    cols: BarColumns = {}
    for name in names:
        column = table.column(name)
        if name == TIME:
            column = column.cast(pa.int64())
        values = column.to_numpy()
        cols[name] = values.astype(
            np.int64 if name in (TIME, "tick_volume", "spread") else np.float64, copy=False
        )
    if lo is not None or hi is not None:
        t = cols[TIME]
        keep = np.ones(t.shape[0], dtype=bool)
        if lo is not None:
            keep &= t >= lo
        if hi is not None:
            keep &= t < hi
        if not keep.all():
            cols = {name: values[keep] for name, values in cols.items()}
    return cols


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)

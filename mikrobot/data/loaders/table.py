"""The one text-table reader every CSV-like format goes through.

A format module turns a file's header into a :class:`Plan` (separator, where each field sits,
which time formats to try, the default zone); :func:`read_plan` then parses all rows with the
pandas C engine, checks every value column in bulk, converts the times to UTC and builds the
canonical frame. Errors name the file, the editor line, the field and what to do.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.frame import make_bars
from mikrobot.data.loaders.source import Source, expect_separator, sep_name, split_fields
from mikrobot.data.loaders.times import EPOCH, EPOCH_MIN, ParsedTimes, offsets_label, parse_times
from mikrobot.data.timezones import localize_to_utc, resolve_zone


@dataclass(frozen=True, slots=True)
class Field:
    """A source column: its 0-based position and its name as the file (or the format) calls it."""

    index: int
    label: str


@dataclass(frozen=True, slots=True)
class Plan:
    """How to read one file: everything :func:`read_plan` needs besides the bytes."""

    format: str
    sep: str
    skip_lines: int
    width: int
    time: Field
    open: Field
    high: Field
    low: Field
    close: Field
    time_formats: tuple[str, ...]
    default_tz: str
    clock: Field | None = None
    tick_volume: Field | None = None
    spread: Field | None = None
    decimal: str = "."
    drop_flats: bool = False
    offset_suffix: bool = False
    has_header: bool = True


@dataclass(frozen=True, slots=True)
class Locator:
    """Turns a data row into the :class:`DataError` an editor user can act on."""

    source: Source
    plan: Plan

    def line(self, row: int) -> int:
        """1-based file line of data row ``row``."""
        return self.source.line_of_row(row, self.plan.skip_lines, self.plan.sep)

    def error(self, row: int, label: str | None, message: str) -> DataError:
        """A :class:`DataError` at data row ``row``, quoting the line."""
        line = self.line(row)
        text = self.source.line_text(line)
        return DataError(
            f"{message} (the line reads {text!r})", path=self.source.path, line=line, field=label
        )


_TOKENIZE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_table(source: Source, plan: Plan) -> pd.DataFrame:
    # header=0 (rather than skiprows) keeps the C parser on its fast path; explicit dtypes
    # would cost as much again, so the time columns are whatever the parser infers.
    try:
        return pd.read_csv(
            io.BytesIO(source.data),
            sep=plan.sep,
            header=0 if plan.has_header else None,
            names=list(range(plan.width)),
            decimal=plan.decimal,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        found = _TOKENIZE.search(str(exc))
        if not found:
            raise DataError(f"cannot split the file into fields: {exc}", path=source.path) from None
        expected, line, saw = (int(g) for g in found.groups())
        text = source.line_text(line)
        raise DataError(
            f"the line has {saw} fields separated by {sep_name(plan.sep)}, but the header "
            f"(or first row) has {expected} (the line reads {text!r}); remove the extra "
            "separators or fix the line",
            path=source.path,
            line=line,
        ) from None


def _looks_like_decimal_comma(text: str) -> bool:
    return bool(re.fullmatch(r"\s*-?\d+,\d+\s*", text))


def _non_numeric(col: pd.Series, label: str, loc: Locator) -> DataError:
    numeric = pd.to_numeric(col, errors="coerce")
    bad = np.flatnonzero(
        np.asarray(numeric.isna()) | ~np.isfinite(numeric.to_numpy(np.float64, na_value=np.nan))
    )
    row = int(bad[0]) if bad.size else 0  # e.g. True/False, which to_numeric accepts
    raw = col.iloc[row]
    if pd.isna(raw):
        return loc.error(row, label, f"{label} is empty: every bar needs a value here")
    hint = (
        "; the file seems to use a decimal comma: pass columns={'decimal': ','} with the generic format"
        if _looks_like_decimal_comma(str(raw))
        else ""
    )
    return loc.error(row, label, f"{label} is {str(raw)!r}, not a number{hint}")


def _floats(df: pd.DataFrame, f: Field, loc: Locator) -> np.ndarray:
    col = df[f.index]
    if col.dtype.kind in "fiu":
        values = col.to_numpy(np.float64)
        if np.isfinite(values).all():
            return values
    raise _non_numeric(col, f.label, loc)


def _ints(df: pd.DataFrame, f: Field, loc: Locator) -> tuple[np.ndarray, np.ndarray | None]:
    """An int64 column (rounded when written with decimals) and, for decimals, the raw floats."""
    col = df[f.index]
    if col.dtype.kind in "iu":
        return col.to_numpy(np.int64), None
    values = _floats(df, f, loc)
    return np.rint(values).astype(np.int64), values


def _reread_as_text(source: Source, plan: Plan, index: int) -> pd.Series:
    """Column ``index`` again, as text: the parser took it for numbers (``0005`` -> 5)."""
    return pd.read_csv(
        io.BytesIO(source.data),
        sep=plan.sep,
        header=0 if plan.has_header else None,
        names=list(range(plan.width)),
        usecols=[index],
        dtype={index: str},
        engine="c",
    )[index]


def _time_text(source: Source, plan: Plan, df: pd.DataFrame) -> pd.Series:
    """The time column (date and clock joined by a space when split), as written."""

    def text(index: int) -> pd.Series:
        col = df[index]
        return _reread_as_text(source, plan, index) if col.dtype.kind in "iufb" else col

    raw = df[plan.time.index]
    if plan.clock is None:
        is_epoch = (
            raw.dtype.kind in "iu"
            and EPOCH in plan.time_formats
            and abs(int(raw.iloc[0])) >= EPOCH_MIN
        )
        return raw if is_epoch else text(plan.time.index)
    date, clock = text(plan.time.index), text(plan.clock.index)
    joined = date.str.strip() + " " + clock.str.strip()
    return joined.where(date.notna() & clock.notna())  # an empty half is an empty time


def resolve_timeframe(
    wall_ns: np.ndarray,
    timeframe: Timeframe | str | int | None,
    *,
    path: str | None,
    fail: Callable[[int, str], DataError],
    where: Callable[[int], str],
) -> Timeframe | None:
    """The given timeframe checked against the times, or the inferred one (None for one bar).

    The check works on source wall-clock times (so a D1 file from a DST-switching server still
    reads as 24 hours apart): every forward step must be a whole number of bars, and the
    smallest common step must be one bar (else the data is of a coarser timeframe).
    ``fail(row, message)`` words an error at a row, ``where(row)`` names a row ("line 12").
    """
    steps = np.diff(wall_ns)
    forward = np.flatnonzero(steps > 0)
    if timeframe is None:
        if forward.size == 0:
            return None
        try:
            return Timeframe.infer(wall_ns)
        except ValueError as exc:
            raise DataError(
                f"{exc}; supported timeframes are {', '.join(Timeframe.__members__)}",
                path=path,
                field="time",
            ) from None
    try:
        tf = Timeframe.parse(timeframe)
    except ValueError as exc:
        raise DataError(str(exc), path=path, field="timeframe") from None
    if forward.size == 0:
        return tf
    off_grid = forward[steps[forward] % tf.nanos != 0]
    if off_grid.size:
        row = int(off_grid[0])
        raise fail(
            row + 1,
            f"timeframe={tf.name} was given but this bar opens {steps[row] / 60e9:g} minutes "
            f"after the one on {where(row)}, which is not a whole number of {tf.name} bars; "
            "pass the file's real timeframe, or timeframe=None to infer it",
        )
    common = int(np.gcd.reduce(steps[forward]))
    if common != tf.nanos:
        raise DataError(
            f"timeframe={tf.name} was given but no two bars are closer than "
            f"{common // 60_000_000_000} minutes (neighbouring {tf.name} bars are {tf.minutes} "
            "minutes apart); pass the file's real timeframe, or timeframe=None to infer it",
            path=path,
            field="timeframe",
        )
    return tf


def resolve_tz(tz: str | None, default: str, path: str | None) -> str:
    """``tz``, or the format's ``default`` when None; raise :class:`DataError` naming the file
    for a zone :func:`mikrobot.data.timezones.resolve_zone` does not know."""
    name = default if tz is None else tz
    try:
        resolve_zone(name)
    except DataError as exc:
        message = str(exc).removeprefix("field 'tz': ")
        raise DataError(message, path=path, field="tz") from None
    return name


def _to_utc(parsed: ParsedTimes, tz: str, loc: Locator) -> pd.DatetimeIndex:
    if parsed.utc is not None:
        return parsed.utc
    assert parsed.wall is not None
    return localize_to_utc(parsed.wall, tz, path=loc.source.path, line_of=loc.line)


def read_plan(
    source: Source,
    plan: Plan,
    *,
    tz: str,
    timeframe: Timeframe | str | int | None,
    symbol: str | None,
) -> pd.DataFrame:
    """Parse every row of ``source`` as ``plan`` says and return the canonical frame."""
    loc = Locator(source, plan)
    df = _read_table(source, plan)
    if len(df) == 0:
        raise DataError(
            "the file has a header but no bars", path=source.path, line=plan.skip_lines or None
        )
    raw_time = _time_text(source, plan, df)
    time_label = (
        plan.time.label if plan.clock is None else f"{plan.time.label} + {plan.clock.label}"
    )
    parsed = parse_times(
        raw_time, plan.time_formats, lambda row, msg: loc.error(row, time_label, msg)
    )
    prices = [_floats(df, f, loc) for f in (plan.open, plan.high, plan.low, plan.close)]
    volume, volume_raw = (
        (None, None) if plan.tick_volume is None else _ints(df, plan.tick_volume, loc)
    )
    spread = None if plan.spread is None else _ints(df, plan.spread, loc)[0]
    utc = _to_utc(parsed, tz, loc)
    wall = parsed.wall if parsed.wall is not None else utc
    tf = resolve_timeframe(
        np.asarray(wall.asi8),
        timeframe,
        path=source.path,
        fail=lambda row, msg: loc.error(row, "time", msg),
        where=lambda row: f"line {loc.line(row)}",
    )
    zone = (
        tz
        if parsed.utc is None
        else (offsets_label(raw_time) if plan.offset_suffix else parsed.zone_label)
    )
    times = np.asarray(utc.asi8)
    if plan.drop_flats and volume is not None:
        o, h, low, c = prices
        raw = volume_raw if volume_raw is not None else volume
        keep = ~((raw == 0) & (o == h) & (o == low) & (o == c))
        if not keep.all():
            times = times[keep]
            prices = [p[keep] for p in prices]
            volume = volume[keep]
            spread = None if spread is None else spread[keep]
    return make_bars(
        times,
        *prices,
        tick_volume=volume,
        spread=spread,
        symbol=symbol,
        timeframe=tf,
        source_tz=str(zone),
        source=plan.format,
    )


# ---------------------------------------------------------------- header helpers


def normalise(name: str) -> str:
    """A column name reduced for matching: ``"<TICKVOL>"`` and ``"Tick Vol"`` both give ``"tickvol"``."""
    return re.sub(r"[\s_<>\"'()]+", "", name).lower()


def find_columns(
    names: list[str],
    wanted: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    source: Source,
    line: int,
    format: str,
) -> dict[str, Field]:
    """Match header ``names`` to canonical fields by normalised aliases (first alias wins).

    Raises :class:`DataError` naming every missing required column and listing those found.
    """
    index = {}
    for position, name in enumerate(names):
        index.setdefault(normalise(name), position)
    found: dict[str, Field] = {}
    for key, aliases in wanted.items():
        for alias in aliases:
            position = index.get(normalise(alias))
            if position is not None:
                found[key] = Field(position, names[position])
                break
    missing = [wanted[k][0] for k in required if k not in found]
    if missing:
        raise DataError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} for format "
            f"{format!r}; the header has: {', '.join(repr(n) for n in names)}; check format= "
            "(or map the columns with columns={...})",
            path=source.path,
            line=line,
            field=missing[0],
        )
    return found


def header_fields(text: str, sep: str) -> list[str]:
    """The header's column names, quotes and spaces stripped."""
    return split_fields(text, sep)


@dataclass(frozen=True, slots=True)
class Header:
    """A file's header line, its separator and the columns found in it."""

    line: int
    sep: str
    names: list[str]
    cols: dict[str, Field]

    def plan(self, format: str, *, time_key: str = "time", **fields: Any) -> Plan:
        """A :class:`Plan` reading the found columns (``fields`` set the format-specific rest)."""
        cols = self.cols
        return Plan(
            format=format,
            sep=self.sep,
            skip_lines=self.line,
            width=len(self.names),
            time=cols[time_key],
            open=cols["open"],
            high=cols["high"],
            low=cols["low"],
            close=cols["close"],
            tick_volume=cols.get("tick_volume"),
            spread=cols.get("spread"),
            **fields,
        )


def read_header(
    source: Source,
    *,
    format: str,
    separators: tuple[str, ...],
    wanted: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> Header:
    """Read the first line as a header: check its separator, then find the ``wanted`` columns.

    Raises :class:`DataError` naming the line when the separator is not one of ``separators``
    or a ``required`` column is missing.
    """
    line, text = source.lines(limit=1)[0]
    sep = expect_separator(source, line, text, separators, format)
    names = header_fields(text, sep)
    cols = find_columns(names, wanted, required, source=source, line=line, format=format)
    return Header(line=line, sep=sep, names=names, cols=cols)

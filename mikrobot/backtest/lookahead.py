"""Look-ahead check: run a strategy on truncated histories and compare with the full run.

The idea of freqtrade's lookahead-analysis, for tables of signals. The strategy runs once on
the whole history and once per *cutoff* on the history truncated there: the first ``k`` M1
bars and, when M5 bars are given, only the M5 bars whose period had ended by the close of the
last M1 bar kept (a bar still forming never leaks in). A causal strategy's truncated run is
exactly the part of its full run that was *due* by the cutoff, field for field.

A signal is a row of the DataFrame a strategy returns (its index is ignored). The ``known_at``
column says when it became known. A row is **due** at a cutoff once the data hold everything
it shows: its ``known_at`` (and every ``*_known_at`` column) is at or before the cutoff and
every bar it names has closed by then (its other datetime columns, read as bar open times,
such as ``touch_time``, or ``entry_time`` whose open price is the entry). Rows are matched
across runs by key columns (:class:`SignalSchema`). Violation kinds (:data:`KINDS`):

* ``missing``: due in the full run, absent from the truncated run (the full run used bars after
  the cutoff, or dates the signal too early);
* ``changed``: the same key in both runs with different fields (listed);
* ``extra``: in the truncated run, but not in the full run (later bars erase or revise it);
* ``future``: a run reports a row that is not due by the end of its own data (a ``known_at``
  after the last close or missing, or a bar that is not in the data);
* ``early``: found without truncation, in the full run: ``known_at`` before the close of a bar
  the row names, before a ``*_known_at`` it depends on, or after the row's own entry (an
  ``entry_time`` before ``known_at``);
* ``peeks_entry``: a signal that changes or vanishes when its entry bar (``entry_time``) shows
  only its open price (high = low = close = open), rerun for a sample of signals: it uses that
  bar's high, low or close, which a live system does not have when it enters at the open;
* ``error``: the strategy raised on a truncated history, or returned a frame that cannot be
  compared (no ``known_at``, other columns).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.symbol import SymbolSpec
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.frame import bars_timeframe
from mikrobot.structure.params import StructureParams

__all__ = [
    "KINDS",
    "LookaheadReport",
    "SignalSchema",
    "SignalStrategy",
    "Violation",
    "check_lookahead",
    "choose_cutoffs",
    "setups_strategy",
    "smc_strategy",
]

#: violation kinds, in the order reports list them
KINDS: tuple[str, ...] = (
    "missing",
    "changed",
    "extra",
    "future",
    "early",
    "peeks_entry",
    "error",
)
#: key columns used when a schema names none (those present in the frame)
DEFAULT_KEY: tuple[str, ...] = ("direction", "time", "break_time", "swing_time", "level")
_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max

#: a strategy: ``strategy(m1)`` or ``strategy(m1, m5)`` -> DataFrame of signals
Strategy = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class SignalSchema:
    """How to read a strategy's signal frame.

    * ``known``: the column holding when each signal is known;
    * ``key``: columns identifying a signal across runs; None means those of
      :data:`DEFAULT_KEY` present in the frame, or every column when none is (rows sharing a
      key are paired in their order);
    * ``timeframes``: bar length (a :class:`Timeframe` name) of datetime columns naming a bar of
      a coarser series, e.g. ``{"break_time": "M5"}``; other datetime columns (except
      ``known``, ``*_known_at`` and ``actions``) name bars of the M1 frame's timeframe;
    * ``actions``: datetime columns naming the bar a signal acts on at its open (the entry):
      at or after ``known``, and due once that bar has closed;
    * ``ignore``: columns left out of the comparison.
    """

    known: str = "known_at"
    key: tuple[str, ...] | None = None
    timeframes: Mapping[str, str] = field(default_factory=dict)
    actions: tuple[str, ...] = ("entry_time",)
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignalStrategy:
    """A strategy with its :class:`SignalSchema` and a name; called like the strategy itself."""

    run: Strategy
    schema: SignalSchema = field(default_factory=SignalSchema)
    name: str = "strategy"

    def __call__(self, *bars: pd.DataFrame) -> pd.DataFrame:
        """``run(m1)`` or ``run(m1, m5)``."""
        return self.run(*bars)


@dataclass(frozen=True)
class Violation:
    """One finding. ``bars`` is how many M1 bars the run kept (all of them for ``early`` and
    for full-run findings), ``cutoff`` the close of the last one; ``key`` the signal's key
    columns, ``fields`` the columns that differ or break a rule, ``full`` and ``truncated`` the
    signal's columns in each run (None where it is absent), ``detail`` a sentence."""

    kind: str
    bars: int
    cutoff: pd.Timestamp
    key: dict[str, Any]
    fields: tuple[str, ...]
    full: dict[str, Any] | None
    truncated: dict[str, Any] | None
    detail: str


@dataclass(frozen=True)
class LookaheadReport:
    """What :func:`check_lookahead` found. ``clean`` when there is no violation.

    ``cutoffs``: the numbers of bars kept per truncated run; ``n_bars``: bars in the full
    history; ``n_signals``: rows of the full run; ``compared``: due rows compared over all
    cutoffs and entry checks; ``entry_checks``: signals rerun with a flat entry bar;
    ``seconds``: wall time of the whole check; ``strategy``: its name.
    """

    violations: tuple[Violation, ...]
    cutoffs: tuple[int, ...]
    n_bars: int
    n_signals: int
    compared: int
    entry_checks: int
    seconds: float
    strategy: str

    @property
    def clean(self) -> bool:
        """True when no violation was found."""
        return not self.violations

    def counts(self) -> dict[str, int]:
        """Violations per kind, every kind of :data:`KINDS` present (0 when none)."""
        found = Counter(v.kind for v in self.violations)
        return {kind: found.get(kind, 0) for kind in KINDS}

    def frame(self) -> pd.DataFrame:
        """One row per violation: kind, bars, cutoff, key, fields, detail, full, truncated."""
        return pd.DataFrame(
            {
                "kind": [v.kind for v in self.violations],
                "bars": [v.bars for v in self.violations],
                "cutoff": pd.DatetimeIndex([v.cutoff for v in self.violations], tz="UTC"),
                "key": [_text(v.key) for v in self.violations],
                "fields": [", ".join(v.fields) for v in self.violations],
                "detail": [v.detail for v in self.violations],
                "full": [v.full for v in self.violations],
                "truncated": [v.truncated for v in self.violations],
            }
        )

    def summary(self) -> str:
        """A few lines: what was checked, violations per kind, the verdict."""
        counts = ", ".join(f"{k} {n}" for k, n in self.counts().items() if n) or "none"
        signals = {_text(v.key) for v in self.violations}
        verdict = "CLEAN: no look-ahead found" if self.clean else "LOOK-AHEAD FOUND"
        return "\n".join(
            [
                f"strategy {self.strategy}: {self.n_bars} bars, {self.n_signals} signals in the "
                f"full run, {len(self.cutoffs)} cutoffs and {self.entry_checks} entry checks, "
                f"{self.compared} due signals compared in {self.seconds:.2f} s",
                f"violations: {counts}"
                + (f" ({len(signals)} distinct signals)" if self.violations else ""),
                verdict,
            ]
        )

    def table(self, limit: int = 20) -> str:
        """The first ``limit`` violations as a text table (empty string when clean)."""
        if self.clean:
            return ""
        shown = self.frame().head(limit)[["kind", "bars", "cutoff", "key", "fields", "detail"]]
        shown["cutoff"] = shown["cutoff"].dt.strftime("%Y-%m-%d %H:%M")
        text = shown.to_string(index=False, max_colwidth=90)
        more = len(self.violations) - len(shown)
        return text + (f"\n... and {more} more" if more > 0 else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: summary figures, counts and every violation."""
        return {
            "strategy": self.strategy,
            "clean": self.clean,
            "n_bars": self.n_bars,
            "n_signals": self.n_signals,
            "cutoffs": list(self.cutoffs),
            "compared": self.compared,
            "entry_checks": self.entry_checks,
            "seconds": self.seconds,
            "counts": self.counts(),
            "violations": [
                {
                    "kind": v.kind,
                    "bars": v.bars,
                    "cutoff": v.cutoff.isoformat(),
                    "key": _jsonable(v.key),
                    "fields": list(v.fields),
                    "detail": v.detail,
                    "full": _jsonable(v.full),
                    "truncated": _jsonable(v.truncated),
                }
                for v in self.violations
            ],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=1)


# ---------------------------------------------------------------------------- strategies
#: the schema of :func:`mikrobot.structure.api.setups` frames
SETUPS_SCHEMA = SignalSchema(
    key=("direction", "break_time", "level"), timeframes={"break_time": "M5"}
)
#: the schema of :func:`smc_strategy` frames
SMC_SCHEMA = SignalSchema(
    key=("direction", "time", "level"), timeframes={"time": "M5", "broken_time": "M5"}
)


def setups_strategy(
    spec: SymbolSpec | str | None = None, params: StructureParams | None = None
) -> SignalStrategy:
    """:func:`mikrobot.structure.api.setups` with ``spec`` and ``params`` as a strategy.

    ``spec`` None takes the symbol from the bars' ``attrs['symbol']``; ``params`` None the SPEC
    defaults. Every decided setup is a signal, keyed by direction, break time and level.
    """
    from mikrobot.structure.api import setups

    def run(m1: pd.DataFrame, m5: pd.DataFrame | None = None) -> pd.DataFrame:
        return setups(m1, m5, spec, params)

    return SignalStrategy(run, SETUPS_SCHEMA, "setups")


def smc_strategy(swing_length: int = 5, close_break: bool = True) -> SignalStrategy:
    """The smartmoneyconcepts-compatible preset (:mod:`mikrobot.structure.smc`) as a strategy
    that, like a naive user of that package, takes each BOS/CHoCH as known at its break.

    It is not causal (its swings are centred rolling maxima thinned over the whole history):
    :func:`check_lookahead` must flag it. Rows: ``time`` (the flagged swing's M5 bar),
    ``direction``, ``kind``, ``level``, ``broken_time`` (the break bar) and ``known_at`` (the
    break bar's close; the preset's own ``known_at()`` would say later). M5 bars are built from
    M1 (the forming last one dropped) unless given.
    """
    from mikrobot.data.resampling import resample
    from mikrobot.structure import smc

    m5_ns = Timeframe.M5.nanos

    def run(m1: pd.DataFrame, m5: pd.DataFrame | None = None) -> pd.DataFrame:
        bars = resample(m1, "M5", drop_incomplete=True) if m5 is None else m5
        if len(bars) == 0:
            return pd.DataFrame(columns=["time", "direction", "kind", "level", "known_at"])
        events = smc.bos_choch(bars, smc.swing_highs_lows(bars, swing_length), close_break)
        bos, choch = events["BOS"].to_numpy(), events["CHOCH"].to_numpy()
        broken = events["BrokenIndex"].to_numpy()
        rows = np.flatnonzero((~np.isnan(bos) | ~np.isnan(choch)) & ~np.isnan(broken))
        times = bars.index.as_unit("ns")
        broken_time = times[broken[rows].astype(np.int64)]
        return pd.DataFrame(
            {
                "time": times[rows],
                "direction": np.where(np.isnan(bos[rows]), choch[rows], bos[rows]).astype(np.int8),
                "kind": np.where(np.isnan(bos[rows]), "CHoCH", "BOS"),
                "level": events["Level"].to_numpy(np.float64)[rows],
                "broken_time": broken_time,
                "known_at": broken_time + pd.Timedelta(m5_ns, "ns"),
            }
        )

    return SignalStrategy(run, SMC_SCHEMA, f"smc-compat(swing_length={swing_length})")


# ---------------------------------------------------------------------------- signal tables
@dataclass(frozen=True)
class _Layout:
    """Column roles of a signal frame, fixed once from the first frame read."""

    columns: tuple[str, ...]  # compared, in frame order
    key: tuple[int, ...]  # positions of the key columns in ``columns``
    times: frozenset[str]  # datetime columns (reported as Timestamps)
    known: str
    subs: tuple[str, ...]  # *_known_at: at or before known
    bars: tuple[tuple[str, int], ...]  # (column, bar length): closed by known
    actions: tuple[tuple[str, int], ...]  # (column, bar length): at or after known


@dataclass(frozen=True)
class _Table:
    """A signal frame as hashable rows, with when each row is known and due."""

    rows: list[tuple]
    known: np.ndarray
    due: np.ndarray
    cols: dict[str, np.ndarray]  # datetime columns as int64 ns (NaT as _NAT)


def _is_time(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series.dtype)


def _ns(values: pd.Series | pd.Index) -> np.ndarray:
    """Datetime values as UTC int64 nanoseconds, NaT as ``_NAT`` (naive times taken as UTC)."""
    array = values.array if isinstance(values, pd.Series | pd.Index) else pd.array(values)
    return np.asarray(array.as_unit("ns").asi8, dtype=np.int64)


def _layout(frame: pd.DataFrame, schema: SignalSchema, bar_ns: int) -> _Layout:
    if schema.known not in frame.columns or not _is_time(frame[schema.known]):
        raise ValueError(
            f"the strategy returned no datetime column {schema.known!r} (columns: "
            f"{list(frame.columns)}); every signal must say when it is known"
        )
    columns = tuple(c for c in frame.columns if c not in schema.ignore)
    times = frozenset(c for c in columns if _is_time(frame[c]))
    wanted = schema.key or tuple(c for c in DEFAULT_KEY if c in columns) or columns
    absent = [c for c in wanted if c not in columns]
    if absent:
        raise ValueError(f"key columns {absent} are not in the signals ({list(columns)})")
    subs = tuple(
        c for c in columns if c in times and c != schema.known and str(c).endswith("_known_at")
    )
    lengths = {c: Timeframe.parse(tf).nanos for c, tf in schema.timeframes.items()}
    actions = tuple((c, lengths.get(c, bar_ns)) for c in schema.actions if c in times)
    others = times - {schema.known, *subs, *schema.actions}
    bars = tuple((c, lengths.get(c, bar_ns)) for c in columns if c in others)
    return _Layout(
        columns,
        tuple(columns.index(c) for c in wanted),
        times,
        schema.known,
        subs,
        bars,
        actions,
    )


def _values(series: pd.Series, ns: np.ndarray | None) -> list:
    """Hashable, exactly comparable values: times as ns (given), NaN/NaT/NA as None, labels
    as text."""
    if ns is not None:
        return [None if v == _NAT else v for v in ns.tolist()]
    dtype = series.dtype
    if pd.api.types.is_float_dtype(dtype):
        floats = series.to_numpy(dtype=np.float64, na_value=np.nan).tolist()
        return [None if v != v else v for v in floats]
    exact = pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    if exact and not series.hasnans:
        return series.to_numpy().tolist()
    if isinstance(dtype, pd.CategoricalDtype):
        labels = [str(c) for c in dtype.categories] + [None]  # code -1 (missing) is the last
        return [labels[i] for i in series.cat.codes.to_numpy().tolist()]
    return [None if pd.isna(v) else str(v) for v in series.tolist()]


def _table(frame: pd.DataFrame, layout: _Layout) -> _Table:
    if len(frame) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Table([], empty, empty, {})
    missing = [c for c in layout.columns if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} are missing (the full run has them)")
    frame = frame.copy(deep=False)
    frame.attrs = {}  # else every column access deep-copies them
    series = {c: frame[c] for c in layout.columns}
    cols = {c: _ns(series[c]) for c in layout.times}
    rows = list(zip(*(_values(series[c], cols.get(c)) for c in layout.columns), strict=True))
    known = cols[layout.known]
    due = np.where(known == _NAT, _NEVER, known)
    for c in layout.subs:
        due = np.maximum(due, cols[c])  # NaT is the smallest int64: no effect
    for c, length in (*layout.bars, *layout.actions):
        v = cols[c]
        due = np.where(v == _NAT, due, np.maximum(due, v + length))
    return _Table(rows, known, due, cols)


# ---------------------------------------------------------------------------- reporting
def _stamp(ns: int) -> pd.Timestamp:
    return pd.Timestamp(ns, unit="ns", tz="UTC")


def _row(row: tuple, layout: _Layout) -> dict[str, Any]:
    return {
        c: _stamp(v) if c in layout.times and v is not None else v
        for c, v in zip(layout.columns, row, strict=True)
    }


def _key(row: tuple, layout: _Layout) -> tuple:
    return tuple(row[i] for i in layout.key)


def _key_dict(row: tuple, layout: _Layout) -> dict[str, Any]:
    full = _row(row, layout)
    return {layout.columns[i]: full[layout.columns[i]] for i in layout.key}


def _show(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M") + ("" if value.second == 0 else f":{value:%S}")
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _text(key: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={_show(v)}" for k, v in key.items())


def _jsonable(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, pd.Timestamp):
            out[k] = v.isoformat()
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------------------- checks
def _rule_violations(table: _Table, layout: _Layout, n: int, end: int) -> list[Violation]:
    """``early`` (time order inside each row) and ``future`` (not due by ``end``) findings."""
    out = []
    known = table.known
    for i in range(len(table.rows)):
        row = table.rows[i]
        problems: list[tuple[str, str]] = []
        if known[i] != _NAT:
            at = _show(_stamp(int(known[i])))
            for c in layout.subs:
                v = table.cols[c][i]
                if v != _NAT and v > known[i]:
                    problems.append((c, f"{c} {_show(_stamp(int(v)))} is after known_at {at}"))
            for c, length in layout.bars:
                v = table.cols[c][i]
                if v != _NAT and v + length > known[i]:
                    closes = _show(_stamp(int(v + length)))
                    problems.append((c, f"known_at {at} is before {c}'s bar closed ({closes})"))
            for c, _ in layout.actions:
                v = table.cols[c][i]
                if v != _NAT and v < known[i]:
                    problems.append((c, f"{c} {_show(_stamp(int(v)))} is before known_at {at}"))
        if problems:
            out.append(
                Violation(
                    "early",
                    n,
                    _stamp(end),
                    _key_dict(row, layout),
                    tuple(c for c, _ in problems),
                    _row(row, layout),
                    None,
                    "; ".join(d for _, d in problems),
                )
            )
    out.extend(_future(table, layout, n, end, full=True))
    return out


def _future(table: _Table, layout: _Layout, n: int, end: int, *, full: bool) -> list[Violation]:
    out = []
    for i in np.flatnonzero(table.due > end):
        row = table.rows[i]
        if table.known[i] == _NAT:
            detail = "the signal has no known_at (NaT)"
        else:
            detail = (
                f"not due until {_show(_stamp(int(table.due[i])))} (known_at and the bars it "
                f"names), after the close of the last bar {_show(_stamp(end))}"
            )
        values = _row(row, layout)
        out.append(
            Violation(
                "future",
                n,
                _stamp(end),
                _key_dict(row, layout),
                (layout.known,),
                values if full else None,
                None if full else values,
                detail,
            )
        )
    return out


def _diff(a: tuple, b: tuple, layout: _Layout) -> tuple[str, ...]:
    return tuple(c for c, x, y in zip(layout.columns, a, b, strict=True) if x != y)


def _changed(
    k: int, end: int, full_row: tuple, trunc_row: tuple, layout: _Layout, note: str
) -> Violation:
    fields = _diff(full_row, trunc_row, layout)
    f, t = _row(full_row, layout), _row(trunc_row, layout)
    shown = "; ".join(f"{c}: full {_show(f[c])}, truncated {_show(t[c])}" for c in fields[:4])
    return Violation(
        "changed",
        k,
        _stamp(end),
        _key_dict(full_row, layout),
        fields,
        f,
        t,
        shown + note,
    )


@dataclass(frozen=True)
class _Full:
    """The full run, rows ordered by when they become due."""

    rows: list[tuple]
    due: np.ndarray
    by_key: dict[tuple, list[int]]  # positions in ``rows``


def _full(table: _Table, layout: _Layout) -> _Full:
    order = np.argsort(table.due, kind="stable")
    rows = [table.rows[i] for i in order]
    by_key: dict[tuple, list[int]] = {}
    for pos, row in enumerate(rows):
        by_key.setdefault(_key(row, layout), []).append(pos)
    return _Full(rows, table.due[order], by_key)


def _compare(
    full: _Full, trunc: _Table, layout: _Layout, k: int, end: int
) -> tuple[list[Violation], int]:
    """Violations of one truncated run (``k`` bars, last close ``end``) and the due count."""
    out = _future(trunc, layout, k, end, full=False)
    n_due = int(np.searchsorted(full.due, end, side="right"))
    expected = Counter(full.rows[:n_due])
    got = Counter(trunc.rows[i] for i in np.flatnonzero(trunc.due <= end))
    if expected == got:
        return out, n_due
    lost: dict[tuple, list[tuple]] = {}
    for row in (expected - got).elements():
        lost.setdefault(_key(row, layout), []).append(row)
    new: dict[tuple, list[tuple]] = {}
    for row in (got - expected).elements():
        new.setdefault(_key(row, layout), []).append(row)
    stamp = _stamp(end)
    for key in list(lost) + [key for key in new if key not in lost]:
        f_rows, t_rows = lost.get(key, []), new.get(key, [])
        for f, t in zip(f_rows, t_rows, strict=False):
            out.append(_changed(k, end, f, t, layout, ""))
        for f in f_rows[len(t_rows) :]:
            out.append(
                Violation(
                    "missing",
                    k,
                    stamp,
                    _key_dict(f, layout),
                    (),
                    _row(f, layout),
                    None,
                    f"the full run has it, due by {_show(stamp)}; the run on the first {k} "
                    "bars does not",
                )
            )
        later = [full.rows[p] for p in full.by_key.get(key, []) if p >= n_due]
        for j, t in enumerate(t_rows[len(f_rows) :]):
            if j < len(later):
                note = "; the full run has this signal, due after the cutoff"
                out.append(_changed(k, end, later[j], t, layout, note))
            else:
                out.append(
                    Violation(
                        "extra",
                        k,
                        stamp,
                        _key_dict(t, layout),
                        (),
                        None,
                        _row(t, layout),
                        f"the run on the first {k} bars reports it; the full run does not",
                    )
                )
    return out, n_due


def choose_cutoffs(n: int, targets: np.ndarray, n_cutoffs: int, seed: int) -> np.ndarray:
    """Sorted cutoffs (numbers of bars kept, 1..n): the edges 1 and ``n``, up to half of
    ``n_cutoffs`` drawn from ``targets`` (bars at which signals become known or due), and
    random positions up to ``n_cutoffs`` in all; every position when ``n <= n_cutoffs``.
    The same arguments give the same cutoffs."""
    if n <= n_cutoffs:
        return np.arange(1, n + 1)
    rng = np.random.default_rng(seed)
    chosen = {1, n}
    targets = np.unique(targets[(targets >= 1) & (targets <= n)])
    take = min(targets.size, max(n_cutoffs - 2, 0) // 2)
    chosen.update(int(t) for t in rng.choice(targets, take, replace=False))
    while len(chosen) < n_cutoffs:
        chosen.update(int(t) for t in rng.integers(1, n + 1, n_cutoffs - len(chosen)))
    return np.array(sorted(chosen), dtype=np.int64)


def _targets(table: _Table, close: np.ndarray) -> np.ndarray:
    """Cutoffs around each signal: where it is claimed known, where it is due, one bar before."""
    known = table.known[table.known != _NAT]
    due = table.due[table.due != _NEVER]
    at_known = np.searchsorted(close, known, side="right")
    at_due = np.searchsorted(close, due, side="right")
    return np.concatenate([at_known, at_due, at_due - 1])


def _name(strategy: Strategy) -> str:
    return str(getattr(strategy, "__qualname__", None) or type(strategy).__name__)


def _error(k: int, end: int, exc: Exception) -> Violation:
    return Violation(
        "error",
        k,
        _stamp(end),
        {},
        (),
        None,
        None,
        f"on the first {k} bars: {type(exc).__name__}: {exc}",
    )


@dataclass(frozen=True)
class _History:
    """The bars and the strategy; runs it on truncated histories."""

    m1: pd.DataFrame
    m5: pd.DataFrame | None
    strategy: Strategy
    open: np.ndarray  # M1 open times, ns
    close: np.ndarray  # M1 close times, ns
    m5_close: np.ndarray | None

    @classmethod
    def of(cls, m1: pd.DataFrame, m5: pd.DataFrame | None, strategy: Strategy) -> _History:
        opens = _ns(m1.index)
        m5_close = None if m5 is None else _ns(m5.index) + bars_timeframe(m5).nanos
        return cls(m1, m5, strategy, opens, opens + bars_timeframe(m1).nanos, m5_close)

    def run(self, k: int, *, flat_last: bool = False) -> pd.DataFrame:
        """The strategy on the first ``k`` M1 bars and the M5 bars closed by then; with
        ``flat_last`` the last M1 bar shows only its open (high = low = close = open) and M5
        stops at that bar's open, as a live system sees a bar that has just opened."""
        m1 = self.m1.iloc[:k]
        until = self.close[k - 1]
        if flat_last:
            m1 = m1.copy()
            price = m1["open"].iat[-1]
            for j in m1.columns.get_indexer(["high", "low", "close"]):
                m1.iat[-1, j] = price
            until = self.open[k - 1]
        if self.m5 is None:
            return self.strategy(m1)
        kept = int(np.searchsorted(self.m5_close, until, side="right"))
        return self.strategy(m1, self.m5.iloc[:kept])


def _entry_violations(
    bars: _History, table: _Table, layout: _Layout, count: int, seed: int
) -> tuple[list[Violation], int]:
    """Rerun up to ``count`` signals' histories ending with their entry bar showing only its
    open: a signal that changes or vanishes uses that bar's high, low or close."""
    if not layout.actions or count <= 0 or not table.rows:
        return [], 0
    column = layout.actions[0][0]
    when = table.cols[column]
    pos = np.minimum(np.searchsorted(bars.open, when), bars.open.size - 1)
    rows = np.flatnonzero((when != _NAT) & (bars.open[pos] == when) & (table.due != _NEVER))
    rng = np.random.default_rng([seed, 1])
    rows = np.sort(rng.choice(rows, min(count, rows.size), replace=False))
    out = []
    for i in rows.tolist():
        k = int(pos[i]) + 1
        end = int(bars.close[k - 1])
        try:
            trunc = _table(bars.run(k, flat_last=True), layout)
        except Exception as exc:  # reported, not raised: the check goes on
            out.append(_error(k, end, exc))
            continue
        row = table.rows[i]
        same = [r for r in trunc.rows if _key(r, layout) == _key(row, layout)]
        if row in same:
            continue
        fields = _diff(row, same[0], layout) if same else ()
        f = _row(row, layout)
        t = _row(same[0], layout) if same else None
        change = "; ".join(f"{c}: full {_show(f[c])}, truncated {_show(t[c])}" for c in fields[:4])
        out.append(
            Violation(
                "peeks_entry",
                k,
                _stamp(end),
                _key_dict(row, layout),
                fields,
                f,
                t,
                f"with its entry bar ({column} {_show(f[column])}) showing only its open, the "
                f"run on the first {k} bars "
                + (f"changes it ({change})" if same else "lacks it")
                + ": the signal uses that bar's high, low or close",
            )
        )
    return out, int(rows.size)


def check_lookahead(
    m1: pd.DataFrame,
    strategy: Strategy | None = None,
    *,
    m5: pd.DataFrame | None = None,
    spec: SymbolSpec | str | None = None,
    params: StructureParams | None = None,
    schema: SignalSchema | None = None,
    cutoffs: Sequence[int] | None = None,
    n_cutoffs: int = 50,
    entry_checks: int = 10,
    seed: int = 0,
    progress: bool = False,
) -> LookaheadReport:
    """Run ``strategy`` on histories truncated at many cutoffs and report look-ahead.

    ``m1``: canonical M1 bars (sorted, UTC); ``m5``: optional M5 bars handed to the strategy as
    its second argument, truncated per cutoff to the bars whose period ended by the close of
    the last M1 bar kept. ``strategy`` None is :func:`setups_strategy` with ``spec`` and
    ``params`` (which configure nothing else). ``schema`` defaults to the strategy's own when
    it is a :class:`SignalStrategy`, else :class:`SignalSchema` defaults.

    ``cutoffs``: numbers of M1 bars to keep (1..len(m1)); None chooses ``n_cutoffs`` with
    :func:`choose_cutoffs` (the edges, bars where signals become known or due, random ones).
    ``entry_checks``: how many signals with an entry bar (the schema's first ``actions``
    column) are rerun with that bar showing only its open (``peeks_entry``; 0 disables).
    Choices are deterministic by ``seed``. ``progress`` shows a tqdm bar on stderr when the
    check takes more than a second. See the module docstring for what counts as a violation.

    Raises ``ValueError`` for empty bars, cutoffs out of range, or a full run without a
    ``known_at`` column; an exception of the strategy on the full history propagates (on a
    truncated one it becomes an ``error`` violation).
    """
    started = time.perf_counter()
    if strategy is None:
        strategy = setups_strategy(spec, params)
    elif spec is not None or params is not None:
        raise ValueError("spec= and params= configure the default strategy; give them to yours")
    if schema is None:
        schema = strategy.schema if isinstance(strategy, SignalStrategy) else SignalSchema()
    name = strategy.name if isinstance(strategy, SignalStrategy) else _name(strategy)
    n = len(m1)
    if n == 0:
        raise ValueError("m1 has no bars: give at least one M1 bar")
    bars = _History.of(m1, m5, strategy)
    bar_ns = bars_timeframe(m1).nanos
    end = int(bars.close[-1])
    full_frame = bars.run(n)
    named = schema.known in getattr(full_frame, "columns", ())
    layout = _layout(full_frame, schema, bar_ns) if len(full_frame) or named else None
    table = _table(full_frame, layout) if layout is not None else None
    violations: list[Violation] = []
    compared = entries = 0
    if table is not None:
        violations += _rule_violations(table, layout, n, end)
        found, entries = _entry_violations(bars, table, layout, entry_checks, seed)
        violations += found
        compared = entries
    if cutoffs is None:
        targets = _targets(table, bars.close) if table is not None else np.zeros(0, np.int64)
        ks = choose_cutoffs(n, targets, n_cutoffs, seed)
    else:
        ks = np.asarray(sorted(set(int(k) for k in cutoffs)), dtype=np.int64)
        if ks.size and (ks[0] < 1 or ks[-1] > n):
            raise ValueError(f"cutoffs are numbers of bars to keep: each in 1..{n}")
    full = _full(table, layout) if table is not None else None
    from tqdm import tqdm

    for k in tqdm(ks.tolist(), desc="look-ahead cutoffs", disable=not progress, delay=1.0):
        cut = int(bars.close[k - 1])
        try:
            frame = bars.run(k)
            if layout is None:  # the full run said nothing: every truncated signal is extra
                if len(frame) == 0:
                    continue
                layout = _layout(frame, schema, bar_ns)
                full = _full(_table(frame.iloc[:0], layout), layout)
            trunc = _table(frame, layout)
        except Exception as exc:  # reported, not raised: the check goes on
            violations.append(_error(k, cut, exc))
            continue
        found, due = _compare(full, trunc, layout, k, cut)
        violations += found
        compared += due
    return LookaheadReport(
        tuple(violations),
        tuple(ks.tolist()),
        n,
        0 if table is None else len(table.rows),
        compared,
        entries,
        time.perf_counter() - started,
        name,
    )

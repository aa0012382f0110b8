"""Check bars for gaps, duplicate and out-of-order times, broken OHLC, bad prices and spikes.

:func:`validate` only reports: it never changes, drops or invents a bar. Findings and their
severity:

========================  ========  ==========================================================
kind                      severity  what
========================  ========  ==========================================================
``duplicate``             error     one time on several rows (label ``identical``/``conflicting``)
``non_monotonic``         error     a row earlier than the row before it
``nan``                   error     a NaN or infinite price (label: the columns)
``non_positive``          error     a price <= 0 (label: the columns)
``ohlc``                  error     high < max(open, close), low > min(open, close) or
                                    high < low (label: the broken rules)
``gap``                   warning   missing bars in trading hours (label ``in_session``)
``gap``                   info      missing bars while the market is closed (label
                                    ``weekend``, ``market_closed`` or ``holiday``), see
                                    :mod:`mikrobot.data.gaps`
``spike``                 warning   a bar's move far beyond its neighbours' (see below)
========================  ========  ==========================================================

**Spikes.** A bar's move is its true range (high and low stretched to the previous close) when
the previous bar is the one just before it on the grid, and its own range (high - low) after a
gap, after a bar with an error, or after a spike, so a weekend jump or a bad close is counted
once. A bar is a spike when its move exceeds ``spike_factor`` times the larger of (a) the
median move over ``spike_window`` bars centred on it and (b) half the median move of the whole
frame (so the quiet minutes around the daily rollover, where the local median is ~1 point, do
not turn a 3-pip bar into a spike), and, when a symbol spec is known, is at least
``spike_min_points`` points. On the real EURUSD test files the tests use (about 11,000 hours
of M1, M5 and M15 bars) the largest ratio of any bar, news bars included (US CPI, FOMC), is 16.2
(M1), 17.5 (M5) and 12.7 (M15) with the default 61-bar window; the default factor of 25 keeps
ordinary bars unflagged with a margin of 40 %, while a bad tick of a few dozen pips on a quiet
~1-pip M1 market still stands out.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.errors import DataError, UnknownSymbolError
from mikrobot.core.instruments import SymbolRegistry
from mikrobot.core.symbol import AssetClass, SymbolSpec
from mikrobot.core.timeframe import Timeframe
from mikrobot.data.frame import PRICE_COLUMNS
from mikrobot.data.gaps import DEFAULT_HOLIDAYS, IN_SESSION, find_gaps
from mikrobot.data.nb import (
    FLAG_HIGH_BELOW_BODY,
    FLAG_HIGH_BELOW_LOW,
    FLAG_LOW_ABOVE_BODY,
    FLAG_NON_POSITIVE,
    FLAG_NONFINITE,
    bar_moves_nb,
    centred_median_at_nb,
    price_flags_nb,
)

ERROR = "error"
WARNING = "warning"
INFO = "info"
_SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
_GLOBAL_FLOOR = 0.5  # spike scale floor: this fraction of the frame's median move
_OHLC_RULES = (
    (FLAG_HIGH_BELOW_BODY, "high<max(open,close)"),
    (FLAG_LOW_ABOVE_BODY, "low>min(open,close)"),
    (FLAG_HIGH_BELOW_LOW, "high<low"),
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing :func:`validate` found.

    ``time`` is the bar's open time (for a gap: the first missing bar's), ``end`` the open time
    of the bar after a gap, ``position`` the 0-based row in the validated frame (for a gap: the
    row after it; -1 when none), ``count`` the rows or bars concerned (for a gap: missing bars),
    ``value`` a number per kind (gap: missing bars in trading hours; spike: move / scale;
    non_monotonic: seconds back; otherwise NaN).
    """

    kind: str
    severity: str
    time: pd.Timestamp
    label: str = ""
    position: int = -1
    end: pd.Timestamp | None = None
    count: int = 1
    value: float = math.nan
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (times as ISO 8601 strings, NaN as None)."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "label": self.label,
            "time": self.time.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "position": self.position,
            "count": self.count,
            "value": None if math.isnan(self.value) else self.value,
            "message": self.message,
        }


_FRAME_COLUMNS = (
    "kind",
    "severity",
    "label",
    "time",
    "end",
    "position",
    "count",
    "value",
    "message",
)


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What :func:`validate` found in one frame. ``ok`` is True when there is no error."""

    symbol: str | None
    timeframe: str
    asset_class: str
    n_bars: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    findings: tuple[Finding, ...]
    settings: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings and info are allowed)."""
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Error-level findings, in time order."""
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Warning-level findings, in time order."""
        return tuple(f for f in self.findings if f.severity == WARNING)

    @property
    def infos(self) -> tuple[Finding, ...]:
        """Info-level findings, in time order."""
        return tuple(f for f in self.findings if f.severity == INFO)

    def of_kind(self, kind: str, label: str | None = None) -> tuple[Finding, ...]:
        """Findings of one kind (and label, when given)."""
        return tuple(
            f for f in self.findings if f.kind == kind and (label is None or f.label == label)
        )

    @property
    def gaps(self) -> tuple[Finding, ...]:
        """Every gap finding, closed-market ones included."""
        return self.of_kind("gap")

    @property
    def missing_in_session(self) -> int:
        """Missing bars that fall in trading hours, over all gaps."""
        return int(sum(f.value for f in self.gaps if not math.isnan(f.value)))

    @property
    def _name(self) -> str:
        return f"{self.symbol} {self.timeframe} bars" if self.symbol else f"{self.timeframe} bars"

    def counts(self) -> dict[str, int]:
        """Number of findings per ``kind`` (gaps per ``gap:label``)."""
        out: dict[str, int] = {}
        for f in self.findings:
            key = f"gap:{f.label}" if f.kind == "gap" else f.kind
            out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))

    def frame(self) -> pd.DataFrame:
        """Findings as a DataFrame, one row each, columns as :class:`Finding`'s fields.

        Dtypes do not depend on the content: text columns object, ``time``/``end``
        ``datetime64[ns, UTC]`` (``end`` NaT except for gaps), ``position``/``count`` int64,
        ``value`` float64.
        """
        fs = self.findings
        data: dict[str, Any] = {
            c: pd.Series([getattr(f, c) for f in fs], dtype=object)
            for c in ("kind", "severity", "label")
        }
        for c in ("time", "end"):
            ns = [pd.NaT.value if getattr(f, c) is None else getattr(f, c).value for f in fs]
            stamps = pd.DatetimeIndex(np.array(ns, dtype="datetime64[ns]")).tz_localize("UTC")
            data[c] = pd.Series(stamps, dtype="datetime64[ns, UTC]")
        data["position"] = np.array([f.position for f in fs], dtype=np.int64)
        data["count"] = np.array([f.count for f in fs], dtype=np.int64)
        data["value"] = np.array([f.value for f in fs], dtype=np.float64)
        data["message"] = pd.Series([f.message for f in fs], dtype=object)
        return pd.DataFrame({c: data[c] for c in _FRAME_COLUMNS})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of the whole report."""
        return {
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "asset_class": self.asset_class,
            "n_bars": self.n_bars,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "ok": self.ok,
            "counts": self.counts(),
            "missing_in_session": self.missing_in_session,
            "settings": dict(self.settings),
            "findings": [f.to_dict() for f in self.findings],
        }

    def summary(self, *, limit: int = 5) -> str:
        """A few lines for people: verdict, counts, gap totals, the first ``limit`` problems."""
        name = f"{self._name} ({self.asset_class})"
        span = (
            ""
            if self.start is None
            else f" {self.start:%Y-%m-%d %H:%M} -> {self.end:%Y-%m-%d %H:%M} UTC"
        )
        errors, warnings, infos = self.errors, self.warnings, self.infos
        verdict = "OK" if self.ok else "FAILED"
        lines = [
            f"{name}: {self.n_bars:,} bars{span}: {verdict} "
            f"({len(errors)} errors, {len(warnings)} warnings, {len(infos)} info)"
        ]
        by_label: dict[str, list[int]] = {}
        for f in self.gaps:
            acc = by_label.setdefault(f.label, [0, 0, 0])
            acc[0] += 1
            acc[1] += f.count
            acc[2] = max(acc[2], f.count)
        for label, (n, bars, longest) in sorted(by_label.items()):
            lines.append(f"  gaps {label}: {n:,} ({bars:,} missing bars, longest {longest:,})")
        for kind, n in self.counts().items():
            if not kind.startswith("gap:"):
                lines.append(f"  {kind}: {n:,}")
        for title, group in (("errors", errors), ("warnings", warnings)):
            if group:
                lines.append(f"  first {title}:")
                lines.extend(f"    {f.message}" for f in group[:limit])
        return "\n".join(lines)

    def raise_for_errors(self, *, limit: int = 5) -> None:
        """Raise :class:`DataError` listing the first ``limit`` errors when there is any.

        The exception carries this report as ``exc.report``.
        """
        errors = self.errors
        if not errors:
            return
        name = self._name
        listed = "; ".join(f.message for f in errors[:limit])
        more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
        exc = DataError(
            f"{name} failed validation with {len(errors)} error(s): {listed}{more}. Fix or drop "
            "these rows at the source (validate(df).frame() lists every finding)"
        )
        exc.report = self  # type: ignore[attr-defined]
        raise exc


def validate(
    df: pd.DataFrame,
    *,
    asset_class: AssetClass | str | None = None,
    spec: SymbolSpec | None = None,
    strict: bool = False,
    spike_factor: float = 25.0,
    spike_window: int = 61,
    spike_min_points: float = 50.0,
    tolerance_minutes: int = 10,
    holidays: Sequence[tuple[int, int]] = DEFAULT_HOLIDAYS,
    registry: SymbolRegistry | None = None,
) -> ValidationReport:
    """Check canonical bars and report every finding (the module docstring lists them).

    Args:
        df: bars with a tz-aware ``DatetimeIndex`` of open times and ``open``/``high``/``low``/
            ``close`` columns, in any order (out-of-order and repeated times are findings).
        asset_class: decides the market calendar for gaps; else ``spec.asset_class``, else the
            registry entry of ``df.attrs["symbol"]``, else FX.
        spec: the symbol's spec; else the registry entry of ``df.attrs["symbol"]`` if known.
            Gives the point size for ``spike_min_points`` and for messages.
        strict: raise :class:`DataError` listing the first errors (with times) when any
            error-level finding exists; the exception carries the report as ``exc.report``.
        spike_factor: a bar is a spike when its move exceeds this many times the local scale.
        spike_window: bars in the centred window of the local median move.
        spike_min_points: with a spec, a spike must also move at least this many points.
        tolerance_minutes: missing bars this close to a market closure count as closed time.
        holidays: ``(month, day)`` trading days on which missing bars are ``holiday`` gaps.
        registry: where symbols are looked up (default: the built-in specs).

    Returns:
        A :class:`ValidationReport`; findings in time order.
    """
    if spike_factor <= 0 or spike_window < 1:
        raise ValueError("spike_factor must be > 0 and spike_window >= 1")
    if not isinstance(df.index, pd.DatetimeIndex) or df.index.tz is None:
        raise ValueError(
            "validate needs a tz-aware DatetimeIndex of bar open times: load bars with "
            "mikrobot.data.load_bars, or call df.tz_localize('UTC') when the times are UTC"
        )
    missing_cols = [c for c in PRICE_COLUMNS if c not in df.columns]
    if missing_cols:
        raise ValueError(
            f"validate needs columns {', '.join(PRICE_COLUMNS)}; missing {missing_cols}"
        )

    symbol = df.attrs.get("symbol")
    spec = spec if spec is not None else _lookup(symbol, registry)
    cls = (
        AssetClass(asset_class)
        if asset_class is not None
        else (spec.asset_class if spec is not None else AssetClass.FX)
    )
    times = np.ascontiguousarray(df.index.tz_convert("UTC").as_unit("ns").asi8)
    n = times.size
    tf = _timeframe(df, times)
    prices = {c: np.ascontiguousarray(df[c].to_numpy(np.float64)) for c in PRICE_COLUMNS}
    settings = MappingProxyType(
        {
            "spike_factor": spike_factor,
            "spike_window": spike_window,
            "spike_min_points": spike_min_points,
            "tolerance_minutes": tolerance_minutes,
            "holidays": [list(h) for h in holidays],
            "point": None if spec is None else spec.point,
        }
    )

    findings: list[Finding] = []
    bad = np.zeros(n, dtype=bool)
    findings += _price_findings(times, prices, bad)
    if n < 2 or bool(np.all(times[1:] > times[:-1])):
        uniq_pos = None  # strictly increasing: row i is the i-th unique time
        uniq_t = times
    else:
        order = np.argsort(times, kind="stable")
        sorted_t = times[order]
        first_of_time = np.ones(n, dtype=bool)
        first_of_time[1:] = sorted_t[1:] != sorted_t[:-1]
        columns = [prices[c] for c in PRICE_COLUMNS] + [
            df[c].to_numpy() for c in ("tick_volume", "spread") if c in df.columns
        ]
        findings += _duplicates(times, order, first_of_time, columns)
        findings += _non_monotonic(times)
        uniq_pos = order[first_of_time]
        uniq_t = sorted_t[first_of_time]

    if tf is not None:
        findings += _gap_findings(uniq_t, uniq_pos, tf, cls, tolerance_minutes, holidays)
        if uniq_pos is None and not bad.any():
            valid_pos = None
        else:
            rows = np.arange(n) if uniq_pos is None else uniq_pos
            valid_pos = rows[~bad[rows]]
        findings += _spikes(
            times, valid_pos, prices, tf, spec, spike_factor, spike_window, spike_min_points
        )

    findings.sort(key=lambda f: (f.time.value, _SEVERITY_RANK[f.severity], f.position))
    report = ValidationReport(
        symbol=symbol,
        timeframe=tf.name if tf is not None else str(df.attrs.get("timeframe")),
        asset_class=cls.value,
        n_bars=n,
        start=pd.Timestamp(int(uniq_t[0]), tz="UTC") if n else None,
        end=pd.Timestamp(int(uniq_t[-1]), tz="UTC") if n else None,
        findings=tuple(findings),
        settings=settings,
    )
    if strict:
        report.raise_for_errors()
    return report


# ---------------------------------------------------------------------------- helpers
def _lookup(symbol: str | None, registry: SymbolRegistry | None) -> SymbolSpec | None:
    if not symbol:
        return None
    try:
        return (registry if registry is not None else SymbolRegistry())[symbol]
    except UnknownSymbolError:
        return None


def _timeframe(df: pd.DataFrame, times: np.ndarray) -> Timeframe | None:
    if df.attrs.get("timeframe"):
        return Timeframe.parse(df.attrs["timeframe"])
    try:
        return Timeframe.infer(np.unique(times))
    except ValueError:
        return None


def _stamps(ns: np.ndarray) -> list[pd.Timestamp]:
    """UTC Timestamps of int64 ns, vectorised."""
    return list(
        pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize("UTC")
    )


def _texts(ns: np.ndarray) -> list[str]:
    """``YYYY-MM-DD HH:MM`` of int64 ns, vectorised."""
    minutes = np.asarray(ns, dtype=np.int64).view("datetime64[ns]").astype("datetime64[m]")
    return [s.replace("T", " ") for s in np.datetime_as_string(minutes).tolist()]


def _duplicates(
    times: np.ndarray,
    order: np.ndarray,
    first_of_time: np.ndarray,
    columns: list[np.ndarray],
) -> list[Finding]:
    if first_of_time.all():
        return []
    group = np.cumsum(first_of_time) - 1
    sizes = np.bincount(group)
    in_dup = sizes[group] > 1
    rows, groups = order[in_dup], group[in_dup]
    starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    bounds = np.append(starts, rows.size)
    members = [np.sort(rows[a:b]) for a, b in itertools.pairwise(bounds.tolist())]
    firsts = np.array([m[0] for m in members], dtype=np.int64)
    stamps, texts = _stamps(times[firsts]), _texts(times[firsts])
    out = []
    for k, m in enumerate(members):
        same = all(bool((col[m] == col[m[0]]).all()) for col in columns)
        label = "identical" if same else "conflicting"
        listed = ", ".join(str(int(r)) for r in m[:6]) + (", ..." if m.size > 6 else "")
        out.append(
            Finding(
                "duplicate",
                ERROR,
                stamps[k],
                label=label,
                position=int(m[0]),
                count=int(m.size),
                message=f"duplicate: time {texts[k]} is on {m.size} rows ({listed}), {label}",
            )
        )
    return out


def _non_monotonic(times: np.ndarray) -> list[Finding]:
    if times.size < 2:
        return []
    back = np.flatnonzero(times[1:] < times[:-1]) + 1
    if back.size == 0:
        return []
    stamps, texts, before = _stamps(times[back]), _texts(times[back]), _texts(times[back - 1])
    return [
        Finding(
            "non_monotonic",
            ERROR,
            stamps[k],
            position=int(i),
            value=float(times[i - 1] - times[i]) / 1e9,
            message=f"non_monotonic: row {i} at {texts[k]} comes after row {i - 1} at {before[k]}",
        )
        for k, i in enumerate(back.tolist())
    ]


def _price_findings(
    times: np.ndarray, prices: dict[str, np.ndarray], bad: np.ndarray
) -> list[Finding]:
    """NaN/inf, non-positive and OHLC-inconsistent bars; marks them in ``bad``."""
    o, h, lo, c = (prices[k] for k in PRICE_COLUMNS)
    flags = price_flags_nb(o, h, lo, c)
    flagged = np.flatnonzero(flags)
    if flagged.size == 0:
        return []
    bad[flagged] = True
    out: list[Finding] = []
    stamps, texts = _stamps(times[flagged]), _texts(times[flagged])
    for k, i in enumerate(flagged.tolist()):
        f = int(flags[i])
        values = [float(prices[col][i]) for col in PRICE_COLUMNS]
        if f & FLAG_NONFINITE:
            label = ",".join(
                col for col, v in zip(PRICE_COLUMNS, values, strict=True) if not math.isfinite(v)
            )
            out.append(Finding("nan", ERROR, stamps[k], label=label, position=i,
                               message=f"nan: row {i} at {texts[k]} has no finite {label}"))  # fmt: skip
        if f & FLAG_NON_POSITIVE:
            label = ",".join(col for col, v in zip(PRICE_COLUMNS, values, strict=True) if v <= 0)
            out.append(Finding("non_positive", ERROR, stamps[k], label=label, position=i,
                               message=f"non_positive: row {i} at {texts[k]} has <= 0 {label}"))  # fmt: skip
        rules = [name for bit, name in _OHLC_RULES if f & bit]
        if rules:
            label = ",".join(rules)
            out.append(
                Finding(
                    "ohlc",
                    ERROR,
                    stamps[k],
                    label=label,
                    position=i,
                    message=(
                        f"ohlc: row {i} at {texts[k]} breaks {label} (open {o[i]:g}, high "
                        f"{h[i]:g}, low {lo[i]:g}, close {c[i]:g})"
                    ),
                )
            )
    return out


def _gap_findings(
    uniq_t: np.ndarray,
    uniq_pos: np.ndarray | None,
    tf: Timeframe,
    cls: AssetClass,
    tolerance_minutes: int,
    holidays: Sequence[tuple[int, int]],
) -> list[Finding]:
    gaps = find_gaps(uniq_t, tf.nanos, cls, tolerance_minutes=tolerance_minutes, holidays=holidays)
    after = gaps.after if uniq_pos is None else uniq_pos[gaps.after]
    starts, ends = _stamps(gaps.start), _stamps(gaps.end)
    start_txt, end_txt = _texts(gaps.start), _texts(gaps.end)
    out = []
    for k in range(gaps.after.size):
        label = str(gaps.label[k])
        missing = int(gaps.missing[k])
        inside = int(gaps.in_session[k])
        if label == IN_SESSION:
            what = "in trading hours" if inside == missing else f"{inside} of them in trading hours"
        else:
            what = label
        out.append(
            Finding(
                "gap",
                WARNING if label == IN_SESSION else INFO,
                starts[k],
                label=label,
                position=int(after[k]),
                end=ends[k],
                count=missing,
                value=float(inside),
                message=f"gap: {missing} missing {tf.name} bar(s) {start_txt[k]} -> {end_txt[k]}, {what}",
            )
        )
    return out


def _spikes(
    times: np.ndarray,
    valid_pos: np.ndarray | None,
    prices: dict[str, np.ndarray],
    tf: Timeframe,
    spec: SymbolSpec | None,
    factor: float,
    window: int,
    min_points: float,
) -> list[Finding]:
    """Spike findings among the rows ``valid_pos`` (sorted by time, unique, prices sound;
    None: every row, already so).

    The local median is computed only for bars whose move exceeds ``factor`` times the global
    floor: no other bar can be a spike, so the shortcut changes no answer.
    """
    if valid_pos is None:
        t, h, lo, c = times, prices["high"], prices["low"], prices["close"]
    else:
        t, h, lo, c = (
            np.ascontiguousarray(a[valid_pos])
            for a in (times, prices["high"], prices["low"], prices["close"])
        )
    if t.size < 3:
        return []
    tf_ns = np.int64(tf.nanos)
    move, own = bar_moves_nb(t, h, lo, c, tf_ns)
    floor = _GLOBAL_FLOOR * float(np.median(move))
    min_move = 0.0 if spec is None else min_points * spec.point
    cand = np.flatnonzero((move > factor * floor) & (move > 0) & (move >= min_move))
    if cand.size == 0:
        return []
    scale = np.maximum(centred_median_at_nb(move, cand, int(window)), floor)
    first = cand[move[cand] > factor * scale]
    # The bar after a spike is measured on its own range: the spike's close is not its anchor.
    prev = np.maximum(cand - 1, 0)
    after = (cand > 0) & np.isin(prev, first) & (t[cand] - t[prev] == tf_ns)
    m = np.where(after, own[cand], move[cand])
    hit = (m > factor * scale) & (m >= min_move) & (m > 0)
    idx, m, scale = cand[hit], m[hit], scale[hit]
    if idx.size == 0:
        return []
    unit, mult = (" points", 1.0 / spec.point) if spec is not None else ("", 1.0)
    stamps, texts = _stamps(t[idx]), _texts(t[idx])
    out = []
    for k, i in enumerate(idx.tolist()):
        ratio = float(m[k] / scale[k]) if scale[k] > 0 else math.inf
        pos = int(i if valid_pos is None else valid_pos[i])
        out.append(
            Finding(
                "spike",
                WARNING,
                stamps[k],
                position=pos,
                value=ratio,
                message=(
                    f"spike: row {pos} at {texts[k]} moves {m[k] * mult:.6g}{unit}, "
                    f"{ratio:.1f}x the local scale {scale[k] * mult:.6g}{unit}"
                ),
            )
        )
    return out

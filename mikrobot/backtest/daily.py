"""The daily validation of one symbol, and the pipeline's ``summary.json``.

:func:`validate_symbol` takes the M1 bars of a symbol (a long-run window followed by the
recent ``days``) and computes, in order:

1. the data-quality report (:func:`mikrobot.data.validation.validate` over every bar read);
2. the market structure: swings, BOS/CHoCH breaks and retest setups of the whole span (M5 from
   M1, the settings' structure parameters), counted per UTC day of the recent window by the
   day each fact became known (``known_at``);
3. the **recent backtest**: the confirmed setups whose entry bar lies in the recent window,
   traded from a fresh account with the settings' rules on the window's bars; the structure
   engine and the volatility percentile read every earlier bar (both are causal, so this equals
   running them on the bars up to the window's end);
4. the **long-run baseline**: the same for the bars before the recent window, without
   prop-firm floors (a breach would end that run and cut the baseline short); its win rate is
   the long-run figure the recent one is held to;
5. a short walk-forward (:func:`mikrobot.backtest.walkforward.walk_forward` in this process,
   ``scheduler="sync"``: no Dask) over the whole span, when the span holds at least one fold;
6. the gates (:mod:`mikrobot.backtest.gates`). When the data has errors the backtests are not
   run (the engine refuses such bars) and their gates fail as not evaluated.

:func:`build_summary` gathers the symbols into the JSON-able summary the pipeline writes
(:func:`write_summary`), with the parameters, the config hash and the overall verdict.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from mikrobot.backtest.context import atr_percentiles
from mikrobot.backtest.driver import run_setups
from mikrobot.backtest.engine import Market
from mikrobot.backtest.gates import (
    Gate,
    GateThresholds,
    all_passed,
    data_errors_gate,
    data_gaps_gate,
    drawdown_gate,
    not_evaluated,
    prop_firm_gate,
    win_rate_drift_gate,
)
from mikrobot.backtest.params import BacktestParams
from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.selection import window_market
from mikrobot.core.atomic import write_text_atomic
from mikrobot.core.errors import ConfigError, DataError
from mikrobot.core.symbol import SymbolSpec
from mikrobot.strategy.params import EvaluationParams
from mikrobot.structure.params import StructureParams

if TYPE_CHECKING:
    from mikrobot.backtest.walkforward_result import WalkForwardResult
    from mikrobot.core.sessions import SessionWindow
    from mikrobot.data.validation import ValidationReport
    from mikrobot.risk.params import PropFirmSelection, SizingParams
    from mikrobot.strategy.params import FeedbackParams

__all__ = [
    "SUMMARY_FILE",
    "SYNTHETIC_END",
    "RunSettings",
    "SettingsLike",
    "SymbolValidation",
    "WalkForwardPlan",
    "backtest_table",
    "backtest_window",
    "build_summary",
    "gate_table",
    "quality_table",
    "recent_window",
    "validate_symbol",
    "walk_forward_table",
    "write_summary",
]

SUMMARY_FILE = "summary.json"
#: where the synthetic market's recent window ends when no end is given (a Saturday, so the
#: last five days are Monday to Friday)
SYNTHETIC_END = "2024-03-30"
_ERROR_KINDS = ("duplicate", "non_monotonic", "nan", "non_positive", "ohlc")


class SettingsLike(Protocol):
    """What :meth:`RunSettings.from_settings` reads (:class:`mikrobot.config.Settings` has it)."""

    @property
    def structure(self) -> StructureParams: ...
    @property
    def evaluation(self) -> EvaluationParams: ...
    @property
    def feedback(self) -> FeedbackParams: ...
    @property
    def risk(self) -> SizingParams: ...
    @property
    def propfirm(self) -> PropFirmSelection: ...
    def session_windows(self) -> tuple[SessionWindow, ...]: ...
    def config_hash(self) -> str: ...


@dataclass(frozen=True)
class RunSettings:
    """The settings every backtest of the validation uses: structure, backtest (fills,
    sizing, prop-firm rules), evaluation, feedback (None: off), sessions (None: the defaults)
    and the config hash stamped on the results."""

    structure: StructureParams = field(default_factory=StructureParams)
    backtest: BacktestParams = field(default_factory=BacktestParams)
    evaluation: EvaluationParams = field(default_factory=EvaluationParams)
    feedback: FeedbackParams | None = None
    sessions: tuple[SessionWindow, ...] | None = None
    config_hash: str = ""

    @classmethod
    def from_settings(cls, settings: SettingsLike) -> RunSettings:
        """From :class:`mikrobot.config.Settings`, as ``mikrobot backtest`` wires them: the
        initial balance and rules of ``[propfirm]``, the sizing of ``[risk]``, feedback when
        enabled, the ``[sessions]`` windows and the settings' hash."""
        return cls(
            structure=settings.structure,
            backtest=BacktestParams.from_settings(settings),
            evaluation=settings.evaluation,
            feedback=settings.feedback if settings.feedback.enabled else None,
            sessions=settings.session_windows(),
            config_hash=settings.config_hash(),
        )


def _default_grid() -> Mapping[str, tuple[Any, ...]]:
    return MappingProxyType({"rr": (1.5, 2.0, 2.5)})


@dataclass(frozen=True)
class WalkForwardPlan:
    """The short walk-forward: window lengths (as ``mikrobot walkforward --train/--test``),
    the searched parameters (a grid: field name -> values, names as ``--grid`` takes them,
    e.g. ``{"rr": [1.5, 2, 2.5], "left": [2, 3]}``; empty: the base settings only), the
    selecting metric and the fewest in-sample trades a candidate needs."""

    train: str = "20D"
    test: str = "5D"
    grid: Mapping[str, Sequence[Any]] = field(default_factory=_default_grid)
    metric: str = "sharpe"
    min_trades: int = 3

    def __post_init__(self) -> None:
        grid = {}
        for name, values in dict(self.grid).items():
            if isinstance(values, str) or not isinstance(values, Sequence):
                raise ConfigError(
                    f"walk-forward grid {name!r}: give a list of values, e.g. [1.5, 2.0], "
                    f"got {values!r}"
                )
            grid[str(name)] = tuple(values)
        object.__setattr__(self, "grid", MappingProxyType(grid))


@dataclass(frozen=True, eq=False)
class SymbolValidation:
    """Everything :func:`validate_symbol` found for one symbol (frozen)."""

    spec: SymbolSpec
    source: str
    bars: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    quality: ValidationReport
    swings: pd.DataFrame | None
    breaks: pd.DataFrame | None
    setups: pd.DataFrame | None
    recent: BacktestResult | None
    baseline: BacktestResult | None
    walk_forward: WalkForwardResult | None
    walk_forward_note: str
    gates: tuple[Gate, ...]

    @property
    def symbol(self) -> str:
        """The symbol's name."""
        return self.spec.name

    @property
    def passed(self) -> bool:
        """True when every gate of this symbol passed."""
        return all_passed(self.gates)

    def recent_bars(self) -> pd.DataFrame:
        """The M1 bars of the recent window."""
        idx = self.bars.index
        return self.bars.loc[(idx >= self.start) & (idx < self.end)]

    def quality_figures(self) -> dict[str, Any]:
        """The data-quality figures: bars, span, in-session gaps (count, missing bars,
        longest, percent of expected), error and warning counts by kind."""
        q = self.quality
        in_session = [f for f in q.gaps if f.label == "in_session"]
        missing = q.missing_in_session
        expected = q.n_bars + missing
        counts = q.counts()
        return {
            "bars": q.n_bars,
            "first_bar": None if q.start is None else q.start.isoformat(),
            "last_bar": None if q.end is None else q.end.isoformat(),
            "in_session_gaps": len(in_session),
            "missing_in_session": missing,
            "longest_gap": max((f.count for f in in_session), default=0),
            "gap_pct": 100.0 * missing / expected if expected else 0.0,
            "closed_market_gaps": sum(1 for f in q.gaps if f.label != "in_session"),
            "errors": {k: counts.get(k, 0) for k in _ERROR_KINDS},
            "spikes": counts.get("spike", 0),
            "ok": q.ok,
        }

    def structure_by_day(self) -> pd.DataFrame:
        """Per UTC day of the recent window: swings, BOS and CHoCH breaks, decided setups and
        confirmed ones (each by the day it became known), and trades (by entry day)."""
        days = pd.date_range(self.start.floor("D"), self.end - pd.Timedelta(1), freq="D")
        table = pd.DataFrame(index=pd.Index(days.date, name="day"))

        def per_day(times: pd.Series | pd.DatetimeIndex) -> pd.Series:
            t = pd.DatetimeIndex(times)
            t = t[(t >= self.start) & (t < self.end)]
            return pd.Series(t.date).value_counts()

        if self.swings is not None and self.breaks is not None and self.setups is not None:
            kinds = self.breaks["kind"].astype(str)
            confirmed = self.setups["status"] == "confirmed"
            columns = {
                "swings": self.swings["known_at"],
                "bos": self.breaks.loc[kinds == "BOS", "known_at"],
                "choch": self.breaks.loc[kinds == "CHoCH", "known_at"],
                "setups": self.setups["known_at"],
                "confirmed": self.setups.loc[confirmed, "known_at"],
            }
            for name, times in columns.items():
                table[name] = per_day(times).reindex(table.index, fill_value=0).astype(np.int64)
        if self.recent is not None:
            trades = per_day(self.recent.trades["entry_time"])
            table["trades"] = trades.reindex(table.index, fill_value=0).astype(np.int64)
        return table

    def to_dict(self) -> dict[str, Any]:
        """The symbol's figures as a JSON-able dict (the summary's per-symbol entry)."""
        by_day = self.structure_by_day()
        structure = {c: int(by_day[c].sum()) for c in by_day.columns}
        structure["per_day"] = [
            {"day": str(day), **{c: int(v) for c, v in row.items()}}
            for day, row in by_day.iterrows()
        ]
        backtest = None
        if self.recent is not None:
            backtest = self.recent.summary()
            backtest["window"] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        baseline = None
        if self.baseline is not None:
            b = self.baseline.stats
            m = self.baseline.market
            baseline = {
                "start": m.index[0].isoformat(),
                "end": self.start.isoformat(),
                "trades": b.trade_count,
                "win_rate": _finite(b.win_rate),
                "net_result": _finite(b.net_result),
                "avg_r": _finite(b.avg_r),
            }
        wf: dict[str, Any] | None = None
        if self.walk_forward is not None:
            w = self.walk_forward
            o = w.oos_stats
            wf = {
                "folds": len(w.folds),
                "folds_selected": int(w.folds["selected"].sum()),
                "windows": {k: str(v) for k, v in w.windows.items()},
                "metric": w.metric,
                "oos_trades": o.trade_count,
                "oos_return_pct": _finite(o.return_pct),
                "oos_win_rate": _finite(o.win_rate),
                "oos_max_drawdown_pct": _finite(o.max_drawdown_pct),
                "wfe": _finite(w.wfe),
                "parameter_change_rate": _finite(w.stability_overall.get("change_rate")),
                "config_hash": w.config_hash,
            }
        return {
            "symbol": self.symbol,
            "source": self.source,
            "passed": self.passed,
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "data": self.quality_figures(),
            "structure": structure,
            "backtest": backtest,
            "baseline": baseline,
            "walk_forward": wf,
            "walk_forward_note": self.walk_forward_note,
            "gates": [g.to_dict() for g in self.gates],
        }


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def recent_window(
    bars: pd.DataFrame, days: float, end: Any = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` of the last ``days`` calendar days: ``end`` (UTC; naive is UTC) or, by
    default, the first UTC midnight after the last bar; ``start = end − days``."""
    if not days > 0:
        raise ValueError(f"days must be > 0, got {days!r}")
    if len(bars) == 0:
        raise DataError("no bars to validate")
    if end is None:
        stop = bars.index[-1].floor("D") + pd.Timedelta(days=1)
    else:
        stamp = pd.Timestamp(end)
        stop = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stop - pd.Timedelta(days=days), stop


def backtest_window(
    market: Market,
    setups: pd.DataFrame,
    lo: int,
    hi: int,
    *,
    settings: RunSettings,
    backtest: BacktestParams | None = None,
    percentiles: np.ndarray | None = None,
) -> BacktestResult:
    """Backtest the confirmed ``setups`` (found on bars that include ``[0, hi)`` of
    ``market``) whose entry bar - the first bar opening at or after ``known_at`` - lies in bars
    ``[lo, hi)``, from a fresh account on those bars. ``percentiles``: the ATR percentile of
    every confirmed setup in ``known_at`` order (default: computed from all of ``market``)."""
    params = settings.backtest if backtest is None else backtest
    rows = setups[np.asarray(setups["status"] == "confirmed")]
    known = pd.DatetimeIndex(rows["known_at"]).as_unit("ns").asi8
    if known.shape[0] > 1 and not bool(np.all(known[1:] >= known[:-1])):
        order = np.argsort(known, kind="stable")
        rows, known = rows.iloc[order], known[order]
    entry = np.searchsorted(market.time, known, side="left")
    mask = (entry >= lo) & (entry < hi)
    pct = None
    if settings.evaluation.volatility.enabled:
        if percentiles is None:
            percentiles = atr_percentiles(
                market, known, lookback_days=settings.evaluation.volatility.lookback_days
            )
        pct = percentiles[mask]
    return run_setups(
        window_market(market, lo, hi, params.spread_points),
        rows.iloc[np.flatnonzero(mask)],
        spec=market.spec,
        params=params,
        evaluation=settings.evaluation,
        feedback=settings.feedback,
        sessions=settings.sessions,
        atr_percentile=pct,
        config_hash=settings.config_hash,
    )


def validate_symbol(
    bars: pd.DataFrame,
    spec: SymbolSpec,
    *,
    days: float,
    end: Any = None,
    settings: RunSettings | None = None,
    thresholds: GateThresholds | None = None,
    walk: WalkForwardPlan | None = None,
    source: str = "",
) -> SymbolValidation:
    """Validate ``spec``'s M1 ``bars``: the recent window is the last ``days`` calendar days
    (see :func:`recent_window`), every earlier bar is the long-run baseline and the structure
    engine's warm-up; see the module docstring for the steps. ``walk=None`` skips the
    walk-forward. Raises :class:`DataError` when the recent window holds no bar."""
    from mikrobot.data.resampling import resample
    from mikrobot.data.validation import validate
    from mikrobot.structure.api import setups as find_setups
    from mikrobot.structure.api import structure

    run = RunSettings() if settings is None else settings
    limits = GateThresholds() if thresholds is None else thresholds
    start, stop = recent_window(bars, days, end)
    bars = bars.loc[bars.index < stop]
    quality = validate(bars, spec=spec)
    figures_gates = [
        data_gaps_gate(quality.missing_in_session, quality.n_bars, limits),
        data_errors_gate({k: quality.counts().get(k, 0) for k in _ERROR_KINDS}, limits),
    ]
    lo = int(np.searchsorted(bars.index, start))
    if lo >= len(bars):
        raise DataError(
            f"{spec.name}: no M1 bar in the recent window [{start:%Y-%m-%d}, {stop:%Y-%m-%d}); "
            f"the bars end at {bars.index[-1]:%Y-%m-%d %H:%M} UTC: give an earlier end"
        )
    if not quality.ok:
        reason = "the data has errors (see data_errors)"
        gates = (
            *figures_gates,
            not_evaluated("drawdown", reason),
            not_evaluated("prop_firm", reason),
            not_evaluated("win_rate_drift", reason),
        )
        return SymbolValidation(
            spec, source, bars, start, stop, quality, None, None, None, None, None, None,
            "not run: " + reason, tuple(g.with_symbol(spec.name) for g in gates),
        )  # fmt: skip

    m5 = resample(bars, "M5", drop_incomplete=True)
    swings, breaks = structure(m5, spec, run.structure)
    found = find_setups(bars, m5, spec, run.structure)
    market = Market.from_bars(bars, spec)
    confirmed = found[np.asarray(found["status"] == "confirmed")]
    known = np.sort(pd.DatetimeIndex(confirmed["known_at"]).as_unit("ns").asi8, kind="stable")
    pct = (
        atr_percentiles(market, known, lookback_days=run.evaluation.volatility.lookback_days)
        if run.evaluation.volatility.enabled
        else None
    )
    recent = backtest_window(market, found, lo, len(bars), settings=run, percentiles=pct)
    baseline = None
    if lo > 0:
        free = run.backtest.model_copy(update={"prop_firm": None})
        baseline = backtest_window(
            market, found, 0, lo, settings=run, backtest=free, percentiles=pct
        )
    wf, note = _walk(bars, spec, run, walk)
    r = recent.stats
    b_rate, b_trades = (
        (baseline.stats.win_rate, baseline.stats.trade_count) if baseline else (math.nan, 0)
    )
    gates = (
        *figures_gates,
        drawdown_gate(r.max_drawdown_pct, limits),
        prop_firm_gate(r.verdict, r.breach_reason, limits),
        win_rate_drift_gate(r.win_rate, r.trade_count, b_rate, b_trades, limits),
    )
    return SymbolValidation(
        spec=spec,
        source=source,
        bars=bars,
        start=start,
        end=stop,
        quality=quality,
        swings=swings,
        breaks=breaks,
        setups=found,
        recent=recent,
        baseline=baseline,
        walk_forward=wf,
        walk_forward_note=note,
        gates=tuple(g.with_symbol(spec.name) for g in gates),
    )


def _walk(
    bars: pd.DataFrame, spec: SymbolSpec, run: RunSettings, walk: WalkForwardPlan | None
) -> tuple[WalkForwardResult | None, str]:
    from mikrobot.backtest.search import ParameterSpace
    from mikrobot.backtest.walkforward import walk_forward
    from mikrobot.backtest.windows import make_folds

    if walk is None:
        return None, "skipped"
    base = {"structure": run.structure, "backtest": run.backtest, "evaluation": run.evaluation}
    grid = {k: list(v) for k, v in walk.grid.items()}
    space = ParameterSpace.grid(grid, **base) if grid else ParameterSpace.single(**base)
    try:
        folds = make_folds(bars.index, train=walk.train, test=walk.test)
    except ConfigError as exc:
        return None, f"skipped: {exc}"
    result = walk_forward(
        bars,
        spec=spec,
        train=walk.train,
        test=walk.test,
        space=space,
        metric=walk.metric,
        min_trades=walk.min_trades,
        feedback=run.feedback,
        sessions=run.sessions,
        scheduler="sync",
        progress=False,
    )
    return result, f"{len(folds)} folds of train {walk.train} / test {walk.test}"


def quality_table(results: Sequence[SymbolValidation]) -> pd.DataFrame:
    """One row per symbol: :meth:`SymbolValidation.quality_figures` with the error counts as
    columns of their own."""
    rows = {}
    for r in results:
        q = r.quality_figures()
        rows[r.symbol] = {**{k: v for k, v in q.items() if k != "errors"}, **q["errors"]}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("symbol")


def backtest_table(results: Sequence[SymbolValidation]) -> pd.DataFrame:
    """One row per symbol: the recent backtest's main figures and the long-run win rate."""
    rows = {}
    for r in results:
        if r.recent is None:
            rows[r.symbol] = {"verdict": "not run"}
            continue
        s = r.recent.stats
        b = r.baseline.stats if r.baseline is not None else None
        rows[r.symbol] = {
            "trades": s.trade_count,
            "win_rate": s.win_rate,
            "net_result": s.net_result,
            "return_pct": s.return_pct,
            "max_drawdown_pct": s.max_drawdown_pct,
            "profit_factor": s.profit_factor,
            "avg_r": s.avg_r,
            "verdict": s.verdict,
            "signals": r.recent.signals,
            "baseline_trades": None if b is None else b.trade_count,
            "baseline_win_rate": None if b is None else b.win_rate,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("symbol")


def walk_forward_table(results: Sequence[SymbolValidation]) -> pd.DataFrame:
    """One row per symbol: the walk-forward's folds and out-of-sample figures (or why it was
    skipped)."""
    rows: dict[str, dict[str, Any]] = {}
    for r in results:
        w = r.to_dict()["walk_forward"]
        row = {} if w is None else {k: v for k, v in w.items() if k != "windows"}
        row["note"] = r.walk_forward_note
        rows[r.symbol] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("symbol")


def gate_table(results: Sequence[SymbolValidation]) -> pd.DataFrame:
    """One row per gate of every symbol: symbol, name, passed, value, threshold, message."""
    cols = ["symbol", "name", "passed", "value", "threshold", "message"]
    rows = [[getattr(g, c) for c in cols] for r in results for g in r.gates]
    return pd.DataFrame(rows, columns=cols)


def _digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_summary(
    results: Sequence[SymbolValidation],
    *,
    parameters: Mapping[str, Any],
    config_hash: str,
    thresholds: GateThresholds | None = None,
    pipeline: str = "daily_validation",
) -> dict[str, Any]:
    """The pipeline's summary: ``pipeline``, ``status`` (``passed``/``failed``), ``passed``,
    ``config_hash`` (the settings'), ``run_hash`` (of the parameters, thresholds and config
    hash: two runs with the same hash validated the same way), ``parameters``,
    ``thresholds``, ``gates`` (every symbol's, flat), ``failed_gates`` (``SYMBOL:name``) and
    ``symbols`` (each :meth:`SymbolValidation.to_dict`)."""
    limits = GateThresholds() if thresholds is None else thresholds
    gates = [g for r in results for g in r.gates]
    passed = all_passed(gates)
    params = {k: parameters[k] for k in sorted(parameters)}
    limits_dict = limits.model_dump(mode="json")
    return {
        "pipeline": pipeline,
        "status": "passed" if passed else "failed",
        "passed": passed,
        "config_hash": config_hash,
        "run_hash": _digest({"p": params, "t": limits_dict, "c": config_hash}),
        "parameters": params,
        "thresholds": limits_dict,
        "gates": [g.to_dict() for g in gates],
        "failed_gates": [f"{g.symbol}:{g.name}" for g in gates if not g.passed],
        "symbols": {r.symbol: r.to_dict() for r in results},
        "error": None,
    }


def write_summary(summary: Mapping[str, Any], directory: str | os.PathLike[str]) -> Path:
    """Write ``summary`` as ``directory/summary.json`` (strict JSON: no NaN) via a temporary
    file, so a reader never sees half a file; returns the path."""
    text = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    return write_text_atomic(Path(directory) / SUMMARY_FILE, text)

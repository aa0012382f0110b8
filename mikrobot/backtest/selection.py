"""Walk-forward arithmetic on result tables: in-sample selection, walk-forward efficiency,
parameter stability, and the stitched out-of-sample result.

Definitions (``Y`` = 365.25 days; returns in percent of the initial balance, as
:attr:`Stats.return_pct <mikrobot.backtest.stats.Stats>`):

* **Selection** (per fold): among the candidates whose in-sample run made at least
  ``min_trades`` trades and whose metric is not NaN, the one with the highest metric (the
  lowest for :data:`LOWER_IS_BETTER` metrics, or as ``maximize`` says); ties go to the
  candidate listed first in the space. No qualifying candidate: the fold is not traded (its
  test window counts as flat, return 0).
* **Annualised return** of a window: ``return_pct × Y / days`` (simple, not compounded), with
  ``days`` the window's calendar length.
* **Walk-forward efficiency**: per fold ``wfe = oos_ann / is_ann`` (NaN unless ``is_ann > 0``),
  ``is_ann`` being the chosen candidate's in-sample annualised return. Overall, over the folds
  with a selection: ``WFE = (Σ oos_return_pct / Σ test_days) / (Σ is_return_pct /
  Σ train_days)`` (NaN unless the denominator is > 0), i.e. the days-weighted OOS annualised
  return over the days-weighted IS annualised return.
* **Parameter stability**, over the folds with a selection in fold order (``m`` of them):
  ``changes`` = consecutive pairs whose chosen candidate differs, ``change_rate`` = changes /
  (m − 1) (NaN for m < 2); per parameter the same two counts for its value, ``distinct``
  values chosen, the ``mode`` (the most chosen value, the earliest on a tie) and its
  ``mode_share``; for numeric parameters ``min``, ``max``, ``mean``, ``std`` (population) and
  ``range_share`` = (max − min) / (the searched range's max − min) (0: always the same value,
  1: spread over the whole searched range; NaN when the searched range is a single value).
* **Stitched OOS**: the test windows' bars in order form one market; the trades of each fold
  keep their times and get bar positions in it, so the equity is the initial balance plus the
  folds' results one after the other (additive: each fold's run starts from the initial
  balance). Statistics are computed on it without prop-firm rules (each fold's own verdict is
  in the fold table); open positions are marked with the base settings' spread and commission.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.backtest.engine import Market
from mikrobot.backtest.params import BacktestParams
from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.stats import Stats
from mikrobot.core.errors import ConfigError

YEAR_DAYS = 365.25
#: numeric fields of :class:`Stats` that selection can rank by
METRICS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Stats) if f.type in ("float", "int", float, int)
)
#: metrics where lower is better (selection minimises them unless told otherwise)
LOWER_IS_BETTER = frozenset({"max_drawdown", "max_drawdown_pct", "ambiguous_bars"})


def check_metric(metric: str, maximize: bool | None = None) -> bool:
    """Whether ``metric`` is maximised (``maximize`` or the metric's natural direction);
    raises :class:`ConfigError` for a name that is not a numeric field of :class:`Stats`."""
    if metric not in METRICS:
        raise ConfigError(
            f"unknown metric {metric!r}: choose a numeric Stats field ({', '.join(METRICS)})"
        )
    return (metric not in LOWER_IS_BETTER) if maximize is None else bool(maximize)


def select(
    in_sample: pd.DataFrame, metric: str, *, min_trades: int = 0, maximize: bool | None = None
) -> pd.DataFrame:
    """The chosen candidate per fold from an in-sample table (columns ``fold``, ``candidate``,
    ``trade_count`` and ``metric``; see the module docstring).

    Returns one row per fold (index ``fold``, sorted) with ``candidate`` (-1 when none
    qualifies), ``is_metric`` (NaN then) and ``qualified`` (how many candidates qualified).
    """
    up = check_metric(metric, maximize)
    rows = []
    for fold, part in in_sample.groupby("fold", sort=True):
        value = part[metric].to_numpy(np.float64)
        ok = (part["trade_count"].to_numpy() >= min_trades) & ~np.isnan(value)
        cand = part["candidate"].to_numpy()
        if not ok.any():
            rows.append((fold, -1, math.nan, 0))
            continue
        v, c = value[ok], cand[ok]
        best = v.max() if up else v.min()
        winner = int(c[v == best].min())
        rows.append((fold, winner, float(best), int(ok.sum())))
    out = pd.DataFrame(rows, columns=["fold", "candidate", "is_metric", "qualified"])
    return out.set_index("fold")


def annualised(return_pct: np.ndarray | float, days: np.ndarray | float) -> Any:
    """Simple annualised return in percent: ``return_pct × 365.25 / days``."""
    return np.asarray(return_pct, np.float64) * YEAR_DAYS / np.asarray(days, np.float64)


def fold_efficiency(folds: pd.DataFrame) -> pd.DataFrame:
    """``is_ann``, ``oos_ann`` and ``wfe`` per fold from ``is_return_pct``,
    ``oos_return_pct``, ``train_days`` and ``test_days`` (see the module docstring)."""
    is_ann = annualised(folds["is_return_pct"].to_numpy(), folds["train_days"].to_numpy())
    oos_ann = annualised(folds["oos_return_pct"].to_numpy(), folds["test_days"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        wfe = np.where(is_ann > 0, oos_ann / is_ann, np.nan)
    return pd.DataFrame({"is_ann": is_ann, "oos_ann": oos_ann, "wfe": wfe}, index=folds.index)


def walk_forward_efficiency(folds: pd.DataFrame) -> float:
    """Overall WFE over the folds with ``selected`` True (see the module docstring)."""
    f = folds[folds["selected"].to_numpy(bool)] if "selected" in folds else folds
    if len(f) == 0:
        return math.nan
    is_ann = float(annualised(f["is_return_pct"].sum(), f["train_days"].sum()))
    oos_ann = float(annualised(f["oos_return_pct"].sum(), f["test_days"].sum()))
    return oos_ann / is_ann if is_ann > 0 else math.nan


def parameter_stability(
    chosen: pd.DataFrame, bounds: Mapping[str, tuple[float, float] | None] | None = None
) -> tuple[dict[str, float | int], pd.DataFrame]:
    """``(overall, per_parameter)`` from ``chosen`` (one row per selected fold in fold order:
    a ``candidate`` column and one column per parameter); ``bounds`` are the searched ranges.

    ``overall`` has ``folds``, ``changes`` and ``change_rate``; ``per_parameter`` one row per
    parameter with ``changes``, ``change_rate``, ``distinct``, ``mode``, ``mode_share``,
    ``min``, ``max``, ``mean``, ``std``, ``range_share`` (see the module docstring).
    """
    m = len(chosen)
    pairs = m - 1

    def changes_of(values: Sequence[Any]) -> int:
        return sum(1 for a, b in itertools.pairwise(values) if not _same(a, b))

    cand = chosen["candidate"].tolist() if m else []
    n_changes = changes_of(cand)
    overall: dict[str, float | int] = {
        "folds": m,
        "changes": n_changes,
        "change_rate": n_changes / pairs if pairs > 0 else math.nan,
    }
    rows = []
    names = [c for c in chosen.columns if c != "candidate"]
    for name in names:
        values = chosen[name].tolist()
        k = changes_of(values)
        row: dict[str, Any] = {
            "parameter": name,
            "changes": k,
            "change_rate": k / pairs if pairs > 0 else math.nan,
            "distinct": len({_key(v) for v in values}),
        }
        if values:
            counts: dict[Any, int] = {}
            first: dict[Any, Any] = {}
            for v in values:
                counts[_key(v)] = counts.get(_key(v), 0) + 1
                first.setdefault(_key(v), v)
            top = max(counts.values())
            mode_key = next(_key(v) for v in values if counts[_key(v)] == top)
            row["mode"] = first[mode_key]
            row["mode_share"] = top / m
        else:
            row["mode"], row["mode_share"] = None, math.nan
        numeric = bool(values) and all(_numeric(v) for v in values)
        arr = np.asarray(values, np.float64) if numeric else np.zeros(0)
        lo, hi = (float(arr.min()), float(arr.max())) if numeric else (math.nan, math.nan)
        row["min"], row["max"] = lo, hi
        row["mean"] = float(arr.mean()) if numeric else math.nan
        row["std"] = float(arr.std()) if numeric else math.nan
        span = (bounds or {}).get(name)
        width = (span[1] - span[0]) if span else math.nan
        row["range_share"] = (hi - lo) / width if numeric and width > 0 else math.nan
        rows.append(row)
    columns = ["parameter", "changes", "change_rate", "distinct", "mode", "mode_share"]
    columns += ["min", "max", "mean", "std", "range_share"]
    table = pd.DataFrame(rows, columns=columns).set_index("parameter")
    return overall, table


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _key(v: Any) -> Any:
    return ("num", float(v)) if _numeric(v) else (type(v).__name__, repr(v))


def _same(a: Any, b: Any) -> bool:
    return _key(a) == _key(b)


# ------------------------------------------------------------------------------ stitching
def window_market(market: Market, lo: int, hi: int, spread_points: float | None = None) -> Market:
    """The bars ``[lo, hi)`` of ``market`` as a :class:`Market` (arrays are views), with the
    spread fixed at ``spread_points`` when given."""
    if spread_points is not None:
        spread = np.array([spread_points * market.spec.point])
    elif market.spread.shape[0] > 1:
        spread = market.spread[lo:hi]
    else:
        spread = market.spread
    return Market(
        time=market.time[lo:hi],
        open=market.open[lo:hi],
        high=market.high[lo:hi],
        low=market.low[lo:hi],
        close=market.close[lo:hi],
        spread=spread,
        spec=market.spec,
    )


def stitch(
    market: Market,
    windows: Sequence[tuple[int, int]],
    results: Sequence[BacktestResult | None],
    params: BacktestParams,
    *,
    config_hash: str = "",
) -> BacktestResult:
    """One :class:`BacktestResult` of the test windows ``[lo, hi)`` of ``market`` (in order,
    not overlapping) and their results (None: not traded); see the module docstring. Its
    trades carry a ``fold`` column (the window's position in ``windows``)."""
    if len(windows) != len(results):
        raise ValueError("give one result (or None) per window")
    parts = []
    trades = []
    offset = 0
    rejections: dict[str, int] = {}
    signals = ambiguous = 0
    for k, ((lo, hi), res) in enumerate(zip(windows, results, strict=True)):
        parts.append((lo, hi))
        if res is not None:
            if len(res.market) != hi - lo:
                raise ValueError(f"result {k} covers {len(res.market)} bars, its window {hi - lo}")
            t = res.trades.copy()
            t["entry_bar"] = t["entry_bar"].to_numpy() + offset
            t["exit_bar"] = t["exit_bar"].to_numpy() + offset
            t["fold"] = k
            trades.append(t)
            for code, count in res.rejections.items():
                rejections[code] = rejections.get(code, 0) + count
            signals += res.signals
            ambiguous += res.ambiguous_bars
        offset += hi - lo
    take = np.concatenate([np.arange(lo, hi) for lo, hi in parts]) if parts else np.zeros(0, int)
    spread = market.spread[take] if market.spread.shape[0] > 1 else market.spread
    if params.spread_points is not None:
        spread = np.array([params.spread_points * market.spec.point])
    joined = Market(
        time=market.time[take],
        open=market.open[take],
        high=market.high[take],
        low=market.low[take],
        close=market.close[take],
        spread=np.ascontiguousarray(spread),
        spec=market.spec,
    )
    if trades:
        frame = pd.concat(trades, ignore_index=True)
    else:
        empty = next((r.trades for r in results if r is not None), None)
        frame = _empty_trades(empty)
    flat = params.model_copy(update={"prop_firm": None})
    initial = params.initial_balance
    return BacktestResult(
        trades=frame,
        market=joined,
        params=flat,
        config_hash=config_hash,
        n_bars=len(joined),
        initial_balance=initial,
        final_balance=initial + float(frame["pnl"].sum()) if len(frame) else initial,
        ambiguous_bars=ambiguous,
        breach_time=None,
        breach_reason=None,
        breach_equity=None,
        rejections=dict(sorted(rejections.items())),
        signals=signals,
        mode="walkforward-oos",
        extras={"folds": len(windows)},
    )


def _empty_trades(template: pd.DataFrame | None) -> pd.DataFrame:
    if template is not None:
        out = template.iloc[0:0].copy()
        out["fold"] = np.zeros(0, np.int64)
        return out
    from mikrobot.backtest.nb import TRADE_DTYPE
    from mikrobot.backtest.result import trades_frame

    out = trades_frame(np.zeros(0, TRADE_DTYPE), np.zeros(0, np.int64))
    out["fold"] = np.zeros(0, np.int64)
    return out

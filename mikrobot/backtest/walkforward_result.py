"""The outcome of a walk-forward run: the fold table, the in-sample table, the stitched
out-of-sample result, efficiency and stability (definitions in
:mod:`mikrobot.backtest.selection`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.selection import annualised, fold_efficiency, walk_forward_efficiency
from mikrobot.backtest.stats import Stats
from mikrobot.backtest.windows import Fold


def fold_table(
    folds: Sequence[Fold],
    chosen: pd.DataFrame,
    in_sample: pd.DataFrame,
    candidates: pd.DataFrame,
    oos: Sequence[BacktestResult | None],
    metric: str,
) -> pd.DataFrame:
    """One row per fold: windows (``train_start`` ... ``test_end``, bars, days), the selection
    (``selected``, ``candidate``, ``qualified``, the chosen parameter values, ``is_metric``,
    ``is_return_pct``, ``is_trades``), the out-of-sample run (``oos_metric``,
    ``oos_return_pct``, ``oos_net``, ``oos_trades``, ``oos_max_drawdown_pct``, ``oos_verdict``,
    ``oos_breach_time``) and the efficiency columns ``is_ann``, ``oos_ann``, ``wfe``. A fold
    without a selection has ``candidate`` -1, missing parameter values, NaN in-sample figures
    and a flat test window (return 0, no trades).

    A parameter column keeps the kind of its ``candidates`` column whether or not some fold
    has no selection: integers stay integers (pandas ``Int64``, ``<NA>`` where missing, so
    ``left=3`` never turns into ``3.0``), booleans are ``boolean``, anything else keeps the
    candidates' dtype (NaN where missing)."""
    names = [c for c in candidates.columns if c != "key"]
    is_by = in_sample.set_index(["fold", "candidate"]) if len(in_sample) else None
    rows = []
    for f, res in zip(folds, oos, strict=True):
        cand = int(chosen.loc[f.index, "candidate"])
        row: dict[str, Any] = {
            "fold": f.index,
            "train_start": f.train_start,
            "train_end": f.train_end,
            "test_start": f.test_start,
            "test_end": f.test_end,
            "train_bars": f.train_hi - f.train_lo,
            "test_bars": f.test_hi - f.test_lo,
            "train_days": f.train_days,
            "test_days": f.test_days,
            "selected": cand >= 0,
            "candidate": cand,
            "qualified": int(chosen.loc[f.index, "qualified"]),
        }
        if cand >= 0 and is_by is not None:
            rec = is_by.loc[(f.index, cand)]
            row["is_metric"] = float(rec[metric])
            row["is_return_pct"] = float(rec["return_pct"])
            row["is_trades"] = int(rec["trade_count"])
        else:
            row["is_metric"], row["is_return_pct"], row["is_trades"] = math.nan, math.nan, 0
        if res is not None:
            s = res.stats
            row["oos_metric"] = float(getattr(s, metric))
            row["oos_return_pct"] = s.return_pct
            row["oos_net"] = s.net_result
            row["oos_trades"] = s.trade_count
            row["oos_max_drawdown_pct"] = s.max_drawdown_pct
            row["oos_verdict"] = s.verdict
            row["oos_breach_time"] = s.breach_time
        else:
            row.update(
                oos_metric=math.nan,
                oos_return_pct=0.0,
                oos_net=0.0,
                oos_trades=0,
                oos_max_drawdown_pct=0.0,
                oos_verdict=None,
                oos_breach_time=None,
            )
        rows.append(row)
    table = pd.DataFrame(rows).set_index("fold")
    picks = table["candidate"].to_numpy(np.int64)
    at = table.columns.get_loc("qualified") + 1
    for k, name in enumerate(names):
        table.insert(at + k, name, parameter_values(candidates[name], picks, table.index))
    return pd.concat([table, fold_efficiency(table)], axis=1)


def parameter_values(values: pd.Series, picks: np.ndarray, index: pd.Index) -> pd.Series:
    """``values`` (one parameter's column of the candidate table) at the candidates ``picks``
    (-1: none, a missing value), on ``index``. Integer columns become ``Int64`` and boolean
    columns ``boolean`` so that a missing value does not turn them into floats or objects."""
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("boolean")
    elif pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype("Int64")
    taken = values.reindex(pd.Index(picks, name=values.index.name))
    return pd.Series(taken.array, index=index, name=values.name)


def _plain(value: Any) -> Any:
    """A JSON-able form: NaN/inf/NA -> None, numpy scalars -> Python, timestamps -> ISO."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    """A walk-forward run's outcome.

    * ``folds``: the fold table (:func:`fold_table`), index ``fold``;
    * ``in_sample``: every in-sample run, one row per (``fold``, ``candidate``) with every
      :class:`Stats` field, ``signals`` and ``approved``;
    * ``candidates``: the parameter sets (index ``candidate``, one column per parameter,
      ``key`` = the hash of its settings);
    * ``oos_results``: each fold's out-of-sample :class:`BacktestResult` (None when no
      candidate qualified);
    * ``oos``: the stitched out-of-sample result (``oos_trades``, ``oos_equity``,
      ``oos_stats`` are its trades, equity and statistics);
    * ``stability`` (per parameter) and ``stability_overall``: parameter stability;
    * ``metric``, ``maximize``, ``min_trades``, ``windows``, ``space``: how it was run;
      ``config_hash``: a hash of all of that and the data's extent; ``elapsed_s``: wall time.
    """

    folds: pd.DataFrame
    in_sample: pd.DataFrame
    candidates: pd.DataFrame
    oos_results: tuple[BacktestResult | None, ...]
    oos: BacktestResult
    stability: pd.DataFrame
    stability_overall: Mapping[str, Any]
    metric: str
    maximize: bool
    min_trades: int
    windows: Mapping[str, Any]
    space: Mapping[str, Any]
    config_hash: str
    elapsed_s: float

    @property
    def oos_trades(self) -> pd.DataFrame:
        """The stitched out-of-sample trades (``fold`` column; bar positions in the stitched
        market, see :func:`mikrobot.backtest.selection.stitch`)."""
        return self.oos.trades

    @property
    def oos_equity(self) -> pd.Series:
        """The stitched out-of-sample equity at every test bar's close."""
        return self.oos.equity

    @property
    def oos_stats(self) -> Stats:
        """Statistics of the stitched out-of-sample result (no prop-firm verdict)."""
        return self.oos.stats  # type: ignore[no-any-return]

    @property
    def wfe(self) -> float:
        """Overall walk-forward efficiency (:func:`~mikrobot.backtest.selection.
        walk_forward_efficiency`)."""
        return walk_forward_efficiency(self.folds)

    def annualised_returns(self) -> tuple[float, float]:
        """``(IS, OOS)`` days-weighted simple annualised returns in percent over the folds
        with a selection (the two sides of :attr:`wfe`)."""
        f = self.folds[self.folds["selected"].to_numpy(bool)]
        if len(f) == 0:
            return math.nan, math.nan
        return (
            float(annualised(f["is_return_pct"].sum(), f["train_days"].sum())),
            float(annualised(f["oos_return_pct"].sum(), f["test_days"].sum())),
        )

    def summary(self) -> dict[str, Any]:
        """Everything above as one JSON-able dict (the fold table as records)."""
        is_ann, oos_ann = self.annualised_returns()
        names = [c for c in self.candidates.columns if c != "key"]
        chosen = []
        for fold, row in self.folds.iterrows():
            chosen.append(
                {
                    "fold": fold,
                    "test_start": row["test_start"],
                    "test_end": row["test_end"],
                    "candidate": row["candidate"],
                    "values": {n: row[n] for n in names} if row["selected"] else None,
                    "is_metric": row["is_metric"],
                    "oos_return_pct": row["oos_return_pct"],
                    "oos_trades": row["oos_trades"],
                    "wfe": row["wfe"],
                }
            )
        out = {
            "config_hash": self.config_hash,
            "metric": self.metric,
            "maximize": self.maximize,
            "min_trades": self.min_trades,
            "windows": dict(self.windows),
            "space": {k: v for k, v in self.space.items() if k != "keys"},
            "folds": len(self.folds),
            "folds_selected": int(self.folds["selected"].sum()),
            "is_annualised_return_pct": is_ann,
            "oos_annualised_return_pct": oos_ann,
            "wfe": self.wfe,
            "oos": self.oos_stats.to_dict(),
            "stability": {
                **dict(self.stability_overall),
                "parameters": {
                    name: {col: self.stability.at[name, col] for col in self.stability.columns}
                    for name in self.stability.index
                },
            },
            "chosen": chosen,
            "elapsed_s": self.elapsed_s,
        }
        return _plain(out)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        s = self.oos_stats
        return (
            f"WalkForwardResult(folds={len(self.folds)}, candidates={len(self.candidates)}, "
            f"metric={self.metric}, oos_net={s.net_result:.2f}, oos_trades={s.trade_count}, "
            f"wfe={self.wfe:.3f}, config_hash={self.config_hash})"
        )

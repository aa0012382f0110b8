"""Walk-forward analysis with a parameter search, run on Dask distributed.

:func:`walk_forward` cuts the bars into folds (:mod:`mikrobot.backtest.windows`), backtests
every candidate of a :class:`~mikrobot.backtest.search.ParameterSpace` on every fold's train
window, picks the best per fold by an in-sample metric, backtests the pick on the fold's test
window, and stitches the test results (:mod:`mikrobot.backtest.selection` has every
definition). The result is a :class:`~mikrobot.backtest.walkforward_result.WalkForwardResult`.

How a window is backtested (the same for train and test windows, so the out-of-sample result
equals running the chosen settings on each test window directly):

* the structure engine runs on the bars from the window's warm-up start
  (:func:`~mikrobot.backtest.windows.warmup_start`; by default the first bar) up to the
  window's end, and its confirmed setups whose entry bar (the first bar opening at or after
  ``known_at``) lies in the window are traded; the engine is causal, so nothing at or after
  the window's end can change them, and nothing from a later window is read;
* the volatility context (ATR percentile) of each setup comes from the same warm-up bars;
* the simulation (account, prop-firm rules, performance feedback) starts fresh at the
  window's first bar with the initial balance and ends at its last bar (positions still open
  are closed there), via :func:`mikrobot.backtest.driver.run_setups`.

Work is spread as one task per group of candidates sharing their structure settings (their
setups are computed once) over all folds - over a contiguous part of the folds when there are
fewer groups than three tasks per worker thread - then one task per fold for the test runs. Dask is
imported here only, and only when a cluster is used: ``scheduler="sync"`` runs the same task
functions in this process. The bars are scattered to the workers once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mikrobot.backtest.context import atr_percentiles
from mikrobot.backtest.driver import run_setups
from mikrobot.backtest.engine import Market
from mikrobot.backtest.params import BacktestParams
from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.search import ParameterSpace
from mikrobot.backtest.selection import check_metric, parameter_stability, select, stitch
from mikrobot.backtest.selection import window_market as slice_market
from mikrobot.backtest.walkforward_result import WalkForwardResult, fold_table
from mikrobot.backtest.windows import Fold, describe, make_folds, warmup_start
from mikrobot.core.errors import ConfigError
from mikrobot.core.symbol import SymbolSpec
from mikrobot.strategy.params import EvaluationParams
from mikrobot.structure.params import StructureParams

if TYPE_CHECKING:
    from mikrobot.core.sessions import SessionWindow
    from mikrobot.strategy.news import NewsCalendar
    from mikrobot.strategy.params import FeedbackParams

__all__ = ["WalkData", "in_sample_task", "out_of_sample_task", "quiet_close", "walk_forward"]


@dataclass(frozen=True, eq=False)
class WalkData:
    """What every task reads, scattered to the workers once: the canonical M1 frame, its
    :class:`Market` (spread from the bars or the symbol) and the symbol."""

    m1: pd.DataFrame
    market: Market
    spec: SymbolSpec


@dataclass(frozen=True)
class RunContext:
    """Settings shared by every backtest of a walk-forward (not searched)."""

    feedback: FeedbackParams | None = None
    sessions: tuple[SessionWindow, ...] | None = None
    news: NewsCalendar | None = None


@dataclass(frozen=True, eq=False)
class _Setups:
    rows: pd.DataFrame  # confirmed setups in known_at order
    known: np.ndarray  # their known_at, UTC ns
    entry: np.ndarray  # their entry bar, a position in the whole bars
    lo: int  # the structure engine read bars [lo, hi)
    hi: int


def _setups(data: WalkData, structure: StructureParams, lo: int, hi: int) -> _Setups:
    from mikrobot.structure.api import setups

    frame = setups(data.m1.iloc[lo:hi], None, data.spec, structure)
    rows = frame[np.asarray(frame["status"] == "confirmed")]
    known = pd.DatetimeIndex(rows["known_at"]).as_unit("ns").asi8
    if known.shape[0] > 1 and not bool(np.all(known[1:] >= known[:-1])):
        order = np.argsort(known, kind="stable")
        rows, known = rows.iloc[order], known[order]
    entry = lo + np.searchsorted(data.market.time[lo:hi], known, side="left")
    return _Setups(rows, np.ascontiguousarray(known), entry, lo, hi)


def _window_setups(s: _Setups, lo: int, hi: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The setups entering in bars ``[lo, hi)`` and the mask that picked them."""
    mask = (s.entry >= lo) & (s.entry < hi)
    return s.rows.iloc[np.flatnonzero(mask)], mask


def _percentiles(
    data: WalkData, s: _Setups, evaluation: EvaluationParams, cache: dict[Any, np.ndarray]
) -> np.ndarray | None:
    """The ATR percentile of every setup of ``s`` from the bars the engine read (None when
    the volatility check is off)."""
    vol = evaluation.volatility
    if not vol.enabled:
        return None
    key = (s.lo, s.hi, vol.lookback_days)
    if key not in cache:
        market = slice_market(data.market, s.lo, s.hi)
        cache[key] = atr_percentiles(market, s.known, lookback_days=vol.lookback_days)
    return cache[key]


def _run(
    data: WalkData,
    s: _Setups,
    lo: int,
    hi: int,
    backtest: BacktestParams,
    evaluation: EvaluationParams,
    ctx: RunContext,
    key: str,
    caches: dict[str, dict[Any, Any]],
) -> BacktestResult:
    pick = caches["pick"]
    if (s.lo, s.hi, lo, hi) not in pick:
        pick[(s.lo, s.hi, lo, hi)] = _window_setups(s, lo, hi)
    rows, mask = pick[(s.lo, s.hi, lo, hi)]
    markets = caches["market"]
    mkey = (lo, hi, backtest.spread_points)
    if mkey not in markets:
        markets[mkey] = slice_market(data.market, lo, hi, backtest.spread_points)
    pct = _percentiles(data, s, evaluation, caches["atr"])
    return run_setups(
        markets[mkey],
        rows,
        spec=data.spec,
        params=backtest,
        evaluation=evaluation,
        feedback=ctx.feedback,
        sessions=ctx.sessions,
        news=ctx.news,
        atr_percentile=None if pct is None else pct[mask],
        config_hash=key,
    )


def _new_caches() -> dict[str, dict[Any, Any]]:
    return {"pick": {}, "market": {}, "atr": {}}


def in_sample_task(
    data: WalkData,
    structure: StructureParams,
    members: Sequence[tuple[int, BacktestParams, EvaluationParams, str]],
    folds: Sequence[Fold],
    spans: Sequence[tuple[int, int]],
    ctx: RunContext,
) -> list[dict[str, Any]]:
    """Backtest each member ``(candidate, backtest, evaluation, key)`` of one structure group
    on every fold's train window; the structure engine of fold ``k`` reads ``spans[k]``.
    Returns one row per (fold, candidate): every :class:`Stats` field, ``signals`` and
    ``approved``."""
    caches = _new_caches()
    found: dict[tuple[int, int], _Setups] = {}
    out = []
    for fold, span in zip(folds, spans, strict=True):
        if span not in found:
            found.clear()  # spans differ per fold only with a bounded warm-up
            found[span] = _setups(data, structure, *span)
        s = found[span]
        for cand, backtest, evaluation, key in members:
            res = _run(
                data, s, fold.train_lo, fold.train_hi, backtest, evaluation, ctx, key, caches
            )
            row = {"fold": fold.index, "candidate": cand, **dataclasses.asdict(res.stats)}
            row["signals"] = res.signals
            row["approved"] = int(res.extras.get("approved", 0))
            out.append(row)
    return out


def out_of_sample_task(
    data: WalkData,
    structure: StructureParams,
    backtest: BacktestParams,
    evaluation: EvaluationParams,
    key: str,
    fold: Fold,
    span: tuple[int, int],
    ctx: RunContext,
) -> BacktestResult:
    """Backtest one parameter set on ``fold``'s test window (structure engine on ``span``)."""
    s = _setups(data, structure, *span)
    return _run(data, s, fold.test_lo, fold.test_hi, backtest, evaluation, ctx, key, _new_caches())


# ------------------------------------------------------------------------------ runners
class _SyncRunner:
    """Runs the tasks one after the other in this process."""

    def slots(self) -> int:
        return 1

    def put(self, obj: Any) -> Any:
        return obj

    def map(
        self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], desc: str, progress: bool
    ) -> list[Any]:
        from tqdm.auto import tqdm

        return [
            fn(*args)
            for args in tqdm(calls, desc=desc, disable=not progress, file=sys.stderr, leave=False)
        ]

    def close(self) -> None:
        pass


class _DaskRunner:
    """Runs the tasks on a Dask distributed cluster."""

    def __init__(self, client: Any, cluster: Any = None, own: bool = False) -> None:
        self.client = client
        self.cluster = cluster
        self.own = own

    def slots(self) -> int:
        workers = self.client.scheduler_info()["workers"].values()
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers))

    def put(self, obj: Any) -> Any:
        return self.client.scatter(obj, broadcast=True, hash=False)

    def map(
        self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], desc: str, progress: bool
    ) -> list[Any]:
        from dask.distributed import as_completed
        from tqdm.auto import tqdm

        futures = [self.client.submit(fn, *args, pure=False) for args in calls]
        try:
            done = as_completed(futures)
            for fut in tqdm(
                done, total=len(futures), desc=desc, disable=not progress, file=sys.stderr
            ):
                if fut.status == "error":
                    fut.result()  # raises the task's exception here
            return list(self.client.gather(futures))
        finally:
            self.client.cancel(futures)

    def close(self) -> None:
        if not self.own:
            return
        quiet_close(self.client, self.cluster)


def quiet_close(client: Any, cluster: Any = None) -> None:
    """Close a Dask client (and its cluster) without the INFO lines Dask logs on the way out."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        client.close()
        if cluster is not None:
            cluster.close()
    finally:
        logger.setLevel(level)


def _runner(scheduler: Any, workers: int | None) -> _SyncRunner | _DaskRunner:
    if scheduler == "sync":
        if workers is not None:
            raise ConfigError("workers applies to the local cluster only, not to 'sync'")
        return _SyncRunner()
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigError(
            "Dask distributed is not installed: pip install 'mikrobot[research]', or use "
            "scheduler='sync'"
        ) from None
    if isinstance(scheduler, Client):
        if workers is not None:
            raise ConfigError("workers applies to the local cluster only, not to a Client")
        return _DaskRunner(scheduler)
    if scheduler is None or scheduler == "local":
        n = workers if workers is not None else _cores()
        if n < 1:
            raise ConfigError(f"workers must be at least 1, got {n}")
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        return _DaskRunner(Client(cluster), cluster, own=True)
    if isinstance(scheduler, str) and ("://" in scheduler or ":" in scheduler):
        if workers is not None:
            raise ConfigError("workers applies to the local cluster only, not to an address")
        try:
            client = Client(str(scheduler), timeout="10s")
        except OSError as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}; start it with "
                "`dask scheduler` (and workers with `dask worker ADDRESS`) or use 'local'"
            ) from None
        return _DaskRunner(client, own=True)
    raise ConfigError(
        f"unknown scheduler {scheduler!r}: use 'local' (a LocalCluster), 'sync' (no cluster), "
        "a scheduler address such as tcp://10.0.0.5:8786, or a dask.distributed.Client"
    )


def _chunks(folds: Sequence[Fold], groups: int, slots: int) -> list[list[Fold]]:
    """The folds split into contiguous parts so that there are at least ``3 × slots``
    in-sample tasks (parts × groups) when the groups alone are fewer; one part otherwise."""
    target = 3 * slots
    parts = 1 if groups >= target else min(len(folds), -(-target // groups))
    size = -(-len(folds) // parts)
    return [list(folds[i : i + size]) for i in range(0, len(folds), size)]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ------------------------------------------------------------------------------ the run
def walk_forward(
    bars: pd.DataFrame,
    *,
    spec: SymbolSpec | str | None = None,
    train: int | str | pd.Timedelta | pd.DateOffset = "90D",
    test: int | str | pd.Timedelta | pd.DateOffset = "30D",
    step: int | str | pd.Timedelta | pd.DateOffset | None = None,
    anchored: bool = False,
    start: str | pd.Timestamp | None = None,
    warmup: int | str | pd.Timedelta | None = None,
    space: ParameterSpace | None = None,
    metric: str = "sharpe",
    maximize: bool | None = None,
    min_trades: int = 10,
    feedback: FeedbackParams | None = None,
    sessions: Sequence[SessionWindow] | None = None,
    news: NewsCalendar | None = None,
    scheduler: Any = None,
    workers: int | None = None,
    progress: bool = True,
) -> WalkForwardResult:
    """Walk-forward analysis of the BOS + retest strategy on M1 ``bars``.

    Args:
        bars: canonical M1 bars (UTC index; a ``spread`` column in points is used).
        spec: the symbol (default: ``bars.attrs['symbol']``).
        train, test, step, anchored, start: the windows (:func:`~mikrobot.backtest.windows.
            make_folds`; ``step`` defaults to ``test``).
        warmup: bars the structure engine reads before a window (None: all earlier bars; a
            bar count or a duration such as ``"30D"``).
        space: the candidates (default: one, the default settings).
        metric: the :class:`Stats` field that selects (:data:`~mikrobot.backtest.selection.
            METRICS`); ``maximize`` overrides its direction; ``min_trades``: the fewest
            in-sample trades a candidate needs to be chosen.
        feedback, sessions, news: passed to every backtest (:func:`run_setups`).
        scheduler: ``None``/``"local"``: a LocalCluster of ``workers`` processes (default:
            one per core) with one thread each, closed at the end; ``"sync"``: this process,
            no Dask; an address ``"tcp://host:port"``: that cluster; a ``dask.distributed.
            Client``: used as is (left open).
        progress: show progress bars on stderr.

    Raises :class:`ConfigError` for bad windows, metric, scheduler or parameters.
    """
    from mikrobot.structure.inputs import resolve_spec

    began = time.perf_counter()
    if min_trades < 0:
        raise ConfigError(f"min_trades must be >= 0, got {min_trades}")
    up = check_metric(metric, maximize)
    sym = resolve_spec(spec, bars)
    space = ParameterSpace.single() if space is None else space
    if not isinstance(space, ParameterSpace):
        raise ConfigError("space must be a ParameterSpace: build it with ParameterSpace.grid()")
    if len(space) == 0:
        raise ConfigError("the parameter space has no candidates")
    market = Market.from_bars(bars, sym)
    folds = make_folds(
        market.time, train=train, test=test, step=step, anchored=anchored, start=start
    )
    ctx = RunContext(feedback, None if sessions is None else tuple(sessions), news)
    t = market.time
    if warmup is None:
        oos_spans = [(0, f.test_hi) for f in folds]
    else:
        oos_spans = [(warmup_start(t, f.test_lo, warmup, f.test_start), f.test_hi) for f in folds]

    runner = _runner(scheduler, workers)
    try:
        data = runner.put(WalkData(bars, market, sym))
        groups = space.groups()
        calls = []
        for part in _chunks(folds, len(groups), runner.slots()):
            if warmup is None:  # one engine run per task, up to the task's last train end
                last = max(f.train_hi for f in part)
                spans = [(0, last)] * len(part)
            else:
                spans = [
                    (warmup_start(t, f.train_lo, warmup, f.train_start), f.train_hi) for f in part
                ]
            for group in groups:
                members = [(c.index, c.backtest, c.evaluation, c.key) for c in group]
                calls.append((data, group[0].structure, members, part, spans, ctx))
        parts = runner.map(in_sample_task, calls, "in-sample", progress)
        in_sample = pd.DataFrame([row for part in parts for row in part])
        in_sample = in_sample.sort_values(["fold", "candidate"], kind="stable")
        in_sample = in_sample.reset_index(drop=True)
        chosen = select(in_sample, metric, min_trades=min_trades, maximize=up)
        picks = [(f, int(chosen.loc[f.index, "candidate"])) for f in folds]
        oos_calls = [
            (
                data,
                space.candidates[c].structure,
                space.candidates[c].backtest,
                space.candidates[c].evaluation,
                space.candidates[c].key,
                f,
                oos_spans[f.index],
                ctx,
            )
            for f, c in picks
            if c >= 0
        ]
        done = iter(runner.map(out_of_sample_task, oos_calls, "out-of-sample", progress))
    finally:
        runner.close()
    oos: list[BacktestResult | None] = [next(done) if c >= 0 else None for _, c in picks]
    candidates = space.frame()
    table = fold_table(folds, chosen, in_sample, candidates, oos, metric)
    base = space.candidates[0].backtest
    windows = describe(train, test, step, anchored, warmup)
    digest = _digest(market, windows, space, metric, up, min_trades, ctx)
    stitched = stitch(
        market, [(f.test_lo, f.test_hi) for f in folds], oos, base, config_hash=digest
    )
    picked = table[table["selected"].to_numpy(bool)]
    names = [c for c in candidates.columns if c != "key"]
    overall, per_param = parameter_stability(picked[["candidate", *names]], space.bounds)
    return WalkForwardResult(
        folds=table,
        in_sample=in_sample,
        candidates=candidates,
        oos_results=tuple(oos),
        oos=stitched,
        stability=per_param,
        stability_overall=overall,
        metric=metric,
        maximize=up,
        min_trades=min_trades,
        windows=windows,
        space=space.describe(),
        config_hash=digest,
        elapsed_s=time.perf_counter() - began,
    )


def _digest(
    market: Market,
    windows: dict[str, Any],
    space: ParameterSpace,
    metric: str,
    maximize: bool,
    min_trades: int,
    ctx: RunContext,
) -> str:
    """16 hex digits of the SHA-256 of the run's settings and the data's extent."""
    blob = {
        "symbol": market.spec.name,
        "bars": len(market),
        "first": int(market.time[0]),
        "last": int(market.time[-1]),
        "prices": hashlib.sha256(market.close.tobytes() + market.time.tobytes()).hexdigest(),
        "windows": windows,
        "space": space.describe(),
        "metric": metric,
        "maximize": maximize,
        "min_trades": min_trades,
        "feedback": None if ctx.feedback is None else ctx.feedback.model_dump(mode="json"),
        "sessions": None if ctx.sessions is None else [repr(s) for s in ctx.sessions],
        "news": ctx.news is not None,
    }
    text = json.dumps(blob, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]

"""Walk-forward runs: selection equals a brute force over the grid, out-of-sample results equal
running the chosen settings on each test window directly, no look-ahead across windows,
efficiency and stability formulas, and a real Dask LocalCluster agreeing with ``sync``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import mikrobot.structure as ms
from mikrobot.backtest.context import atr_percentiles
from mikrobot.backtest.driver import run_setups
from mikrobot.backtest.engine import Market
from mikrobot.backtest.search import ParameterSpace
from mikrobot.backtest.selection import (
    parameter_stability,
    select,
    walk_forward_efficiency,
)
from mikrobot.backtest.walkforward import walk_forward
from mikrobot.core.errors import ConfigError
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.synthetic import market

SPEC = DEFAULT_SPECS["EURUSD"]
GRID = {"left": [2, 3], "confidence.minimum": [0.5, 0.6]}
WINDOWS = {"train": "6D", "test": "3D"}


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return market("EURUSD", "2024-01-01", days=24, seed=11).bars


@pytest.fixture(scope="module")
def space() -> ParameterSpace:
    return ParameterSpace.grid(GRID)


@pytest.fixture(scope="module")
def result(bars, space):
    return walk_forward(
        bars, spec=SPEC, space=space, metric="sharpe", min_trades=2, scheduler="sync",
        progress=False, **WINDOWS,
    )  # fmt: skip


def direct_run(bars: pd.DataFrame, cand, lo: int, hi: int, warm_lo: int = 0):
    """The obvious way: the structure engine on the bars up to the window's end, the setups
    whose entry bar is in the window, the volatility percentile from the same history, and
    run_setups on the window's bars alone."""
    history = bars.iloc[warm_lo:hi]
    found = ms.setups(history, None, SPEC, cand.structure)
    confirmed = found[found["status"] == "confirmed"].sort_values("known_at", kind="stable")
    known = pd.DatetimeIndex(confirmed["known_at"]).as_unit("ns").asi8
    times = history.index.as_unit("ns").asi8
    entry = warm_lo + np.searchsorted(times, known, side="left")
    inside = (entry >= lo) & (entry < hi)
    pct = atr_percentiles(
        Market.from_bars(history, SPEC),
        known,
        lookback_days=cand.evaluation.volatility.lookback_days,
    )
    return run_setups(
        bars.iloc[lo:hi],
        confirmed[inside],
        spec=SPEC,
        params=cand.backtest,
        evaluation=cand.evaluation,
        atr_percentile=pct[inside],
    )


def test_folds_and_windows(result, bars):
    folds = result.folds
    assert len(folds) == 6  # (24 - 6) / 3 test windows of 3 days
    assert (folds["test_start"].iloc[1:].to_numpy() == folds["test_end"].iloc[:-1].to_numpy()).all()
    assert folds["test_bars"].sum() == len(result.oos_equity)
    assert len(result.in_sample) == 6 * 4


def test_selection_is_the_best_in_sample_metric_by_brute_force(result, bars, space):
    for fold, row in result.folds.iterrows():
        lo, hi = _positions(bars, row["train_start"], row["train_end"])
        runs = [direct_run(bars, c, lo, hi) for c in space.candidates]
        stats = [r.stats for r in runs]
        # the in-sample table holds exactly these runs
        table = result.in_sample[result.in_sample["fold"] == fold].set_index("candidate")
        for c, s in zip(space.candidates, stats, strict=True):
            assert table.loc[c.index, "trade_count"] == s.trade_count
            assert table.loc[c.index, "net_result"] == pytest.approx(s.net_result, abs=1e-9)
            assert _same(table.loc[c.index, "sharpe"], s.sharpe)
        ok = [i for i, s in enumerate(stats) if s.trade_count >= 2 and not math.isnan(s.sharpe)]
        if not ok:
            assert not row["selected"]
            continue
        best = max(stats[i].sharpe for i in ok)
        assert row["candidate"] == min(i for i in ok if stats[i].sharpe == best)
        assert row["is_metric"] == pytest.approx(best)


def test_out_of_sample_equals_running_the_chosen_settings_on_each_test_window(result, bars, space):
    stitched = result.oos_trades
    assert result.folds["selected"].all()
    for fold, row in result.folds.iterrows():
        cand = space.candidates[row["candidate"]]
        lo, hi = _positions(bars, row["test_start"], row["test_end"])
        direct = direct_run(bars, cand, lo, hi)
        mine = result.oos_results[fold]
        cols = ["entry_time", "exit_time", "side", "volume", "entry_price", "exit_price", "pnl"]
        pd.testing.assert_frame_equal(mine.trades[cols], direct.trades[cols])
        part = stitched[stitched["fold"] == fold].reset_index(drop=True)
        pd.testing.assert_frame_equal(part[cols], direct.trades[cols])
        assert row["oos_return_pct"] == pytest.approx(direct.stats.return_pct)
        assert row["oos_trades"] == direct.stats.trade_count
    # the stitched equity is the fold curves one after the other, each shifted by the
    # results of the folds before it
    pieces, offset = [], 0.0
    for res in result.oos_results:
        pieces.append(res.equity.to_numpy() + offset)
        offset += res.final_balance - res.initial_balance
    assert np.allclose(result.oos_equity.to_numpy(), np.concatenate(pieces), atol=1e-6)
    assert result.oos_stats.net_result == pytest.approx(offset)
    assert result.oos_stats.trade_count == result.folds["oos_trades"].sum()


def test_no_result_depends_on_bars_after_its_window(bars, space):
    """Replace every bar after fold 1's test window with a different market: folds 0 and 1
    (selection and out-of-sample) must not change, with full-history and bounded warm-up."""
    other = market("EURUSD", "2024-01-01", days=24, seed=99).bars
    cut = pd.Timestamp("2024-01-13", tz="UTC")  # fold 1 tests 2024-01-10 .. 2024-01-13
    mixed = pd.concat([bars[bars.index < cut], other[other.index >= cut]])
    mixed.attrs = dict(bars.attrs)
    for warmup in (None, "2D"):
        kw = dict(spec=SPEC, space=space, min_trades=2, scheduler="sync", progress=False)
        a = walk_forward(bars, warmup=warmup, **WINDOWS, **kw)
        b = walk_forward(mixed, warmup=warmup, **WINDOWS, **kw)
        early_a = a.in_sample[a.in_sample["fold"] <= 1].reset_index(drop=True)
        early_b = b.in_sample[b.in_sample["fold"] <= 1].reset_index(drop=True)
        pd.testing.assert_frame_equal(early_a, early_b)
        for k in (0, 1):
            assert a.folds.loc[k, "candidate"] == b.folds.loc[k, "candidate"]
            pd.testing.assert_frame_equal(a.oos_results[k].trades, b.oos_results[k].trades)
        # and the later folds did see the change (the test would be empty otherwise)
        assert not a.in_sample[a.in_sample["fold"] == 3]["net_result"].equals(
            b.in_sample[b.in_sample["fold"] == 3]["net_result"]
        )


def test_bounded_warmup_runs_the_engine_on_the_warmup_bars_only(bars, space):
    res = walk_forward(
        bars, spec=SPEC, space=space, min_trades=2, warmup="2D", scheduler="sync",
        progress=False, **WINDOWS,
    )  # fmt: skip
    row = res.folds.iloc[2]
    cand = space.candidates[row["candidate"]]
    lo, hi = _positions(bars, row["test_start"], row["test_end"])
    warm_lo = int(np.searchsorted(bars.index, row["test_start"] - pd.Timedelta(days=2)))
    direct = direct_run(bars, cand, lo, hi, warm_lo=warm_lo)
    cols = ["entry_time", "exit_time", "pnl"]
    pd.testing.assert_frame_equal(res.oos_results[2].trades[cols], direct.trades[cols])


def test_a_fold_without_a_qualifying_candidate_is_flat(bars, space):
    res = walk_forward(
        bars, spec=SPEC, space=space, min_trades=10_000, scheduler="sync", progress=False,
        **WINDOWS,
    )  # fmt: skip
    assert not res.folds["selected"].any()
    assert (res.folds["candidate"] == -1).all()
    assert res.oos_stats.trade_count == 0
    assert res.oos_stats.net_result == 0.0
    assert (res.oos_equity == 100_000.0).all()
    assert math.isnan(res.wfe)


def test_random_search_runs_are_reproducible(bars):
    def run(seed):
        space = ParameterSpace.random({"rr": [1.5, 2.0, 3.0], "left": [2, 3]}, 3, seed=seed)
        return walk_forward(
            bars, spec=SPEC, space=space, min_trades=2, scheduler="sync", progress=False,
            train="8D", test="8D",
        )  # fmt: skip

    a, b = run(3), run(3)
    pd.testing.assert_frame_equal(a.folds, b.folds)
    pd.testing.assert_frame_equal(a.oos_trades, b.oos_trades)
    assert a.config_hash == b.config_hash


def test_bad_arguments_are_refused(bars):
    kw = dict(spec=SPEC, scheduler="sync", progress=False, **WINDOWS)
    with pytest.raises(ConfigError, match="unknown metric 'sharp'"):
        walk_forward(bars, metric="sharp", **kw)
    with pytest.raises(ConfigError, match="min_trades"):
        walk_forward(bars, min_trades=-1, **kw)
    with pytest.raises(ConfigError, match="unknown scheduler"):
        walk_forward(bars, spec=SPEC, scheduler="fast", **WINDOWS)
    with pytest.raises(ConfigError, match="workers applies to the local cluster only"):
        walk_forward(bars, spec=SPEC, scheduler="sync", workers=2, **WINDOWS)


# ------------------------------------------------------------------------------ formulas
def test_selection_on_a_hand_made_table():
    table = pd.DataFrame(
        [
            # fold, candidate, trade_count, sharpe, max_drawdown_pct
            (0, 0, 5, 1.0, 3.0),
            (0, 1, 5, 2.0, 2.0),
            (0, 2, 5, 2.0, 1.0),  # ties with 1 on sharpe: 1 wins (listed first)
            (1, 0, 1, 9.0, 0.5),  # too few trades
            (1, 1, 5, float("nan"), 0.4),  # NaN metric never qualifies
            (1, 2, 5, -1.0, 4.0),
            (2, 0, 0, float("nan"), 0.0),
        ],
        columns=["fold", "candidate", "trade_count", "sharpe", "max_drawdown_pct"],
    )
    by_sharpe = select(table, "sharpe", min_trades=2)
    assert by_sharpe["candidate"].tolist() == [1, 2, -1]
    assert by_sharpe["qualified"].tolist() == [3, 1, 0]
    assert by_sharpe.loc[0, "is_metric"] == 2.0
    by_dd = select(table, "max_drawdown_pct", min_trades=2)  # lower is better by default
    assert by_dd["candidate"].tolist() == [2, 1, -1]
    by_dd_up = select(table, "max_drawdown_pct", min_trades=2, maximize=True)
    assert by_dd_up["candidate"].tolist() == [0, 2, -1]


def test_walk_forward_efficiency_on_a_hand_made_fold_table():
    folds = pd.DataFrame(
        {
            "selected": [True, True, False],
            "is_return_pct": [9.0, 3.0, float("nan")],
            "oos_return_pct": [2.0, -1.0, 0.0],
            "train_days": [90.0, 90.0, 90.0],
            "test_days": [30.0, 30.0, 30.0],
        }
    )
    # IS: 12 % over 180 days = 24.35 %/y; OOS: 1 % over 60 days = 6.09 %/y: a quarter
    is_ann = 12.0 * 365.25 / 180.0
    oos_ann = 1.0 * 365.25 / 60.0
    assert walk_forward_efficiency(folds) == pytest.approx(oos_ann / is_ann)
    assert walk_forward_efficiency(folds) == pytest.approx(0.25)
    losing = folds.assign(is_return_pct=[-1.0, 0.5, float("nan")])
    assert math.isnan(walk_forward_efficiency(losing))  # undefined without an IS gain

    from mikrobot.backtest.selection import fold_efficiency

    per_fold = fold_efficiency(folds)
    assert per_fold["wfe"].iloc[0] == pytest.approx((2.0 / 30) / (9.0 / 90))
    assert per_fold["wfe"].iloc[1] == pytest.approx((-1.0 / 30) / (3.0 / 90))


def test_parameter_stability_on_hand_made_choices():
    chosen = pd.DataFrame(
        {
            "candidate": [0, 0, 5, 0],
            "left": [2, 2, 3, 2],
            "policy": ["pessimistic", "pessimistic", "optimistic", "optimistic"],
        }
    )
    overall, table = parameter_stability(chosen, {"left": (2.0, 5.0), "policy": None})
    assert overall == {"folds": 4, "changes": 2, "change_rate": pytest.approx(2 / 3)}
    left = table.loc["left"]
    assert (left["changes"], left["distinct"], left["mode"]) == (2, 2, 2)
    assert left["mode_share"] == 0.75
    assert (left["min"], left["max"]) == (2.0, 3.0)
    assert left["std"] == pytest.approx(np.std([2, 2, 3, 2]))
    assert left["range_share"] == pytest.approx(1 / 3)
    policy = table.loc["policy"]
    assert (policy["changes"], policy["distinct"]) == (1, 2)
    assert policy["mode"] == "pessimistic"  # 2 each: the one chosen first
    assert math.isnan(policy["min"])
    assert math.isnan(policy["range_share"])
    single, _ = parameter_stability(chosen.iloc[:1], {})
    assert single["changes"] == 0
    assert math.isnan(single["change_rate"])


# ------------------------------------------------------------------------------ Dask
def test_a_local_cluster_of_two_workers_gives_the_sync_results(result, bars, space):
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        remote = walk_forward(
            bars, spec=SPEC, space=space, metric="sharpe", min_trades=2,
            scheduler=cluster.scheduler_address, progress=False, **WINDOWS,
        )  # fmt: skip
        with distributed.Client(cluster) as client:
            workers = client.scheduler_info()["workers"]
            assert len(workers) == 2
            used = walk_forward(
                bars, spec=SPEC, space=space, metric="sharpe", min_trades=2,
                scheduler=client, progress=False, **WINDOWS,
            )  # fmt: skip
            assert client.status == "running"  # a Client passed in is left open
    for other in (remote, used):
        pd.testing.assert_frame_equal(other.folds, result.folds)
        pd.testing.assert_frame_equal(other.in_sample, result.in_sample)
        pd.testing.assert_frame_equal(other.oos_trades, result.oos_trades)
        pd.testing.assert_series_equal(other.oos_equity, result.oos_equity)
        a, b = other.summary(), result.summary()
        a.pop("elapsed_s"), b.pop("elapsed_s")
        assert a == b


# ------------------------------------------------------------------------------ helpers
def _positions(bars: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int]:
    idx = bars.index
    return int(idx.searchsorted(start)), int(idx.searchsorted(end))


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def test_dask_is_imported_only_when_a_cluster_is_used():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import mikrobot.backtest, mikrobot.backtest.walkforward, mikrobot.cli\n"
        "from mikrobot.backtest.walkforward import walk_forward\n"
        "from mikrobot.data.synthetic import market\n"
        "bars = market('EURUSD', '2024-01-01', days=8, seed=1).bars\n"
        "walk_forward(bars, train='3D', test='2D', scheduler='sync', progress=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"

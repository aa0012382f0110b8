"""Walk-forward figures hold the run's data: the stitched equity and the fold boundaries, the
in-sample and out-of-sample figures per fold, the chosen parameters, the in-sample heatmap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mikrobot.backtest import report
from mikrobot.backtest.search import ParameterSpace
from mikrobot.backtest.walkforward import walk_forward
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.synthetic import market

SPEC = DEFAULT_SPECS["EURUSD"]
GRID = {"left": [2, 3], "confidence.minimum": [0.5, 0.6]}
WINDOWS = {"train": "6D", "test": "3D"}


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return market("EURUSD", "2024-01-01", days=24, seed=11).bars


@pytest.fixture(scope="module")
def result(bars):
    res = walk_forward(
        bars, spec=SPEC, space=ParameterSpace.grid(GRID), metric="sharpe", min_trades=2,
        scheduler="sync", progress=False, **WINDOWS,
    )  # fmt: skip
    assert len(res.folds) >= 4
    assert res.folds["selected"].all()
    assert res.oos_stats.trade_count > 0
    return res


def trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"{name!r}: {[t.name for t in fig.data]}"
    return found[0]


def times(values) -> pd.DatetimeIndex:
    """Chart x values (naive UTC strings) as UTC times."""
    return pd.DatetimeIndex(pd.to_datetime(list(values))).tz_localize("UTC")


def values(seq) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in seq], dtype=np.float64)


# ---------------------------------------------------------------------------- equity
def test_equity_figure_draws_the_stitched_curves_exactly_when_small(result):
    fig = report.walkforward_equity_figure(result, max_points=10**7)
    eq = trace(fig, "out-of-sample equity")
    dd = trace(fig, "drawdown")
    assert times(eq.x).equals(result.oos_equity.index)
    assert np.array_equal(eq.y, result.oos_equity.to_numpy())
    assert np.array_equal(dd.y, result.oos.drawdown.to_numpy())
    # the stitched bars are exactly the test windows' bars, in order
    first = result.folds["test_start"].min()
    assert result.oos_equity.index[0] >= first
    assert len(result.oos_equity) == result.folds["test_bars"].sum()


def test_fold_starts_sit_where_each_test_window_begins(result, bars):
    starts = report.fold_starts(result)
    eq = result.oos_equity.to_numpy()
    stitched = result.oos.market.index
    for fold, row in result.folds.iterrows():
        at = int(starts.loc[fold, "position"])
        # the first bar of the fold in the stitched result is the first bar of its test window
        first = bars.index[bars.index >= row["test_start"]][0]
        assert stitched[at] == first == starts.loc[fold, "time"]
        # each fold's run ends flat, so the equity before a fold is the curve's last value
        before = result.oos.initial_balance if at == 0 else eq[at - 1]
        assert starts.loc[fold, "equity"] == pytest.approx(before, abs=1e-6)
    fig = report.walkforward_equity_figure(result)
    marks = trace(fig, "fold start")
    assert times(marks.x).equals(pd.DatetimeIndex(starts["time"]))
    assert np.allclose(marks.y, starts["equity"])
    assert list(marks.text) == [str(f) for f in result.folds.index]


def test_large_equity_curves_are_thinned_and_say_so(result):
    fig = report.walkforward_equity_figure(result, max_points=200)
    eq = trace(fig, "out-of-sample equity")
    assert len(eq.y) < len(result.oos_equity)
    assert max(eq.y) == result.oos_equity.max()
    assert min(eq.y) == result.oos_equity.min()
    assert "drawn with" in fig.layout.title.text


# ---------------------------------------------------------------------------- folds
def test_folds_figure_holds_the_in_and_out_of_sample_figures(result):
    fig = report.walkforward_folds_figure(result)
    f = result.folds
    assert np.allclose(values(trace(fig, "in-sample sharpe").y), f["is_metric"], equal_nan=True)
    assert np.allclose(
        values(trace(fig, "out-of-sample sharpe").y), f["oos_metric"], equal_nan=True
    )
    # annualised returns: return_pct × 365.25 / window days, computed here from the windows
    train_days = (f["train_end"] - f["train_start"]).dt.total_seconds() / 86_400
    test_days = (f["test_end"] - f["test_start"]).dt.total_seconds() / 86_400
    is_ann = values(trace(fig, "in-sample annualised return").y)
    oos_ann = values(trace(fig, "out-of-sample annualised return").y)
    assert np.allclose(is_ann, f["is_return_pct"] * 365.25 / train_days)
    assert np.allclose(oos_ann, f["oos_return_pct"] * 365.25 / test_days)
    assert list(trace(fig, "in-sample sharpe").x) == list(f.index)


# ---------------------------------------------------------------------------- parameters
def test_parameters_figure_shows_the_chosen_and_the_searched_values(result):
    fig = report.walkforward_parameters_figure(result)
    folds = result.folds
    for name, grid_values in GRID.items():
        chosen = trace(fig, f"{name}: chosen")
        assert list(chosen.x) == list(folds.index)
        cand = result.candidates.loc[folds["candidate"]]
        assert list(chosen.y) == cand[name].tolist()
        searched = trace(fig, f"{name}: searched")
        for fold in folds.index:
            on_fold = sorted(y for x, y in zip(searched.x, searched.y, strict=True) if x == fold)
            assert on_fold == sorted(grid_values)


def test_a_run_without_a_search_says_so():
    m1 = market("EURUSD", "2024-01-01", days=12, seed=3).bars
    res = walk_forward(
        m1, spec=SPEC, train="6D", test="3D", min_trades=0, scheduler="sync", progress=False
    )
    fig = report.walkforward_parameters_figure(res)
    assert len(fig.data) == 0
    assert "no parameter was searched" in fig.layout.annotations[0].text


# ---------------------------------------------------------------------------- in-sample
def test_in_sample_heatmap_holds_every_run_and_marks_the_best_qualified(result):
    fig = report.walkforward_in_sample_figure(result)
    heat = trace(fig, "in-sample sharpe")
    z = np.array(heat.z, dtype=np.float64)
    table = result.in_sample
    assert z.shape == (len(result.candidates), len(result.folds))
    for rec in table.itertuples(index=False):
        want = rec.sharpe if math.isfinite(rec.sharpe) else math.nan
        got = z[rec.candidate, list(result.folds.index).index(rec.fold)]
        assert (math.isnan(want) and math.isnan(got)) or got == want
    stars = trace(fig, "chosen")
    labels = list(heat.y)
    for x, y in zip(stars.x, stars.y, strict=True):
        j = list(result.folds.index).index(x)
        c = labels.index(y)
        part = table[(table["fold"] == x) & (table["trade_count"] >= result.min_trades)]
        best = part["sharpe"].max()
        assert z[c, j] == best  # brute force: the marked cell is the best qualified one


def test_folds_without_a_qualifying_candidate_have_no_choice_drawn(bars):
    res = walk_forward(
        bars, spec=SPEC, space=ParameterSpace.grid(GRID), min_trades=10**6,
        scheduler="sync", progress=False, **WINDOWS,
    )  # fmt: skip
    assert not res.folds["selected"].any()
    assert len(trace(report.walkforward_in_sample_figure(res), "chosen").x) == 0
    for name in GRID:
        assert len(trace(report.walkforward_parameters_figure(res), f"{name}: chosen").x) == 0
    starts = report.fold_starts(res)
    assert (starts["equity"] == res.oos.initial_balance).all()
    eq = trace(report.walkforward_equity_figure(res), "out-of-sample equity")
    assert set(eq.y) == {res.oos.initial_balance}

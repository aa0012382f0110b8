"""``mikrobot.backtest.daily``: the daily validation of one symbol and the pipeline summary."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mikrobot.backtest.daily import (
    RunSettings,
    WalkForwardPlan,
    build_summary,
    gate_table,
    recent_window,
    validate_symbol,
    write_summary,
)
from mikrobot.backtest.engine import Market
from mikrobot.backtest.gates import GATE_NAMES, GateThresholds
from mikrobot.backtest.walkforward import RunContext, WalkData, out_of_sample_task
from mikrobot.backtest.windows import Fold, make_folds
from mikrobot.core.errors import ConfigError, DataError
from mikrobot.data.synthetic import market

END = "2024-03-16"  # a Saturday: the last three days are Wednesday to Friday
PLAN = WalkForwardPlan(train="6D", test="3D", grid={"rr": [1.5, 2.0]}, min_trades=1)


@pytest.fixture(scope="module")
def eurusd():
    mkt = market("EURUSD", "2024-02-26", end=END, seed=7)
    return mkt.bars, mkt.spec


@pytest.fixture(scope="module")
def checked(eurusd):
    bars, spec = eurusd
    return validate_symbol(bars, spec, days=3, settings=RunSettings(), walk=PLAN, source="test")


def test_recent_window_defaults_to_the_midnight_after_the_last_bar(eurusd):
    bars, _ = eurusd
    start, end = recent_window(bars, 3)
    assert end == pd.Timestamp(END, tz="UTC")
    assert bars.index[-1] < end
    assert end - start == pd.Timedelta(days=3)
    s2, e2 = recent_window(bars, 2, end="2024-03-10")
    assert (s2, e2) == (pd.Timestamp("2024-03-08", tz="UTC"), pd.Timestamp("2024-03-10", tz="UTC"))
    with pytest.raises(ValueError, match="days must be > 0"):
        recent_window(bars, 0)


def test_trades_fall_in_their_windows_and_the_baseline_has_no_floors(checked):
    r = checked
    assert r.start == pd.Timestamp("2024-03-13", tz="UTC")
    assert r.end == pd.Timestamp(END, tz="UTC")
    recent, base = r.recent.trades, r.baseline.trades
    assert len(recent) > 0
    assert len(base) > 0
    assert (recent["entry_time"] >= r.start).all()
    assert (recent["entry_time"] < r.end).all()
    assert (base["entry_time"] < r.start).all()
    assert r.recent.market.index[0] >= r.start
    assert r.baseline.market.index[-1] < r.start
    assert r.recent.params.prop_firm is not None
    assert r.baseline.params.prop_firm is None
    assert r.recent.stats.verdict in ("ongoing", "passed", "failed")


def test_recent_backtest_equals_the_walk_forward_test_window(checked, eurusd):
    """The walk-forward's own window backtest (structure engine from bar 0 to the window's
    end, fresh account on the window) gives the same trades."""
    bars, spec = eurusd
    run = RunSettings()
    lo = int(np.searchsorted(bars.index, checked.start))
    hi = len(bars)
    fold = Fold(0, 0, lo, lo, hi, bars.index[0], checked.start, checked.start, checked.end)
    data = WalkData(bars, Market.from_bars(bars, spec), spec)
    ctx = RunContext(run.feedback, run.sessions, None)
    want = out_of_sample_task(
        data, run.structure, run.backtest, run.evaluation, "", fold, (0, hi), ctx
    )
    pd.testing.assert_frame_equal(checked.recent.trades, want.trades)
    assert checked.recent.rejections == want.rejections


def test_gates_follow_the_figures(checked):
    r = checked
    names = [g.name for g in r.gates]
    assert names == list(GATE_NAMES)
    assert all(g.symbol == "EURUSD" for g in r.gates)
    by = {g.name: g for g in r.gates}
    assert by["drawdown"].value == r.recent.stats.max_drawdown_pct
    assert by["prop_firm"].value == r.recent.stats.verdict
    assert by["data_gaps"].value == 0.0  # the synthetic market misses no open minute
    assert r.passed == all(g.passed for g in r.gates)
    tight = validate_symbol(
        r.bars,
        r.spec,
        days=3,
        thresholds=GateThresholds(max_drawdown_pct=r.recent.stats.max_drawdown_pct / 2),
    )
    assert not {g.name: g for g in tight.gates}["drawdown"].passed
    assert not tight.passed


def test_structure_by_day_counts_what_became_known_in_the_window(checked):
    r = checked
    table = r.structure_by_day()
    assert list(table.index.astype(str)) == ["2024-03-13", "2024-03-14", "2024-03-15"]

    def inside(times: pd.Series) -> int:
        return int(((times >= r.start) & (times < r.end)).sum())

    assert table["swings"].sum() == inside(r.swings["known_at"])
    assert table["bos"].sum() + table["choch"].sum() == inside(r.breaks["known_at"])
    assert table["setups"].sum() == inside(r.setups["known_at"])
    assert table["trades"].sum() == len(r.recent.trades)
    assert (table["confirmed"] <= table["setups"]).all()


def test_walk_forward_runs_in_process_with_the_plan(checked, eurusd):
    bars, _ = eurusd
    wf = checked.walk_forward
    assert wf is not None
    assert len(wf.folds) == len(make_folds(bars.index, train="6D", test="3D"))
    assert len(wf.candidates) == 2  # rr 1.5 and 2.0
    assert checked.walk_forward_note.startswith(f"{len(wf.folds)} folds")


def test_walk_forward_is_skipped_when_the_span_holds_no_fold(eurusd):
    bars, spec = eurusd
    r = validate_symbol(bars, spec, days=3, walk=WalkForwardPlan(train="60D", test="5D"))
    assert r.walk_forward is None
    assert r.walk_forward_note.startswith("skipped:")
    assert validate_symbol(bars, spec, days=3, walk=None).walk_forward_note == "skipped"


def test_bad_data_fails_its_gate_and_stops_the_backtest(eurusd):
    bars, spec = eurusd
    doubled = pd.concat([bars, bars.iloc[[100, 200]]]).sort_index(kind="stable")
    r = validate_symbol(doubled, spec, days=3, walk=PLAN)
    by = {g.name: g for g in r.gates}
    assert not by["data_errors"].passed
    assert by["data_errors"].value == 2.0
    assert r.recent is None
    assert r.baseline is None
    assert r.walk_forward is None
    for name in ("drawdown", "prop_firm", "win_rate_drift"):
        assert not by[name].passed
        assert by[name].message.startswith("not evaluated")
    assert r.quality_figures()["errors"]["duplicate"] == 2
    assert json.dumps(r.to_dict(), allow_nan=False)


def test_no_bar_in_the_recent_window_is_an_error(eurusd):
    bars, spec = eurusd
    with pytest.raises(DataError, match="no M1 bar in the recent window"):
        validate_symbol(bars, spec, days=3, end="2024-03-31")


def test_walk_forward_plan_wants_lists():
    with pytest.raises(ConfigError, match="list of values"):
        WalkForwardPlan(grid={"rr": 2.0})
    assert dict(WalkForwardPlan(grid={"rr": [1, 2]}).grid) == {"rr": (1, 2)}


def test_summary_gathers_symbols_and_is_strict_json(checked, tmp_path):
    params = {"symbols": "EURUSD", "days": 3}
    summary = build_summary([checked], parameters=params, config_hash="abc")
    assert summary["passed"] == checked.passed
    assert summary["status"] == ("passed" if checked.passed else "failed")
    assert summary["parameters"] == params
    assert summary["config_hash"] == "abc"
    assert [g["name"] for g in summary["gates"]] == list(GATE_NAMES)
    sym = summary["symbols"]["EURUSD"]
    assert sym["backtest"]["trade_count"] == len(checked.recent.trades)
    assert sym["baseline"]["trades"] == len(checked.baseline.trades)
    assert sym["structure"]["trades"] == len(checked.recent.trades)
    assert sym["walk_forward"]["folds"] == len(checked.walk_forward.folds)
    path = write_summary(summary, tmp_path / "out")
    assert json.loads(path.read_text()) == json.loads(json.dumps(summary))
    # the run hash follows what decides the outcome
    other = build_summary(
        [checked], parameters=params, config_hash="abc", thresholds=GateThresholds(max_gap_pct=2)
    )
    assert other["run_hash"] != summary["run_hash"]
    again = build_summary([checked], parameters=dict(reversed(params.items())), config_hash="abc")
    assert again["run_hash"] == summary["run_hash"]


def test_a_failed_gate_fails_the_summary(checked):
    bad = validate_symbol(
        checked.bars, checked.spec, days=3, thresholds=GateThresholds(max_drawdown_pct=0.0)
    )
    summary = build_summary([checked, bad], parameters={}, config_hash="")
    assert not summary["passed"]
    assert summary["status"] == "failed"
    assert "EURUSD:drawdown" in summary["failed_gates"]
    table = gate_table([checked, bad])
    assert len(table) == 2 * len(GATE_NAMES)
    assert not table["passed"].all()

"""The daily-validation gates on constructed figures: values at, just inside and just beyond
each threshold, the unjudged cases, and the thresholds' own checks."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

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
from mikrobot.core.errors import ConfigError

EPS = 1e-9


def test_data_gaps_at_and_around_the_threshold():
    t = GateThresholds(max_gap_pct=1.0)
    # 10 missing of 1,000 expected = exactly 1 %
    at = data_gaps_gate(10, 990, t)
    assert at.passed
    assert at.value == pytest.approx(1.0)
    assert at.threshold == 1.0
    above = data_gaps_gate(11, 989, t)
    assert not above.passed
    assert above.value == pytest.approx(1.1)
    below = data_gaps_gate(9, 991, t)
    assert below.passed
    assert below.value == pytest.approx(0.9)
    assert "10 of 1,000" in at.message
    assert "above" in above.message


def test_data_gaps_zero_threshold_and_empty_data():
    strict = GateThresholds(max_gap_pct=0.0)
    assert data_gaps_gate(0, 500, strict).passed
    assert not data_gaps_gate(1, 500, strict).passed
    empty = data_gaps_gate(0, 0)
    assert empty.passed
    assert empty.value == 0.0
    with pytest.raises(ValueError, match=">= 0"):
        data_gaps_gate(-1, 10)


def test_data_errors_counts_every_kind():
    t = GateThresholds(max_data_errors=2)
    assert data_errors_gate({"duplicate": 1, "ohlc": 1}, t).passed
    g = data_errors_gate({"duplicate": 1, "ohlc": 1, "nan": 1}, t)
    assert not g.passed
    assert g.value == 3.0
    assert g.threshold == 2.0
    assert "duplicate 1" in g.message
    assert "nan 1" in g.message
    default = data_errors_gate({"duplicate": 0, "ohlc": 0})
    assert default.passed
    assert default.message.startswith("0 error findings (none)")
    assert not data_errors_gate({"non_monotonic": 1}).passed


def test_drawdown_at_and_around_the_threshold():
    t = GateThresholds(max_drawdown_pct=5.0)
    assert drawdown_gate(5.0, t).passed
    assert drawdown_gate(5.0 - EPS, t).passed
    over = drawdown_gate(5.0 + EPS, t)
    assert not over.passed
    assert over.value == 5.0 + EPS
    assert over.threshold == 5.0
    assert drawdown_gate(0.0, GateThresholds(max_drawdown_pct=0.0)).passed
    assert not drawdown_gate(0.01, GateThresholds(max_drawdown_pct=0.0)).passed
    nan = drawdown_gate(math.nan, t)
    assert not nan.passed
    assert nan.value is None
    assert "not evaluated" in nan.message


def test_prop_firm_verdicts():
    assert prop_firm_gate("ongoing").passed
    assert prop_firm_gate("passed").passed
    failed = prop_firm_gate("failed", "max_daily_loss")
    assert not failed.passed
    assert failed.value == "failed"
    assert "max_daily_loss" in failed.message
    none = prop_firm_gate(None)
    assert none.passed
    assert none.value is None
    assert "no prop-firm rules" in none.message
    strict = GateThresholds(fail_verdicts=("failed", "ongoing"))
    assert not prop_firm_gate("ongoing", thresholds=strict).passed
    assert prop_firm_gate("passed", thresholds=strict).passed


def test_win_rate_drift_exactly_at_the_noise_band():
    # p = 0.5, n = m = 8: se = sqrt(0.25 * (1/8 + 1/8)) = 0.25 -> z 2 allows 50 pp (exact floats)
    t = GateThresholds(win_rate_z=2.0, win_rate_min_drift_pp=10.0, win_rate_min_baseline_trades=8)
    at = win_rate_drift_gate(100.0, 8, 50.0, 8, t)
    assert at.passed
    assert at.value == 50.0
    assert at.threshold == 50.0
    assert win_rate_drift_gate(0.0, 8, 50.0, 8, t).passed  # -50 pp: the band is two-sided
    tighter = t.model_copy(update={"win_rate_z": 2.0 - 1e-6})
    beyond = win_rate_drift_gate(100.0, 8, 50.0, 8, tighter)
    assert not beyond.passed
    assert beyond.threshold < 50.0
    assert "beyond" in beyond.message
    assert "+50.0 pp" in beyond.message


def test_win_rate_drift_floor_applies_when_the_band_is_narrow():
    # many trades: se is tiny, the 10 pp floor is the allowance
    t = GateThresholds(win_rate_min_drift_pp=10.0)
    ok = win_rate_drift_gate(40.0, 10_000, 30.0, 10_000, t)
    assert ok.passed
    assert ok.threshold == 10.0
    assert ok.value == pytest.approx(10.0)
    bad = win_rate_drift_gate(40.5, 10_000, 30.0, 10_000, t)
    assert not bad.passed
    assert bad.threshold == 10.0
    # a baseline that never wins has no spread: the floor decides
    zero = win_rate_drift_gate(20.0, 10, 0.0, 50, t)
    assert not zero.passed
    assert zero.threshold == 10.0


def test_win_rate_drift_needs_enough_trades():
    t = GateThresholds(win_rate_min_trades=5, win_rate_min_baseline_trades=20)
    few = win_rate_drift_gate(100.0, 4, 10.0, 100, t)
    assert few.passed
    assert few.value is None
    assert "4 recent trades (< 5)" in few.message
    judged = win_rate_drift_gate(100.0, 5, 10.0, 100, t)
    assert not judged.passed
    assert judged.value == pytest.approx(90.0)
    thin = win_rate_drift_gate(100.0, 50, 10.0, 19, t)
    assert thin.passed
    assert thin.value is None
    assert "19 long-run trades (< 20)" in thin.message
    nan = win_rate_drift_gate(100.0, 50, math.nan, 100, t)
    assert nan.passed
    assert nan.value is None


def test_gates_are_immutable_and_serialise():
    g = drawdown_gate(7.5).with_symbol("EURUSD")
    assert g.symbol == "EURUSD"
    assert g.name == "drawdown"
    assert not g.passed
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.passed = True  # type: ignore[misc]
    data = g.to_dict()
    assert data == {
        "name": "drawdown",
        "passed": False,
        "value": 7.5,
        "threshold": 5.0,
        "message": g.message,
        "symbol": "EURUSD",
    }
    inf = Gate("x", True, math.inf, math.nan, "")
    assert json.dumps(inf.to_dict(), allow_nan=False)  # non-finite numbers become null


def test_all_passed_and_not_evaluated():
    ok, bad = drawdown_gate(1.0), drawdown_gate(9.0)
    assert all_passed([ok, ok])
    assert not all_passed([ok, bad])
    assert not all_passed([])
    ne = not_evaluated("drawdown", "the data has errors")
    assert not ne.passed
    assert ne.value is None
    assert ne.message == "not evaluated: the data has errors"


def test_thresholds_refuse_unknown_keys_and_bad_values():
    with pytest.raises(ConfigError, match="max_drawdown"):
        GateThresholds.from_mapping({"max_drawdown": 5})
    with pytest.raises(ConfigError, match="max_gap_pct"):
        GateThresholds.from_mapping({"max_gap_pct": -1})
    with pytest.raises(ConfigError, match="win_rate_min_trades"):
        GateThresholds.from_mapping({"win_rate_min_trades": 0})
    t = GateThresholds.from_mapping({"max_drawdown_pct": 3})
    assert t.max_drawdown_pct == 3.0
    assert t.max_gap_pct == GateThresholds().max_gap_pct

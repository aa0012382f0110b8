"""Setups driver: evaluation by the live function, entries at known_at's bar, sizing, rejections."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mikrobot.backtest import BacktestParams, codes
from mikrobot.backtest.driver import run_setups
from mikrobot.data.synthetic import random_walk
from mikrobot.risk.params import PropFirmParams, SizingParams
from mikrobot.risk.sizing import size_position
from mikrobot.strategy import evaluation
from mikrobot.strategy.params import (
    EvaluationParams,
    FeedbackParams,
    NewsCheck,
    PositionsCheck,
    SessionsCheck,
    SpreadCheck,
    VolatilityCheck,
)
from mikrobot.structure import api as structure_api

from .helpers import EURUSD, PIP, bars, flat

LOOSE = EvaluationParams(
    sessions=SessionsCheck(enabled=False),
    news=NewsCheck(enabled=False),
    volatility=VolatilityCheck(enabled=False),
    spread=SpreadCheck(max_fraction_of_stop=1.0),
)
COMPONENTS = ("break_strength", "retest_precision", "rejection", "structure", "session", "speed")


def setup_rows(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """A setups frame of the structure engine's schema; ``at`` is the confirmation bar."""
    out = []
    for r in rows:
        at = frame.index[r["at"]]
        side = r.get("direction", 1)
        entry = r["entry"]
        out.append(
            {
                "direction": np.int8(side),
                "kind": r.get("kind", "BOS"),
                "level": entry - side * 2 * PIP,
                "known_at": at + pd.Timedelta(minutes=1),
                "entry_time": at + pd.Timedelta(minutes=1),
                "entry": entry,
                "stop": r["stop"],
                "target": r["target"],
                "confidence": r.get("confidence", 0.8),
                **dict.fromkeys(COMPONENTS, 0.8),
                "status": r.get("status", "confirmed"),
            }
        )
    return pd.DataFrame(out)


def params(**kw) -> BacktestParams:
    base = {
        "prop_firm": None,
        "spread_points": 10.0,
        "sizing": SizingParams(commission_per_lot=0.0),
    }
    base.update(kw)
    return BacktestParams(**base)


def test_approved_setup_enters_at_the_next_open_sized_by_the_confidence_multiplier():
    frame = bars(flat(1.1000, 10, width=0.0001))
    rows = setup_rows(
        frame,
        [{"at": 2, "entry": 1.1001, "stop": 1.0990, "target": 1.1023, "confidence": 0.8}],
    )
    res = run_setups(frame, rows, spec=EURUSD, params=params(), evaluation=LOOSE)
    t = res.trades.iloc[0]
    assert t.entry_time == frame.index[3]
    assert t.entry_price == pytest.approx(1.1000 + 10e-5, abs=1e-12)
    assert (t.stop, t.target) == (1.0990, 1.1023)
    # multiplier linear from 0.5 at min confidence 0.6 to 1.5 at 1.0: 0.8 -> 1.0
    assert t.multiplier == pytest.approx(1.0)
    expected = size_position(
        EURUSD, equity=100_000, entry=1.1000, stop=1.0990, risk_multiplier=1.0, spread=10e-5
    )
    assert t.volume == expected.volume
    assert t.risk == pytest.approx(expected.money_at_risk)
    assert res.extras["approved"] == 1
    assert dict(res.rejections) == {}


def test_rejections_are_counted_by_reason_code_and_only_confirmed_rows_trade():
    frame = bars(flat(1.1000, 12, width=0.0001))
    rows = setup_rows(
        frame,
        [
            {"at": 1, "entry": 1.1001, "stop": 1.0990, "target": 1.1030, "confidence": 0.3},
            {"at": 2, "entry": 1.1001, "stop": 1.0990, "target": 1.1030},
            {"at": 3, "entry": 1.1001, "stop": 1.0990, "target": 1.1030},  # one is open
            {"at": 4, "entry": 1.1001, "stop": 1.0990, "target": 1.1030, "status": "no_touch"},
        ],
    )
    ev = LOOSE.model_copy(update={"positions": PositionsCheck(max_per_symbol=1)})
    res = run_setups(frame, rows, spec=EURUSD, params=params(), evaluation=ev)
    assert res.signals == 3
    assert len(res.trades) == 1
    assert dict(res.rejections) == {"confidence_below_min": 1, "max_positions_symbol": 1}


@pytest.mark.parametrize("prescreen", [False, True])
def test_every_confirmed_setup_goes_through_the_live_evaluate(monkeypatch, prescreen):
    # (with the prescreen: every setup that passes the state-independent checks)
    calls = []
    real = evaluation.evaluate

    def spy(signal, context, params, sessions):
        calls.append((signal, context))
        return real(signal, context, params, sessions)

    monkeypatch.setattr(evaluation, "evaluate", spy)
    frame = bars(flat(1.1000, 12, width=0.0001), spread=[12] * 12)
    rows = setup_rows(
        frame,
        [
            {"at": 2, "entry": 1.1001, "stop": 1.0990, "target": 1.1030},
            {"at": 5, "entry": 1.1001, "stop": 1.0990, "target": 1.1030, "direction": 1},
        ],
    )
    prop = PropFirmParams.from_preset("ftmo-2step-challenge")
    p = params(prop_firm=prop, spread_points=None)
    run_setups(
        frame,
        rows,
        spec=EURUSD,
        params=p,
        evaluation=LOOSE,
        feedback=FeedbackParams(),
        prescreen=prescreen,
    )
    assert len(calls) == 2
    assert calls[0][1].adjustments.min_confidence == LOOSE.confidence.minimum
    first, second = calls[0][1], calls[1][1]
    assert first.spread_points == pytest.approx(12.0)
    assert first.open_positions_symbol == 0
    assert second.open_positions_symbol == 1  # the first trade is open
    assert second.currency_exposure == {"EUR": 1, "USD": -1}
    # room: 100,000 - 95,000 daily floor - 500 buffer - the open trade's loss at its stop
    assert first.headroom_money == pytest.approx(4_500.0)
    assert second.headroom_money < first.headroom_money
    assert first.trading_state == "ACTIVE"
    assert calls[0][0].ts == int(frame.index[3].value)


def test_breach_stops_the_evaluation_and_counts_the_rest():
    rows_ = [*flat(1.1000, 3, 0.0001), (1.06, 1.0601, 1.0500, 1.06), *flat(1.06, 4, 0.0001)]
    frame = bars(rows_)
    prop = PropFirmParams.from_preset("ftmo-2step-challenge", slippage_allowance=0.0)
    p = params(prop_firm=prop, sizing=SizingParams(risk_per_trade=0.04, max_risk_per_trade=0.04))
    rows = setup_rows(
        frame,
        [
            {"at": 1, "entry": 1.1001, "stop": 1.0990, "target": 1.1100},
            {"at": 5, "entry": 1.0601, "stop": 1.0590, "target": 1.0700},
        ],
    )
    res = run_setups(frame, rows, spec=EURUSD, params=p, evaluation=LOOSE)
    # the 500-pip gap through the stop loses far more than the 4,000 budget
    assert res.breach_time == frame.index[3]
    assert res.breach_reason == "max_daily_loss"
    assert res.trades.exit_reason.iloc[0] == "stop"
    assert res.rejections["account_breached"] == 1
    assert res.stats.verdict == "failed"


def test_structure_setups_fill_at_their_own_entry_prices():
    m1 = random_walk(30_000, seed=4)
    setups = structure_api.setups(m1, spec=EURUSD)
    p = params(spread_points=None)
    res = run_setups(m1, setups, spec=EURUSD, params=p, evaluation=LOOSE)
    t = res.trades
    assert len(t) > 10
    confirmed = setups[setups.status == "confirmed"].set_index("entry_time")
    matched = confirmed.loc[t.entry_time]
    assert np.allclose(t.entry_price.to_numpy(), matched.entry.to_numpy(), atol=1e-12)
    assert np.array_equal(t.stop.to_numpy(), matched.stop.to_numpy())
    assert (t.exit_reason.isin(["stop", "target", "end_of_data"])).all()
    refused = sum(res.rejections.get(name, 0) for name in codes.REJECT_NAMES)
    assert res.extras["approved"] == len(t) + refused
    assert math.isfinite(res.stats.sharpe)


@pytest.mark.parametrize("prescreen", [False, True])
@pytest.mark.parametrize(("restricted", "refused"), [(True, 1), (False, 0), (None, 0)])
def test_the_prop_firm_rules_decide_the_news_rule_as_on_the_live_path(
    prescreen, restricted, refused
):
    # a challenge account: FTMO's news rule does not apply unless the rules say it does
    # (``news_restricted``), exactly as ``strategy.context.account_fields`` tells the live path
    from mikrobot.strategy.context import account_fields
    from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent

    frame = bars(flat(1.1000, 12, width=0.0001), spread=[12] * 12)
    rows = setup_rows(frame, [{"at": 2, "entry": 1.1001, "stop": 1.0990, "target": 1.1030}])
    release = int(rows["known_at"].iloc[0].value)  # a release at the very signal time
    calendar = NewsCalendar.from_events([NewsEvent(release, "USD", Impact.HIGH, "NFP")])
    prop = PropFirmParams.from_preset("ftmo-2step-challenge").model_copy(
        update={"news_restricted": restricted}
    )
    assert prop.phase == "challenge"
    loose = LOOSE.model_copy(update={"news": NewsCheck(enabled=True)})
    result = run_setups(
        frame,
        rows,
        spec=EURUSD,
        params=params(prop_firm=prop, spread_points=None),
        evaluation=loose,
        news=calendar,
        prescreen=prescreen,
    )
    from mikrobot.risk.propfirm import PropFirmAccount

    live = account_fields(PropFirmAccount(prop, 100_000.0), SizingParams())
    assert live["news_restricted"] is prop.restricts_news
    assert result.rejections.get("news_blackout", 0) == refused
    assert len(result.trades) == 1 - refused

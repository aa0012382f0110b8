"""The setups driver with the batch prescreen equals the driver that evaluates every setup.

Same synthetic markets, same settings, ``prescreen=True`` against ``prescreen=False``: the
decisions of the setups both evaluate, the rejection counts by reason, the trade lists, the
statistics and the breach are equal, while the prescreen skips most evaluations.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.backtest import BacktestParams, SlippageParams
from mikrobot.backtest.driver import run_setups
from mikrobot.backtest.setup_rows import SetupRows, confirmed
from mikrobot.core.sessions import SessionWindow
from mikrobot.data.synthetic import random_walk
from mikrobot.risk.params import PropFirmParams, SizingParams
from mikrobot.risk.presets import preset_names
from mikrobot.strategy import evaluation
from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent
from mikrobot.strategy.params import (
    CooldownCheck,
    EvaluationParams,
    ExposureCheck,
    FeedbackParams,
    NewsCheck,
    PositionsCheck,
    SizingAdjustment,
    SpreadCheck,
    VolatilityCheck,
)
from mikrobot.structure import api as structure_api

from ..strategy.strategies import evaluation_params
from .helpers import EURUSD

N_BARS = 20_000  # four weeks of M1


@functools.cache
def market(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, NewsCalendar]:
    """Bars with a varying spread column, their setups, and a calendar of releases."""
    bars = random_walk(N_BARS, seed=seed)
    rng = np.random.default_rng(seed)
    bars["spread"] = rng.integers(2, 40, len(bars)).astype(bars["spread"].dtype)
    setups = structure_api.setups(bars, spec=EURUSD)
    times = bars.index.asi8
    events = [
        NewsEvent(int(t), str(c), Impact(int(i)))
        for t, c, i in zip(
            rng.choice(times, 80),
            rng.choice(["EUR", "USD", "ALL", "JPY"], 80),
            rng.integers(1, 4, 80),
            strict=True,
        )
    ]
    return bars, setups, NewsCalendar.from_events(events)


def run_both(seed, monkeypatch, **kwargs):
    """Both paths on market ``seed``, with the decisions evaluate made in each."""
    bars, setups, news = market(seed)
    real = evaluation.evaluate
    decisions: dict[bool, dict[str, tuple]] = {True: {}, False: {}}
    results = {}
    for prescreen in (False, True):
        seen = decisions[prescreen]

        def spy(signal, context, params, sessions, seen=seen):
            d = real(signal, context, params, sessions)
            seen[signal.signal_id] = (d.approved, d.codes, d.risk_multiplier)
            return d

        monkeypatch.setattr(evaluation, "evaluate", spy)
        results[prescreen] = run_setups(
            bars, setups, spec=EURUSD, news=news, prescreen=prescreen, **kwargs
        )
    monkeypatch.setattr(evaluation, "evaluate", real)
    return results[False], results[True], decisions[False], decisions[True]


def assert_same(slow, fast, slow_decisions, fast_decisions):
    assert fast_decisions.items() <= slow_decisions.items()
    assert dict(fast.rejections) == dict(slow.rejections)
    assert dict(fast.extras) == dict(slow.extras)
    assert fast.signals == slow.signals
    pd.testing.assert_frame_equal(fast.trades, slow.trades)
    assert fast.stats.to_dict() == slow.stats.to_dict()
    assert (fast.breach_time, fast.breach_reason, fast.final_balance, fast.n_bars) == (
        slow.breach_time,
        slow.breach_reason,
        slow.final_balance,
        slow.n_bars,
    )


BENCH = BacktestParams(
    sizing=SizingParams(commission_per_lot=7.0, slippage_pips=0.5),
    slippage=SlippageParams(mode="random", pips=0.5, seed=1),
)
LOOSE = EvaluationParams(
    spread=SpreadCheck(max_fraction_of_stop=0.6),
    volatility=VolatilityCheck(min_percentile=5.0, max_percentile=99.0, lookback_days=2),
)
CASES = {
    "benchmark": {"params": BENCH},
    "several positions and exposure": {
        "params": BENCH.model_copy(update={"max_open_positions": 3}),
        "evaluation": LOOSE.model_copy(
            update={
                "positions": PositionsCheck(max_per_symbol=2, max_total=2),
                "exposure": ExposureCheck(max_per_currency=1),
                "cooldown": CooldownCheck(enabled=False),
                "spread": SpreadCheck(max_fraction_of_stop=1.0),
            }
        ),
    },
    "feedback raises the floor": {
        "params": BENCH,
        "evaluation": LOOSE,
        "feedback": FeedbackParams(
            window=3, tighten_below=0.5, relax_above=0.6, confidence_step=0.1
        ),
    },
    "long cool-down": {
        "params": BENCH,
        "evaluation": LOOSE.model_copy(update={"cooldown": CooldownCheck(losses=1, minutes=600.0)}),
    },
    "funded account, news everywhere": {
        "params": BENCH.model_copy(
            update={"prop_firm": PropFirmParams.from_preset("ftmo-2step-funded")}
        ),
        "evaluation": LOOSE.model_copy(
            update={"news": NewsCheck(scope="all", before_minutes=30.0, after_minutes=30.0)}
        ),
    },
    "multiplier floor, no prop firm": {
        "params": BENCH.model_copy(update={"prop_firm": None}),
        "evaluation": LOOSE.model_copy(update={"sizing": SizingAdjustment(min_multiplier=0.45)}),
    },
    # a floor above multiplier_at_min: every setup may fail it, so every one is evaluated
    "multiplier floor above the minimum": {
        "params": BENCH,
        "evaluation": LOOSE.model_copy(update={"sizing": SizingAdjustment(min_multiplier=0.9)}),
    },
    "risky sizing breaches": {
        "params": BENCH.model_copy(
            update={
                "sizing": SizingParams(risk_per_trade=0.03, max_risk_per_trade=0.03),
                "prop_firm": PropFirmParams.from_preset("ftmo-1step"),
            }
        ),
        "evaluation": LOOSE,
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_prescreen_equals_evaluating_every_setup(name, seed, monkeypatch):
    slow, fast, slow_d, fast_d = run_both(seed, monkeypatch, **CASES[name])
    assert_same(slow, fast, slow_d, fast_d)
    assert len(slow_d) == slow.signals  # the reference path evaluates every setup
    if name != "multiplier floor above the minimum":
        assert len(fast_d) < slow.signals  # the prescreen skipped some


@given(
    seed=st.integers(0, 2),
    ev=evaluation_params,
    feedback=st.one_of(
        st.none(),
        st.builds(
            FeedbackParams,
            window=st.integers(2, 10),
            tighten_below=st.sampled_from([-0.5, 0.0, 0.5]),
            relax_above=st.just(0.6),
            confidence_step=st.sampled_from([0.05, 0.2]),
            confidence_max=st.just(1.0),
            cap_min=st.just(0.1),
        ),
    ),
    preset=st.one_of(st.none(), st.sampled_from(preset_names())),
    risk=st.sampled_from([0.005, 0.01, 0.03]),
    max_open=st.integers(1, 3),
)
def test_prescreen_equals_evaluating_every_setup_for_any_settings(
    seed, ev, feedback, preset, risk, max_open
):
    params = BacktestParams(
        sizing=SizingParams(risk_per_trade=risk, max_risk_per_trade=0.03, commission_per_lot=7.0),
        slippage=SlippageParams(mode="random", pips=0.5, seed=seed),
        prop_firm=None if preset is None else PropFirmParams.from_preset(preset),
        max_open_positions=max_open,
    )
    if feedback is not None and ev.confidence.minimum > feedback.confidence_max:
        feedback = None
    with pytest.MonkeyPatch.context() as monkeypatch:
        slow, fast, slow_d, fast_d = run_both(
            seed, monkeypatch, params=params, evaluation=ev, feedback=feedback
        )
    assert_same(slow, fast, slow_d, fast_d)


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([1, -1, 0]),
            st.sampled_from([1.1, 1.0999, 0.0, -1.0, np.nan, np.inf]),
            st.sampled_from([1.1, 1.1001, 1.0995, 0.0, np.nan]),
            st.sampled_from([1.1, 1.102, 1.098, np.inf]),
            st.sampled_from([0.0, 0.5, 1.0, 1.2, -0.1, np.nan]),
            st.sampled_from(["BOS", "CHoCH", "bos", "nan"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_validity_is_the_signals_own(rows):
    frame = pd.DataFrame(
        rows, columns=["direction", "entry", "stop", "target", "confidence", "kind"]
    ).assign(known_at=pd.Timestamp("2024-03-04 10:00", tz="UTC"))
    take, known = confirmed(frame)
    setup_rows = SetupRows(frame, take, known, "EURUSD")
    expected = [setup_rows.row(j) is not None for j in range(len(frame))]
    assert setup_rows.valid().tolist() == expected


@pytest.mark.parametrize("prescreen", [False, True])
def test_a_session_table_without_the_allowed_sessions_fails_only_with_setups(prescreen):
    bars, setups, _ = market(0)
    table = [SessionWindow("elsewhere", "Asia/Tokyo", 0, 60)]
    with pytest.raises(ValueError, match="allowed sessions"):
        run_setups(bars, setups, spec=EURUSD, sessions=table, prescreen=prescreen)
    none = run_setups(bars, setups.iloc[:0], spec=EURUSD, sessions=table, prescreen=prescreen)
    assert none.signals == 0

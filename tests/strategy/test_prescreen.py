"""The batch prescreen agrees with evaluate: static codes are evaluate's, the gate never lies."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.clock import to_ns
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.signal import Signal
from mikrobot.strategy.context import EvaluationContext
from mikrobot.strategy.evaluation import Evaluator, evaluate
from mikrobot.strategy.feedback import FeedbackAdjustments, TradeResult
from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent
from mikrobot.strategy.params import (
    EvaluationParams,
    SizingAdjustment,
)
from mikrobot.strategy.prescreen import STATIC_CODES, QuietGate, quiet_gate, static_failures

from .strategies import evaluation_params

MIN = 60_000_000_000
START = to_ns("2024-03-04T00:00:00Z")  # a Monday; the draws span a fortnight
SPAN = 14 * 1440 * MIN
SPECS = [DEFAULT_SPECS[name] for name in ("EURUSD", "USDJPY", "XAUUSD", "GBPJPY")]


@st.composite
def signals(draw, spec):
    """A valid signal on ``spec`` somewhere in the fortnight."""
    side = draw(st.sampled_from([1, -1]))
    entry = draw(st.floats(0.5, 3000.0))
    stop_distance = entry * draw(st.floats(1e-5, 0.01))
    stop = entry - side * stop_distance
    target = entry + side * stop_distance * draw(st.floats(0.5, 4.0))
    return Signal(
        symbol=spec.name,
        side="buy" if side > 0 else "sell",
        ts=START + draw(st.integers(0, SPAN)),
        entry=entry,
        stop=stop,
        target=target,
        confidence=draw(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.6, 1.0]))),
    )


@st.composite
def cases(draw):
    """Parameters, a batch of signals and one account state with its market facts."""
    spec = draw(st.sampled_from(SPECS))
    batch = draw(st.lists(signals(spec), min_size=1, max_size=8))
    near = st.builds(  # releases within 40 minutes of the signals
        lambda t, minutes, seconds, currency, impact: NewsEvent(
            t + minutes * MIN + seconds * 1_000_000_000, currency, impact
        ),
        st.sampled_from([s.ts for s in batch]),
        st.integers(-40, 40),
        st.sampled_from([0, 0, 1, 59]),
        st.sampled_from(["USD", "EUR", "JPY", "ALL", "GBP", "XAU"]),
        st.sampled_from(list(Impact)),
    )
    news = draw(st.one_of(st.none(), st.lists(near, max_size=12).map(NewsCalendar.from_events)))
    m = len(batch)
    spread = draw(
        st.lists(
            st.one_of(st.floats(0.0, 500.0), st.sampled_from([math.nan, -1.0, math.inf])),
            min_size=m,
            max_size=m,
        )
    )
    pct = draw(
        st.lists(st.one_of(st.floats(0.0, 100.0), st.just(math.nan)), min_size=m, max_size=m)
    )
    held = draw(st.lists(st.sampled_from([1, -1]), max_size=3))
    trades = draw(
        st.lists(
            st.builds(
                TradeResult,
                close_ts=st.integers(START - 1440 * MIN, START + SPAN),
                r_multiple=st.sampled_from([-1.0, -0.5, 0.0, 0.7, 2.0]),
            ),
            max_size=8,
        )
    )
    trades.sort(key=lambda t: t.close_ts)
    headroom = draw(st.sampled_from([math.inf, -10.0, 0.0, 50.0, 400.0, 5_000.0]))
    adjustments = draw(
        st.one_of(
            st.none(),
            st.builds(
                FeedbackAdjustments,
                min_confidence=st.floats(0.0, 1.0),
                risk_multiplier_cap=st.floats(0.1, 2.0),
            ),
        )
    )
    account = draw(
        st.sampled_from([("standard", "challenge"), ("standard", "funded"), ("swing", "funded")])
    )
    return {
        "params": draw(evaluation_params),
        "spec": spec,
        "batch": batch,
        "news": news,
        "spread": spread,
        "pct": pct,
        "held": held,
        "trades": tuple(trades),
        "headroom": headroom,
        "adjustments": adjustments,
        "account": account,
        "state": draw(st.sampled_from(["ACTIVE", "ACTIVE", "REDUCING", "HALTED"])),
    }


def _exposure(spec, held):
    out: dict[str, int] = {}
    for side in held:
        for currency, delta in ((spec.base_currency, side), (spec.quote_currency, -side)):
            out[currency] = out.get(currency, 0) + delta
    return {c: v for c, v in sorted(out.items()) if v}


@given(case=cases())
def test_static_codes_are_evaluates_and_a_quiet_gate_adds_none(case):
    p, spec, batch = case["params"], case["spec"], case["batch"]
    evaluator = Evaluator(p)
    account_type, phase = case["account"]
    exposure = _exposure(spec, case["held"])
    contexts = [
        EvaluationContext(
            spec=spec,
            spread_points=case["spread"][j],
            trading_state=case["state"],
            account_type=account_type,
            phase=phase,
            atr_percentile=case["pct"][j],
            open_positions_symbol=len(case["held"]),
            open_positions_total=len(case["held"]),
            currency_exposure=exposure,
            recent_trades=case["trades"],
            headroom_money=case["headroom"],
            risk_budget_money=500.0,
            news=case["news"],
            adjustments=case["adjustments"],
        )
        for j in range(len(batch))
    ]
    fails = static_failures(
        evaluator,
        spec=spec,
        ts=np.array([s.ts for s in batch], dtype=np.int64),
        confidence=np.array([s.confidence for s in batch]),
        entry=np.array([s.entry for s in batch]),
        stop=np.array([s.stop for s in batch]),
        spread_points=np.array(case["spread"]),
        atr_percentile=np.array(case["pct"]),
        news=case["news"],
        news_rule_applies=contexts[0].news_rule_applies,
    )
    gate = quiet_gate(
        evaluator,
        trading_state=case["state"],
        open_positions_symbol=len(case["held"]),
        open_positions_total=len(case["held"]),
        currency_exposure=exposure,
        recent_trades=case["trades"],
        headroom_money=case["headroom"],
        risk_budget_money=500.0,
        adjustments=case["adjustments"],
    )
    for j, sig in enumerate(batch):
        codes = Counter(evaluate(sig, contexts[j], p).codes)
        static = Counter(code for code, bad in zip(STATIC_CODES, fails[j], strict=True) if bad)
        # every static failure is one of evaluate's reasons (a raised floor adds no code)
        assert static <= codes
        # evaluate's reasons that are static codes are exactly the static failures, except a
        # confidence below a floor that feedback raised (state-dependent)
        static_in_codes = Counter({c: n for c, n in codes.items() if c in STATIC_CODES})
        extra = static_in_codes - static
        assert set(extra) <= {"confidence_below_min"}
        if gate.quiet(sig.ts, sig.confidence):
            assert codes == static


def _quiet_context_gate(evaluator, **changes):
    fields = {
        "trading_state": "ACTIVE",
        "open_positions_symbol": 0,
        "open_positions_total": 0,
        "currency_exposure": None,
        "recent_trades": (),
        "headroom_money": math.inf,
        "risk_budget_money": 500.0,
        "adjustments": None,
    }
    fields.update(changes)
    return quiet_gate(evaluator, **fields)


def test_gate_is_open_in_a_plain_state_and_closed_by_each_state_dependent_check():
    ev = Evaluator(EvaluationParams())
    t = START + 600 * MIN
    assert _quiet_context_gate(ev).quiet(t, 0.1)
    assert not _quiet_context_gate(ev, trading_state="REDUCING").open
    assert not _quiet_context_gate(ev, open_positions_symbol=1, open_positions_total=1).open
    assert not _quiet_context_gate(ev, currency_exposure={"EUR": 1, "USD": -1}).open
    assert not _quiet_context_gate(ev, headroom_money=0.0).open
    # a headroom cap at 0.5 x budget leaves the floor (0.5) above min_multiplier 0
    assert _quiet_context_gate(ev, headroom_money=250.0).open
    floor = Evaluator(EvaluationParams(sizing=SizingAdjustment(min_multiplier=0.4)))
    assert not _quiet_context_gate(floor, headroom_money=150.0).open  # cap 0.3 <= 0.4
    # three losses, the last closed at t: paused for 60 minutes after it
    losses = tuple(TradeResult(t - k * MIN, -1.0) for k in (2, 1, 0))
    gate = _quiet_context_gate(ev, recent_trades=losses)
    assert gate == QuietGate(True, t + 60 * MIN, 0.0, 0.0)
    assert not gate.quiet(t + 59 * MIN, 0.1)
    assert gate.quiet(t + 60 * MIN, 0.1)
    # a win after them: no pause, but a signal before the last close waits for evaluate
    mixed = (*losses, TradeResult(t + MIN, 0.5))
    assert _quiet_context_gate(ev, recent_trades=mixed).ts_from == t + MIN
    # feedback raised the floor to 0.7: confidences in [0.6, 0.7) are state-dependent
    raised = _quiet_context_gate(ev, adjustments=FeedbackAdjustments(0.7, 1.5))
    assert (raised.conf_lo, raised.conf_hi) == (0.6, 0.7)
    assert raised.quiet(t, 0.5)
    assert not raised.quiet(t, 0.65)
    assert raised.quiet(t, 0.7)

import dataclasses
import math
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.clock import to_ns
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.sessions import SessionWindow
from mikrobot.core.signal import Signal
from mikrobot.strategy.context import EvaluationContext
from mikrobot.strategy.evaluation import DecisionMade, Evaluator, evaluate, risk_multiplier_for
from mikrobot.strategy.feedback import FeedbackAdjustments, TradeResult
from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent
from mikrobot.strategy.params import EvaluationParams

EURUSD = DEFAULT_SPECS["EURUSD"]
USDJPY = DEFAULT_SPECS["USDJPY"]
MIN = 60_000_000_000
# Wednesday 15 Jan 2025 14:00 UTC: London (08-17 UTC) and New York (13-22 UTC) both open
T = to_ns("2025-01-15T14:00:00Z")


def signal(confidence=0.8, ts=T, symbol="EURUSD", side="buy", entry=1.1000, stop_pips=10):
    pip = DEFAULT_SPECS[symbol].pip_size
    sign = 1 if side == "buy" else -1
    stop = entry - sign * stop_pips * pip
    target = entry + sign * 2 * stop_pips * pip
    return Signal(symbol, side, ts, entry, stop, target, confidence)


def context(**changes):
    base = {
        "spec": EURUSD,
        "spread_points": 8.0,  # 0.8 pip against a 10-pip stop: 0.08 of the stop
        "trading_state": "ACTIVE",
        "account_type": "standard",
        "phase": "challenge",
        "atr_percentile": 50.0,
    }
    base.update(changes)
    return EvaluationContext(**base)


def params(**sections):
    return EvaluationParams(**sections)


P = params()


def test_clean_signal_is_approved_with_every_check_run():
    d = evaluate(signal(), context(), P)
    assert d.approved
    assert d.reasons == ()
    assert d.checked == (
        "trading_state",
        "confidence",
        "sessions",
        "spread",
        "volatility",
        "positions",
        "exposure",
        "cooldown",
    )
    # 0.8 is halfway from 0.6 to 1.0: halfway from 0.5 to 1.5
    assert d.risk_multiplier == pytest.approx(1.0)
    assert d.adjustments[0].code == "risk_multiplier_from_confidence"


@pytest.mark.parametrize(
    ("confidence", "expected"), [(0.6, 0.5), (0.7, 0.75), (0.9, 1.25), (1.0, 1.5)]
)
def test_multiplier_is_linear_from_min_confidence_to_one(confidence, expected):
    assert evaluate(signal(confidence), context(), P).risk_multiplier == pytest.approx(expected)


def test_multiplier_helper_clamps_and_handles_a_minimum_of_one():
    assert risk_multiplier_for(0.3, 0.6, 0.5, 1.5) == 0.5
    assert risk_multiplier_for(0.99, 1.0, 0.5, 1.5) == 0.5
    assert risk_multiplier_for(1.0, 1.0, 0.5, 1.5) == 1.5


# ---------------------------------------------------------------------------- trading state
class State(Enum):  # shaped like mikrobot.risk's TradingState (lower-case values)
    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


@pytest.mark.parametrize("state", ["REDUCING", "HALTED", "halted", State.REDUCING])
def test_only_active_trading_state_passes(state):
    d = evaluate(signal(), context(trading_state=state), P)
    assert not d.approved
    assert d.codes == ("trading_state_not_active",)
    assert d.reasons[0].values["state"] in ("REDUCING", "HALTED")
    assert d.risk_multiplier == 0.0


def test_enum_active_state_is_accepted_and_bad_state_refused():
    assert evaluate(signal(), context(trading_state=State.ACTIVE), P).approved
    with pytest.raises(ValueError, match="trading_state"):
        context(trading_state="PAUSED")


# ---------------------------------------------------------------------------- confidence
def test_confidence_below_minimum_is_rejected_with_the_numbers():
    d = evaluate(signal(0.55), context(), P)
    assert d.codes == ("confidence_below_min",)
    assert d.reasons[0].values["confidence"] == 0.55
    assert d.reasons[0].values["min"] == 0.6


def test_confidence_at_the_minimum_passes():
    assert evaluate(signal(0.6), context(), P).approved


def test_feedback_raises_the_minimum_and_caps_the_multiplier():
    adj = FeedbackAdjustments(min_confidence=0.7, risk_multiplier_cap=1.0)
    d = evaluate(signal(0.65), context(adjustments=adj), P)
    assert d.codes == ("confidence_below_min",)
    assert d.reasons[0].values["min"] == 0.7
    d = evaluate(signal(1.0), context(adjustments=adj), P)
    assert d.approved
    assert d.risk_multiplier == 1.0
    assert d.adjustments[-1].code == "risk_multiplier_capped_by_feedback"
    assert d.adjustments[-1].values["before"] == pytest.approx(1.5)
    # a feedback minimum below the configured one never loosens it
    low = FeedbackAdjustments(min_confidence=0.5, risk_multiplier_cap=1.5)
    assert evaluate(signal(0.55), context(adjustments=low), P).codes == ("confidence_below_min",)


# ---------------------------------------------------------------------------- sessions
@pytest.mark.parametrize(
    ("when", "ok"),
    [
        ("2025-01-15T07:59:59Z", False),  # winter: London opens 08:00 UTC
        ("2025-01-15T08:00:00Z", True),
        ("2025-01-15T21:59:00Z", True),  # New York until 22:00 UTC in winter
        ("2025-01-15T22:00:00Z", False),
        ("2025-07-15T07:00:00Z", True),  # summer: London opens 07:00 UTC
        ("2025-07-15T21:00:00Z", False),  # summer: New York closes 21:00 UTC
        ("2025-03-12T12:30:00Z", True),  # US on DST, EU not yet: New York from 12:00 UTC
        ("2025-01-18T14:00:00Z", False),  # Saturday
    ],
)
def test_allowed_sessions_follow_each_centres_dst(when, ok):
    d = evaluate(signal(ts=to_ns(when)), context(), P)
    assert d.approved is ok
    if not ok:
        assert d.codes == ("outside_sessions",)
        assert d.reasons[0].values["allowed"] == "london,new_york"


def test_outside_sessions_reports_which_sessions_are_open():
    tokyo_time = to_ns("2025-01-15T02:00:00Z")  # Tokyo 11:00 local
    d = evaluate(signal(ts=tokyo_time), context(), P)
    assert d.codes == ("outside_sessions",)
    assert d.reasons[0].values["open"] == "sydney,tokyo"  # Sydney 13:00 local (AEDT)
    asia = params(sessions={"allowed": ("tokyo",)})
    assert evaluate(signal(ts=tokyo_time), context(), asia).approved


def test_custom_session_table_and_unknown_allowed_name():
    table = (SessionWindow("london", "Europe/London", 7 * 60, 8 * 60),)
    at_0730_local = to_ns("2025-01-15T07:30:00Z")
    assert evaluate(signal(ts=at_0730_local), context(), P, table).approved
    assert not evaluate(signal(), context(), P, table).approved
    with pytest.raises(ValueError, match="allowed sessions"):
        evaluate(signal(), context(), params(sessions={"allowed": ("mars",)}))


# ---------------------------------------------------------------------------- news
def calendar(*events):
    return NewsCalendar.from_events(events)


NFP = NewsEvent(T + 2 * MIN, "USD", Impact.HIGH, "Non-Farm Payrolls")


def funded(**changes):
    return context(phase="funded", news=calendar(NFP), **changes)


def test_news_blackout_on_funded_standard_account():
    d = evaluate(signal(), funded(), P)
    assert d.codes == ("news_blackout",)
    v = d.reasons[0].values
    assert (v["currency"], v["title"], v["impact"]) == ("USD", "Non-Farm Payrolls", "high")
    assert v["seconds_to_event"] == 120.0
    assert "news" in d.checked


def test_news_window_edges_are_inclusive():
    assert not evaluate(signal(ts=T), funded(), P).approved  # 2 min before
    assert evaluate(signal(ts=T - 1), funded(), P).approved  # 2 min + 1 ns before
    assert not evaluate(signal(ts=T + 4 * MIN), funded(), P).approved  # 2 min after
    assert evaluate(signal(ts=T + 4 * MIN + 1), funded(), P).approved


def test_news_rule_depends_on_account_type_and_phase():
    for phase in ("challenge", "verification"):
        d = evaluate(signal(), context(phase=phase, news=calendar(NFP)), P)
        assert d.approved
        assert "news" not in d.checked
    swing = context(phase="funded", account_type="swing", news=calendar(NFP))
    assert evaluate(signal(), swing, P).approved
    everywhere = params(news={"scope": "all"})
    assert evaluate(signal(), swing, everywhere).codes == ("news_blackout",)


def test_news_only_on_the_symbols_currencies_and_impact():
    other = calendar(NewsEvent(T, "JPY", Impact.HIGH, "BoJ"))
    assert evaluate(signal(), context(phase="funded", news=other), P).approved
    usdjpy = signal(symbol="USDJPY", entry=150.0)
    d = evaluate(usdjpy, context(spec=USDJPY, phase="funded", news=other), P)
    assert d.codes == ("news_blackout",)
    medium = calendar(NewsEvent(T, "EUR", Impact.MEDIUM, "PMI"))
    assert evaluate(signal(), context(phase="funded", news=medium), P).approved
    stricter = params(news={"min_impact": "medium"})
    assert evaluate(signal(), context(phase="funded", news=medium), stricter).codes == (
        "news_blackout",
    )
    everyone = calendar(NewsEvent(T, "ALL", Impact.HIGH, "G7"))
    assert not evaluate(signal(), context(phase="funded", news=everyone), P).approved


def test_news_calendar_missing_on_funded_account():
    d = evaluate(signal(), context(phase="funded"), P)
    assert d.codes == ("news_calendar_missing",)
    lax = params(news={"require_calendar": False})
    assert evaluate(signal(), context(phase="funded"), lax).approved
    assert evaluate(signal(), funded(), params(news={"enabled": False})).approved


def test_news_window_width_is_configurable():
    wide = params(news={"before_minutes": 30, "after_minutes": 30})
    early = signal(ts=T - 20 * MIN)
    assert evaluate(early, funded(), P).approved
    assert evaluate(early, funded(), wide).codes == ("news_blackout",)


# ---------------------------------------------------------------------------- spread
def test_spread_at_the_limit_passes_and_above_it_is_rejected():
    # 10-pip stop = 0.0010; 20 points = 0.0002 = exactly 0.2 of the stop
    assert evaluate(signal(), context(spread_points=20.0), P).approved
    d = evaluate(signal(), context(spread_points=21.0), P)
    assert d.codes == ("spread_too_wide",)
    v = d.reasons[0].values
    assert v["fraction"] == pytest.approx(0.21)
    assert v["spread"] == pytest.approx(0.00021)
    assert v["stop_distance"] == pytest.approx(0.0010)


def test_spread_in_points_uses_the_symbols_point():
    # USDJPY point 0.001: 25 points = 0.025 = 0.25 of a 10-pip (0.10) stop
    sig = signal(symbol="USDJPY", entry=150.0)
    assert evaluate(sig, context(spec=USDJPY, spread_points=25.0), P).codes == ("spread_too_wide",)
    assert evaluate(sig, context(spec=USDJPY, spread_points=15.0), P).approved


def test_unknown_spread_is_rejected():
    assert evaluate(signal(), context(spread_points=math.nan), P).codes == ("spread_unknown",)


# ---------------------------------------------------------------------------- volatility
@pytest.mark.parametrize(
    ("pct", "code"),
    [
        (None, "volatility_unknown"),
        (math.nan, "volatility_unknown"),
        (9.99, "volatility_too_low"),
        (95.01, "volatility_too_high"),
        (10.0, None),
        (95.0, None),
    ],
)
def test_volatility_regime(pct, code):
    d = evaluate(signal(), context(atr_percentile=pct), P)
    assert d.codes == ((code,) if code else ())


# ---------------------------------------------------------------------------- positions and exposure
def test_position_limits_per_symbol_and_total_are_both_reported():
    d = evaluate(signal(), context(open_positions_symbol=1, open_positions_total=3), P)
    assert d.codes == ("max_positions_symbol", "max_positions_total")
    assert d.reasons[1].values == {"open": 3, "max": 3}
    assert evaluate(signal(), context(open_positions_total=2), P).approved
    roomy = params(positions={"max_per_symbol": 2})
    assert evaluate(
        signal(), context(open_positions_symbol=1, open_positions_total=1), roomy
    ).approved


def test_currency_exposure_limit_blocks_only_increases():
    short_usd = {"USD": -2, "GBP": 1, "AUD": 1}  # e.g. long GBPUSD and AUDUSD
    d = evaluate(signal(side="buy"), context(currency_exposure=short_usd), P)  # USD -> -3
    assert d.codes == ("currency_exposure_limit",)
    assert d.reasons[0].values == {"currency": "USD", "exposure": -2, "after": -3, "max": 2}
    # selling EURUSD buys USD: it reduces the exposure
    assert evaluate(signal(side="sell"), context(currency_exposure=short_usd), P).approved
    long_eur = {"EUR": 2}
    assert evaluate(signal(side="buy"), context(currency_exposure=long_eur), P).codes == (
        "currency_exposure_limit",
    )


# ---------------------------------------------------------------------------- cool-down
def losses(*minutes_before, r=-1.0):
    return tuple(TradeResult(T - m * MIN, r) for m in sorted(minutes_before, reverse=True))


def test_cooldown_after_three_consecutive_losses():
    d = evaluate(signal(), context(recent_trades=losses(90, 60, 30)), P)
    assert d.codes == ("cooldown_active",)
    v = d.reasons[0].values
    assert v["consecutive_losses"] == 3
    assert v["minutes_left"] == 30.0
    assert v["until_ts"] == T + 30 * MIN


def test_cooldown_ends_after_its_minutes_and_needs_the_full_streak():
    assert evaluate(signal(), context(recent_trades=losses(120, 90, 60)), P).approved
    assert evaluate(signal(), context(recent_trades=losses(60, 30)), P).approved
    win_between = (*losses(90, 60), TradeResult(T - 45 * MIN, 2.0), *losses(30))
    assert evaluate(signal(), context(recent_trades=win_between), P).approved
    scratch_between = (*losses(90, 60), TradeResult(T - 45 * MIN, 0.0), *losses(30))
    assert evaluate(signal(), context(recent_trades=scratch_between), P).approved


def test_cooldown_ignores_trades_closed_after_the_signal():
    later = (*losses(90, 60), TradeResult(T + MIN, -1.0))
    assert evaluate(signal(), context(recent_trades=later), P).approved
    custom = params(cooldown={"losses": 2, "minutes": 120})
    assert evaluate(signal(), context(recent_trades=later), custom).codes == ("cooldown_active",)


# ---------------------------------------------------------------------------- headroom
def test_headroom_caps_the_multiplier_so_risk_fits():
    # budget 500 at multiplier 1; 400 of room: multiplier at most 0.8
    d = evaluate(signal(1.0), context(headroom_money=400.0, risk_budget_money=500.0), P)
    assert d.approved
    assert d.risk_multiplier == pytest.approx(0.8)
    assert d.adjustments[-1].code == "risk_multiplier_capped_by_headroom"
    assert d.adjustments[-1].values["before"] == pytest.approx(1.5)
    roomy = evaluate(signal(1.0), context(headroom_money=5000.0, risk_budget_money=500.0), P)
    assert roomy.risk_multiplier == pytest.approx(1.5)
    assert "headroom" in roomy.checked
    off = params(sizing={"headroom_cap": False})
    assert evaluate(
        signal(1.0), context(headroom_money=400.0, risk_budget_money=500.0), off
    ).risk_multiplier == pytest.approx(1.5)


def test_no_headroom_is_a_rejection():
    d = evaluate(signal(), context(headroom_money=0.0, risk_budget_money=500.0), P)
    assert d.codes == ("prop_firm_headroom_exhausted",)
    with pytest.raises(ValueError, match="risk_budget_money"):
        context(headroom_money=100.0)


def test_min_multiplier_rejects_a_sliver_of_a_trade():
    tiny = context(headroom_money=50.0, risk_budget_money=500.0)  # cap 0.1
    assert evaluate(signal(), tiny, P).approved
    d = evaluate(signal(), tiny, params(sizing={"min_multiplier": 0.25}))
    assert d.codes == ("risk_multiplier_below_min",)
    assert d.reasons[0].values["multiplier"] == pytest.approx(0.1)


# ---------------------------------------------------------------------------- all together
def test_every_failing_check_is_reported_in_order():
    ctx = context(
        trading_state="HALTED",
        spread_points=100.0,
        atr_percentile=99.0,
        open_positions_symbol=1,
        open_positions_total=3,
        currency_exposure={"EUR": 2},
        recent_trades=losses(30, 20, 10),
        phase="funded",
        news=calendar(NFP),
        headroom_money=-1.0,
        risk_budget_money=100.0,
    )
    d = evaluate(signal(0.5, ts=to_ns("2025-01-15T14:00:00Z")), ctx, P)
    assert d.codes == (
        "trading_state_not_active",
        "confidence_below_min",
        "news_blackout",
        "spread_too_wide",
        "volatility_too_high",
        "max_positions_symbol",
        "max_positions_total",
        "currency_exposure_limit",
        "cooldown_active",
        "prop_firm_headroom_exhausted",
    )
    night = evaluate(signal(0.5, ts=to_ns("2025-01-15T23:00:00Z")), ctx, P)
    assert "outside_sessions" in night.codes


def test_disabled_checks_do_not_run():
    off = {"enabled": False}
    everything_off = params(
        confidence=off,
        sessions=off,
        news=off,
        spread=off,
        volatility=off,
        positions=off,
        exposure=off,
        trading_state=off,
        cooldown=off,
        sizing={"headroom_cap": False},
    )
    ctx = context(
        trading_state="HALTED",
        spread_points=math.nan,
        atr_percentile=None,
        open_positions_symbol=5,
        open_positions_total=9,
        currency_exposure={"EUR": 9},
        recent_trades=losses(3, 2, 1),
        phase="funded",
        headroom_money=-5.0,
        risk_budget_money=1.0,
    )
    d = evaluate(signal(0.1, ts=to_ns("2025-01-18T03:00:00Z")), ctx, everything_off)
    assert d.approved
    assert d.checked == ()
    assert d.risk_multiplier == 0.5  # clamped at the low end below the minimum


def test_evaluate_keeps_working_past_its_cache_of_parameter_sets():
    many = [params(confidence={"minimum": 0.5 + i / 1000}) for i in range(70)]
    assert all(evaluate(signal(0.7), context(), p).approved for p in many)
    assert not evaluate(signal(0.7), context(), params(confidence={"minimum": 0.75})).approved


def test_spec_must_match_the_signal():
    with pytest.raises(ValueError, match="USDJPY"):
        evaluate(signal(), context(spec=USDJPY), P)
    broker_name = Signal("EURUSD.a", "buy", T, 1.1, 1.099, 1.102, 0.8)
    assert evaluate(broker_name, context(), P).approved


def test_decision_event_carries_the_signal_ids():
    sig = signal(0.5)
    d = evaluate(sig, context(), P)
    event = d.to_event(sig)
    assert isinstance(event, DecisionMade)
    assert (event.correlation_id, event.causation_id, event.ts) == (
        sig.correlation_id,
        sig.signal_id,
        sig.ts,
    )
    record = event.to_dict()
    assert record["kind"] == "decision"
    assert record["reasons"][0]["code"] == "confidence_below_min"
    assert d.to_dict()["reasons"] == record["reasons"]


# ---------------------------------------------------------------------------- properties
contexts = st.builds(
    lambda state, spread, pct, sym, tot, eur, usd, n_loss, headroom, conf_adj: context(
        trading_state=state,
        spread_points=spread,
        atr_percentile=pct,
        open_positions_symbol=min(sym, tot),
        open_positions_total=tot,
        currency_exposure={"EUR": eur, "USD": usd},
        recent_trades=losses(*range(10, 10 * n_loss + 1, 10)),
        headroom_money=headroom,
        risk_budget_money=500.0,
        adjustments=conf_adj,
    ),
    st.sampled_from(["ACTIVE", "REDUCING", "HALTED"]),
    st.floats(0, 40),
    st.one_of(st.none(), st.floats(0, 100)),
    st.integers(0, 2),
    st.integers(0, 4),
    st.integers(-3, 3),
    st.integers(-3, 3),
    st.integers(0, 4),
    st.one_of(st.just(math.inf), st.floats(-100, 2000)),
    st.one_of(
        st.none(),
        st.builds(FeedbackAdjustments, st.floats(0.6, 0.8), st.floats(0.5, 1.5)),
    ),
)


@given(
    ctx=contexts,
    confidence=st.floats(0, 1),
    minutes=st.integers(0, 7 * 24 * 60),
)
def test_evaluate_is_deterministic_and_consistent(ctx, confidence, minutes):
    sig = signal(confidence, ts=to_ns("2025-01-13T00:00:00Z") + minutes * MIN)
    first = evaluate(sig, ctx, P)
    again = evaluate(sig, ctx, P)
    # equal inputs built afresh (new objects, same values) give an equal decision
    fresh = evaluate(
        dataclasses.replace(sig),
        dataclasses.replace(ctx),
        EvaluationParams.model_validate(P.model_dump()),
    )
    assert first == again == fresh
    assert first == Evaluator(P)(sig, ctx)
    assert first.approved == (first.reasons == ())
    if first.approved:
        assert 0.0 < first.risk_multiplier <= 1.5
        if ctx.adjustments is not None:
            assert first.risk_multiplier <= ctx.adjustments.risk_multiplier_cap
        if math.isfinite(ctx.headroom_money):
            # the planned risk fits the headroom
            assert first.risk_multiplier * 500.0 <= ctx.headroom_money * (1 + 1e-12)
    else:
        assert first.risk_multiplier == 0.0

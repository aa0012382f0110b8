import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.strategy.feedback import (
    FeedbackAdjusted,
    TradeResult,
    initial_state,
    record_trade,
    replay_trades,
    rolling_stats,
)
from mikrobot.strategy.params import FeedbackParams

P = FeedbackParams()


def trades(*rs, start=0):
    return [
        TradeResult(start + i, float(r), correlation_id=f"c{start + i}") for i, r in enumerate(rs)
    ]


def run(state, rs, params=P, start=0):
    state, events = replay_trades(trades(*rs, start=start), params, state)
    return state, list(events)


def test_rolling_statistics_by_hand():
    s = rolling_stats(trades(2, -1, -1, 0, 1.5))
    assert s.n == 5
    assert s.win_rate == pytest.approx(0.4)
    # wins average 1.75 R, losses 1 R: 0.4 * 1.75 - 0.4 * 1 = 0.3
    assert s.expectancy == pytest.approx(0.3)
    assert s.avg_r == pytest.approx(1.5 / 5)
    assert s.profit_factor == pytest.approx(3.5 / 2)
    assert s.consecutive_losses == 0
    assert rolling_stats(trades(1, -1, 0, -1, -2)).consecutive_losses == 2
    assert rolling_stats(trades(1, 2)).profit_factor == math.inf
    assert rolling_stats(trades(-1)).profit_factor == 0.0
    assert math.isnan(rolling_stats(trades(0, 0)).profit_factor)
    empty = rolling_stats([])
    assert empty.n == 0
    assert math.isnan(empty.expectancy)


def test_negative_expectancy_tightens_step_by_step_up_to_the_bounds():
    state = initial_state(P, 0.6, 1.5)
    state, events = run(state, [-1])
    assert (state.min_confidence, state.risk_multiplier_cap) == (0.65, 1.25)
    assert [(e.parameter, e.before, e.after) for e in events] == [
        ("min_confidence", 0.6, 0.65),
        ("risk_multiplier_cap", 1.5, 1.25),
    ]
    assert events[0].reason.code == "expectancy_below_threshold"
    assert events[0].reason.values["expectancy"] == -1.0
    assert events[0].correlation_id == "c0"
    state, events = run(state, [-1, -1, -1, -1, -1], start=1)
    assert (state.min_confidence, state.risk_multiplier_cap) == (0.8, 0.5)
    assert len(events) == 6  # three more steps each, then held at the bounds
    assert state.adjustments.min_confidence == 0.8


def test_positive_expectancy_relaxes_only_with_a_full_window():
    state, _ = run(initial_state(P, 0.6, 1.5), [-1] * 4)
    assert (state.min_confidence, state.risk_multiplier_cap) == (0.8, 0.5)
    # 25 wins: 29 trades, expectancy 21/29 > 0.3, but fewer than 30 trades: no change
    state, events = run(state, [1] * 25, start=4)
    assert events == []
    # the 26th win fills the window (4 losses + 26 wins): one step back
    state, events = run(state, [1], start=29)
    assert [(e.parameter, e.before, e.after) for e in events] == [
        ("min_confidence", 0.8, 0.75),
        ("risk_multiplier_cap", 0.5, 0.75),
    ]
    assert events[0].reason.code == "expectancy_above_threshold"
    state, events = run(state, [1] * 5, start=30)
    assert (state.min_confidence, state.risk_multiplier_cap) == (0.6, 1.5)
    assert len(events) == 6  # three more steps each, then held at the defaults


def test_expectancy_between_thresholds_changes_nothing():
    state, _ = run(initial_state(P, 0.6, 1.5), [-1])
    state, events = run(state, [1.2] + [0.2, 0.0] * 20, start=1)
    # 1 R of wins against 1 R of losses, then +0.1 R a trade: never below 0, never above 0.3
    assert events == []
    assert (state.min_confidence, state.risk_multiplier_cap) == (0.65, 1.25)


def test_switched_off_means_no_adjustments_and_no_events():
    off = FeedbackParams(enabled=False)
    state, events = run(initial_state(off, 0.6, 1.5), [-1] * 10, params=off)
    assert events == []
    assert (state.min_confidence, state.risk_multiplier_cap) == (0.6, 1.5)
    assert state.stats.n == 10


def test_window_keeps_only_the_last_n_trades_and_order_is_enforced():
    small = FeedbackParams(window=3)
    state, _ = run(initial_state(small, 0.6, 1.5), [5, -1, -1, -1], params=small)
    assert [t.r_multiple for t in state.results] == [-1.0, -1.0, -1.0]
    assert state.stats.consecutive_losses == 3
    with pytest.raises(ValueError, match="close-time order"):
        record_trade(state, TradeResult(0, 1.0), small)


def test_initial_state_refuses_defaults_outside_the_bounds():
    with pytest.raises(ValueError, match="confidence_max"):
        initial_state(P, 0.9, 1.5)
    with pytest.raises(ValueError, match="cap_min"):
        initial_state(P, 0.6, 0.4)
    with pytest.raises(ValueError, match="finite"):
        TradeResult(0, math.nan)


def test_event_record_is_json_ready():
    _, events = run(initial_state(P, 0.6, 1.5), [-1])
    record = events[0].to_dict()
    assert record["kind"] == "feedback_adjusted"
    assert (record["parameter"], record["before"], record["after"]) == ("min_confidence", 0.6, 0.65)
    assert record["reason"]["code"] == "expectancy_below_threshold"


@st.composite
def setups(draw):
    conf_max = draw(st.floats(0.0, 1.0))
    cap_min = draw(st.floats(0.05, 3.0))
    params = FeedbackParams(
        enabled=draw(st.booleans()),
        window=draw(st.integers(1, 40)),
        tighten_below=draw(st.floats(-0.5, 0.2)),
        relax_above=draw(st.floats(0.2, 1.0)),
        confidence_step=draw(st.floats(0.001, 0.3)),
        confidence_max=conf_max,
        cap_step=draw(st.floats(0.001, 1.0)),
        cap_min=cap_min,
    )
    return params, draw(st.floats(0.0, conf_max)), draw(st.floats(cap_min, 5.0))


@given(
    setup=setups(),
    rs=st.lists(st.one_of(st.just(0.0), st.floats(-3.0, 5.0, allow_subnormal=False)), max_size=150),
)
def test_limits_never_leave_their_bounds_and_every_change_is_an_event(setup, rs):
    params, default_conf, default_cap = setup
    state = initial_state(params, default_conf, default_cap)
    all_events = []
    for i, r in enumerate(rs):
        before = state
        update = record_trade(state, TradeResult(i, r), params)
        state = update.state
        assert default_conf <= state.min_confidence <= params.confidence_max
        assert params.cap_min <= state.risk_multiplier_cap <= default_cap
        assert update.stats.n == min(i + 1, params.window)
        by_name = {e.parameter: e for e in update.events}
        assert len(by_name) == len(update.events)
        assert all(isinstance(e, FeedbackAdjusted) for e in update.events)
        for name in ("min_confidence", "risk_multiplier_cap"):
            old, new = getattr(before, name), getattr(state, name)
            if name in by_name:
                event = by_name[name]
                assert (event.before, event.after) == (old, new)
                assert old != new
            else:
                assert old == new
        if not params.enabled:
            assert update.events == ()
        all_events.extend(update.events)
    # replaying the same trades gives the same limits and the same changes
    replayed, events = replay_trades(
        [TradeResult(i, r) for i, r in enumerate(rs)],
        params,
        initial_state(params, default_conf, default_cap),
    )
    assert (replayed.min_confidence, replayed.risk_multiplier_cap) == (
        state.min_confidence,
        state.risk_multiplier_cap,
    )
    assert [(e.parameter, e.before, e.after) for e in events] == [
        (e.parameter, e.before, e.after) for e in all_events
    ]

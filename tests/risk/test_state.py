"""The trading-state gate: who may change it, its events, and its persistence."""

import dataclasses
import json

import pytest

from mikrobot.core import DEFAULT_SPECS
from mikrobot.core.events import Reason
from mikrobot.risk import PropFirmAccount, StateGate, TradingState, TradingStateChanged
from mikrobot.risk.events import Actor, event_from_dict
from tests.risk.helpers import prague

ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED
WHY = Reason("safety_buffer", "near the floor", {"headroom": 450.0, "floor": 95_000.0})


def test_rule_transitions_and_halted_needs_an_operator():
    gate = StateGate()
    assert gate.state is ACTIVE
    assert gate.set_by is None
    assert gate.allows_entries
    e1 = gate.apply_rule(1, REDUCING, WHY)
    assert (e1.from_state, e1.to_state, e1.actor, e1.reason) == (ACTIVE, REDUCING, Actor.RULE, WHY)
    assert not gate.allows_entries
    assert gate.apply_rule(2, REDUCING, WHY) is None  # no change, no event
    assert gate.apply_rule(3, ACTIVE, Reason("headroom_restored")).to_state is ACTIVE
    assert gate.apply_rule(4, HALTED, Reason("hard_buffer")).to_state is HALTED
    assert gate.apply_rule(5, ACTIVE, Reason("headroom_restored")) is None
    assert gate.apply_rule(6, REDUCING, WHY) is None
    assert gate.state is HALTED
    resumed = gate.resume(7, operator="alice")
    assert resumed.actor is Actor.OPERATOR
    assert resumed.operator == "alice"
    assert resumed.reason.code == "operator_resume"
    assert gate.state is ACTIVE
    assert [e.to_state for e in gate.events] == [REDUCING, ACTIVE, HALTED, ACTIVE]


def test_operator_pause_is_kept_until_an_operator_lifts_it():
    gate = StateGate()
    gate.command(1, REDUCING, Reason("operator_pause"), operator="bob")
    assert gate.apply_rule(2, ACTIVE, Reason("headroom_restored")) is None
    assert gate.state is REDUCING
    assert gate.apply_rule(3, HALTED, Reason("hard_buffer")) is not None  # rules may escalate
    with pytest.raises(ValueError, match="operator"):
        gate.command(4, ACTIVE, Reason("x"), operator="")


def test_events_are_immutable_and_ordered():
    gate = StateGate()
    event = gate.apply_rule(10, REDUCING, WHY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.to_state = HALTED
    with pytest.raises(ValueError, match="older"):
        gate.apply_rule(5, HALTED, WHY)
    with pytest.raises(TypeError, match="Reason"):
        gate.apply_rule(11, HALTED, "hard buffer")
    assert event.event_id
    assert event.to_dict()["reason"] == WHY.to_dict()
    assert event.to_dict()["to_state"] == "reducing"
    assert event_from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_saved_state_loads_back_unchanged(tmp_path):
    gate = StateGate()
    gate.apply_rule(1, REDUCING, WHY, correlation_id="sig-1")
    gate.apply_rule(2, HALTED, Reason("hard_buffer", values={"equity": 95_150.25, "note": None}))
    gate.resume(3, operator="alice", reason=Reason("operator_resume", "checked", {"by": "alice"}))
    path = gate.save(tmp_path / "state" / "gate.json")
    loaded = StateGate.load(path)
    assert loaded == gate
    assert loaded.state is gate.state
    assert loaded.events == gate.events
    assert loaded.events[0].correlation_id == "sig-1"
    assert all(isinstance(e, TradingStateChanged) for e in loaded.events)
    assert [p.name for p in path.parent.iterdir()] == ["gate.json"]  # no temporary left over
    # an unchanged gate with a different initial state is not equal
    assert StateGate(HALTED) != StateGate()


def test_loading_refuses_an_inconsistent_or_broken_file(tmp_path):
    gate = StateGate()
    gate.apply_rule(1, REDUCING, WHY)
    gate.apply_rule(2, HALTED, WHY)
    data = gate.to_dict()
    del data["events"][0]  # history now starts from REDUCING while the initial state is ACTIVE
    with pytest.raises(ValueError, match="inconsistent"):
        StateGate.from_dict(data)
    bad = tmp_path / "gate.json"
    bad.write_text('{"format": 1, "initial": "active", "events": [', encoding="utf-8")
    with pytest.raises(ValueError, match=r"gate\.json: line 1"):
        StateGate.load(bad)


def test_account_snapshot_round_trips(tmp_path):
    eurusd = DEFAULT_SPECS["EURUSD"]
    acc = PropFirmAccount.from_preset("ftmo-1step", initial_balance=100_000, safety_buffer=0.006)
    acc.update(prague("2025-01-13 09:00"), balance=100_000, equity=100_000)
    acc.record_open(prague("2025-01-13 10:00"), "p1", eurusd, loss_at_stop=250.5)
    acc.update(prague("2025-01-13 22:00"), balance=104_000, equity=103_900)
    acc.update(
        prague("2025-01-14 09:00"), balance=104_000, equity=101_500
    )  # 500 above 101,000 < 600: reduces
    loaded = PropFirmAccount.load(acc.save(tmp_path / "account.json"))
    assert loaded == acc
    assert loaded.overall_floor == acc.overall_floor == 94_000
    assert loaded.state is acc.state is REDUCING
    assert loaded.trading_dates == acc.trading_dates
    assert loaded.open_positions == acc.open_positions
    assert loaded.history == acc.history
    # and it carries on identically
    for a in (acc, loaded):
        a.update(prague("2025-01-15 09:00"), balance=104_000, equity=104_000)
    assert loaded.daily_floor == acc.daily_floor == 101_000
    assert loaded.state is acc.state is ACTIVE

"""Risk events and parameters round-trip through JSON; risk imports only mikrobot.core."""

import ast
import json
from pathlib import Path

import pytest

from mikrobot.core.events import Reason
from mikrobot.risk import (
    FlattenRequested,
    PropFirmBreached,
    PropFirmParams,
    PropFirmSelection,
    SizingParams,
    TradingDayRolled,
    TradingState,
    TradingStateChanged,
)
from mikrobot.risk.events import Actor, event_from_dict

REASON = Reason(
    "max_daily_loss", "lost", {"equity": 96_900.0, "floor": 97_000.0, "symbol": "EURUSD"}
)


@pytest.mark.parametrize(
    "event",
    [
        TradingStateChanged(
            ts=1,
            from_state=TradingState.ACTIVE,
            to_state=TradingState.HALTED,
            reason=REASON,
            actor=Actor.OPERATOR,
            operator="alice",
            correlation_id="c1",
            causation_id="e0",
        ),
        FlattenRequested(ts=2, reason=REASON, symbols=("EURUSD", "XAUUSD")),
        PropFirmBreached(ts=3, reason=REASON),
        TradingDayRolled(
            ts=4,
            day="2025-01-14",
            midnight_balance=102_000.0,
            previous_day_pnl=2_000.0,
            daily_floor=97_000.0,
            overall_floor=90_000.0,
        ),
    ],
)
def test_every_risk_event_round_trips_through_json(event):
    record = json.loads(json.dumps(event.to_dict()))
    assert record["kind"] == event.kind
    assert event_from_dict(record) == event


def test_unknown_event_kind_is_refused():
    with pytest.raises(ValueError, match="unknown risk event kind"):
        event_from_dict({"kind": "signal", "ts": 1})


def test_params_round_trip_for_config_embedding():
    for model in (
        SizingParams(risk_per_trade=0.003, kelly_enabled=True),
        PropFirmParams.from_preset("ftmo-1step", safety_buffer=0.007),
        PropFirmSelection(
            preset="ftmo-2step-verification-swing",
            initial_balance=25_000,
            overrides={"hard_buffer": 0.001},
        ),
    ):
        data = json.loads(model.model_dump_json())
        assert type(model).model_validate(data) == model


def test_selection_refuses_unknown_preset_and_values():
    with pytest.raises(ValueError, match="unknown prop-firm preset"):
        PropFirmSelection(preset="ftmo-2step")
    with pytest.raises(ValueError, match="initial_balance"):
        PropFirmSelection(initial_balance=-5)
    with pytest.raises(ValueError, match="extra"):
        PropFirmSelection(presett="ftmo-1step")


def test_risk_imports_only_core_and_itself():
    package = Path(__file__).resolve().parents[2] / "mikrobot" / "risk"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("mikrobot"):
                    assert name.startswith(("mikrobot.core", "mikrobot.risk")), (path.name, name)

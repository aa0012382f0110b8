"""Risk: position sizing, prop-firm rules (FTMO presets) and the trading-state gate.

Imports only :mod:`mikrobot.core`. The floor arithmetic lives in :mod:`mikrobot.risk.floors`
as plain scalar functions the backtester mirrors.

Names load their module on first use, so importing ``mikrobot.risk.params`` (as the settings
do) does not load the prop-firm account, its events and the restrictions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mikrobot.risk.events import (
        Actor,
        FlattenRequested,
        PropFirmBreached,
        TradingDayRolled,
        TradingState,
        TradingStateChanged,
    )
    from mikrobot.risk.params import PropFirmParams, PropFirmSelection, SizingParams
    from mikrobot.risk.presets import PRESETS, preset_names
    from mikrobot.risk.propfirm import OpenPosition, OrderDecision, PropFirmAccount
    from mikrobot.risk.restrictions import (
        BlackoutWindow,
        MarketBreak,
        blackout_around,
        weekend_break,
    )
    from mikrobot.risk.sizing import KellyStats, SizingResult, order_loss_at_stop, size_position
    from mikrobot.risk.state import StateGate

_EXPORTS = {
    "Actor": "mikrobot.risk.events",
    "FlattenRequested": "mikrobot.risk.events",
    "PropFirmBreached": "mikrobot.risk.events",
    "TradingDayRolled": "mikrobot.risk.events",
    "TradingState": "mikrobot.risk.events",
    "TradingStateChanged": "mikrobot.risk.events",
    "PropFirmParams": "mikrobot.risk.params",
    "PropFirmSelection": "mikrobot.risk.params",
    "SizingParams": "mikrobot.risk.params",
    "PRESETS": "mikrobot.risk.presets",
    "preset_names": "mikrobot.risk.presets",
    "OpenPosition": "mikrobot.risk.propfirm",
    "OrderDecision": "mikrobot.risk.propfirm",
    "PropFirmAccount": "mikrobot.risk.propfirm",
    "BlackoutWindow": "mikrobot.risk.restrictions",
    "MarketBreak": "mikrobot.risk.restrictions",
    "blackout_around": "mikrobot.risk.restrictions",
    "weekend_break": "mikrobot.risk.restrictions",
    "KellyStats": "mikrobot.risk.sizing",
    "SizingResult": "mikrobot.risk.sizing",
    "order_loss_at_stop": "mikrobot.risk.sizing",
    "size_position": "mikrobot.risk.sizing",
    "StateGate": "mikrobot.risk.state",
}

__all__ = [
    "PRESETS",
    "Actor",
    "BlackoutWindow",
    "FlattenRequested",
    "KellyStats",
    "MarketBreak",
    "OpenPosition",
    "OrderDecision",
    "PropFirmAccount",
    "PropFirmBreached",
    "PropFirmParams",
    "PropFirmSelection",
    "SizingParams",
    "SizingResult",
    "StateGate",
    "TradingDayRolled",
    "TradingState",
    "TradingStateChanged",
    "blackout_around",
    "order_loss_at_stop",
    "preset_names",
    "size_position",
    "weekend_break",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mikrobot.risk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

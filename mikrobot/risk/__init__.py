"""Risk: position sizing, prop-firm rules (FTMO presets) and the trading-state gate.

Imports only :mod:`mikrobot.core`. The floor arithmetic lives in :mod:`mikrobot.risk.floors`
as plain scalar functions the backtester mirrors.
"""

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
from mikrobot.risk.restrictions import BlackoutWindow, MarketBreak, blackout_around, weekend_break
from mikrobot.risk.sizing import KellyStats, SizingResult, order_loss_at_stop, size_position
from mikrobot.risk.state import StateGate

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

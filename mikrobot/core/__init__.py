"""Value types shared by every part of mikrobot. Imports only the standard library and numpy."""

from mikrobot.core.clock import Clock, LiveClock, SimulatedClock, to_datetime, to_ns
from mikrobot.core.errors import (
    ConfigError,
    DataError,
    HaltTrading,
    MikrobotError,
    Rejected,
    TemporaryError,
    UnknownSymbolError,
)
from mikrobot.core.instruments import DEFAULT_SPECS, SymbolRegistry, canonical_name, spec_from_mt5
from mikrobot.core.side import Side
from mikrobot.core.symbol import AssetClass, SymbolSpec
from mikrobot.core.timeframe import Timeframe

__all__ = [
    "DEFAULT_SPECS",
    "AssetClass",
    "Clock",
    "ConfigError",
    "DataError",
    "HaltTrading",
    "LiveClock",
    "MikrobotError",
    "Rejected",
    "Side",
    "SimulatedClock",
    "SymbolRegistry",
    "SymbolSpec",
    "TemporaryError",
    "Timeframe",
    "UnknownSymbolError",
    "canonical_name",
    "spec_from_mt5",
    "to_datetime",
    "to_ns",
]

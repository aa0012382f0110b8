"""Backtesting on M1 bars: a numba simulation of fills, costs, stops and targets, position
sizing and prop-firm rules, driven by structure setups (:func:`run_setups`) or by any boolean
signals (:func:`run_signals`), with a trade list, curves and statistics
(:class:`BacktestResult`); look-ahead checks in :mod:`mikrobot.backtest.lookahead`.

Names load their module on first use, so importing one part (the setups driver, say) does not
load the others (the engine-check drivers and their kernels).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mikrobot.backtest.check import backtesting_compat, run_signals, run_sma_cross, unit_spec
    from mikrobot.backtest.driver import run_setups
    from mikrobot.backtest.engine import Market, Simulation
    from mikrobot.backtest.params import BacktestParams, SlippageParams
    from mikrobot.backtest.result import BacktestResult
    from mikrobot.backtest.stats import Stats

_EXPORTS = {
    "BacktestParams": "mikrobot.backtest.params",
    "BacktestResult": "mikrobot.backtest.result",
    "Market": "mikrobot.backtest.engine",
    "Simulation": "mikrobot.backtest.engine",
    "SlippageParams": "mikrobot.backtest.params",
    "Stats": "mikrobot.backtest.stats",
    "backtesting_compat": "mikrobot.backtest.check",
    "run_setups": "mikrobot.backtest.driver",
    "run_signals": "mikrobot.backtest.check",
    "run_sma_cross": "mikrobot.backtest.check",
    "unit_spec": "mikrobot.backtest.check",
}

__all__ = [
    "BacktestParams",
    "BacktestResult",
    "Market",
    "Simulation",
    "SlippageParams",
    "Stats",
    "backtesting_compat",
    "run_setups",
    "run_signals",
    "run_sma_cross",
    "unit_spec",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mikrobot.backtest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

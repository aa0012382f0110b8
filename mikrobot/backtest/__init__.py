"""Backtesting on M1 bars: a numba simulation of fills, costs, stops and targets, position
sizing and prop-firm rules, driven by structure setups (:func:`run_setups`) or by any boolean
signals (:func:`run_signals`), with a trade list, curves and statistics
(:class:`BacktestResult`); look-ahead checks in :mod:`mikrobot.backtest.lookahead`."""

from mikrobot.backtest.check import backtesting_compat, run_signals, run_sma_cross, unit_spec
from mikrobot.backtest.driver import run_setups
from mikrobot.backtest.engine import Market, Simulation
from mikrobot.backtest.params import BacktestParams, SlippageParams
from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.stats import Stats

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

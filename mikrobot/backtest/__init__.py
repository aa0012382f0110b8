"""Backtesting on M1 bars: simulation, statistics, reports and look-ahead checks."""

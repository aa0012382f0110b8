"""The backtest package's edges: import rules and input errors that say what to do."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from mikrobot.backtest import BacktestParams, run_signals
from mikrobot.risk.params import SizingParams

from .helpers import EURUSD, bars, flat, mask

ALLOWED = ("core", "data", "structure", "strategy", "risk", "obs", "backtest")


def test_backtest_imports_only_what_design_allows():
    package = Path(__file__).resolve().parents[2] / "mikrobot" / "backtest"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("mikrobot."):
                    assert name.split(".")[1] in ALLOWED, (path.name, name)


def test_bad_signal_inputs_name_the_fix():
    b = bars(flat(1.1, 5))
    with pytest.raises(ValueError, match="one boolean per bar"):
        run_signals(b, np.zeros(4, bool), spec=EURUSD)
    with pytest.raises(ValueError, match="keep one signal per bar"):
        run_signals(b, mask(5, 1), short_entries=mask(5, 1), spec=EURUSD)
    with pytest.raises(ValueError, match="not both"):
        run_signals(b, mask(5, 1), sl=0.001, sl_pct=0.01, spec=EURUSD)
    with pytest.raises(ValueError, match="strictly increasing"):
        run_signals(b.iloc[::-1], mask(5, 1), spec=EURUSD)
    with pytest.raises(ValueError, match="kelly_enabled"):
        BacktestParams(sizing=SizingParams(kelly_enabled=True))
    with pytest.raises(ValueError, match="extra"):
        BacktestParams(polcy="optimistic")

import math

import numpy as np
import pytest

from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.side import Side
from mikrobot.strategy.context import (
    EvaluationContext,
    atr_percentile,
    currency_deltas,
    exposure_from_positions,
)

EURUSD, GBPUSD, XAUUSD = DEFAULT_SPECS["EURUSD"], DEFAULT_SPECS["GBPUSD"], DEFAULT_SPECS["XAUUSD"]


def test_atr_percentile_is_the_mean_rank():
    history = np.arange(1.0, 101.0)  # 1..100
    assert atr_percentile(50.5, history) == 50.0  # 50 below
    assert atr_percentile(50.0, history) == 49.5  # 49 below, 1 equal
    assert atr_percentile(0.5, history) == 0.0
    assert atr_percentile(1000.0, history) == 100.0
    assert atr_percentile(2.0, [1.0, math.nan, 3.0]) == 50.0  # nan ignored
    assert math.isnan(atr_percentile(1.0, []))
    assert math.isnan(atr_percentile(math.nan, history))


def test_currency_exposure_of_positions():
    assert currency_deltas(EURUSD, Side.BUY) == (("EUR", 1), ("USD", -1))
    assert currency_deltas(XAUUSD, "sell") == (("XAU", -1), ("USD", 1))
    positions = [(EURUSD, Side.BUY), (GBPUSD, Side.BUY), (EURUSD, Side.SELL)]
    assert exposure_from_positions(positions) == {"GBP": 1, "USD": -1}


def test_context_validates_its_inputs():
    base = {"spec": EURUSD, "spread_points": 5.0, "trading_state": "ACTIVE"}
    ok = EvaluationContext(**base, account_type="swing", phase="funded")
    assert not ok.news_rule_applies
    assert EvaluationContext(**base, account_type="standard", phase="funded").news_rule_applies
    with pytest.raises(ValueError, match="account_type"):
        EvaluationContext(**base, account_type="aggressive", phase="funded")
    with pytest.raises(ValueError, match="phase"):
        EvaluationContext(**base, account_type="standard", phase="trial")
    with pytest.raises(ValueError, match="exceeds"):
        EvaluationContext(**base, account_type="standard", phase="funded", open_positions_symbol=2)
    with pytest.raises(ValueError, match="headroom_money is nan"):
        EvaluationContext(**base, account_type="standard", phase="funded", headroom_money=math.nan)
    exposure = {"EUR": 1}
    ctx = EvaluationContext(
        **base, account_type="standard", phase="funded", currency_exposure=exposure
    )
    exposure["EUR"] = 5  # the context keeps its own copy
    assert ctx.currency_exposure["EUR"] == 1


def test_context_edge_inputs():
    base = {"spec": EURUSD, "spread_points": 5.0, "trading_state": "ACTIVE"}
    with pytest.raises(ValueError, match=">= 0"):
        EvaluationContext(**base, account_type="standard", phase="funded", open_positions_total=-1)
    ctx = EvaluationContext(**base, account_type="standard", phase="funded", recent_trades=[])
    assert ctx.recent_trades == ()
    # a symbol quoted in its own currency counts once
    same = EURUSD.with_overrides(name="USDX", base_currency="USD", quote_currency="USD")
    assert currency_deltas(same, Side.BUY) == (("USD", 1),)

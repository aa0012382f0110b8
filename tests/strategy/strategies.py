"""Hypothesis strategies shared by the strategy and backtest tests."""

from __future__ import annotations

from hypothesis import strategies as st

from mikrobot.strategy.params import (
    ConfidenceCheck,
    CooldownCheck,
    EvaluationParams,
    ExposureCheck,
    NewsCheck,
    PositionsCheck,
    SessionsCheck,
    SizingAdjustment,
    SpreadCheck,
    TradingStateCheck,
    VolatilityCheck,
)

#: any evaluation settings: every check on or off, thresholds across their ranges
evaluation_params = st.builds(
    EvaluationParams,
    confidence=st.builds(ConfidenceCheck, enabled=st.booleans(), minimum=st.floats(0.0, 1.0)),
    sessions=st.builds(
        SessionsCheck,
        enabled=st.booleans(),
        allowed=st.sampled_from([("london", "new_york"), ("tokyo",), ("sydney", "london")]),
    ),
    news=st.builds(
        NewsCheck,
        enabled=st.booleans(),
        scope=st.sampled_from(["ftmo", "all"]),
        before_minutes=st.sampled_from([0.0, 2.0, 30.0]),
        after_minutes=st.sampled_from([0.0, 2.0, 30.0]),
        min_impact=st.sampled_from(["low", "medium", "high"]),
        require_calendar=st.booleans(),
    ),
    spread=st.builds(SpreadCheck, enabled=st.booleans(), max_fraction_of_stop=st.floats(0.01, 1.0)),
    volatility=st.tuples(st.booleans(), st.floats(0.0, 100.0), st.floats(0.0, 100.0)).map(
        lambda t: VolatilityCheck(
            enabled=t[0], min_percentile=min(t[1], t[2]), max_percentile=max(t[1], t[2])
        )
    ),
    positions=st.builds(
        PositionsCheck,
        enabled=st.booleans(),
        max_per_symbol=st.integers(1, 3),
        max_total=st.integers(1, 4),
    ),
    exposure=st.builds(ExposureCheck, enabled=st.booleans(), max_per_currency=st.integers(1, 3)),
    trading_state=st.builds(TradingStateCheck, enabled=st.booleans()),
    cooldown=st.builds(
        CooldownCheck,
        enabled=st.booleans(),
        losses=st.integers(1, 4),
        minutes=st.sampled_from([1.0, 60.0, 600.0]),
    ),
    sizing=st.tuples(
        st.floats(0.1, 2.0), st.floats(0.1, 2.0), st.booleans(), st.sampled_from([0.0, 0.6, 1.0])
    ).map(
        lambda t: SizingAdjustment(
            multiplier_at_min=min(t[0], t[1]),
            multiplier_at_max=max(t[0], t[1]),
            headroom_cap=t[2],
            min_multiplier=t[3],
        )
    ),
)

"""The strategy's bridges to mikrobot.risk: account fields for the context, and the news
calendar as the rules engine's blackout windows (two implementations that must agree)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.clock import to_ns
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.signal import Signal
from mikrobot.risk import PropFirmAccount, SizingParams, TradingState
from mikrobot.strategy.context import EvaluationContext, account_fields
from mikrobot.strategy.evaluation import evaluate
from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent
from mikrobot.strategy.params import EvaluationParams

MIN = 60_000_000_000
T = to_ns("2025-01-15T14:00:00Z")
EURUSD = DEFAULT_SPECS["EURUSD"]
SIG = Signal("EURUSD", "buy", T, 1.1000, 1.0990, 1.1020, 1.0)
NFP = NewsCalendar.from_events([NewsEvent(T + MIN, "USD", Impact.HIGH, "NFP")])


def ctx(account, **changes):
    fields = account_fields(account, SizingParams())
    fields.update(changes)
    return EvaluationContext(spec=EURUSD, spread_points=8.0, atr_percentile=50.0, **fields)


def test_account_fields_come_from_the_rules_engine():
    acc = PropFirmAccount.from_preset("ftmo-2step-funded", initial_balance=100_000)
    fields = account_fields(acc, SizingParams(risk_per_trade=0.005))
    assert fields["trading_state"] is TradingState.ACTIVE
    assert (fields["phase"], fields["account_type"], fields["news_restricted"]) == (
        "funded",
        "standard",
        True,
    )
    assert fields["risk_budget_money"] == 500.0
    assert fields["headroom_money"] == acc.risk_room
    d = evaluate(SIG, ctx(acc, news=NFP), EvaluationParams())
    assert d.codes == ("news_blackout",)
    # the risk engine's own TradingState enum is understood
    assert ctx(acc, trading_state=TradingState.HALTED).trading_state == "HALTED"


def test_headroom_from_the_account_caps_the_multiplier():
    acc = PropFirmAccount.from_preset("ftmo-2step-challenge", initial_balance=100_000)
    # lose most of the daily room: equity 95,600 against a daily floor of 95,000
    acc.update(T - 60 * MIN, balance=95_600.0, equity=95_600.0)
    c = ctx(acc)
    assert 0 < c.headroom_money < c.risk_budget_money * 1.5
    d = evaluate(SIG, c, EvaluationParams())
    assert d.approved
    assert d.risk_multiplier * c.risk_budget_money <= c.headroom_money * (1 + 1e-12)
    assert d.adjustments[-1].code == "risk_multiplier_capped_by_headroom"


def test_explicit_news_restriction_overrides_the_account_type():
    swing = PropFirmAccount.from_preset("ftmo-2step-funded-swing", initial_balance=100_000)
    assert evaluate(SIG, ctx(swing, news=NFP), EvaluationParams()).approved
    forced = ctx(swing, news=NFP, news_restricted=True)
    assert evaluate(SIG, forced, EvaluationParams()).codes == ("news_blackout",)
    funded = PropFirmAccount.from_preset("ftmo-2step-funded", initial_balance=100_000)
    assert evaluate(SIG, ctx(funded, news=NFP, news_restricted=False), EvaluationParams()).approved


@given(
    events=st.lists(
        st.builds(
            NewsEvent,
            st.integers(0, 600).map(lambda m: T + m * MIN),
            st.sampled_from(["USD", "EUR", "JPY", "GBP", "ALL"]),
            st.sampled_from(list(Impact)),
        ),
        max_size=15,
    ),
    minutes=st.lists(st.integers(-10, 610), min_size=1, max_size=20),
    symbol=st.sampled_from(["EURUSD", "USDJPY", "GBPJPY", "XAUUSD"]),
)
def test_calendar_and_rules_engine_agree_on_blackouts(events, minutes, symbol):
    cal = NewsCalendar.from_events(events)
    acc = PropFirmAccount.from_preset("ftmo-2step-funded", initial_balance=100_000)
    acc.set_blackouts(cal.blackout_windows(before_s=120, after_s=120))
    spec = DEFAULT_SPECS[symbol]
    currencies = (spec.base_currency, spec.quote_currency, spec.profit_currency)
    stamps = np.array([T + m * MIN for m in minutes], dtype=np.int64)
    mask = cal.blackout_mask(currencies, stamps, before_ns=2 * MIN, after_ns=2 * MIN)
    for ts, masked in zip(stamps.tolist(), mask.tolist(), strict=True):
        by_rules = acc.news_blocked(ts, spec) is not None
        by_calendar = cal.blackout(currencies, ts, before_ns=2 * MIN, after_ns=2 * MIN)
        assert by_rules == (by_calendar is not None) == masked

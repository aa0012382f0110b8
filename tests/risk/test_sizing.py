import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mikrobot.core import DEFAULT_SPECS, AssetClass, SymbolSpec
from mikrobot.risk import KellyStats, SizingParams, order_loss_at_stop, size_position

EURUSD, USDJPY, XAUUSD, NAS100 = (
    DEFAULT_SPECS[n] for n in ("EURUSD", "USDJPY", "XAUUSD", "NAS100")
)


def test_spec_formula_eurusd_without_costs():
    # SPEC §6: 100k × 0.5 % = 500; 20 pips × $10/pip/lot = $200/lot -> 2.5 lots
    r = size_position(EURUSD, equity=100_000, entry=1.1000, stop=1.0980, spread=0.0)
    assert r.accepted
    assert r.volume == pytest.approx(2.5)
    assert r.risk_money == pytest.approx(500.0)
    assert r.loss_per_lot == pytest.approx(200.0)
    assert r.money_at_risk == pytest.approx(500.0)


def test_spread_and_commission_are_inside_the_budget():
    # (20 + 1 pip spread) × $10 + $7 commission = $217/lot; 500 / 217 = 2.304 -> 2.30 (down)
    r = size_position(
        EURUSD, equity=100_000, entry=1.1000, stop=1.0980, spread=0.0001, commission_per_lot=7.0
    )
    assert r.loss_per_lot == pytest.approx(217.0)
    assert r.volume == pytest.approx(2.30)
    assert r.money_at_risk == pytest.approx(2.30 * 217.0)
    assert r.money_at_risk <= r.risk_money


def test_default_spread_is_the_specs_typical_spread():
    r = size_position(EURUSD, equity=100_000, entry=1.1000, stop=1.0980)
    # EURUSD typical spread 8 points = 0.8 pip -> (20 + 0.8) × 10 = 208/lot
    assert r.loss_per_lot == pytest.approx(208.0)


def test_sell_side_sizes_the_same_as_buy():
    buy = size_position(EURUSD, equity=50_000, entry=1.1000, stop=1.0975, spread=0.0)
    sell = size_position(EURUSD, equity=50_000, entry=1.1000, stop=1.1025, spread=0.0)
    assert buy.volume == sell.volume == pytest.approx(1.0)


def test_jpy_pair_converts_with_the_current_rate():
    # 50 pips on USDJPY: 1 pip = 1000 JPY/lot; at 160 JPY per USD that is $6.25/pip -> $312.5/lot
    r = size_position(
        USDJPY, equity=100_000, entry=160.00, stop=159.50, spread=0.0, conversion_rate=1 / 160
    )
    assert r.tick_value == pytest.approx(100 / 160)
    assert r.loss_per_lot == pytest.approx(312.5)
    assert r.volume == pytest.approx(1.6)
    # after a move to 140, the registry's reference rate (150) would over-size
    now = size_position(
        USDJPY, equity=100_000, entry=140.0, stop=139.5, spread=0.0, conversion_rate=1 / 140
    )
    stale = size_position(USDJPY, equity=100_000, entry=140.0, stop=139.5, spread=0.0)
    assert now.volume == pytest.approx(1.4)  # 50 pips × 1000/140 = $357.14/lot
    assert stale.volume > now.volume


def test_conversion_rate_can_be_a_callable():
    seen = []

    def rate(profit_ccy, account_ccy):
        seen.append((profit_ccy, account_ccy))
        return 1 / 160

    r = size_position(
        USDJPY, equity=100_000, entry=160.0, stop=159.5, spread=0.0, conversion_rate=rate
    )
    assert seen == [("JPY", "USD")]
    assert r.volume == pytest.approx(1.6)


def test_gold_matches_the_mt5_reference_example():
    # reference: XAUUSD $5.00 stop = $500/lot; plus 25 points spread ($0.25) = $525/lot
    r = size_position(XAUUSD, equity=100_000, entry=2000.0, stop=1995.0)
    assert r.loss_per_lot == pytest.approx(525.0)
    assert r.volume == pytest.approx(0.95)


def test_rounds_down_never_to_nearest():
    # budget 500, 16.672 pips -> $166.72/lot -> raw 2.9990... -> 2.99, not 3.00
    r = size_position(EURUSD, equity=100_000, entry=1.1, stop=1.1 - 0.0016672, spread=0.0)
    assert r.raw_volume == pytest.approx(2.99904, rel=1e-4)
    assert r.volume == pytest.approx(2.99)


def test_rejects_below_volume_min_with_the_numbers():
    # budget 1,000 × 0.5 % = $5; 500 pips = $5,000/lot, so 0.01 lot would risk $50
    r = size_position(EURUSD, equity=1_000, entry=1.1, stop=1.05, spread=0.0)
    assert not r.accepted
    assert r.volume == 0.0
    assert r.codes[-1] == "below_volume_min"
    values = r.reasons[-1].values
    assert values["volume_min"] == 0.01
    assert values["money_at_volume_min"] == pytest.approx(50.0)
    assert values["risk_money"] == pytest.approx(5.0)


def test_caps_at_volume_max():
    r = size_position(EURUSD, equity=1e9, entry=1.1, stop=1.099, spread=0.0)
    assert r.volume == EURUSD.volume_max
    assert "volume_capped_max" in r.codes
    assert r.money_at_risk < r.risk_money


def test_zero_stop_and_no_equity_are_rejected():
    assert size_position(EURUSD, equity=100_000, entry=1.1, stop=1.1).codes == ("zero_stop",)
    assert size_position(EURUSD, equity=0.0, entry=1.1, stop=1.09).codes == ("no_equity",)
    assert size_position(EURUSD, equity=-5.0, entry=1.1, stop=1.09).codes == ("no_equity",)


def test_confidence_multiplier_and_cap():
    kw = dict(equity=100_000, entry=1.1, stop=1.098, spread=0.0)
    assert size_position(EURUSD, risk_multiplier=1.5, **kw).risk_money == pytest.approx(750.0)
    capped = size_position(EURUSD, risk_multiplier=3.0, **kw)
    assert capped.risk_money == pytest.approx(1_000.0)  # max_risk_per_trade 1 %
    assert "risk_capped" in capped.codes
    assert size_position(EURUSD, risk_multiplier=0.0, **kw).codes == ("no_risk",)


def test_fractional_kelly():
    kw = dict(equity=100_000, entry=1.1, stop=1.098, spread=0.0)
    # p = 0.4, b = 1.6: Kelly = 0.4 - 0.6 / 1.6 = 0.025; a quarter of it = 0.625 %
    r = size_position(EURUSD, kelly=KellyStats(0.4, 1.6, 50), **kw)
    assert r.risk_fraction == pytest.approx(0.00625)
    assert r.codes == ("kelly_used",)
    # p = 0.6, b = 2: Kelly = 0.4, a quarter = 10 % -> never above max_risk_per_trade
    big = size_position(EURUSD, kelly=KellyStats(0.6, 2.0, 50), **kw)
    assert big.risk_fraction == pytest.approx(0.01)
    assert "risk_capped" in big.codes
    # too little history: the fixed fraction
    young = size_position(EURUSD, kelly=KellyStats(0.9, 3.0, 5), **kw)
    assert young.risk_fraction == pytest.approx(0.005)
    assert young.codes == ("kelly_insufficient_history",)
    # no edge: no trade
    none = size_position(EURUSD, kelly=KellyStats(0.3, 1.0, 50), **kw)
    assert not none.accepted
    assert none.codes[-1] == "kelly_no_edge"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("spread", -0.0001),
        ("commission_per_lot", -1.0),
        ("risk_multiplier", -0.5),
        ("equity", math.nan),
    ],
)
def test_bad_inputs_raise_naming_the_field(name, value):
    kw = dict(equity=100_000, entry=1.1, stop=1.098, spread=0.0)
    kw[name] = value
    with pytest.raises(ValueError, match=name):
        size_position(EURUSD, **kw)


def test_bad_conversion_rate_raises():
    with pytest.raises(ValueError, match="conversion_rate"):
        size_position(USDJPY, equity=1e5, entry=150.0, stop=149.0, conversion_rate=0.0)


def test_sizing_params_validate_and_size():
    params = SizingParams(risk_per_trade=0.004, commission_per_lot=7.0, slippage_pips=0.5)
    r = params.size(EURUSD, equity=100_000, entry=1.1, stop=1.098, spread=0.0)
    # (20 + 0.5) pips × 10 + 7 = 212/lot; 400 / 212 = 1.886 -> 1.88
    assert r.loss_per_lot == pytest.approx(212.0)
    assert r.volume == pytest.approx(1.88)
    with pytest.raises(ValueError, match="risk_per_trade"):
        SizingParams(risk_per_trade=0.02, max_risk_per_trade=0.01)
    with pytest.raises(ValueError, match="kelly_fraktion"):
        SizingParams(kelly_fraktion=0.5)
    kelly = SizingParams(kelly_enabled=True).size(
        EURUSD, equity=1e5, entry=1.1, stop=1.098, spread=0.0, kelly=KellyStats(0.4, 1.6, 50)
    )
    assert kelly.risk_fraction == pytest.approx(0.00625)
    off = SizingParams().size(
        EURUSD, equity=1e5, entry=1.1, stop=1.098, spread=0.0, kelly=KellyStats(0.4, 1.6, 50)
    )
    assert off.risk_fraction == pytest.approx(0.005)


# ---------------------------------------------------------------------------- property
RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "JPY": 1 / 150, "CHF": 1.13, "CAD": 0.73}


@st.composite
def random_specs(draw):
    digits = draw(st.integers(0, 5))
    point = 10.0**-digits
    tick_size = point * draw(st.sampled_from([1, 5, 10, 25]))
    contract = draw(st.sampled_from([1.0, 10.0, 100.0, 5_000.0, 100_000.0]))
    step = draw(st.sampled_from([0.001, 0.01, 0.05, 0.1, 1.0]))
    vmin = step * draw(st.integers(1, 10))
    vmax = vmin * draw(st.integers(1, 10_000))
    ccy = draw(st.sampled_from(sorted(RATES)))
    return SymbolSpec(
        name="RND",
        asset_class=draw(st.sampled_from(list(AssetClass))),
        digits=digits,
        point=point,
        pip_size=point * 10,
        tick_size=tick_size,
        tick_value=contract * tick_size * RATES[ccy],
        contract_size=contract,
        volume_min=vmin,
        volume_max=vmax,
        volume_step=step,
        base_currency="XXX",
        quote_currency=ccy,
        profit_currency=ccy,
        typical_spread=draw(st.floats(0, 50)),
    )


specs = st.one_of(st.sampled_from(list(DEFAULT_SPECS.values())), random_specs())


@given(
    spec=specs,
    equity=st.floats(50.0, 5e7),
    entry_ticks=st.integers(10, 10_000_000),
    stop_ticks=st.integers(0, 50_000),
    spread_ticks=st.floats(0, 200),
    commission=st.floats(0, 50),
    rate_drift=st.floats(0.5, 2.0),
    risk=st.floats(0.0005, 0.01),
    multiplier=st.floats(0.0, 3.0),
    below=st.booleans(),
)
def test_money_at_risk_never_exceeds_the_budget(
    spec,
    equity,
    entry_ticks,
    stop_ticks,
    spread_ticks,
    commission,
    rate_drift,
    risk,
    multiplier,
    below,
):
    entry = entry_ticks * spec.tick_size
    stop = entry + (-1 if below else 1) * stop_ticks * spec.tick_size
    assume(stop > 0)
    spread = spread_ticks * spec.tick_size
    rate = (
        None
        if spec.profit_currency == spec.account_currency
        else RATES.get(spec.profit_currency, 1.0) * rate_drift
    )
    r = size_position(
        spec,
        equity=equity,
        entry=entry,
        stop=stop,
        risk_per_trade=risk,
        risk_multiplier=multiplier,
        spread=spread,
        commission_per_lot=commission,
        conversion_rate=rate,
    )
    budget = equity * min(risk * multiplier, 0.01)
    assert r.risk_money == pytest.approx(budget)
    if not r.accepted:
        assert r.volume == 0.0
        assert r.codes[-1] in {"zero_stop", "below_volume_min", "no_risk"}
        if r.codes[-1] == "below_volume_min":
            # the smallest volume really does not fit
            assert spec.volume_min * r.loss_per_lot > budget * (1 - 1e-9)
        if r.codes[-1] == "zero_stop":
            assert stop_ticks == 0
        return
    # independent recomputation of the loss at the stop, in account currency
    ticks = (abs(entry - stop) + spread) / spec.tick_size
    tick_value = spec.tick_value if rate is None else spec.contract_size * spec.tick_size * rate
    loss = r.volume * (ticks * tick_value + commission)
    assert loss <= budget * (1 + 1e-6)  # tick snapping: at most 1e-6 tick of float noise
    assert r.money_at_risk <= r.risk_money  # exact: no epsilon needed
    assert loss == pytest.approx(
        order_loss_at_stop(
            spec,
            volume=r.volume,
            entry=entry,
            stop=stop,
            spread=spread,
            commission_per_lot=commission,
            conversion_rate=rate,
        )
    )
    steps = r.volume / spec.volume_step
    assert abs(steps - round(steps)) < 1e-6
    assert spec.volume_min - 1e-12 <= r.volume <= spec.volume_max + 1e-12
    # and it is the largest such volume: one more step would break the budget or volume_max
    bigger = r.volume + spec.volume_step
    assert bigger * r.loss_per_lot > budget * (1 - 1e-9) or bigger > spec.volume_max + 1e-9


def test_budget_can_be_capped_by_the_prop_firm_headroom():
    kw = dict(equity=100_000, entry=1.1, stop=1.098, spread=0.0)
    r = size_position(EURUSD, max_risk_money=300.0, **kw)  # $300 of room < $500 asked
    assert r.risk_money == pytest.approx(300.0)
    assert r.volume == pytest.approx(1.5)
    assert "risk_capped_headroom" in r.codes
    assert size_position(EURUSD, max_risk_money=900.0, **kw).risk_money == pytest.approx(500.0)
    assert size_position(EURUSD, max_risk_money=0.0, **kw).codes[-1] == "no_risk"

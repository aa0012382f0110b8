import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core import DEFAULT_SPECS, AssetClass, SymbolSpec

EURUSD, USDJPY, XAUUSD, NAS100 = (
    DEFAULT_SPECS[n] for n in ("EURUSD", "USDJPY", "XAUUSD", "NAS100")
)


@pytest.mark.parametrize(
    ("spec", "pips", "price", "points"),
    [
        (EURUSD, 1.0, 0.0001, 10.0),  # 5-digit FX: 1 pip = 10 points
        (EURUSD, 0.8, 0.00008, 8.0),
        (USDJPY, 1.0, 0.01, 10.0),  # 3-digit JPY
        (USDJPY, 25.0, 0.25, 250.0),
        (XAUUSD, 1.0, 0.1, 10.0),  # gold: pip 0.1, 2 digits
        (XAUUSD, 30.0, 3.0, 300.0),
        (NAS100, 1.0, 1.0, 100.0),  # index: pip = 1 index point, 2 digits
    ],
)
def test_pip_point_price_conversions(spec, pips, price, points):
    assert spec.pips_to_price(pips) == pytest.approx(price)
    assert spec.price_to_pips(price) == pytest.approx(pips)
    assert spec.pips_to_points(pips) == pytest.approx(points)
    assert spec.price_to_points(price) == pytest.approx(points)
    assert spec.points_to_price(points) == pytest.approx(price)


def test_money_per_lot_matches_the_mt5_reference_examples():
    # reference/mt5-python-api.md §7: EURUSD 15-pip stop = $150/lot; XAUUSD $5.00 stop = $500/lot
    assert EURUSD.money_per_lot(0.0015) == pytest.approx(150.0)
    assert XAUUSD.money_per_lot(5.0) == pytest.approx(500.0)


specs = st.sampled_from(list(DEFAULT_SPECS.values()))


@given(spec=specs, pips=st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_pip_conversions_round_trip(spec, pips):
    price = spec.pips_to_price(pips)
    assert spec.price_to_pips(price) == pytest.approx(pips, rel=1e-12, abs=1e-9)
    points = spec.pips_to_points(pips)
    assert spec.points_to_pips(points) == pytest.approx(pips, rel=1e-12, abs=1e-9)
    assert spec.points_to_price(points) == pytest.approx(price, rel=1e-12, abs=1e-12)


@given(spec=specs, volume=st.floats(min_value=0, max_value=1e4, allow_nan=False))
def test_volume_is_rounded_down_to_the_step(spec, volume):
    rounded = spec.round_volume_down(volume)
    assert rounded <= volume + 1e-9
    assert volume - rounded < spec.volume_step + 1e-9
    steps = rounded / spec.volume_step
    assert math.isclose(steps, round(steps), abs_tol=1e-6)


@given(spec=specs, price=st.floats(min_value=0.5, max_value=1e5, allow_nan=False))
def test_round_price_lands_on_a_tick(spec, price):
    rounded = spec.round_price(price)
    assert abs(rounded - price) <= spec.tick_size / 2 + 1e-9
    ticks = rounded / spec.tick_size
    assert math.isclose(ticks, round(ticks), abs_tol=1e-6)


def test_invalid_specs_name_the_field():
    good = EURUSD.to_dict()
    with pytest.raises(ValueError, match="pip_size"):
        SymbolSpec.from_dict({**good, "pip_size": 0})
    with pytest.raises(ValueError, match="volume_min"):
        SymbolSpec.from_dict({**good, "volume_min": 100.0})
    with pytest.raises(ValueError, match="unknown SymbolSpec field"):
        SymbolSpec.from_dict({**good, "pipsize": 1})
    with pytest.raises(ValueError, match="tick_sz"):
        EURUSD.with_overrides(tick_sz=1)


def test_dict_round_trip_keeps_the_asset_class():
    spec = SymbolSpec.from_dict(XAUUSD.to_dict())
    assert spec == XAUUSD
    assert spec.asset_class is AssetClass.METAL

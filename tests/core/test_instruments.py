from collections import namedtuple

import pytest

from mikrobot.core import (
    AssetClass,
    SymbolRegistry,
    UnknownSymbolError,
    canonical_name,
    spec_from_mt5,
)


def test_registry_covers_the_required_instruments():
    reg = SymbolRegistry()
    for name in (
        "EURUSD",
        "GBPUSD",
        "USDJPY",
        "EURJPY",
        "EURGBP",
        "XAUUSD",
        "XAGUSD",
        "US30",
        "NAS100",
        "GER40",
        "BTCUSD",
        "ETHUSD",
    ):
        assert name in reg
    assert reg["USDJPY"].pip_size == 0.01
    assert reg["EURJPY"].pip_size == 0.01
    assert reg["EURUSD"].pip_size == 0.0001
    assert reg["XAUUSD"].pip_size == 0.1
    assert reg["XAGUSD"].pip_size == 0.01
    assert reg["GER40"].pip_size == 1.0
    assert reg["GER40"].profit_currency == "EUR"
    assert reg["BTCUSD"].asset_class is AssetClass.CRYPTO


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("eurusd", "EURUSD"),
        ("EURUSD.a", "EURUSD"),
        ("US30.cash", "US30"),
        ("GER40.cash", "GER40"),
        ("USTEC", "NAS100"),
        ("XAUUSD#", "XAUUSD"),
        ("EURUSDm", "EURUSD"),
    ],
)
def test_broker_names_map_to_canonical(raw, name):
    assert canonical_name(raw) == name
    assert SymbolRegistry()[raw].name == name


def test_unknown_symbol_says_how_to_add_it():
    with pytest.raises(UnknownSymbolError, match=r"\[symbols.EURXYZ\].*EURUSD"):
        SymbolRegistry()["EURXYZ"]


def test_overrides_change_fields_and_add_symbols():
    base = SymbolRegistry()
    new_spec = base["EURUSD"].to_dict() | {
        "name": "EURPLN",
        "quote_currency": "PLN",
        "profit_currency": "PLN",
    }
    reg = base.with_overrides(
        {"XAUUSD": {"pip_size": 0.01, "contract_size": 100.0}, "EURPLN": new_spec}
    )
    assert reg["XAUUSD"].pip_size == 0.01
    assert base["XAUUSD"].pip_size == 0.1  # the original registry is untouched
    assert reg["EURPLN"].quote_currency == "PLN"
    with pytest.raises(ValueError, match="pip_sise"):
        base.with_overrides({"XAUUSD": {"pip_sise": 0.01}})
    with pytest.raises(ValueError, match="new symbol NEWSYM"):
        base.with_overrides({"NEWSYM": {"digits": 2}})


# A subset of the MT5 SymbolInfo fields, in a deliberately different order than the terminal's.
Info = namedtuple(
    "Info",
    "volume_step spread point name digits trade_tick_size trade_tick_value trade_tick_value_loss "
    "trade_contract_size volume_min volume_max currency_base currency_profit trade_calc_mode",
)


def test_spec_from_mt5_symbol_info_reads_fields_by_name():
    info = Info(
        0.01, 7, 0.001, "EURJPY", 3, 0.001, 0.8978, 0.8980, 100000.0, 0.01, 500.0, "EUR", "JPY", 0
    )
    spec = spec_from_mt5(info)
    assert spec.name == "EURJPY"
    assert spec.digits == 3
    assert spec.point == 0.001
    assert spec.pip_size == 0.01
    assert spec.tick_value == pytest.approx(0.8980)  # the loss-side value is preferred
    assert spec.volume_max == 500.0
    assert spec.typical_spread == 7
    assert spec.profit_currency == "JPY"


def test_spec_from_mt5_uses_registry_pip_for_gold_and_refuses_zero_tick_value():
    gold = {
        "name": "XAUUSD.cash",
        "digits": 2,
        "point": 0.01,
        "trade_tick_size": 0.01,
        "trade_tick_value": 1.0,
        "trade_contract_size": 100.0,
        "volume_min": 0.01,
        "volume_max": 100.0,
        "volume_step": 0.01,
        "currency_profit": "USD",
    }
    assert spec_from_mt5(gold).pip_size == 0.1
    assert spec_from_mt5(gold, pip_size=0.01).pip_size == 0.01
    with pytest.raises(ValueError, match="first tick"):
        spec_from_mt5({**gold, "trade_tick_value": 0.0})

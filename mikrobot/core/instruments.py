"""Default instrument specifications and the mapping from MT5 ``symbol_info``.

The defaults follow ``reference/trading-sessions.md`` (pip sizes: FX 0.0001, JPY pairs 0.01,
XAUUSD 0.1, XAGUSD 0.01, indices 1.0, crypto 1.0) and describe a USD account on a typical
5-digit MT5 broker. Every value is a default: a live terminal (``spec_from_mt5``) or the config
file overrides it, since contract sizes and digits differ from broker to broker.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mikrobot.core.errors import UnknownSymbolError
from mikrobot.core.symbol import AssetClass, SymbolSpec

# Reference rates used only to express tick values of non-USD quote currencies in USD.
# Sizing converts with the *current* rate; these keep the registry self-contained.
REFERENCE_USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "JPY": 1 / 150.0,
    "CHF": 1 / 0.88,
    "CAD": 1 / 1.36,
    "AUD": 0.66,
    "NZD": 0.61,
}

_FX_MAJORS = ("EURUSD", "GBPUSD", "USDJPY", "USDCHF", "USDCAD", "AUDUSD", "NZDUSD")
_FX_CROSSES = (
    "EURGBP", "EURJPY", "EURCHF", "EURAUD", "EURCAD", "EURNZD", "GBPJPY", "GBPCHF",
    "GBPAUD", "GBPCAD", "AUDJPY", "AUDCAD", "AUDNZD", "AUDCHF", "NZDJPY", "CADJPY",
    "CHFJPY",
)  # fmt: skip

# Typical spreads in points on a raw-ish retail feed (defaults only).
_FX_SPREAD_POINTS = {"EURUSD": 8, "GBPUSD": 12, "USDJPY": 10, "USDCHF": 14, "USDCAD": 15,
                     "AUDUSD": 12, "NZDUSD": 16}  # fmt: skip


def _fx(name: str) -> SymbolSpec:
    base, quote = name[:3], name[3:]
    jpy = quote == "JPY"
    digits = 3 if jpy else 5
    point = 10.0**-digits
    contract = 100_000.0
    tick_value = contract * point * REFERENCE_USD_PER_UNIT[quote]
    return SymbolSpec(
        name=name,
        asset_class=AssetClass.FX,
        digits=digits,
        point=point,
        pip_size=0.01 if jpy else 0.0001,
        tick_size=point,
        tick_value=round(tick_value, 6),
        contract_size=contract,
        volume_min=0.01,
        volume_max=50.0,
        volume_step=0.01,
        base_currency=base,
        quote_currency=quote,
        profit_currency=quote,
        typical_spread=float(_FX_SPREAD_POINTS.get(name, 20)),
    )


def _cfd(
    name: str,
    asset_class: AssetClass,
    *,
    digits: int,
    pip_size: float,
    contract: float,
    currency: str,
    spread_points: float,
    base: str | None = None,
    volume_max: float = 50.0,
    volume_min: float = 0.01,
    volume_step: float = 0.01,
) -> SymbolSpec:
    point = 10.0**-digits
    return SymbolSpec(
        name=name,
        asset_class=asset_class,
        digits=digits,
        point=point,
        pip_size=pip_size,
        tick_size=point,
        tick_value=round(contract * point * REFERENCE_USD_PER_UNIT[currency], 8),
        contract_size=contract,
        volume_min=volume_min,
        volume_max=volume_max,
        volume_step=volume_step,
        base_currency=base or name,
        quote_currency=currency,
        profit_currency=currency,
        typical_spread=spread_points,
    )


def _defaults() -> dict[str, SymbolSpec]:
    specs = {name: _fx(name) for name in (*_FX_MAJORS, *_FX_CROSSES)}
    metal, index, crypto = AssetClass.METAL, AssetClass.INDEX, AssetClass.CRYPTO
    extra = [
        _cfd("XAUUSD", metal, digits=2, pip_size=0.1, contract=100, currency="USD",
             spread_points=25, base="XAU"),
        _cfd("XAGUSD", metal, digits=3, pip_size=0.01, contract=5000, currency="USD",
             spread_points=25, base="XAG"),
        _cfd("US30", index, digits=2, pip_size=1.0, contract=1, currency="USD",
             spread_points=200, volume_max=100, volume_step=0.01),
        _cfd("NAS100", index, digits=2, pip_size=1.0, contract=1, currency="USD",
             spread_points=150, volume_max=100),
        _cfd("US500", index, digits=2, pip_size=1.0, contract=1, currency="USD",
             spread_points=60, volume_max=100),
        _cfd("GER40", index, digits=2, pip_size=1.0, contract=1, currency="EUR",
             spread_points=150, volume_max=100),
        _cfd("UK100", index, digits=2, pip_size=1.0, contract=1, currency="GBP",
             spread_points=150, volume_max=100),
        _cfd("JP225", index, digits=2, pip_size=1.0, contract=1, currency="JPY",
             spread_points=1000, volume_max=100),
        _cfd("BTCUSD", crypto, digits=2, pip_size=1.0, contract=1, currency="USD",
             spread_points=3000, base="BTC", volume_max=10),
        _cfd("ETHUSD", crypto, digits=2, pip_size=1.0, contract=1, currency="USD",
             spread_points=300, base="ETH", volume_max=100),
    ]  # fmt: skip
    specs.update({s.name: s for s in extra})
    return specs


DEFAULT_SPECS: Mapping[str, SymbolSpec] = _defaults()

# Common broker spellings of the same instrument (FTMO: "US30.cash", elsewhere "USTEC", "DE40").
ALIASES: Mapping[str, str] = {
    "US100": "NAS100", "USTEC": "NAS100", "NDX100": "NAS100",
    "SPX500": "US500", "US30CASH": "US30", "DJ30": "US30",
    "DE40": "GER40", "DAX40": "GER40", "GER30": "GER40",
    "FTSE100": "UK100", "JPN225": "JP225", "NIKKEI225": "JP225",
    "GOLD": "XAUUSD", "SILVER": "XAGUSD",
}  # fmt: skip

_SUFFIXES = (".CASH", ".RAW", ".PRO", ".ECN", ".STD", ".A", ".B", ".M", ".I", "#", "+", ".", "M")


def canonical_name(name: str) -> str:
    """Map a broker symbol name to the registry's canonical name (``"EURUSD.a"`` -> ``"EURUSD"``)."""
    text = name.strip().upper()
    if text in DEFAULT_SPECS:
        return text
    if text in ALIASES:
        return ALIASES[text]
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            stem = text[: -len(suffix)]
            if stem in DEFAULT_SPECS:
                return stem
            if stem in ALIASES:
                return ALIASES[stem]
    return text


class SymbolRegistry(Mapping[str, SymbolSpec]):
    """Symbol specs by canonical name: the defaults, then overrides from config or a terminal.

    ``registry["eurusd.a"]`` finds ``EURUSD``; an unknown name raises :class:`UnknownSymbolError`
    listing close matches.
    """

    def __init__(self, specs: Mapping[str, SymbolSpec] | None = None) -> None:
        self._specs: dict[str, SymbolSpec] = dict(DEFAULT_SPECS if specs is None else specs)

    def __getitem__(self, name: str) -> SymbolSpec:
        key = canonical_name(name)
        try:
            return self._specs[key]
        except KeyError:
            close = [n for n in self._specs if n[:3] == key[:3]][:5]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownSymbolError(
                f"unknown symbol {name!r}: add it under [symbols.{key}] in the config "
                f"with every SymbolSpec field{hint}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> SymbolRegistry:
        """A new registry with fields of known symbols changed, or new symbols added whole.

        A new symbol must give every required :class:`SymbolSpec` field.
        """
        specs = dict(self._specs)
        for raw_name, changes in overrides.items():
            key = canonical_name(raw_name)
            if key in specs:
                specs[key] = specs[key].with_overrides(**dict(changes))
            else:
                data = {"name": key, **dict(changes)}
                try:
                    specs[key] = SymbolSpec.from_dict(data)
                except TypeError as exc:
                    raise ValueError(f"new symbol {key}: {exc}") from None
        return SymbolRegistry(specs)

    def with_specs(self, specs: Iterable[SymbolSpec]) -> SymbolRegistry:
        """A new registry where these specs (e.g. read from a terminal) replace the defaults."""
        merged = dict(self._specs)
        merged.update({canonical_name(s.name): s for s in specs})
        return SymbolRegistry(merged)


_MT5_CALC_MODE_CLASS = {0: AssetClass.FX, 5: AssetClass.FX}


def spec_from_mt5(
    info: Any,
    *,
    pip_size: float | None = None,
    asset_class: AssetClass | None = None,
    account_currency: str = "USD",
) -> SymbolSpec:
    """Build a :class:`SymbolSpec` from an MT5 ``symbol_info`` result (namedtuple, dataclass or dict).

    Fields are read by name (their order changes between builds). ``trade_tick_value_loss`` is
    preferred over ``trade_tick_value`` because sizing measures a loss. The pip size is not an
    MT5 concept: it comes from ``pip_size``, else from the registry default of the canonical
    name, else ``10 * point`` for 3/5-digit FX and ``point`` otherwise.
    """
    get = (
        info.get
        if isinstance(info, Mapping)
        else (lambda key, default=None: getattr(info, key, default))
    )

    def need(key: str) -> Any:
        value = get(key)
        if value is None:
            raise ValueError(f"symbol_info has no {key!r}: is the symbol selected in Market Watch?")
        return value

    name = str(need("name"))
    canonical = canonical_name(name)
    default = DEFAULT_SPECS.get(canonical)
    digits = int(need("digits"))
    point = float(need("point"))
    tick_size = float(get("trade_tick_size") or point)
    tick_value = float(get("trade_tick_value_loss") or 0.0) or float(get("trade_tick_value") or 0.0)
    if not (tick_value > 0 and math.isfinite(tick_value)):
        raise ValueError(
            f"{name}: trade_tick_value is {tick_value!r}; the terminal reports 0 before the first "
            "tick, so wait for a quote and read symbol_info again"
        )
    profit_ccy = str(
        get("currency_profit") or (default.profit_currency if default else account_currency)
    )
    if asset_class is None:
        if default is not None:
            asset_class = default.asset_class
        else:
            asset_class = _MT5_CALC_MODE_CLASS.get(
                int(get("trade_calc_mode") or -1), AssetClass.INDEX
            )
    if pip_size is None:
        if default is not None and default.point == point:
            pip_size = default.pip_size
        elif asset_class is AssetClass.FX and digits in (3, 5):
            pip_size = 10 * point
        else:
            pip_size = point
    return SymbolSpec(
        name=canonical,
        asset_class=asset_class,
        digits=digits,
        point=point,
        pip_size=pip_size,
        tick_size=tick_size,
        tick_value=tick_value,
        contract_size=float(need("trade_contract_size")),
        volume_min=float(need("volume_min")),
        volume_max=float(need("volume_max")),
        volume_step=float(need("volume_step")),
        base_currency=str(get("currency_base") or canonical[:3]),
        quote_currency=profit_ccy,
        profit_currency=profit_ccy,
        typical_spread=float(get("spread") or (default.typical_spread if default else 0.0)),
        account_currency=account_currency,
    )

"""Position sizing (SPEC §6): the largest volume whose all-in loss at the stop fits the budget.

``risk_money = equity × risk fraction`` where the risk fraction is ``risk_per_trade`` (or a
fractional Kelly bet) times the confidence ``risk_multiplier``, capped at
``max_risk_per_trade``. The loss of one lot if the stop fills is

    (|entry − stop| + spread + slippage) / tick_size × tick_value + commission_per_lot

with the tick value in account currency at the *current* conversion rate. The volume is that
budget divided by the per-lot loss, rounded **down** to ``volume_step`` (and down again if float
rounding would put it over), capped at ``volume_max`` and rejected below ``volume_min``, so the
money at risk, spread and commission included, never exceeds the budget.

``entry`` and ``stop`` are chart (bid) levels: a buy fills at ask = bid + spread and a sell's stop
fires at ask, so one spread is added. Pass ``spread=0`` when ``entry`` already is the fill price.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mikrobot.core.events import Reason
from mikrobot.core.symbol import SymbolSpec

#: tick counts this close to a whole number are float noise from subtracting prices
TICK_SNAP = 1e-6

#: account-currency units per profit-currency unit, or a function (profit_ccy, account_ccy) -> that
ConversionRate = float | Callable[[str, str], float]


@dataclass(frozen=True, slots=True)
class KellyStats:
    """Rolling trade statistics for the Kelly bet: ``win_rate`` in [0, 1], ``payoff`` = average
    win / average loss (> 0), over ``n_trades`` closed trades."""

    win_rate: float
    payoff: float
    n_trades: int

    def __post_init__(self) -> None:
        if not 0.0 <= self.win_rate <= 1.0:
            raise ValueError(f"KellyStats.win_rate must be within [0, 1], got {self.win_rate}")
        if not (math.isfinite(self.payoff) and self.payoff > 0):
            raise ValueError(f"KellyStats.payoff must be a positive number, got {self.payoff}")
        if self.n_trades < 0:
            raise ValueError(f"KellyStats.n_trades must be >= 0, got {self.n_trades}")


@dataclass(frozen=True, slots=True)
class SizingResult:
    """What :func:`size_position` decided and why.

    ``risk_money`` is the budget asked (equity × ``risk_fraction``); ``money_at_risk`` is what
    ``volume`` lots lose if the stop fills, spread, slippage and round-turn commission included
    (always <= ``risk_money``). ``reasons`` explain a rejection (``volume == 0``) and any cap.
    """

    volume: float
    risk_fraction: float
    risk_money: float
    money_at_risk: float
    loss_per_lot: float
    tick_value: float
    stop_distance: float
    raw_volume: float
    reasons: tuple[Reason, ...] = ()

    @property
    def accepted(self) -> bool:
        """True when a tradable volume (> 0) was found."""
        return self.volume > 0

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, in order."""
        return tuple(r.code for r in self.reasons)


def kelly_bet(win_rate: float, payoff: float) -> float:
    """The full Kelly fraction ``p − (1 − p) / b`` (may be negative: no edge)."""
    return win_rate - (1.0 - win_rate) / payoff


def account_tick_value(spec: SymbolSpec, conversion_rate: ConversionRate | None = None) -> float:
    """Value of one tick for 1.0 lot in the account currency.

    Profit currency = account currency: ``spec.tick_value``. Otherwise
    ``spec.tick_value_profit × rate`` with ``conversion_rate`` (account units per profit unit,
    or a callable ``(profit_ccy, account_ccy) -> rate``); without a rate the spec's reference
    ``tick_value`` is used (right for a fresh MT5 ``symbol_info``, stale for the defaults).
    """
    if spec.profit_currency == spec.account_currency or conversion_rate is None:
        return spec.tick_value
    rate = (
        conversion_rate(spec.profit_currency, spec.account_currency)
        if callable(conversion_rate)
        else conversion_rate
    )
    if not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0):
        raise ValueError(
            f"{spec.name}: conversion_rate {spec.account_currency} per {spec.profit_currency} "
            f"must be a positive number, got {rate!r}"
        )
    return spec.tick_value_profit * float(rate)


def loss_per_lot(
    stop_distance: float,
    *,
    tick_size: float,
    tick_value: float,
    spread: float = 0.0,
    slippage: float = 0.0,
    commission_per_lot: float = 0.0,
) -> float:
    """Account-currency loss of 1.0 lot if the stop fills: price distance plus spread and
    slippage in ticks × tick value, plus the round-turn commission. Pure scalar arithmetic.

    A tick count within ``TICK_SNAP`` of a whole number is taken as that number: prices sit on
    the tick grid, and ``1.1000 − 1.0980`` must be 20 pips, not 20.0000000000002.
    """
    ticks = (stop_distance + spread + slippage) / tick_size
    whole = round(ticks)
    if abs(ticks - whole) <= TICK_SNAP:
        ticks = whole
    return ticks * tick_value + commission_per_lot


def order_loss_at_stop(
    spec: SymbolSpec,
    *,
    volume: float,
    entry: float,
    stop: float,
    spread: float | None = None,
    slippage: float = 0.0,
    commission_per_lot: float = 0.0,
    conversion_rate: ConversionRate | None = None,
) -> float:
    """Money ``volume`` lots lose if the stop fills (spread, slippage, commission included).

    ``spread=None`` takes the spec's typical spread (points → price).
    """
    spread_price = _spread(spec, spread)
    tick_value = account_tick_value(spec, conversion_rate)
    per_lot = loss_per_lot(
        abs(entry - stop),
        tick_size=spec.tick_size,
        tick_value=tick_value,
        spread=spread_price,
        slippage=slippage,
        commission_per_lot=commission_per_lot,
    )
    return volume * per_lot


def size_position(
    spec: SymbolSpec,
    *,
    equity: float,
    entry: float,
    stop: float,
    risk_per_trade: float = 0.005,
    risk_multiplier: float = 1.0,
    max_risk_per_trade: float = 0.01,
    spread: float | None = None,
    commission_per_lot: float = 0.0,
    slippage: float = 0.0,
    conversion_rate: ConversionRate | None = None,
    kelly: KellyStats | None = None,
    kelly_fraction: float = 0.25,
    kelly_min_trades: int = 30,
    max_risk_money: float | None = None,
) -> SizingResult:
    """Size a position so that its all-in loss at the stop never exceeds the risk budget.

    Args:
        spec: the symbol (tick size/value, volume limits, currencies).
        equity: account equity in account currency.
        entry, stop: price levels (chart/bid prices; see the module note on spread).
        risk_per_trade: fraction of equity risked per trade [0.005].
        risk_multiplier: confidence multiplier (SPEC §5) applied to the risk fraction [1.0].
        max_risk_per_trade: hard cap on the risk fraction, Kelly included [0.01].
        spread: price units; ``None`` takes ``spec.typical_spread`` points.
        commission_per_lot: round-turn commission per lot in account currency [0].
        slippage: price units of slippage assumed at the stop [0].
        conversion_rate: account-currency units per profit-currency unit (or a callable
            ``(profit_ccy, account_ccy) -> rate``) when they differ; ``None``: ``spec.tick_value``.
        kelly: rolling win rate and payoff; when given and ``n_trades >= kelly_min_trades``,
            the base fraction is ``kelly_fraction`` × the Kelly bet instead of ``risk_per_trade``
            (no edge → rejected), still times ``risk_multiplier`` and capped.
        kelly_fraction: share of the full Kelly bet [0.25].
        kelly_min_trades: fewer trades than this → fixed ``risk_per_trade`` is used [30].
        max_risk_money: a money cap on the budget, e.g. the prop-firm headroom
            (:attr:`PropFirmAccount.risk_room`; pass ``slippage`` = the account's allowance ×
            stop distance so both price the stop-out alike) [none].

    Returns:
        A :class:`SizingResult`; ``volume == 0`` with reasons when rejected (``zero_stop``,
        ``no_equity``, ``no_risk``, ``kelly_no_edge``, ``below_volume_min``). Adjustments are
        reported too (``risk_capped``, ``risk_capped_headroom``, ``volume_capped_max``,
        ``kelly_used``, ``kelly_insufficient_history``).

    Raises:
        ValueError: a negative or non-finite input (spread, commission, rate, multiplier...).
    """
    _check_inputs(
        equity=equity,
        entry=entry,
        stop=stop,
        risk_per_trade=risk_per_trade,
        risk_multiplier=risk_multiplier,
        max_risk_per_trade=max_risk_per_trade,
        commission_per_lot=commission_per_lot,
        slippage=slippage,
        kelly_fraction=kelly_fraction,
        max_risk_money=0.0 if max_risk_money is None else max_risk_money,
    )
    spread_price = _spread(spec, spread)
    tick_value = account_tick_value(spec, conversion_rate)
    stop_distance = abs(entry - stop)
    per_lot = loss_per_lot(
        stop_distance,
        tick_size=spec.tick_size,
        tick_value=tick_value,
        spread=spread_price,
        slippage=slippage,
        commission_per_lot=commission_per_lot,
    )
    reasons: list[Reason] = []

    base = risk_per_trade
    if kelly is not None:
        if kelly.n_trades < kelly_min_trades:
            reasons.append(
                Reason(
                    "kelly_insufficient_history",
                    "too few trades for Kelly: fixed risk_per_trade used",
                    {"n_trades": kelly.n_trades, "kelly_min_trades": kelly_min_trades},
                )
            )
        else:
            full = kelly_bet(kelly.win_rate, kelly.payoff)
            base = kelly_fraction * full
            reasons.append(
                Reason(
                    "kelly_used",
                    "fractional Kelly sets the base risk fraction",
                    {
                        "win_rate": kelly.win_rate,
                        "payoff": kelly.payoff,
                        "kelly_bet": full,
                        "kelly_fraction": kelly_fraction,
                        "base_fraction": base,
                    },
                )
            )
    fraction = base * risk_multiplier
    if fraction > max_risk_per_trade:
        reasons.append(
            Reason(
                "risk_capped",
                "risk fraction capped at max_risk_per_trade",
                {"asked": fraction, "max_risk_per_trade": max_risk_per_trade},
            )
        )
        fraction = max_risk_per_trade
    fraction = max(fraction, 0.0)
    budget = equity * fraction if equity > 0 else 0.0
    if max_risk_money is not None and budget > max_risk_money:
        reasons.append(
            Reason(
                "risk_capped_headroom",
                "budget capped at max_risk_money (prop-firm headroom)",
                {"asked": budget, "max_risk_money": max_risk_money},
            )
        )
        budget = max(max_risk_money, 0.0)

    def rejected(reason: Reason, raw: float = 0.0) -> SizingResult:
        return SizingResult(
            volume=0.0,
            risk_fraction=fraction,
            risk_money=budget,
            money_at_risk=0.0,
            loss_per_lot=per_lot,
            tick_value=tick_value,
            stop_distance=stop_distance,
            raw_volume=raw,
            reasons=(*reasons, reason),
        )

    if stop_distance <= 0:
        return rejected(Reason("zero_stop", "stop equals entry", {"entry": entry, "stop": stop}))
    if equity <= 0:
        return rejected(Reason("no_equity", "equity is not positive", {"equity": equity}))
    if budget <= 0:
        code = "kelly_no_edge" if kelly is not None and base <= 0 else "no_risk"
        return rejected(
            Reason(
                code, "risk fraction is zero or negative", {"risk_fraction": base * risk_multiplier}
            )
        )

    raw = budget / per_lot
    volume = _largest_volume_within(spec, budget, per_lot, min(raw, spec.volume_max))
    if raw > spec.volume_max:
        reasons.append(
            Reason(
                "volume_capped_max",
                "volume capped at the symbol's volume_max",
                {"raw_volume": raw, "volume_max": spec.volume_max},
            )
        )
    if volume <= 0 or volume < spec.volume_min - 1e-9 * spec.volume_step:
        return rejected(
            Reason(
                "below_volume_min",
                "the budget does not cover the smallest volume",
                {
                    "raw_volume": raw,
                    "volume_min": spec.volume_min,
                    "risk_money": budget,
                    "money_at_volume_min": spec.volume_min * per_lot,
                },
            ),
            raw,
        )
    return SizingResult(
        volume=volume,
        risk_fraction=fraction,
        risk_money=budget,
        money_at_risk=volume * per_lot,
        loss_per_lot=per_lot,
        tick_value=tick_value,
        stop_distance=stop_distance,
        raw_volume=raw,
        reasons=tuple(reasons),
    )


def _largest_volume_within(spec: SymbolSpec, budget: float, per_lot: float, limit: float) -> float:
    """Largest multiple of ``volume_step`` <= ``limit`` whose ``volume × per_lot <= budget``."""
    volume = spec.round_volume_down(limit)
    # round_volume_down tolerates 1e-9 of a step, and decimal rounding can add an ulp: step
    # down until the exact product used everywhere else fits.
    while volume > 0 and (volume * per_lot > budget or volume > limit + 1e-9 * spec.volume_step):
        steps = round(volume / spec.volume_step) - 1
        volume = spec.round_volume_down(max(steps, 0) * spec.volume_step)
    return volume


def _spread(spec: SymbolSpec, spread: float | None) -> float:
    value = spec.points_to_price(spec.typical_spread) if spread is None else spread
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{spec.name}: spread must be a price distance >= 0, got {value!r}")
    return value


def _check_inputs(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise ValueError(f"size_position: {name} must be a finite number, got {value!r}")
        if value < 0 and name != "equity":
            raise ValueError(f"size_position: {name} must be >= 0, got {value}")
    if values["entry"] <= 0 or values["stop"] <= 0:
        raise ValueError(
            f"size_position: entry and stop must be positive prices, got {values['entry']}, "
            f"{values['stop']}"
        )
    if not 0 < values["kelly_fraction"] <= 1:
        raise ValueError(
            f"size_position: kelly_fraction must be within (0, 1], got {values['kelly_fraction']}"
        )

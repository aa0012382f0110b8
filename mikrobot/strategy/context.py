"""What the strategic evaluation knows about the market and the account at a signal.

:class:`EvaluationContext` is a frozen bundle of plain inputs (numbers, strings, tuples) so
that the evaluation stays a pure function of values: the caller (backtester, live runtime)
fills it from whatever it holds. Helpers here build the less obvious fields: the prop-firm
account's fields (:func:`account_fields`), currency exposure and the ATR percentile.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from mikrobot.core.side import Side
from mikrobot.core.symbol import SymbolSpec
from mikrobot.risk.params import SizingParams
from mikrobot.strategy.feedback import FeedbackAdjustments, TradeResult
from mikrobot.strategy.news import NewsCalendar

if TYPE_CHECKING:
    from mikrobot.risk.propfirm import PropFirmAccount

__all__ = [
    "ACCOUNT_TYPES",
    "PHASES",
    "TRADING_STATES",
    "EvaluationContext",
    "account_fields",
    "atr_percentile",
    "currency_deltas",
    "exposure_from_positions",
]

#: trading states of the risk gate (SPEC §7)
TRADING_STATES = ("ACTIVE", "REDUCING", "HALTED")
#: FTMO account types (``reference/ftmo-rules.md`` §1)
ACCOUNT_TYPES = ("standard", "swing")
#: account phases: evaluation (``challenge``, ``verification``) or ``funded``
PHASES = ("challenge", "verification", "funded")

_EMPTY: Mapping[str, int] = MappingProxyType({})


def _state_name(value: object) -> str:
    # accepts "ACTIVE", "active" or an Enum whose value or name is one of them
    raw = getattr(value, "value", value)
    text = str(raw).upper()
    if text not in TRADING_STATES:
        text = str(getattr(value, "name", raw)).upper()
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationContext:
    """Market and account facts at the moment a signal is evaluated.

    * ``spec``: the signal's symbol; ``spread_points``: current spread in points (``nan`` when
      unknown, which the spread check rejects);
    * ``atr_percentile``: percentile (0-100) of the current M5 ATR within the last 20 days
      (:func:`atr_percentile`); ``None``/``nan`` when unknown;
    * ``open_positions_symbol`` / ``open_positions_total``: open positions now;
    * ``currency_exposure``: net open positions per currency
      (:func:`exposure_from_positions`);
    * ``recent_trades``: closed trades in close-time order (the cool-down reads the tail);
    * ``trading_state``: ``"ACTIVE"``, ``"REDUCING"`` or ``"HALTED"`` (an Enum with that value
      or name is accepted);
    * ``headroom_money``: account money between equity (less open risk) and the nearest
      prop-firm floor, after any safety buffer; ``inf`` when no prop-firm rules apply;
      ``risk_budget_money``: the planned risk of this trade at multiplier 1.0
      (``equity × risk_per_trade``);
    * ``news``: the calendar (``None`` when none was loaded); ``account_type`` and ``phase``
      decide whether the FTMO news rule applies, unless ``news_restricted`` says so
      explicitly (the prop-firm rules' ``restricts_news``);
    * ``adjustments``: the performance-feedback limits (``None``: the configured defaults).
    """

    spec: SymbolSpec
    spread_points: float
    trading_state: str
    account_type: str
    phase: str
    atr_percentile: float | None = None
    open_positions_symbol: int = 0
    open_positions_total: int = 0
    currency_exposure: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    recent_trades: tuple[TradeResult, ...] = ()
    headroom_money: float = math.inf
    risk_budget_money: float = math.nan
    news: NewsCalendar | None = None
    news_restricted: bool | None = None
    adjustments: FeedbackAdjustments | None = None

    def __post_init__(self) -> None:
        state = _state_name(self.trading_state)
        if state not in TRADING_STATES:
            raise ValueError(
                f"trading_state must be one of {', '.join(TRADING_STATES)}, "
                f"got {self.trading_state!r}"
            )
        object.__setattr__(self, "trading_state", state)
        if self.account_type not in ACCOUNT_TYPES:
            raise ValueError(
                f"account_type must be one of {', '.join(ACCOUNT_TYPES)}, got {self.account_type!r}"
            )
        if self.phase not in PHASES:
            raise ValueError(f"phase must be one of {', '.join(PHASES)}, got {self.phase!r}")
        if self.open_positions_symbol < 0 or self.open_positions_total < 0:
            raise ValueError("open position counts must be >= 0")
        if self.open_positions_symbol > self.open_positions_total:
            raise ValueError(
                f"open_positions_symbol {self.open_positions_symbol} exceeds "
                f"open_positions_total {self.open_positions_total}"
            )
        if math.isnan(self.headroom_money):
            raise ValueError("headroom_money is nan: give the money to the nearest floor, or inf")
        if math.isfinite(self.headroom_money) and not self.risk_budget_money > 0.0:
            raise ValueError(
                f"risk_budget_money must be > 0 when headroom_money is finite, "
                f"got {self.risk_budget_money!r}"
            )
        if not isinstance(self.recent_trades, tuple):
            object.__setattr__(self, "recent_trades", tuple(self.recent_trades))
        if not isinstance(self.currency_exposure, MappingProxyType):
            object.__setattr__(
                self, "currency_exposure", MappingProxyType(dict(self.currency_exposure))
            )

    @property
    def news_rule_applies(self) -> bool:
        """``news_restricted`` when given, else True on a funded Standard account (FTMO)."""
        if self.news_restricted is not None:
            return self.news_restricted
        return self.phase == "funded" and self.account_type == "standard"


def account_fields(account: PropFirmAccount, sizing: SizingParams) -> dict[str, object]:
    """The context fields a prop-firm account provides, as keyword arguments.

    ``trading_state``, ``account_type``, ``phase`` and ``news_restricted`` from its rules;
    ``headroom_money`` = :attr:`PropFirmAccount.risk_room` (what a new order may lose at its
    stop before the worst case reaches the safety buffer of a floor, open positions counted);
    ``risk_budget_money`` = equity × ``sizing.risk_per_trade``.
    """
    rules = account.params
    return {
        "trading_state": account.state,
        "account_type": rules.account_type,
        "phase": rules.phase,
        "news_restricted": rules.restricts_news,
        "headroom_money": account.risk_room,
        "risk_budget_money": account.equity * sizing.risk_per_trade,
    }


def currency_deltas(spec: SymbolSpec, side: Side) -> tuple[tuple[str, int], ...]:
    """Exposure of one position: +1 in the currency bought, -1 in the currency sold.

    A buy of ``EURUSD`` gives ``(("EUR", 1), ("USD", -1))``. For metals, indices and crypto the
    spec's ``base_currency`` (``XAU``, ``US30``, ``BTC``) plays the bought currency.
    """
    sign = Side.parse(side).sign
    if spec.base_currency == spec.quote_currency:
        return ((spec.quote_currency, sign),)
    return ((spec.base_currency, sign), (spec.quote_currency, -sign))


def exposure_from_positions(positions: Iterable[tuple[SymbolSpec, Side]]) -> dict[str, int]:
    """Net open positions per currency (see :func:`currency_deltas`); zeros are dropped."""
    total: dict[str, int] = {}
    for spec, side in positions:
        for currency, delta in currency_deltas(spec, side):
            total[currency] = total.get(currency, 0) + delta
    return {c: v for c, v in sorted(total.items()) if v != 0}


def atr_percentile(current: float, history: np.ndarray | Iterable[float]) -> float:
    """Percentile rank (0-100) of ``current`` within ``history`` (finite values only).

    ``100 × (count(h < current) + ½ count(h == current)) / count(h)``, the "mean" rank; ``nan``
    when ``current`` is not finite or the history has no finite value. Give it the M5 ATR of
    the last 20 days (5,760 bars), excluding the current bar.
    """
    values = np.asarray(history, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0 or not math.isfinite(current):
        return math.nan
    below = int(np.count_nonzero(values < current))
    equal = int(np.count_nonzero(values == current))
    return 100.0 * (below + 0.5 * equal) / values.size

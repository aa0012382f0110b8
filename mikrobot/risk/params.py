"""Risk parameters as frozen pydantic models (unknown keys refused, ranges validated), so the
mikrobot config can embed them. Fractions are of equity (sizing) or of the initial balance
(prop-firm rules): ``0.05`` means 5 %."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mikrobot.core.errors import ConfigError
from mikrobot.core.symbol import SymbolSpec
from mikrobot.risk.presets import PRESETS, preset_names
from mikrobot.risk.sizing import ConversionRate, KellyStats, SizingResult, size_position


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def validation_message(exc: ValidationError, where: str) -> str:
    """One line per pydantic error, naming the field, the problem and the value given."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(model)"
        given = f" (got {err['input']!r})" if err["type"] != "extra_forbidden" else ""
        fix = (
            "unknown key: remove it or check its spelling"
            if err["type"] == "extra_forbidden"
            else err["msg"]
        )
        lines.append(f"{where}: {field}: {fix}{given}")
    return "\n".join(lines)


class SizingParams(_Frozen):
    """Position-sizing settings (SPEC §6)."""

    risk_per_trade: float = Field(0.005, gt=0, le=0.1, description="fraction of equity per trade")
    max_risk_per_trade: float = Field(
        0.01, gt=0, le=0.1, description="cap on the risk fraction, Kelly and multiplier included"
    )
    kelly_enabled: bool = Field(False, description="size from a fractional Kelly bet")
    kelly_fraction: float = Field(0.25, gt=0, le=1, description="share of the full Kelly bet")
    kelly_min_trades: int = Field(30, ge=1, description="fewer closed trades: fixed risk is used")
    commission_per_lot: float = Field(0.0, ge=0, description="round-turn, account currency")
    slippage_pips: float = Field(0.0, ge=0, description="slippage assumed at the stop, in pips")

    @model_validator(mode="after")
    def _risk_within_cap(self) -> Self:
        if self.risk_per_trade > self.max_risk_per_trade:
            raise ValueError(
                f"risk_per_trade {self.risk_per_trade} exceeds max_risk_per_trade "
                f"{self.max_risk_per_trade}: lower risk_per_trade or raise the cap"
            )
        return self

    def size(
        self,
        spec: SymbolSpec,
        *,
        equity: float,
        entry: float,
        stop: float,
        risk_multiplier: float = 1.0,
        spread: float | None = None,
        conversion_rate: ConversionRate | None = None,
        kelly: KellyStats | None = None,
        max_risk_money: float | None = None,
    ) -> SizingResult:
        """:func:`~mikrobot.risk.sizing.size_position` with these settings (``kelly`` is used
        only when ``kelly_enabled``; ``slippage_pips`` is converted with the spec's pip size)."""
        return size_position(
            spec,
            equity=equity,
            entry=entry,
            stop=stop,
            risk_per_trade=self.risk_per_trade,
            risk_multiplier=risk_multiplier,
            max_risk_per_trade=self.max_risk_per_trade,
            spread=spread,
            commission_per_lot=self.commission_per_lot,
            slippage=spec.pips_to_price(self.slippage_pips),
            conversion_rate=conversion_rate,
            kelly=kelly if self.kelly_enabled else None,
            kelly_fraction=self.kelly_fraction,
            kelly_min_trades=self.kelly_min_trades,
            max_risk_money=max_risk_money,
        )


class PropFirmParams(_Frozen):
    """Prop-firm rules plus mikrobot's own guards around them.

    Rule values come from a preset (:meth:`from_preset`); guard values (``safety_buffer``,
    ``hard_buffer``, ``slippage_allowance``, ``overnight_guard``, the break lead times) are
    mikrobot's margins, not FTMO numbers. ``news_restricted`` and ``weekend_flat_required``
    default to ``None`` = "as the account type says" (funded Standard restricts both).
    """

    preset: str = "custom"
    program: Literal["2step", "1step"] = "2step"
    phase: Literal["challenge", "verification", "funded"] = "challenge"
    account_type: Literal["standard", "swing"] = "standard"
    daily_loss: float = Field(
        0.05, gt=0, lt=1, description="of initial, below the midnight balance"
    )
    max_loss: float = Field(0.10, gt=0, lt=1, description="of initial")
    max_loss_mode: Literal["static", "trailing_eod"] = "static"
    trailing_lock_at_initial: bool = Field(
        False, description="UNVERIFIED: stop trailing once the floor reaches the initial balance"
    )
    profit_target: float | None = Field(0.10, gt=0, le=10, description="of initial; None = none")
    min_trading_days: int = Field(4, ge=0, le=366)
    best_day_rule: float | None = Field(
        None, gt=0, le=1, description="best day's profit <= this share of the total; None = off"
    )
    best_day_base: Literal["net_profit", "positive_days"] = Field(
        "net_profit", description="UNVERIFIED: what 'total profit' means for the best-day rule"
    )
    news_restricted: bool | None = None
    news_before_s: float = Field(120.0, ge=0, le=86_400)
    news_after_s: float = Field(120.0, ge=0, le=86_400)
    weekend_flat_required: bool | None = None
    long_break_hours: float = Field(2.0, ge=0, le=240, description="breaks longer than this count")
    entry_cutoff_before_break_min: float = Field(
        120.0, ge=0, le=10_080, description="no new entries this long before a long break"
    )
    flatten_before_break_min: float = Field(
        15.0, ge=0, le=10_080, description="flatten instruction this long before a long break"
    )
    max_volume_per_order: float | None = Field(None, gt=0, description="UNVERIFIED: lots per order")
    safety_buffer: float = Field(0.005, ge=0, lt=1, description="of initial: no entries within it")
    hard_buffer: float = Field(
        0.002, ge=0, lt=1, description="of initial: halt and flatten within it"
    )
    slippage_allowance: float = Field(
        0.10, ge=0, le=10, description="extra stop-out slippage, as a fraction of the stop distance"
    )
    overnight_guard: bool = Field(
        True, description="open risk must also fit the floors that apply after the next midnight"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.hard_buffer > self.safety_buffer:
            raise ValueError(
                f"hard_buffer {self.hard_buffer} exceeds safety_buffer {self.safety_buffer}: "
                "the halt line must lie inside the no-new-entries line"
            )
        if self.flatten_before_break_min > self.entry_cutoff_before_break_min:
            raise ValueError(
                f"flatten_before_break_min {self.flatten_before_break_min} exceeds "
                f"entry_cutoff_before_break_min {self.entry_cutoff_before_break_min}"
            )
        if self.safety_buffer >= min(self.daily_loss, self.max_loss):
            raise ValueError(
                f"safety_buffer {self.safety_buffer} leaves no room inside daily_loss "
                f"{self.daily_loss} / max_loss {self.max_loss}"
            )
        return self

    @property
    def restricts_news(self) -> bool:
        """Whether the news blackout applies (default: funded Standard accounts)."""
        if self.news_restricted is not None:
            return self.news_restricted
        return self.phase == "funded" and self.account_type == "standard"

    @property
    def requires_weekend_flat(self) -> bool:
        """Whether positions must be flat before the weekend and long breaks (funded Standard)."""
        if self.weekend_flat_required is not None:
            return self.weekend_flat_required
        return self.phase == "funded" and self.account_type == "standard"

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> PropFirmParams:
        """The preset's values with ``overrides`` applied.

        Raises :class:`ConfigError` naming an unknown preset, unknown override keys, or a value
        out of range.
        """
        if name not in PRESETS:
            raise ConfigError(
                f"unknown prop-firm preset {name!r}: choose one of {', '.join(preset_names())}"
            )
        known = set(cls.model_fields)
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(
                f"preset {name}: unknown override(s) {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        try:
            return cls.model_validate({**PRESETS[name], **overrides})
        except ValidationError as exc:
            raise ConfigError(validation_message(exc, f"preset {name}")) from None


class PropFirmSelection(_Frozen):
    """What a config file says: a preset, the initial balance and overrides of any rule."""

    preset: str = "ftmo-2step-challenge"
    initial_balance: float = Field(100_000.0, gt=0)
    overrides: Mapping[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.params()  # raises ConfigError (a ValueError) naming the bad key
        return self

    def params(self) -> PropFirmParams:
        """The resolved :class:`PropFirmParams`."""
        return PropFirmParams.from_preset(self.preset, **dict(self.overrides))

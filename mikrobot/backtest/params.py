"""Backtest settings as frozen pydantic models (unknown keys refused, ranges validated).

Costs: the spread comes from the bars' ``spread`` column (points) unless ``spread_points`` fixes
it; the commission is ``sizing.commission_per_lot`` (round turn, account currency), charged
**half at the entry fill and half at the exit fill**, so equity carries the entry half while a
position is open; slippage is paid on market fills (entries, stops, exit signals), never on
targets (limit orders).
"""

from __future__ import annotations

from typing import Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mikrobot.risk.params import PropFirmParams, SizingParams


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlippageParams(_Frozen):
    """Slippage on market fills, always against the trader.

    ``fixed``: every market fill pays ``pips``. ``random``: the fills of a bar pay a draw from
    ``uniform(0, pips)``; the draws come from ``numpy.random.default_rng(seed)``, one per bar
    in bar order, so the same seed gives the same run.
    """

    mode: Literal["none", "fixed", "random"] = "none"
    pips: float = Field(0.0, ge=0.0, le=1_000.0)
    seed: int = Field(0, ge=0)


class _PropFirmLike(Protocol):
    initial_balance: float

    def params(self) -> PropFirmParams: ...


class SettingsLike(Protocol):
    """What :meth:`BacktestParams.from_settings` reads (:class:`mikrobot.config.Settings`)."""

    @property
    def propfirm(self) -> _PropFirmLike: ...
    @property
    def risk(self) -> SizingParams: ...


def _challenge() -> PropFirmParams:
    return PropFirmParams.from_preset("ftmo-2step-challenge")


class BacktestParams(_Frozen):
    """How the simulation fills, costs, sizes and polices trades.

    * ``policy``: a bar touching both stop and target fills the stop (``pessimistic``), the
      target (``optimistic``), or the stop whenever touched even after a gap beyond the target
      (``stop_first``, backtesting.py's order of checks);
    * ``spread_points``: ``None`` uses the bars' ``spread`` column, or the symbol's
      ``typical_spread`` when the bars have none; a number fixes it for every bar;
    * ``max_open_positions``: the engine refuses fills beyond it (the strategic evaluation has
      its own per-symbol and total limits);
    * ``sizing``: risk per trade, caps, commission (also the commission charged) and the
      slippage the sizing assumes (Kelly is not simulated);
    * ``prop_firm``: the account's rules (``None``: no floors, no breach).
    """

    initial_balance: float = Field(100_000.0, gt=0)
    policy: Literal["pessimistic", "optimistic", "stop_first"] = "pessimistic"
    spread_points: float | None = Field(None, ge=0.0)
    max_open_positions: int = Field(3, ge=1, le=1_000)
    sizing: SizingParams = SizingParams()
    slippage: SlippageParams = SlippageParams()
    prop_firm: PropFirmParams | None = Field(default_factory=_challenge)

    @classmethod
    def from_settings(cls, settings: SettingsLike) -> BacktestParams:
        """The parameters a run of the settings uses: ``[propfirm]``'s initial balance and
        rules, ``[risk]``'s sizing, everything else at its default."""
        return cls(
            initial_balance=settings.propfirm.initial_balance,
            sizing=settings.risk,
            prop_firm=settings.propfirm.params(),
        )

    @model_validator(mode="after")
    def _supported(self) -> Self:
        if self.sizing.kelly_enabled:
            raise ValueError(
                "sizing.kelly_enabled: Kelly sizing is not simulated by the backtester; "
                "set it to false"
            )
        return self

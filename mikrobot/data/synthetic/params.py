"""The frozen parameter model of the synthetic market and of the planted BOS + retest episodes.

:class:`MarketParams` describes one symbol's price process; :func:`default_params` picks them
from a small table of typical levels and per-minute volatilities (with an asset-class fallback
for symbols not in the table). :class:`EpisodeParams` holds the strategy parameters the planted
episodes are built for (SPEC §1-§3 defaults) and the shape of the episodes, in pips.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from mikrobot.core.errors import ConfigError
from mikrobot.core.symbol import AssetClass, SymbolSpec

#: Session codes used for the per-session multipliers (index into the 5-tuples below).
SESSION_NAMES: tuple[str, ...] = ("off", "asia", "new_york", "london", "overlap")
OFF, ASIA, NEW_YORK, LONDON, OVERLAP = range(5)

Five = tuple[float, float, float, float, float]

# symbol -> (price level, per-minute standard deviation of price changes in price units)
_LEVELS: dict[str, tuple[float, float]] = {
    "EURUSD": (1.08, 0.00012),
    "GBPUSD": (1.27, 0.00015),
    "USDJPY": (150.0, 0.018),
    "USDCHF": (0.88, 0.00010),
    "USDCAD": (1.36, 0.00011),
    "AUDUSD": (0.66, 0.00009),
    "NZDUSD": (0.61, 0.00009),
    "EURJPY": (162.0, 0.020),
    "GBPJPY": (190.0, 0.026),
    "EURGBP": (0.85, 0.00007),
    "XAUUSD": (2300.0, 0.35),
    "XAGUSD": (27.0, 0.012),
    "US30": (39000.0, 6.0),
    "NAS100": (18000.0, 4.0),
    "US500": (5200.0, 1.0),
    "GER40": (18000.0, 3.5),
    "UK100": (8000.0, 1.5),
    "JP225": (38000.0, 9.0),
    "BTCUSD": (60000.0, 30.0),
    "ETHUSD": (3000.0, 2.0),
}

# asset class -> (price level, per-minute volatility as a fraction of the price)
_CLASS_FALLBACK: dict[AssetClass, tuple[float, float]] = {
    AssetClass.FX: (1.0, 1.0e-4),
    AssetClass.METAL: (100.0, 1.5e-4),
    AssetClass.INDEX: (10000.0, 2.0e-4),
    AssetClass.CRYPTO: (1000.0, 5.0e-4),
    AssetClass.ENERGY: (80.0, 3.0e-4),
}

# per-session volatility multipliers (off, asia, new_york, london, overlap)
_SESSION_VOL: dict[AssetClass, Five] = {
    AssetClass.FX: (0.45, 0.6, 1.1, 1.15, 1.6),
    AssetClass.METAL: (0.5, 0.65, 1.25, 1.1, 1.6),
    AssetClass.INDEX: (0.35, 0.5, 1.5, 0.9, 1.6),
    AssetClass.CRYPTO: (0.8, 0.9, 1.1, 1.0, 1.3),
    AssetClass.ENERGY: (0.5, 0.6, 1.3, 1.1, 1.6),
}

# mean tick volume of an M1 bar at volatility multiplier 1
_VOLUME: dict[AssetClass, float] = {
    AssetClass.FX: 60.0,
    AssetClass.METAL: 120.0,
    AssetClass.INDEX: 150.0,
    AssetClass.CRYPTO: 80.0,
    AssetClass.ENERGY: 80.0,
}


def _check_fields(cls: type, overrides: Mapping[str, Any], what: str) -> None:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(
            f"unknown {what} field(s) {', '.join(unknown)}; known fields: {', '.join(sorted(known))}"
        )


@dataclass(frozen=True, slots=True)
class MarketParams:
    """How one symbol's synthetic M1 bars are generated.

    Prices follow a log random walk with per-minute standard deviation
    ``sigma_t = vol / price * session_vol[session] * exp(h_t - vol_of_vol**2)`` where ``h_t`` is
    an AR(1) log-volatility process (``h_t = vol_persistence * h_{t-1} + eta * z``, stationary
    standard deviation ``vol_of_vol``), so ``vol`` is the per-minute standard deviation in price
    units of a session whose multiplier is 1. A Markov regime switches between *range* (pull of
    ``mean_reversion`` per minute towards the price where the range began) and *trend* (drift of
    ``trend_drift * sigma_t`` per minute, up or down with equal odds); mean durations are
    ``range_minutes`` and ``trend_minutes``. After a market-closed period the first bar opens
    with a gap of standard deviation ``gap_vol * vol * sqrt(hours closed)``. The *rollover
    minutes* are ``rollover_minutes`` (from, to) around 17:00 New York plus the first
    ``reopen_minutes`` after any close; ``sigma_t`` is multiplied by ``rollover_vol`` there.
    Sessions (codes in :data:`SESSION_NAMES` order) come from ``mikrobot.core.sessions``.

    Spread (points) is ``spread`` (``None``: the symbol's ``typical_spread``) times
    ``session_spread[session] * vol_state**spread_vol_elasticity`` (``vol_state = exp(h_t -
    vol_of_vol**2)``), a log-normal noise of ``spread_noise`` and ``rollover_spread`` in the
    rollover minutes, rounded and at least 1 (0 when the base spread is 0). Tick volume is ``volume * sigma_t / sigma`` times the
    bar's range relative to its expectation, a log-normal noise of ``volume_noise``, and
    ``rollover_volume`` in rollover minutes; at least 1.
    """

    price: float
    vol: float
    vol_persistence: float = 0.9985
    vol_of_vol: float = 0.35
    session_vol: Five = _SESSION_VOL[AssetClass.FX]
    rollover_vol: float = 0.6
    trend_drift: float = 0.08
    mean_reversion: float = 0.01
    trend_minutes: float = 240.0
    range_minutes: float = 420.0
    gap_vol: float = 1.5
    spread: float | None = None
    session_spread: Five = (1.8, 1.4, 1.0, 1.0, 0.85)
    spread_vol_elasticity: float = 0.5
    spread_noise: float = 0.2
    rollover_spread: float = 4.0
    rollover_minutes: tuple[int, int] = (-5, 10)
    reopen_minutes: int = 15
    volume: float = 60.0
    volume_noise: float = 0.3
    rollover_volume: float = 0.25

    def __post_init__(self) -> None:
        for name in ("price", "vol", "trend_minutes", "range_minutes", "volume"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(f"MarketParams.{name} must be > 0, got {value!r}")
        if not 0 <= self.vol_persistence < 1:
            raise ConfigError(
                f"MarketParams.vol_persistence must be within [0, 1), got {self.vol_persistence!r}"
            )
        for name in (
            "vol_of_vol",
            "trend_drift",
            "mean_reversion",
            "gap_vol",
            "spread_vol_elasticity",
            "spread_noise",
            "volume_noise",
        ):
            value = getattr(self, name)
            if not value >= 0:
                raise ConfigError(f"MarketParams.{name} must be >= 0, got {value!r}")
        for name in ("session_vol", "session_spread"):
            value = tuple(getattr(self, name))
            if len(value) != 5 or not all(v > 0 for v in value):
                raise ConfigError(
                    f"MarketParams.{name} needs 5 positive multipliers for the sessions "
                    f"{', '.join(SESSION_NAMES)}, got {value!r}"
                )
            object.__setattr__(self, name, tuple(float(v) for v in value))
        for name in ("rollover_vol", "rollover_spread", "rollover_volume"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"MarketParams.{name} must be > 0, got {getattr(self, name)!r}")
        if self.spread is not None and self.spread < 0:
            raise ConfigError(f"MarketParams.spread must be >= 0 points, got {self.spread!r}")
        lo, hi = self.rollover_minutes
        if not lo <= hi:
            raise ConfigError(
                f"MarketParams.rollover_minutes must be (before, after) with before <= after, got "
                f"{self.rollover_minutes!r}"
            )
        if self.reopen_minutes < 0:
            raise ConfigError(
                f"MarketParams.reopen_minutes must be >= 0, got {self.reopen_minutes}"
            )

    def with_overrides(self, **changes: Any) -> MarketParams:
        """A copy with some fields changed; unknown names raise ``ConfigError`` listing the known ones."""
        _check_fields(MarketParams, changes, "MarketParams")
        return replace(self, **changes)


def default_params(spec: SymbolSpec) -> MarketParams:
    """Parameters for ``spec``: the table's level and volatility, else the asset-class fallback.

    The fallback level of an FX pair quoted in JPY is 150; volatility is then a fixed fraction of
    the level. Session profile and tick volume depend on the asset class.
    """
    cls = spec.asset_class
    if spec.name in _LEVELS:
        price, vol = _LEVELS[spec.name]
    else:
        price, rel = _CLASS_FALLBACK[cls]
        if cls is AssetClass.FX and spec.quote_currency == "JPY":
            price = 150.0
        vol = price * rel
    return MarketParams(
        price=price,
        vol=vol,
        session_vol=_SESSION_VOL[cls],
        volume=_VOLUME[cls],
    )


def resolve_params(
    spec: SymbolSpec, params: MarketParams | Mapping[str, Any] | None
) -> MarketParams:
    """``params`` itself, or the defaults for ``spec`` with the mapping's fields overridden."""
    if isinstance(params, MarketParams):
        return params
    base = default_params(spec)
    return base if params is None else base.with_overrides(**dict(params))


@dataclass(frozen=True, slots=True)
class EpisodeParams:
    """The strategy parameters planted episodes satisfy (SPEC §1-§3) and their shape.

    Strategy side (defaults = SPEC): ``left``/``right`` swing bars, ``break_threshold``,
    ``retest_tolerance``, ``invalidation``, ``sl_buffer``, ``min_stop``, ``max_stop`` (pips),
    ``retest_window`` (minutes), ``rr``. Shape: ``direction`` (``"mix"``, ``"long"``,
    ``"short"``), ``outcome`` (``"mix"``, ``"target"``, ``"stop"``: where the price goes after the
    entry), ``leg_pips`` (range of the rise into the swing), ``risk_pips`` (range of the distance
    from the confirmation close to the stop, before the spread), ``max_spread_pips`` (spreads
    inside a planted window are capped there so the stop stays within bounds on wide-spread
    symbols), ``spacing_minutes`` (random bars kept between two episodes).
    """

    left: int = 3
    right: int = 3
    break_threshold: float = 0.8
    retest_tolerance: float = 0.8
    invalidation: float = 3.0
    retest_window: int = 60
    sl_buffer: float = 0.5
    min_stop: float = 3.0
    max_stop: float = 30.0
    rr: float = 2.0
    direction: Literal["mix", "long", "short"] = "mix"
    outcome: Literal["mix", "target", "stop"] = "mix"
    leg_pips: tuple[float, float] = (10.0, 20.0)
    risk_pips: tuple[float, float] = (5.0, 12.0)
    max_spread_pips: float = 3.0
    spacing_minutes: int = 60

    def __post_init__(self) -> None:
        if self.left < 1 or self.right < 1:
            raise ConfigError(
                f"EpisodeParams.left/right must be >= 1, got {self.left}/{self.right}"
            )
        for name in ("break_threshold", "retest_tolerance", "sl_buffer", "min_stop"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"EpisodeParams.{name} must be >= 0, got {getattr(self, name)!r}")
        if not self.invalidation > 2.5:
            raise ConfigError(
                f"EpisodeParams.invalidation must exceed 2.5 pips (retest closes sit up to 2 pips "
                f"below the level), got {self.invalidation!r}"
            )
        if self.retest_window < 30:
            raise ConfigError(
                f"EpisodeParams.retest_window must be >= 30 minutes, got {self.retest_window!r}"
            )
        if self.direction not in ("mix", "long", "short"):
            raise ConfigError(
                f"EpisodeParams.direction must be 'mix', 'long' or 'short', got {self.direction!r}"
            )
        if self.outcome not in ("mix", "target", "stop"):
            raise ConfigError(
                f"EpisodeParams.outcome must be 'mix', 'target' or 'stop', got {self.outcome!r}"
            )
        if not self.rr > 0:
            raise ConfigError(f"EpisodeParams.rr must be > 0, got {self.rr!r}")
        lo, hi = self.leg_pips
        if not 5.0 <= lo <= hi:
            raise ConfigError(
                f"EpisodeParams.leg_pips must be (lo, hi) with 5 <= lo <= hi, got {self.leg_pips!r}"
            )
        if not self.max_spread_pips > 0:
            raise ConfigError(
                f"EpisodeParams.max_spread_pips must be > 0, got {self.max_spread_pips!r}"
            )
        if self.spacing_minutes < 0:
            raise ConfigError(
                f"EpisodeParams.spacing_minutes must be >= 0, got {self.spacing_minutes}"
            )
        rlo, rhi = self.risk_range()
        if not rlo <= rhi:
            raise ConfigError(
                f"EpisodeParams: no stop distance fits: risk_pips {self.risk_pips} must leave room "
                f"above min_stop {self.min_stop} + 1 and, with max_spread_pips "
                f"{self.max_spread_pips} + 1, below max_stop {self.max_stop}; widen them"
            )

        if not self.rr * rlo > self.max_spread_pips + 1.0:
            raise ConfigError(
                f"EpisodeParams: rr {self.rr} times the smallest stop distance {rlo} pips must "
                f"exceed max_spread_pips {self.max_spread_pips} + 1; raise rr or risk_pips"
            )

    def risk_range(self) -> tuple[float, float]:
        """The range (pips) the confirmation-close-to-stop distance is drawn from.

        ``risk_pips`` clipped so that the stop distance, spread included, stays at least one pip
        inside ``[min_stop, max_stop]``, and at least 4.5 pips and 1.5 pips more than
        ``max_spread_pips`` (so the retest fits and the path after the entry never trips the
        other side by the spread).
        """
        lo, hi = self.risk_pips
        lo = max(lo, self.min_stop + 1.0, 4.5, self.sl_buffer + 4.0, self.max_spread_pips + 1.5)
        hi = min(hi, self.max_stop - self.max_spread_pips - 1.0)
        return lo, hi

    def with_overrides(self, **changes: Any) -> EpisodeParams:
        """A copy with some fields changed; unknown names raise ``ConfigError`` listing the known ones."""
        _check_fields(EpisodeParams, changes, "EpisodeParams")
        return replace(self, **changes)


def resolve_episode_params(params: EpisodeParams | Mapping[str, Any] | None) -> EpisodeParams:
    """``params`` itself, or the defaults with the mapping's fields overridden."""
    if isinstance(params, EpisodeParams):
        return params
    base = EpisodeParams()
    return base if params is None else base.with_overrides(**dict(params))

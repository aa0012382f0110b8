"""``market()``: a seeded synthetic M1 market for one symbol, optionally with planted episodes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.core.errors import ConfigError
from mikrobot.core.instruments import SymbolRegistry
from mikrobot.core.symbol import SymbolSpec
from mikrobot.data.frame import make_bars
from mikrobot.data.synthetic.calendar import minute_calendar
from mikrobot.data.synthetic.episodes import Draws, Script, build_script
from mikrobot.data.synthetic.nb import market_path_nb
from mikrobot.data.synthetic.params import (
    EpisodeParams,
    MarketParams,
    resolve_episode_params,
    resolve_params,
)
from mikrobot.data.synthetic.planting import TimeLike, episode_table, place_at, place_random

_EXPECTED_RANGE = math.sqrt(8.0 / math.pi)  # mean range of a unit Brownian motion over [0, 1]


@dataclass(frozen=True, eq=False)
class SyntheticMarket:
    """What :func:`market` returns.

    ``bars``: canonical M1 frame (``spread`` in points, ``attrs`` symbol/``"M1"``/``"synthetic"``);
    ``episodes``: one row per planted BOS + retest setup (columns in :data:`EPISODE_COLUMNS`);
    ``regime``: int8 per bar (0 range, +1 trend up, -1 trend down, 2 inside a planted window);
    ``spec``, ``params``, ``episode_params`` and ``seed``: what produced them.
    """

    bars: pd.DataFrame
    episodes: pd.DataFrame
    regime: pd.Series
    spec: SymbolSpec
    params: MarketParams
    episode_params: EpisodeParams
    seed: int


def _utc(when: TimeLike, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(when)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}={when!r} is not a time: give e.g. '2024-03-04 08:00'") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _span(start: TimeLike, days: float | None, end: TimeLike | None) -> tuple[int, int]:
    first = _utc(start, "start")
    if (days is None) == (end is None):
        raise ConfigError("give exactly one of days= or end= to market()")
    if days is not None:
        if not days > 0:
            raise ConfigError(f"days must be > 0, got {days!r}")
        last = first + pd.Timedelta(days=days)
    else:
        last = _utc(end, "end")  # type: ignore[arg-type]
        if last <= first:
            raise ConfigError(f"end {last} must be after start {first}")
    return first.value, last.value


def _resolve_spec(symbol: str | SymbolSpec, registry: SymbolRegistry | None) -> SymbolSpec:
    if isinstance(symbol, SymbolSpec):
        return symbol
    return (registry if registry is not None else SymbolRegistry())[symbol]


def market(
    symbol: str | SymbolSpec,
    start: TimeLike,
    *,
    days: float | None = None,
    end: TimeLike | None = None,
    seed: int = 0,
    params: MarketParams | Mapping[str, Any] | None = None,
    episodes: int | Sequence[TimeLike] = 0,
    episode_params: EpisodeParams | Mapping[str, Any] | None = None,
    registry: SymbolRegistry | None = None,
) -> SyntheticMarket:
    """Seeded synthetic M1 bars for ``symbol`` from ``start`` for ``days`` (or until ``end``).

    ``symbol`` is a name resolved through ``registry`` (default :class:`SymbolRegistry`) or a
    :class:`SymbolSpec`. Times are UTC (a naive time is taken as UTC). Bars exist for every
    minute of ``[start, end)`` on which ``mikrobot.core.sessions.market_closed`` is False for
    the symbol's asset class, and for no other. ``params`` is a :class:`MarketParams` or a
    mapping of fields overriding :func:`default_params` (see :class:`MarketParams` for the
    model). The same arguments give the same frame in every run and process.

    ``episodes``: a number of BOS + retest setups to plant, spread evenly over the span inside
    London/New York hours, or a list of window start times (open minutes on a 5-minute
    boundary, each window about two hours of open market). Each window is scripted (see
    :mod:`mikrobot.data.synthetic.episodes`) so that a SPEC-exact engine with
    ``episode_params`` (SPEC defaults) finds that setup at exactly the times and prices in
    :attr:`SyntheticMarket.episodes`; the random bars around it do not matter. Planting does
    not change the random draws of the bars around the windows (the walk resumes from each
    window's last close). Whether a break is a BOS or a CHoCH depends on the history before it
    and is not part of the table.
    """
    spec = _resolve_spec(symbol, registry)
    p = resolve_params(spec, params)
    ep = resolve_episode_params(episode_params)
    start_ns, end_ns = _span(start, days, end)
    cal = minute_calendar(start_ns, end_ns, spec.asset_class, p.rollover_minutes, p.reopen_minutes)
    ts, closed_before, codes, roll = cal.ts, cal.closed_before, cal.codes, cal.roll

    market_seq, episode_seq = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(market_seq)
    ep_rng = np.random.default_rng(episode_seq)

    scripts, starts = _plant(spec, ep, episodes, ts, closed_before, codes, p, ep_rng)

    sess_mult = np.asarray(p.session_vol)[codes]
    sess_mult[roll] *= p.rollover_vol
    o, hi, lo, c, sigma, regime, spread_noise, volume_noise = _path(
        p, spec, sess_mult, closed_before, rng, scripts, starts
    )
    close = ticks_to_price(c, spec)
    del c  # every step frees what it no longer needs: a year holds 3 MB per column
    sigma0 = p.vol / p.price
    vol_state = sigma / (sigma0 * sess_mult)
    del sess_mult
    vol_state **= p.spread_vol_elasticity  # in place, as ``vol_state ** elasticity`` computes
    spread = _spread(p, spec, codes, roll, vol_state, spread_noise)
    tick_volume = _tick_volume(p, spec, hi, lo, close, sigma, sigma0, roll, volume_noise)
    del sigma, vol_state, spread_noise, volume_noise
    for script, s in zip(scripts, starts, strict=True):
        spread[s : s + script.length] = script.spread
    prices = {"close": close}
    for name, ticks in (("open", o), ("high", hi), ("low", lo)):
        prices[name] = ticks_to_price(ticks, spec)
    del o, hi, lo

    bars = make_bars(
        ts,
        prices["open"],
        prices["high"],
        prices["low"],
        prices["close"],
        tick_volume,
        spread,
        symbol=spec.name,
        timeframe="M1",
        source="synthetic",
    )
    table = episode_table(scripts, starts, ts, prices, spread, spec, ep)
    return SyntheticMarket(
        bars=bars,
        episodes=table,
        regime=pd.Series(regime, index=bars.index, name="regime"),
        spec=spec,
        params=p,
        episode_params=ep,
        seed=seed,
    )


def _spread(
    p: MarketParams,
    spec: SymbolSpec,
    codes: np.ndarray,
    roll: np.ndarray,
    vol_power: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """Spread in points: ``max(rint(base * session_spread[codes] * vol_power * noise
    [* rollover_spread where roll]), 1)``, 0 everywhere when the base spread is 0; the float
    operations in that order, in one buffer."""
    base = spec.typical_spread if p.spread is None else p.spread
    if base <= 0:
        return np.zeros(codes.size, dtype=np.int64)
    raw = np.asarray(p.session_spread)[codes]
    raw *= base
    raw *= vol_power
    raw *= noise
    raw[roll] *= p.rollover_spread
    np.rint(raw, out=raw)
    np.maximum(raw, 1.0, out=raw)
    return raw.astype(np.int64)


def _tick_volume(
    p: MarketParams,
    spec: SymbolSpec,
    hi: np.ndarray,
    lo: np.ndarray,
    close: np.ndarray,
    sigma: np.ndarray,
    sigma0: float,
    roll: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """Tick volume: ``max(rint(volume * (sigma / sigma0) * (0.4 + 0.6 * ratio) * noise
    [* rollover_volume where roll]), 1)`` with ``ratio = (hi - lo) * tick / (expected range *
    sigma * close)`` (``hi``, ``lo`` in ticks); the float operations in that order, in two
    buffers."""
    ratio = np.multiply(hi - lo, spec.tick_size)
    price_sd = np.multiply(sigma, close)
    price_sd *= _EXPECTED_RANGE
    ratio /= price_sd
    del price_sd
    ratio *= 0.6
    ratio += 0.4
    volume = np.divide(sigma, sigma0)
    volume *= p.volume
    volume *= ratio
    del ratio
    volume *= noise
    volume[roll] *= p.rollover_volume
    np.rint(volume, out=volume)
    np.maximum(volume, 1.0, out=volume)
    return volume.astype(np.int64)


def _lognormal(z: np.ndarray, sd: float) -> np.ndarray:
    """``exp(sd * z - sd**2 / 2)`` (a log-normal factor of mean 1), computed in ``z``'s buffer."""
    np.multiply(z, sd, out=z)
    z -= 0.5 * sd**2
    return np.exp(z, out=z)


def _path(
    p: MarketParams,
    spec: SymbolSpec,
    sess_mult: np.ndarray,
    closed_before: np.ndarray,
    rng: np.random.Generator,
    scripts: list[Script],
    starts: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The random draws and the price path: ``(open, high, low, close)`` in ticks, ``sigma``,
    ``regime``, and the spread and volume noise factors (the draws' other uses).

    The draws, in this order: one normal for the first log-volatility, ``4 × n`` normals (returns,
    volatility shocks, spread noise, volume noise), ``n`` uniforms (regime switches), ``2 × n``
    exponentials (high and low extensions), one normal per reopen (gaps). The kernel's inputs
    are dropped when this returns.
    """
    n = sess_mult.size
    sigma0 = p.vol / p.price
    gap_sd = np.zeros(n)
    reopen = closed_before > 0
    gap_sd[reopen] = p.gap_vol * sigma0 * np.sqrt(closed_before[reopen] / 60.0)

    h0 = p.vol_of_vol * float(rng.standard_normal())
    # row by row: the same stream as ``rng.standard_normal((4, n))``, without one 4n block
    z_ret, z_vol, z_spread, z_volume = (rng.standard_normal(n) for _ in range(4))
    u = rng.random(n)
    e_high, e_low = (rng.standard_exponential(n) for _ in range(2))
    z_gap = np.zeros(n)
    z_gap[reopen] = rng.standard_normal(int(reopen.sum()))
    spread_noise = _lognormal(z_spread, p.spread_noise)
    volume_noise = _lognormal(z_volume, p.volume_noise)

    if scripts:
        ep_start = starts
        ep_len = np.array([s.length for s in scripts], dtype=np.int64)
        ep_first = np.concatenate([[0], np.cumsum(ep_len)[:-1]]).astype(np.int64)
        s_cols = [
            np.concatenate([getattr(s, f) for s in scripts])
            for f in ("open", "high", "low", "close")
        ]
    else:
        ep_start = ep_len = ep_first = np.zeros(0, dtype=np.int64)
        s_cols = [np.zeros(0, dtype=np.int64)] * 4
    phi = p.vol_persistence
    path = market_path_nb(
        math.log(p.price),
        sigma0,
        sess_mult,
        gap_sd,
        z_ret,
        z_vol,
        z_gap,
        u,
        e_high,
        e_low,
        h0,
        phi,
        p.vol_of_vol * math.sqrt(1.0 - phi * phi),
        p.vol_of_vol**2,
        p.trend_drift,
        p.mean_reversion,
        1.0 / p.trend_minutes,
        1.0 / p.range_minutes,
        spec.tick_size,
        ep_start,
        ep_len,
        ep_first,
        *s_cols,
    )
    return (*path, spread_noise, volume_noise)


def ticks_to_price(ticks: np.ndarray, spec: SymbolSpec) -> np.ndarray:
    """Prices of integer tick counts, rounded to ``spec.digits`` (the float a quote shows).

    When the tick is a whole number of ``10**-digits`` units, ``ticks * units / 10**digits`` is
    one exact integer product and one correctly rounded division: the same float as
    ``round(price, digits)``, faster.
    """
    scale = 10.0**spec.digits
    units = spec.tick_size * scale
    largest = max(int(ticks.max(initial=0)), -int(ticks.min(initial=0)))
    if abs(units - round(units)) < 1e-9 and largest * round(units) < 2**53:
        out = np.multiply(ticks, float(round(units)))  # exact: every product is below 2**53
        out /= scale
        return out
    return np.round(ticks * spec.tick_size, spec.digits)


def _plant(
    spec: SymbolSpec,
    ep: EpisodeParams,
    episodes: int | Sequence[TimeLike],
    ts: np.ndarray,
    closed_before: np.ndarray,
    codes: np.ndarray,
    p: MarketParams,
    rng: np.random.Generator,
) -> tuple[list[Script], np.ndarray]:
    if isinstance(episodes, int | np.integer) and not isinstance(episodes, bool):
        count = int(episodes)
        if count < 0:
            raise ConfigError(f"episodes must be >= 0 or a list of times, got {count}")
        times: Sequence[TimeLike] | None = None
    elif isinstance(episodes, str | datetime | pd.Timestamp):
        raise ConfigError(
            "episodes takes a number or a list of times; wrap a single time in a list"
        )
    else:
        times = sorted(episodes, key=lambda when: _utc(when, "episodes").value)
        count = len(times)
    typical = spec.typical_spread if p.spread is None else p.spread
    scripts = []
    rnd = Draws(rng)
    for _ in range(count):
        if ep.direction == "mix":
            direction = 1 if rnd.random() < 0.5 else -1
        else:
            direction = 1 if ep.direction == "long" else -1
        outcome = (
            ep.outcome if ep.outcome != "mix" else ("target" if rnd.random() < 0.5 else "stop")
        )
        scripts.append(build_script(spec, ep, direction, outcome, typical, rnd))
    lengths = [s.length for s in scripts]
    if times is None:
        starts = place_random(ts, closed_before, codes, lengths, ep.spacing_minutes, rng)
    else:
        starts = place_at(ts, closed_before, times, lengths)
    return scripts, starts

"""Engine-check driver: any boolean entry/exit arrays, fixed stop and target distances.

A signal at bar ``i`` (known at its close) enters at bar ``i + 1``'s open. Stops and targets are
placed from the signal bar's close, the way a strategy written for backtesting.py places them:
``close ∓ sl`` / ``close ± tp`` in price, or ``close × (1 ∓ sl_pct)`` / ``close × (1 ± tp_pct)``.

:func:`backtesting_compat` gives the settings under which the trade list equals backtesting.py
0.6.6's (``Backtest(..., cash, spread=0, commission=0, margin=1, trade_on_close=False,
hedging=False, exclusive_orders=True)``): the same entry and exit bars, prices and sizes.
How that broker fills, as read in its ``_Broker._process_orders``:

* market orders placed while bar ``i`` is processed fill at bar ``i + 1``'s open; with
  ``exclusive_orders`` the new order first closes every open trade at that open;
* a relative size (``0 < size < 1``) buys ``int(margin_available × size // price)`` whole
  units, the margin available being the cash once those trades are closed;
* the stop-loss order is checked before the take-profit, on every bar including the entry bar:
  a touched stop fills at ``min(open, stop)`` for a long (``max`` for a short) even when the
  bar opened beyond the target; otherwise a touched target fills at ``max(open, tp)``
  (``min`` for a short);
* profit is ``size × (exit − entry)``; trades still open at the end are left out of its list
  (``finalize_trades=False``) - here they close at the last close as ``end_of_data``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mikrobot.backtest import codes
from mikrobot.backtest.engine import Market, Simulation
from mikrobot.backtest.params import BacktestParams, SlippageParams
from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.signals_nb import sma_cross_nb
from mikrobot.core.symbol import AssetClass, SymbolSpec
from mikrobot.risk.params import SizingParams


def unit_spec(name: str = "UNIT", digits: int = 5) -> SymbolSpec:
    """A symbol traded in whole units of one (contract size 1, tick value = tick size, so a
    price move of 1.0 earns 1.0 per unit): backtesting.py's accounting."""
    point = 10.0**-digits
    return SymbolSpec(
        name=name,
        asset_class=AssetClass.FX,
        digits=digits,
        point=point,
        pip_size=point * 10,
        tick_size=point,
        tick_value=point,
        contract_size=1.0,
        volume_min=1.0,
        volume_max=1e15,
        volume_step=1.0,
        base_currency="XXX",
        quote_currency="USD",
        profit_currency="USD",
        typical_spread=0.0,
    )


def backtesting_compat(cash: float = 10_000.0) -> BacktestParams:
    """Settings that reproduce backtesting.py 0.6.6's fills (see the module docstring): no
    spread, commission or slippage, the stop checked first, one position, no prop-firm rules."""
    return BacktestParams(
        initial_balance=cash,
        policy="stop_first",
        spread_points=0.0,
        max_open_positions=1,
        sizing=SizingParams(commission_per_lot=0.0, slippage_pips=0.0),
        slippage=SlippageParams(),
        prop_firm=None,
    )


def run_signals(
    bars: pd.DataFrame | Market,
    entries: np.ndarray,
    short_entries: np.ndarray | None = None,
    exits: np.ndarray | None = None,
    short_exits: np.ndarray | None = None,
    *,
    sl: float | None = None,
    tp: float | None = None,
    sl_pct: float | None = None,
    tp_pct: float | None = None,
    size: float = 1.0,
    cash_fraction: float | None = None,
    exclusive: bool = True,
    spec: SymbolSpec | None = None,
    params: BacktestParams | None = None,
    config_hash: str = "",
) -> BacktestResult:
    """Backtest boolean signals (one per bar, known at the bar's close).

    Args:
        bars: canonical M1 bars, or a prepared :class:`Market`.
        entries / short_entries: enter long / short at the next open (not both on one bar).
        exits / short_exits: close longs / shorts at the next open.
        sl, tp: stop and target distances in price from the signal bar's close; or
        sl_pct, tp_pct: the same as fractions of that close (``0.001`` = 0.1 %).
        size: volume of every order in lots (in units with :func:`unit_spec`).
        cash_fraction: instead of ``size``, ``int(cash × fraction // fill price)`` units
            (backtesting.py's relative size; use with :func:`unit_spec`).
        exclusive: an entry first closes every open position (backtesting.py's
            ``exclusive_orders=True``).
        spec: the symbol (default :func:`unit_spec`, unless ``bars`` is a Market).
        params: fills and costs (default :func:`backtesting_compat`); prop-firm rules apply
            when set, sizing stays fixed.
        config_hash: stamped on the result.
    """
    params = backtesting_compat() if params is None else params
    if isinstance(bars, Market):
        market = bars
    else:
        market = Market.from_bars(bars, spec or unit_spec(), params.spread_points)
    n = len(market)
    longs = _mask(entries, n, "entries")
    shorts = np.zeros(n, np.bool_) if short_entries is None else _mask(short_entries, n, "short")
    both = np.flatnonzero(longs & shorts)
    if both.size:
        raise ValueError(
            f"entries and short_entries are both True at {both.size} bars (first: bar "
            f"{int(both[0])}): keep one signal per bar"
        )
    if (sl is not None and sl_pct is not None) or (tp is not None and tp_pct is not None):
        raise ValueError("give sl or sl_pct (and tp or tp_pct), not both")
    signal = np.flatnonzero((longs | shorts)[:-1]) if n > 1 else np.zeros(0, np.int64)
    side = np.where(longs[signal], 1, -1)
    close = market.close[signal]
    stop = _levels(close, side, -1, sl, sl_pct)
    target = _levels(close, side, 1, tp, tp_pct)
    mode = codes.SIZE_FIXED if cash_fraction is None else codes.SIZE_CASH_FRACTION
    if cash_fraction is not None and not 0 < cash_fraction < 1:
        raise ValueError(f"cash_fraction must be within (0, 1), got {cash_fraction}")
    if not (math.isfinite(size) and size > 0):
        raise ValueError(f"size must be a positive number of lots, got {size}")
    sim = Simulation(
        market,
        params,
        capacity=signal.size,
        size_mode=mode,
        exclusive=exclusive,
        cash_fraction=cash_fraction or 0.0,
        exit_long=None if exits is None else _mask(exits, n, "exits"),
        exit_short=None if short_exits is None else _mask(short_exits, n, "short_exits"),
    )
    sim.add_orders(signal + 1, side, stop, target, volume=size)
    return BacktestResult.from_simulation(
        sim, config_hash=config_hash, signals=int(signal.size), mode="signals"
    )


def run_sma_cross(
    bars: pd.DataFrame | Market,
    fast: int = 10,
    slow: int = 30,
    **kwargs: object,
) -> BacktestResult:
    """The B3 engine check: long when the fast SMA of closes crosses above the slow one, short
    when it crosses below (each entry closes the previous position); other arguments go to
    :func:`run_signals` (``sl``, ``tp``, ``cash_fraction``...)."""
    market = bars if isinstance(bars, Market) else None
    close = market.close if market is not None else np.ascontiguousarray(bars["close"].to_numpy())
    up, down = sma_cross_nb(close, fast, slow)
    return run_signals(bars, up, down, **kwargs)  # type: ignore[arg-type]


def _mask(values: np.ndarray, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.bool_)
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; give one boolean per bar ({n},)")
    return arr


def _levels(
    close: np.ndarray, side: np.ndarray, sign: int, dist: float | None, pct: float | None
) -> np.ndarray:
    """Stop (sign -1) or target (sign +1) levels from the signal closes; NaN when not set."""
    if dist is not None:
        if not dist > 0:
            raise ValueError(f"stop/target distance must be > 0, got {dist}")
        return np.where(side * sign > 0, close + dist, close - dist)
    if pct is not None:
        if not 0 < pct < 1:
            raise ValueError(f"stop/target fraction must be within (0, 1), got {pct}")
        return np.where(side * sign > 0, close * (1 + pct), close * (1 - pct))
    return np.full(close.shape[0], np.nan)

"""The Python side of the simulation: prepared bar arrays and a resumable run of the kernel.

:class:`Market` holds the arrays every run over the same bars shares (prices, spread in price
units, Prague day numbers). :class:`Simulation` owns one run's orders, state, account, open
positions and trades, and drives :func:`mikrobot.backtest.nb.simulate_nb` forward bar range by
bar range; the drivers (:mod:`~mikrobot.backtest.check`, :mod:`~mikrobot.backtest.driver`) add
orders between the steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from mikrobot.backtest import codes
from mikrobot.backtest.days import prague_days
from mikrobot.backtest.mirror_nb import A_BALANCE, new_account
from mikrobot.backtest.nb import (
    ORDER_PENDING,
    PARAM_DTYPE,
    TRADE_DTYPE,
    close_all_nb,
    new_state,
    simulate_nb,
)
from mikrobot.backtest.params import BacktestParams
from mikrobot.core.symbol import SymbolSpec
from mikrobot.data.frame import PRICE_COLUMNS

_EMPTY_BOOL = np.zeros(0, np.bool_)


@dataclass(frozen=True, eq=False)
class Market:
    """Contiguous arrays of one canonical M1 bar frame, ready for the kernels.

    ``spread`` is in price units: one value per bar from the ``spread`` column (points × the
    symbol's point), or a single value for every bar. ``day`` (Prague day numbers) is computed
    on first use.
    """

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    spread: np.ndarray
    spec: SymbolSpec

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @cached_property
    def day(self) -> np.ndarray:
        """Prague day number of each bar (days since 1970-01-01, Prague wall time)."""
        return prague_days(self.time)

    @cached_property
    def index(self) -> pd.DatetimeIndex:
        """The bar open times as a UTC DatetimeIndex."""
        return pd.DatetimeIndex(self.time.view("datetime64[ns]"), tz="UTC", name="time")

    @classmethod
    def from_bars(
        cls, bars: pd.DataFrame, spec: SymbolSpec, spread_points: float | None = None
    ) -> Market:
        """Arrays of canonical M1 ``bars``; ``spread_points`` fixes the spread (``None``: the
        ``spread`` column, or ``spec.typical_spread`` without one)."""
        missing = [c for c in PRICE_COLUMNS if c not in bars.columns]
        if missing or not isinstance(bars.index, pd.DatetimeIndex):
            raise ValueError(
                f"bars need a DatetimeIndex and the columns {', '.join(PRICE_COLUMNS)}; "
                f"missing: {', '.join(missing) or 'the DatetimeIndex'} (load them with "
                "mikrobot.data)"
            )
        if len(bars) == 0:
            raise ValueError("bars are empty: give at least one bar")
        index = bars.index
        if index.tz is None:
            raise ValueError("bars need a UTC DatetimeIndex (tz-aware): see mikrobot.data.frame")
        if str(index.tz) != "UTC" or index.unit != "ns":  # the canonical frame needs neither
            index = index.tz_convert("UTC").as_unit("ns")
        time = np.ascontiguousarray(index.asi8)
        if time.shape[0] > 1 and not bool(np.all(time[1:] > time[:-1])):
            raise ValueError("bar times must be strictly increasing: sort and de-duplicate them")
        if spread_points is not None:
            spread = np.array([spread_points * spec.point])
        elif "spread" in bars.columns:  # points to price units, without a float64 copy first
            spread = np.multiply(bars["spread"].to_numpy(), spec.point, dtype=np.float64)
        else:
            spread = np.array([spec.typical_spread * spec.point])
        arrays = {c: np.ascontiguousarray(bars[c].to_numpy(np.float64)) for c in PRICE_COLUMNS}
        return cls(time=time, spread=np.ascontiguousarray(spread), spec=spec, **arrays)


def slippage_array(params: BacktestParams, spec: SymbolSpec, n: int) -> np.ndarray:
    """Slippage in price units per bar (one value when it is the same for all)."""
    s = params.slippage
    if s.mode == "none" or s.pips == 0.0:
        return np.zeros(1)
    amount = spec.pips_to_price(s.pips)
    if s.mode == "fixed":
        return np.array([amount])
    return np.random.default_rng(s.seed).uniform(0.0, amount, n)


def kernel_params(
    params: BacktestParams,
    spec: SymbolSpec,
    *,
    size_mode: int = codes.SIZE_RISK,
    exclusive: bool = False,
    cash_fraction: float = 0.0,
) -> np.ndarray:
    """The one-record :data:`~mikrobot.backtest.nb.PARAM_DTYPE` array for the kernel."""
    prm = np.zeros(1, PARAM_DTYPE)
    r = prm[0]
    r["policy"] = codes.POLICIES[params.policy]
    r["exclusive"] = exclusive
    r["max_open"] = params.max_open_positions
    r["size_mode"] = size_mode
    r["cash_fraction"] = cash_fraction
    r["risk_per_trade"] = params.sizing.risk_per_trade
    r["max_risk_per_trade"] = params.sizing.max_risk_per_trade
    r["commission"] = params.sizing.commission_per_lot
    r["sizing_slippage"] = spec.pips_to_price(params.sizing.slippage_pips)
    pf = params.prop_firm
    r["slippage_allowance"] = 0.0 if pf is None else pf.slippage_allowance
    r["tick_size"] = spec.tick_size
    r["tick_value"] = spec.tick_value
    r["value_per_price"] = spec.tick_value / spec.tick_size
    r["volume_min"] = spec.volume_min
    r["volume_max"] = spec.volume_max
    r["volume_step"] = spec.volume_step
    r["prop"] = pf is not None
    return prm


def account_array(params: BacktestParams) -> np.ndarray:
    """The kernel's account array for these rules (static floors, no breach without rules)."""
    pf = params.prop_firm
    if pf is None:
        return new_account(params.initial_balance, daily_loss=1.0, max_loss=1.0, trailing=False)
    return new_account(
        params.initial_balance,
        daily_loss=pf.daily_loss,
        max_loss=pf.max_loss,
        trailing=pf.max_loss_mode == "trailing_eod",
        lock_at_initial=pf.trailing_lock_at_initial,
        safety_buffer=pf.safety_buffer,
        overnight_guard=pf.overnight_guard,
    )


class Simulation:
    """One resumable run of the kernel over a :class:`Market`.

    Add orders with :meth:`add_order` (entry bars never decreasing, never before the bar the
    run has reached), move on with :meth:`advance`, and end with :meth:`finish`.
    """

    def __init__(
        self,
        market: Market,
        params: BacktestParams,
        *,
        capacity: int,
        size_mode: int = codes.SIZE_RISK,
        exclusive: bool = False,
        cash_fraction: float = 0.0,
        exit_long: np.ndarray | None = None,
        exit_short: np.ndarray | None = None,
        slippage: np.ndarray | None = None,
    ) -> None:
        self.market = market
        self.params = params
        n = len(market)
        self.prm = kernel_params(
            params,
            market.spec,
            size_mode=size_mode,
            exclusive=exclusive,
            cash_fraction=cash_fraction,
        )
        self.slip = (
            slippage_array(params, market.spec, n)
            if slippage is None
            else np.ascontiguousarray(slippage, dtype=np.float64)
        )
        self.day = market.day if params.prop_firm is not None else np.zeros(1, np.int64)
        self.exit_long = _EMPTY_BOOL if exit_long is None else _bools(exit_long, n, "exit_long")
        self.exit_short = _EMPTY_BOOL if exit_short is None else _bools(exit_short, n, "exit_short")
        if (exit_long is None) != (exit_short is None):
            # the kernel reads both or neither
            if exit_long is None:
                self.exit_long = np.zeros(n, np.bool_)
            else:
                self.exit_short = np.zeros(n, np.bool_)
        cap = max(int(capacity), 1)
        self.o_bar = np.zeros(cap, np.int64)
        self.o_side = np.zeros(cap, np.int64)
        self.o_stop = np.full(cap, np.nan)
        self.o_target = np.full(cap, np.nan)
        self.o_volume = np.full(cap, np.nan)
        self.o_mult = np.ones(cap)
        self.o_status = np.full(cap, ORDER_PENDING, np.int64)
        self.n_orders = 0
        self.st = new_state()
        self.acct = account_array(params)
        self.pos = np.zeros(params.max_open_positions, TRADE_DTYPE)
        self.trades = np.zeros(cap, TRADE_DTYPE)
        self.scratch = np.zeros((4, params.max_open_positions))
        self.finished = False

    # ------------------------------------------------------------------ state
    @property
    def cursor(self) -> int:
        """The next bar to simulate."""
        return int(self.st[0]["cursor"])

    @property
    def breached(self) -> bool:
        """True once a floor was breached (the run is over)."""
        return int(self.st[0]["status"]) == codes.STATUS_BREACHED

    @property
    def balance(self) -> float:
        """Balance (closed results, commissions paid) now."""
        return float(self.acct[A_BALANCE])

    @property
    def equity(self) -> float:
        """Equity at the close of the last simulated bar (the balance before any bar)."""
        value = float(self.st[0]["equity"])
        return self.balance if math.isnan(value) else value

    @property
    def n_open(self) -> int:
        """Open positions now."""
        return int(self.st[0]["n_open"])

    @property
    def open_positions(self) -> np.ndarray:
        """The open positions (a copy of the kernel's records)."""
        return self.pos[: self.n_open].copy()

    @property
    def pending(self) -> int:
        """Orders added but not yet reached by the run."""
        return self.n_orders - int(self.st[0]["next_order"])

    # ------------------------------------------------------------------ driving
    def add_order(
        self,
        bar: int,
        side: int,
        stop: float = math.nan,
        target: float = math.nan,
        *,
        volume: float = math.nan,
        multiplier: float = 1.0,
    ) -> int:
        """Queue an order filling at the open of ``bar``; returns its index."""
        k = self.n_orders
        if k >= self.o_bar.shape[0]:
            self._grow()
        if k and bar < self.o_bar[k - 1]:
            raise ValueError(f"orders must come in entry-bar order: {bar} < {self.o_bar[k - 1]}")
        self.o_bar[k] = bar
        self.o_side[k] = 1 if side > 0 else -1
        self.o_stop[k] = stop
        self.o_target[k] = target
        self.o_volume[k] = volume
        self.o_mult[k] = multiplier
        self.n_orders = k + 1
        return k

    def add_orders(
        self,
        bar: np.ndarray,
        side: np.ndarray,
        stop: np.ndarray,
        target: np.ndarray,
        volume: np.ndarray | float = math.nan,
        multiplier: np.ndarray | float = 1.0,
    ) -> None:
        """Queue many orders at once (sorted by ``bar``)."""
        m = int(np.shape(bar)[0])
        k = self.n_orders
        while k + m > self.o_bar.shape[0]:
            self._grow()
        sl = slice(k, k + m)
        self.o_bar[sl] = bar
        self.o_side[sl] = np.where(np.asarray(side) > 0, 1, -1)
        self.o_stop[sl] = stop
        self.o_target[sl] = target
        self.o_volume[sl] = volume
        self.o_mult[sl] = multiplier
        self.n_orders = k + m

    def advance(self, stop_bar: int | None = None) -> int:
        """Simulate up to (not including) ``stop_bar`` (default: the end); returns the status."""
        m = self.market
        end = len(m) if stop_bar is None else int(stop_bar)
        return int(
            simulate_nb(
                m.open,
                m.high,
                m.low,
                m.close,
                m.spread,
                self.slip,
                self.day,
                self.exit_long,
                self.exit_short,
                self.o_bar,
                self.o_side,
                self.o_stop,
                self.o_target,
                self.o_volume,
                self.o_mult,
                self.o_status,
                self.n_orders,
                end,
                self.prm,
                self.st,
                self.acct,
                self.pos,
                self.trades,
                self.scratch,
            )
        )

    def finish(self) -> None:
        """Run to the end and close what is still open at the last bar's close (``end_of_data``)."""
        if self.finished:
            return
        self.advance()
        if not self.breached and self.n_open:
            close_all_nb(
                self.market.close,
                self.market.spread,
                len(self.market) - 1,
                codes.EXIT_END,
                self.prm,
                self.st,
                self.acct,
                self.pos,
                self.trades,
            )
        self.finished = True

    def _grow(self) -> None:
        cap = self.o_bar.shape[0] * 2
        for name, fill in (
            ("o_bar", 0),
            ("o_side", 0),
            ("o_stop", np.nan),
            ("o_target", np.nan),
            ("o_volume", np.nan),
            ("o_mult", 1.0),
            ("o_status", ORDER_PENDING),
        ):
            old = getattr(self, name)
            new = np.full(cap, fill, dtype=old.dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)
        trades = np.zeros(cap, TRADE_DTYPE)
        trades[: self.trades.shape[0]] = self.trades
        self.trades = trades

    # ------------------------------------------------------------------ outputs
    @property
    def closed_trades(self) -> np.ndarray:
        """The closed trades so far, in closing order."""
        return self.trades[: int(self.st[0]["n_trades"])]

    def rejections(self) -> dict[str, int]:
        """Orders the kernel refused, by reason name."""
        status = self.o_status[: self.n_orders]
        counts = np.bincount(status[status >= 0], minlength=codes.N_REJECT)
        return {codes.REJECT_NAMES[c]: int(counts[c]) for c in range(codes.N_REJECT) if counts[c]}


def _bools(values: np.ndarray, n: int, name: str) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.bool_))
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; give one boolean per bar ({n},)")
    return arr

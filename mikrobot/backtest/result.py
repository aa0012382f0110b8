"""The outcome of one backtest: trades, curves on demand, statistics, rejections, config hash."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from mikrobot.backtest import codes
from mikrobot.backtest.engine import Market, Simulation
from mikrobot.backtest.nb import equity_curve_nb
from mikrobot.backtest.params import BacktestParams

_SIDE = pd.CategoricalDtype(["short", "long"])
_REASONS = pd.CategoricalDtype([codes.EXIT_NAMES[k] for k in sorted(codes.EXIT_NAMES)])

TRADE_COLUMNS = (
    "entry_time",
    "exit_time",
    "side",
    "volume",
    "entry_price",
    "exit_price",
    "stop",
    "target",
    "pnl",
    "r",
    "exit_reason",
    "ambiguous",
    "commission",
    "slippage",
    "risk",
    "multiplier",
    "entry_bar",
    "exit_bar",
    "order",
)


def trades_frame(records: np.ndarray, times: np.ndarray) -> pd.DataFrame:
    """The trade list of kernel trade records, sorted by entry (then order); ``times`` are the
    bars' open times in UTC epoch ns.

    Columns: ``entry_time``/``exit_time`` (bar open times: a fill at a bar's open, or a stop or
    target inside that bar), ``side`` (``long``/``short``), ``volume`` (lots), ``entry_price``
    and ``exit_price`` (fills, spread and slippage included), ``stop``, ``target``, ``pnl``
    (net of commission), ``r`` (pnl / ``risk``, the planned money at risk), ``exit_reason``
    (``stop``, ``target``, ``signal``, ``breach``, ``end_of_data``), ``ambiguous`` (the exit
    bar touched stop and target), ``commission``, ``slippage`` (money), ``risk``,
    ``multiplier``, ``entry_bar``/``exit_bar`` (positions in the bars), ``order``.
    """
    cols = {name: records[name] for name in records.dtype.names}
    key = cols["entry_bar"] * (int(cols["order"].max(initial=0)) + 1) + cols["order"]
    if key.shape[0] > 1 and not bool(np.all(key[1:] >= key[:-1])):
        take = np.argsort(key, kind="stable")
        cols = {name: values[take] for name, values in cols.items()}
    else:
        cols = {name: np.ascontiguousarray(values) for name, values in cols.items()}
    risk = cols["risk"]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(risk > 0, cols["pnl"] / risk, np.nan)
    return pd.DataFrame(
        {
            "entry_time": _times(times[cols["entry_bar"]]),
            "exit_time": _times(times[cols["exit_bar"]]),
            "side": pd.Categorical.from_codes((cols["side"] > 0).astype(np.int8), dtype=_SIDE),
            "volume": cols["volume"],
            "entry_price": cols["entry_price"],
            "exit_price": cols["exit_price"],
            "stop": cols["stop"],
            "target": cols["target"],
            "pnl": cols["pnl"],
            "r": r,
            "exit_reason": pd.Categorical.from_codes(cols["exit_reason"] - 1, dtype=_REASONS),
            "ambiguous": cols["ambiguous"],
            "commission": cols["commission"],
            "slippage": cols["slippage"],
            "risk": risk,
            "multiplier": cols["multiplier"],
            "entry_bar": cols["entry_bar"],
            "exit_bar": cols["exit_bar"],
            "order": cols["order"],
        },
        copy=False,
    )


def _times(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(ns, np.int64).view("datetime64[ns]"), tz="UTC")


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """One backtest's outcome (frozen; curves and statistics are computed on first access).

    * ``trades``: the trade list (see :func:`trades_frame`);
    * ``equity`` / ``drawdown``: M1 curves at bar closes (see :attr:`equity`);
    * ``stats``: :class:`~mikrobot.backtest.stats.Stats` (see that module for the definitions);
    * ``rejections``: refused signals by reason code (the strategic evaluation's codes, and the
      engine's own: ``max_open_positions``, ``prop_firm_no_room``, ``below_volume_min``...);
    * ``breach_time`` / ``breach_reason`` (``max_daily_loss`` or ``max_loss``): when and why
      the account was lost (the run ends there), else ``None``;
    * ``ambiguous_bars``: bars where an open position touched both its stop and its target;
    * ``config_hash``: the hash of the settings that produced it (passed in by the caller).
    """

    trades: pd.DataFrame
    market: Market = field(repr=False)
    params: BacktestParams = field(repr=False)
    config_hash: str
    n_bars: int
    initial_balance: float
    final_balance: float
    ambiguous_bars: int
    breach_time: pd.Timestamp | None
    breach_reason: str | None
    breach_equity: float | None
    rejections: Mapping[str, int]
    signals: int
    mode: str = "setups"
    extras: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_simulation(
        cls,
        sim: Simulation,
        *,
        config_hash: str,
        rejections: Mapping[str, int] | None = None,
        signals: int | None = None,
        mode: str = "setups",
        extras: Mapping[str, Any] | None = None,
    ) -> BacktestResult:
        """Collect a finished :class:`Simulation` (finishing it if needed)."""
        sim.finish()
        st = sim.st[0]
        market = sim.market
        breached = int(st["status"]) == codes.STATUS_BREACHED
        counts = dict(rejections or {})
        for name, count in sim.rejections().items():
            counts[name] = counts.get(name, 0) + count
        return cls(
            trades=trades_frame(sim.closed_trades, market.time),
            market=market,
            params=sim.params,
            config_hash=config_hash,
            n_bars=int(st["cursor"]),
            initial_balance=sim.params.initial_balance,
            final_balance=sim.balance,
            ambiguous_bars=int(st["ambiguous"]),
            breach_time=market.index[int(st["breach_bar"])] if breached else None,
            breach_reason=codes.BREACH_NAMES[int(st["breach_code"])] if breached else None,
            breach_equity=float(st["breach_equity"]) if breached else None,
            rejections=MappingProxyType(dict(sorted(counts.items()))),
            signals=sim.n_orders if signals is None else signals,
            mode=mode,
            extras=MappingProxyType(dict(extras or {})),
        )

    # ------------------------------------------------------------------ curves
    @cached_property
    def _curves(self) -> tuple[np.ndarray, np.ndarray]:
        t = self.trades
        m = self.market
        spec = m.spec
        # the entry half of the round-turn commission is in equity while a position is open
        entry_commission = self.params.sizing.commission_per_lot * t["volume"].to_numpy() * 0.5
        return equity_curve_nb(
            m.close,
            m.spread,
            np.where(t["side"].cat.codes.to_numpy() == 1, 1, -1).astype(np.int64),
            t["entry_bar"].to_numpy(),
            t["exit_bar"].to_numpy(),
            t["entry_price"].to_numpy(),
            t["volume"].to_numpy(),
            t["pnl"].to_numpy(),
            np.ascontiguousarray(entry_commission),
            self.initial_balance,
            spec.tick_value / spec.tick_size,
            self.n_bars,
        )

    @property
    def equity(self) -> pd.Series:
        """Equity at each simulated bar's close: initial balance + closed results + open
        positions marked at the close (longs at bid, shorts at ask) − entry commissions. The
        curve ends at the last simulated bar (the breach bar when the account was lost)."""
        return pd.Series(self._curves[0], index=self.market.index[: self.n_bars], name="equity")

    @property
    def exposed(self) -> np.ndarray:
        """Per simulated bar: True when a position was open at some moment of the bar."""
        return self._curves[1]

    @property
    def drawdown(self) -> pd.Series:
        """Equity minus its running peak (the initial balance included), <= 0, in money."""
        eq = self._curves[0]
        peak = np.maximum.accumulate(np.maximum(eq, self.initial_balance))
        return pd.Series(eq - peak, index=self.market.index[: self.n_bars], name="drawdown")

    # ------------------------------------------------------------------ statistics
    @cached_property
    def stats(self) -> Any:
        """The :class:`~mikrobot.backtest.stats.Stats` of this result."""
        from mikrobot.backtest.stats import compute_stats

        return compute_stats(self)

    @property
    def breached(self) -> bool:
        """True when the account was lost."""
        return self.breach_time is not None

    def summary(self) -> dict[str, Any]:
        """Statistics, rejections and identity as one JSON-able dict."""
        out = self.stats.to_dict()
        out["rejections"] = dict(self.rejections)
        out["signals"] = self.signals
        out["config_hash"] = self.config_hash
        out["mode"] = self.mode
        return out

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"BacktestResult({self.mode}, trades={s.trade_count}, net={s.net_result:.2f}, "
            f"max_dd={s.max_drawdown_pct:.2f}%, verdict={s.verdict}, "
            f"config_hash={self.config_hash[:12] or '-'})"
        )

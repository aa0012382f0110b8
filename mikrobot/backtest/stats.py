"""Statistics of a backtest, with exact definitions.

Money figures are in account currency; ``*_pct`` figures in percent.

* ``net_result`` = final balance − initial balance (= sum of trade ``pnl``); ``return_pct`` =
  net result / initial × 100.
* ``max_drawdown`` = the largest fall of the M1 close equity curve below its running peak (the
  initial balance counts as the first peak); ``max_drawdown_pct`` = the largest such fall as a
  percent of the peak it fell from.
* Daily returns: for each Prague day that has bars, ``r_d = E_d / E_{d-1} − 1`` with ``E_d``
  the equity at the close of the day's last bar and ``E_0`` the initial balance.
  ``sharpe = mean(r) / std(r, ddof=1) × √periods`` and ``sortino = mean(r) / DD × √periods``
  with the downside deviation ``DD = √(mean(min(r, 0)²))`` over all days (target 0, risk-free
  0); ``periods`` = 252 a year. NaN when undefined (fewer than two days, zero deviation).
* ``profit_factor`` = sum of winning pnl / |sum of losing pnl| (inf without losses, NaN
  without trades); ``win_rate`` = share of trades with pnl > 0 (percent); ``expectancy`` = mean
  pnl per trade; ``avg_r`` = mean R over trades with a planned risk.
* ``exposure_pct`` = bars during which a position was open / simulated bars × 100.
* Prop-firm verdict (when rules apply): ``failed`` when a floor was breached first;
  ``passed`` at the first trade exit after which nothing is open, the balance is at or above
  the target, the Prague days with a new entry reach ``min_trading_days`` and the best-day rule
  holds (daily results booked on the exit day); else ``ongoing``. ``trading_days`` counts the
  Prague days with a new entry over the whole run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mikrobot.backtest.nb import curve_stats_nb

if TYPE_CHECKING:
    from mikrobot.backtest.result import BacktestResult

PERIODS_PER_YEAR = 252


@dataclass(frozen=True, slots=True)
class Stats:
    """The figures of one backtest (see the module docstring for each definition)."""

    net_result: float
    return_pct: float
    final_balance: float
    max_drawdown: float
    max_drawdown_pct: float
    sharpe: float
    sortino: float
    profit_factor: float
    win_rate: float
    expectancy: float
    avg_r: float
    trade_count: int
    exposure_pct: float
    ambiguous_bars: int
    days: int
    verdict: str | None
    trading_days: int
    pass_time: pd.Timestamp | None
    breach_time: pd.Timestamp | None
    breach_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (times as ISO strings, non-finite numbers as None)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, pd.Timestamp):
                value = value.isoformat()
            elif isinstance(value, float) and not math.isfinite(value):
                value = None
            out[key] = value
        return out


def daily_returns(equity: np.ndarray, day: np.ndarray, initial: float) -> np.ndarray:
    """Returns of the equity at each day's last bar against the previous day's (the initial
    balance before the first); ``day`` is the Prague day number of each bar."""
    return _returns(curve_stats_nb(equity, day[: equity.shape[0]], initial)[2], initial)


def _returns(ends: np.ndarray, initial: float) -> np.ndarray:
    if ends.shape[0] == 0:
        return np.zeros(0)
    previous = np.concatenate(([initial], ends[:-1]))
    return ends / previous - 1.0


def sharpe_ratio(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    """mean / sample standard deviation × √periods (NaN for < 2 returns or zero deviation)."""
    if returns.shape[0] < 2:
        return math.nan
    sd = float(np.std(returns, ddof=1))
    return float(np.mean(returns)) / sd * math.sqrt(periods) if sd > 0 else math.nan


def sortino_ratio(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    """mean / √mean(min(r, 0)²) × √periods (NaN for < 2 returns or no downside)."""
    if returns.shape[0] < 2:
        return math.nan
    dd = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
    return float(np.mean(returns)) / dd * math.sqrt(periods) if dd > 0 else math.nan


def max_drawdown(equity: np.ndarray, initial: float) -> tuple[float, float]:
    """(largest fall below the running peak in money, largest fall as % of its peak)."""
    dd, dd_pct, _ = curve_stats_nb(equity, np.zeros(equity.shape[0], np.int64), initial)
    return float(dd), float(dd_pct)


def compute_stats(result: BacktestResult) -> Stats:
    """The :class:`Stats` of ``result``."""
    t = result.trades
    pnl = t["pnl"].to_numpy()
    initial = result.initial_balance
    equity = result._curves[0]
    exposed = result._curves[1]
    day = result.market.day
    dd_money, dd_pct, ends = curve_stats_nb(equity, day[: equity.shape[0]], initial)
    rets = _returns(ends, initial)
    wins = pnl[pnl > 0].sum()
    losses = -pnl[pnl < 0].sum()
    if pnl.size == 0:
        pf = math.nan
    elif losses > 0:
        pf = float(wins / losses)
    else:
        pf = math.inf if wins > 0 else math.nan
    r = t["r"].to_numpy()
    r = r[np.isfinite(r)]
    net = result.final_balance - initial
    verdict, trading_days, pass_time = prop_verdict(result)
    n = int(pnl.size)
    return Stats(
        net_result=float(net),
        return_pct=float(net / initial * 100.0),
        final_balance=float(result.final_balance),
        max_drawdown=float(dd_money),
        max_drawdown_pct=float(dd_pct),
        sharpe=sharpe_ratio(rets),
        sortino=sortino_ratio(rets),
        profit_factor=pf,
        win_rate=float((pnl > 0).sum() / n * 100.0) if n else math.nan,
        expectancy=float(pnl.mean()) if n else math.nan,
        avg_r=float(r.mean()) if r.size else math.nan,
        trade_count=n,
        exposure_pct=float(exposed.sum() / exposed.size * 100.0) if exposed.size else 0.0,
        ambiguous_bars=result.ambiguous_bars,
        days=int(rets.shape[0]),
        verdict=verdict,
        trading_days=trading_days,
        pass_time=pass_time,
        breach_time=result.breach_time,
        breach_reason=result.breach_reason,
    )


def prop_verdict(result: BacktestResult) -> tuple[str | None, int, pd.Timestamp | None]:
    """``(verdict, trading days, pass time)``; verdict ``None`` without prop-firm rules."""
    pf = result.params.prop_firm
    t = result.trades
    day = result.market.day
    entry_days = day[t["entry_bar"].to_numpy()] if len(t) else np.zeros(0, np.int64)
    trading_days = int(np.unique(entry_days).size)
    if pf is None:
        return None, trading_days, None
    pass_time = _pass_time(result, pf)
    if pass_time is not None:
        return "passed", trading_days, pass_time
    if result.breach_time is not None:
        return "failed", trading_days, None
    return "ongoing", trading_days, None


def _pass_time(result: BacktestResult, pf: Any) -> pd.Timestamp | None:
    if pf.profit_target is None:
        return None
    t = result.trades
    if len(t) == 0:
        return None
    initial = result.initial_balance
    target = initial + pf.profit_target * initial
    day = result.market.day
    entry_bar = t["entry_bar"].to_numpy()
    exit_bar = t["exit_bar"].to_numpy()
    pnl = t["pnl"].to_numpy()
    reasons = t["exit_reason"].to_numpy()
    order = np.argsort(exit_bar, kind="stable")
    entries_sorted = np.sort(entry_bar)
    exits_sorted = exit_bar[order]
    balance = initial
    daily: dict[int, float] = {}
    for pos, k in enumerate(order):
        if reasons[k] == "breach":
            return None
        bar = int(exit_bar[k])
        balance += pnl[k]
        d = int(day[bar])
        daily[d] = daily.get(d, 0.0) + pnl[k]
        if pos + 1 < order.size and exits_sorted[pos + 1] == bar:
            continue  # decide after the bar's last exit
        opened = int(np.searchsorted(entries_sorted, bar, side="right"))
        closed = pos + 1
        if opened != closed or balance < target:
            continue
        days_so_far = np.unique(day[entry_bar[entry_bar <= bar]]).size
        if days_so_far < pf.min_trading_days:
            continue
        if pf.best_day_rule is not None:
            best = max(daily.values())
            total = (
                balance - initial
                if pf.best_day_base == "net_profit"
                else sum(v for v in daily.values() if v > 0)
            )
            if not (total > 0 and best <= pf.best_day_rule * total * (1 + 1e-12)):
                continue
        return result.market.index[bar]
    return None

"""The statistics of a backtest as labelled, formatted rows, for the CLI and the HTML report.

Plain Python (no plotly), so the ``mikrobot backtest`` command can print the table without
loading the report's dependencies.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mikrobot.backtest.result import BacktestResult

#: the verdicts and what they mean on a row
VERDICT_TEXT = {
    "passed": "passed",
    "failed": "failed",
    "ongoing": "ongoing",
    None: "n/a (no prop-firm rules)",
}


def _money(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:,.2f}"


def _num(value: float, spec: str = ".2f") -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return format(value, spec)


def _pct(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.2f} %"


def _time(value: Any) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def verdict_line(result: BacktestResult) -> str:
    """One line on the prop-firm outcome, e.g. ``passed 2024-03-05 14:02 UTC, 6 trading days``,
    ``failed: max_daily_loss at 2024-03-05 14:02 UTC (equity 94,870.00)``, ``ongoing, 3
    trading days``, or ``n/a (no prop-firm rules)``."""
    s = result.stats
    if s.verdict == "passed":
        return f"passed {_time(s.pass_time)}, {s.trading_days} trading days"
    if s.verdict == "failed":
        equity = result.breach_equity
        money = "" if equity is None else f" (equity {_money(equity)})"
        return f"failed: {s.breach_reason} at {_time(s.breach_time)}{money}"
    if s.verdict == "ongoing":
        return f"ongoing, {s.trading_days} trading days"
    return VERDICT_TEXT[None]


def stats_rows(result: BacktestResult) -> list[tuple[str, str]]:
    """``(label, value)`` rows of ``result.stats``, its signal counts and its identity.

    Money in account currency with two decimals, ratios with two, ``n/a`` where a figure is
    undefined (see :mod:`mikrobot.backtest.stats` for the definitions)."""
    s = result.stats
    pf = result.params.prop_firm
    approved = result.extras.get("approved")
    signals = f"{result.signals:,}"
    if approved is not None:
        signals += f" ({int(approved):,} approved, {result.signals - int(approved):,} refused)"
    rows = [
        ("prop-firm verdict", verdict_line(result)),
        ("prop-firm rules", "none" if pf is None else pf.preset),
        ("net result", f"{_money(s.net_result)} ({_pct(s.return_pct)})"),
        (
            "initial / final balance",
            f"{_money(result.initial_balance)} / {_money(s.final_balance)}",
        ),
        ("max drawdown", f"{_money(s.max_drawdown)} ({_pct(s.max_drawdown_pct)})"),
        ("Sharpe / Sortino (daily, ×√252)", f"{_num(s.sharpe)} / {_num(s.sortino)}"),
        ("profit factor", _num(s.profit_factor)),
        ("win rate", _pct(s.win_rate)),
        ("expectancy per trade", _money(s.expectancy)),
        ("average R", _num(s.avg_r, ".3f")),
        ("trades", f"{s.trade_count:,}"),
        ("exposure", _pct(s.exposure_pct)),
        ("ambiguous bars (stop and target)", f"{s.ambiguous_bars:,}"),
        ("days / trading days", f"{s.days:,} / {s.trading_days:,}"),
        ("signals", signals),
        ("bars simulated", f"{result.n_bars:,}"),
        ("config hash", result.config_hash or "-"),
    ]
    return rows


def format_table(rows: list[tuple[str, str]]) -> str:
    """The rows as aligned plain text, one ``label  value`` per line."""
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)

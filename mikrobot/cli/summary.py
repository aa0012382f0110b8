"""Text summaries of a market for ``mikrobot demo`` (and anyone who wants one in a terminal)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mikrobot.core.sessions import session_label
from mikrobot.core.symbol import SymbolSpec

_SESSION_ORDER = ("overlap", "london", "new_york", "asia", "off")


def session_table(bars: pd.DataFrame, spec: SymbolSpec) -> pd.DataFrame:
    """Per session label: bar count, share, mean spread (pips), mean M1 range (pips), mean volume."""
    labels = session_label(bars.index.asi8)
    frame = pd.DataFrame(
        {
            "session": pd.Categorical(labels, categories=_SESSION_ORDER),
            "spread_pips": bars["spread"].to_numpy() / spec.points_per_pip
            if "spread" in bars.columns
            else np.nan,
            "range_pips": (bars["high"] - bars["low"]).to_numpy() / spec.pip_size,
            "tick_volume": bars["tick_volume"].to_numpy(),
        }
    )
    table = frame.groupby("session", observed=True).agg(
        bars=("range_pips", "size"),
        spread_pips=("spread_pips", "mean"),
        range_pips=("range_pips", "mean"),
        tick_volume=("tick_volume", "mean"),
    )
    table.insert(1, "share", table["bars"] / max(len(bars), 1))
    return table


def market_summary(symbol: str, *, start: str, days: int, seed: int) -> str:
    """Generate a synthetic market, validate it and describe it in a few lines of text."""
    from mikrobot.data.synthetic import market
    from mikrobot.data.validation import validate

    mkt = market(symbol, start, days=days, seed=seed)
    bars, spec = mkt.bars, mkt.spec
    report = validate(bars, spec=spec)
    closes = bars["close"]
    lines = [
        f"== {spec.name} ({spec.asset_class.value}), synthetic seed {seed}: "
        f"{len(bars):,} M1 bars, {bars.index[0]:%a %Y-%m-%d %H:%M} -> "
        f"{bars.index[-1]:%a %Y-%m-%d %H:%M} UTC",
        f"   price {closes.iloc[0]:.{spec.digits}f} -> {closes.iloc[-1]:.{spec.digits}f}"
        f" (low {bars['low'].min():.{spec.digits}f}, high {bars['high'].max():.{spec.digits}f});"
        f" pip {spec.pip_size:g}",
    ]
    if "spread" in bars.columns:
        spread = bars["spread"].to_numpy() / spec.points_per_pip
        lines.append(
            f"   spread (pips): median {np.median(spread):.2f}, mean {spread.mean():.2f}, "
            f"p95 {np.percentile(spread, 95):.2f}, max {spread.max():.2f}"
        )
    table = session_table(bars, spec)
    lines.append("   session     bars   share  spread  M1 range  tick vol")
    for name, row in table.iterrows():
        lines.append(
            f"   {name:<9} {int(row['bars']):>6,} {row['share']:>7.1%} {row['spread_pips']:>7.2f}"
            f" {row['range_pips']:>9.2f} {row['tick_volume']:>9.0f}"
        )
    lines.append("   validation: " + report.summary().replace("\n", "\n   "))
    return "\n".join(lines)

"""Shared look and small helpers of the report figures (colours, layout, times)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mikrobot.backtest.result import BacktestResult

NS_MIN = 60_000_000_000
COLORS = {
    "long": "#0d47a1",
    "short": "#212121",
    "win": "#2e7d32",
    "loss": "#c62828",
    "equity": "#1565c0",
    "daily": "#ef6c00",
    "overall": "#c62828",
    "target": "#2e7d32",
    "drawdown": "#c62828",
    "engine": "#6d4c41",
    "evaluation": "#1565c0",
}
LAYOUT = {
    "template": "plotly_white",
    "hovermode": "closest",
    "margin": {"l": 70, "r": 20, "t": 100, "b": 50},
    "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 11}},
}


def xs(ns: np.ndarray) -> np.ndarray:
    """UTC epoch ns as ``YYYY-MM-DDTHH:MM`` strings (plotly.js reads them; half the bytes of
    plotly's own nanosecond strings)."""
    return np.datetime_as_string(np.asarray(ns, np.int64).view("datetime64[ns]"), unit="m")


def ns(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """UTC epoch ns of tz-aware times."""
    return pd.DatetimeIndex(times).tz_convert("UTC").as_unit("ns").asi8


def utc(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a UTC timestamp (naive = UTC); ValueError naming ``name`` otherwise."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a time: give e.g. '2024-03-04 08:00'") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def currency(result: BacktestResult) -> str:
    """The account currency of ``result``'s symbol."""
    return str(result.market.spec.account_currency)


def title(text: str) -> dict[str, Any]:
    """A left-aligned figure title pinned to the top of the figure."""
    return {
        "text": text,
        "x": 0.01,
        "xanchor": "left",
        "yref": "container",
        "y": 1.0,
        "yanchor": "top",
        "pad": {"t": 12},
        "font": {"size": 15},
    }

"""Bars and settings for the commands that run the strategy (``backtest``, ``walkforward``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from mikrobot.config import Settings
    from mikrobot.core.symbol import SymbolSpec

DEFAULT_START = "2024-01-01"


class InputError(Exception):
    """Bad input found by a command itself (printed, exit status 2)."""


def resolve_settings(config: Path | None, preset: str | None) -> Settings:
    from mikrobot.config import load_settings

    if preset is not None:
        from mikrobot.risk.presets import preset_names

        if preset not in preset_names():
            raise InputError(
                f"--preset {preset!r} is unknown: choose one of {', '.join(preset_names())}"
            )
    settings = load_settings(config)
    if preset is not None and preset != settings.propfirm.preset:
        selection = settings.propfirm.model_dump(mode="json")
        selection["preset"] = preset
        settings = load_settings(config, propfirm=selection)
    return settings


def window_bars(bars: pd.DataFrame, start: str | None, end: str | None, where: str) -> pd.DataFrame:
    import pandas as pd

    out = bars
    try:
        if start is not None:
            out = out.loc[out.index >= pd.Timestamp(start, tz="UTC")]
        if end is not None:
            out = out.loc[out.index < pd.Timestamp(end, tz="UTC")]
    except (TypeError, ValueError) as exc:
        raise InputError(f"--start/--end: {exc}; give dates like 2024-03-04") from None
    if out.empty:
        raise InputError(
            f"{where} has no M1 bar in [{start or 'start'}, {end or 'end'}); its bars span "
            f"{bars.index[0]:%Y-%m-%d %H:%M} to {bars.index[-1]:%Y-%m-%d %H:%M} UTC"
        )
    return out


def load_m1(
    settings: Settings,
    *,
    data: Path | None,
    stored: bool,
    symbol: str | None,
    tz: str | None,
    start: str | None,
    end: str | None,
    days: int,
    seed: int,
) -> tuple[pd.DataFrame, SymbolSpec, str]:
    """``(M1 bars, symbol spec, a line describing the data)``."""
    registry = settings.registry()
    if data is not None:
        from mikrobot.data.loaders import load_bars

        bars = load_bars(data, symbol, "M1", tz)
        name = symbol or bars.attrs.get("symbol")
        if not name:
            raise InputError(f"{data}: the file name names no known symbol; give --symbol")
        bars = window_bars(bars, start, end, str(data))
        return bars, registry[name], f"{data} (times read as {bars.attrs.get('source_tz')})"
    name = symbol or "EURUSD"
    spec = registry[name]
    if stored:
        from mikrobot.data.store import BarStore

        store = BarStore(settings.store_path)
        bars = store.read(spec.name, "M1", start, end)
        bars = window_bars(bars, None, None, f"the store {store.root} ({spec.name} M1)")
        return bars, spec, f"bar store {store.root}, {spec.name} M1"
    from mikrobot.data.synthetic import market

    first = start or DEFAULT_START
    bars = market(spec, first, days=days, seed=seed).bars
    return bars, spec, f"synthetic market, seed {seed}, {days} days from {first}"

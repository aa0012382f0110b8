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
    """``(M1 bars, symbol spec, a line describing the data)``, read by
    :func:`mikrobot.data.sources.load_m1_source`: the ``data`` file in ``[start, end)``, the bar
    store (``stored``) in ``[start, end)``, or ``days`` of the synthetic market from ``start``."""
    from mikrobot.data.sources import STORE, SYNTHETIC, load_m1_source

    window: dict[str, object]
    if data is not None:
        if not data.is_file():
            raise InputError(f"--data {data}: no such file; give the path of an M1 bar file")
        source, name, window = data, symbol, {"start": start, "end": end}
    elif stored:
        source, name, window = STORE, symbol or "EURUSD", {"start": start, "end": end}
    else:
        source, name, window = SYNTHETIC, symbol or "EURUSD", {"start": start or DEFAULT_START}
        window["days"] = days
    got = load_m1_source(
        source,
        name,
        tz=tz,
        seed=seed,
        registry=settings.registry(),
        store=settings.store_path,
        **window,  # type: ignore[arg-type]
    )
    return got.bars, got.spec, got.description

"""``mikrobot demo``: the main job on the embedded defaults (synthetic market, no files needed)."""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_SYMBOLS = ("EURUSD", "XAUUSD")


def demo(
    symbols: Annotated[str, typer.Option(help="comma-separated symbols to generate")] = ",".join(
        DEFAULT_SYMBOLS
    ),
    start: Annotated[str, typer.Option(help="first day (UTC), YYYY-MM-DD")] = "2024-03-04",
    days: Annotated[int, typer.Option(min=1, max=366, help="calendar days to generate")] = 7,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same market)")] = 7,
) -> None:
    """Generate a synthetic week for EURUSD and XAUUSD, validate it and print a summary."""
    from mikrobot.cli.summary import market_summary

    for name in [s.strip() for s in symbols.split(",") if s.strip()]:
        typer.echo(market_summary(name, start=start, days=days, seed=seed))
        typer.echo("")

"""``mikrobot check-lookahead``: run a strategy on truncated histories and report look-ahead."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class StrategyName(StrEnum):
    """Strategies the command can check."""

    setups = "setups"
    smc = "smc"


def check_lookahead(
    data: Annotated[
        Path | None,
        typer.Option(help="M1 bar file to check (any format load_bars reads); default synthetic"),
    ] = None,
    m5: Annotated[
        Path | None, typer.Option(help="M5 bar file of the same feed (default: built from M1)")
    ] = None,
    symbol: Annotated[str, typer.Option(help="symbol (pip size, spread)")] = "EURUSD",
    tz: Annotated[
        str | None,
        typer.Option(
            help="zone the file's times are written in: NY+7, or --tz=-03:30 for an offset"
        ),
    ] = None,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="check a seeded synthetic market (the default)")
    ] = False,
    start: Annotated[str, typer.Option(help="synthetic: first day (UTC)")] = "2024-03-04",
    days: Annotated[int, typer.Option(min=1, max=366, help="synthetic: calendar days")] = 5,
    seed: Annotated[int, typer.Option(help="synthetic market and cutoff seed")] = 7,
    strategy: Annotated[
        StrategyName,
        typer.Option(help="setups (the causal engine) or smc (the smc-compatible preset)"),
    ] = StrategyName.setups,
    swing_length: Annotated[int, typer.Option(min=1, help="smc: swing_length")] = 5,
    cutoffs: Annotated[int, typer.Option(min=1, help="number of truncated runs")] = 50,
    entry_checks: Annotated[
        int, typer.Option(min=0, help="signals rerun with their entry bar showing only its open")
    ] = 10,
    limit: Annotated[int, typer.Option(min=0, help="violations shown in the table")] = 20,
    json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Run the strategy on histories truncated at many cutoffs and compare with the full run.

    Exit status 0 when clean, 1 when look-ahead is found, 2 on bad input.
    """
    from mikrobot.backtest.lookahead import check_lookahead as check
    from mikrobot.backtest.lookahead import setups_strategy, smc_strategy
    from mikrobot.core.errors import ConfigError

    if data is not None and synthetic:
        raise ConfigError("give either --data FILE or --synthetic, not both")
    if m5 is not None and data is None:
        raise ConfigError("--m5 needs --data: give the M1 file of the same feed")
    if data is None:
        from mikrobot.data.synthetic import market

        m1 = market(symbol, start, days=days, seed=seed, episodes=days).bars
        m5_bars = None
    else:
        from mikrobot.data.loaders import load_bars

        m1 = load_bars(data, symbol, "M1", tz)
        m5_bars = None if m5 is None else load_bars(m5, symbol, "M5", tz)
    chosen = smc_strategy(swing_length) if strategy is StrategyName.smc else setups_strategy(symbol)
    report = check(
        m1,
        chosen,
        m5=m5_bars,
        n_cutoffs=cutoffs,
        entry_checks=entry_checks,
        seed=seed,
        progress=not json,
    )
    if json:
        typer.echo(report.to_json())
    else:
        table = report.table(limit)
        if table:
            typer.echo(table)
            typer.echo("")
        typer.echo(report.summary())
    raise typer.Exit(0 if report.clean else 1)

"""Options shared by the commands that read M1 bars (``backtest``, ``walkforward``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataOption = Annotated[
    Path | None, typer.Option(help="M1 bar file (any format `mikrobot data import` reads)")
]
StoredOption = Annotated[
    bool, typer.Option("--stored", help="read the M1 bars of --symbol from the bar store")
]
SyntheticOption = Annotated[
    bool, typer.Option("--synthetic", help="a seeded synthetic market (the default)")
]
SymbolOption = Annotated[
    str | None, typer.Option(help="symbol (default: from the file name, else EURUSD)")
]
TzOption = Annotated[
    str | None, typer.Option(help="zone the file's times are written in: NY+7, or --tz=-03:30")
]
StartOption = Annotated[
    str | None,
    typer.Option(help="first day (UTC): the synthetic market's, or a cut of the bars"),
]
EndOption = Annotated[str | None, typer.Option(help="cut the bars before this time (UTC)")]
DaysOption = Annotated[int, typer.Option(min=1, max=3660, help="synthetic: calendar days")]
SeedOption = Annotated[int, typer.Option(help="synthetic: random seed")]

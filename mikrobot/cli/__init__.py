"""The ``mikrobot`` command. The one place that wires the parts together.

Sub-commands import their dependencies lazily so that ``mikrobot --help`` starts fast.
"""

from __future__ import annotations

import typer

from mikrobot.cli import backtest as _backtest
from mikrobot.cli import data as _data
from mikrobot.cli import demo as _demo
from mikrobot.cli import lookahead as _lookahead
from mikrobot.cli import pipeline as _pipeline
from mikrobot.cli import walkforward as _walkforward

app = typer.Typer(
    name="mikrobot",
    help="M5 break of structure + M1 retest: data, research, backtests and supervised trading.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_data.app, name="data", help="Import, list and check bars in the Parquet store.")
app.add_typer(
    _pipeline.app, name="pipeline", help="Run papermill pipelines (daily validation) and list runs."
)
app.command("demo")(_demo.demo)
app.command("check-lookahead")(_lookahead.check_lookahead)
app.command("backtest")(_backtest.backtest)
app.command("walkforward")(_walkforward.walkforward)


def main() -> None:
    """Console entry point: mikrobot errors print one clear line and exit with status 2."""
    from mikrobot.core.errors import MikrobotError

    try:
        app()
    except MikrobotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None

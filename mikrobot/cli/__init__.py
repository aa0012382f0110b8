"""The ``mikrobot`` command. The one place that wires the parts together.

Sub-commands import their dependencies lazily so that ``mikrobot --help`` starts fast.
"""

from __future__ import annotations

import logging
import os
import sys

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


#: Commands that leave nothing to clean up when they return (no child processes, files
#: closed): run from the console they end their process at once (flushed ``os._exit``), so
#: the user does not wait for the interpreter to tear numba, LLVM, scipy and pandas down
#: (about 0.3 s, longer than the backtest itself). Everything they print or write is done by then.
QUICK_EXIT_COMMANDS = frozenset({"backtest"})


def main() -> None:
    """Console entry point: mikrobot errors print one clear line and exit with status 2.

    After a command of :data:`QUICK_EXIT_COMMANDS`, the process ends with the command's exit
    status right after flushing its output (in-process callers use :data:`app`, not this)."""
    from mikrobot.core.errors import MikrobotError

    try:
        app()
    except MikrobotError as exc:
        typer.echo(f"error: {exc}", err=True)
        status: object = 2
    except SystemExit as exc:
        status = exc.code
    else:  # pragma: no cover - typer's app() always ends with SystemExit
        status = 0
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT_COMMANDS:
        _exit_now(status)
    raise SystemExit(status)


def _exit_now(status: object) -> None:
    """End the process with ``status`` (as ``SystemExit`` would read it) after flushing the
    standard streams and the logging handlers, without the interpreter's teardown."""
    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status
    else:  # SystemExit("message"): print it, status 1
        print(status, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken pipe: nothing more can be written
            code = code or 1
    os._exit(code)

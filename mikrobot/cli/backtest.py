"""``mikrobot backtest``: the BOS + retest strategy over M1 bars, with statistics and a report.

Bars come from a file (``--data``), the Parquet bar store (``--stored``) or the seeded synthetic
market (``--synthetic``, the default). The settings (``--config``, else ``$MIKROBOT_CONFIG``,
else ``./mikrobot.toml``, else the defaults) give the symbol specs, the strategic evaluation,
the performance feedback, the sizing and the prop-firm rules (``--preset`` replaces the
configured preset) and the structure engine's parameters; their hash is stamped on the
result.

Heavy libraries load inside the command, and plotly only with ``--report``, so the command
starts fast. The numba kernels are compiled on the first run and cached on disk; while that
happens (tens of seconds, once) a message says so on stderr. Bad input prints one line naming
the problem and exits with status 2.
"""

from __future__ import annotations

import json as jsonlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mikrobot.cli.options import (
    DataOption,
    DaysOption,
    EndOption,
    SeedOption,
    StartOption,
    StoredOption,
    SymbolOption,
    SyntheticOption,
    TzOption,
)
from mikrobot.cli.sources import InputError, load_m1, resolve_settings

if TYPE_CHECKING:
    import pandas as pd

    from mikrobot.backtest.result import BacktestResult
    from mikrobot.config import Settings
    from mikrobot.core.symbol import SymbolSpec

COMPILE_MESSAGE = "compiling kernels, first run only (they are cached on disk)…"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def announce_compilation(stream: Any = None) -> Any:
    """Print :data:`COMPILE_MESSAGE` to ``stream`` (default stderr) the first time numba
    compiles anything after this call (a cache hit loads the machine code and says nothing).

    Returns the registered ``numba.core.event.Listener``; pass it to
    ``numba.core.event.unregister("numba:compile", listener)`` to stop listening."""
    from numba.core import event

    out = sys.stderr if stream is None else stream

    class _Once(event.Listener):
        said = False

        def on_start(self, ev: event.Event) -> None:
            if not self.said:
                self.said = True
                out.write(COMPILE_MESSAGE + "\n")
                out.flush()

        def on_end(self, ev: event.Event) -> None:
            pass

    listener = _Once()
    event.register("numba:compile", listener)
    return listener


def run(
    settings: Settings, bars: pd.DataFrame, spec: SymbolSpec
) -> tuple[BacktestResult, pd.DataFrame, dict[str, float]]:
    """Setups of ``bars`` (with the settings' structure parameters) through
    :func:`mikrobot.backtest.driver.run_setups` with the settings' evaluation, feedback, sessions, sizing and prop-firm rules; returns the result,
    the setups and the seconds each step took."""
    from mikrobot.backtest.driver import run_setups
    from mikrobot.backtest.params import BacktestParams
    from mikrobot.structure.api import setups as find_setups

    t0 = time.perf_counter()
    found = find_setups(bars, None, spec, settings.structure)
    t1 = time.perf_counter()
    params = BacktestParams.from_settings(settings)
    result = run_setups(
        bars,
        found,
        spec=spec,
        params=params,
        evaluation=settings.evaluation,
        feedback=settings.feedback if settings.feedback.enabled else None,
        sessions=settings.session_windows(),
        config_hash=settings.config_hash(),
    )
    result.stats  # noqa: B018  (statistics are part of the run's time)
    t2 = time.perf_counter()
    return result, found, {"setups": t1 - t0, "simulation": t2 - t1}


def _check_output(path: Path | None, option: str) -> None:
    if path is not None and path.is_dir():
        raise InputError(f"{option} {path} is a directory: give a file name, e.g. {path}/out")


def backtest(
    data: DataOption = None,
    stored: StoredOption = False,
    synthetic: SyntheticOption = False,
    symbol: SymbolOption = None,
    tz: TzOption = None,
    start: StartOption = None,
    end: EndOption = None,
    days: DaysOption = 365,
    seed: SeedOption = 7,
    config: Annotated[
        Path | None, typer.Option(help="settings file (default $MIKROBOT_CONFIG, ./mikrobot.toml)")
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="prop-firm preset, e.g. ftmo-2step-challenge")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the statistics as JSON")] = False,
    trades: Annotated[Path | None, typer.Option(help="write the trade list as CSV here")] = None,
) -> None:
    """Backtest the M5 BOS + M1 retest strategy and print its statistics.

    Exit status 0 after a run (whatever its verdict), 2 on bad input.
    """
    from numba.core import event

    from mikrobot.core.errors import MikrobotError

    started = time.perf_counter()
    chosen = [
        n for n, on in (("--data", data), ("--stored", stored), ("--synthetic", synthetic)) if on
    ]
    listener = announce_compilation()  # the synthetic market and the loaders use numba too
    try:
        try:
            if len(chosen) > 1:
                raise InputError(f"give one source of bars, not {' and '.join(chosen)}")
            if tz is not None and data is None:
                raise InputError("--tz applies to --data files only")
            _check_output(report, "--report")
            _check_output(trades, "--trades")
            settings = resolve_settings(config, preset)
            bars, spec, source = load_m1(
                settings,
                data=data,
                stored=stored,
                symbol=symbol,
                tz=tz,
                start=start,
                end=end,
                days=days,
                seed=seed,
            )
        except (InputError, MikrobotError, ValueError, OSError) as exc:
            raise _fail(str(exc)) from None
        loaded = time.perf_counter()
        result, found, timing = run(settings, bars, spec)
    finally:
        event.unregister("numba:compile", listener)
    timing = {"load": loaded - started, **timing}

    written: dict[str, str | None] = {"report": None, "trades_csv": None}
    try:
        if trades is not None:
            trades.parent.mkdir(parents=True, exist_ok=True)
            result.trades.to_csv(trades, index=False)
            written["trades_csv"] = str(trades)
        if report is not None:
            from mikrobot.backtest.report import write_report

            t0 = time.perf_counter()
            write_report(
                result,
                report,
                bars=bars,
                setups=found,
                params=settings.structure,
                info={"data": source},
            )
            timing["report"] = time.perf_counter() - t0
            written["report"] = str(report)
    except OSError as exc:
        raise _fail(f"cannot write: {exc}") from None

    if as_json:
        out: dict[str, Any] = result.summary()
        out.update(
            {
                "symbol": spec.name,
                "data": source,
                "bars": len(bars),
                "first_bar": bars.index[0].isoformat(),
                "last_bar": bars.index[-1].isoformat(),
                **written,
                "seconds": {k: round(v, 4) for k, v in timing.items()},
            }
        )
        typer.echo(jsonlib.dumps(out, allow_nan=False))
        return
    from mikrobot.backtest.table import format_table, stats_rows

    typer.echo(
        f"{spec.name} M1, {len(bars):,} bars, {bars.index[0]:%Y-%m-%d} to "
        f"{bars.index[-1]:%Y-%m-%d}: {source}"
    )
    typer.echo("")
    typer.echo(format_table(stats_rows(result)))
    typer.echo("")
    if written["trades_csv"]:
        typer.echo(f"trades: {written['trades_csv']}")
    if report is not None:
        size = report.stat().st_size / 1e6
        typer.echo(f"report: {report.resolve()} ({size:.1f} MB)")
    typer.echo("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in timing.items()))

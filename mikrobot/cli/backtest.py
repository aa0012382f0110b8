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

if TYPE_CHECKING:
    import pandas as pd

    from mikrobot.backtest.result import BacktestResult
    from mikrobot.config import Settings
    from mikrobot.core.symbol import SymbolSpec

DEFAULT_START = "2024-01-01"
COMPILE_MESSAGE = "compiling kernels, first run only (they are cached on disk)…"


class _Failure(Exception):
    """Bad input found by the command itself (printed, exit status 2)."""


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


def _settings(config: Path | None, preset: str | None) -> Settings:
    from mikrobot.config import load_settings

    if preset is not None:
        from mikrobot.risk.presets import preset_names

        if preset not in preset_names():
            raise _Failure(
                f"--preset {preset!r} is unknown: choose one of {', '.join(preset_names())}"
            )
    settings = load_settings(config)
    if preset is not None and preset != settings.propfirm.preset:
        selection = settings.propfirm.model_dump(mode="json")
        selection["preset"] = preset
        settings = load_settings(config, propfirm=selection)
    return settings


def _window(bars: pd.DataFrame, start: str | None, end: str | None, where: str) -> pd.DataFrame:
    import pandas as pd

    out = bars
    try:
        if start is not None:
            out = out.loc[out.index >= pd.Timestamp(start, tz="UTC")]
        if end is not None:
            out = out.loc[out.index < pd.Timestamp(end, tz="UTC")]
    except (TypeError, ValueError) as exc:
        raise _Failure(f"--start/--end: {exc}; give dates like 2024-03-04") from None
    if out.empty:
        raise _Failure(
            f"{where} has no M1 bar in [{start or 'start'}, {end or 'end'}); its bars span "
            f"{bars.index[0]:%Y-%m-%d %H:%M} to {bars.index[-1]:%Y-%m-%d %H:%M} UTC"
        )
    return out


def _load(
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
            raise _Failure(f"{data}: the file name names no known symbol; give --symbol")
        bars = _window(bars, start, end, str(data))
        return bars, registry[name], f"{data} (times read as {bars.attrs.get('source_tz')})"
    name = symbol or "EURUSD"
    spec = registry[name]
    if stored:
        from mikrobot.data.store import BarStore

        store = BarStore(settings.store_path)
        bars = store.read(spec.name, "M1", start, end)
        bars = _window(bars, None, None, f"the store {store.root} ({spec.name} M1)")
        return bars, spec, f"bar store {store.root}, {spec.name} M1"
    from mikrobot.data.synthetic import market

    first = start or DEFAULT_START
    bars = market(spec, first, days=days, seed=seed).bars
    return bars, spec, f"synthetic market, seed {seed}, {days} days from {first}"


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
    params = BacktestParams(
        initial_balance=settings.propfirm.initial_balance,
        sizing=settings.risk,
        prop_firm=settings.propfirm.params(),
    )
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
        raise _Failure(f"{option} {path} is a directory: give a file name, e.g. {path}/out")


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
                raise _Failure(f"give one source of bars, not {' and '.join(chosen)}")
            if tz is not None and data is None:
                raise _Failure("--tz applies to --data files only")
            _check_output(report, "--report")
            _check_output(trades, "--trades")
            settings = _settings(config, preset)
            bars, spec, source = _load(
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
        except (_Failure, MikrobotError, ValueError, OSError) as exc:
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

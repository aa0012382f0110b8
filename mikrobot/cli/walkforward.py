"""``mikrobot walkforward``: rolling or anchored walk-forward with a grid or random search.

Bars and base settings come as for ``mikrobot backtest`` (``--data``/``--stored``/
``--synthetic``, ``--config``, ``--preset``); ``--report`` writes the HTML report of
:func:`mikrobot.backtest.report.write_walkforward_report` (plotly loads only then). Bad input
raises a ``ConfigError``: the command prints one line naming it and exits with status 2.
"""

from __future__ import annotations

import json as jsonlib
import math
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

    from mikrobot.backtest.walkforward_result import WalkForwardResult


def walkforward(
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
        Path | None,
        typer.Option(help="base settings file (default $MIKROBOT_CONFIG, ./mikrobot.toml)"),
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="prop-firm preset of every run, e.g. ftmo-2step-challenge")
    ] = None,
    train: Annotated[
        str, typer.Option(help="train window: 90D, 3M (months), 1Y, or a bar count")
    ] = "90D",
    test: Annotated[str, typer.Option(help="test window, same kind as --train")] = "30D",
    step: Annotated[
        str | None, typer.Option(help="distance between folds (default: --test)")
    ] = None,
    anchored: Annotated[
        bool, typer.Option("--anchored", help="train windows all start at the first bar")
    ] = False,
    warmup: Annotated[
        str,
        typer.Option(help="bars the structure engine reads before a window: all, 30D, 5000"),
    ] = "all",
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help="a searched parameter: left=2,3,4 or rr=1.5:3:0.5 (repeat the option); "
            "with --random also rr=1.5:3 (uniform) or x=0.001:0.01:log",
        ),
    ] = None,
    random: Annotated[
        int | None, typer.Option(min=1, help="draw N random parameter sets from the --grid specs")
    ] = None,
    search_seed: Annotated[int, typer.Option(help="random search seed")] = 0,
    metric: Annotated[str, typer.Option(help="Stats field that selects: sharpe, net_result...")] = (
        "sharpe"
    ),
    minimize: Annotated[
        bool | None,
        typer.Option("--minimize/--maximize", help="direction (default: the metric's natural one)"),
    ] = None,
    min_trades: Annotated[
        int, typer.Option(min=0, help="fewest in-sample trades a parameter set needs")
    ] = 10,
    scheduler: Annotated[
        str, typer.Option(help="local (LocalCluster), sync (no Dask) or tcp://HOST:PORT")
    ] = "local",
    workers: Annotated[
        int | None, typer.Option(min=1, help="local cluster: worker processes (default: cores)")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="write folds, in-sample runs, OOS trades/equity and summary here"),
    ] = None,
    report_path: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="write an HTML report here (equity, folds, parameters, heatmap; opens offline)",
        ),
    ] = None,
) -> None:
    """Walk-forward analysis: search parameters on each train window, trade the best on the
    following test window, and report the stitched out-of-sample result.

    The settings (--config, as for `mikrobot backtest`) give the base of every parameter set:
    structure, evaluation, feedback, sessions, sizing and prop-firm rules; --grid names
    fields of the structure, backtest or evaluation settings (left, rr, policy,
    sizing.risk_per_trade, confidence.minimum, ...).

    --report writes one self-contained HTML file: the out-of-sample statistics, the fold
    table, efficiency and parameter stability, and the walk-forward figures.

    Exit status 0 on success, 2 on bad input or when the report cannot be written.
    """
    from mikrobot.backtest.params import BacktestParams
    from mikrobot.backtest.search import ParameterSpace, parse_spec
    from mikrobot.backtest.walkforward import walk_forward
    from mikrobot.cli.sources import InputError, load_m1, resolve_settings
    from mikrobot.core.errors import ConfigError

    chosen = [
        n for n, on in (("--data", data), ("--stored", stored), ("--synthetic", synthetic)) if on
    ]
    if len(chosen) > 1:
        raise ConfigError(f"give one source of bars, not {' and '.join(chosen)}")
    if tz is not None and data is None:
        raise ConfigError("--tz applies to --data files only")
    if report_path is not None and report_path.is_dir():
        raise ConfigError(
            f"--report {report_path} is a directory: give a file name, e.g. "
            f"{report_path}/walkforward.html"
        )
    specs = dict(parse_spec(text, random=random is not None) for text in grid or [])
    if random is not None and not specs:
        raise ConfigError("--random needs at least one --grid parameter to draw from")
    try:
        settings = resolve_settings(config, preset)
        base = {
            "structure": settings.structure,
            "backtest": BacktestParams.from_settings(settings),
            "evaluation": settings.evaluation,
        }
        if random is not None:
            space = ParameterSpace.random(specs, random, seed=search_seed, **base)
        elif specs:
            space = ParameterSpace.grid(specs, **base)
        else:
            space = ParameterSpace.single(**base)
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
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    result = walk_forward(
        bars,
        spec=spec,
        train=train,
        test=test,
        step=step,
        anchored=anchored,
        warmup=None if warmup.strip().lower() == "all" else warmup,
        space=space,
        metric=metric,
        maximize=None if minimize is None else not minimize,
        min_trades=min_trades,
        feedback=settings.feedback if settings.feedback.enabled else None,
        sessions=settings.session_windows(),
        scheduler=scheduler,
        workers=workers,
        progress=not json,
    )
    summary = result.summary()
    if out is not None:
        _write(result, summary, out)
    if json:
        typer.echo(jsonlib.dumps(summary, indent=2))
    else:
        typer.echo(report(result))
        if out is not None:
            typer.echo(f"written to {out}")
    if report_path is not None:
        _write_report(result, report_path, info={"data": source}, json=json)


def _write_report(result: WalkForwardResult, path: Path, info: dict[str, str], json: bool) -> None:
    """Write the HTML report; say where (on stderr with --json, so stdout stays JSON). A file
    that cannot be written exits with status 2 and one line naming it."""
    from mikrobot.backtest.report import write_walkforward_report

    try:
        write_walkforward_report(result, path, info=info)
    except OSError as exc:
        typer.echo(f"error: cannot write the report {path}: {exc}", err=True)
        raise typer.Exit(2) from None
    size = path.stat().st_size / 1e6
    typer.echo(f"report: {path.resolve()} ({size:.1f} MB)", err=json)


def _write(result: WalkForwardResult, summary: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result.folds.to_csv(out / "folds.csv")
    result.in_sample.to_csv(out / "in_sample.csv", index=False)
    result.candidates.to_csv(out / "candidates.csv")
    result.oos_trades.to_csv(out / "oos_trades.csv", index=False)
    result.oos_equity.to_csv(out / "oos_equity.csv")
    (out / "summary.json").write_text(jsonlib.dumps(summary, indent=2), encoding="utf-8")


def _num(value: Any, fmt: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, fmt)


def _day(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d %H:%M") if (ts.hour or ts.minute) else ts.strftime("%Y-%m-%d")


def report(result: WalkForwardResult) -> str:
    """A plain-text report: one line per fold, then the out-of-sample figures."""
    names = [c for c in result.candidates.columns if c != "key"]
    lines = [
        f"walk-forward: {len(result.folds)} folds, {len(result.candidates)} parameter sets, "
        f"select by {'max' if result.maximize else 'min'} {result.metric} "
        f"(>= {result.min_trades} trades)"
    ]
    for fold, row in result.folds.iterrows():
        if row["selected"]:
            chosen = ", ".join(f"{n}={row[n]}" for n in names) or "defaults"
            is_part = f"IS {result.metric} {_num(row['is_metric'])} ({row['is_trades']} trades)"
        else:
            chosen, is_part = "none qualified (flat)", "IS -"
        lines.append(
            f"  fold {fold:>2}  train {_day(row['train_start'])}..{_day(row['train_end'])}  "
            f"test {_day(row['test_start'])}..{_day(row['test_end'])}  {chosen}  {is_part}  "
            f"OOS {_num(row['oos_return_pct'], '+.2f')}% ({row['oos_trades']} trades)"
        )
    s = result.oos_stats
    is_ann, oos_ann = result.annualised_returns()
    st = result.stability_overall
    lines += [
        "",
        f"out of sample: net {_num(s.net_result)} ({_num(s.return_pct, '+.2f')}%), "
        f"{s.trade_count} trades, sharpe {_num(s.sharpe)}, profit factor "
        f"{_num(s.profit_factor)}, max drawdown {_num(s.max_drawdown_pct)}%",
        f"annualised return: in-sample {_num(is_ann)}%, out-of-sample {_num(oos_ann)}%; "
        f"walk-forward efficiency {_num(result.wfe, '.3f')}",
        f"parameter changes between folds: {st['changes']} of {max(int(st['folds']) - 1, 0)} "
        f"(rate {_num(st['change_rate'], '.2f')})",
        f"config hash {result.config_hash}, {result.elapsed_s:.1f} s",
    ]
    return "\n".join(lines)

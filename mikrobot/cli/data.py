"""``mikrobot data``: import, list and check bars in the Parquet store.

The store is ``--store`` when given, else the configured ``store_path`` (``[data] store`` in
mikrobot.toml, ``MIKROBOT_DATA__STORE``, else ``$MIKROBOT_HOME/bars``).

Source time zone of ``import`` (first match wins):

1. ``--tz``;
2. ``source_tz`` set explicitly in the configuration (``[data] source_tz`` in mikrobot.toml or
   ``MIKROBOT_DATA__SOURCE_TZ``);
3. the file format's own zone, as the loader defines it (histdata: fixed EST, UTC-5; the
   built-in default ``"UTC"`` of the setting is *not* applied, so that a histdata file is not
   silently read as UTC).

Heavy libraries (pandas, pyarrow) load inside the commands, so ``mikrobot --help`` stays fast.
Bad input prints the error (file, line, field) and exits with status 2; ``check`` exits with
status 1 when a report has errors.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from mikrobot.config import Settings
    from mikrobot.data.store import BarStore

app = typer.Typer(no_args_is_help=True)

LARGE_FILE_BYTES = 10_000_000  # show a progress bar from this size on (or for several files)

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="store directory (default: the configured store_path)",
        file_okay=False,
        show_default=False,
    ),
]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _settings() -> Settings:
    from mikrobot.config import load_settings

    return load_settings()


def _open_store(store: Path | None, settings: Settings | None = None) -> BarStore:
    from mikrobot.data.store import BarStore

    root = store if store is not None else (settings or _settings()).store_path
    return BarStore(root)


def source_tz(flag: str | None, settings: Settings) -> str | None:
    """The ``tz`` to pass to the loader: the flag, an explicit setting, else None (format's own)."""
    if flag:
        return flag
    if "source_tz" in settings.data.model_fields_set:
        return settings.data.source_tz
    return None


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="bar files to import, in order (a later file wins on equal times)",
            show_default=False,
        ),
    ],
    symbol: Annotated[str, typer.Option("--symbol", "-s", help="symbol, e.g. EURUSD")],
    timeframe: Annotated[
        str | None,
        typer.Option("--timeframe", "-t", help="M1, M5, ... (default: inferred from the bars)"),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="zone the file was written in, e.g. Etc/GMT-2, NY+7, UTC "
            "(default: config data.source_tz if set, else the format's own zone)",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="file format (default: detected)"),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="refuse files whose validation report has errors")
    ] = False,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print results as JSON")] = False,
) -> None:
    """Import bar files into the store: all files are read and checked before anything is written."""
    from mikrobot.core.errors import MikrobotError

    for path in files:  # checked here, not by click, so the full path is never cut off
        if not path.is_file():
            typer.echo(f"error: {path}: no such file (check the path)", err=True)
            raise typer.Exit(2)
    try:
        settings = _settings()
        bars = _open_store(store, settings)
        large = len(files) > 1 or any(f.stat().st_size >= LARGE_FILE_BYTES for f in files)
        results = bars.import_files(
            files,
            symbol=symbol,
            timeframe=timeframe,
            tz=source_tz(tz, settings),
            format=format,
            strict=strict,
            spec=_spec(settings, symbol),
            progress=None if large else False,
        )
    except (MikrobotError, ValueError) as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=1, default=str))
        return
    for result in results:
        typer.echo(result.summary())
        for note in result.notes:
            typer.echo(f"  note: {note}")
        if result.report is not None and not result.report.ok:
            typer.echo(textwrap.indent(f"validation: {result.report.summary()}", "  "))
    typer.echo(f"store: {bars.root}")


def _spec(settings: Settings, symbol: str) -> Any:
    """The configured spec of ``symbol``, or None when the registry does not know it."""
    from mikrobot.core.errors import UnknownSymbolError

    try:
        return settings.registry()[symbol]
    except UnknownSymbolError:
        return None


@app.command("list")
def list_(
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the table as JSON")] = False,
) -> None:
    """List the datasets in the store: rows, first and last bar (UTC), years and size."""
    from mikrobot.core.errors import MikrobotError

    try:
        bars = _open_store(store)
        table = bars.list()
    except (MikrobotError, ValueError) as exc:
        raise _fail(exc) from None
    if as_json:
        records = [
            {
                "symbol": row.symbol,
                "timeframe": row.timeframe,
                "rows": int(row.rows),
                "first": row.first.isoformat(),
                "last": row.last.isoformat(),
                "years": list(row.years),
                "bytes": int(row.bytes),
            }
            for row in table.itertuples()
        ]
        typer.echo(json.dumps(records, indent=1))
        return
    if table.empty:
        typer.echo(f"no datasets in {bars.root}")
        return
    header = ("symbol", "tf", "rows", "first (UTC)", "last (UTC)", "years", "size")
    lines = [
        (
            row.symbol,
            row.timeframe,
            f"{int(row.rows):,}",
            row.first.strftime("%Y-%m-%d %H:%M"),
            row.last.strftime("%Y-%m-%d %H:%M"),
            _years_text(row.years),
            _size_text(int(row.bytes)),
        )
        for row in table.itertuples()
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    right = {2, 6}
    for line in (header, *lines):
        cells = [
            str(x).rjust(w) if i in right else str(x).ljust(w)
            for i, (x, w) in enumerate(zip(line, widths, strict=True))
        ]
        typer.echo("  ".join(cells).rstrip())
    typer.echo(f"store: {bars.root}")


def _years_text(years: tuple[int, ...]) -> str:
    if not years:
        return "-"
    if list(years) == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}-{years[-1]}"
    return ",".join(str(y) for y in years)


def _size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@app.command("check")
def check(
    symbol: Annotated[str, typer.Argument(help="symbol, e.g. EURUSD", show_default=False)],
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", "-t", help="only this timeframe (default: all)")
    ] = None,
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the reports as JSON")] = False,
) -> None:
    """Validate stored bars (gaps, duplicates, OHLC sanity); exit 1 when a report has errors."""
    from mikrobot.core.errors import MikrobotError

    try:
        settings = _settings()
        bars = _open_store(store, settings)
        reports = bars.check(symbol, timeframe, spec=_spec(settings, symbol))
    except (MikrobotError, ValueError) as exc:
        raise _fail(exc) from None
    name = bars.canonical_symbol(symbol)
    if as_json:
        typer.echo(
            json.dumps(
                {"symbol": name, "reports": {tf: r.to_dict() for tf, r in reports.items()}},
                indent=1,
                default=str,
            )
        )
    else:
        for report in reports.values():
            typer.echo(report.summary())
    if not all(report.ok for report in reports.values()):
        raise typer.Exit(1)

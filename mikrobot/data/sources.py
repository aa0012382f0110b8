"""M1 bars from one place named by a string: the synthetic market, the bar store, or a file.

:func:`load_m1_source` is what notebooks and pipelines call so that one parameter
(``source="synthetic"``, ``"store"`` or a path) chooses the bars:

* ``"synthetic"``: :func:`mikrobot.data.synthetic.market` for the window, seeded;
* ``"store"``: the symbol's M1 bars in the Parquet bar store (:class:`~mikrobot.data.store.BarStore`);
* anything else: a bar file read by :func:`mikrobot.data.loaders.load_bars` (any format it
  reads, times in ``tz``); ``{symbol}`` in the path is replaced by the symbol, so one
  parameter serves several symbols (``data/{symbol}_m1.csv``).

The window is ``[start, end)`` in UTC, given by any two of ``start``, ``end`` and ``days``
(calendar days). With only ``days``, it ends at the first UTC midnight after the source's last
bar; with none of them, the whole file or dataset is read (the synthetic market then starts at
:data:`SYNTHETIC_START` for :data:`SYNTHETIC_DAYS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mikrobot.core.errors import ConfigError, DataError
from mikrobot.core.instruments import SymbolRegistry

if TYPE_CHECKING:
    from mikrobot.core.symbol import SymbolSpec

SYNTHETIC = "synthetic"
STORE = "store"
SYNTHETIC_START = "2024-01-01"
SYNTHETIC_DAYS = 30

__all__ = ["STORE", "SYNTHETIC", "M1Bars", "load_m1_source", "source_path"]


@dataclass(frozen=True, eq=False)
class M1Bars:
    """What :func:`load_m1_source` returns: canonical M1 ``bars`` (UTC), the symbol's ``spec``
    and a one-line ``description`` of where they came from."""

    bars: pd.DataFrame
    spec: SymbolSpec
    description: str


def _stamp(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} is not a date: give e.g. 2024-03-25") from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _after_midnight(last: pd.Timestamp) -> pd.Timestamp:
    """The first UTC midnight after the bar opening at ``last``."""
    return last.floor("D") + pd.Timedelta(days=1)


def _span(
    start: pd.Timestamp | None, end: pd.Timestamp | None, days: float | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    if days is not None and not days > 0:
        raise ConfigError(f"days must be > 0, got {days!r}")
    if start is not None and end is not None and days is not None:
        raise ConfigError("give at most two of start, end and days")
    width = None if days is None else pd.Timedelta(days=days)
    if width is not None and start is not None:
        end = start + width
    elif width is not None and end is not None:
        start = end - width
    if start is not None and end is not None and end <= start:
        raise ConfigError(f"the window ends ({end}) before it starts ({start})")
    return start, end


def source_path(source: str | Path, symbol: str | None) -> Path:
    """The file a path source names for ``symbol`` (``{symbol}`` replaced)."""
    text = str(source)
    if "{symbol}" in text:
        if not symbol:
            raise ConfigError(f"source {text!r} has {{symbol}} in it: give the symbol")
        text = text.replace("{symbol}", symbol)
    return Path(text).expanduser()


def load_m1_source(
    source: str | Path = SYNTHETIC,
    symbol: str | None = None,
    *,
    start: Any = None,
    end: Any = None,
    days: float | None = None,
    tz: str | None = None,
    seed: int = 7,
    registry: SymbolRegistry | None = None,
    store: str | Path | None = None,
) -> M1Bars:
    """M1 bars of ``symbol`` in the window ``[start, end)`` from ``source`` (see the module
    docstring for the sources and the window rules).

    Args:
        source: ``"synthetic"``, ``"store"`` or a bar file path (``{symbol}`` is replaced).
        symbol: the instrument; a file source may leave it None when its name names one.
        start, end, days: the window (UTC; naive times are UTC; ``days`` in calendar days).
        tz: the zone a file's times are written in (None: the format's own, see
            :func:`~mikrobot.data.loaders.load_bars`); only for files.
        seed: the synthetic market's seed.
        registry: where the symbol's spec is looked up (default: the built-in specs).
        store: the bar store directory (for ``"store"``).

    Raises :class:`ConfigError` for a bad window or source, :class:`DataError` when the source
    has no bar in the window (naming what it does hold) or cannot be read.
    """
    reg = SymbolRegistry() if registry is None else registry
    t0, t1 = _span(_stamp(start, "start"), _stamp(end, "end"), days)
    name = str(source).strip()
    if tz is not None and name.lower() in (SYNTHETIC, STORE):
        raise ConfigError(f"tz applies to bar files only, not to source {name!r} (UTC bars)")
    if name.lower() == SYNTHETIC:
        return _synthetic(reg, symbol, t0, t1, days, seed)
    if name.lower() == STORE:
        return _stored(reg, symbol, t0, t1, days, store)
    return _file(reg, source_path(name, symbol), symbol, t0, t1, days, tz)


def _synthetic(
    reg: SymbolRegistry,
    symbol: str | None,
    t0: pd.Timestamp | None,
    t1: pd.Timestamp | None,
    days: float | None,
    seed: int,
) -> M1Bars:
    from mikrobot.data.synthetic import market

    spec = reg[symbol or "EURUSD"]
    if t0 is None and t1 is None:
        t0 = pd.Timestamp(SYNTHETIC_START, tz="UTC")
        t1 = t0 + pd.Timedelta(days=SYNTHETIC_DAYS if days is None else days)
    elif t0 is None or t1 is None:  # one bound given and no days
        raise ConfigError("the synthetic market needs two of start, end and days")
    bars = market(spec, t0, end=t1, seed=seed).bars
    text = f"synthetic market, seed {seed}, {t0:%Y-%m-%d} to {t1:%Y-%m-%d}"
    return M1Bars(_check(bars, f"the synthetic {spec.name} market", t0, t1, bars), spec, text)


def _stored(
    reg: SymbolRegistry,
    symbol: str | None,
    t0: pd.Timestamp | None,
    t1: pd.Timestamp | None,
    days: float | None,
    store: str | Path | None,
) -> M1Bars:
    from mikrobot.data.store import BarStore

    if not symbol:
        raise ConfigError("source 'store' needs the symbol")
    if store is None:
        raise ConfigError("source 'store' needs the bar store directory (store=)")
    spec = reg[symbol]
    bs = BarStore(store)
    where = f"the bar store {bs.root} ({spec.name} M1)"
    if days is not None and t1 is None:
        listed = bs.list()
        row = listed[
            (listed["symbol"] == bs.canonical_symbol(spec.name)) & (listed["timeframe"] == "M1")
        ]
        if row.empty:
            raise DataError(
                f"{where} has no M1 bars: import some with `mikrobot data import`",
                path=str(bs.root),
            )
        t1 = _after_midnight(row["last"].iloc[0])
        t0 = t1 - pd.Timedelta(days=days)
    bars = bs.read(spec.name, "M1", t0, t1)
    return M1Bars(_check(bars, where, t0, t1, bars), spec, f"bar store {bs.root}, {spec.name} M1")


def _file(
    reg: SymbolRegistry,
    path: Path,
    symbol: str | None,
    t0: pd.Timestamp | None,
    t1: pd.Timestamp | None,
    days: float | None,
    tz: str | None,
) -> M1Bars:
    from mikrobot.data.loaders import load_bars

    if not path.is_file():
        raise DataError(
            "no such bar file: give 'synthetic', 'store' or the path of an M1 file",
            path=str(path),
        )
    whole = load_bars(path, symbol, "M1", tz)
    name = symbol or whole.attrs.get("symbol")
    if not name:
        raise DataError(
            "the file name names no known symbol: give the symbol", path=str(path), field="symbol"
        )
    spec = reg[name]
    if days is not None and t1 is None and len(whole):
        t1 = _after_midnight(whole.index[-1])
        t0 = t1 - pd.Timedelta(days=days)
    bars = whole
    if t0 is not None:
        bars = bars.loc[bars.index >= t0]
    if t1 is not None:
        bars = bars.loc[bars.index < t1]
    text = f"{path} (times read as {whole.attrs.get('source_tz')})"
    return M1Bars(_check(bars, str(path), t0, t1, whole), spec, text)


def _check(
    bars: pd.DataFrame,
    where: str,
    t0: pd.Timestamp | None,
    t1: pd.Timestamp | None,
    whole: pd.DataFrame,
) -> pd.DataFrame:
    if len(bars):
        return bars
    held = (
        f"its bars span {whole.index[0]:%Y-%m-%d %H:%M} to {whole.index[-1]:%Y-%m-%d %H:%M} UTC"
        if len(whole)
        else "it holds no bars"
    )
    window = f"[{'start' if t0 is None else f'{t0:%Y-%m-%d %H:%M}'}, " + (
        "end)" if t1 is None else f"{t1:%Y-%m-%d %H:%M})"
    )
    raise DataError(f"{where} has no M1 bar in {window}; {held}: choose another window")

"""Write canonical bars in the file formats :func:`mikrobot.data.loaders.load_bars` reads.

Useful to hand bars to other tools (an MT5 custom symbol import, a colleague's histdata
pipeline) and to test the loaders by round trip. Every writer takes ``tz``, the zone whose wall
clock the file's times are written in (the loader's ``tz=`` reads them back), and ``digits``:
None writes the shortest text that reads back as the same float, an int writes that many
decimals. Nothing is half-written: the text is built in memory, then written in one go.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import numpy as np
import pandas as pd

from mikrobot.data.frame import PRICE_COLUMNS, check_canonical
from mikrobot.data.loaders.rates import RATES_DTYPE
from mikrobot.data.timezones import utc_to_wall


def _wall(bars: pd.DataFrame, tz: str) -> pd.DatetimeIndex:
    check_canonical(bars)
    return utc_to_wall(pd.DatetimeIndex(bars.index), tz)


def _table(
    columns: dict[str, object],
    *,
    sep: str,
    header: bool,
    digits: int | None,
    lineterminator: str = "\n",
) -> str:
    frame = pd.DataFrame(columns)
    buffer = io.StringIO()
    frame.to_csv(
        buffer,
        sep=sep,
        header=header,
        index=False,
        float_format=None if digits is None else f"%.{digits}f",
        lineterminator=lineterminator,
    )
    return buffer.getvalue()


def _prices(bars: pd.DataFrame, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {
        name: bars[col].to_numpy(np.float64) for name, col in zip(names, PRICE_COLUMNS, strict=True)
    }


def _volume(bars: pd.DataFrame) -> np.ndarray:
    return bars["tick_volume"].to_numpy(np.int64)


def _write(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    if encoding.lower().replace("-", "").replace("_", "") in ("utf16", "utf16le"):
        data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    else:
        data = text.encode(encoding)
    Path(path).write_bytes(data)


def to_mt5_export(
    bars: pd.DataFrame,
    path: str | Path,
    tz: str = "UTC",
    *,
    sep: str = "\t",
    encoding: str = "utf-8",
    digits: int | None = None,
    with_time: bool = True,
) -> None:
    """An MT5 terminal bar export: ``<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL>
    <SPREAD>`` (``<SPREAD>`` only when the bars have it; ``<TIME>`` omitted with
    ``with_time=False``, as for D1). ``encoding="utf-16"`` writes UTF-16-LE with a BOM."""
    wall = _wall(bars, tz)
    columns: dict[str, object] = {"<DATE>": wall.strftime("%Y.%m.%d")}
    if with_time:
        columns["<TIME>"] = wall.strftime("%H:%M:%S")
    columns.update(_prices(bars, ("<OPEN>", "<HIGH>", "<LOW>", "<CLOSE>")))
    columns["<TICKVOL>"] = _volume(bars)
    columns["<VOL>"] = np.zeros(len(bars), dtype=np.int64)
    if "spread" in bars.columns:
        columns["<SPREAD>"] = bars["spread"].to_numpy(np.int64)
    _write(path, _table(columns, sep=sep, header=True, digits=digits), encoding)


def to_rates_array(bars: pd.DataFrame, tz: str = "UTC") -> np.ndarray:
    """The structured array MT5 ``copy_rates_*`` returns, with ``time`` on the wall clock of ``tz``
    (seconds as if UTC, as the terminal does); ``spread`` 0 when the bars have none."""
    wall = _wall(bars, tz)
    out = np.zeros(len(bars), dtype=RATES_DTYPE)
    out["time"] = wall.asi8 // 1_000_000_000
    for col in PRICE_COLUMNS:
        out[col] = bars[col].to_numpy(np.float64)
    out["tick_volume"] = _volume(bars)
    if "spread" in bars.columns:
        out["spread"] = bars["spread"].to_numpy(np.int64)
    return out


def to_mt5_rates_csv(
    bars: pd.DataFrame,
    path: str | Path,
    tz: str = "UTC",
    *,
    iso_times: bool = False,
    digits: int | None = None,
) -> None:
    """A ``copy_rates_*`` dump: ``time,open,high,low,close,tick_volume,spread,real_volume`` with
    Unix seconds (or ``YYYY-MM-DD HH:MM:SS`` with ``iso_times=True``); ``spread`` column only
    when the bars have it."""
    rates = to_rates_array(bars, tz)
    wall = _wall(bars, tz)
    columns: dict[str, object] = {
        "time": wall.strftime("%Y-%m-%d %H:%M:%S") if iso_times else rates["time"]
    }
    columns.update(_prices(bars, PRICE_COLUMNS))
    columns["tick_volume"] = _volume(bars)
    if "spread" in bars.columns:
        columns["spread"] = bars["spread"].to_numpy(np.int64)
    columns["real_volume"] = np.zeros(len(bars), dtype=np.int64)
    _write(path, _table(columns, sep=",", header=True, digits=digits))


def to_histdata_ascii(
    bars: pd.DataFrame, path: str | Path, tz: str = "EST", *, digits: int | None = 6
) -> None:
    """histdata.com Generic ASCII: no header, ``20240304 000000;o;h;l;c;volume``, fixed EST."""
    wall = _wall(bars, tz)
    columns: dict[str, object] = {"time": wall.strftime("%Y%m%d %H%M%S")}
    columns.update(_prices(bars, PRICE_COLUMNS))
    columns["volume"] = _volume(bars)
    _write(path, _table(columns, sep=";", header=False, digits=digits))


def to_histdata_mt(
    bars: pd.DataFrame, path: str | Path, tz: str = "EST", *, digits: int | None = 6
) -> None:
    """histdata.com MetaTrader variant: no header, ``2012.02.01,00:00,o,h,l,c,volume``, fixed EST."""
    wall = _wall(bars, tz)
    columns: dict[str, object] = {
        "date": wall.strftime("%Y.%m.%d"),
        "clock": wall.strftime("%H:%M"),
    }
    columns.update(_prices(bars, PRICE_COLUMNS))
    columns["volume"] = _volume(bars)
    _write(path, _table(columns, sep=",", header=False, digits=digits))


def to_dukascopy(
    bars: pd.DataFrame, path: str | Path, tz: str | None = None, *, digits: int | None = None
) -> None:
    """Dukascopy CSV: ``Gmt time,...`` in UTC when ``tz`` is None, else ``Local time,...`` on the
    wall clock of ``tz`` with each row's ``GMT+hhmm`` offset. Volume is written with 2 decimals."""
    wall = _wall(bars, "UTC" if tz is None else tz)
    text = wall.strftime("%d.%m.%Y %H:%M:%S.000")
    if tz is not None:
        offsets = (wall.asi8 - pd.DatetimeIndex(bars.index).asi8) // 60_000_000_000
        suffix = [
            f" GMT{'+' if m >= 0 else '-'}{abs(m) // 60:02d}{abs(m) % 60:02d}" for m in offsets
        ]
        text = pd.Index(text) + pd.Index(suffix)
    columns: dict[str, object] = {"Gmt time" if tz is None else "Local time": np.asarray(text)}
    columns.update(_prices(bars, ("Open", "High", "Low", "Close")))
    columns["Volume"] = [f"{v:.2f}" for v in _volume(bars)]
    _write(path, _table(columns, sep=",", header=True, digits=digits))


def to_metatrader_csv(
    bars: pd.DataFrame, path: str | Path, tz: str = "UTC", *, digits: int | None = None
) -> None:
    """MetaTrader-style CSV: ``Date,Open,High,Low,Close,Tickvol,Volume,Spread`` with
    ``YYYY.MM.DD HH:MM:SS`` times (``Spread`` only when the bars have it)."""
    wall = _wall(bars, tz)
    columns: dict[str, object] = {"Date": wall.strftime("%Y.%m.%d %H:%M:%S")}
    columns.update(_prices(bars, ("Open", "High", "Low", "Close")))
    columns["Tickvol"] = _volume(bars)
    columns["Volume"] = np.zeros(len(bars), dtype=np.int64)
    if "spread" in bars.columns:
        columns["Spread"] = bars["spread"].to_numpy(np.int64)
    _write(path, _table(columns, sep=",", header=True, digits=digits))


def to_quoted_tsv(
    bars: pd.DataFrame, path: str | Path, tz: str = "UTC", *, digits: int | None = None
) -> None:
    """The hadiforoughi layout: every CRLF line wrapped in double quotes, TAB inside, header
    ``Time Open High Low Close Volume``, times ``YYYY-MM-DD HH:MM:SS``."""
    wall = _wall(bars, tz)
    columns: dict[str, object] = {"Time": wall.strftime("%Y-%m-%d %H:%M:%S")}
    columns.update(_prices(bars, ("Open", "High", "Low", "Close")))
    columns["Volume"] = _volume(bars)
    lines = _table(columns, sep="\t", header=True, digits=digits).splitlines()
    _write(path, "".join(f'"{line}"\r\n' for line in lines))

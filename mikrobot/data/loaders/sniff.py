"""Tell a bar file's format from its first line (the first few KB are all it reads)."""

from __future__ import annotations

import re

from mikrobot.core.errors import DataError
from mikrobot.data.loaders.source import Source, guess_separator, split_fields
from mikrobot.data.loaders.table import normalise

#: Every format name ``load_bars(format=...)`` accepts.
FORMATS: tuple[str, ...] = (
    "mt5_export",
    "mt5_rates_csv",
    "mt5_rates_npy",
    "histdata_ascii",
    "histdata_mt",
    "dukascopy",
    "metatrader_csv",
    "quoted_tsv",
    "generic",
)
NPY_MAGIC = b"\x93NUMPY"

_HISTDATA_ASCII = re.compile(r"^\d{8} \d{4}(\d{2})?;")
_HISTDATA_MT = re.compile(r"^\d{4}\.\d{2}\.\d{2},\d{2}:\d{2}(:\d{2})?,")
_RATES = {"time", "open", "high", "low", "close", "tickvolume"}
_QUOTED = ["time", "open", "high", "low", "close", "volume"]


def sniff_format(source: Source) -> str:
    """The format name of ``source``, judged from its first non-blank line.

    Raises :class:`DataError` when nothing fits, listing the formats and how to force one.
    """
    line, text = source.lines(limit=1)[0]
    stripped = text.strip()
    upper = stripped.upper()
    if upper.startswith(("<DATE>", '"<DATE>"')):
        return "mt5_export"
    if _HISTDATA_ASCII.match(stripped):
        return "histdata_ascii"
    if _HISTDATA_MT.match(stripped):
        return "histdata_mt"
    sep = guess_separator(stripped)
    names = [normalise(n) for n in split_fields(stripped, sep)] if sep else [normalise(stripped)]
    if names and names[0] in ("gmttime", "localtime"):
        return "dukascopy"
    if set(names) >= _RATES:
        return "mt5_rates_csv"
    if "tickvol" in names and sep == ",":
        return "metatrader_csv"
    if sep == "\t" and names == _QUOTED:
        return "quoted_tsv"
    if any(ch.isalpha() for ch in "".join(names)):
        return "generic"
    raise DataError(
        f"cannot tell the format from the first line {stripped[:80]!r}; pass format= (one of "
        f"{', '.join(FORMATS)}), or format='generic' with columns={{'header': False, 'time': 0, "
        "'open': 1, ...}}",
        path=source.path,
        line=line,
    )

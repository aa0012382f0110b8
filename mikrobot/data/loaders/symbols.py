"""The symbol a bar file's name shows (``DAT_ASCII_EURUSD_M1_2024.csv`` -> ``EURUSD``)."""

from __future__ import annotations

import re
from pathlib import Path

from mikrobot.core.instruments import DEFAULT_SPECS, canonical_name

_TOKENS = re.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z]+)?")


def symbol_from_filename(path: str | Path) -> str | None:
    """The first word of the file name that is a known instrument, in canonical spelling.

    Words are runs of letters and digits (a broker suffix such as ``.a`` or ``.cash`` stays
    attached); ``EURUSD_Candlestick_1_M_BID_...``, ``DAT_MT_EURUSD_M1_2012.csv``,
    ``eurusd_m1_2022-01.csv`` and ``US30.cash_M5.csv`` all work. None when no word is known.
    """
    stem = Path(str(path)).name
    for suffix in (".gz", ".zip", ".csv", ".txt", ".tsv", ".npy"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    for token in _TOKENS.findall(stem):
        name = canonical_name(token)
        if name in DEFAULT_SPECS:
            return name
    return None


def finish_symbol(symbol: str | None, path: str | None) -> str | None:
    """The caller's symbol in canonical spelling, else the one in the file name, else None."""
    if symbol is not None:
        return canonical_name(symbol)
    return None if path is None else symbol_from_filename(path)

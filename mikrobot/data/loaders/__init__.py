"""Bar file loaders: every supported format into the canonical frame of :mod:`mikrobot.data.frame`.

One module per format family (``mt5``, ``rates``, ``histdata``, ``dukascopy``, ``generic``), a
sniffer (``sniff``), the shared table reader (``table``, ``times``, ``source``) and
:func:`load_bars`, the one entry point most callers need.
"""

from __future__ import annotations

from mikrobot.data.loaders.api import load_bars
from mikrobot.data.loaders.dukascopy import read_dukascopy
from mikrobot.data.loaders.rates import bars_from_rates
from mikrobot.data.loaders.sniff import FORMATS, sniff_format
from mikrobot.data.loaders.symbols import symbol_from_filename

__all__ = [
    "FORMATS",
    "bars_from_rates",
    "load_bars",
    "read_dukascopy",
    "sniff_format",
    "symbol_from_filename",
]

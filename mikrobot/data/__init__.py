"""Bars: loaders, validation, resampling, the Parquet store and the synthetic market.

``import mikrobot.data`` is cheap; each name below loads its module on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "make_bars": "mikrobot.data.frame",
    "check_canonical": "mikrobot.data.frame",
    "load_bars": "mikrobot.data.loaders",
    "resample": "mikrobot.data.resampling",
    "validate": "mikrobot.data.validation",
    "ValidationReport": "mikrobot.data.validation",
    "BarStore": "mikrobot.data.store",
    "synthetic": "mikrobot.data.synthetic",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mikrobot.data' has no attribute {name!r}")
    mod = importlib.import_module(module)
    return mod if module.rsplit(".", 1)[-1] == name else getattr(mod, name)

"""Market structure: causal swings, BOS/CHoCH breaks and M1 retest setups (SPEC §1-§4).

Three drivers of one logic: numba kernels (``nb``) behind the pandas functions below, the
bar-by-bar :class:`StructureStream` for the live runtime, and ``reference`` (the slow oracle).

Names load on first use, so importing ``mikrobot.structure.params`` (as the config does) does
not compile or load any kernel.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mikrobot.structure.api import breaks, setups, structure, swings, to_signals
    from mikrobot.structure.params import ConfidenceWeights, StructureParams
    from mikrobot.structure.plotting import plot
    from mikrobot.structure.stream import StructureStream

_EXPORTS = {
    "breaks": "mikrobot.structure.api",
    "setups": "mikrobot.structure.api",
    "structure": "mikrobot.structure.api",
    "swings": "mikrobot.structure.api",
    "to_signals": "mikrobot.structure.api",
    "ConfidenceWeights": "mikrobot.structure.params",
    "StructureParams": "mikrobot.structure.params",
    "plot": "mikrobot.structure.plotting",
    "StructureStream": "mikrobot.structure.stream",
}

__all__ = [
    "ConfidenceWeights",
    "StructureParams",
    "StructureStream",
    "breaks",
    "plot",
    "setups",
    "structure",
    "swings",
    "to_signals",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mikrobot.structure' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

"""Market structure: causal swings, BOS/CHoCH breaks and M1 retest setups (SPEC §1-§4).

Three drivers of one logic: numba kernels (``nb``) behind the pandas functions below, the
bar-by-bar :class:`StructureStream` for the live runtime, and ``reference`` (the slow oracle).
"""

from mikrobot.structure.api import breaks, setups, structure, swings, to_signals
from mikrobot.structure.params import ConfidenceWeights, StructureParams
from mikrobot.structure.plot import plot
from mikrobot.structure.stream import StructureStream

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

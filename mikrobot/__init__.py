"""mikrobot: an M5 break of structure confirmed by an M1 retest, from notebook to live account.

Heavy parts (numba kernels, pandas loaders) load on first use, so ``import mikrobot`` is cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

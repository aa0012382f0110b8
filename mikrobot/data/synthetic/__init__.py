"""The seeded synthetic market: realistic M1 bars for any symbol, and the plain random walk.

* :func:`market` — sessions (DST-aware), volatility clustering, trend/range regimes, weekend
  and daily closes with reopening gaps, per-bar spread and tick volume, and optionally planted
  BOS + retest episodes at known times (:class:`SyntheticMarket`);
* :func:`random_walk` — the standard benchmark input of BENCHMARKS.md (374,400 M1 bars).

Both return canonical frames (:mod:`mikrobot.data.frame`) and are deterministic for a seed.
"""

from __future__ import annotations

from mikrobot.data.synthetic.market import SyntheticMarket, market
from mikrobot.data.synthetic.params import (
    EpisodeParams,
    MarketParams,
    default_params,
)
from mikrobot.data.synthetic.planting import EPISODE_COLUMNS
from mikrobot.data.synthetic.walk import YEAR_M1, random_walk

__all__ = [
    "EPISODE_COLUMNS",
    "YEAR_M1",
    "EpisodeParams",
    "MarketParams",
    "SyntheticMarket",
    "default_params",
    "market",
    "random_walk",
]

"""Shared pieces of the benchmarks: the timing helper, the standard input, lazy peer imports.

Every benchmark times mikrobot and its peer in the same process on the same input and
reports medians of at least 5 runs after a warm-up (BENCHMARKS.md, "How").
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from time import perf_counter_ns
from types import ModuleType
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # time the mikrobot of this checkout, not an installed one
    sys.path.insert(0, str(REPO))

from mikrobot.data.frame import make_bars  # noqa: E402
from mikrobot.data.synthetic import random_walk  # noqa: E402  (the standard input, seeded)

SHARED_DATA = Path(os.environ.get("MIKROBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
M1_BARS = 374_400  # 52 weeks x 5 days x 24 h x 60 min
QUICK_M1_BARS = 10_000
REPEATS = 5  # BENCHMARKS.md's minimum; used for slow peers
FAST_REPEATS = 31  # for calls of a few milliseconds: a steadier median on a busy machine
QUICK_REPEATS = 3


def repeats(quick: bool, fast: bool = False) -> int:
    """Timed runs per measurement: at least 5, more for ``fast`` calls, 3 in a ``--quick`` run."""
    if quick:
        return QUICK_REPEATS
    return FAST_REPEATS if fast else REPEATS


def median_ms(fn: Callable[[], Any], runs: int = REPEATS, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time of ``fn()`` in milliseconds over ``runs`` calls after ``warmup`` calls.

    Returns ``(median_ms, result of the last call)``. Uses ``time.perf_counter_ns``.
    """
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(runs):
        start = perf_counter_ns()
        result = fn()
        times.append(perf_counter_ns() - start)
    return statistics.median(times) / 1e6, result


def to_m5(m1: pd.DataFrame) -> pd.DataFrame:
    """Aggregate gap-free M1 bars starting on a 5-minute boundary (whole blocks of 5) to M5."""
    if len(m1) % 5:
        raise ValueError(f"{len(m1)} M1 bars do not make whole M5 bars: pass a multiple of 5")
    blocks = {c: m1[c].to_numpy().reshape(-1, 5) for c in ("open", "high", "low", "close")}
    return make_bars(
        m1.index.asi8[::5],
        blocks["open"][:, 0],
        blocks["high"].max(axis=1),
        blocks["low"].min(axis=1),
        blocks["close"][:, -1],
        m1["tick_volume"].to_numpy().reshape(-1, 5).sum(axis=1),
        symbol=m1.attrs.get("symbol"),
        timeframe="M5",
        source=m1.attrs.get("source"),
    )


def standard_m5(quick: bool) -> pd.DataFrame:
    """The standard M5 input: 74,880 bars (2,000 with ``quick``) from ``random_walk``."""
    return to_m5(random_walk(QUICK_M1_BARS if quick else M1_BARS))


def real_bars(name: str) -> Path | None:
    """``../shared/data/real/<name>`` (or under ``$MIKROBOT_SHARED_DATA``) when present, else None."""
    path = SHARED_DATA / "real" / name
    return path if path.is_file() else None


def import_peer(name: str) -> ModuleType | None:
    """Import a peer library quietly (some print banners), or return None when it is absent."""
    os.environ.setdefault("SMC_CREDIT", "0")  # smartmoneyconcepts' banner switch
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            return importlib.import_module(name)
        except ImportError:
            return None


def peer_name(module: ModuleType | None, dist: str) -> str:
    """``dist`` with its installed version, or a note saying it is missing and how to get it."""
    if module is None:
        return f"{dist} (not installed: pip install -e '.[bench]')"
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:
        return dist


def ratio(peer_ms: float | None, mikrobot_ms: float | None) -> float | None:
    """How many times faster mikrobot is (``peer_ms / mikrobot_ms``); None when one is missing."""
    if peer_ms is None or not mikrobot_ms:
        return None
    return peer_ms / mikrobot_ms

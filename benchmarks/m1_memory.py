"""M1: peak memory (RSS) of a process that runs a one-year backtest.

A fresh Python process imports mikrobot, builds one synthetic year of M1 bars
(``random_walk(374_400)``), finds the BOS+retest setups, backtests them through the strategic
evaluation with the FTMO 2-Step Challenge rules, computes the
trade list, the equity curve and the statistics, and reports its peak resident set size from
``resource.getrusage(RUSAGE_SELF).ru_maxrss``. The peer row is a fresh process that only
imports vectorbt. Target: <= 300 MB.

    python benchmarks/m1_memory.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

M1_BARS = 374_400
QUICK_M1_BARS = 10_000

_BACKTEST = """
import json, resource, sys
sys.path.insert(0, {repo!r})
from mikrobot.backtest import run_setups
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.synthetic import random_walk
from mikrobot.structure.api import setups
m1 = random_walk({n})
spec = DEFAULT_SPECS["EURUSD"]
result = run_setups(m1, setups(m1, spec=spec), spec=spec)
result.stats
result.equity
print(json.dumps({{"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "trades": len(result.trades)}}))
"""

_PEER = """
import json, resource, warnings
warnings.simplefilter("ignore")
import vectorbt
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _child(code: str) -> dict | None:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=REPO
    )
    if done.returncode != 0:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def rows(quick: bool) -> list[dict]:
    """One row: peak RSS in MB of the backtest process, and of a process importing vectorbt."""
    n = QUICK_M1_BARS if quick else M1_BARS
    ours = _child(_BACKTEST.format(repo=str(REPO), n=n))
    if ours is None:
        raise RuntimeError("the backtest process failed: run its code by hand to see why")
    ours_mb = ours["maxrss_kb"] / 1024
    peer = _child(_PEER)
    peer_mb = None if peer is None else peer["maxrss_kb"] / 1024
    return [
        {
            "id": "M1",
            "what": "peak RSS of a one-year process: bars, setups, backtest, stats, equity",
            "mikrobot_ms": None,
            "peer": "vectorbt 1.2.0 import" if peer is not None else "vectorbt (not installed)",
            "peer_ms": None,
            "ratio": None if peer_mb is None else peer_mb / ours_mb,
            "n": n,
            "mikrobot_mb": round(ours_mb, 1),
            "peer_mb": None if peer_mb is None else round(peer_mb, 1),
            "target_mb": 300.0,
            "trades": ours["trades"],
            "notes": (
                f"peak RSS {ours_mb:.0f} MB (target <= 300 MB)"
                + ("" if peer_mb is None else f"; importing vectorbt alone: {peer_mb:.0f} MB")
            ),
        }
    ]


if __name__ == "__main__":
    for r in rows("--quick" in sys.argv):
        print(json.dumps(r))

"""M1: peak memory (RSS) of a process that runs a one-year backtest.

Rows (``benchmarks/run.py --only M1`` runs this module; each figure is one fresh process, so
there is nothing to take a median of: peak RSS barely moves from run to run):

* ``M1``: a fresh Python process imports mikrobot, builds one synthetic year of M1 bars
  (``random_walk(374_400)``), finds the BOS+retest setups, backtests them through the
  strategic evaluation with the FTMO 2-Step Challenge rules, computes the trade list, the
  equity curve and the statistics, and reports its peak resident set size from
  ``resource.getrusage(RUSAGE_SELF).ru_maxrss``. The peer is a fresh process that only
  imports vectorbt. Target: <= 300 MB.
* ``M1-cli``: the peak RSS of the command ``mikrobot backtest --synthetic --days 365 --json``
  (the seeded synthetic market with sessions and spreads, 375,840 bars; JIT cache warm), read
  from the ``RUSAGE_CHILDREN`` of a small launcher process. Same target. ``M1-floor``: a process that only imports
  numpy, pandas, numba (starting its CPU target, which loads scipy's BLAS when scipy is
  installed), pydantic-settings and typer - what the command holds before its own work.

    python benchmarks/m1_memory.py [--quick]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

M1_BARS = 374_400
QUICK_M1_BARS = 10_000
DAYS = 365
QUICK_DAYS = 10
TARGET_MB = 300.0

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

_FLOOR = (
    "import numpy, pandas, numba, pydantic_settings, typer\n"
    "from numba.core.registry import cpu_target\n"
    "cpu_target.target_context.refresh()\n"
)


# Linux keeps a process's peak RSS across exec, and a child made by fork (or vfork) starts from
# its parent's resident size: a child of run.py after B3 (vectorbt imported, ~800 MB) would
# report that. So every measured process is started by a small, fresh launcher, whose own
# size (~10 MB) is all it can inherit; the launcher writes the measured child's peak to a file.
_LAUNCH = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[2:])\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(done.returncode)\n"
)


def _launched(args: list[str]) -> list[str]:
    return [sys.executable, "-c", _LAUNCH, *args]


def _child(code: str) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".maxrss") as peak:
        done = subprocess.run(
            _launched([peak.name, sys.executable, "-c", code]),
            capture_output=True,
            text=True,
            timeout=600,
            cwd=REPO,
        )
    if done.returncode != 0:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_mb(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """``(peak RSS in MB, stdout)`` of one process, from its launcher's ``RUSAGE_CHILDREN``."""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile(suffix=".maxrss") as peak:
        done = subprocess.run(
            _launched([peak.name, *args]),
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        out.seek(0)
        text = out.read().decode()
        maxrss = float(Path(peak.name).read_text())
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: run it by hand to see why")
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return maxrss / scale, text


def _version(dist: str) -> str:
    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:
        return f"{dist} (not installed)"


def _row(row_id: str, what: str, ours_mb: float, n: int, **extra) -> dict:
    row = {
        "id": row_id,
        "what": what,
        "mikrobot_ms": None,
        "peer": None,
        "peer_ms": None,
        "ratio": None,
        "n": n,
        "mikrobot_mb": round(ours_mb, 1),
        "peer_mb": None,
        "target_mb": TARGET_MB,
        "meets_target": ours_mb <= TARGET_MB,
        "notes": f"peak RSS {ours_mb:.0f} MB (target <= {TARGET_MB:.0f} MB)",
    }
    row.update(extra)
    return row


def rows(quick: bool) -> list[dict]:
    """``M1`` (library process, peer: importing vectorbt), ``M1-cli`` (the command) and
    ``M1-floor`` (the imports alone), peak RSS in MB."""
    n = QUICK_M1_BARS if quick else M1_BARS
    ours = _child(_BACKTEST.format(repo=str(REPO), n=n))
    if ours is None:
        raise RuntimeError("the backtest process failed: run its code by hand to see why")
    ours_mb = ours["maxrss_kb"] / 1024
    peer = _child(_PEER)
    peer_mb = None if peer is None else peer["maxrss_kb"] / 1024
    lib = _row(
        "M1",
        "peak RSS of a one-year process: bars, setups, backtest, stats, equity",
        ours_mb,
        n,
        trades=ours["trades"],
    )
    lib["peer"] = _version("vectorbt") + " import"
    lib["peer_mb"] = None if peer_mb is None else round(peer_mb, 1)
    lib["ratio"] = None if peer_mb is None else peer_mb / ours_mb
    if peer_mb is not None:
        lib["notes"] += f"; importing vectorbt alone: {peer_mb:.0f} MB"

    days = QUICK_DAYS if quick else DAYS
    with tempfile.TemporaryDirectory(prefix="mikrobot-m1-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "MIKROBOT_CONFIG"}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
        env["MIKROBOT_HOME"] = tmp
        cmd = [sys.executable, "-m", "mikrobot", "backtest", "--synthetic", "--days", str(days)]
        cmd += ["--seed", "7", "--json"]
        _peak_mb(cmd, env, Path(tmp))  # warms the JIT cache
        cli_mb, out = _peak_mb(cmd, env, Path(tmp))
        floor_mb, _ = _peak_mb([sys.executable, "-c", _FLOOR], env, Path(tmp))
    data = json.loads(out)
    cli = _row(
        "M1-cli",
        f"peak RSS of `mikrobot backtest --synthetic --days {days} --json`, JIT cache warm",
        cli_mb,
        data["bars"],
        trades=data["trade_count"],
    )
    cli["notes"] += f"; the imports alone (M1-floor): {floor_mb:.0f} MB"
    floor = _row(
        "M1-floor",
        "peak RSS after importing numpy, pandas, numba (CPU target started), "
        "pydantic-settings, typer",
        floor_mb,
        None,
    )
    floor.pop("target_mb")
    floor.pop("meets_target")
    floor["notes"] = f"what any numba + pandas command holds before its own work: {floor_mb:.0f} MB"
    return [lib, cli, floor]


if __name__ == "__main__":
    for r in rows("--quick" in sys.argv):
        print(json.dumps(r))

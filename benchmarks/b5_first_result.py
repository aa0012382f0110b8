"""B5: first result in a fresh process - ``mikrobot backtest`` on one year of M1 bars.

Each run is a new ``python -m mikrobot backtest ... --json`` process (this checkout's code,
an empty ``MIKROBOT_HOME``, no config file), timed from the parent: wall time from start to
exit, and the CPU time of the child (user + system, less sensitive to a busy machine). The
command's own ``seconds`` (load = imports, numba start-up and the bars; setups; simulation;
report) are kept as medians too. "Warm" means what it means after ``pip install``: the
on-disk JIT cache and Python's bytecode cache are filled (the untimed warm-up run may write
``.pyc`` files even where ``PYTHONDONTWRITEBYTECODE`` is set, as pip does at install time;
without them every run would compile this checkout's ~70 modules from source, ~0.1 s).

Rows:

* ``B5``: ``--synthetic --days 365`` (375,840 M1 bars) with the on-disk JIT cache warm (one
  warm-up run first). Peer: vectorbt in a fresh process - ``import vectorbt`` and its first
  ``Portfolio.from_signals`` (SMA 10/30 cross with SL/TP, B3's call) on the standard 374,400-bar
  random walk, its own on-disk cache warm. Target <= 1.5 s.
* ``B5-stored``: the same year read from the Parquet bar store (``--stored``), cache warm.
* ``B5-base``: as ``B5``, in a process where scipy cannot be imported - as after
  ``pip install mikrobot`` without the extras (scipy comes with the bench/research peers; numba
  imports it at start-up for BLAS when it is there).
* ``B5-cold``: ``NUMBA_CACHE_DIR`` pointed at a new empty directory for every run, so every
  kernel compiles; ``compile_message`` says whether the progress message appeared. Peer:
  vectorbt the same way. Target <= 20 s.
* ``B5-floor``: a fresh process that only imports numpy, pandas, numba, pydantic-settings and
  typer and starts numba's CPU target (which imports scipy when it is installed, for BLAS) -
  what any numba + pandas command pays before its own work; B5 minus this is mikrobot's share.
  Both end without the interpreter's teardown (``mikrobot backtest`` ends with a flushed
  ``os._exit``, see ``mikrobot.cli.QUICK_EXIT_COMMANDS``): tearing numba, LLVM, scipy and
  pandas down takes about 0.3 s that no user waits for.
* ``B5-report``: ``--report`` on the synthetic year: ``mikrobot_ms`` is the report's own time
  (``seconds.report``), ``report_mb`` the file size.

``--quick``: 30 synthetic days, 3 warm runs, the floor; no stored/cold/peer runs (a smoke run).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import M1_BARS, REPO, import_peer, peer_name, random_walk, ratio, repeats

DAYS = 365
QUICK_DAYS = 30
TARGET_WARM_MS = 1_500.0
TARGET_COLD_MS = 20_000.0
COMPILE_MESSAGE = "compiling kernels, first run only"

NO_SCIPY = (
    "import runpy, sys\n"
    "sys.modules['scipy'] = None  # an install without scipy: numba skips its BLAS check\n"
    "sys.argv = ['mikrobot', *sys.argv[1:]]\n"
    "runpy.run_module('mikrobot', run_name='__main__', alter_sys=True)\n"
)

FLOOR_IMPORTS = (
    "import numpy, pandas, numba, pydantic_settings, typer\n"
    "from numba.core.registry import cpu_target\n"
    "cpu_target.target_context.refresh()\n"
)
FLOOR_CODE = FLOOR_IMPORTS + (
    "import os\nos._exit(0)  # ends as the command does, without the interpreter's teardown\n"
)

PEER_CODE = """
import sys, warnings
import numpy as np
d = np.load(sys.argv[1])
o, h, lo, c = d["open"], d["high"], d["low"], d["close"]
import pandas as pd
import vectorbt as vbt
fast = pd.Series(c).rolling(10).mean().to_numpy()
slow = pd.Series(c).rolling(30).mean().to_numpy()
above = fast > slow
prev = np.r_[False, above[:-1]]
valid = ~np.isnan(slow) & ~np.isnan(np.r_[np.nan, slow[:-1]])
up = above & ~prev & valid
down = ~above & prev & valid
entries = np.r_[False, up[:-1]]
shorts = np.r_[False, down[:-1]]
sl = np.r_[np.nan, 0.0010 / c[:-1]]
tp = np.r_[np.nan, 0.0015 / c[:-1]]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    pf = vbt.Portfolio.from_signals(
        c, entries=entries, short_entries=shorts, price=o, open=o, high=h, low=lo,
        sl_stop=sl, tp_stop=tp, size=1.0, init_cash=1e12,
    )
    print(int(pf.trades.count()))
"""


def _env(home: Path, cache: Path | None, bytecode: bool = False) -> dict[str, str]:
    """The child's environment; ``bytecode`` lets it write ``.pyc`` files (the warm-up)."""
    drop = {"MIKROBOT_CONFIG", "PYTHONDONTWRITEBYTECODE"} if bytecode else {"MIKROBOT_CONFIG"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MIKROBOT_HOME"] = str(home)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    return env


def _timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str, str]:
    """``(wall ms, child CPU ms, stdout, stderr)`` of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    wall = (time.perf_counter() - start) * 1e3
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return wall, cpu, done.stdout, done.stderr


def _mikrobot(extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "mikrobot", "backtest", *extra, "--json"]


def _series(
    args: list[str], runs: int, work: Path, *, cold: bool = False, warmup: bool = True
) -> dict[str, Any]:
    """Medians over ``runs`` fresh processes (after one untimed run unless ``cold``)."""
    home = work / "home"
    home.mkdir(exist_ok=True)
    if warmup and not cold:  # fills the JIT cache and this checkout's bytecode cache
        _timed(args, _env(home, None, bytecode=True), work)
    walls, cpus, seconds, messages = [], [], [], []
    out = ""
    for _ in range(runs):
        cache = Path(tempfile.mkdtemp(dir=work, prefix="numba-")) if cold else None
        wall, cpu, out, err = _timed(args, _env(home, cache), work)
        walls.append(wall)
        cpus.append(cpu)
        messages.append(COMPILE_MESSAGE in err)
        if out.strip().startswith("{"):
            seconds.append(json.loads(out)["seconds"])
    keys = seconds[0].keys() if seconds else ()
    return {
        "wall_ms": statistics.median(walls),
        "cpu_ms": statistics.median(cpus),
        "steps_ms": {k: round(statistics.median(s[k] for s in seconds) * 1e3, 1) for k in keys},
        "compile_message": all(messages),
        "last": out,
    }


def _peer_series(runs: int, work: Path, *, cold: bool, quick: bool) -> dict[str, Any] | None:
    if quick or import_peer("vectorbt") is None:
        return None
    m1 = random_walk(M1_BARS)
    data = work / "walk.npz"
    import numpy as np

    np.savez(data, **{k: m1[k].to_numpy() for k in ("open", "high", "low", "close")})
    script = work / "peer.py"
    script.write_text(PEER_CODE, encoding="utf-8")
    return _series([sys.executable, str(script), str(data)], runs, work, cold=cold)


def _modules_after(code: str, work: Path) -> set[str]:
    """Top-level module names loaded by ``code`` in a fresh process."""
    probe = code + "import sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=work, check=True
    )
    return set(done.stdout.split())


def _store_year(work: Path) -> None:
    """The synthetic year, appended to a bar store under ``work/home``."""
    env = _env(work / "home", None)
    code = (
        "from mikrobot.config import load_settings\n"
        "from mikrobot.data.store import BarStore\n"
        "from mikrobot.data.synthetic import market\n"
        f"bars = market('EURUSD', '2024-01-01', days={DAYS}, seed=7).bars\n"
        "BarStore(load_settings().store_path).append(bars, symbol='EURUSD')\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=work, check=True)


def _row(row_id: str, what: str, ours: dict[str, Any], target: float | None, **extra: Any) -> dict:
    data = json.loads(ours["last"])
    row = {
        "id": row_id,
        "what": what,
        "mikrobot_ms": ours["wall_ms"],
        "cpu_ms": ours["cpu_ms"],
        "steps_ms": ours["steps_ms"],
        "peer": None,
        "peer_ms": None,
        "ratio": None,
        "n": data["bars"],
        "trades": data["trade_count"],
        "notes": "",
    }
    if target is not None:
        row["target_ms"] = target
        row["meets_target"] = ours["wall_ms"] <= target
    row.update(extra)
    return row


def _with_peer(row: dict, peer: dict[str, Any] | None, label: str, quick: bool) -> dict:
    vbt = None if quick else import_peer("vectorbt")
    row["peer"] = peer_name(vbt, "vectorbt") if not quick else "vectorbt (skipped in --quick)"
    if peer is not None:
        row["peer_ms"] = peer["wall_ms"]
        row["peer_cpu_ms"] = peer["cpu_ms"]
        row["ratio"] = ratio(peer["wall_ms"], row["mikrobot_ms"])
        row["notes"] = f"peer: {label}; " + row["notes"]
    return row


def rows(quick: bool) -> list[dict]:
    """B5 rows: warm synthetic year (+ vectorbt), stored year, cold cache (+ vectorbt), report."""
    runs = repeats(quick)
    days = QUICK_DAYS if quick else DAYS
    out = []
    with tempfile.TemporaryDirectory(prefix="mikrobot-b5-") as tmp:
        work = Path(tmp)
        synthetic = ["--synthetic", "--days", str(days), "--seed", "7"]
        warm = _series(_mikrobot(synthetic), runs, work)
        row = _row(
            "B5",
            f"mikrobot backtest --synthetic --days {days}, fresh process, JIT cache warm",
            warm,
            TARGET_WARM_MS,
            notes=f"wall incl. interpreter start; child CPU {warm['cpu_ms']:,.0f} ms",
        )
        peer = _peer_series(runs, work, cold=False, quick=quick)
        out.append(_with_peer(row, peer, "import + first from_signals, cache warm", quick))
        floor = _series([sys.executable, "-c", FLOOR_CODE], runs, work)
        out.append(
            {
                "id": "B5-floor",
                "what": "fresh process: import numpy, pandas, numba, pydantic-settings, typer; "
                "numba target start-up",
                "mikrobot_ms": floor["wall_ms"],
                "cpu_ms": floor["cpu_ms"],
                "peer": None,
                "peer_ms": None,
                "ratio": None,
                "n": None,
                "notes": f"child CPU {floor['cpu_ms']:,.0f} ms; mikrobot's own share of B5: "
                f"{warm['wall_ms'] - floor['wall_ms']:,.0f} ms wall, "
                f"{warm['cpu_ms'] - floor['cpu_ms']:,.0f} ms CPU",
                "scipy_loaded_by_numba": "scipy" in _modules_after(FLOOR_IMPORTS, work),
            }
        )
        if quick:
            return out

        base = _series(
            [sys.executable, "-c", NO_SCIPY, "backtest", *synthetic, "--json"], runs, work
        )
        out.append(
            _row(
                "B5-base",
                f"as B5 without scipy installed (base install), --days {days}, cache warm",
                base,
                TARGET_WARM_MS,
                notes=f"child CPU {base['cpu_ms']:,.0f} ms",
            )
        )

        _store_year(work)
        stored = _series(_mikrobot(["--stored", "--symbol", "EURUSD"]), runs, work)
        out.append(
            _row(
                "B5-stored",
                "mikrobot backtest --stored (the year from the Parquet store), cache warm",
                stored,
                TARGET_WARM_MS,
                notes=f"child CPU {stored['cpu_ms']:,.0f} ms",
            )
        )

        cold = _series(_mikrobot(synthetic), runs, work, cold=True)
        row = _row(
            "B5-cold",
            f"mikrobot backtest --synthetic --days {days}, empty NUMBA_CACHE_DIR",
            cold,
            TARGET_COLD_MS,
            compile_message=cold["compile_message"],
            notes=f"child CPU {cold['cpu_ms']:,.0f} ms; compile message shown: "
            f"{cold['compile_message']}",
        )
        peer = _peer_series(runs, work, cold=True, quick=quick)
        out.append(_with_peer(row, peer, "import + first from_signals, empty cache", quick))

        path = work / "report.html"
        rep = _series(_mikrobot([*synthetic, "--report", str(path)]), runs, work)
        size = path.stat().st_size / 1e6
        row = _row(
            "B5-report",
            f"--report on the synthetic year: report time (whole process {rep['wall_ms']:,.0f} ms)",
            rep,
            None,
            report_mb=round(size, 2),
            notes=f"one HTML file of {size:.1f} MB (plotly.js 4.8 MB of it)",
        )
        row["mikrobot_ms"] = rep["steps_ms"].get("report")
        row["process_ms"] = rep["wall_ms"]
        out.append(row)
    return out


if __name__ == "__main__":
    for r in rows("--quick" in sys.argv):
        print(json.dumps(r))

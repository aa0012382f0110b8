"""B9: walk-forward, 12 folds × 64 parameter sets × one year of M1, on Dask distributed.

Input: ``mikrobot.data.synthetic.market("EURUSD", "2024-01-01", days=365, seed=1)`` (about
375,000 M1 bars with sessions, weekend closes and a per-bar spread). Windows: rolling, train
28 days, test 28 days, step 28 days, so the 13 four-week blocks of the year make exactly 12
folds. Space: a grid of ``left`` {2,3,4,5} × ``rr`` {1.5,2,2.5,3} × ``confidence.minimum``
{0.5,0.55,0.6,0.65} = 64 sets (16 structure groups). Selection by Sharpe with at least 5
in-sample trades; default backtest settings (FTMO 2-Step Challenge rules). So each run makes
12 × 64 = 768 in-sample backtests of four weeks and 12 out-of-sample ones.

Rows (medians of warm runs; both clusters are started first, every way is warmed with one run,
then the three ways run in turn, the order rotating each round):

* ``B9``: LocalCluster, 2 worker processes × 1 thread; ``peer`` = the same cluster with
  1 worker, so ``ratio`` is the speed-up of the second worker (target >= 1.7); target for
  ``mikrobot_ms`` <= 30 s on 2 cores. ``cluster_start_ms`` is the LocalCluster start and
  ``first_run_ms`` the first run on it (workers import mikrobot and load the JIT cache).
* ``B9-sync``: the same run in this process without Dask (``scheduler="sync"``).

``output_equal``: the three ways give the same summary and out-of-sample trades.
``machine_speedup``: each round also times two pure-Python loops on the 2-worker and on the
1-worker cluster; its ratio is the parallel room the (shared) machine gave in those rounds.
``others_cores``: the CPU that other jobs used during each way's runs (the machine's busy time
from ``/proc/stat`` less this process's and the workers'), per second of the run: about 0 on a
quiet machine; near 1 means a whole core was taken, and the 2-worker ratio then measures the
machine rather than mikrobot. ``steal_s``: CPU time the hypervisor gave to other guests.
"""

from __future__ import annotations

import logging
import os
import resource
import statistics
import time

from common import repeats

from mikrobot.backtest.search import ParameterSpace
from mikrobot.backtest.walkforward import quiet_close, walk_forward
from mikrobot.data.synthetic import market

GRID = {
    "left": [2, 3, 4, 5],
    "rr": [1.5, 2.0, 2.5, 3.0],
    "confidence.minimum": [0.5, 0.55, 0.6, 0.65],
}
QUICK_GRID = {"left": [2, 3], "confidence.minimum": [0.5, 0.6]}
SPIN = 20_000_000  # about 1 s of pure Python per loop
SPIN_QUICK = 1_000_000


def _setup(quick: bool) -> tuple:
    if quick:
        bars = market("EURUSD", "2024-01-01", days=24, seed=1).bars
        return bars, ParameterSpace.grid(QUICK_GRID), {"train": "4D", "test": "4D"}
    bars = market("EURUSD", "2024-01-01", days=365, seed=1).bars
    return bars, ParameterSpace.grid(GRID), {"train": "28D", "test": "28D", "step": "28D"}


def _same(a, b) -> bool:
    sa, sb = a.summary(), b.summary()
    sa.pop("elapsed_s")
    sb.pop("elapsed_s")
    return sa == sb and a.oos_trades.equals(b.oos_trades)


def _worker_cpu(client) -> float:
    """CPU seconds used so far by the cluster's worker processes (user + system)."""

    def used() -> float:
        import resource

        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    return sum(client.run(used).values())


def _machine_cpu() -> tuple[float, float] | None:
    """``(busy, steal)`` CPU seconds of the whole machine so far (all cores, from
    ``/proc/stat``: busy = user + nice + system + irq + softirq), or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / tick, v[7] / tick


def _own_cpu() -> float:
    """CPU seconds of this process (the client and the LocalCluster scheduler run here)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _spin_ms(client, n: int) -> float:
    """Wall time of two pure-Python loops of ``n`` steps submitted together to ``client``'s
    workers: with two free cores, a 2-worker cluster takes half the time of a 1-worker one, so
    the ratio shows how much parallel room the machine had (other jobs share it)."""

    def spin(steps: int) -> int:
        x = 0
        for i in range(steps):
            x += i % 7
        return x

    start = time.perf_counter_ns()
    client.gather(client.map(spin, [n, n], pure=False))
    return (time.perf_counter_ns() - start) / 1e6


def _cluster(n_workers: int):
    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster, (time.perf_counter() - start) * 1e3


def _cores_text(value: float | None) -> str:
    return "? cores" if value is None else f"{value:.2f} cores"


def rows(quick: bool) -> list[dict]:
    """Two rows: LocalCluster 2 workers (peer: 1 worker), and in-process.

    Both clusters are up at once and the three ways run in turn (2 workers, 1 worker, sync;
    the order rotates every round), so a machine that other jobs keep busy slows all three
    alike; the load average and the workers' CPU time are reported with the figures.
    """
    bars, space, windows = _setup(quick)
    runs = max(repeats(quick), 1)
    kw = dict(spec="EURUSD", space=space, metric="sharpe", min_trades=5, progress=False)
    kw.update(windows)
    load_before = os.getloadavg()[0]
    two, cluster2, start2 = _cluster(2)
    one, cluster1, _ = _cluster(1)
    ways = {"2w": two, "1w": one, "sync": "sync"}
    spins: dict[str, list[float]] = {"2w": [], "1w": []}
    times: dict[str, list[float]] = {k: [] for k in ways}
    cpu: dict[str, list[float]] = {k: [] for k in ways}
    others: dict[str, list[float]] = {k: [] for k in ways}  # other jobs' CPU during our runs
    steal: dict[str, list[float]] = {k: [] for k in ways}
    results = {}
    first: dict[str, float] = {}
    try:
        for k in range(runs + 1):  # round 0 warms every way up
            order = list(ways)[k % 3 :] + list(ways)[: k % 3]
            for name in order:
                sched = ways[name]
                c0 = time.process_time() if name == "sync" else _worker_cpu(sched)
                m0, own0 = _machine_cpu(), _own_cpu()
                t0 = time.perf_counter_ns()
                results[name] = walk_forward(bars, scheduler=sched, **kw)
                ms = (time.perf_counter_ns() - t0) / 1e6
                m1, own1 = _machine_cpu(), _own_cpu()
                c1 = time.process_time() if name == "sync" else _worker_cpu(sched)
                if k == 0:
                    first[name] = ms
                else:
                    times[name].append(ms)
                    cpu[name].append(c1 - c0)
                    if m0 is not None and m1 is not None:
                        ours = own1 - own0 + (0.0 if name == "sync" else c1 - c0)
                        others[name].append(max(0.0, m1[0] - m0[0] - ours))
                        steal[name].append(m1[1] - m0[1])
            if k:
                for name in ("2w", "1w"):
                    spins[name].append(_spin_ms(ways[name], SPIN_QUICK if quick else SPIN))
    finally:
        for client, cluster in ((two, cluster2), (one, cluster1)):
            quiet_close(client, cluster)
    load_after = os.getloadavg()[0]
    med = {name: statistics.median(v) for name, v in times.items()}
    cpu_med = {name: statistics.median(v) for name, v in cpu.items()}
    res = results["2w"]
    equal = _same(res, results["1w"]) and _same(res, results["sync"])
    folds, sets = len(res.folds), len(space)
    speedup = med["1w"] / med["2w"]
    machine = statistics.median(spins["1w"]) / statistics.median(spins["2w"])
    busy = {  # other jobs' CPU per second of our run: 0 on a quiet machine, 1 = a whole core
        name: statistics.median(
            o / (t / 1e3) for o, t in zip(others[name], times[name], strict=True)
        )
        if others[name]
        else None
        for name in ways
    }
    what = f"walk-forward {folds} folds x {sets} parameter sets, train/test {windows['train']}, M1"
    s = res.oos_stats
    common = {"n": len(bars), "folds": folds, "parameter_sets": sets, "runs": runs}
    return [
        {
            "id": "B9",
            "what": what + ", LocalCluster 2 workers",
            "mikrobot_ms": med["2w"],
            "peer": "same, LocalCluster 1 worker",
            "peer_ms": med["1w"],
            "ratio": speedup,
            **common,
            "in_sample_backtests": len(res.in_sample),
            "cluster_start_ms": start2,
            "first_run_ms": first["2w"],
            "worker_cpu_s": cpu_med["2w"],
            "worker_cpu_s_1w": cpu_med["1w"],
            "load_average": [load_before, load_after],
            "machine_speedup": machine,
            "others_cores": busy,
            "steal_s": {k: statistics.median(v) if v else None for k, v in steal.items()},
            "target_ms": 30_000.0,
            "target_speedup": 1.7,
            "output_equal": equal,
            "notes": f"speed-up of the 2nd worker {speedup:.2f}x (target >= 1.7; two pure-Python "
            f"loops on the same clusters got {machine:.2f}x in the same rounds); workers' CPU "
            f"{cpu_med['2w']:.1f} s (2w) vs {cpu_med['1w']:.1f} s (1w) per run; other jobs used "
            f"{_cores_text(busy['2w'])} (2w runs) and {_cores_text(busy['1w'])} (1w runs); load average "
            f"{load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores; cluster start "
            f"{start2 / 1e3:.1f} s, first run {first['2w'] / 1e3:.1f} s; {len(res.in_sample)} "
            f"in-sample backtests; OOS {s.trade_count} trades, net {s.net_result:.0f}, WFE "
            f"{res.wfe:.2f}; same output 2w/1w/sync: {equal}",
        },
        {
            "id": "B9-sync",
            "what": what + ", in-process (scheduler='sync')",
            "mikrobot_ms": med["sync"],
            "peer": None,
            "peer_ms": None,
            "ratio": None,
            **common,
            "cpu_s": cpu_med["sync"],
            "first_run_ms": first["sync"],
            "notes": f"no Dask; CPU {cpu_med['sync']:.1f} s per run; the LocalCluster of 2 is "
            f"{med['sync'] / med['2w']:.2f}x as fast",
        },
    ]


if __name__ == "__main__":
    for r in rows(quick=False):
        print(r)

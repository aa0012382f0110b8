"""Time ``mikrobot.strategy.evaluation.evaluate`` per signal (part of the live path, B6).

Run from the repo root: ``python -m benchmarks.bench_evaluation [--quick] [--json]``. Prints,
per scenario, the median per-call wall time and thread CPU time over 7 runs of N calls after a
warm-up, and the p50/p99 of N single timed calls (those include the timer's own ~0.1 us).
No peer exists for this step; the figures are absolute.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from mikrobot.core.clock import to_ns
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.signal import Signal
from mikrobot.strategy.context import EvaluationContext
from mikrobot.strategy.evaluation import evaluate
from mikrobot.strategy.feedback import FeedbackAdjustments, TradeResult
from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent
from mikrobot.strategy.params import EvaluationParams

MIN = 60_000_000_000
T = to_ns("2025-01-15T14:00:00Z")


def calendar() -> NewsCalendar:
    """About a year of releases: 12 a day on 8 currencies, every fourth one high impact."""
    currencies = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "NZD", "CHF")
    start = to_ns("2024-07-01T00:00:00Z")
    events = [
        NewsEvent(
            start + k * 120 * MIN + 7 * MIN, currencies[k % 8], Impact(1 + (k % 4 == 0) * 2), "x"
        )
        for k in range(365 * 12)
    ]
    return NewsCalendar.from_events(events)


def scenarios() -> dict[str, tuple[Signal, EvaluationContext]]:
    spec = DEFAULT_SPECS["EURUSD"]
    sig = Signal("EURUSD", "buy", T, 1.1000, 1.0990, 1.1020, 0.8)
    trades = tuple(TradeResult(T - (40 - i) * 30 * MIN, (-1.0) ** i) for i in range(40))
    funded = EvaluationContext(
        spec=spec,
        spread_points=8.0,
        trading_state="ACTIVE",
        account_type="standard",
        phase="funded",
        atr_percentile=55.0,
        open_positions_symbol=0,
        open_positions_total=2,
        currency_exposure={"GBP": 1, "USD": -1, "JPY": -1, "AUD": 1},
        recent_trades=trades,
        headroom_money=4000.0,
        risk_budget_money=500.0,
        news=calendar(),
        adjustments=FeedbackAdjustments(0.65, 1.25),
    )
    bad = EvaluationContext(
        spec=spec,
        spread_points=30.0,
        trading_state="REDUCING",
        account_type="standard",
        phase="funded",
        atr_percentile=99.0,
        open_positions_symbol=1,
        open_positions_total=3,
        currency_exposure={"EUR": 2},
        recent_trades=trades[:-1] + (TradeResult(T - MIN, -1.0),) * 3,
        headroom_money=4000.0,
        risk_budget_money=500.0,
        news=calendar(),
    )
    low = Signal("EURUSD", "buy", T, 1.1000, 1.0990, 1.1020, 0.5)
    return {
        "approve (funded, calendar, 40 trades)": (sig, funded),
        "reject (8 failing checks)": (low, bad),
    }


def measure(sig: Signal, ctx: EvaluationContext, params: EvaluationParams, n: int) -> dict:
    """Median per-call wall time and thread CPU time over 7 runs of ``n`` calls, plus the
    p50/p99 of ``n`` single timed calls. CPU time leaves out the time this thread waited for a
    core, so it stays meaningful on a machine shared with other jobs."""
    for _ in range(n // 10):
        evaluate(sig, ctx, params)
    wall, cpu = [], []
    for _ in range(7):
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        for _ in range(n):
            evaluate(sig, ctx, params)
        wall.append((time.perf_counter_ns() - t0) / n)
        cpu.append((time.thread_time_ns() - c0) / n)
    single = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        evaluate(sig, ctx, params)
        single.append(time.perf_counter_ns() - t0)
    single.sort()
    return {
        "median_us": statistics.median(wall) / 1000,
        "cpu_us": statistics.median(cpu) / 1000,
        "p50_us": single[len(single) // 2] / 1000,
        "p99_us": single[int(len(single) * 0.99)] / 1000,
        "n": n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer calls (CI smoke run)")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead")
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    params = EvaluationParams()
    rows = []
    for name, (sig, ctx) in scenarios().items():
        rows.append({"scenario": name, **measure(sig, ctx, params, n)})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{'evaluate()':40} {'wall/call':>10} {'cpu/call':>10} {'p50':>8} {'p99':>8} {'calls':>7}"
    )
    for r in rows:
        print(
            f"{r['scenario']:40} {r['median_us']:8.2f}us {r['cpu_us']:8.2f}us "
            f"{r['p50_us']:6.2f}us {r['p99_us']:6.2f}us {r['n']:7d}"
        )


if __name__ == "__main__":
    main()

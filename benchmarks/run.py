"""Run the benchmarks and print one table of mikrobot vs its peers.

    python benchmarks/run.py [--only B1,B3] [--quick] [--json] [--out FILE]

Discovers the modules ``benchmarks/b<number>_<name>.py``, ``benchmarks/b_<name>.py`` and the
memory benchmarks ``benchmarks/m<number>_<name>.py``; each exposes
``rows(quick: bool) -> list[dict]`` with the keys
``id, what, mikrobot_ms, peer, peer_ms, ratio, n, notes`` (+ optional extras such as
``kernel_ms``, ``output_equal`` or ``trades_equal``; a memory row gives ``mikrobot_ms`` and
``peer_ms`` as None and its figures as ``mikrobot_mb`` and ``peer_mb``, shown in the table's
same columns). ``mikrobot_ms`` always times the public
call a user makes (input checks and result frames included); ``kernel_ms``, where given, the
numba kernels alone on prepared arrays, and the table shows both. ``--only B1,B3`` picks modules
by number (``b1_*.py``, ``b3_*.py``), ``--only M1`` the memory one (``m1_*.py``) and
``--only B-stream`` by name (``b_stream.py``), any case.
``--quick`` uses small inputs and few repeats (a CI smoke run).
The rows are written as JSON to ``--out`` (default ``benchmarks/results/latest.json``);
``--json`` also prints one JSON object per row on stdout (the table then goes to stderr).
Exits 1 when a benchmark fails or a row reports unequal output (an ``*_equal`` key False).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any, TextIO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402  (puts this checkout's mikrobot first on sys.path)

REQUIRED = ("id", "what", "mikrobot_ms", "peer", "peer_ms", "ratio", "n", "notes")
DEFAULT_OUT = HERE / "results" / "latest.json"


def _key(text: str) -> str:
    """``B1``, ``b1`` -> ``B1``; ``B-stream``, ``b_stream`` -> ``BSTREAM``."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def discover(only: set[str] | None) -> list[str]:
    """Benchmark module names in this folder: the numbered ``b`` ones first, then the named
    ``b_`` ones, then the memory ones (``m<number>_``); filtered by ``only``."""
    found = []
    for path in HERE.glob("[bm]*.py"):
        match = re.fullmatch(r"b(\d*)_\w+|m(\d+)_\w+", path.stem)
        if not match:
            continue
        if match.group(2) is not None:  # m1_memory.py -> M1
            number = match.group(2)
            keys = {_key(f"m{number}"), _key(path.stem)}
            rank = (2, int(number))
        else:
            number = match.group(1)
            keys = {_key(f"b{number}"), _key(path.stem)} if number else {_key(path.stem)}
            rank = (0, int(number)) if number else (1, 0)
        if only is None or keys & {_key(o) for o in only}:
            found.append((rank, path.stem))
    return [name for _, name in sorted(found)]


def run_module(name: str, quick: bool) -> list[dict[str, Any]]:
    """The rows of one benchmark module; a failure becomes a row that says what went wrong."""
    try:
        rows = importlib.import_module(name).rows(quick)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return [
            {
                "id": name,
                "what": name,
                "mikrobot_ms": None,
                "peer": None,
                "peer_ms": None,
                "ratio": None,
                "n": None,
                "notes": f"FAILED: {type(exc).__name__}: {exc}",
                "failed": True,
            }
        ]
    for row in rows:
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise KeyError(f"benchmarks/{name}.py returned a row without {missing}: add them")
    return rows


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}x" if value >= 10 else f"{value:.2f}x"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value * 1000:.1f} µs"


def print_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    """The table: id, what, mikrobot median (the public call, checks and frames included),
    kernel median (the numba kernels alone, where a row gives ``kernel_ms``), peer, peer
    median, ratio (of the public call), n. Memory rows show their ``*_mb`` figures in the
    mikrobot and peer columns."""
    header = ("id", "what", "mikrobot", "kernel", "peer", "peer median", "ratio", "n")
    cells = [
        (
            str(r["id"]),
            str(r["what"]),
            _mb(r["mikrobot_mb"]) if "mikrobot_mb" in r else _ms(r["mikrobot_ms"]),
            _ms(r.get("kernel_ms")),
            str(r["peer"] or "-"),
            _mb(r.get("peer_mb")) if "mikrobot_mb" in r else _ms(r["peer_ms"]),
            _ratio(r["ratio"]),
            "-" if r["n"] is None else f"{r['n']:,}",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    for line in (header, tuple("-" * w for w in widths), *cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")
    for r in rows:
        if r.get("notes"):
            out.write(f"{r['id']}: {r['notes']}\n")


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars and anything else a row may carry."""
    return value.item() if hasattr(value, "item") else str(value)


def meta(quick: bool) -> dict[str, Any]:
    """Where and with what the figures were measured."""
    import numba
    import numpy
    import pandas

    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": quick,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "pandas": pandas.__version__,
        "machine": platform.machine(),
        "system": platform.system(),
        "repeats": {
            "default": common.repeats(quick),
            "fast_calls": common.repeats(quick, fast=True),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated ids, e.g. B1,B3")
    parser.add_argument("--quick", action="store_true", help="small inputs, few repeats")
    parser.add_argument("--json", action="store_true", help="print one JSON object per row")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file of the rows")
    args = parser.parse_args(argv)
    only = None if not args.only else {s.strip() for s in args.only.split(",") if s.strip()}
    names = discover(only)
    if not names:
        parser.error(f"no benchmark matches --only {args.only}")
    rows = [row for name in names for row in run_module(name, args.quick)]
    print_table(rows, sys.stderr if args.json else sys.stdout)
    if args.json:
        for row in rows:
            print(json.dumps(row, default=_plain))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta(args.quick), "rows": rows}
    args.out.write_text(json.dumps(report, indent=2, default=_plain) + "\n")
    bad = [
        r["id"]
        for r in rows
        if r.get("failed") or any(k.endswith("_equal") and v is False for k, v in r.items())
    ]
    if bad:
        print(f"failed or unequal output: {', '.join(map(str, bad))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

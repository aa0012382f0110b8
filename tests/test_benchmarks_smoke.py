"""``benchmarks/run.py --quick`` keeps working (a smoke run on tiny inputs, no timing checks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIRED = {"id", "what", "mikrobot_ms", "peer", "peer_ms", "ratio", "n", "notes"}


def test_quick_b1_prints_json_rows_and_writes_them(tmp_path):
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--quick",
            "--only",
            "B1",
            "--json",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert rows, "no JSON rows on stdout"
    for row in rows:
        assert row.keys() >= REQUIRED
        assert row["id"].startswith("B1")
        assert row["mikrobot_ms"] > 0
    compat = next(r for r in rows if r["id"] == "B1-compat")
    assert compat["n"] == 2_000
    if compat["peer_ms"] is not None:  # smartmoneyconcepts installed: same output, both timed
        assert compat["output_equal"] is True
        assert compat["ratio"] == compat["peer_ms"] / compat["mikrobot_ms"]
    else:
        assert "not installed" in compat["peer"]
    assert json.loads(out.read_text())["rows"] == rows
    assert "B1-compat" in done.stderr  # the table goes to stderr when stdout carries JSON

"""``mikrobot backtest``: statistics as a table or JSON, the report, the trade list, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mikrobot.cli import app
from mikrobot.cli.backtest import COMPILE_MESSAGE, announce_compilation, run
from mikrobot.config import load_settings
from mikrobot.data.synthetic import market
from mikrobot.data.writers import to_mt5_export

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
DAYS = "12"


def invoke(*args: str):
    return runner.invoke(app, ["backtest", *args], catch_exceptions=False)


def expected_summary(settings, days: int = 12, seed: int = 7) -> dict:
    """The in-process result the command should report."""
    spec = settings.registry()["EURUSD"]
    bars = market(spec, "2024-01-01", days=days, seed=seed).bars
    result, _, _ = run(settings, bars, spec)
    return result.summary()


def test_json_matches_the_result_and_stamps_the_config_hash():
    done = invoke("--synthetic", "--days", DAYS, "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    settings = load_settings()
    want = expected_summary(settings)
    assert {k: data[k] for k in want} == want
    assert data["config_hash"] == settings.config_hash()
    assert data["bars"] == len(market("EURUSD", "2024-01-01", days=12, seed=7).bars)
    assert data["report"] is None


def test_preset_changes_the_rules_and_the_hash():
    done = invoke("--days", DAYS, "--preset", "ftmo-1step", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    one_step = load_settings(propfirm={"preset": "ftmo-1step"})
    assert data["config_hash"] == one_step.config_hash() != load_settings().config_hash()
    assert data["net_result"] == expected_summary(one_step)["net_result"]


def test_config_file_is_read(tmp_path):
    path = tmp_path / "mikrobot.toml"
    path.write_text(
        "[risk]\nrisk_per_trade = 0.002\n[structure]\nleft = 5\nright = 5\n", encoding="utf-8"
    )
    done = invoke("--days", DAYS, "--config", str(path), "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    settings = load_settings(path)
    assert data["config_hash"] == settings.config_hash()
    assert data == data | expected_summary(settings)
    # the structure section reaches the setups: fewer swings, fewer signals than the defaults
    assert data["signals"] < expected_summary(load_settings())["signals"]


def test_table_report_and_trades(tmp_path):
    out = tmp_path / "r.html"
    csv = tmp_path / "trades.csv"
    done = invoke("--days", DAYS, "--report", str(out), "--trades", str(csv))
    assert done.exit_code == 0, done.output
    summary = expected_summary(load_settings())
    assert f"report: {out.resolve()}" in done.stdout
    assert "prop-firm verdict" in done.stdout
    rows = [line.split() for line in done.stdout.splitlines()]
    assert ["trades", f"{summary['trade_count']:,}"] in rows
    text = out.read_text(encoding="utf-8")
    assert text.count("Plotly.newPlot(") == 6
    assert summary["config_hash"] in text
    trades = pd.read_csv(csv)
    assert len(trades) == summary["trade_count"]
    np.testing.assert_allclose(trades["pnl"].sum(), summary["net_result"], atol=1e-6)


def test_a_bar_file_is_backtested(tmp_path):
    bars = market("EURUSD", "2024-03-04", days=8, seed=3).bars
    path = tmp_path / "EURUSD_M1.csv"
    to_mt5_export(bars, path)
    done = invoke("--data", str(path), "--tz", "UTC", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["symbol"] == "EURUSD"  # from the file name
    assert data["bars"] == len(bars)
    cut = invoke("--data", str(path), "--tz", "UTC", "--start", "2024-03-06", "--json")
    assert json.loads(cut.stdout)["bars"] == int((bars.index >= "2024-03-06").sum())


def test_stored_bars_are_backtested():
    from mikrobot.data.store import BarStore

    bars = market("EURUSD", "2024-03-04", days=6, seed=4).bars
    BarStore(load_settings().store_path).append(bars, symbol="EURUSD")
    done = invoke("--stored", "--symbol", "EURUSD", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["bars"] == len(bars)
    assert data["first_bar"] == bars.index[0].isoformat()
    cut = json.loads(invoke("--stored", "--start", "2024-03-05", "--json").stdout)
    assert cut["bars"] == int((bars.index >= "2024-03-05").sum())


@pytest.mark.realdata
def test_real_eurusd_file_is_backtested(real_m1_path, tmp_path):
    from mikrobot.data.loaders import load_bars

    out = tmp_path / "real.html"
    done = invoke("--data", str(real_m1_path), "--tz=-03:30", "--report", str(out), "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["bars"] == len(load_bars(real_m1_path, "EURUSD", "M1", "-03:30"))
    assert data["symbol"] == "EURUSD"
    assert out.stat().st_size > 1_000_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--synthetic", "--data", "x.csv"), "one source of bars"),
        (("--data", "/no/such/file.csv"), "no such file"),
        (("--symbol", "NOPE"), "unknown symbol"),
        (("--preset", "ftmo-3step"), "--preset 'ftmo-3step' is unknown"),
        (("--tz", "UTC"), "--tz applies to --data"),
        (("--stored",), "no EURUSD M1 bars in the store"),
        (("--report", "."), "is a directory"),
        (("--config", "/no/such.toml"), "does not exist"),
    ],
)
def test_bad_input_exits_2(args, message):
    done = invoke("--days", "3", *args)
    assert done.exit_code == 2
    assert message in done.stderr
    assert done.stdout == ""


def test_unknown_config_key_exits_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[risk]\nrisk_per_trad = 0.01\n", encoding="utf-8")
    done = invoke("--days", "3", "--config", str(path))
    assert done.exit_code == 2
    assert "risk_per_trad" in done.stderr


def test_the_compile_message_is_printed_once_and_only_when_numba_compiles():
    from numba import njit
    from numba.core import event

    out = StringIO()
    listener = announce_compilation(out)
    try:
        f = njit(lambda x: x + 1)  # not cached: compiles on its first call per signature
        f(1)
        f(1.5)
        assert out.getvalue() == COMPILE_MESSAGE + "\n"
    finally:
        event.unregister("numba:compile", listener)
    quiet = StringIO()
    listener = announce_compilation(quiet)
    try:
        f(2)  # already compiled for int
    finally:
        event.unregister("numba:compile", listener)
    assert quiet.getvalue() == ""


def test_the_backtest_path_does_not_load_plotting_or_cluster_libraries(tmp_path):
    code = (
        "import sys\n"
        "from mikrobot.cli import app\n"
        "try:\n"
        "    app(['backtest', '--days', '3', '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('plotly', 'dask', 'distributed', 'matplotlib', 'IPython', 'papermill')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"


def test_the_console_command_ends_at_once_with_everything_written(tmp_path):
    """``python -m mikrobot backtest`` ends its process right after the command (no
    interpreter teardown): its JSON, its trade list and its exit status are all there, and bad
    input still exits 2 with the error on stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MIKROBOT_HOME": str(tmp_path / "home")}
    trades = tmp_path / "trades.csv"
    cmd = [sys.executable, "-m", "mikrobot", "backtest", "--days", "5", "--trades", str(trades)]
    done = subprocess.run(
        [*cmd, "--json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["trades_csv"] == str(trades)
    assert len(pd.read_csv(trades)) == summary["trade_count"] > 0
    table = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.rstrip().splitlines()[-1].startswith("time: load")  # the last line
    bad = subprocess.run(
        [*cmd, "--data", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert bad.returncode == 2
    assert "missing.csv" in bad.stderr
    assert bad.stdout == ""

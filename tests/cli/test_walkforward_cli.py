"""``mikrobot walkforward``: a report or JSON on success, files with --out, exit 2 with a clear
message on bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mikrobot.cli import app
from mikrobot.core.errors import ConfigError
from mikrobot.data.synthetic import market
from mikrobot.data.writers import to_mt5_export
from tests.backtest.html_figures import figures, numbers, table_rows, trace

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SMALL = ["--synthetic", "--days", "12", "--seed", "3", "--train", "4D", "--test", "2D"]
SYNC = ["--scheduler", "sync", "--min-trades", "1"]


def invoke(*args: str):
    return runner.invoke(app, ["walkforward", *args], catch_exceptions=False)


def test_grid_search_prints_a_report_and_writes_its_files(tmp_path):
    out = tmp_path / "wf"
    done = invoke(*SMALL, *SYNC, "--grid", "left=2,3", "--grid", "rr=1.5:2:0.5", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "walk-forward: 3 folds, 4 parameter sets, select by max sharpe" in done.output
    assert "walk-forward efficiency" in done.output
    folds = pd.read_csv(out / "folds.csv")
    trades = pd.read_csv(out / "oos_trades.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert len(folds) == summary["folds"] == 3  # the 4th would end after the last bar
    assert len(trades) == summary["oos"]["trade_count"] == folds["oos_trades"].sum()
    assert summary["space"]["names"] == ["left", "rr"]
    assert len(pd.read_csv(out / "in_sample.csv")) == 3 * 4
    assert (out / "oos_equity.csv").is_file()


def test_integer_parameters_print_as_integers_when_a_fold_has_no_pick(tmp_path):
    out = tmp_path / "wf"
    # with 9 in-sample trades needed, some folds of this market qualify and some do not
    done = invoke(*SMALL, "--scheduler", "sync", "--min-trades", "9", "--grid", "left=2,3",
                  "--out", str(out))  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "none qualified (flat)" in done.output
    picked = re.findall(r"left=(\S+)", done.output)
    assert picked, done.output  # a fold did pick, so the run mixes picks and no picks
    assert all(v in {"2", "3"} for v in picked), picked
    folds = pd.read_csv(out / "folds.csv", dtype={"left": str}, keep_default_na=False)
    assert set(folds["left"]) <= {"2", "3", ""}
    assert "" in set(folds["left"])
    summary = json.loads((out / "summary.json").read_text())
    values = [c["values"]["left"] for c in summary["chosen"] if c["values"]]
    assert values
    assert all(type(v) is int for v in values)


def test_report_option_writes_the_html_report_of_the_run(tmp_path):
    path, out = tmp_path / "reports" / "wf.html", tmp_path / "wf"
    done = invoke(*SMALL, *SYNC, "--grid", "left=2,3", "--out", str(out), "--report", str(path),
                  "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)  # stdout stays JSON; where the report went is on stderr
    assert f"report: {path.resolve()}" in done.stderr
    page = path.read_text(encoding="utf-8")
    figs = figures(page)
    assert list(figs) == [f"mikrobot-wf-fig-{k}" for k in range(4)]
    # the equity drawn is the run's stitched equity (as written by --out), thinned for drawing
    equity = pd.read_csv(out / "oos_equity.csv", index_col=0).iloc[:, 0]
    equity.index = pd.DatetimeIndex(pd.to_datetime(equity.index, utc=True))
    eq = trace(figs["mikrobot-wf-fig-0"], "out-of-sample equity")
    drawn = pd.DatetimeIndex(pd.to_datetime(eq["x"])).tz_localize("UTC")
    assert np.allclose(numbers(eq["y"]), equity.loc[drawn].to_numpy())
    assert drawn[[0, -1]].equals(equity.index[[0, -1]])
    assert numbers(eq["y"]).max() == pytest.approx(equity.max())
    assert numbers(eq["y"]).min() == pytest.approx(equity.min())
    # one in-sample cell per (fold, candidate) of in_sample.csv
    runs = pd.read_csv(out / "in_sample.csv")
    z = numbers(trace(figs["mikrobot-wf-fig-3"], "in-sample sharpe")["z"])
    want = runs.pivot(index="candidate", columns="fold", values="sharpe").to_numpy()
    assert np.allclose(z, np.where(np.isfinite(want), want, np.nan), equal_nan=True)
    # the chosen parameters and the folds of the summary
    chosen = trace(figs["mikrobot-wf-fig-2"], "left: chosen")
    assert chosen["y"] == [c["values"]["left"] for c in summary["chosen"] if c["values"]]
    _, rows = table_rows(page, "<h2>Folds</h2>")
    assert [r[0] for r in rows] == [str(c["fold"]) for c in summary["chosen"]]
    assert summary["config_hash"] in page


def test_a_report_that_cannot_be_written_exits_2_naming_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    path = blocker / "wf.html"
    done = invoke(*SMALL, *SYNC, "--report", str(path))
    assert done.exit_code == 2
    assert f"error: cannot write the report {path}" in done.stderr
    assert blocker.read_text() == "not a directory"


def test_random_search_json_is_reproducible():
    args = [*SMALL, *SYNC, "--grid", "rr=1.2:3", "--grid", "left=2:4", "--random", "3", "--json"]
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0, first.output
    a, b = json.loads(first.output), json.loads(second.output)
    assert a["space"] == {"kind": "random", "seed": 0, "names": ["rr", "left"], "candidates": 3}
    a.pop("elapsed_s"), b.pop("elapsed_s")
    assert a == b
    assert all(2 <= c["values"]["left"] <= 4 for c in a["chosen"] if c["values"])


def test_a_bar_file_and_bar_count_windows(tmp_path):
    path = tmp_path / "EURUSD_M1.csv"
    to_mt5_export(market("EURUSD", "2024-03-04", days=6, seed=2).bars, path)
    done = invoke("--data", str(path), "--tz", "UTC", "--train", "3000", "--test", "1500",
                  "--anchored", *SYNC, "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["windows"] == {
        "train": "3000",
        "test": "1500",
        "step": "1500",
        "anchored": True,
        "warmup": "all",
    }
    assert summary["folds"] == (len(market_bars(path)) - 3000) // 1500


def market_bars(path):
    from mikrobot.data.loaders import load_bars

    return load_bars(path, "EURUSD", "M1", "UTC")


def test_the_config_file_is_the_base_of_every_parameter_set(tmp_path):
    config = tmp_path / "mikrobot.toml"
    config.write_text("[structure]\nleft = 4\n\n[evaluation.confidence]\nminimum = 0.55\n")
    args = [*SMALL, *SYNC, "--grid", "rr=1.5,2.5", "--json"]
    from_config = json.loads(invoke(*args, "--config", str(config)).output)
    searched = json.loads(
        invoke(*args, "--grid", "left=4", "--grid", "confidence.minimum=0.55").output
    )
    plain = json.loads(invoke(*args).output)
    assert from_config["oos"] == searched["oos"]
    assert [c["oos_return_pct"] for c in from_config["chosen"]] == [
        c["oos_return_pct"] for c in searched["chosen"]
    ]
    assert from_config["oos"] != plain["oos"]  # the settings did change the runs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "lefty=2,3"], "unknown parameter 'lefty'"),
        (["--grid", "left=0,2"], r"parameter set 0 \(left=0\) is invalid: structure.left"),
        (["--grid", "rr=1:3"], "needs a step"),
        (["--random", "3"], "--random needs at least one --grid"),
        (["--metric", "sharp"], "unknown metric 'sharp'"),
        (["--step", "1D"], "test windows would overlap"),
        (["--train", "40D"], "too short for one fold"),
        (["--train", "1M"], "same kind"),
        (["--scheduler", "fast"], "unknown scheduler 'fast'"),
        (["--preset", "ftmo-9step"], "--preset 'ftmo-9step' is unknown"),
        (["--data", "x.csv"], "give one source of bars, not --data and --synthetic"),
        (["--tz", "UTC"], "--tz applies to --data files only"),
        (["--report", "."], r"--report \. is a directory: give a file name"),
    ],
)
def test_bad_input_is_refused_with_the_reason(args, message):
    with pytest.raises(ConfigError, match=message):
        invoke(*SMALL, "--scheduler", "sync", *args)


def test_the_command_exits_2_with_one_clear_line():
    done = subprocess.run(
        [sys.executable, "-m", "mikrobot", "walkforward", *SMALL, *SYNC, "--grid", "lefty=2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: unknown parameter 'lefty'")
    bad_option = subprocess.run(
        [sys.executable, "-m", "mikrobot", "walkforward", "--workers", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad_option.returncode == 2
    assert "--workers" in bad_option.stderr

"""``mikrobot check-lookahead``: exit 0 when clean, 1 with a table when look-ahead is found."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mikrobot.cli import app
from mikrobot.data.synthetic import market
from mikrobot.data.writers import to_mt5_export

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["check-lookahead", *args], catch_exceptions=False)


def test_setups_on_a_synthetic_market_exit_clean():
    done = invoke("--synthetic", "--days", "2", "--seed", "3", "--cutoffs", "12")
    assert done.exit_code == 0, done.output
    assert "CLEAN" in done.output
    assert "12 cutoffs" in done.output


def test_smc_preset_exits_1_with_a_table_of_violations():
    done = invoke("--days", "3", "--seed", "5", "--cutoffs", "30", "--strategy", "smc")
    assert done.exit_code == 1, done.output
    assert "missing" in done.output
    assert "LOOK-AHEAD FOUND" in done.output


def test_json_report_is_parseable():
    done = invoke("--days", "3", "--seed", "5", "--cutoffs", "30", "--strategy", "smc", "--json")
    assert done.exit_code == 1
    data = json.loads(done.output)
    assert data["clean"] is False
    assert data["counts"]["missing"] > 0
    assert len(data["violations"]) == sum(data["counts"].values())


def test_a_bar_file_is_checked(tmp_path):
    path = tmp_path / "EURUSD_M1.csv"
    to_mt5_export(market("EURUSD", "2024-03-04", days=2, seed=2, episodes=2).bars, path)
    done = invoke("--data", str(path), "--symbol", "EURUSD", "--tz", "UTC", "--cutoffs", "8")
    assert done.exit_code == 0, done.output
    assert "CLEAN" in done.output


@pytest.mark.realdata
def test_real_eurusd_file_is_clean(real_m1_path):
    done = invoke("--data", str(real_m1_path), "--tz=-03:30", "--cutoffs", "10")
    assert done.exit_code == 0, done.output


def test_conflicting_sources_are_refused(tmp_path):
    from mikrobot.core.errors import ConfigError

    with pytest.raises(ConfigError, match="either"):
        invoke("--data", str(tmp_path / "x.csv"), "--synthetic")

"""``load_m1_source``: M1 bars from the synthetic market, a file ({symbol} paths) or the store,
cut to the window any two of start/end/days define."""

from __future__ import annotations

import pandas as pd
import pytest

from mikrobot.core.errors import ConfigError, DataError
from mikrobot.core.instruments import SymbolRegistry
from mikrobot.data.sources import load_m1_source, source_path
from mikrobot.data.store import BarStore
from mikrobot.data.synthetic import market
from mikrobot.data.writers import to_mt5_export

UTC = "UTC"


@pytest.fixture(scope="module")
def week() -> pd.DataFrame:
    return market("EURUSD", "2024-03-04", days=5, seed=3).bars


def test_synthetic_window_by_end_and_days():
    got = load_m1_source("synthetic", "XAUUSD", end="2024-03-09", days=3, seed=5)
    want = market("XAUUSD", "2024-03-06", end="2024-03-09", seed=5).bars
    pd.testing.assert_frame_equal(got.bars, want)
    assert got.spec.name == "XAUUSD"
    assert "seed 5" in got.description
    by_start = load_m1_source("SYNTHETIC", "XAUUSD", start="2024-03-06", days=3, seed=5)
    pd.testing.assert_frame_equal(by_start.bars, want)


def test_synthetic_needs_a_window_of_two_bounds():
    with pytest.raises(ConfigError, match="two of start, end and days"):
        load_m1_source("synthetic", "EURUSD", end="2024-03-09")
    with pytest.raises(ConfigError, match="at most two"):
        load_m1_source("synthetic", "EURUSD", start="2024-03-01", end="2024-03-09", days=2)
    with pytest.raises(ConfigError, match="days must be > 0"):
        load_m1_source("synthetic", "EURUSD", days=0)
    with pytest.raises(ConfigError, match="tz applies to bar files only"):
        load_m1_source("synthetic", "EURUSD", end="2024-03-09", days=2, tz="NY+7")
    with pytest.raises(ConfigError, match="not a date"):
        load_m1_source("synthetic", "EURUSD", end="someday", days=2)


def test_file_with_symbol_placeholder_and_days_from_its_end(tmp_path, week):
    to_mt5_export(week, tmp_path / "EURUSD_m1.csv")
    got = load_m1_source(tmp_path / "{symbol}_m1.csv", "EURUSD", days=2, tz=UTC)
    # the last bar opens on Friday 2024-03-08: the window is [Thu 00:00, Sat 00:00)
    start, end = pd.Timestamp("2024-03-07", tz=UTC), pd.Timestamp("2024-03-09", tz=UTC)
    want = week.loc[(week.index >= start) & (week.index < end)]
    assert got.bars.index.equals(want.index)
    assert (got.bars["close"].to_numpy() == want["close"].to_numpy()).all()
    assert got.spec.name == "EURUSD"
    assert "EURUSD_m1.csv" in got.description
    whole = load_m1_source(str(tmp_path / "EURUSD_m1.csv"), tz=UTC)
    assert len(whole.bars) == len(week)
    assert whole.spec.name == "EURUSD"


def test_file_errors_name_the_path_and_the_span(tmp_path, week):
    with pytest.raises(DataError, match="no such bar file"):
        load_m1_source(tmp_path / "missing.csv", "EURUSD")
    with pytest.raises(ConfigError, match="give the symbol"):
        source_path("data/{symbol}.csv", None)
    to_mt5_export(week, tmp_path / "bars.csv")
    with pytest.raises(DataError, match="names no known symbol"):
        load_m1_source(tmp_path / "bars.csv", tz=UTC)
    with pytest.raises(
        DataError, match=r"no M1 bar in \[2025-01-01 00:00.*its bars span 2024-03-04"
    ):
        load_m1_source(tmp_path / "bars.csv", "EURUSD", start="2025-01-01", days=3, tz=UTC)


def test_store_source_reads_the_last_days(tmp_path, week):
    store = BarStore(tmp_path / "bars")
    store.append(week, symbol="EURUSD", timeframe="M1")
    got = load_m1_source("store", "EURUSD", days=1, store=tmp_path / "bars")
    friday = pd.Timestamp("2024-03-08", tz=UTC)
    assert got.bars.index[0] >= friday
    assert got.bars.index[-1] == week.index[-1]
    assert len(got.bars) == int((week.index >= friday).sum())
    with pytest.raises(DataError, match="no M1 bars"):
        load_m1_source("store", "XAUUSD", days=1, store=tmp_path / "bars")
    with pytest.raises(ConfigError, match="tz applies to bar files"):
        load_m1_source("store", "EURUSD", days=1, tz=UTC, store=tmp_path / "bars")
    with pytest.raises(ConfigError, match="needs the bar store"):
        load_m1_source("store", "EURUSD", days=1)


def test_registry_overrides_reach_the_spec():
    reg = SymbolRegistry().with_overrides({"EURUSD": {"typical_spread": 3.0}})
    got = load_m1_source("synthetic", "EURUSD", end="2024-03-09", days=1, registry=reg)
    assert got.spec == reg["EURUSD"]

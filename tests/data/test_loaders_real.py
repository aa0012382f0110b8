"""The real EURUSD files in ../shared/data load completely and exactly.

Expected counts and first/last times come from ../shared/data/README.md; every value is also
compared with a plain standard-library reading of the same file (an oracle independent of the
loader's pandas/numpy path).
"""

import csv
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from mikrobot.data.frame import check_canonical
from mikrobot.data.loaders import load_bars

pytestmark = pytest.mark.realdata


def oracle(path, *, sep, wrapped):
    """Rows of the file read with the csv module and datetime.fromisoformat, times taken as UTC."""
    text = path.read_text()
    if wrapped:
        text = text.replace('"', "")
    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    header, body = rows[0], [r for r in rows[1:] if r]
    times = [
        int(datetime.fromisoformat(r[0].replace(".", "-")).replace(tzinfo=UTC).timestamp()) * 10**9
        for r in body
    ]
    columns = {name: [r[i] for r in body] for i, name in enumerate(header)}
    return np.array(times, dtype=np.int64), columns


def check_against_oracle(bars, times, columns, names):
    assert np.array_equal(bars.index.asi8, times)
    for canonical, name in zip(("open", "high", "low", "close"), names[:4], strict=True):
        assert np.array_equal(bars[canonical].to_numpy(), np.array(columns[name], dtype=float))
    assert np.array_equal(
        bars["tick_volume"].to_numpy(), np.array(columns[names[4]], dtype=np.int64)
    )


def test_real_m1(real_m1_path):
    bars = load_bars(real_m1_path, tz="UTC")
    check_canonical(bars)
    assert len(bars) == 49_993
    assert bars.index[0] == pd.Timestamp("2022-01-04 18:00", tz="UTC")
    assert bars.index[-1] == pd.Timestamp("2022-02-22 15:25", tz="UTC")
    # first line of the file: "2022-01-04 18:00:00	1.12834	1.1284	1.12834	1.12838	24"
    assert bars.iloc[0].tolist() == [1.12834, 1.1284, 1.12834, 1.12838, 24]
    assert list(bars.columns) == ["open", "high", "low", "close", "tick_volume"]
    assert bars.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M1",
        "source_tz": "UTC",
        "source": "quoted_tsv",
    }
    times, columns = oracle(real_m1_path, sep="\t", wrapped=True)
    check_against_oracle(bars, times, columns, ["Open", "High", "Low", "Close", "Volume"])
    # gaps stay gaps: no bar is invented, so 7 weeks of M1 hold fewer bars than minutes
    steps = np.diff(bars.index.asi8) // 60_000_000_000
    assert steps.min() == 1
    assert (steps > 1).sum() > 0


def test_real_m5(real_m5_path):
    bars = load_bars(real_m5_path, tz="UTC")
    check_canonical(bars)
    assert len(bars) == 50_000
    assert bars.index[0] == pd.Timestamp("2021-06-24 16:05", tz="UTC")
    assert bars.index[-1] == pd.Timestamp("2022-02-22 15:25", tz="UTC")
    assert bars.attrs["timeframe"] == "M5"
    assert bars.iloc[-1].tolist() == [1.13257, 1.13291, 1.13252, 1.13288, 176]
    times, columns = oracle(real_m5_path, sep="\t", wrapped=True)
    check_against_oracle(bars, times, columns, ["Open", "High", "Low", "Close", "Volume"])


def test_real_m15_with_spread(real_m15_path):
    bars = load_bars(real_m15_path, tz="UTC")
    check_canonical(bars)
    # README says 24,423 rows, but the file has 24,424 data lines: its last line has no
    # newline, which `wc -l` does not count (24,424 newlines = header + 24,423 + 1 unterminated).
    data_lines = len(real_m15_path.read_text().splitlines()) - 1
    assert data_lines == 24_424
    assert len(bars) == data_lines
    assert bars.index[0] == pd.Timestamp("2022-10-10 00:00", tz="UTC")
    assert bars.index[-1] == pd.Timestamp("2023-10-02 06:45", tz="UTC")
    assert bars.attrs["timeframe"] == "M15"
    assert bars.attrs["source"] == "metatrader_csv"
    assert list(bars.columns) == ["open", "high", "low", "close", "tick_volume", "spread"]
    # first line: "2022.10.10 00:00:00,0.97312,0.97369,0.97312,0.97357,60,0,20"
    assert bars.iloc[0].tolist() == [0.97312, 0.97369, 0.97312, 0.97357, 60, 20]
    times, columns = oracle(real_m15_path, sep=",", wrapped=False)
    check_against_oracle(bars, times, columns, ["Open", "High", "Low", "Close", "Tickvol"])
    assert np.array_equal(bars["spread"].to_numpy(), np.array(columns["Spread"], dtype=np.int64))


def test_real_m1_in_server_time_converts_with_ny_plus_7(real_m1_path):
    as_written = load_bars(real_m1_path, tz="UTC")
    server = load_bars(real_m1_path, tz="NY+7")
    # January-February: New York on EST, so the server is UTC+2 throughout.
    assert np.array_equal(server.index.asi8, as_written.index.asi8 - 2 * 3_600 * 10**9)
    assert server.attrs["source_tz"] == "NY+7"
    pd.testing.assert_frame_equal(server.reset_index(drop=True), as_written.reset_index(drop=True))


def test_real_m1_timeframe_given_agrees_and_wrong_one_is_refused(real_m1_path, real_m5_path):
    assert load_bars(real_m1_path, timeframe="M1").attrs["timeframe"] == "M1"
    with pytest.raises(ValueError, match="timeframe=M1 was given"):
        load_bars(real_m5_path, timeframe="M1")

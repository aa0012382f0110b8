"""``mikrobot data import/list/check`` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mikrobot.cli import app
from mikrobot.cli.data import source_tz
from mikrobot.config import load_settings
from mikrobot.data.frame import make_bars
from mikrobot.data.store import BarStore

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

MT5_HEADER = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"


def mt5_file(path: Path, start: str, n: int, *, bad_line: int | None = None) -> Path:
    """An MT5 bar export of ``n`` M1 bars from ``start`` (file time); optionally one bad price."""
    t0 = pd.Timestamp(start)
    lines = [MT5_HEADER]
    price = 1.08
    for i in range(n):
        t = t0 + pd.Timedelta(minutes=i)
        o = price
        c = round(price + (0.0001 if i % 2 else -0.00005), 5)
        h, lo = round(max(o, c) + 0.0001, 5), round(min(o, c) - 0.0001, 5)
        close = "1.08x" if bad_line == i + 2 else f"{c:.5f}"
        lines.append(
            f"{t:%Y.%m.%d}\t{t:%H:%M:%S}\t{o:.5f}\t{h:.5f}\t{lo:.5f}\t{close}\t{10 + i}\t0\t{i % 7}\n"
        )
        price = c
    path.write_text("".join(lines), encoding="utf-8")
    return path


def tree(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run(*args: str):
    return runner.invoke(app, list(args))


# ---------------------------------------------------------------------- help and laziness


def test_help_lists_the_commands_without_loading_pandas():
    code = (
        "import sys\n"
        "from mikrobot.cli import app\n"
        "try:\n"
        "    app(['data', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('HEAVY', [m for m in ('pandas', 'pyarrow', 'tqdm') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    for command in ("import", "list", "check"):
        assert command in out
    assert "HEAVY []" in out


def test_python_m_mikrobot_data_help_exits_zero():
    proc = subprocess.run(
        [sys.executable, "-m", "mikrobot", "data", "import", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0
    assert "--symbol" in proc.stdout
    assert "--tz" in proc.stdout


# ---------------------------------------------------------------------- time zone rule


def test_source_tz_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIKROBOT_DATA__SOURCE_TZ", raising=False)
    default = load_settings()
    assert default.data.source_tz == "UTC"
    assert source_tz(None, default) is None  # the format's own zone, not the built-in "UTC"
    assert source_tz("Etc/GMT-2", default) == "Etc/GMT-2"
    (tmp_path / "mikrobot.toml").write_text('[data]\nsource_tz = "NY+7"\n')
    from_file = load_settings()
    assert source_tz(None, from_file) == "NY+7"
    assert source_tz("UTC", from_file) == "UTC"  # the flag wins
    monkeypatch.setenv("MIKROBOT_DATA__SOURCE_TZ", "Europe/Athens")
    assert source_tz(None, load_settings()) == "Europe/Athens"
    (tmp_path / "mikrobot.toml").unlink()
    assert source_tz(None, load_settings()) == "Europe/Athens"


# ---------------------------------------------------------------------- list


def test_list_on_an_empty_store_and_on_the_default_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("data", "list", "--store", str(tmp_path / "empty"))
    assert result.exit_code == 0
    assert "no datasets" in result.output
    # Without --store the configured store_path is used: $MIKROBOT_HOME/bars here.
    home_store = load_settings().store_path
    bars = make_bars(
        pd.date_range("2021-12-31 23:58", periods=5, freq="1min", tz="UTC"),
        *np.full((4, 5), 1.1),
        symbol="XAUUSD",
    )
    BarStore(home_store).append(bars)
    result = run("data", "list")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("XAUUSD"))
    assert line.split()[:3] == ["XAUUSD", "M1", "5"]
    assert "2021-12-31 23:58" in line
    assert "2021,2022" in line
    as_json = json.loads(run("data", "list", "--json").output)
    assert as_json[0]["rows"] == 5
    assert as_json[0]["years"] == [2021, 2022]


def test_store_setting_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIKROBOT_DATA__STORE", str(tmp_path / "elsewhere"))
    bars = make_bars(
        pd.date_range("2022-01-03", periods=3, freq="5min", tz="UTC"),
        *np.full((4, 3), 1.1),
        symbol="EURUSD",
    )
    BarStore(tmp_path / "elsewhere").append(bars)
    result = run("data", "list", "--json")
    assert json.loads(result.output)[0]["timeframe"] == "M5"


# ---------------------------------------------------------------------- import


def test_import_bad_file_exits_2_naming_file_line_field_and_leaves_store_untouched(tmp_path):
    store = tmp_path / "store"
    good = mt5_file(tmp_path / "good.csv", "2024-03-04 00:00", 30)
    assert (
        run("data", "import", str(good), "--symbol", "EURUSD", "--store", str(store)).exit_code == 0
    )
    before = tree(store)
    later = mt5_file(tmp_path / "later.csv", "2024-03-04 00:30", 30)
    bad = mt5_file(tmp_path / "bad.csv", "2024-03-04 01:00", 10, bad_line=4)
    result = run(
        "data", "import", str(later), str(bad), "--symbol", "EURUSD", "--store", str(store)
    )
    assert result.exit_code == 2
    message = result.stderr
    assert "bad.csv" in message
    assert "line 4" in message
    assert "close" in message.lower()
    assert tree(store) == before  # not even the good file before it was imported


def test_import_reports_rows_added_duplicates_and_reimport_adds_nothing(tmp_path):
    store = tmp_path / "store"
    a = mt5_file(tmp_path / "a.csv", "2024-03-04 00:00", 40)
    b = mt5_file(tmp_path / "b.csv", "2024-03-04 00:30", 40)
    args = ("--symbol", "eurusd", "--tz", "Etc/GMT-2", "--store", str(store))
    result = run("data", "import", str(a), str(b), *args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("a.csv: EURUSD M1 40 rows, 40 added, 0 duplicates")
    assert lines[1].startswith("b.csv: EURUSD M1 40 rows, 30 added, 10 duplicates")
    assert "dataset now 70 rows" in lines[1]
    again = run("data", "import", str(b), *args)
    assert again.exit_code == 0
    assert "0 added, 40 duplicates (0 conflicting" in again.output
    # a's bars 00:30-00:39 differ from b's (tick volumes 40-49 against 10-19): a wins now.
    first_again = run("data", "import", str(a), *args)
    assert "0 added, 40 duplicates (10 conflicting" in first_again.output
    frame = BarStore(store).read("EURUSD", "M1")
    assert len(frame) == 70
    assert frame.index[0] == pd.Timestamp("2024-03-03 22:00", tz="UTC")  # 00:00 at UTC+2
    assert frame.attrs["source_tz"] == "Etc/GMT-2"
    assert frame["spread"].tolist()[:8] == [0, 1, 2, 3, 4, 5, 6, 0]
    assert frame["tick_volume"].tolist()[28:42] == [*range(38, 50), 20, 21]


def test_strict_refuses_a_file_with_validation_errors(tmp_path):
    store = tmp_path / "store"
    path = mt5_file(tmp_path / "ohlc.csv", "2024-03-04 00:00", 10)
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[5].split("\t")  # bar 4, 00:04 file time
    fields[3] = "1.00000"  # <HIGH> below <LOW>, <OPEN> and <CLOSE>: an OHLC error
    lines[5] = "\t".join(fields)
    path.write_text("".join(lines))
    args = ("--symbol", "EURUSD", "--tz", "UTC", "--store", str(store))
    strict = run("data", "import", str(path), "--strict", *args)
    assert strict.exit_code == 2
    assert "ohlc.csv" in strict.stderr
    assert "2024-03-04 00:04" in strict.stderr
    assert tree(store) == {}
    lenient = run("data", "import", str(path), *args)
    assert lenient.exit_code == 0
    assert "validation:" in lenient.output
    assert len(BarStore(store).read("EURUSD", "M1")) == 10


def test_import_json_output(tmp_path):
    a = mt5_file(tmp_path / "a.csv", "2024-03-04 00:00", 10)
    result = run("data", "import", str(a), "-s", "EURUSD", "--store", str(tmp_path / "s"), "--json")
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    assert (record["rows_in"], record["added"], record["years"]) == (10, 10, [2024])


def test_import_missing_file_is_a_usage_error(tmp_path):
    result = run("data", "import", str(tmp_path / "nope.csv"), "--symbol", "EURUSD")
    assert result.exit_code == 2
    assert "nope.csv" in result.output + result.stderr


# ---------------------------------------------------------------------- check


def test_check_exit_codes_and_json(tmp_path):
    store = tmp_path / "store"
    good = mt5_file(tmp_path / "good.csv", "2024-03-04 00:00", 30)
    assert run("data", "import", str(good), "-s", "EURUSD", "--store", str(store)).exit_code == 0
    ok = run("data", "check", "eurusd", "--store", str(store))
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("EURUSD M1")
    assert "OK" in ok.output.splitlines()[0]
    broken = make_bars(
        pd.date_range("2024-03-04", periods=3, freq="5min", tz="UTC"),
        [1.1, 1.1, 1.1],
        [1.0, 1.2, 1.2],  # high below open and low on the first bar
        [1.05, 1.0, 1.0],
        [1.1, 1.1, 1.1],
        symbol="EURUSD",
    )
    BarStore(store).append(broken)
    bad = run("data", "check", "EURUSD", "--store", str(store), "--json")
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert sorted(data["reports"]) == ["M1", "M5"]
    only_m1 = run("data", "check", "EURUSD", "-t", "M1", "--store", str(store))
    assert only_m1.exit_code == 0


def test_check_of_an_unknown_symbol_exits_2(tmp_path):
    result = run("data", "check", "GBPUSD", "--store", str(tmp_path))
    assert result.exit_code == 2
    assert "GBPUSD" in result.stderr


# ---------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_m1_import_via_python_m(tmp_path, real_m1_path):
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "mikrobot", "data", "import", str(real_m1_path)]
    cmd += ["--symbol", "EURUSD", "--tz", "Etc/GMT-2", "--store", str(store)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "49,993 rows, 49,993 added" in proc.stdout
    frame = BarStore(store).read("EURUSD", "M1")
    assert len(frame) == 49_993
    # data/README.md: the file starts at 2022-01-04 18:00 server time; Etc/GMT-2 is UTC+2.
    assert frame.index[0] == pd.Timestamp("2022-01-04 16:00", tz="UTC")
    assert frame.index[-1] == pd.Timestamp("2022-02-22 13:25", tz="UTC")
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert again.returncode == 0
    assert "0 added, 49,993 duplicates (0 conflicting" in again.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "mikrobot", "data", "list", "--store", str(store)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert "49,993" in listed.stdout

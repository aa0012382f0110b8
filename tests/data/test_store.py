"""The Parquet bar store: round trips, partitions, merges, atomicity and concurrent readers."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.errors import DataError, TemporaryError
from mikrobot.data import merge as merge_mod
from mikrobot.data import snapshots
from mikrobot.data import store as store_mod
from mikrobot.data.frame import make_bars
from mikrobot.data.merge import merge_columns
from mikrobot.data.store import BarStore

MINUTE = 60_000_000_000


def bars(
    start: str,
    n: int,
    *,
    step_min: int = 1,
    seed: int = 0,
    spread: bool = True,
    symbol: str | None = "EURUSD",
    source_tz: str = "Etc/GMT-2",
    source: str | None = "test",
) -> pd.DataFrame:
    """n bars from ``start`` (UTC), one every ``step_min`` minutes, random but valid OHLC."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start, tz="UTC").value
    times = t0 + np.arange(n, dtype=np.int64) * step_min * MINUTE
    close = np.round(1.1 + np.cumsum(rng.normal(0, 0.0002, n)), 5)
    open_ = np.round(np.r_[1.1, close[:-1]], 5)
    high = np.maximum(open_, close) + 0.0001
    low = np.minimum(open_, close) - 0.0001
    return make_bars(
        times,
        open_,
        high,
        low,
        close,
        rng.integers(1, 500, n),
        rng.integers(0, 30, n) if spread else None,
        symbol=symbol,
        source_tz=source_tz,
        source=source,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its content: compare before/after to prove 'untouched'."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def digest(root: Path) -> str:
    return hashlib.sha256(repr(sorted(tree(root).items())).encode()).hexdigest()


# ---------------------------------------------------------------------- round trip


@pytest.mark.parametrize("spread", [True, False])
def test_append_read_round_trip_keeps_values_dtypes_and_attrs(tmp_path, spread):
    df = bars("2022-03-01 00:00", 500, spread=spread)
    store = BarStore(tmp_path)
    result = store.append(df)
    assert (result.rows_in, result.rows_before, result.rows_after) == (500, 0, 500)
    assert (result.added, result.duplicates, result.conflicts) == (500, 0, 0)
    assert result.years == (2022,)
    back = store.read("EURUSD", "M1")
    pd.testing.assert_frame_equal(back, df, check_freq=False)
    assert str(back.index.dtype) == "datetime64[ns, UTC]"
    expected = {"open": "float64", "high": "float64", "low": "float64", "close": "float64"}
    expected["tick_volume"] = "int64"
    if spread:
        expected["spread"] = "int64"
    assert {c: str(t) for c, t in back.dtypes.items()} == expected
    assert back.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M1",
        "source_tz": "Etc/GMT-2",
        "source": "test",
    }


def test_parquet_files_hold_the_canonical_schema_and_attrs(tmp_path):
    store = BarStore(tmp_path)
    store.append(bars("2022-03-01", 100))
    path = store.dataset_path("EURUSD", "M1")
    assert path is not None
    assert path.parent == tmp_path / "EURUSD" / "M1"
    (file,) = path.glob("year=*/*.parquet")
    schema = pq.read_schema(file)
    assert str(schema.field("time").type) == "timestamp[ns, tz=UTC]"
    assert [f.name for f in schema] == [
        "time",
        "open",
        "high",
        "low",
        "close",
        "tick_volume",
        "spread",
    ]
    assert b'"source_tz": "Etc/GMT-2"' in schema.metadata[b"mikrobot"]


def test_symbols_are_canonicalised_and_timeframes_parsed(tmp_path):
    store = BarStore(tmp_path)
    store.append(bars("2022-03-01", 10, step_min=5, symbol=None), symbol="eurusd.a")
    assert (tmp_path / "EURUSD" / "M5").is_dir()
    assert len(store.read("EURUSD.pro", "5min")) == 10
    assert store.read("EURUSD", 5).attrs["timeframe"] == "M5"


@pytest.mark.parametrize("name", ["../evil", "EUR/USD", "", "A" * 41, "."])
def test_unusable_symbol_names_are_refused(tmp_path, name):
    with pytest.raises(DataError, match="symbol"):
        BarStore(tmp_path).append(bars("2022-03-01", 10), symbol=name)
    assert not any(tmp_path.iterdir())


def test_missing_symbol_and_contradicting_timeframe_are_refused(tmp_path):
    store = BarStore(tmp_path)
    with pytest.raises(DataError, match=r"field 'symbol'.*pass symbol="):
        store.append(bars("2022-03-01", 10, symbol=None))
    with pytest.raises(DataError, match=r"field 'timeframe'.*bars are M1 but timeframe M5"):
        store.append(bars("2022-03-01", 10), timeframe="M5")
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------------- partitions


def test_partitions_by_utc_year_across_a_year_boundary(tmp_path):
    df = bars("2021-12-31 22:00", 240)  # 22:00 -> 01:59 next day
    store = BarStore(tmp_path)
    result = store.append(df)
    assert result.years == (2021, 2022)
    path = store.dataset_path("EURUSD", "M1")
    files = {p.parent.name: p for p in path.glob("year=*/*.parquet")}
    assert sorted(files) == ["year=2021", "year=2022"]
    in_2021 = pq.read_table(files["year=2021"]).column("time").to_pandas()
    in_2022 = pq.read_table(files["year=2022"]).column("time").to_pandas()
    assert len(in_2021) == 120
    assert len(in_2022) == 120
    assert (in_2021.dt.year == 2021).all()
    assert (in_2022.dt.year == 2022).all()
    pd.testing.assert_frame_equal(store.read("EURUSD", "M1"), df, check_freq=False)
    row = store.list().iloc[0]
    assert row.years == (2021, 2022)
    assert row.rows == 240


def test_unchanged_years_are_reused_not_rewritten(tmp_path):
    store = BarStore(tmp_path)
    store.append(bars("2021-12-31 23:00", 120))  # 60 bars in 2021, 60 in 2022
    old = store.dataset_path("EURUSD", "M1")
    old_2021 = old / "year=2021" / "bars.parquet"
    store.append(bars("2022-01-01 01:00", 60, seed=3))  # touches 2022 only
    new = store.dataset_path("EURUSD", "M1")
    assert new != old
    new_2021 = new / "year=2021" / "bars.parquet"
    assert new_2021.read_bytes() == old_2021.read_bytes()
    assert new_2021.stat().st_ino == old_2021.stat().st_ino  # a hard link, not a copy


# ---------------------------------------------------------------------- merging


def test_reimport_is_idempotent_and_writes_nothing(tmp_path):
    df = bars("2022-03-01", 1000)
    store = BarStore(tmp_path)
    first = store.append(df)
    before = tree(tmp_path)
    again = store.append(df)
    assert (again.rows_before, again.rows_after) == (1000, 1000)
    assert (again.added, again.duplicates, again.conflicts) == (0, 1000, 0)
    assert again.version == first.version
    assert tree(tmp_path) == before
    pd.testing.assert_frame_equal(store.read("EURUSD", "M1"), df, check_freq=False)


def test_overlapping_import_later_wins_and_counts_conflicts(tmp_path):
    old = bars("2022-03-01 00:00", 100, seed=1)
    new = bars("2022-03-01 01:00", 100, seed=2)  # 40 rows overlap 01:00-01:39, 60 rows are new
    same = old.index.intersection(new.index)[:10]
    new.loc[same] = old.loc[same]  # 10 overlapping rows carry identical values
    store = BarStore(tmp_path)
    store.append(old)
    result = store.append(new)
    overlap = old.index.intersection(new.index)
    differing = int((old.loc[overlap] != new.loc[overlap]).any(axis=1).sum())
    assert len(overlap) == 40
    assert differing == 30
    assert (result.rows_before, result.rows_after) == (100, 160)
    assert (result.added, result.duplicates, result.conflicts) == (60, 40, 30)
    back = store.read("EURUSD", "M1")
    expected = pd.concat([old.loc[old.index < new.index[0]], new])
    pd.testing.assert_frame_equal(back, expected, check_freq=False, check_like=False)


def test_rows_inserted_in_the_middle_come_back_sorted(tmp_path):
    full = bars("2022-03-01", 300)
    store = BarStore(tmp_path)
    store.append(full.iloc[::2])
    result = store.append(full.iloc[1::2])
    assert (result.added, result.duplicates) == (150, 0)
    pd.testing.assert_frame_equal(store.read("EURUSD", "M1"), full, check_freq=False)


def test_import_files_in_one_call_later_file_wins(tmp_path):
    a = bars("2022-03-01", 50, seed=1)
    b = bars("2022-03-01 00:30", 50, seed=2)
    store = BarStore(tmp_path)
    batches = [store._prepare(x, symbol=None, timeframe=None) for x in (a, b)]
    first, second = store._commit(batches, progress=False)
    assert (first.added, second.added, second.duplicates, second.conflicts) == (50, 30, 20, 20)
    assert first.version == second.version  # one publish for both
    expected = pd.concat([a.iloc[:30], b])
    pd.testing.assert_frame_equal(store.read("EURUSD", "M1"), expected, check_freq=False)


def test_spread_column_rules(tmp_path):
    store = BarStore(tmp_path)
    store.append(bars("2022-03-01", 20, spread=False))
    result = store.append(bars("2022-03-02", 20, spread=True))
    assert "spread column dropped" in result.notes[0]
    assert "spread" not in store.read("EURUSD", "M1").columns
    other = BarStore(tmp_path / "other")
    other.append(bars("2022-03-01", 20, spread=True))
    before = tree(other.root)
    with pytest.raises(DataError, match=r"field 'spread'.*no spread column"):
        other.append(bars("2022-03-02", 20, spread=False))
    assert tree(other.root) == before


# A frame of unique sorted existing times, and incoming rows with repeats in any order.
_times = st.lists(st.integers(0, 40), min_size=0, max_size=30)


@given(old=st.sets(st.integers(0, 40), max_size=30), new=_times, data=st.data())
def test_merge_matches_a_last_write_wins_dictionary(old, new, data):
    old_t = np.array(sorted(old), dtype=np.int64)
    new_t = np.array(new, dtype=np.int64)
    values = st.sampled_from([1.0, 2.0, np.nan])
    existing = {
        "time": old_t,
        "open": np.array(data.draw(st.lists(values, min_size=len(old_t), max_size=len(old_t)))),
        "tick_volume": np.array(
            data.draw(st.lists(st.integers(0, 2), min_size=len(old_t), max_size=len(old_t))),
            dtype=np.int64,
        ),
    }
    incoming = {
        "time": new_t,
        "open": np.array(data.draw(st.lists(values, min_size=len(new_t), max_size=len(new_t)))),
        "tick_volume": np.array(
            data.draw(st.lists(st.integers(0, 2), min_size=len(new_t), max_size=len(new_t))),
            dtype=np.int64,
        ),
    }
    # Oracle: replay the rows in arrival order into a dict; the last row of a time wins.
    rows = [(int(t), float(o), int(v)) for t, o, v in zip(*existing.values(), strict=True)]
    rows += [(int(t), float(o), int(v)) for t, o, v in zip(*incoming.values(), strict=True)]
    final = {t: (o, v) for t, o, v in rows}

    def same(a, b):
        return (a[0] == b[0] or (np.isnan(a[0]) and np.isnan(b[0]))) and a[1] == b[1]

    seen: dict[int, int] = {}
    for t, *_ in rows:
        seen[t] = seen.get(t, 0) + 1
    last_index = {t: i for i, (t, *_) in enumerate(rows)}
    conflicts = sum(
        1 for i, (t, o, v) in enumerate(rows) if last_index[t] != i and not same((o, v), final[t])
    )
    merged, stats = merge_columns(existing, incoming)
    assert merged["time"].tolist() == sorted(final)
    got = list(zip(merged["open"].tolist(), merged["tick_volume"].tolist(), strict=True))
    assert all(same(g, final[t]) for g, t in zip(got, sorted(final), strict=True))
    assert stats.rows_after == len(final)
    assert stats.added == len(final) - len(old)
    assert stats.duplicates == len(new) - stats.added
    assert stats.conflicts == conflicts
    assert merged["open"].dtype == np.float64
    assert merged["tick_volume"].dtype == np.int64


def test_split_by_year_handles_unsorted_rows():
    t = np.array(
        [pd.Timestamp(x, tz="UTC").value for x in ("2023-01-01", "2021-06-01", "2022-12-31")]
    )
    parts = merge_mod.split_by_year({"time": t})
    assert {y: p["time"].tolist() for y, p in parts.items()} == {
        2021: [t[1]],
        2022: [t[2]],
        2023: [t[0]],
    }


# ---------------------------------------------------------------------- importing files


def test_import_file_round_trips_an_mt5_export_in_server_time(tmp_path):
    from mikrobot.data.writers import to_mt5_export

    df = bars("2021-12-31 20:00", 300, seed=11)  # crosses the new year in UTC
    to_mt5_export(df, tmp_path / "EURUSD_M1.csv", tz="NY+7")
    store = BarStore(tmp_path / "store")
    result = store.import_file(tmp_path / "EURUSD_M1.csv", symbol="EURUSD.a", tz="NY+7")
    assert (result.symbol, result.timeframe, result.added, result.years) == (
        "EURUSD",
        "M1",
        300,
        (2021, 2022),
    )
    assert result.report is not None
    assert result.report.ok
    back = store.read("EURUSD", "M1")
    pd.testing.assert_frame_equal(back, df, check_freq=False)
    assert back.attrs["source_tz"] == "NY+7"
    assert back.attrs["source"] == "mt5_export"


def test_import_file_without_tz_uses_the_format_zone(tmp_path):
    from mikrobot.data.writers import to_histdata_ascii

    df = bars("2024-03-04 00:00", 50, spread=False)
    to_histdata_ascii(df, tmp_path / "DAT_ASCII_EURUSD_M1_202403.csv")  # written in EST
    store = BarStore(tmp_path / "store")
    store.import_file(tmp_path / "DAT_ASCII_EURUSD_M1_202403.csv", symbol="EURUSD")
    back = store.read("EURUSD", "M1")
    assert back.index[0] == pd.Timestamp("2024-03-04 00:00", tz="UTC")  # EST read back as EST
    assert back.attrs["source_tz"] == "EST"
    assert np.array_equal(back["close"].to_numpy(), df["close"].to_numpy())


def test_import_files_is_all_or_nothing_on_bad_input(tmp_path):
    from mikrobot.data.writers import to_mt5_export

    store = BarStore(tmp_path / "store")
    store.append(bars("2024-03-01", 10))
    before = tree(store.root)
    to_mt5_export(bars("2024-03-04", 20), tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    to_mt5_export(bars("2024-03-05", 20), bad)
    lines = bad.read_text().splitlines(keepends=True)
    lines[7] = lines[7].replace("\t", "\t\t", 1)  # one field too many on line 8
    bad.write_text("".join(lines))
    with pytest.raises(DataError, match=r"bad\.csv, line 8"):
        store.import_files([tmp_path / "good.csv", bad], symbol="EURUSD")
    assert tree(store.root) == before


def test_strict_import_refuses_validation_errors(tmp_path):
    from mikrobot.data.writers import to_mt5_export

    df = bars("2024-03-04", 20)
    df.iloc[5, df.columns.get_loc("high")] = df["low"].iloc[5] - 0.001  # high below low
    to_mt5_export(df, tmp_path / "x.csv")
    store = BarStore(tmp_path / "store")
    with pytest.raises(DataError, match=r"x\.csv.*1 validation error.*2024-03-04 00:05"):
        store.import_file(tmp_path / "x.csv", symbol="EURUSD", strict=True)
    assert not (tmp_path / "store").exists() or tree(tmp_path / "store") == {}
    result = store.import_file(tmp_path / "x.csv", symbol="EURUSD")
    assert result.added == 20
    assert not result.report.ok
    assert not store.check("EURUSD")["M1"].ok


# ---------------------------------------------------------------------- reading


def test_read_start_end_is_half_open_and_prunes_years(tmp_path, monkeypatch):
    df = bars("2021-12-31 23:00", 180, seed=4)  # 23:00 Dec 31 -> 01:59 Jan 1
    store = BarStore(tmp_path)
    store.append(df)
    start, end = "2022-01-01 00:30", pd.Timestamp("2022-01-01 01:15", tz="UTC")
    expected = df[(df.index >= pd.Timestamp(start, tz="UTC")) & (df.index < end)]
    opened = []
    real = store_mod._read_columns

    def spy(path, *args):
        opened.append(path.parent.name)
        return real(path, *args)

    monkeypatch.setattr(store_mod, "_read_columns", spy)
    got = store.read("EURUSD", "M1", start=start, end=end)
    assert len(got) == 45
    pd.testing.assert_frame_equal(got, expected, check_freq=False)
    assert opened == ["year=2022"]
    empty = store.read("EURUSD", "M1", start="2030-01-01")
    assert empty.empty
    assert list(empty.columns) == list(df.columns)
    assert empty.attrs["timeframe"] == "M1"


def test_read_of_a_missing_dataset_says_what_is_there(tmp_path):
    store = BarStore(tmp_path)
    with pytest.raises(DataError, match="store is empty"):
        store.read("EURUSD", "M1")
    store.append(bars("2022-03-01", 10, step_min=5))
    with pytest.raises(DataError, match=r"no EURUSD M1 bars.*the store has EURUSD M5"):
        store.read("EURUSD", "M1")


def test_list_and_delete(tmp_path):
    store = BarStore(tmp_path)
    assert store.list().empty
    store.append(bars("2022-03-01", 10, step_min=5))
    store.append(bars("2022-03-01", 30))
    store.append(bars("2021-03-01", 7, symbol="XAUUSD"))
    table = store.list()
    assert list(table.columns) == ["symbol", "timeframe", "rows", "first", "last", "years", "bytes"]
    assert list(zip(table.symbol, table.timeframe, table.rows, strict=True)) == [
        ("EURUSD", "M1", 30),
        ("EURUSD", "M5", 10),
        ("XAUUSD", "M1", 7),
    ]
    assert table.iloc[1]["last"] == pd.Timestamp("2022-03-01 00:45", tz="UTC")
    assert (table.bytes > 0).all()
    assert store.delete("EURUSD", "M5") is True
    assert store.delete("EURUSD", "M5") is False
    assert store.timeframes("EURUSD") == ["M1"]
    store.delete("XAUUSD", "M1")
    assert not (tmp_path / "XAUUSD").exists()


# ---------------------------------------------------------------------- atomicity


def test_bad_input_leaves_the_store_byte_identical(tmp_path):
    store = BarStore(tmp_path)
    store.append(bars("2022-03-01", 100))
    before = tree(tmp_path)
    broken = bars("2022-03-01 01:00", 100, seed=5)
    broken.iloc[70, broken.columns.get_loc("close")] = np.nan
    with pytest.raises(DataError, match=r"field 'close'.*2022-03-01 02:10:00\+00:00 has close=nan"):
        store.append(broken)
    not_canonical = bars("2022-03-01 01:00", 10).astype({"tick_volume": "float64"})
    with pytest.raises(DataError, match="tick_volume"):
        store.append(not_canonical)
    assert tree(tmp_path) == before


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, not even ``except Exception``."""


def test_crash_while_writing_year_files_keeps_the_previous_version(tmp_path, monkeypatch):
    store = BarStore(tmp_path)
    old = bars("2021-12-31 23:00", 120)
    store.append(old)
    before = tree(tmp_path)
    real_write = store_mod._write_columns
    calls = []

    def write_then_die(path, *args, **kwargs):
        calls.append(path)
        real_write(path, *args, **kwargs)
        if len(calls) == 1:
            raise Crash  # one new year file is on disk, the other not yet

    monkeypatch.setattr(store_mod, "_write_columns", write_then_die)
    monkeypatch.setattr(snapshots.VersionedDir, "abort", lambda self, tmp: None)  # no cleanup
    with pytest.raises(Crash):
        store.append(bars("2021-12-31 23:30", 120, seed=9))
    leftovers = [p for p in (tmp_path / "EURUSD" / "M1").iterdir() if p.name.startswith(".tmp-")]
    assert leftovers
    assert calls[0].is_file()
    pd.testing.assert_frame_equal(store.read("EURUSD", "M1"), old, check_freq=False)
    assert store.list().rows.tolist() == [120]
    assert not list(store.dataset_path("EURUSD", "M1").rglob(".tmp-*"))
    after_crash = tree(tmp_path)
    assert {k: v for k, v in after_crash.items() if ".tmp-" not in k} == before
    monkeypatch.undo()
    new = bars("2022-01-01 01:00", 10, seed=2)
    store.append(new)  # the next writer removes what the crash left
    assert not [p for p in (tmp_path / "EURUSD" / "M1").iterdir() if p.name.startswith(".tmp-")]
    pd.testing.assert_frame_equal(
        store.read("EURUSD", "M1"), pd.concat([old, new]), check_freq=False
    )


def test_crash_before_the_pointer_switch_keeps_the_previous_version(tmp_path, monkeypatch):
    store = BarStore(tmp_path)
    old = bars("2022-03-01", 60)
    store.append(old)
    version = store.dataset_path("EURUSD", "M1").name

    def die(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(snapshots.os, "replace", die)
    with pytest.raises(Crash):
        store.append(bars("2022-03-01 01:00", 60, seed=1))
    monkeypatch.undo()
    # The new version directory exists under its final name, but CURRENT still names the old.
    assert store.dataset_path("EURUSD", "M1").name == version
    pd.testing.assert_frame_equal(store.read("EURUSD", "M1"), old, check_freq=False)
    result = store.append(bars("2022-03-01 01:00", 60, seed=1))
    assert result.added == 60
    assert result.version != version
    versions = sorted(p.name for p in (tmp_path / "EURUSD" / "M1").glob("v*"))
    assert versions == [version, result.version]  # stray version collected, previous kept


def test_concurrent_reader_sees_only_whole_versions(tmp_path):
    full = bars("2021-12-31 20:00", 480, seed=7)  # spans two years
    chunks = [full.iloc[i : i + 40] for i in range(0, 480, 40)]
    store = BarStore(tmp_path, durable=False)
    store.append(chunks[0])
    valid_lengths = {40 * k for k in range(1, 13)}
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        reader_store = BarStore(tmp_path)
        while not stop.is_set():
            try:
                got = reader_store.read("EURUSD", "M1")
                n = len(got)
                if n not in valid_lengths or not got.equals(full.iloc[:n]):
                    raise AssertionError(f"reader saw a partial dataset of {n} rows")
                seen.append(n)
            except BaseException as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for chunk in chunks[1:]:
            store.append(chunk)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors[0]
    assert seen
    assert len(store.read("EURUSD", "M1")) == 480


def test_writers_serialise_on_the_lock(tmp_path):
    root = tmp_path / "store"
    with (
        snapshots.file_lock(root / ".lock"),
        pytest.raises(TemporaryError, match="locked by another writer"),
        snapshots.file_lock(root / ".lock", timeout=0.1),
    ):
        pass


_WRITER = """
import sys
import numpy as np
import pandas as pd
from mikrobot.data.frame import make_bars
from mikrobot.data.store import BarStore

root, day = sys.argv[1], sys.argv[2]
store = BarStore(root, durable=False)
for k in range(6):
    times = pd.date_range(f"{day} {k:02d}:00", periods=60, freq="1min", tz="UTC")
    store.append(make_bars(times, *np.full((4, 60), 1.1), symbol="EURUSD"))
"""


def test_concurrent_writer_processes_lose_no_rows(tmp_path):
    import subprocess
    import sys

    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), day])
        for day in ("2022-03-01", "2022-03-02")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    frame = BarStore(tmp_path).read("EURUSD", "M1")
    assert len(frame) == 2 * 6 * 60
    assert frame.index.is_monotonic_increasing


def test_progress_bars_go_to_stderr_when_asked(tmp_path, capsys):
    from mikrobot.data.writers import to_mt5_export

    paths = []
    for k, start in enumerate(("2021-12-31 23:00", "2022-01-01 01:00")):
        paths.append(tmp_path / f"f{k}.csv")
        to_mt5_export(bars(start, 120, seed=k), paths[-1])
    store = BarStore(tmp_path / "store")
    store.import_files(paths, symbol="EURUSD", progress=True)
    err = capsys.readouterr().err
    assert "reading" in err
    assert "2/2" in err  # files read
    assert "writing" in err
    assert "3/3" in err  # (file, year) partitions merged: f0 spans two years, f1 one
    store.import_files(paths, symbol="EURUSD", progress=False)
    assert capsys.readouterr().err == ""

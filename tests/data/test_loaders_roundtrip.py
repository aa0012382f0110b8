"""Round trips: canonical bars -> a file in each format -> load_bars -> the same bars.

Prices have 5, 3 or 2 decimals (FX, JPY pairs, indices), so their shortest text reads back as
the very same float. Times sit on the timeframe's grid, sorted and unique, with gaps.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mikrobot.core import Timeframe
from mikrobot.data import writers
from mikrobot.data.frame import check_canonical, make_bars
from mikrobot.data.loaders import bars_from_rates, load_bars, read_dukascopy
from mikrobot.data.timezones import localize_to_utc, resolve_zone, utc_to_wall

EPOCH_2000 = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
EPOCH_2035 = int(datetime(2035, 1, 1, tzinfo=UTC).timestamp())
FIXED_ZONES = ["UTC", "EST", "+02:00", "Etc/GMT-3", "-04:30", "UTC+5:45"]
SYMBOLS = ["EURUSD", "USDJPY", "XAUUSD", "US30"]


@st.composite
def canonical_bars(draw, *, spread=None, timeframes=tuple(Timeframe), min_volume=0):
    tf = draw(st.sampled_from(timeframes))
    n = draw(st.integers(1, 20))
    first = draw(st.integers(EPOCH_2000 // tf.seconds, EPOCH_2035 // tf.seconds - 400 * n))
    # the first step is one bar so the smallest spacing is the timeframe; then gaps of any size
    gaps = st.sampled_from([1, 1, 1, 2, 3, 12, 300])
    steps = [1, *draw(st.lists(gaps, min_size=max(n - 2, 0), max_size=max(n - 2, 0)))]
    bar_numbers = first + np.concatenate([[0], np.cumsum(steps[: n - 1])]).astype(np.int64)
    times = bar_numbers * tf.nanos
    digits = draw(st.sampled_from([5, 3, 2]))
    scale = 10**digits
    base = draw(st.integers(scale // 2, 200 * scale))
    ticks = st.integers(-500, 500)
    opens = np.array([base + draw(ticks) for _ in range(n)], dtype=np.int64)
    closes = np.array([base + draw(ticks) for _ in range(n)], dtype=np.int64)
    wick = st.integers(0, 300)
    highs = np.maximum(opens, closes) + np.array([draw(wick) for _ in range(n)], dtype=np.int64)
    lows = np.minimum(opens, closes) - np.array([draw(wick) for _ in range(n)], dtype=np.int64)
    volume = np.array([draw(st.integers(min_volume, 10**6)) for _ in range(n)], dtype=np.int64)
    with_spread = draw(st.booleans()) if spread is None else spread
    spreads = np.array([draw(st.integers(0, 500)) for _ in range(n)]) if with_spread else None
    return make_bars(
        times,
        opens / scale,
        highs / scale,
        lows / scale,
        closes / scale,
        volume,
        spreads,
        symbol=draw(st.sampled_from(SYMBOLS)),
        timeframe=tf,
    )


def expect(bars, *, source_tz, source):
    out = bars.copy()
    out.attrs = {**bars.attrs, "source_tz": source_tz, "source": source}
    return out


def assert_same(loaded, expected):
    check_canonical(loaded)
    pd.testing.assert_frame_equal(loaded, expected, check_exact=True)
    assert loaded.attrs == expected.attrs


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("roundtrip")


def path_for(folder, bars, name):
    return folder / f"{bars.attrs['symbol']}_{name}.csv"


@given(bars=canonical_bars(), zone=st.sampled_from(FIXED_ZONES), sep=st.sampled_from(["\t", ","]),
       encoding=st.sampled_from(["utf-8", "utf-16"]))  # fmt: skip
def test_mt5_export_round_trip(folder, bars, zone, sep, encoding):
    path = path_for(folder, bars, "mt5_export")
    writers.to_mt5_export(bars, path, zone, sep=sep, encoding=encoding)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone)
    assert_same(loaded, expect(bars, source_tz=zone, source="mt5_export"))


@given(bars=canonical_bars(timeframes=(Timeframe.D1,)), zone=st.sampled_from(FIXED_ZONES))
def test_mt5_export_d1_without_time_round_trip(folder, bars, zone):
    # daily bars at the zone's midnight, as the terminal labels them
    wall = pd.DatetimeIndex(bars.index).tz_localize(None)
    bars = bars.set_axis(localize_to_utc(wall, zone).rename("time"))
    path = path_for(folder, bars, "mt5_d1")
    writers.to_mt5_export(bars, path, zone, with_time=False)
    loaded = load_bars(path, timeframe="D1", tz=zone)
    assert_same(loaded, expect(bars, source_tz=zone, source="mt5_export"))


@given(bars=canonical_bars(), zone=st.sampled_from(FIXED_ZONES), iso=st.booleans())
def test_mt5_rates_csv_round_trip(folder, bars, zone, iso):
    path = path_for(folder, bars, "rates")
    writers.to_mt5_rates_csv(bars, path, zone, iso_times=iso)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone)
    assert_same(loaded, expect(bars, source_tz=zone, source="mt5_rates_csv"))


def has_repeated_wall_time(index, zone):
    """True when a bar's wall-clock time in ``zone`` falls in an autumn hour that occurs twice."""
    resolved = resolve_zone(zone)
    if resolved.is_fixed:
        return False
    tzinfo = ZoneInfo(resolved.zone)
    for stamp in index:
        local = stamp.to_pydatetime().astimezone(tzinfo).replace(tzinfo=None)
        first, second = local.replace(fold=0, tzinfo=tzinfo), local.replace(fold=1, tzinfo=tzinfo)
        if first.utcoffset() != second.utcoffset():
            return True
    return False


INTRADAY = (Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.M30, Timeframe.H1)


@given(
    case=st.one_of(
        st.tuples(canonical_bars(spread=True), st.sampled_from(FIXED_ZONES)),
        # on a DST server clock, H4/D1 bars are aligned to the server's wall clock, not to UTC,
        # so UTC-aligned H4/D1 bars would (rightly) fail the timeframe check there
        st.tuples(
            canonical_bars(spread=True, timeframes=INTRADAY),
            st.sampled_from(["NY+7", "Europe/Athens"]),
        ),
    )
)
def test_rates_array_and_npy_round_trip(folder, case):
    bars, zone = case
    # a lone bar in a repeated autumn hour cannot be placed; that refusal is tested elsewhere
    assume(not has_repeated_wall_time(bars.index, zone))
    rates = writers.to_rates_array(bars, zone)
    direct = bars_from_rates(rates, timeframe=bars.attrs["timeframe"], tz=zone)
    expected = expect(bars, source_tz=zone, source="mt5_rates")
    expected.attrs["symbol"] = None
    assert_same(direct, expected)
    path = folder / f"{bars.attrs['symbol']}_rates.npy"
    np.save(path, rates)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone)
    assert_same(loaded, expect(bars, source_tz=zone, source="mt5_rates_npy"))


@given(bars=canonical_bars(spread=False), zone=st.sampled_from([None, *FIXED_ZONES]),
       variant=st.sampled_from(["histdata_ascii", "histdata_mt"]))  # fmt: skip
def test_histdata_round_trip(folder, bars, zone, variant):
    path = path_for(folder, bars, variant)
    write = writers.to_histdata_ascii if variant == "histdata_ascii" else writers.to_histdata_mt
    write(bars, path, "EST" if zone is None else zone)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone)
    assert_same(loaded, expect(bars, source_tz="EST" if zone is None else zone, source=variant))


def offsets_label(index, zone):
    """Independent of the loader: each bar's UTC offset in ``zone`` via zoneinfo."""
    labels = set()
    for stamp in index:
        minutes = int(
            stamp.to_pydatetime().astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60
        )
        sign = "+" if minutes >= 0 else "-"
        labels.add(f"GMT{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}")
    return "/".join(sorted(labels))


def without_flats(bars):
    flat = (
        (bars["tick_volume"] == 0)
        & (bars["open"] == bars["high"])
        & (bars["open"] == bars["low"])
        & (bars["open"] == bars["close"])
    )
    return bars[~flat.to_numpy()]


@given(bars=canonical_bars(spread=False),
       zone=st.sampled_from([None, "Europe/Zurich", "America/New_York", "Asia/Kolkata", "UTC"]),
       flat=st.booleans())  # fmt: skip
def test_dukascopy_round_trip(folder, bars, zone, flat):
    if flat:  # make the first bar a closed-market flat
        bars = bars.copy()
        bars.iloc[0, :5] = [bars.iloc[0, 0]] * 4 + [0]
        bars["tick_volume"] = bars["tick_volume"].astype(np.int64)
    path = path_for(folder, bars, "dukascopy")
    writers.to_dukascopy(bars, path, zone)
    source_tz = "UTC" if zone is None else offsets_label(bars.index, zone)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"])
    assert_same(loaded, expect(without_flats(bars), source_tz=source_tz, source="dukascopy"))
    kept = read_dukascopy(path, timeframe=bars.attrs["timeframe"], drop_flats=False)
    assert_same(kept, expect(bars, source_tz=source_tz, source="dukascopy"))


@given(bars=canonical_bars(), zone=st.sampled_from(FIXED_ZONES))
def test_metatrader_csv_round_trip(folder, bars, zone):
    path = path_for(folder, bars, "metatrader")
    writers.to_metatrader_csv(bars, path, zone)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone)
    assert_same(loaded, expect(bars, source_tz=zone, source="metatrader_csv"))


@given(bars=canonical_bars(spread=False), zone=st.sampled_from(FIXED_ZONES))
def test_quoted_tsv_round_trip(folder, bars, zone):
    path = path_for(folder, bars, "quoted")
    writers.to_quoted_tsv(bars, path, zone)
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone)
    assert_same(loaded, expect(bars, source_tz=zone, source="quoted_tsv"))


GENERIC_TIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%Y%m%d %H%M%S", "%m/%d/%Y %H:%M"]


@given(bars=canonical_bars(), zone=st.sampled_from(FIXED_ZONES),
       sep=st.sampled_from([",", ";", "\t", "|"]), time_format=st.sampled_from(GENERIC_TIME_FORMATS),
       names=st.permutations(["Stamp", "O", "H", "L", "C", "Ticks", "Spr"]))  # fmt: skip
def test_generic_round_trip(folder, bars, zone, sep, time_format, names):
    wall = utc_to_wall(pd.DatetimeIndex(bars.index), zone)
    fields = dict(
        zip(["time", "open", "high", "low", "close", "tick_volume", "spread"], names, strict=True)
    )
    table = {fields["time"]: wall.strftime(time_format)}
    for key in ("open", "high", "low", "close", "tick_volume", "spread"):
        if key in bars.columns:
            table[fields[key]] = bars[key].to_numpy()
    path = path_for(folder, bars, "generic")
    pd.DataFrame(table).to_csv(path, sep=sep, index=False)
    columns = {k: v for k, v in fields.items() if k in bars.columns or k == "time"}
    columns |= {"sep": sep, "time_format": time_format}
    loaded = load_bars(path, timeframe=bars.attrs["timeframe"], tz=zone, columns=columns)
    assert_same(loaded, expect(bars, source_tz=zone, source="generic"))

"""Each format on small hand-written files: layout, UTC conversion, attrs, symbol and sniffing."""

import codecs

import numpy as np
import pandas as pd
import pytest

from mikrobot.core import DataError
from mikrobot.data.frame import check_canonical
from mikrobot.data.loaders import (
    bars_from_rates,
    load_bars,
    read_dukascopy,
    sniff_format,
    symbol_from_filename,
)
from mikrobot.data.loaders.rates import RATES_DTYPE
from mikrobot.data.loaders.source import source_from_bytes


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def utc(*stamps):
    return pd.DatetimeIndex(list(stamps), tz="UTC", name="time").as_unit("ns")


# ---------------------------------------------------------------- histdata


HISTDATA_ASCII = (
    "20240304 000000;1.083520;1.083710;1.083400;1.083650;0\n"
    "20240304 000100;1.083650;1.083800;1.083600;1.083770;0\n"
    "20240304 000200;1.083770;1.083790;1.083690;1.083710;0\n"
)


def test_histdata_ascii_reference_lines_are_est_plus_five_hours(tmp_path):
    path = write(tmp_path, "DAT_ASCII_EURUSD_M1_2024.csv", HISTDATA_ASCII)
    bars = load_bars(path)
    check_canonical(bars)
    assert bars.index.equals(utc("2024-03-04 05:00", "2024-03-04 05:01", "2024-03-04 05:02"))
    assert bars["open"].tolist() == [1.08352, 1.08365, 1.08377]
    assert bars["high"].tolist() == [1.08371, 1.0838, 1.08379]
    assert bars["low"].tolist() == [1.0834, 1.0836, 1.08369]
    assert bars["close"].tolist() == [1.08365, 1.08377, 1.08371]
    assert bars["tick_volume"].tolist() == [0, 0, 0]
    assert "spread" not in bars.columns
    assert bars.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M1",
        "source_tz": "EST",
        "source": "histdata_ascii",
    }


def test_histdata_is_est_without_daylight_saving(tmp_path):
    # July: New York is on EDT (UTC-4) but histdata stays on UTC-5.
    path = write(tmp_path, "DAT_ASCII_EURUSD_M1_2024.csv", HISTDATA_ASCII.replace("0304", "0715"))
    assert load_bars(path).index[0] == pd.Timestamp("2024-07-15 05:00", tz="UTC")


def test_histdata_explicit_tz_overrides_est(tmp_path):
    path = write(tmp_path, "DAT_ASCII_EURUSD_M1_2024.csv", HISTDATA_ASCII)
    bars = load_bars(path, tz="UTC")
    assert bars.index[0] == pd.Timestamp("2024-03-04 00:00", tz="UTC")
    assert bars.attrs["source_tz"] == "UTC"


def test_histdata_mt_variant(tmp_path):
    text = (
        "2012.02.01,00:00,1.306600,1.306600,1.306560,1.306560,0\n"
        "2012.02.01,00:01,1.306560,1.306700,1.306500,1.306690,0\n"
    )
    bars = load_bars(write(tmp_path, "DAT_MT_EURUSD_M1_201202.csv", text))
    assert bars.attrs["source"] == "histdata_mt"
    assert bars.index.equals(utc("2012-02-01 05:00", "2012-02-01 05:01"))
    assert bars["close"].tolist() == [1.30656, 1.30669]
    assert bars.attrs["symbol"] == "EURUSD"


# ---------------------------------------------------------------- MT5 export

MT5_EXPORT = (
    "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
    "2024.03.04\t00:05:00\t1.08352\t1.08371\t1.08340\t1.08365\t112\t0\t6\n"
    "2024.03.04\t00:10:00\t1.08365\t1.08380\t1.08360\t1.08377\t95\t0\t5\n"
)


def test_mt5_export_reference_lines_are_taken_as_written_by_default(tmp_path):
    bars = load_bars(write(tmp_path, "EURUSD_M5.csv", MT5_EXPORT))
    check_canonical(bars)
    assert bars.index.equals(utc("2024-03-04 00:05", "2024-03-04 00:10"))
    assert bars["tick_volume"].tolist() == [112, 95]
    assert bars["spread"].tolist() == [6, 5]
    assert bars["low"].tolist() == [1.0834, 1.0836]
    assert bars.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M5",
        "source_tz": "UTC",
        "source": "mt5_export",
    }


def test_mt5_export_server_time_ny_plus_7_across_us_dst_change(tmp_path):
    # US DST began Sunday 2024-03-10: the server runs UTC+2 before, UTC+3 after.
    text = (
        "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
        "2024.03.08\t23:50:00\t1.09350\t1.09360\t1.09340\t1.09355\t10\t0\t8\n"
        "2024.03.08\t23:55:00\t1.09355\t1.09365\t1.09345\t1.09360\t11\t0\t8\n"
        "2024.03.11\t00:00:00\t1.09400\t1.09410\t1.09390\t1.09405\t12\t0\t9\n"
        "2024.03.11\t00:05:00\t1.09405\t1.09415\t1.09395\t1.09410\t13\t0\t9\n"
    )
    bars = load_bars(write(tmp_path, "EURUSD_M5.csv", text), tz="NY+7")
    assert bars.index.equals(
        utc("2024-03-08 21:50", "2024-03-08 21:55", "2024-03-10 21:00", "2024-03-10 21:05")
    )
    assert bars.attrs["source_tz"] == "NY+7"
    assert bars.attrs["timeframe"] == "M5"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-le", "utf-8-sig"])
def test_mt5_export_utf16_and_boms(tmp_path, encoding):
    if encoding == "utf-16-le-bom":
        raw = codecs.BOM_UTF16_LE + MT5_EXPORT.encode("utf-16-le")
    else:
        raw = MT5_EXPORT.replace("\n", "\r\n").encode(encoding)
    bars = load_bars(write(tmp_path, "EURUSD_M5.csv", raw), tz="Etc/GMT-2")
    assert bars.index.equals(utc("2024-03-03 22:05", "2024-03-03 22:10"))
    assert bars["spread"].tolist() == [6, 5]


def test_mt5_export_comma_variant(tmp_path):
    bars = load_bars(write(tmp_path, "x.csv", MT5_EXPORT.replace("\t", ",")))
    assert bars.attrs["source"] == "mt5_export"
    assert bars["close"].tolist() == [1.08365, 1.08377]


def test_mt5_export_d1_without_time_column(tmp_path):
    text = (
        "<DATE>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
        "2024.03.07\t1.0900\t1.0950\t1.0880\t1.0940\t50000\t0\t7\n"
        "2024.03.08\t1.0940\t1.0980\t1.0920\t1.0930\t52000\t0\t7\n"
        "2024.03.11\t1.0930\t1.0960\t1.0910\t1.0925\t48000\t0\t8\n"
    )
    bars = load_bars(write(tmp_path, "XAUUSD_D1.csv", text), tz="NY+7")
    # server midnight = 17:00 New York = 22:00 UTC in winter, 21:00 UTC in summer
    assert bars.index.equals(utc("2024-03-06 22:00", "2024-03-07 22:00", "2024-03-10 21:00"))
    assert bars.attrs["timeframe"] == "D1"
    assert bars.attrs["symbol"] == "XAUUSD"


# ---------------------------------------------------------------- MT5 copy_rates


def test_mt5_rates_csv_epoch_seconds(tmp_path):
    text = (
        "time,open,high,low,close,tick_volume,spread,real_volume\n"
        "1709510700,1.08352,1.08371,1.0834,1.08365,112,6,0\n"
        "1709511000,1.08365,1.0838,1.0836,1.08377,95,5,0\n"
    )
    bars = load_bars(write(tmp_path, "rates.csv", text), "EURUSD.a", tz="NY+7")
    # 1709510700 = 2024-03-04 00:05 on the server clock = 2024-03-03 22:05 UTC
    assert bars.index.equals(utc("2024-03-03 22:05", "2024-03-03 22:10"))
    assert bars.attrs["symbol"] == "EURUSD"
    assert bars.attrs["source"] == "mt5_rates_csv"
    assert bars["spread"].tolist() == [6, 5]


def test_mt5_rates_csv_iso_times_with_pandas_index_column(tmp_path):
    text = (
        ",time,open,high,low,close,tick_volume,spread,real_volume\n"
        "0,2024-03-04 00:05:00,1.08352,1.08371,1.0834,1.08365,112,6,0\n"
        "1,2024-03-04 00:10:00,1.08365,1.0838,1.0836,1.08377,95,5,0\n"
    )
    bars = load_bars(write(tmp_path, "rates.csv", text))
    assert bars.index.equals(utc("2024-03-04 00:05", "2024-03-04 00:10"))
    assert bars["tick_volume"].tolist() == [112, 95]


def _rates(times, tz_shift=0):
    out = np.zeros(len(times), dtype=RATES_DTYPE)
    out["time"] = np.asarray(times, dtype=np.int64) + tz_shift
    out["open"] = 1.1
    out["high"] = 1.2
    out["low"] = 1.0
    out["close"] = 1.15
    out["tick_volume"] = np.arange(len(times)) + 1
    out["spread"] = 3
    out["real_volume"] = 0
    return out


def test_bars_from_rates_structured_array_and_dataframe():
    start = 1709510700  # 2024-03-04 00:05 server time
    rates = _rates([start, start + 300, start + 600])
    bars = bars_from_rates(rates, symbol="EURUSD", timeframe="M5", tz="NY+7")
    check_canonical(bars)
    assert bars.index[0] == pd.Timestamp("2024-03-03 22:05", tz="UTC")
    assert bars["tick_volume"].tolist() == [1, 2, 3]
    assert bars["spread"].tolist() == [3, 3, 3]
    assert bars.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M5",
        "source_tz": "NY+7",
        "source": "mt5_rates",
    }
    frame = pd.DataFrame(rates)
    frame["time"] = pd.to_datetime(frame["time"], unit="s")  # the usual idiom
    same = bars_from_rates(frame, symbol="EURUSD", timeframe="M5", tz="NY+7")
    pd.testing.assert_frame_equal(same, bars)
    assert load_bars(rates, "EURUSD", tz="NY+7").equals(bars)


def test_bars_from_rates_empty_array_gives_empty_frame():
    bars = bars_from_rates(np.zeros(0, dtype=RATES_DTYPE), symbol="EURUSD", timeframe="M1")
    check_canonical(bars)
    assert len(bars) == 0
    assert bars.attrs["timeframe"] == "M1"


def test_npy_file_of_rates(tmp_path):
    path = tmp_path / "GBPUSD_M1.npy"
    np.save(path, _rates([1709510700, 1709510760]))
    bars = load_bars(path, tz="+02:00")
    assert bars.index.equals(utc("2024-03-03 22:05", "2024-03-03 22:06"))
    assert bars.attrs["symbol"] == "GBPUSD"
    assert bars.attrs["source"] == "mt5_rates_npy"
    assert bars.attrs["timeframe"] == "M1"


# ---------------------------------------------------------------- Dukascopy

DUKASCOPY_GMT = (
    "Gmt time,Open,High,Low,Close,Volume\n"
    "04.03.2024 00:00:00.000,1.08352,1.08371,1.08340,1.08365,412.85\n"
    "04.03.2024 00:01:00.000,1.08365,1.08380,1.08360,1.08377,380.11\n"
)


def test_dukascopy_gmt_reference_lines(tmp_path):
    path = write(tmp_path, "EURUSD_Candlestick_1_M_BID_01.01.2024-31.12.2024.csv", DUKASCOPY_GMT)
    bars = load_bars(path)
    check_canonical(bars)
    assert bars.index.equals(utc("2024-03-04 00:00", "2024-03-04 00:01"))
    assert bars["tick_volume"].tolist() == [413, 380]  # decimals rounded
    assert bars.attrs == {
        "symbol": "EURUSD",
        "timeframe": "M1",
        "source_tz": "UTC",
        "source": "dukascopy",
    }


def test_dukascopy_local_time_uses_each_rows_offset(tmp_path):
    # Europe/Zurich changed from GMT+0100 to GMT+0200 at 01:00 UTC on 2024-03-31.
    text = (
        "Local time,Open,High,Low,Close,Volume\n"
        "31.03.2024 01:59:00.000 GMT+0100,1.08,1.09,1.07,1.085,10.5\n"
        "31.03.2024 03:00:00.000 GMT+0200,1.085,1.09,1.08,1.086,11.4\n"
        "31.03.2024 03:01:00.000 GMT+0200,1.086,1.09,1.08,1.087,12\n"
    )
    bars = load_bars(write(tmp_path, "EURUSD_local.csv", text), tz="America/New_York")
    assert bars.index.equals(utc("2024-03-31 00:59", "2024-03-31 01:00", "2024-03-31 01:01"))
    assert bars.attrs["source_tz"] == "GMT+0100/GMT+0200"  # tz= is ignored: rows say it
    assert bars.attrs["timeframe"] == "M1"


def test_dukascopy_local_reference_suffix(tmp_path):
    text = "Local time,Open,High,Low,Close,Volume\n04.03.2024 02:00:00.000 GMT+0200,1,2,0.5,1.5,3\n"
    bars = load_bars(write(tmp_path, "d.csv", text), timeframe="M1")
    assert bars.index.equals(utc("2024-03-04 00:00"))
    assert bars.attrs["source_tz"] == "GMT+0200"


def test_dukascopy_flats_dropped_by_default_and_kept_on_request(tmp_path):
    text = (
        "Gmt time,Open,High,Low,Close,Volume\n"
        "08.03.2024 21:58:00.000,1.09400,1.09410,1.09390,1.09405,5.2\n"
        "08.03.2024 21:59:00.000,1.09405,1.09405,1.09405,1.09405,0\n"  # flat
        "08.03.2024 22:00:00.000,1.09405,1.09405,1.09405,1.09405,0.4\n"  # one tiny tick: real
        "08.03.2024 22:01:00.000,1.09405,1.09406,1.09405,1.09405,0\n"  # no volume, but moved
    )
    path = write(tmp_path, "EURUSD.csv", text)
    dropped = load_bars(path)
    assert dropped.index.equals(utc("2024-03-08 21:58", "2024-03-08 22:00", "2024-03-08 22:01"))
    assert dropped["tick_volume"].tolist() == [5, 0, 0]
    kept = read_dukascopy(path, drop_flats=False)
    assert len(kept) == 4
    assert kept.attrs["timeframe"] == "M1"


# ---------------------------------------------------------------- MetaTrader CSV, quoted TSV


def test_metatrader_csv_tickvol_and_spread(tmp_path):
    text = (
        "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n"
        "2022.10.10 00:00:00,0.97312,0.97369,0.97312,0.97357,60,0,20\n"
        "2022.10.10 00:15:00,0.9735,0.97362,0.97328,0.97362,57,0,20\n"
        "2022.10.10 00:30:00,0.97362,0.97373,0.97331,0.97361,75,0,19"
    )
    bars = load_bars(write(tmp_path, "EURUSD_15M.csv", text))
    check_canonical(bars)
    assert bars.attrs["source"] == "metatrader_csv"
    assert bars.attrs["timeframe"] == "M15"
    assert bars["tick_volume"].tolist() == [60, 57, 75]
    assert bars["spread"].tolist() == [20, 20, 19]
    assert bars["open"].tolist() == [0.97312, 0.9735, 0.97362]


def test_quoted_tsv_layout(tmp_path):
    text = (
        '"Time\tOpen\tHigh\tLow\tClose\tVolume"\r\n'
        '"2022-01-04 18:00:00\t1.12834\t1.1284\t1.12834\t1.12838\t24"\r\n'
        '"2022-01-04 18:01:00\t1.1284\t1.1284\t1.12837\t1.12837\t6"\r\n'
    )
    bars = load_bars(write(tmp_path, "EURUSD_M1.csv", text), tz="NY+7")
    assert bars.attrs["source"] == "quoted_tsv"
    assert bars.index.equals(utc("2022-01-04 16:00", "2022-01-04 16:01"))
    assert bars["tick_volume"].tolist() == [24, 6]
    assert bars["high"].tolist() == [1.1284, 1.1284]


# ---------------------------------------------------------------- generic


def test_generic_with_column_mapping(tmp_path):
    text = "Timestamp;O;H;L;C;Vol;Spr\n2024-03-04T00:05:00;1.5;1.6;1.4;1.55;7;2\n2024-03-04T00:10:00;1.55;1.7;1.5;1.6;8;3\n"
    columns = {
        "time": "Timestamp",
        "open": "O",
        "high": "H",
        "low": "L",
        "close": "C",
        "tick_volume": "Vol",
        "spread": "Spr",
    }
    bars = load_bars(write(tmp_path, "my.csv", text), "US30.cash", columns=columns)
    check_canonical(bars)
    assert bars.attrs == {
        "symbol": "US30",
        "timeframe": "M5",
        "source_tz": "UTC",
        "source": "generic",
    }
    assert bars["spread"].tolist() == [2, 3]
    assert bars.index.equals(utc("2024-03-04 00:05", "2024-03-04 00:10"))


def test_generic_split_date_time_explicit_format_no_header_decimal_comma(tmp_path):
    text = "04/03/2024;23:00;1,5;1,6;1,4;1,55\n05/03/2024;00:00;1,55;1,7;1,5;1,6\n"
    columns = {
        "header": False,
        "date": 0,
        "time": 1,
        "open": 2,
        "high": 3,
        "low": 4,
        "close": 5,
        "time_format": "%d/%m/%Y %H:%M",
        "sep": ";",
        "decimal": ",",
    }
    bars = load_bars(write(tmp_path, "x.csv", text), columns=columns, tz="Europe/Berlin")
    assert bars.index.equals(utc("2024-03-04 22:00", "2024-03-04 23:00"))
    assert bars["open"].tolist() == [1.5, 1.55]
    assert bars["tick_volume"].tolist() == [0, 0]  # no volume column: zeros
    assert bars.attrs["source_tz"] == "Europe/Berlin"


def test_generic_auto_maps_common_names_and_split_date_time(tmp_path):
    text = "Date,Time,Open,High,Low,Close,Volume\n2024.03.04,00:00,1,2,0.5,1.5,9\n2024.03.04,01:00,1,2,0.5,1.5,9\n"
    bars = load_bars(write(tmp_path, "x.csv", text))
    assert bars.attrs["source"] == "generic"
    assert bars.attrs["timeframe"] == "H1"
    assert bars.index.equals(utc("2024-03-04 00:00", "2024-03-04 01:00"))
    assert bars["tick_volume"].tolist() == [9, 9]


def test_generic_iso_times_with_offsets_are_absolute(tmp_path):
    text = "time,open,high,low,close\n2024-03-04 02:00:00+02:00,1,2,0.5,1.5\n2024-03-04 02:01:00+02:00,1,2,0.5,1.5\n"
    bars = load_bars(write(tmp_path, "x.csv", text), tz="Asia/Tokyo")
    assert bars.index.equals(utc("2024-03-04 00:00", "2024-03-04 00:01"))
    assert bars.attrs["source_tz"] == "+02:00"


def test_generic_epoch_milliseconds(tmp_path):
    text = "timestamp,open,high,low,close,volume\n1709510400000,1,2,0.5,1.5,3\n1709510460000,1,2,0.5,1.5,4\n"
    bars = load_bars(write(tmp_path, "x.csv", text))
    assert bars.index.equals(utc("2024-03-04 00:00", "2024-03-04 00:01"))


def test_blank_lines_and_trailing_newlines_are_ignored(tmp_path):
    text = "\n" + MT5_EXPORT.replace("\n2024.03.04\t00:10", "\n\n   \n2024.03.04\t00:10") + "\n\n"
    bars = load_bars(write(tmp_path, "x.csv", text))
    assert len(bars) == 2


def test_single_bar_has_no_timeframe_unless_given(tmp_path):
    text = "Gmt time,Open,High,Low,Close,Volume\n04.03.2024 00:00:00.000,1,2,0.5,1.5,3\n"
    path = write(tmp_path, "x.csv", text)
    assert load_bars(path).attrs["timeframe"] is None
    assert load_bars(path, timeframe="M5").attrs["timeframe"] == "M5"


# ---------------------------------------------------------------- sniffing and symbols


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        (
            "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>",
            "mt5_export",
        ),
        ("<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<TICKVOL>,<VOL>,<SPREAD>", "mt5_export"),
        ("time,open,high,low,close,tick_volume,spread,real_volume", "mt5_rates_csv"),
        ("20240304 000000;1.083520;1.083710;1.083400;1.083650;0", "histdata_ascii"),
        ("2012.02.01,00:00,1.306600,1.306600,1.306560,1.306560,0", "histdata_mt"),
        ("Gmt time,Open,High,Low,Close,Volume", "dukascopy"),
        ("Local time,Open,High,Low,Close,Volume", "dukascopy"),
        ("Date,Open,High,Low,Close,Tickvol,Volume,Spread", "metatrader_csv"),
        ('"Time\tOpen\tHigh\tLow\tClose\tVolume"', "quoted_tsv"),
        ("Time\tOpen\tHigh\tLow\tClose\tVolume", "quoted_tsv"),
        ("Timestamp,O,H,L,C", "generic"),
    ],
)
def test_sniff_format(first_line, expected):
    source = source_from_bytes((first_line + "\r\n").encode(), "f.csv")
    assert sniff_format(source) == expected


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("DAT_ASCII_EURUSD_M1_2024.csv", "EURUSD"),
        ("DAT_MT_GBPUSD_M1_201202.csv", "GBPUSD"),
        ("EURUSD_Candlestick_1_M_BID_01.01.2024-31.12.2024.csv", "EURUSD"),
        ("eurusd_m1_2022-01_2022-02.csv", "EURUSD"),
        ("US30.cash_M5.csv", "US30"),
        ("xauusd-d1.csv", "XAUUSD"),
        ("bars.csv", None),
        ("DAT_ASCII_SPXUSD_M1_2019.csv", None),  # not in the registry
    ],
)
def test_symbol_from_filename(name, symbol):
    assert symbol_from_filename(name) == symbol


def test_explicit_symbol_wins_over_file_name(tmp_path):
    path = write(tmp_path, "DAT_ASCII_EURUSD_M1_2024.csv", HISTDATA_ASCII)
    assert load_bars(path, symbol="gbpusd").attrs["symbol"] == "GBPUSD"


def test_rows_keep_file_order_and_gaps(tmp_path):
    # no sorting, no filling: that is for mikrobot.data.validation to report
    text = "".join(
        f"20240304 {hhmm}00;1.1;1.2;1.0;1.1;0\n" for hhmm in ("0000", "0001", "0005", "0003")
    )
    bars = load_bars(write(tmp_path, "DAT_ASCII_EURUSD_M1_2024.csv", text), timeframe="M1")
    expected = utc("2024-03-04 05:00", "2024-03-04 05:01", "2024-03-04 05:05", "2024-03-04 05:03")
    assert bars.index.equals(expected)


def test_unknown_encoding_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="unknown encoding"):
        load_bars(write(tmp_path, "x.csv", HISTDATA_ASCII), encoding="klingon")


def test_numeric_looking_date_and_time_columns_keep_their_zeros(tmp_path):
    # a parser that reads these as numbers would see 4032024 and 5
    text = "Date,Time,Open,High,Low,Close\n04032024,0000,1,2,0.5,1.5\n04032024,0005,1,2,0.5,1.5\n"
    columns = {"date": "Date", "time": "Time", "open": "Open", "high": "High", "low": "Low",
               "close": "Close", "time_format": "%d%m%Y %H%M"}  # fmt: skip
    bars = load_bars(write(tmp_path, "x.csv", text), columns=columns)
    assert bars.index.equals(utc("2024-03-04 00:00", "2024-03-04 00:05"))


def test_yyyymmdd_dates_are_not_mistaken_for_unix_time(tmp_path):
    text = "date,open,high,low,close\n20240304,1,2,0.5,1.5\n20240305,1,2,0.5,1.5\n"
    bars = load_bars(write(tmp_path, "x.csv", text))
    assert bars.index.equals(utc("2024-03-04", "2024-03-05"))
    assert bars.attrs["timeframe"] == "D1"


def test_csv_with_quoted_fields_and_crlf(tmp_path):
    text = (
        '"Date","Open","High","Low","Close","Tickvol","Volume","Spread"\r\n'
        '"2022.10.10 00:00:00","0.97312","0.97369","0.97312","0.97357","60","0","20"\r\n'
        '"2022.10.10 00:15:00","0.9735","0.97362","0.97328","0.97362","57","0","20"\r\n'
    )
    bars = load_bars(write(tmp_path, "EURUSD.csv", text))
    assert bars.attrs["source"] == "metatrader_csv"
    assert bars.index.equals(utc("2022-10-10 00:00", "2022-10-10 00:15"))
    assert bars["spread"].tolist() == [20, 20]

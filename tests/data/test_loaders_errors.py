"""Bad input: every DataError names the file, the editor line (1-based) and the field."""

import numpy as np
import pytest

from mikrobot.core import DataError
from mikrobot.data.loaders import bars_from_rates, load_bars
from mikrobot.data.loaders.rates import RATES_DTYPE

MT5_HEADER = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
MT5_ROW = "2024.03.04\t00:{mm}:00\t1.08352\t1.08371\t1.08340\t1.08365\t112\t0\t6\n"


def write(tmp_path, text, name="bars.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def load_error(path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        load_bars(path, **kwargs)
    err = info.value
    assert str(path) in str(err), "the message names the file"
    return err


@pytest.mark.parametrize("format", [None, "mt5_export"])
def test_semicolon_mt5_export_names_both_separators_and_the_way_out(tmp_path, format):
    text = (MT5_HEADER + MT5_ROW.format(mm="05") + MT5_ROW.format(mm="10")).replace("\t", ";")
    path = write(tmp_path, text)
    err = load_error(path, format=format)
    assert err.line == 1
    assert err.field == "sep"
    assert "found ';'" in str(err)
    assert "expects TAB or ','" in str(err)
    # the way out the message gives works
    bars = load_bars(path, columns={"sep": ";"})
    assert bars["spread"].tolist() == [6, 6]
    assert bars.attrs["timeframe"] == "M5"


def test_semicolon_file_read_as_quoted_tsv(tmp_path):
    path = write(tmp_path, "Time;Open;High;Low;Close;Volume\n2022-01-04 18:00:00;1;2;0.5;1.5;3\n")
    err = load_error(path, format="quoted_tsv")
    assert (err.line, err.field) == (1, "sep")
    assert "found ';'" in str(err)
    assert "expects TAB" in str(err)


def test_histdata_read_with_wrong_separator(tmp_path):
    path = write(tmp_path, "20240304 000000,1.08352,1.08371,1.08340,1.08365,0\n")
    err = load_error(path, format="histdata_ascii")
    assert (err.line, err.field) == (1, "sep")
    assert "found ','" in str(err)
    assert "expects ';'" in str(err)


def test_generic_sep_that_is_not_in_the_file(tmp_path):
    path = write(tmp_path, "\ntime;open;high;low;close\n2024-03-04 00:00:00;1;2;0.5;1.5\n")
    err = load_error(
        path,
        columns={
            "sep": "\t",
            "time": "time",
            "open": "open",
            "high": "high",
            "low": "low",
            "close": "close",
        },
    )
    assert err.line == 2  # the blank first line counts, as in an editor
    assert "found ';'" in str(err)
    assert "expects TAB" in str(err)


def test_missing_columns_are_named_and_found_ones_listed(tmp_path):
    header = MT5_HEADER.replace("\t<CLOSE>", "").replace("\t<HIGH>", "")
    path = write(tmp_path, header + "2024.03.04\t00:05:00\t1.0\t0.9\t112\t0\t6\n")
    err = load_error(path)
    assert err.line == 1
    assert err.field == "<HIGH>"
    message = str(err)
    assert "missing columns <HIGH>, <CLOSE>" in message
    assert "'<DATE>', '<TIME>', '<OPEN>', '<LOW>', '<TICKVOL>', '<VOL>', '<SPREAD>'" in message


def test_missing_mapped_generic_column(tmp_path):
    path = write(tmp_path, "Timestamp,O,H,L,C\n2024-03-04 00:00:00,1,2,0.5,1.5\n")
    columns = {"time": "Timestamp", "open": "O", "high": "H", "low": "L", "close": "Close"}
    err = load_error(path, columns=columns)
    assert (err.line, err.field) == (1, "Close")
    assert "'Timestamp', 'O', 'H', 'L', 'C'" in str(err)


def test_dukascopy_format_forced_on_another_header(tmp_path):
    path = write(
        tmp_path, "Time,Open,High,Low,Close,Volume\n04.03.2024 00:00:00.000,1,2,0.5,1.5,3\n"
    )
    err = load_error(path, format="dukascopy")
    assert err.field == "Gmt time"
    assert "missing column Gmt time" in str(err)


def test_unparseable_time_gives_line_and_raw_text(tmp_path):
    text = (
        MT5_HEADER
        + MT5_ROW.format(mm="05")
        + "\n"
        + MT5_ROW.format(mm="10").replace("2024.03.04", "2024.13.04")
    )
    err = load_error(write(tmp_path, text))
    assert err.line == 4  # header, row, blank line, bad row
    assert err.field == "<DATE> + <TIME>"
    assert "'2024.13.04 00:10:00'" in str(err)


def test_unparseable_first_time_lists_expected_layout(tmp_path):
    text = "Gmt time,Open,High,Low,Close,Volume\n2024-03-04 00:00,1,2,0.5,1.5,3\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (2, "Gmt time")
    assert "'2024-03-04 00:00'" in str(err)
    assert "'04.03.2024 00:05:00.000'" in str(err)


def test_empty_time(tmp_path):
    text = "time,open,high,low,close\n2024-03-04 00:00:00,1,2,0.5,1.5\n,1,2,0.5,1.5\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (3, "time")
    assert "empty" in str(err)


def test_unknown_time_zone(tmp_path):
    path = write(tmp_path, MT5_HEADER + MT5_ROW.format(mm="05"))
    err = load_error(path, tz="Mars/Olympus_Mons")
    assert err.field == "tz"
    assert "unknown time zone 'Mars/Olympus_Mons'" in str(err)
    assert "NY+7" in str(err)


def test_unknown_time_zone_for_rates():
    rates = np.zeros(2, dtype=RATES_DTYPE)
    with pytest.raises(DataError, match="unknown time zone") as info:
        bars_from_rates(rates, tz="Nowhere/Else")
    assert info.value.field == "tz"


def test_time_skipped_by_daylight_saving_names_its_line(tmp_path):
    # Europe/Athens jumped from 03:00 to 04:00 on 2024-03-31: 03:30 never happened there.
    rows = "".join(
        MT5_ROW.replace("2024.03.04", "2024.03.31").replace("00:{mm}", hhmm)
        for hhmm in ("02:30", "03:30", "04:30")
    )
    err = load_error(write(tmp_path, MT5_HEADER + rows), tz="Europe/Athens")
    assert (err.line, err.field) == (3, "time")


def test_non_numeric_price_gives_line_and_field(tmp_path):
    text = (
        MT5_HEADER + MT5_ROW.format(mm="05") + MT5_ROW.format(mm="10").replace("1.08371", "1.08x71")
    )
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (3, "<HIGH>")
    assert "'1.08x71', not a number" in str(err)


def test_decimal_comma_gets_a_hint(tmp_path):
    text = "20240304 000000;1,08352;1,08371;1,08340;1,08365;0\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (1, "column 2 (open)")
    assert "decimal comma" in str(err)


def test_empty_price(tmp_path):
    text = "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n2022.10.10 00:00:00,0.97312,,0.97312,0.97357,60,0,20\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (2, "High")
    assert "empty" in str(err)


def test_non_numeric_volume(tmp_path):
    text = "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n2022.10.10 00:00:00,1,2,0.5,1.5,many,0,20\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (2, "Tickvol")


def test_row_with_extra_fields(tmp_path):
    text = MT5_HEADER + MT5_ROW.format(mm="05") + MT5_ROW.format(mm="10").replace("\n", "\t99\n")
    err = load_error(write(tmp_path, text))
    assert err.line == 3
    assert "10 fields" in str(err)
    assert "9" in str(err)


def test_short_row_reports_the_missing_field(tmp_path):
    text = MT5_HEADER + MT5_ROW.format(mm="05") + "2024.03.04\t00:10:00\t1.08352\t1.08371\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (3, "<LOW>")
    assert "empty" in str(err)


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", "\ufeff".encode()])
def test_empty_file(tmp_path, content):
    err = load_error(write(tmp_path, content))
    assert "empty" in str(err)


def test_header_without_bars(tmp_path):
    err = load_error(write(tmp_path, MT5_HEADER))
    assert "no bars" in str(err)


def test_missing_file(tmp_path):
    err = load_error(tmp_path / "nope.csv")
    assert "no such file" in str(err)


def test_given_timeframe_contradicted_by_the_data(tmp_path):
    text = MT5_HEADER + "".join(MT5_ROW.format(mm=mm) for mm in ("05", "10", "11"))
    err = load_error(write(tmp_path, text), timeframe="M5")
    assert (err.line, err.field) == (4, "time")
    assert "1 minutes after the one on line 3" in str(err)


def test_given_timeframe_finer_than_the_data(tmp_path):
    text = MT5_HEADER + "".join(MT5_ROW.format(mm=mm) for mm in ("05", "10", "20"))
    err = load_error(write(tmp_path, text), timeframe="M1")
    assert err.field == "timeframe"
    assert "5 minutes" in str(err)


def test_unsupported_bar_spacing(tmp_path):
    text = MT5_HEADER + "".join(MT5_ROW.format(mm=mm) for mm in ("00", "07", "14"))
    err = load_error(write(tmp_path, text))
    assert "7 minutes" in str(err)


def test_unknown_format_and_misplaced_columns(tmp_path):
    path = write(tmp_path, MT5_HEADER + MT5_ROW.format(mm="05"))
    assert load_error(path, format="excel").field == "format"
    assert load_error(path, format="mt5_export", columns={"time": "x"}).field == "columns"


def test_unknown_columns_key(tmp_path):
    path = write(tmp_path, "t,o,h,l,c\n2024-03-04 00:00:00,1,2,0.5,1.5\n")
    err = load_error(
        path, columns={"time": "t", "open": "o", "high": "h", "low": "l", "close": "c", "vol": "v"}
    )
    assert err.field == "columns['vol']"


def test_not_utf8_without_encoding(tmp_path):
    text = b"Zeit,Open,High,Low,Close\n" + "2024-03-04 00:00:00,1,2,0.5,1.5 \xe9\n".encode("cp1252")
    err = load_error(write(tmp_path, text))
    assert err.line == 2
    assert "encoding=" in str(err)


def test_tick_export_is_refused(tmp_path):
    text = "<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>\n2026.02.16\t19:00:00.083\t67849.69\t67861.69\t\t\t6\n"
    err = load_error(write(tmp_path, text))
    assert "tick export" in str(err)


def test_headerless_unknown_layout(tmp_path):
    err = load_error(write(tmp_path, "1,2,3\n4,5,6\n"))
    assert err.line == 1
    assert "format=" in str(err)


def test_rates_none_and_missing_fields():
    with pytest.raises(DataError, match="last_error"):
        bars_from_rates(None)
    partial = np.zeros(2, dtype=[("time", "<i8"), ("open", "<f8")])
    with pytest.raises(DataError, match="high, low, close, tick_volume") as info:
        bars_from_rates(partial)
    assert info.value.field == "high"


def test_time_outside_the_nanosecond_range(tmp_path):
    text = "time,open,high,low,close\n2024-03-04 00:00:00,1,2,0.5,1.5\n2500-03-04 00:01:00,1,2,0.5,1.5\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (3, "time")
    assert "1678-2261" in str(err)


def test_unix_time_outside_the_nanosecond_range(tmp_path):
    text = "time,open,high,low,close,tick_volume\n1709510400,1,2,0.5,1.5,1\n99999999999,1,2,0.5,1.5,1\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (3, "time")


def test_lone_bar_in_a_repeated_autumn_hour_is_refused_not_guessed(tmp_path):
    # Europe/Athens repeated 03:00-03:59 on 2024-10-27; one 03:30 bar cannot say which it is.
    rows = "".join(
        MT5_ROW.replace("2024.03.04", "2024.10.27").replace("00:{mm}", hhmm)
        for hhmm in ("02:30", "03:30", "04:30")
    )
    err = load_error(write(tmp_path, MT5_HEADER + rows), tz="Europe/Athens")
    assert (err.line, err.field) == (3, "time")
    assert "ambiguous" in str(err)


def test_bad_timeframe_and_sep_arguments(tmp_path):
    path = write(tmp_path, MT5_HEADER + MT5_ROW.format(mm="05") + MT5_ROW.format(mm="10"))
    err = load_error(path, timeframe="M7")
    assert err.field == "timeframe"
    assert "M1, M5" in str(err)
    err = load_error(path, columns={"sep": "\\s+"})
    assert err.field == "columns['sep']"


def test_boolean_price_column(tmp_path):
    text = "time,open,high,low,close\n2024-03-04 00:00:00,True,2,0.5,1.5\n"
    err = load_error(write(tmp_path, text))
    assert (err.line, err.field) == (2, "open")
    assert "'True', not a number" in str(err)

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.errors import DataError
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.frame import make_bars
from mikrobot.data.loaders import load_bars
from mikrobot.data.validation import ValidationReport, validate
from tests.data._bars import walk


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def kinds(report: ValidationReport) -> list[tuple[str, str, pd.Timestamp]]:
    return [(f.kind, f.label, f.time) for f in report.findings]


# ---------------------------------------------------------------------------- real data
# The hadiforoughi files' clock is UTC-03:30 all year: the FX week closes at 18:30 file time in
# winter and 17:30 in summer, i.e. exactly 17:00 New York both times (see the M5 DST weekend).
FILE_TZ = "-03:30"


@pytest.mark.realdata
def test_real_m1_gaps_are_weekends_plus_a_few_hundred_missing_minutes(real_m1_path):
    m1 = load_bars(real_m1_path, tz=FILE_TZ)
    report = validate(m1)
    assert report.ok
    assert report.errors == ()

    weekends = report.of_kind("gap", "weekend")
    assert len(weekends) == 7
    for gap in weekends:
        start = gap.time.tz_convert("America/New_York")
        end = gap.end.tz_convert("America/New_York")
        assert (start.day_name(), f"{start:%H:%M}") == ("Friday", "17:00")
        assert (end.day_name(), f"{end:%H:%M}") == ("Sunday", "17:00")
        assert gap.count == 2880
        assert gap.severity == "info"

    # Independent count: every hole shorter than a day between consecutive minutes.
    step = np.diff(m1.index.asi8) // 60_000_000_000
    holes = step[(step > 1) & (step < 1440)] - 1
    in_session = report.of_kind("gap", "in_session")
    assert len(in_session) == holes.size == 210
    assert report.missing_in_session == holes.sum() == 253
    assert max(g.count for g in in_session) == holes.max() == 4
    assert all(g.severity == "warning" for g in in_session)
    assert set(report.counts()) == {"gap:weekend", "gap:in_session"}


@pytest.mark.realdata
def test_real_m1_has_no_spikes_and_news_bars_stay_below_the_default_factor(real_m1_path):
    m1 = load_bars(real_m1_path, tz=FILE_TZ)
    assert validate(m1).of_kind("spike") == ()
    # The rule is live on this data: at a factor of 10 the biggest genuine bars (news, the
    # Sunday open) show up, and every one of them stays well under the default of 25.
    loose = validate(m1, spike_factor=10).of_kind("spike")
    assert 1 <= len(loose) <= 10
    assert all(10 < f.value < 25 for f in loose)


@pytest.mark.realdata
def test_real_m1_read_in_the_wrong_zone_shows_in_session_weekend_gaps(real_m1_path):
    m1 = load_bars(real_m1_path, tz="UTC")  # Friday 18:30 UTC is still trading time
    labels = {f.label for f in validate(m1).gaps if f.count >= 2000}
    assert labels == {"in_session"}


@pytest.mark.realdata
def test_real_m5_repeated_block_is_reported_as_errors(real_m5_path):
    m5 = load_bars(real_m5_path, tz=FILE_TZ)
    report = validate(m5)
    assert not report.ok
    dup_times = m5.index[m5.index.duplicated(keep=False)].unique()
    backwards = int((np.diff(m5.index.asi8) < 0).sum())
    assert len(report.of_kind("duplicate")) == len(dup_times) == 33
    assert len(report.of_kind("non_monotonic")) == backwards == 13
    assert {f.time for f in report.of_kind("duplicate")} == set(dup_times)
    assert all(f.label == "identical" for f in report.of_kind("duplicate"))
    assert {f"{f.time:%Y-%m-%d}" for f in report.errors} == {"2021-12-03"}
    with pytest.raises(
        DataError, match=r"46 error\(s\): duplicate: time 2021-12-03 19:00 is on 2 rows"
    ):
        validate(m5, strict=True)


@pytest.mark.realdata
def test_real_m5_weekends_include_dst_and_late_christmas_opens(real_m5_path):
    m5 = load_bars(real_m5_path, tz=FILE_TZ)
    report = validate(m5)
    weekends = report.of_kind("gap", "weekend")
    assert len(weekends) == 35
    # 7 Nov 2021: the US left daylight time during the closed weekend, which lasted 49 hours.
    dst = [g for g in weekends if g.time == ts("2021-11-05 21:00")]
    assert len(dst) == 1
    assert dst[0].end == ts("2021-11-07 22:00")
    # Two Sunday opens came 5 minutes late: normal with the default 10-minute tolerance ...
    late = [g for g in weekends if g.end.minute == 5]
    assert [f"{g.end:%Y-%m-%d}" for g in late] == ["2021-12-12", "2021-12-26"]
    # ... but holes in trading hours without it.
    strict_edges = validate(m5, tolerance_minutes=0)
    late_now = [g for g in strict_edges.gaps if g.end in {g2.end for g2 in late}]
    assert [(g.label, g.value) for g in late_now] == [("in_session", 1.0), ("in_session", 1.0)]


# ---------------------------------------------------------------------------- planted faults
def planted() -> tuple[pd.DataFrame, dict[str, pd.Timestamp]]:
    """Winter week: a Wednesday hole, then faults on Thursday, then the weekend close."""
    df = walk(
        "2025-01-08 12:00",
        "2025-01-13 02:00",
        seed=7,
        drop=(
            ("2025-01-08 14:00", "2025-01-08 14:03"),  # Wednesday hole, 3 bars
            ("2025-01-10 22:00", "2025-01-12 22:00"),  # FX weekend, Fri 17:00 -> Sun 17:00 EST
        ),
    )
    at = {
        "spike": ts("2025-01-09 10:00"),
        "high_low": ts("2025-01-09 12:00"),
        "zero": ts("2025-01-09 13:00"),
        "dup": ts("2025-01-09 14:00"),
        "swap": ts("2025-01-09 15:00"),
    }
    df.loc[at["spike"], "high"] += 0.0100  # a 100-pip wick on a ~1-pip market
    row = df.loc[at["high_low"]]
    df.loc[at["high_low"], "high"] = row["low"] - 0.0002
    df.loc[at["zero"], "low"] = 0.0
    i_dup = df.index.get_loc(at["dup"])
    i_swap = df.index.get_loc(at["swap"])
    order = list(range(len(df)))
    order[i_swap], order[i_swap + 1] = order[i_swap + 1], order[i_swap]
    order.insert(i_dup + 1, i_dup)
    out = df.iloc[order]
    out.attrs = dict(df.attrs)
    return out, at


def test_planted_faults_give_exactly_those_findings():
    df, at = planted()
    before = df.copy(deep=True)
    report = validate(df)
    assert kinds(report) == [
        ("gap", "in_session", ts("2025-01-08 14:00")),
        ("spike", "", at["spike"]),
        ("ohlc", "high<max(open,close),high<low", at["high_low"]),
        ("non_positive", "low", at["zero"]),
        ("duplicate", "identical", at["dup"]),
        ("non_monotonic", "", at["swap"]),
        ("gap", "weekend", ts("2025-01-10 22:00")),
    ]
    pos = {name: np.flatnonzero(df.index == t).tolist() for name, t in at.items()}
    by_kind = {f.kind: f for f in report.findings}
    assert by_kind["spike"].position == pos["spike"][0]
    assert by_kind["duplicate"].position == pos["dup"][0]
    assert by_kind["duplicate"].count == 2
    assert pos["dup"] == [pos["dup"][0], pos["dup"][0] + 1]
    assert by_kind["non_monotonic"].position == pos["swap"][0]
    assert df.index[pos["swap"][0] - 1] == at["swap"] + pd.Timedelta(minutes=1)
    wed, weekend = report.gaps
    assert (wed.count, wed.value, wed.severity) == (3, 3.0, "warning")
    assert (weekend.count, weekend.end, weekend.severity) == (2880, ts("2025-01-12 22:00"), "info")
    assert [f.severity for f in report.errors] == ["error"] * 4
    assert not report.ok
    # validate never changes a bar
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == before.attrs


def test_strict_raises_listing_the_first_errors_with_times():
    df, _ = planted()
    with pytest.raises(DataError) as info:
        validate(df, strict=True)
    text = str(info.value)
    assert "M1 bars failed validation with 4 error(s)" in text
    assert "ohlc: row" in text
    assert "at 2025-01-09 12:00 breaks" in text
    assert "non_positive: row" in text
    assert "has <= 0 low" in text
    assert "duplicate: time 2025-01-09 14:00 is on 2 rows" in text
    assert "non_monotonic: row" in text
    assert "at 2025-01-09 15:00 comes after" in text
    assert isinstance(info.value.report, ValidationReport)
    assert len(info.value.report.errors) == 4


def test_default_mode_reports_and_strict_passes_warnings():
    df = walk(
        "2025-01-08 12:00", "2025-01-08 18:00", drop=(("2025-01-08 14:00", "2025-01-08 14:05"),)
    )
    report = validate(df, strict=True)  # only a warning: no raise
    assert report.ok
    assert [f.label for f in report.warnings] == ["in_session"]
    df.loc[ts("2025-01-08 15:00"), "close"] = np.nan
    loose = validate(df)
    assert [(f.kind, f.label) for f in loose.errors] == [("nan", "close")]
    with pytest.raises(DataError, match=r"nan: row \d+ at 2025-01-08 15:00 has no finite close"):
        validate(df, strict=True)


def test_report_serialises_to_json_a_frame_and_a_summary():
    df, _ = planted()
    df.attrs["symbol"] = "EURUSD"
    report = validate(df)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["symbol"] == "EURUSD"
    assert data["counts"] == {
        "duplicate": 1,
        "gap:in_session": 1,
        "gap:weekend": 1,
        "non_monotonic": 1,
        "non_positive": 1,
        "ohlc": 1,
        "spike": 1,
    }
    assert data["findings"][0]["time"] == "2025-01-08T14:00:00+00:00"
    frame = report.frame()
    assert list(frame["kind"]) == [f.kind for f in report.findings]
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
    assert frame["end"].isna().sum() == len(frame) - 2  # only gaps have an end
    empty = validate(walk("2025-01-08 12:00", "2025-01-08 13:00")).frame()
    assert empty.dtypes.to_dict() == frame.dtypes.to_dict()
    assert len(empty) == 0
    assert frame.loc[frame.kind == "gap", "count"].tolist() == [3, 2880]
    text = report.summary()
    assert text.startswith("EURUSD M1 bars (fx): ")
    assert "FAILED (4 errors, 2 warnings, 1 info)" in text
    assert "gaps weekend: 1 (2,880 missing bars, longest 2,880)" in text


# ---------------------------------------------------------------------------- calendar
@pytest.mark.parametrize(
    ("start", "end", "closed"),
    [
        # US winter: the FX week closes Fri 22:00 UTC and opens Sun 22:00 UTC ...
        ("2025-01-09", "2025-01-14", ("2025-01-10 22:00", "2025-01-12 22:00")),
        # ... and an hour earlier while the US is on daylight time.
        ("2025-07-10", "2025-07-15", ("2025-07-11 21:00", "2025-07-13 21:00")),
    ],
)
def test_fx_weekend_is_a_weekend_in_summer_and_in_winter(start, end, closed):
    report = validate(walk(start, end, drop=(closed,)))
    assert [(f.kind, f.label, f.count) for f in report.findings] == [("gap", "weekend", 2880)]


def test_a_winter_timed_weekend_in_summer_leaves_an_in_session_hole():
    df = walk("2025-07-10", "2025-07-15", drop=(("2025-07-11 22:00", "2025-07-13 22:00"),))
    (gap,) = validate(df).gaps
    # Sunday 21:00-22:00 UTC is trading time in July; its first 10 minutes are within the
    # open tolerance, the other 50 are a real hole.
    assert (gap.label, gap.count, gap.value) == ("in_session", 2880, 50.0)


def test_tolerance_absorbs_a_late_first_quote_and_an_early_last_one():
    df = walk("2025-01-09", "2025-01-14", drop=(("2025-01-10 21:57", "2025-01-12 22:05"),))
    (gap,) = validate(df).gaps
    assert (gap.label, gap.value) == ("weekend", 0.0)
    (gap,) = validate(df, tolerance_minutes=0).gaps
    assert (gap.label, gap.value) == ("in_session", 8.0)  # 3 before the close, 5 after the open


def test_a_hole_right_after_the_open_is_in_session():
    # Bars at Sunday 22:00 and from 22:04 on: no closed minute inside the hole.
    df = walk(
        "2025-01-12 22:00", "2025-01-13 01:00", drop=(("2025-01-12 22:01", "2025-01-12 22:04"),)
    )
    (gap,) = validate(df).gaps
    assert (gap.label, gap.count, gap.value) == ("in_session", 3, 3.0)


def test_metals_daily_break_is_closed_but_not_for_fx():
    hole = ("2025-01-08 22:00", "2025-01-08 23:00")  # 17:00-18:00 New York, a Wednesday
    df = walk("2025-01-08 12:00", "2025-01-09 06:00", drop=(hole,), symbol="XAUUSD")
    report = validate(df)  # asset class from the registry entry of attrs["symbol"]
    assert report.asset_class == "metal"
    assert [(f.label, f.count, f.severity) for f in report.gaps] == [("market_closed", 60, "info")]
    fx = validate(df, asset_class="fx")
    assert [(f.label, f.value, f.severity) for f in fx.gaps] == [("in_session", 60.0, "warning")]
    spec = validate(df, spec=DEFAULT_SPECS["EURUSD"])  # a spec's class beats the registry
    assert spec.asset_class == "fx"


def test_crypto_never_closes():
    df = walk("2025-01-09", "2025-01-14", drop=(("2025-01-10 22:00", "2025-01-12 22:00"),))
    (gap,) = validate(df, asset_class="crypto").gaps
    assert (gap.label, gap.value) == ("in_session", 2880.0)


def test_christmas_and_configured_holidays():
    # Christmas 2025 is a Thursday: its trading day runs Wed 17:00 -> Thu 17:00 New York.
    xmas = ("2025-12-24 22:00", "2025-12-25 22:00")
    df = walk("2025-12-23", "2025-12-27", drop=(xmas,))
    (gap,) = validate(df).gaps
    assert (gap.label, gap.count, gap.severity) == ("holiday", 1440, "info")
    (gap,) = validate(df, holidays=()).gaps
    assert (gap.label, gap.value) == ("in_session", 1440.0)
    # 4 July 2025 is a Friday: the holiday runs straight into the weekend.
    july = ("2025-07-03 21:00", "2025-07-06 21:00")
    df = walk("2025-07-02", "2025-07-08", drop=(july,))
    assert [g.label for g in validate(df).gaps] == ["in_session"]
    (gap,) = validate(df, holidays=((7, 4),)).gaps
    assert (gap.label, gap.count) == ("holiday", 4320)
    with pytest.raises(ValueError, match=r"\(month, day\)"):
        validate(df, holidays=((2, 30),))


# ---------------------------------------------------------------------------- spikes
def test_a_bad_close_is_one_spike_not_two():
    df = walk("2025-01-08 08:00", "2025-01-08 16:00", seed=11)
    t = ts("2025-01-08 12:00")
    df.loc[t, "close"] += 0.0080
    df.loc[t, "high"] = max(df.loc[t, "high"], df.loc[t, "close"])
    spikes = validate(df).of_kind("spike")
    assert [f.time for f in spikes] == [t]
    assert spikes[0].value > 25


def test_a_weekend_jump_is_not_a_spike():
    df = walk("2025-01-09", "2025-01-14", drop=(("2025-01-10 22:00", "2025-01-12 22:00"),))
    sunday = df.index >= ts("2025-01-12 22:00")
    for col in ("open", "high", "low", "close"):
        df.loc[sunday, col] += 0.0150  # the market reopens 150 pips higher
    assert validate(df).of_kind("spike") == ()


def test_spec_sets_a_minimum_spike_size_in_points():
    n = 600
    times = pd.date_range("2025-01-08 08:00", periods=n, freq="1min", tz="UTC")
    rng = np.random.default_rng(2)
    close = 1.1 + np.round(np.cumsum(rng.normal(0, 2e-6, n)), 6)  # a very quiet market
    open_ = np.concatenate(([1.1], close[:-1]))
    high = np.maximum(open_, close) + 1e-6
    low = np.minimum(open_, close) - 1e-6
    high[300] += 0.0003  # 30 points: huge for this market, small for EURUSD
    df = make_bars(times, open_, high, low, close, np.ones(n), timeframe="M1")
    assert [f.position for f in validate(df).of_kind("spike")] == [300]  # no spec, no minimum
    eurusd = DEFAULT_SPECS["EURUSD"]
    assert validate(df, spec=eurusd).of_kind("spike") == ()  # below 50 points
    lower = validate(df, spec=eurusd, spike_min_points=20).of_kind("spike")
    assert [f.position for f in lower] == [300]
    assert re.search(r"moves 30\.\d points, \d+\.\dx the local scale", lower[0].message)
    df.attrs["symbol"] = "EURUSD"  # the registry supplies the spec
    report = validate(df)
    assert report.of_kind("spike") == ()
    assert report.settings["point"] == eurusd.point


# ---------------------------------------------------------------------------- inputs
def test_inputs_without_a_tz_aware_index_or_prices_are_refused():
    df = walk("2025-01-08 12:00", "2025-01-08 13:00")
    with pytest.raises(ValueError, match="tz-aware DatetimeIndex"):
        validate(df.tz_convert(None))
    with pytest.raises(ValueError, match="missing \\['close'\\]"):
        validate(df.drop(columns="close"))


def test_tiny_frames_validate():
    df = walk("2025-01-08 12:00", "2025-01-08 12:01")
    report = validate(df)
    assert report.ok
    assert report.n_bars == 1
    assert report.findings == ()


@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["fx", "metal", "crypto"]),
    st.integers(0, 10_079),
    st.integers(0, 15),
)
def test_gaps_account_for_every_missing_bar(seed, asset_class, start_minute, tolerance):
    """Random holes over a random week: the gaps cover exactly the missing minutes."""
    rng = np.random.default_rng(seed)
    start = ts("2025-03-03 00:00") + pd.Timedelta(minutes=start_minute)  # US DST starts 9 Mar
    full = pd.date_range(start, periods=10_080, freq="1min", unit="ns")
    keep = rng.random(full.size) > rng.uniform(0.0, 0.3)
    keep[[0, -1]] = True
    for a in rng.integers(0, full.size, 3):  # a few long holes too
        keep[a : a + rng.integers(1, 600)] = False
    keep[[0, -1]] = True
    df = walk(
        str(full[0].tz_localize(None)), str((full[-1] + pd.Timedelta(minutes=1)).tz_localize(None))
    )
    df = df[keep]
    report = validate(df, asset_class=asset_class, tolerance_minutes=tolerance)
    gaps = report.gaps
    assert sum(g.count for g in gaps) == int((~keep).sum())
    present = df.index.asi8
    for g in gaps:
        inside = (present >= g.time.value) & (present < g.end.value)
        assert not inside.any()
        assert g.end == df.index[g.position]
        assert 0 <= g.value <= g.count
        assert (g.value > 0) == (g.label == "in_session")
    if asset_class == "crypto":
        assert report.missing_in_session == int((~keep).sum())

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.clock import to_ns
from mikrobot.core.errors import DataError
from mikrobot.strategy.news import Impact, NewsCalendar, NewsEvent, minutes_ns, read_news_csv

MIN = 60_000_000_000


def write(tmp_path, text, name="calendar.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_utc_export(tmp_path):
    path = write(
        tmp_path,
        "time,currency,impact,title\n"
        "2025-03-07 13:30,USD,high,Non-Farm Payrolls\n"
        "2025-03-06T13:15:00Z,EUR,High,ECB rate decision\n"
        "\n"
        "2025-03-07 15:00,cad,medium,Ivey PMI\n",
    )
    cal = NewsCalendar.from_csv(path)
    assert len(cal) == 3
    first, nfp, ivey = cal.events  # sorted by time
    assert first == NewsEvent(
        to_ns("2025-03-06T13:15:00Z"), "EUR", Impact.HIGH, "ECB rate decision"
    )
    assert nfp.ts == to_ns("2025-03-07T13:30:00Z")
    assert (ivey.currency, ivey.impact) == ("CAD", Impact.MEDIUM)


def test_colours_aliases_offsets_and_a_source_zone(tmp_path):
    path = write(
        tmp_path,
        "Event,Country,Importance,DateTime,Forecast\n"
        "CPI,USD,red,2025-03-12 08:30,0.3%\n"
        "Retail Sales,GBP,orange,2025-03-12 07:00+00:00,\n"
        "Tankan,JPY,yellow,2025-03-12 19:50,\n",
    )
    events = read_news_csv(path, tz="America/New_York")
    cpi, retail, tankan = events
    # 12 March 2025: New York is on EDT (UTC-4) since 9 March
    assert cpi.ts == to_ns("2025-03-12T12:30:00Z")
    assert (cpi.impact, cpi.title) == (Impact.HIGH, "CPI")
    assert retail.ts == to_ns("2025-03-12T07:00:00Z")  # an explicit offset wins over tz
    assert retail.impact is Impact.MEDIUM
    assert tankan.impact is Impact.LOW
    winter = write(tmp_path, "time,currency,impact\n2025-01-10 08:30,USD,3\n", "winter.csv")
    assert read_news_csv(winter, tz="America/New_York")[0].ts == to_ns("2025-01-10T13:30:00Z")


def test_forex_factory_style_date_and_am_pm_time(tmp_path):
    path = write(
        tmp_path,
        "Title,Country,Date,Time,Impact,Forecast,Previous\n"
        "Bank Holiday,GBP,05-05-2025,All Day,Holiday,,\n"
        "Non-Farm Employment Change,USD,05-02-2025,8:30am,High,130K,228K\n"
        "FOMC Member Speaks,USD,05-02-2025,12:15pm,Medium,,\n",
    )
    events = read_news_csv(path, tz="America/New_York")
    assert [e.title for e in events] == ["Non-Farm Employment Change", "FOMC Member Speaks"]
    assert events[0].ts == to_ns("2025-05-02T12:30:00Z")
    assert events[1].ts == to_ns("2025-05-02T16:15:00Z")


@pytest.mark.parametrize(
    ("text", "line", "field", "needle"),
    [
        ("when,currency,impact\n", 1, "time", "no 'time' column"),
        ("time,currency\n", 1, "impact", "no 'impact' column"),
        ("time,currency,impact\n2025-03-07 13:30,USD,huge\n", 2, "impact", "unknown impact"),
        (
            "time,currency,impact\n2025-03-07 13:30,US Dollar,high\n",
            2,
            "currency",
            "not a currency",
        ),
        (
            "time,currency,impact\n2025-03-07 13:30,USD,high\nyesterday,EUR,high\n",
            3,
            "time",
            "not a time",
        ),
        ("time,currency,impact\n2025-03-07,USD,high\n", 2, "time", "no time of day"),
        ("time,currency,impact\nTentative,USD,high\n", 2, "time", "has no time"),
        ("date,time,currency,impact\n2025-31-12,13:30,USD,high\n", 2, "date", "not a date"),
        ("date,time,currency,impact\n2025-03-07,25:30,USD,high\n", 2, "time", "out of range"),
        ("time,currency,impact\n2025-03-07 13:30,USD\n", 2, None, "has 2 fields"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, text, line, field, needle):
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=needle) as info:
        read_news_csv(path)
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), line, field)
    assert str(path) in str(err)


def test_empty_missing_file_and_bad_zone(tmp_path):
    with pytest.raises(DataError, match="empty"):
        read_news_csv(write(tmp_path, ""))
    with pytest.raises(DataError, match="cannot read"):
        read_news_csv(tmp_path / "nope.csv")
    ok = write(tmp_path, "time,currency,impact\n2025-03-07 13:30,USD,high\n")
    with pytest.raises(DataError, match="Mars/Olympus") as info:
        read_news_csv(ok, tz="Mars/Olympus")
    assert info.value.field == "tz"


def test_impact_parse():
    assert Impact.parse("RED") is Impact.HIGH
    assert Impact.parse(2) is Impact.MEDIUM
    assert Impact.parse("non-economic") is Impact.NONE
    with pytest.raises(ValueError, match="unknown impact"):
        Impact.parse("severe")


# ---------------------------------------------------------------------------- look-ups
T = to_ns("2025-03-07T13:30:00Z")
CAL = NewsCalendar.from_events(
    [
        NewsEvent(T, "USD", Impact.HIGH, "NFP"),
        NewsEvent(T + 3 * MIN, "EUR", Impact.HIGH, "speech"),
        NewsEvent(T + 60 * MIN, "CAD", Impact.MEDIUM, "PMI"),
        NewsEvent(T + 120 * MIN, "ALL", Impact.HIGH, "G20"),
    ]
)
W = {"before_ns": 2 * MIN, "after_ns": 2 * MIN}


def test_blackout_finds_the_nearest_matching_event():
    assert CAL.blackout(("EUR", "USD"), T - 2 * MIN, **W).title == "NFP"
    assert CAL.blackout(("EUR", "USD"), T - 2 * MIN - 1, **W) is None
    assert CAL.blackout(("EUR", "USD"), T + 2 * MIN, **W).title == "speech"  # 1 min vs 2 min
    assert CAL.blackout(("GBP", "JPY"), T, **W) is None
    assert CAL.blackout(("GBP", "JPY"), T + 121 * MIN, **W).title == "G20"
    assert CAL.blackout(("CAD",), T + 60 * MIN, **W) is None  # medium
    medium = CAL.blackout(("CAD",), T + 60 * MIN, min_impact=Impact.MEDIUM, **W)
    assert medium.title == "PMI"


def test_blackout_mask_matches_the_scalar_look_up():
    ts = T + np.arange(-10, 130) * MIN
    mask = CAL.blackout_mask(("EUR", "USD"), ts, **W)
    assert mask.tolist() == [CAL.blackout(("EUR", "USD"), int(t), **W) is not None for t in ts]
    # NFP covers T-2..T+2, the speech T+1..T+5 (2 minutes shared), the G20 T+118..T+122
    assert mask.sum() == 5 + 5 - 2 + 5
    assert minutes_ns(2) == 2 * MIN


events_st = st.lists(
    st.builds(
        NewsEvent,
        st.integers(0, 1_000),  # dense: ties and shared times happen
        st.sampled_from(["USD", "EUR", "JPY", "ALL"]),
        st.sampled_from(list(Impact)),
        st.sampled_from(["a", "b"]),
    ),
    max_size=30,
)


@given(
    events=events_st,
    queries=st.lists(st.integers(-400, 1_400), min_size=1, max_size=30),
    before=st.integers(0, 300),
    after=st.integers(0, 300),
    currencies=st.lists(st.sampled_from(["USD", "EUR", "JPY", "GBP"]), max_size=3, unique=True),
    level=st.sampled_from([Impact.LOW, Impact.MEDIUM, Impact.HIGH]),
)
def test_look_ups_agree_with_brute_force(events, queries, before, after, currencies, level):
    cal = NewsCalendar.from_events(events)
    window = {"before_ns": before, "after_ns": after, "min_impact": level}
    cur = (*currencies, "ALL")
    for q in queries:
        matching = [
            e
            for e in cal.events
            if e.currency in cur and e.impact >= level and e.ts - before <= q <= e.ts + after
        ]
        found = cal.blackout(currencies, q, **window)
        if not matching:
            assert found is None
        else:
            best = min(matching, key=lambda e: (abs(q - e.ts), cal.events.index(e)))
            assert found == best
    mask = cal.blackout_mask(currencies, np.array(queries), **window)
    assert mask.tolist() == [cal.blackout(currencies, q, **window) is not None for q in queries]


def test_event_record_positional_look_up_and_am_pm_hours(tmp_path):
    assert CAL.events[0].to_dict() == {"ts": T, "currency": "USD", "impact": "high", "title": "NFP"}
    assert CAL.nearest_in_window(("USD",), T, T - MIN, T + MIN, Impact.HIGH).title == "NFP"
    with pytest.raises(ValueError, match="within"):
        CAL.nearest_in_window(("USD",), T, T + MIN, T + 2 * MIN, Impact.HIGH)
    bad = write(tmp_path, "date,time,currency,impact\n2025-03-07,13:30pm,USD,high\n")
    with pytest.raises(DataError, match=r"1\.\.12") as info:
        read_news_csv(bad)
    assert (info.value.line, info.value.field) == (2, "time")
    worse = write(tmp_path, "date,time,currency,impact\n2025-03-07,noon,USD,high\n", "b.csv")
    with pytest.raises(DataError, match="not a time"):
        read_news_csv(worse)

"""plot(): the figure shows exactly the bars, swings, breaks and setups it is given.

Expected values come from the input frames and from the synthetic market's own table of
planted episodes (times and prices the generator scripted), not from the figure code.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import mikrobot.structure as ms
from mikrobot.data import resample
from mikrobot.data.synthetic import market
from mikrobot.structure.plotting import STATUS_COLORS

SETUP_MINUTES = 30
NAMES = [
    "M5 bars",
    "swing high",
    "swing low",
    "BOS",
    "CHoCH",
    "BOS break",
    "CHoCH break",
    "touch",
    "confirmation",
    "entry",
    "stop",
    "target",
    "risk",
    "reward",
    *(f"setup: {s}" for s in STATUS_COLORS),
]


@pytest.fixture(scope="module")
def mkt():
    # Monday to Thursday: no weekend inside, four planted BOS + retest episodes
    return market("EURUSD", "2024-03-04", days=3, seed=7, episodes=4)


@pytest.fixture(scope="module")
def frames(mkt):
    m1 = mkt.bars
    m5 = resample(m1, "M5", drop_incomplete=True)
    swings, breaks = ms.structure(m5)
    setups = ms.setups(m1, m5)
    return m1, m5, swings, breaks, setups


@pytest.fixture(scope="module")
def fig(frames):
    m1, m5, swings, breaks, setups = frames
    return ms.plot(m1, m5, setups, swings=swings, breaks=breaks, last_days=math.inf)


def trace(figure, name):
    found = [t for t in figure.data if t.name == name]
    assert len(found) == 1, f"{len(found)} traces named {name!r}"
    return found[0]


def naive(values):
    """UTC times as naive numpy datetime64[ns] (what the chart's x axis holds)."""
    index = pd.DatetimeIndex(values)
    return index.tz_convert("UTC").tz_localize(None).as_unit("ns").to_numpy()


def xs(t):
    return pd.DatetimeIndex([pd.NaT if v is None else pd.Timestamp(v) for v in t.x]).as_unit("ns")


def segments(t):
    """(x0, x1, y0, y1) of a segment trace: points in threes separated by None."""
    x, y = list(t.x), list(t.y)
    assert len(x) % 3 == 0
    assert x[2::3] == [None] * (len(x) // 3)
    assert y[2::3] == [None] * (len(y) // 3)
    to = lambda v: pd.DatetimeIndex([pd.Timestamp(a) for a in v]).as_unit("ns").to_numpy()  # noqa: E731
    return to(x[0::3]), to(x[1::3]), np.array(y[0::3], float), np.array(y[1::3], float)


def test_trace_names_are_stable(fig):
    assert [t.name for t in fig.data] == NAMES
    assert isinstance(fig.data[0], go.Candlestick)
    assert fig.layout.xaxis.rangeslider.visible is False


def test_candles_are_the_m5_input(fig, frames):
    _, m5, *_ = frames
    c = trace(fig, "M5 bars")
    np.testing.assert_array_equal(np.asarray(c.x, "datetime64[ns]"), naive(m5.index))
    for col in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(np.asarray(getattr(c, col)), m5[col].to_numpy())


def test_swings_sit_at_their_bar_and_level_and_replaced_ones_are_hollow(fig, frames):
    swings = frames[2]
    kinds = swings["kind"].astype(str)
    replaced = {(k, i) for k, i in zip(kinds, swings["supersedes"], strict=True) if i >= 0}
    assert replaced, "the market should have at least one replaced swing"
    for kind in ("high", "low"):
        rows = swings[swings["kind"] == kind]
        t = trace(fig, f"swing {kind}")
        np.testing.assert_array_equal(np.asarray(t.x, "datetime64[ns]"), naive(rows["time"]))
        np.testing.assert_array_equal(np.asarray(t.y), rows["level"].to_numpy())
        hollow = [s.endswith("-open") for s in t.marker.symbol]
        assert hollow == [(kind, int(i)) in replaced for i in rows["index"]]


@pytest.mark.parametrize("kind", ["BOS", "CHoCH"])
def test_broken_levels_run_from_the_swing_to_the_break_bar(fig, frames, kind):
    breaks = frames[3]
    rows = breaks[breaks["kind"] == kind]
    assert len(rows) > 0
    x0, x1, y0, y1 = segments(trace(fig, kind))
    np.testing.assert_array_equal(x0, naive(rows["swing_time"]))
    np.testing.assert_array_equal(x1, naive(rows["time"]))
    np.testing.assert_array_equal(y0, rows["level"].to_numpy())
    np.testing.assert_array_equal(y1, rows["level"].to_numpy())
    marks = trace(fig, f"{kind} break")
    assert len(marks.x) == len(rows)
    np.testing.assert_array_equal(np.asarray(marks.x, "datetime64[ns]"), naive(rows["time"]))
    arrows = ["↑" if d > 0 else "↓" for d in rows["direction"]]
    assert list(marks.text) == [f"{kind}{a}" for a in arrows]


def test_every_setup_has_one_status_marker_at_known_at_and_level(fig, frames):
    setups = frames[4]
    assert set(setups["status"].astype(str)) >= {"confirmed", "invalidated"}
    total = 0
    for status, color in STATUS_COLORS.items():
        rows = setups[setups["status"] == status]
        t = trace(fig, f"setup: {status}")
        np.testing.assert_array_equal(np.asarray(t.x, "datetime64[ns]"), naive(rows["known_at"]))
        np.testing.assert_array_equal(np.asarray(t.y), rows["level"].to_numpy())
        assert t.marker.color == color
        for text, row in zip(t.text, rows.itertuples(), strict=True):
            assert f"confidence {row.confidence:.2f}" in text or status != "confirmed"
            assert f"{row.level:.5f}" in text
            assert f"<b>{status}</b>" in text
        total += len(rows)
    assert total == len(setups)


def test_touch_and_confirmation_markers_sit_on_the_m1_bars(fig, frames):
    m1, *_, setups = frames
    touched = setups[setups["touch_time"].notna()]
    t = trace(fig, "touch")
    np.testing.assert_array_equal(np.asarray(t.x, "datetime64[ns]"), naive(touched["touch_time"]))
    at = pd.DatetimeIndex(touched["touch_time"])
    extreme = np.where(touched["direction"] > 0, m1["low"].reindex(at), m1["high"].reindex(at))
    np.testing.assert_array_equal(np.asarray(t.y), extreme)
    buys = touched["direction"].to_numpy() > 0
    level = touched["level"].to_numpy()
    tol = 0.8 * 0.0001 + 1e-12  # SPEC retest tolerance: a touch comes within it of the level
    assert np.all(np.asarray(t.y)[buys] <= level[buys] + tol)
    assert np.all(np.asarray(t.y)[~buys] >= level[~buys] - tol)
    assert list(t.marker.color) == [STATUS_COLORS[s] for s in touched["status"].astype(str)]

    confirmed = setups[setups["confirm_time"].notna()]
    c = trace(fig, "confirmation")
    at = pd.DatetimeIndex(confirmed["confirm_time"])
    np.testing.assert_array_equal(np.asarray(c.x, "datetime64[ns]"), naive(at))
    np.testing.assert_array_equal(np.asarray(c.y), m1["close"].reindex(at).to_numpy())


def test_entry_stop_target_segments_and_zones_match_the_setups(fig, frames):
    setups = frames[4]
    rows = setups[setups["entry"].notna()]
    assert len(rows) > 0
    start = naive(rows["entry_time"])
    stop_at = start + np.timedelta64(SETUP_MINUTES, "m")
    for name in ("entry", "stop", "target"):
        x0, x1, y0, y1 = segments(trace(fig, name))
        np.testing.assert_array_equal(x0, start)
        np.testing.assert_array_equal(x1, stop_at)
        np.testing.assert_array_equal(y0, rows[name].to_numpy())
        np.testing.assert_array_equal(y1, rows[name].to_numpy())
    for name, other in (("risk", "stop"), ("reward", "target")):
        t = trace(fig, name)
        assert t.fill == "toself"
        x, y = list(t.x), list(t.y)
        assert len(x) == 6 * len(rows)
        corners = np.array(y, dtype=object).reshape(-1, 6)
        np.testing.assert_array_equal(corners[:, 0].astype(float), rows["entry"].to_numpy())
        np.testing.assert_array_equal(corners[:, 2].astype(float), rows[other].to_numpy())
        left = pd.DatetimeIndex([pd.Timestamp(v) for v in x[0::6]]).as_unit("ns").to_numpy()
        np.testing.assert_array_equal(left, start)


def test_planted_episodes_appear_with_the_generators_times_and_prices(fig, mkt):
    ep = mkt.episodes
    assert len(ep) == 4
    star = trace(fig, "setup: confirmed")
    times = pd.DatetimeIndex(np.asarray(star.x, "datetime64[ns]"))
    points = set(zip(times, star.y, strict=True))
    x0, _, entry, _ = segments(trace(fig, "entry"))
    _, _, stop, _ = segments(trace(fig, "stop"))
    _, _, target, _ = segments(trace(fig, "target"))
    for row in ep.itertuples():
        assert (row.known_at.tz_localize(None), row.level) in points
        i = np.flatnonzero(x0 == naive([row.entry_time])[0])
        assert len(i) == 1
        assert entry[i[0]] == pytest.approx(row.entry, abs=1e-9)
        assert stop[i[0]] == pytest.approx(row.stop, abs=1e-9)
        assert target[i[0]] == pytest.approx(row.target, abs=1e-9)


def test_write_html_holds_the_plotly_div_and_the_data(fig, tmp_path, frames):
    setups = frames[4]
    offline = tmp_path / "offline.html"
    cdn = tmp_path / "cdn.html"
    fig.write_html(offline, include_plotlyjs=True)
    fig.write_html(cdn, include_plotlyjs="cdn")
    for path in (offline, cdn):
        html = path.read_text(encoding="utf-8")
        assert 'class="plotly-graph-div"' in html
        assert "Plotly.newPlot" in html
        assert '"name":"setup: confirmed"' in html
        assert '"name":"M5 bars"' in html
    assert "cdn.plot.ly" in cdn.read_text(encoding="utf-8")
    # the offline file carries plotly.js itself: it is much larger and loads no script
    assert offline.stat().st_size > 1_000_000 > cdn.stat().st_size
    assert "<script src=" not in offline.read_text(encoding="utf-8")
    assert len(setups) > 0


@pytest.mark.parametrize("empty", ["rows", "frame"])
def test_empty_setups_give_a_valid_figure(frames, empty):
    m1, m5, swings, breaks, setups = frames
    none = setups.iloc[:0] if empty == "rows" else pd.DataFrame()
    figure = ms.plot(m1, m5, none, swings=swings, breaks=breaks, last_days=math.inf)
    assert [t.name for t in figure.data] == NAMES
    for name in NAMES[7:]:
        t = trace(figure, name)
        assert len(t.x) == 0
        assert t.showlegend is False
    assert len(trace(figure, "swing high").x) == (swings["kind"] == "high").sum()
    np.testing.assert_array_equal(np.asarray(trace(figure, "M5 bars").close), m5["close"])
    go.Figure(json.loads(figure.to_json()))  # round-trips through plotly's validation


def test_defaults_compute_m5_structure_and_setups(fig, frames):
    m1 = frames[0]
    auto = ms.plot(m1, None, None, last_days=math.inf)
    got, want = json.loads(auto.to_json())["data"], json.loads(fig.to_json())["data"]
    assert [t["name"] for t in got] == NAMES
    for a, b in zip(got, want, strict=True):
        assert a == b, a["name"]


def test_default_window_is_the_last_days_of_candles(frames):
    m1, m5, swings, breaks, setups = frames
    figure = ms.plot(m1, m5, setups, swings=swings, breaks=breaks, last_days=1)
    x = np.asarray(trace(figure, "M5 bars").x, "datetime64[ns]")
    np.testing.assert_array_equal(x, naive(m5.index[-288:]))
    w0 = m5.index[-288]
    late = swings[swings["time"] >= w0]
    assert len(trace(figure, "swing high").x) + len(trace(figure, "swing low").x) == len(late)
    shown = setups[setups["entry_time"].fillna(setups["known_at"]) >= w0]
    stars = sum(len(trace(figure, f"setup: {s}").x) for s in STATUS_COLORS)
    assert stars == len(shown)


def test_m1_candles_for_a_zoomed_window(frames, mkt):
    m1, m5, swings, breaks, setups = frames
    ep = mkt.episodes.iloc[1]
    figure = ms.plot(
        m1, m5, setups, swings=swings, breaks=breaks, candles="M1",
        start=ep.window_start, end=ep.window_end,
    )  # fmt: skip
    c = trace(figure, "M1 bars")
    inside = m1.loc[ep.window_start : ep.window_end]
    np.testing.assert_array_equal(np.asarray(c.x, "datetime64[ns]"), naive(inside.index))
    np.testing.assert_array_equal(np.asarray(c.low), inside["low"].to_numpy())
    star = trace(figure, "setup: confirmed")
    assert naive([ep.known_at])[0] in np.asarray(star.x, "datetime64[ns]")
    assert np.all(np.asarray(star.x, "datetime64[ns]") <= naive([ep.window_end])[0])


def test_long_windows_get_coarser_candles(frames):
    m1, m5, swings, breaks, setups = frames
    figure = ms.plot(
        m1, m5, setups, swings=swings, breaks=breaks, last_days=math.inf, max_candles=300
    )
    c = figure.data[0]
    m15 = resample(m5, "M15")
    assert c.name == "M15 bars (from M5)"
    assert len(m15) <= 300 < len(m5)
    np.testing.assert_array_equal(np.asarray(c.x, "datetime64[ns]"), naive(m15.index))
    for col in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(np.asarray(getattr(c, col)), m15[col].to_numpy())


def test_weekend_is_cut_out_of_the_time_axis():
    m = market("EURUSD", "2024-03-07", days=4, seed=2)  # Thursday to Monday
    m5 = resample(m.bars, "M5", drop_incomplete=True)
    figure = ms.plot(None, m5, pd.DataFrame(), last_days=math.inf)
    t = m5.index
    gap = np.flatnonzero(np.diff(t.asi8) > 3_600_000_000_000)
    assert len(gap) == 1  # the weekend
    (rb,) = figure.layout.xaxis.rangebreaks
    friday_close = t[gap[0]] + pd.Timedelta(minutes=5)
    assert pd.Timestamp(rb.bounds[0]) == friday_close.tz_localize(None)
    assert pd.Timestamp(rb.bounds[1]) == t[gap[0] + 1].tz_localize(None)
    assert friday_close.day_name() == "Friday"


def test_bad_arguments_are_refused_with_a_fix(frames):
    m1, m5, swings, breaks, setups = frames
    with pytest.raises(ValueError, match="candles='M1' needs the m1 frame"):
        ms.plot(None, m5, setups, swings=swings, breaks=breaks, candles="M1")
    with pytest.raises(ValueError, match=r"lacks columns \['entry'"):
        ms.plot(m1, m5, setups.drop(columns=["entry"]), swings=swings, breaks=breaks)
    with pytest.raises(ValueError, match="no M5 bar between"):
        ms.plot(m1, m5, setups, swings=swings, breaks=breaks, start="2020-01-01", end="2020-01-02")
    with pytest.raises(ValueError, match="give m1"):
        ms.plot(None, None, setups)
    unnamed = m5.copy()
    unnamed.attrs["symbol"] = None
    with pytest.raises(ValueError, match="spec='EURUSD'"):
        ms.plot(None, unnamed, pd.DataFrame())


def test_import_structure_does_not_load_plotly():
    code = "import sys, mikrobot.structure; print('plotly' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"


def test_end_alone_shows_the_last_days_before_it(frames):
    m1, m5, swings, breaks, setups = frames
    end = m5.index[500]
    figure = ms.plot(m1, m5, setups, swings=swings, breaks=breaks, end=end, last_days=0.5)
    x = np.asarray(trace(figure, "M5 bars").x, "datetime64[ns]")
    np.testing.assert_array_equal(x, naive(m5.index[501 - 144 : 501]))

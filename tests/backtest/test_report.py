"""Report figures hold the result's data; write_report writes one self-contained HTML file."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mikrobot.backtest import BacktestParams, report
from mikrobot.backtest.driver import run_setups
from mikrobot.data.synthetic import market
from mikrobot.risk.params import PropFirmParams
from mikrobot.strategy.params import (
    EvaluationParams,
    NewsCheck,
    SessionsCheck,
    SpreadCheck,
    VolatilityCheck,
)
from mikrobot.structure.api import setups as find_setups

#: an evaluation that lets most setups trade (sessions, news and volatility off)
LOOSE = EvaluationParams(
    sessions=SessionsCheck(enabled=False),
    news=NewsCheck(enabled=False),
    volatility=VolatilityCheck(enabled=False),
    spread=SpreadCheck(max_fraction_of_stop=1.0),
)


@pytest.fixture(scope="module")
def run():
    """About three months of synthetic EURUSD with planted setups, backtested under the
    2-Step challenge rules with a wide loss limit (so the run lasts)."""
    m = market("EURUSD", "2024-01-01", days=92, seed=11, episodes=40)
    setups = find_setups(m.bars, None, m.spec)
    rules = PropFirmParams.from_preset("ftmo-2step-challenge", daily_loss=0.5, max_loss=0.6)
    params = BacktestParams(prop_firm=rules)
    result = run_setups(
        m.bars, setups, spec=m.spec, params=params, evaluation=LOOSE, config_hash="cafe0123"
    )
    assert len(result.trades) >= 20, "the fixture needs trades of both kinds"
    assert (result.trades["pnl"] > 0).any()
    assert (result.trades["pnl"] <= 0).any()
    assert len(result.rejections) > 0
    return m.bars, setups, result


def trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"{name!r}: {[t.name for t in fig.data]}"
    return found[0]


def times(values) -> pd.DatetimeIndex:
    """Chart x values (naive UTC strings or datetimes) as UTC times."""
    return pd.DatetimeIndex(pd.to_datetime(list(values))).tz_localize("UTC")


def points(tr, k: int) -> list:
    """Every 3rd point of a segment trace starting at ``k`` (0 = entries, 1 = exits)."""
    return list(tr.x[k::3]), list(tr.y[k::3])


# ---------------------------------------------------------------------------- price
def test_whole_run_price_figure_marks_every_trade(run):
    _, _, result = run
    fig = report.price_figure(result, structure=False)
    t = result.trades
    for side in ("long", "short"):
        rows = t[t["side"] == side]
        tr = trace(fig, f"{side} entry")
        assert times(tr.x).equals(pd.DatetimeIndex(rows["entry_time"]))
        np.testing.assert_array_equal(tr.y, rows["entry_price"].to_numpy())
    for name, sel in (("winning trade", t["pnl"] > 0), ("losing trade", t["pnl"] <= 0)):
        rows = t[sel.to_numpy()]
        tr = trace(fig, name)
        assert len(tr.x) == 3 * len(rows)
        x0, y0 = points(tr, 0)
        x1, y1 = points(tr, 1)
        assert times(x0).equals(pd.DatetimeIndex(rows["entry_time"]))
        assert times(x1).equals(pd.DatetimeIndex(rows["exit_time"]))
        np.testing.assert_array_equal(y0, rows["entry_price"].to_numpy())
        np.testing.assert_array_equal(y1, rows["exit_price"].to_numpy())
        assert list(tr.x[2::3]) == [None] * len(rows)
    for name, column in (("trade stop", "stop"), ("trade target", "target")):
        tr = trace(fig, name)
        x0, y0 = points(tr, 0)
        x1, y1 = points(tr, 1)
        np.testing.assert_array_equal(y0, t[column].to_numpy())
        np.testing.assert_array_equal(y1, t[column].to_numpy())
        assert times(x1).equals(pd.DatetimeIndex(t["exit_time"]))


def test_whole_run_candles_are_the_bars_resampled(run):
    bars, _, result = run
    fig = report.price_figure(result, structure=False, max_candles=2_000)
    candles = fig.data[0]
    assert candles.name == "H1 candles (from M1)"  # M30 would need more than 2,000
    # independent: pandas resampling of the M1 bars into hours (bins without bars dropped)
    hourly = bars.resample("1h").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last"}
    )
    hourly = hourly.dropna()
    assert times(candles.x).equals(hourly.index)
    for column in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(candles, column), hourly[column].to_numpy())


def test_small_windows_draw_m1_candles_and_only_their_trades(run):
    bars, _, result = run
    t = result.trades
    k = len(t) // 2
    start = t["entry_time"].iloc[k] - pd.Timedelta(minutes=30)
    end = t["exit_time"].iloc[k] + pd.Timedelta(minutes=30)
    fig = report.price_figure(result, structure=False, start=start, end=end)
    candles = fig.data[0]
    inside = bars.loc[(bars.index >= start) & (bars.index <= end)]
    assert candles.name == "M1 candles (from M1)"
    np.testing.assert_array_equal(candles.close, inside["close"].to_numpy())
    drawn = times(trace(fig, "long entry").x).append(times(trace(fig, "short entry").x))
    w0, w1 = inside.index[0], inside.index[-1] + pd.Timedelta(minutes=1)
    overlapping = t[(t["entry_time"] <= w1) & (t["exit_time"] >= w0)]
    assert sorted(drawn) == sorted(overlapping["entry_time"])
    assert t["entry_time"].iloc[k] in drawn


def test_structure_price_figure_adds_trades_to_the_structure_chart(run):
    bars, setups, result = run
    fig = report.price_figure(result, bars, setups, last_days=10)
    names = {tr.name for tr in fig.data}
    assert {"M5 bars", "swing high", "BOS", "setup: confirmed"} <= names
    w0, w1 = (pd.Timestamp(v).tz_localize("UTC") for v in fig.layout.xaxis.range)
    t = result.trades
    inside = t[(t["entry_time"] <= w1) & (t["exit_time"] >= w0)]
    assert len(inside) > 0
    drawn = times(points(trace(fig, "winning trade"), 0)[0]).append(
        times(points(trace(fig, "losing trade"), 0)[0])
    )
    assert sorted(drawn) == sorted(inside["entry_time"])
    # the default window ends at the last trade's exit (plus an hour at most)
    assert w1 >= t["exit_time"].max()
    assert w1 <= t["exit_time"].max() + pd.Timedelta(hours=2)


# ---------------------------------------------------------------------------- equity
def test_equity_figure_draws_the_curves_exactly_when_small(run):
    _, _, result = run
    fig = report.equity_figure(result, max_points=10**7)
    eq, dd = trace(fig, "equity"), trace(fig, "drawdown")
    np.testing.assert_array_equal(eq.y, result.equity.to_numpy())
    np.testing.assert_array_equal(dd.y, result.drawdown.to_numpy())
    assert times(eq.x).equals(result.equity.index)


def test_decimated_equity_keeps_the_extremes(run):
    _, _, result = run
    fig = report.equity_figure(result, max_points=500)
    eq, dd = trace(fig, "equity"), trace(fig, "drawdown")
    curve = result.equity
    assert len(eq.y) <= 502
    assert eq.y[0] == curve.iloc[0]
    assert eq.y[-1] == curve.iloc[-1]
    assert max(eq.y) == curve.max()
    assert min(eq.y) == curve.min()
    assert min(dd.y) == result.drawdown.min()
    # every drawn point is a real point of the curve, at its own time
    index = times(eq.x)
    np.testing.assert_array_equal(eq.y, curve.reindex(index).to_numpy())
    assert "M1 points" in fig.layout.title.text


def test_floors_follow_the_midnight_balance(run):
    _, _, result = run
    rules = result.params.prop_firm
    initial = result.initial_balance
    fig = report.equity_figure(result)
    daily = trace(fig, "daily loss floor")
    overall = trace(fig, "max loss floor")
    target = trace(fig, "profit target")
    # independent: Prague days from pandas; midnight balance from the trades closed before
    # the day's first bar, minus the entry half of the commission of trades still open
    t = result.trades
    index = result.equity.index
    day = index.tz_convert("Europe/Prague").normalize()
    firsts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    half = result.params.sizing.commission_per_lot * t["volume"] / 2
    expected = []
    for f in firsts:
        closed = t.loc[t["exit_bar"] < f, "pnl"].sum()
        still_open = half[(t["entry_bar"] < f) & (t["exit_bar"] >= f)].sum()
        midnight = initial if f == 0 else initial + closed - still_open
        expected.append(midnight - rules.daily_loss * initial)
    np.testing.assert_allclose(daily.y[:-1], expected, rtol=0, atol=1e-6)
    assert times(daily.x[:-1]).equals(index[firsts])
    assert daily.y[-1] == daily.y[-2]
    assert set(overall.y) == {initial * (1 - rules.max_loss)}
    assert set(target.y) == {initial * (1 + rules.profit_target)}


def test_trailing_floor_only_rises_and_follows_the_best_midnight(run):
    _, _, base = run
    rules = PropFirmParams.from_preset("ftmo-1step", daily_loss=0.5, max_loss=0.6)
    result = dataclasses.replace(base, params=base.params.model_copy(update={"prop_firm": rules}))
    fl = report.floors(result)
    initial = result.initial_balance
    best = np.maximum.accumulate(np.maximum(fl["midnight"].to_numpy(), initial))
    np.testing.assert_allclose(fl["overall"], best - rules.max_loss * initial)
    assert np.all(np.diff(fl["overall"]) >= 0)


def test_a_breach_is_marked_where_the_run_ended():
    from mikrobot.backtest import run_signals

    m = market("EURUSD", "2024-03-04", days=10, seed=5)
    entries = np.zeros(len(m.bars), bool)
    entries[100::400] = True
    # 20 lots with a 60-pip stop: one stop loses about 12 % of the balance
    result = run_signals(
        m.bars, entries, sl=0.0060, tp=0.0060, size=20.0, spec=m.spec, params=BacktestParams()
    )
    assert result.breached
    fig = report.equity_figure(result)
    mark = trace(fig, "breach")
    assert times(mark.x)[0] == result.breach_time
    assert mark.y[0] == result.equity.iloc[-1]
    assert "failed" in mark.text[0]
    assert result.equity.index[-1] == result.breach_time


# ---------------------------------------------------------------------------- R, months, refusals
def test_r_distribution_holds_every_trades_r(run):
    _, _, result = run
    fig = report.r_distribution_figure(result)
    t = result.trades
    wins, losses = trace(fig, "winning trades"), trace(fig, "losing trades")
    np.testing.assert_array_equal(np.sort(wins.x), np.sort(t.loc[t["pnl"] > 0, "r"]))
    np.testing.assert_array_equal(np.sort(losses.x), np.sort(t.loc[t["pnl"] <= 0, "r"]))
    assert wins.xbins.size == losses.xbins.size == 0.25
    assert wins.xbins.start <= t["r"].min()


def test_monthly_heatmap_equals_pandas_month_ends(run):
    _, _, result = run
    fig = report.monthly_returns_figure(result)
    heat = fig.data[0]
    # independent: the equity at each UTC month's last bar, differenced from the initial
    ends = result.equity.resample("MS").last().dropna()
    previous = np.r_[result.initial_balance, ends.to_numpy()[:-1]]
    pnl = ends.to_numpy() - previous
    assert len(ends) >= 3
    money = np.asarray(heat.customdata, dtype=float)
    z = np.asarray(heat.z, dtype=float)
    for (stamp, value), before in zip(ends.items(), previous, strict=True):
        row = next(k for k, label in enumerate(heat.y) if label.startswith(str(stamp.year)))
        got = money[row, stamp.month - 1]
        assert got == pytest.approx(value - before, abs=1e-6)
        assert z[row, stamp.month - 1] == pytest.approx((value / before - 1) * 100)
    assert np.nansum(money) == pytest.approx(pnl.sum(), abs=1e-6)
    assert np.nansum(money) == pytest.approx(result.equity.iloc[-1] - result.initial_balance)
    assert np.isfinite(money).sum() == len(ends)


def test_rejection_bars_equal_the_counts(run):
    _, _, result = run
    fig = report.rejections_figure(result)
    bars = trace(fig, "refusals")
    assert dict(zip(bars.y, bars.x, strict=True)) == dict(result.rejections)
    assert list(bars.x) == sorted(bars.x, reverse=True)


# ---------------------------------------------------------------------------- the HTML file
def test_write_report_writes_one_self_contained_file(run, tmp_path):
    from plotly.offline import get_plotlyjs

    bars, setups, result = run
    path = report.write_report(
        result, tmp_path / "sub" / "r.html", bars=bars, setups=setups, info={"data": "synthetic"}
    )
    assert path == tmp_path / "sub" / "r.html"
    assert [p.name for p in path.parent.iterdir()] == ["r.html"]  # no temporary file left
    text = path.read_text(encoding="utf-8")
    assert text.count(get_plotlyjs()[:4000]) == 1  # plotly.js embedded once
    assert "<script src=" not in text  # nothing fetched from a CDN
    divs = re.findall(r'<div id="(mikrobot-fig-\d)"', text)
    assert divs == [f"mikrobot-fig-{k}" for k in range(6)]
    assert text.count("Plotly.newPlot(") == 6
    assert "cafe0123" in text
    assert f"prop-firm verdict: {result.stats.verdict}" in text
    assert "ftmo-2step-challenge" in text
    assert "synthetic" in text
    assert path.stat().st_size < 8_000_000


def test_stats_rows_show_the_stats(run):
    from mikrobot.backtest.table import format_table, stats_rows

    _, _, result = run
    rows = dict(stats_rows(result))
    s = result.stats
    assert rows["trades"] == f"{s.trade_count:,}"
    assert rows["config hash"] == "cafe0123"
    assert rows["net result"].startswith(f"{s.net_result:,.2f}")
    assert rows["prop-firm verdict"].startswith(s.verdict)
    assert len(format_table(stats_rows(result)).splitlines()) == len(rows)


# ---------------------------------------------------------------------------- decimation
@given(
    arrays(np.float64, st.integers(1, 3_000), elements=st.floats(-1e6, 1e6)),
    st.integers(4, 800),
)
def test_decimation_keeps_ends_and_extremes(curve, max_points):
    other = np.cumsum(curve)
    keep = report.decimate_indices(max_points, curve, other)
    assert np.all(np.diff(keep) > 0)
    assert keep[0] == 0
    assert keep[-1] == curve.size - 1
    if curve.size <= max_points:
        assert keep.size == curve.size
    else:
        assert keep.size <= max_points + 2
    for c in (curve, other):
        assert c[keep].max() == c.max()
        assert c[keep].min() == c.min()


def test_report_module_does_not_import_plotly_until_drawing():
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = (
        "import sys, mikrobot.backtest.report, mikrobot.backtest.table; "
        "print('plotly' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert out.stdout.strip() == "False"


def test_bad_arguments_are_refused(run):
    _, _, result = run
    with pytest.raises(ValueError, match="bin_size"):
        report.r_distribution_figure(result, bin_size=0)
    with pytest.raises(ValueError, match="no bar between"):
        report.price_figure(result, structure=False, start="2030-01-01")
    assert math.isfinite(result.stats.net_result)

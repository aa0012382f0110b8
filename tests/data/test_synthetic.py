"""The synthetic market: determinism, the canonical frame, market hours, sessions, volatility,
regimes, the benchmark random walk, and planted BOS + retest episodes checked against a
SPEC-exact oracle (tests/data/bos_oracle.py)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mikrobot.core.errors import ConfigError
from mikrobot.core.instruments import DEFAULT_SPECS, SymbolRegistry
from mikrobot.core.sessions import (
    DEFAULT_SESSIONS,
    SessionWindow,
    market_closed,
    session_label,
    utc_offset_ns,
)
from mikrobot.data.frame import check_canonical
from mikrobot.data.synthetic import (
    EPISODE_COLUMNS,
    EpisodeParams,
    MarketParams,
    default_params,
    market,
    random_walk,
)
from mikrobot.data.synthetic.calendar import block_minutes, minute_calendar, session_code
from tests.data.bos_oracle import find_setups

REPO = Path(__file__).resolve().parents[2]
MIN = pd.Timedelta(minutes=1)
FLAT_SESSIONS = {"session_vol": (1.0, 1.0, 1.0, 1.0, 1.0), "rollover_vol": 1.0}
EPISODE_SYMBOLS = ("EURUSD", "USDJPY", "XAUUSD", "NAS100")


def log_returns(bars: pd.DataFrame) -> np.ndarray:
    return np.diff(np.log(bars["close"].to_numpy()))


def abs_return_acf(r: np.ndarray, lag: int) -> float:
    a = np.abs(r) - np.abs(r).mean()
    return float(np.dot(a[:-lag], a[lag:]) / np.dot(a, a))


def frame_digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256(frame.index.asi8.tobytes())
    for name in frame.columns:
        h.update(frame[name].to_numpy().tobytes())
    return h.hexdigest()


# ---------------------------------------------------------------- determinism and the frame
def test_same_seed_same_market_and_different_seed_different_market() -> None:
    a = market("EURUSD", "2024-03-04", days=3, seed=7, episodes=2)
    b = market("EURUSD", "2024-03-04", days=3, seed=7, episodes=2)
    c = market("EURUSD", "2024-03-04", days=3, seed=8, episodes=2)
    pd.testing.assert_frame_equal(a.bars, b.bars)
    pd.testing.assert_frame_equal(a.episodes, b.episodes)
    assert a.bars.attrs == b.bars.attrs
    assert not np.array_equal(a.bars["close"].to_numpy(), c.bars["close"].to_numpy())
    assert not a.episodes["window_start"].equals(c.episodes["window_start"])


def test_same_seed_same_market_in_another_process() -> None:
    code = (
        "import hashlib\n"
        "from mikrobot.data.synthetic import market\n"
        "f = market('XAUUSD', '2024-03-04', days=2, seed=11, episodes=1).bars\n"
        "h = hashlib.sha256(f.index.asi8.tobytes())\n"
        "[h.update(f[c].to_numpy().tobytes()) for c in f.columns]\n"
        "print(h.hexdigest())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    here = market("XAUUSD", "2024-03-04", days=2, seed=11, episodes=1).bars
    assert out.stdout.strip() == frame_digest(here)


@pytest.mark.parametrize("symbol", ["EURUSD", "USDJPY", "XAUUSD", "NAS100", "BTCUSD", "US30"])
def test_bars_are_canonical_m1_with_spread_and_volume(symbol: str) -> None:
    m = market(symbol, "2024-05-06", days=2, seed=1)
    bars = m.bars
    check_canonical(bars)
    assert list(bars.columns) == ["open", "high", "low", "close", "tick_volume", "spread"]
    assert bars.attrs["symbol"] == symbol
    assert bars.attrs["timeframe"] == "M1"
    assert bars.attrs["source"] == "synthetic"
    assert bars.index.is_monotonic_increasing
    assert bars.index.is_unique
    assert (bars.index.asi8 % 60_000_000_000 == 0).all()
    assert (bars["spread"] >= 1).all()
    assert (bars["tick_volume"] >= 1).all()
    assert len(m.regime) == len(bars)
    assert m.regime.index.equals(bars.index)


@pytest.mark.parametrize("symbol", ["EURUSD", "USDJPY", "XAUUSD", "NAS100", "BTCUSD"])
def test_ohlc_consistent_and_on_the_symbols_price_grid(symbol: str) -> None:
    m = market(symbol, "2024-01-08", days=10, seed=3, episodes=3)
    b, spec = m.bars, m.spec
    assert (b["low"] <= b[["open", "close"]].min(axis=1)).all()
    assert (b["high"] >= b[["open", "close"]].max(axis=1)).all()
    for name in ("open", "high", "low", "close"):
        values = b[name].to_numpy()
        assert np.array_equal(values, np.round(values, spec.digits)), name
        assert (values > 0).all()


def test_price_level_and_volatility_follow_the_symbol_table() -> None:
    for symbol, level, vol in (("EURUSD", 1.08, 0.00012), ("XAUUSD", 2300.0, 0.35)):
        m = market(symbol, "2024-06-03", days=5, seed=2, params=FLAT_SESSIONS)
        assert m.bars["open"].iloc[0] == pytest.approx(level, rel=1e-3)
        moves = np.diff(m.bars["close"].to_numpy())
        # sd with the log-vol process normalised to a mean variance of vol**2 (+ trends)
        assert np.std(moves) == pytest.approx(vol, rel=0.25)


def test_params_override_and_unknown_field() -> None:
    base = market("EURUSD", "2024-06-03", days=3, seed=2, params=FLAT_SESSIONS)
    wild = market("EURUSD", "2024-06-03", days=3, seed=2, params={**FLAT_SESSIONS, "vol": 0.0006})
    assert np.std(log_returns(wild.bars)) > 3 * np.std(log_returns(base.bars))
    with pytest.raises(ConfigError, match="volatility"):
        market("EURUSD", "2024-06-03", days=1, params={"volatility": 1.0})
    assert default_params(DEFAULT_SPECS["USDJPY"]).price == 150.0


def test_symbol_without_table_entry_uses_the_asset_class_fallback() -> None:
    spec = SymbolRegistry().with_overrides({"NZDJPY": {"typical_spread": 30.0}})["NZDJPY"]
    m = market(spec, "2024-06-03", days=1, seed=0)
    assert m.bars["open"].iloc[0] == pytest.approx(150.0, rel=1e-3)
    assert default_params(spec) == MarketParams(price=150.0, vol=150.0 * 1e-4)


def test_span_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        market("EURUSD", "2024-06-03")
    with pytest.raises(ConfigError, match="exactly one"):
        market("EURUSD", "2024-06-03", days=1, end="2024-06-05")
    with pytest.raises(ConfigError, match="after start"):
        market("EURUSD", "2024-06-03", end="2024-06-01")
    m = market("EURUSD", "2024-06-03 10:00", end="2024-06-03 12:00")
    assert len(m.bars) == 120
    assert m.bars.index[0] == pd.Timestamp("2024-06-03 10:00", tz="UTC")


# ---------------------------------------------------------------- market hours
@pytest.mark.parametrize(
    ("symbol", "start", "end"),
    [
        ("EURUSD", "2024-03-06", "2024-03-15"),  # US DST starts 10 Mar
        ("EURUSD", "2024-10-30", "2024-11-06"),  # EU ended 27 Oct, US ends 3 Nov
        ("XAUUSD", "2024-03-06", "2024-03-15"),  # daily 17:00-18:00 NY break
        ("NAS100", "2024-10-30", "2024-11-06"),
        ("BTCUSD", "2024-03-08", "2024-03-12"),  # 24/7
    ],
)
def test_bars_exactly_on_open_minutes(symbol: str, start: str, end: str) -> None:
    m = market(symbol, start, end=end, seed=5, episodes=2)
    grid = pd.date_range(start, end, freq="1min", inclusive="left", tz="UTC").as_unit("ns").asi8
    open_ = grid[~market_closed(grid, m.spec.asset_class)]
    assert np.array_equal(m.bars.index.asi8, open_)
    windows = m.episodes
    for row in windows.itertuples():
        inside = m.bars.loc[row.window_start : row.window_end - MIN]
        assert len(inside) == (row.window_end - row.window_start) // MIN  # no closed minute


ODD_SESSIONS = (*DEFAULT_SESSIONS[:3], SessionWindow("new_york", "America/New_York", 485, 1005))


@pytest.mark.parametrize(
    ("asset_class", "start", "end", "sessions"),
    [
        ("fx", "2024-03-06 00:07", "2024-03-15 13:52", DEFAULT_SESSIONS),  # US DST 10 Mar
        ("fx", "2024-03-28 23:59", "2024-04-09 00:01", DEFAULT_SESSIONS),  # EU 31 Mar, AU 7 Apr
        ("metal", "2024-10-24 05:03", "2024-11-06 17:31", DEFAULT_SESSIONS),  # EU, US end
        ("index", "2024-10-02 10:10", "2024-10-10 10:10", ODD_SESSIONS),  # AU 6 Oct; 5-min blocks
        ("crypto", "2024-03-08 16:59", "2024-03-12 03:00", ODD_SESSIONS),
        ("fx", "2024-03-08 21:58", "2024-03-08 22:03", DEFAULT_SESSIONS),  # all closed
    ],
)
def test_minute_calendar_equals_asking_every_minute(
    asset_class: str, start: str, end: str, sessions: tuple[SessionWindow, ...]
) -> None:
    """The per-block calendar gives, minute by minute, what the session functions give when
    asked about every single minute (across DST changes, cut blocks and 5-minute sessions)."""
    lo, hi = pd.Timestamp(start, tz="UTC").value, pd.Timestamp(end, tz="UTC").value
    cal = minute_calendar(lo + 17, hi, asset_class, (-5, 10), 15, sessions)
    grid = pd.date_range(start, end, freq="1min", inclusive="left", tz="UTC").as_unit("ns").asi8
    grid = grid[grid >= lo + 17]
    ts = grid[~market_closed(grid, asset_class)]
    assert np.array_equal(cal.ts, ts)
    gaps = np.diff(ts) // 60_000_000_000 - 1
    assert np.array_equal(cal.closed_before, np.concatenate([[0], gaps]) if ts.size else ts)
    assert np.array_equal(cal.codes, session_code(ts, sessions))
    ny = (ts + utc_offset_ns(ts, "America/New_York")) // 60_000_000_000 % 1440
    roll = (ny >= 17 * 60 - 5) & (ny < 17 * 60 + 10)
    for k in np.flatnonzero(cal.closed_before > 0):
        roll[k : k + 15] = True  # the first 15 open minutes after a reopen
    assert np.array_equal(cal.roll, roll)
    assert block_minutes(sessions) == (5 if sessions is ODD_SESSIONS else 15)


def test_weekly_open_gaps_and_continuous_opens_otherwise() -> None:
    m = market("EURUSD", "2024-01-01", days=120, seed=4)
    b = m.bars
    t = b.index.asi8
    reopen = np.flatnonzero(np.diff(t) > 60_000_000_000) + 1
    assert len(reopen) == 17  # one weekly open per weekend
    regular = np.setdiff1d(np.arange(1, len(b)), reopen)
    opens, closes = b["open"].to_numpy(), b["close"].to_numpy()
    assert np.array_equal(opens[regular], closes[regular - 1])
    gaps = np.abs(opens[reopen] - closes[reopen - 1]) / m.spec.pip_size
    assert (gaps > 0).sum() >= 14
    assert 1.0 < np.median(gaps) < 40.0  # a small gap, in pips


# ---------------------------------------------------------------- sessions, spread, volume
def test_spread_and_volatility_by_session() -> None:
    m = market("EURUSD", "2024-01-01", days=60, seed=9)
    b = m.bars
    label = session_label(b.index.asi8)
    spread = b["spread"].to_numpy()
    moves = np.abs(np.diff(b["close"].to_numpy()))
    label_r = label[1:]
    overlap, asia = label == "overlap", label == "asia"
    assert spread[asia].mean() > 1.2 * spread[overlap].mean()
    ny_minute = (b.index.tz_convert("America/New_York").hour * 60).to_numpy() + (
        b.index.tz_convert("America/New_York").minute.to_numpy()
    )
    rollover = (ny_minute >= 17 * 60 - 5) & (ny_minute < 17 * 60 + 10)
    assert rollover.sum() > 100
    assert spread[rollover].mean() > 2.0 * spread[overlap].mean()
    volume = b["tick_volume"].to_numpy()
    assert volume[rollover].mean() < 0.5 * volume[overlap].mean()
    assert volume[overlap].mean() > 1.5 * volume[asia].mean()
    rv_overlap = np.sqrt(np.mean(moves[label_r == "overlap"] ** 2))
    rv_asia = np.sqrt(np.mean(moves[label_r == "asia"] ** 2))
    assert rv_overlap > 1.8 * rv_asia
    # tick volume rises with the bar's range within a session
    rng_ = (b["high"] - b["low"]).to_numpy()[overlap]
    assert np.corrcoef(rng_, volume[overlap])[0, 1] > 0.3


def test_volatility_clusters_beyond_the_session_pattern() -> None:
    flat = market("EURUSD", "2024-01-01", days=60, seed=12, params=FLAT_SESSIONS)
    r = log_returns(flat.bars)
    assert abs_return_acf(r, 1) > 0.05
    assert abs_return_acf(r, 60) > 0.05
    control = market(
        "EURUSD", "2024-01-01", days=60, seed=12, params={**FLAT_SESSIONS, "vol_of_vol": 0.0}
    )
    rc = log_returns(control.bars)
    assert abs(abs_return_acf(rc, 60)) < 0.02


def _variance_ratio(r: np.ndarray, regime: np.ndarray, trending: bool, k: int) -> float:
    """VR(k) = mean squared k-bar return / (k * mean squared 1-bar return) over non-overlapping
    k-blocks lying inside stretches of one regime kind."""
    edges = np.flatnonzero(np.diff(regime) != 0) + 1
    num = den = 0.0
    for s, e in zip(np.r_[0, edges], np.r_[edges, regime.size], strict=True):
        if regime[s] == 2 or (regime[s] != 0) != trending:
            continue
        nb = (e - s) // k
        seg = r[s : s + nb * k]
        num += float((seg.reshape(nb, k).sum(axis=1) ** 2).sum())
        den += float((seg**2).sum())
    return num / den


@pytest.mark.parametrize("seed", [0, 1])
def test_trending_and_ranging_regimes(seed: int) -> None:
    m = market("EURUSD", "2024-01-01", days=120, seed=seed, params=FLAT_SESSIONS)
    r, regime = log_returns(m.bars), m.regime.to_numpy()[1:]
    assert {0, 1, -1} <= set(np.unique(regime))
    assert 0.2 < (regime == 0).mean() < 0.9
    assert _variance_ratio(r, regime, True, 60) > 1.15
    assert _variance_ratio(r, regime, False, 60) < 0.9
    # control: without drift and pull both kinds look like a random walk
    plain = market(
        "EURUSD",
        "2024-01-01",
        days=120,
        seed=seed,
        params={**FLAT_SESSIONS, "trend_drift": 0.0, "mean_reversion": 0.0, "vol_of_vol": 0.0},
    )
    rp, gp = log_returns(plain.bars), plain.regime.to_numpy()[1:]
    assert 0.85 < _variance_ratio(rp, gp, True, 60) < 1.15
    assert 0.85 < _variance_ratio(rp, gp, False, 60) < 1.15


# ---------------------------------------------------------------- the benchmark random walk
def test_random_walk_is_the_standard_input() -> None:
    bars = random_walk()
    check_canonical(bars)
    assert len(bars) == 374_400 == 5 * 24 * 60 * 52
    assert bars.attrs["timeframe"] == "M1"
    assert bars.attrs["source"] == "synthetic"
    assert bars.index[0] == pd.Timestamp("2024-01-01 00:00", tz="UTC")
    assert (bars.index.day_of_week < 5).all()
    assert bars.index.is_monotonic_increasing
    assert bars.index.is_unique
    assert np.unique(bars.index.asi8 // (86_400 * 10**9)).size == 5 * 52
    assert bars["open"].iloc[0] == 1.10
    moves = np.diff(bars["close"].to_numpy())
    assert np.std(moves) == pytest.approx(0.00015, rel=0.01)
    assert abs(np.mean(moves)) < 5 * 0.00015 / np.sqrt(moves.size)
    o, h, lo, c = (bars[k].to_numpy() for k in ("open", "high", "low", "close"))
    assert np.array_equal(o[1:], c[:-1])
    assert (lo <= np.minimum(o, c)).all()
    assert (h >= np.maximum(o, c)).all()
    assert (bars["tick_volume"] > 0).all()
    assert (bars["spread"] == 10).all()
    assert frame_digest(bars) == frame_digest(random_walk())


def test_random_walk_follows_its_documented_formula() -> None:
    n, seed, sigma = 5000, 42, 0.00015
    bars = random_walk(n, seed=seed, start="2024-01-05 23:00")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    w = rng.standard_normal((2, n))
    close = np.round(1.10 + sigma * np.cumsum(z), 5)
    np.testing.assert_array_equal(bars["close"].to_numpy(), close)
    top = np.maximum(bars["open"].to_numpy(), close)
    np.testing.assert_array_equal(
        bars["high"].to_numpy(), np.maximum(np.round(top + 0.5 * sigma * np.abs(w[0]), 5), top)
    )
    # Friday 23:00-23:59, then Monday 00:00
    assert bars.index[59] == pd.Timestamp("2024-01-05 23:59", tz="UTC")
    assert bars.index[60] == pd.Timestamp("2024-01-08 00:00", tz="UTC")


# ---------------------------------------------------------------- planted episodes
def _assert_found(m) -> list:
    spec, ep = m.spec, m.episode_params
    found = find_setups(
        m.bars,
        pip=spec.pip_size,
        point=spec.point,
        left=ep.left,
        right=ep.right,
        threshold=ep.break_threshold,
        tolerance=ep.retest_tolerance,
        invalidation=ep.invalidation,
        window_minutes=ep.retest_window,
        sl_buffer=ep.sl_buffer,
        min_stop=ep.min_stop,
        max_stop=ep.max_stop,
        rr=ep.rr,
    )
    by_confirm = {(s.direction, s.confirm_time): s for s in found}
    for row in m.episodes.itertuples():
        setup = by_confirm.get((row.direction, row.confirm_time))
        assert setup is not None, f"{spec.name}: planted episode not found: {row}"
        assert setup.swing_time == row.swing_time
        assert setup.level == row.level
        assert setup.break_time == row.break_time
        assert setup.touch_time == row.touch_time
        assert setup.entry_time == row.entry_time
        assert setup.entry == pytest.approx(row.entry, abs=spec.point * 1e-6)
        assert setup.stop == pytest.approx(row.stop, abs=spec.point * 1e-6)
        assert setup.target == pytest.approx(row.target, abs=spec.point * 1e-6)
    return found


def _first_exit(m, row) -> str:
    """Which side the price reaches first after the entry (bid for a long's exits, ask for a
    short's), and "both" if one bar spans both."""
    b = m.bars.loc[row.entry_time :]
    ask_add = b["spread"].to_numpy() * m.spec.point
    for hi, lo, add in zip(b["high"].to_numpy(), b["low"].to_numpy(), ask_add, strict=True):
        if row.direction > 0:
            stop, target = lo <= row.stop, hi >= row.target
        else:
            stop, target = hi + add >= row.stop, lo + add <= row.target
        if stop or target:
            return "both" if stop and target else ("stop" if stop else "target")
    return "none"


@pytest.mark.parametrize("symbol", EPISODE_SYMBOLS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_episodes_found_by_spec_oracle(symbol: str, seed: int) -> None:
    m = market(symbol, "2024-03-06", days=6, seed=seed, episodes=6)
    assert len(m.episodes) == 6
    _assert_found(m)
    assert set(m.episodes["direction"]) <= {1, -1}
    for row in m.episodes.itertuples():
        assert _first_exit(m, row) == row.outcome


@given(
    seed=st.integers(0, 2**32 - 1),
    symbol=st.sampled_from(EPISODE_SYMBOLS),
    direction=st.sampled_from(["mix", "long", "short"]),
    outcome=st.sampled_from(["mix", "target", "stop"]),
    vol_scale=st.sampled_from([0.3, 1.0, 4.0]),
)
def test_planted_episodes_found_whatever_the_surrounding_bars(
    seed: int, symbol: str, direction: str, outcome: str, vol_scale: float
) -> None:
    spec = DEFAULT_SPECS[symbol]
    params = {"vol": default_params(spec).vol * vol_scale}
    m = market(
        symbol,
        "2024-06-04",
        days=2,
        seed=seed,
        params=params,
        episodes=3,
        episode_params={"direction": direction, "outcome": outcome},
    )
    _assert_found(m)
    for row in m.episodes.itertuples():
        assert _first_exit(m, row) == row.outcome
        if direction != "mix":
            assert row.direction == (1 if direction == "long" else -1)
        if outcome != "mix":
            assert row.outcome == outcome


@pytest.mark.parametrize(
    "changes",
    [
        {"left": 5, "right": 2},
        {"left": 2, "right": 4, "rr": 1.5},
        {"break_threshold": 2.0, "retest_tolerance": 1.5, "sl_buffer": 1.0},
        {"min_stop": 8.0, "risk_pips": (6.0, 20.0)},
    ],
)
def test_planted_episodes_follow_other_strategy_parameters(changes: dict) -> None:
    m = market("EURUSD", "2024-06-04", days=3, seed=3, episodes=4, episode_params=changes)
    _assert_found(m)


def test_planted_episodes_on_a_four_digit_quote() -> None:
    spec = DEFAULT_SPECS["EURUSD"].with_overrides(
        name="EURUSD4", digits=4, point=0.0001, tick_size=0.0001, typical_spread=1.0
    )
    for seed in range(4):
        _assert_found(market(spec, "2024-06-04", days=3, seed=seed, episodes=4))


def test_episode_table_times_prices_and_sessions() -> None:
    m = market("USDJPY", "2024-01-08", days=12, seed=21, episodes=8)
    t = m.episodes
    assert list(t.columns) == list(EPISODE_COLUMNS)
    assert len(t) == 8
    assert t["window_start"].is_monotonic_increasing
    assert (t["window_start"].iloc[1:].to_numpy() > t["window_end"].iloc[:-1].to_numpy()).all()
    assert (t["break_known_at"] == t["break_time"] + 5 * MIN).all()
    assert (t["known_at"] == t["confirm_time"] + MIN).all()
    assert (t["entry_time"] == t["known_at"]).all()
    assert (t["swing_time"] < t["break_time"]).all()
    assert (t["break_time"] - t["swing_time"] >= 5 * 5 * MIN).all()  # j >= swing + right + 2
    assert (t["touch_time"] >= t["break_known_at"]).all()
    assert (t["confirm_time"] >= t["touch_time"]).all()
    assert (t["confirm_time"] < t["break_known_at"] + 60 * MIN).all()
    for ts in ("swing_time", "break_time", "window_start"):
        assert (t[ts].dt.minute % 5 == 0).all()
    risk = (t["entry"] - t["stop"]) * t["direction"] / m.spec.pip_size
    assert ((risk >= 3.0) & (risk <= 30.0)).all()
    reward = (t["target"] - t["entry"]) * t["direction"] / m.spec.pip_size
    np.testing.assert_allclose(reward, 2.0 * risk)
    # random placement keeps whole windows inside London / New York hours
    for row in t.itertuples():
        times = m.bars.loc[row.window_start : row.window_end - MIN].index.asi8
        assert set(session_label(times)) <= {"london", "new_york", "overlap"}
    # spread over the span: one per slice of 12 days / 8
    first, last = m.bars.index[0], m.bars.index[-1]
    assert t["window_start"].iloc[0] < first + (last - first) / 3
    assert t["window_start"].iloc[-1] > first + 2 * (last - first) / 3


def test_planting_leaves_the_bars_before_the_first_window_unchanged() -> None:
    plain = market("EURUSD", "2024-06-03", days=4, seed=5)
    planted = market("EURUSD", "2024-06-03", days=4, seed=5, episodes=3)
    cut = planted.episodes["window_start"].iloc[0]
    before = planted.bars.index < cut
    pd.testing.assert_frame_equal(plain.bars[before], planted.bars[before])
    # after a window the walk resumes from the window's last close
    end = planted.episodes["window_end"].iloc[0]
    b = planted.bars
    i = b.index.get_loc(end)
    assert b["open"].iloc[i] == b["close"].iloc[i - 1]
    assert (planted.regime.loc[cut : end - MIN] == 2).all()


def test_episodes_at_given_times() -> None:
    times = ["2024-06-05 13:00", pd.Timestamp("2024-06-04 09:30", tz="UTC")]
    m = market("XAUUSD", "2024-06-03", days=4, seed=1, episodes=times)
    assert list(m.episodes["window_start"]) == [
        pd.Timestamp("2024-06-04 09:30", tz="UTC"),
        pd.Timestamp("2024-06-05 13:00", tz="UTC"),
    ]
    _assert_found(m)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (["2024-06-08 12:00"], "not an open minute"),  # Saturday
        (["2024-06-04 09:32"], "5-minute boundary"),
        (["2024-06-07 20:00"], "cross a market close"),  # Friday, FX closes at 21:00 UTC
        (["2024-06-04 09:00", "2024-06-04 10:00"], "overlaps"),
        ("2024-06-04 09:00", "list"),
    ],
)
def test_episode_times_that_cannot_work_are_refused(times: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        market("EURUSD", "2024-06-03", days=6, seed=1, episodes=times)  # type: ignore[arg-type]


def test_too_many_episodes_are_refused() -> None:
    with pytest.raises(ConfigError, match="cannot plant 40 episodes"):
        market("EURUSD", "2024-06-03", days=1, episodes=40)


def test_episode_params_are_checked() -> None:
    with pytest.raises(ConfigError, match="unknown EpisodeParams"):
        market("EURUSD", "2024-06-03", days=1, episodes=1, episode_params={"lft": 3})
    with pytest.raises(ConfigError, match="no stop distance fits"):
        EpisodeParams(max_stop=5.0)
    with pytest.raises(ConfigError, match="direction"):
        EpisodeParams(direction="up")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the oracle itself
def _hand_built(touch_close: float) -> pd.DataFrame:
    """15 M5 bars (one M1 bar each) with one swing high at bar 7 (1.0020) broken by bar 14's
    close (1.0025), then M1 bars: away, touch, confirmation, entry, one more."""
    highs = [10, 9, 8, 7, 9, 11, 13, 20, 12, 11, 10, 12, 14, 16, 30]
    rows, t0 = [], pd.Timestamp("2024-06-04 10:00", tz="UTC")
    for k, h in enumerate(highs):
        close = 25 if k == 14 else h - 1
        rows.append((t0 + 5 * k * MIN, h - 2, h, h - 3, close))
    t = t0 + 15 * 5 * MIN  # the break bar's close
    retest = [
        (26, 26, 23, 24),  # low 1.0023 > 1.0020 + 0.8 pip: no touch
        (24, 24, 20.5, touch_close),  # low within tolerance: the touch, closes below its open
        (21, 22.5, 19.5, 22),  # closes above the level and its open: confirmation
        (22, 23, 21, 22.5),  # entry bar
        (22.5, 23, 22, 22.5),
    ]
    for k, (o, h, lo, c) in enumerate(retest):
        rows.append((t + k * MIN, o, h, lo, c))
    frame = pd.DataFrame(rows, columns=["time", "open", "high", "low", "close"]).set_index("time")
    frame[["open", "high", "low", "close"]] = 1.0 + frame[["open", "high", "low", "close"]] * 1e-4
    frame["spread"] = 10
    return frame


def test_oracle_reads_a_hand_built_setup() -> None:
    t0 = pd.Timestamp("2024-06-04 10:00", tz="UTC")
    (setup,) = find_setups(_hand_built(touch_close=21), pip=1e-4, point=1e-5)
    assert setup.direction == 1
    assert setup.swing_time == t0 + 35 * MIN
    assert setup.level == pytest.approx(1.0020)
    assert setup.break_time == t0 + 70 * MIN
    assert setup.touch_time == t0 + 76 * MIN
    assert setup.confirm_time == t0 + 77 * MIN
    assert setup.entry_time == t0 + 78 * MIN
    assert setup.entry == pytest.approx(1.0022 + 1e-4)
    assert setup.stop == pytest.approx(1.00195 - 0.5e-4)
    assert setup.target == pytest.approx(setup.entry + 2 * (setup.entry - setup.stop))
    # a touch bar closing more than 3 pips below the level invalidates the setup
    assert find_setups(_hand_built(touch_close=16.5), pip=1e-4, point=1e-5) == []

"""setups() finds every setup the synthetic market plants, at the planted times and prices.

The synthetic market (``mikrobot.data.synthetic.market``) scripts BOS + retest episodes so that
a SPEC-exact engine reports them exactly as its ``episodes`` table says; this is that engine.
"""

import pytest

import mikrobot.structure as ms
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.synthetic import market
from mikrobot.structure import StructureParams

from .helpers import assert_same, m5_of, reference_setups, run_stream

TIMES = ("break_time", "break_known_at", "touch_time", "confirm_time", "known_at", "entry_time")


def params_of(ep) -> StructureParams:
    """The StructureParams matching the market's EpisodeParams."""
    return StructureParams(
        left=ep.left,
        right=ep.right,
        break_threshold_pips=ep.break_threshold,
        retest_window_minutes=ep.retest_window,
        retest_tolerance_pips=ep.retest_tolerance,
        invalidation_pips=ep.invalidation,
        sl_buffer_pips=ep.sl_buffer,
        min_stop_pips=ep.min_stop,
        max_stop_pips=ep.max_stop,
        rr=ep.rr,
    )


def assert_planted_found(m) -> None:
    p = params_of(m.episode_params)
    found = ms.setups(m.bars, None, m.spec, p)
    breaks = ms.breaks(m5_of(m.bars), m.spec, p)
    tol = m.spec.point * 1e-6
    for row in m.episodes.itertuples():
        hit = found[
            (found["direction"] == row.direction) & (found["confirm_time"] == row.confirm_time)
        ]
        assert len(hit) == 1, f"{m.spec.name}: planted episode not found: {row}"
        got = hit.iloc[0]
        assert got["status"] == "confirmed"
        assert got["level"] == row.level
        for name in TIMES:
            assert got[name] == getattr(row, name), name
        assert breaks.loc[got["break_id"], "swing_time"] == row.swing_time
        assert got["entry"] == pytest.approx(row.entry, abs=tol)
        assert got["stop"] == pytest.approx(row.stop, abs=tol)
        assert got["target"] == pytest.approx(row.target, abs=tol)
        assert 0 <= got["confidence"] <= 1


@pytest.mark.parametrize("symbol", ["EURUSD", "USDJPY", "XAUUSD", "US30"])
def test_planted_episodes_are_found_with_their_times_and_prices(symbol):
    m = market(symbol, "2024-03-06", days=5, seed=1, episodes=6)
    assert len(m.episodes) == 6
    assert_planted_found(m)


@pytest.mark.parametrize(
    "changes",
    [
        {"left": 5, "right": 2},
        {"left": 2, "right": 4, "rr": 1.5},
        {"break_threshold": 2.0, "retest_tolerance": 1.5, "sl_buffer": 1.0},
        {"min_stop": 8.0, "risk_pips": (6.0, 20.0)},
    ],
)
def test_planted_episodes_follow_other_parameters(changes):
    assert_planted_found(
        market("EURUSD", "2024-06-04", days=3, seed=3, episodes=4, episode_params=changes)
    )


def test_planted_market_agrees_across_batch_stream_and_reference():
    m = market("EURUSD", "2024-06-04", days=2, seed=7, episodes=3)
    spec = DEFAULT_SPECS["EURUSD"]
    batch = ms.setups(m.bars, None, spec)
    assert_same(batch, reference_setups(m.bars, None, spec))
    assert_same(run_stream(m.bars, None, spec, use_on_open=True)[2], batch)

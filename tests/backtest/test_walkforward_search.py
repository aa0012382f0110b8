"""Parameter spaces: names resolve to one model, grids and seeded random draws, invalid
combinations refused up front naming the field."""

from __future__ import annotations

import itertools

import pytest

from mikrobot.backtest.params import BacktestParams
from mikrobot.backtest.search import (
    Choice,
    IntUniform,
    LogUniform,
    ParameterSpace,
    Uniform,
    parse_spec,
    resolve_name,
)
from mikrobot.core.errors import ConfigError


def test_names_resolve_to_their_model_with_or_without_prefix():
    assert resolve_name("left") == ("structure", ("left",))
    assert resolve_name("weights.session") == ("structure", ("weights", "session"))
    assert resolve_name("policy") == ("backtest", ("policy",))
    assert resolve_name("sizing.risk_per_trade") == ("backtest", ("sizing", "risk_per_trade"))
    assert resolve_name("prop_firm.daily_loss") == ("backtest", ("prop_firm", "daily_loss"))
    assert resolve_name("confidence.minimum") == ("evaluation", ("confidence", "minimum"))
    assert resolve_name("evaluation.sizing.multiplier_at_max") == (
        "evaluation",
        ("sizing", "multiplier_at_max"),
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lefty", "unknown parameter 'lefty'"),
        ("sizing", "ambiguous: write 'backtest.sizing' or 'evaluation.sizing'"),
        ("structure.policy", "StructureParams has no field 'policy'"),
        ("left-x", "not a field path"),
    ],
)
def test_bad_names_are_refused(name, message):
    with pytest.raises(ConfigError, match=message):
        resolve_name(name)


def test_grid_is_the_product_in_order_and_sets_every_model():
    grid = {
        "left": [2, 3],
        "rr": [1.5, 2.5],
        "confidence.minimum": [0.5, 0.7],
        "policy": ["optimistic"],
    }
    space = ParameterSpace.grid(grid)
    assert len(space) == 8
    expected = list(itertools.product(*grid.values()))
    for cand, combo in zip(space.candidates, expected, strict=True):
        left, rr, minimum, policy = combo
        assert tuple(cand.values.values()) == combo
        assert (cand.structure.left, cand.structure.rr) == (left, rr)
        assert cand.evaluation.confidence.minimum == minimum
        assert cand.backtest.policy == policy
        assert cand.structure.right == 3  # untouched fields keep the base values
    assert len({c.key for c in space.candidates}) == 8
    # the structure groups: setups are shared by candidates that differ elsewhere only
    assert [[c.index for c in g] for g in space.groups()] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert space.bounds["left"] == (2.0, 3.0)
    assert space.bounds["policy"] is None


def test_base_settings_are_kept_under_the_searched_fields():
    base = BacktestParams(initial_balance=50_000.0, prop_firm=None)
    space = ParameterSpace.grid({"sizing.risk_per_trade": [0.002, 0.004]}, backtest=base)
    assert [c.backtest.sizing.risk_per_trade for c in space.candidates] == [0.002, 0.004]
    assert all(c.backtest.initial_balance == 50_000.0 for c in space.candidates)
    assert all(c.backtest.prop_firm is None for c in space.candidates)
    with pytest.raises(ConfigError, match=r"prop_firm is None in the base settings"):
        ParameterSpace.grid({"prop_firm.daily_loss": [0.04]}, backtest=base)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        (
            {"left": [3, 0]},
            r"parameter set 1 \(left=0\) is invalid: structure.left: .*greater than or equal to 1",
        ),
        (
            {"min_stop_pips": [3, 40]},
            r"parameter set 1 \(min_stop_pips=40\) is invalid: .*min_stop_pips \(40.0\) exceeds max_stop_pips",
        ),
        ({"left": [2.5]}, r"structure.left: .*valid integer"),
        ({"policy": ["sometimes"]}, r"backtest.policy: .*'pessimistic'"),
        ({"sizing.risk_per_trade": [0.02]}, r"backtest.sizing: .*risk_per_trade"),
        ({"left": []}, "has no values"),
        ({"left": 3}, "give a list of values"),
        ({"left": [2], "structure.left": [3]}, "name the same field"),
    ],
)
def test_invalid_candidates_are_refused_before_any_work(grid, message):
    with pytest.raises(ConfigError, match=message):
        ParameterSpace.grid(grid)


def test_random_search_is_deterministic_by_seed_and_inside_its_distributions():
    dists = {
        "left": IntUniform(2, 6),
        "rr": Uniform(1.0, 3.0),
        "sizing.risk_per_trade": LogUniform(0.001, 0.01),
        "policy": Choice(("pessimistic", "optimistic")),
    }
    a = ParameterSpace.random(dists, 25, seed=4)
    b = ParameterSpace.random(dists, 25, seed=4)
    c = ParameterSpace.random(dists, 25, seed=5)
    assert [x.key for x in a.candidates] == [x.key for x in b.candidates]
    assert [dict(x.values) for x in a.candidates] == [dict(x.values) for x in b.candidates]
    assert [x.key for x in a.candidates] != [x.key for x in c.candidates]
    assert len(a) == 25
    assert len({x.key for x in a.candidates}) == 25
    for x in a.candidates:
        assert isinstance(x.structure.left, int)
        assert 2 <= x.structure.left <= 6
        assert 1.0 <= x.structure.rr < 3.0
        assert 0.001 <= x.backtest.sizing.risk_per_trade < 0.01
        assert x.backtest.policy in ("pessimistic", "optimistic")
    assert {x.structure.left for x in a.candidates} == {2, 3, 4, 5, 6}  # 25 draws hit all 5
    assert a.bounds["rr"] == (1.0, 3.0)


def test_random_search_over_a_small_discrete_space_stops_at_its_size():
    space = ParameterSpace.random({"left": [2, 3], "right": [2, 3]}, 10, seed=1)
    assert sorted(tuple(c.values.values()) for c in space.candidates) == [
        (2, 2),
        (2, 3),
        (3, 2),
        (3, 3),
    ]


def test_random_search_refuses_bad_draws_naming_the_field():
    with pytest.raises(ConfigError, match=r"structure.left"):
        ParameterSpace.random({"left": IntUniform(0, 3)}, 20, seed=0)
    with pytest.raises(ConfigError, match=r"low .* must be below high"):
        ParameterSpace.random({"rr": Uniform(3.0, 1.0)}, 3)


def test_command_line_specs():
    assert parse_spec("left=2,3,4") == ("left", [2, 3, 4])
    assert parse_spec("policy=optimistic,pessimistic") == ("policy", ["optimistic", "pessimistic"])
    assert parse_spec("rr=1.5:3:0.5") == ("rr", [1.5, 2.0, 2.5, 3.0])
    assert parse_spec("left=2:6:2") == ("left", [2, 4, 6])
    assert parse_spec("rr=1:3", random=True) == ("rr", Uniform(1.0, 3.0))
    assert parse_spec("left=2:6", random=True) == ("left", IntUniform(2, 6))
    assert parse_spec("sizing.risk_per_trade=0.001:0.01:log", random=True) == (
        "sizing.risk_per_trade",
        LogUniform(0.001, 0.01),
    )
    with pytest.raises(ConfigError, match="needs a step"):
        parse_spec("rr=1:3")
    with pytest.raises(ConfigError, match="write name=values"):
        parse_spec("left")
    with pytest.raises(ConfigError, match="integer ends"):
        parse_spec("left=2:6.5", random=True)

import math

import pytest

from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.structure import StructureParams
from mikrobot.structure.params import COMPONENTS, ConfidenceWeights


def test_defaults_are_the_spec_values():
    p = StructureParams()
    assert (p.left, p.right, p.break_on) == (3, 3, "close")
    assert p.break_threshold_pips == 0.8
    assert (p.retest_window_minutes, p.retest_tolerance_pips, p.invalidation_pips) == (60, 0.8, 3)
    assert (p.sl_buffer_pips, p.min_stop_pips, p.max_stop_pips, p.rr) == (0.5, 3, 30, 2.0)
    assert (p.atr_period, p.strength_saturation_atr) == (14, 0.5)
    assert p.weights.as_tuple() == (0.25, 0.20, 0.20, 0.15, 0.10, 0.10)
    assert COMPONENTS[0] == "break_strength"
    assert len(COMPONENTS) == 6


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"left": 0}, "left"),
        ({"right": 0}, "right"),
        ({"retest_tolerance_pips": -0.1}, "retest_tolerance_pips"),
        ({"break_threshold_pips": -1}, "break_threshold_pips"),
        ({"invalidation_pips": -3}, "invalidation_pips"),
        ({"retest_window_minutes": 0}, "retest_window_minutes"),
        ({"min_stop_pips": 0}, "min_stop_pips"),
        ({"rr": 0}, "rr"),
        ({"atr_period": 0}, "atr_period"),
        ({"break_on": "open"}, "break_on"),
        ({"sl_buffer_pips": math.nan}, "sl_buffer_pips"),
        ({"max_stop_pips": math.inf}, "max_stop_pips"),
        ({"min_stop_pips": 40, "max_stop_pips": 30}, "min_stop_pips"),
        ({"weights": {"rejection": -0.1}}, "weights.rejection"),
        ({"lefft": 3}, "lefft"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(changes, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        StructureParams(**changes)


def test_all_zero_weights_are_refused():
    zero = dict.fromkeys(COMPONENTS, 0.0)
    with pytest.raises(ValueError, match="weights"):
        ConfidenceWeights(**zero)
    with pytest.raises(ValueError, match="weights"):
        StructureParams(weights=zero)


def test_params_are_frozen_and_replace_validates():
    p = StructureParams()
    with pytest.raises(Exception, match="frozen"):
        p.left = 5  # type: ignore[misc]
    assert p.replace(left=5).left == 5
    with pytest.raises(ValueError, match="left"):
        p.replace(left=-1)


@pytest.mark.parametrize(
    ("symbol", "pip"), [("EURUSD", 0.0001), ("USDJPY", 0.01), ("XAUUSD", 0.1), ("US30", 1.0)]
)
def test_thresholds_come_from_the_symbol_pip(symbol, pip):
    spec = DEFAULT_SPECS[symbol]
    th = StructureParams().for_symbol(spec)
    assert th.threshold == pytest.approx(0.8 * pip)
    assert th.tolerance == pytest.approx(0.8 * pip)
    assert th.invalidation == pytest.approx(3 * pip)
    assert (th.min_stop, th.max_stop) == (pytest.approx(3 * pip), pytest.approx(30 * pip))
    assert th.typical_spread == pytest.approx(spec.typical_spread * spec.point)
    assert th.window_ns == 60 * 60 * 10**9

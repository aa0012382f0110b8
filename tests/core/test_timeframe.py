import numpy as np
import pytest

from mikrobot.core import Timeframe


@pytest.mark.parametrize(
    ("tf", "code"),
    [("M1", 1), ("M5", 5), ("M15", 15), ("M30", 30), ("H1", 16385), ("H4", 16388), ("D1", 16408)],
)
def test_mt5_codes_match_the_metatrader5_constants(tf, code):
    assert Timeframe[tf].mt5_code == code
    assert Timeframe.parse(code) is Timeframe[tf]


@pytest.mark.parametrize("text", ["M5", "m5", "5min", " M5 ", 5])
def test_parse_accepts_names_aliases_and_minutes(text):
    assert Timeframe.parse(text) is Timeframe.M5


def test_parse_rejects_unknown_with_the_accepted_names():
    with pytest.raises(ValueError, match="M1, M5, M15"):
        Timeframe.parse("M7")


def test_infer_survives_gaps_and_weekends():
    base = np.datetime64("2024-01-01T00:00", "ns").astype(np.int64)
    step = Timeframe.M5.nanos
    times = base + step * np.array([0, 1, 2, 3, 10, 11, 12, 600, 601])
    assert Timeframe.infer(times) is Timeframe.M5


def test_lengths_are_consistent():
    for tf in Timeframe:
        assert tf.seconds == tf.minutes * 60
        assert tf.nanos == tf.seconds * 10**9
        assert tf.timedelta64 == np.timedelta64(tf.seconds, "s")

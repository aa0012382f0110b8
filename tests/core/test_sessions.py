from datetime import UTC, datetime

import numpy as np
import pytest

from mikrobot.core.sessions import (
    DEFAULT_SESSIONS,
    in_session,
    market_closed,
    session_label,
    session_score,
    utc_offset_ns,
)
from mikrobot.core.symbol import AssetClass


def ns(text: str) -> np.ndarray:
    return np.array([int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 10**9])


LONDON, NEW_YORK = DEFAULT_SESSIONS[2], DEFAULT_SESSIONS[3]


@pytest.mark.parametrize(
    ("when", "london", "new_york"),
    [
        # winter: London 08-17 UTC, NY 13-22 UTC
        ("2025-01-15T07:59", False, False),
        ("2025-01-15T08:00", True, False),
        ("2025-01-15T13:00", True, True),
        ("2025-01-15T17:00", False, True),
        # summer: London 07-16 UTC, NY 12-21 UTC
        ("2025-07-15T07:00", True, False),
        ("2025-07-15T12:00", True, True),
        ("2025-07-15T16:00", False, True),
        ("2025-07-15T21:00", False, False),
        # US/EU mismatch week (US on DST since 9 Mar, EU not until 30 Mar): NY 12-21, London 08-17
        ("2025-03-12T12:00", True, True),
        ("2025-03-12T07:30", False, False),
    ],
)
def test_sessions_follow_each_centres_dst(when, london, new_york):
    t = ns(when)
    assert bool(in_session(t, LONDON)[0]) is london
    assert bool(in_session(t, NEW_YORK)[0]) is new_york


def test_session_score_and_label():
    times = np.concatenate(
        [
            ns("2025-01-15T14:00"),
            ns("2025-01-15T09:00"),
            ns("2025-01-15T02:00"),
            ns("2025-01-18T12:00"),
        ]
    )  # Saturday: off
    assert session_score(times).tolist() == [1.0, 0.8, 0.5, 0.2]
    assert session_label(times).tolist() == ["overlap", "london", "asia", "off"]


def test_utc_offset_switches_on_the_transition_hour():
    before, after = ns("2025-03-30T00:59"), ns("2025-03-30T01:00")
    assert utc_offset_ns(before, "Europe/Prague")[0] == 3600 * 10**9
    assert utc_offset_ns(after, "Europe/Prague")[0] == 7200 * 10**9


@pytest.mark.parametrize(
    ("when", "fx_closed", "metal_closed"),
    [
        ("2025-01-17T21:59", False, False),  # Friday 16:59 NY (winter)
        ("2025-01-17T22:00", True, True),  # Friday 17:00 NY
        ("2025-01-19T21:59", True, True),  # Sunday 16:59 NY
        ("2025-01-19T22:00", False, True),  # Sunday 17:00 NY: FX opens, metals still in their break
        ("2025-01-19T23:00", False, False),
        ("2025-07-18T21:00", True, True),  # summer: Friday 17:00 NY = 21:00 UTC
        ("2025-07-16T21:30", False, True),  # Wednesday daily break for metals only
    ],
)
def test_market_hours(when, fx_closed, metal_closed):
    t = ns(when)
    assert bool(market_closed(t, AssetClass.FX)[0]) is fx_closed
    assert bool(market_closed(t, AssetClass.METAL)[0]) is metal_closed
    assert not market_closed(t, AssetClass.CRYPTO)[0]

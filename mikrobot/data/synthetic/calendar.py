"""The M1 time grid of a synthetic market: open minutes, sessions, rollover and reopen gaps.

Every answer comes from :mod:`mikrobot.core.sessions` (DST-aware); this module only decides
*where* to ask, so that a year of minutes costs milliseconds rather than one lookup per
minute: the answers (market hours, session windows on whole or quarter local hours, the 17:00
New York rollover hour, the UTC offsets of the zones, which change on whole UTC hours) are
constant on quarter-hour blocks of UTC time, so they are asked once per block (a year holds
35,136) and spread over the block's minutes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mikrobot.core.sessions import (
    DEFAULT_SESSIONS,
    SessionWindow,
    market_closed,
    session_masks,
    utc_offset_ns,
)
from mikrobot.core.symbol import AssetClass
from mikrobot.data.synthetic.nb import calendar_nb
from mikrobot.data.synthetic.params import ASIA, LONDON, NEW_YORK, OFF, OVERLAP

NS_PER_MIN = 60_000_000_000
_NY = "America/New_York"
_ROLL_MINUTE = 17 * 60


@dataclass(frozen=True, slots=True)
class MinuteCalendar:
    """The open minutes of a span and what the market model needs to know about each.

    ``ts``: open M1 bar times (UTC epoch ns); ``closed_before``: minutes closed just before
    each bar (0 when it follows the previous bar by one minute, or is the first); ``codes``:
    session code per bar (int8: 0 off, 1 Asia (Sydney/Tokyo), 2 New York, 3 London,
    4 London/New York overlap); ``roll``: True in the minutes ``around`` 17:00 New York and in
    the first ``reopen_minutes`` after a reopen.
    """

    ts: np.ndarray
    closed_before: np.ndarray
    codes: np.ndarray
    roll: np.ndarray


def session_code(
    ts: np.ndarray, sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS
) -> np.ndarray:
    """Session code per UTC instant (see :class:`MinuteCalendar`): the overlap of London and New
    York wins, then London, then New York, then Asia (Sydney or Tokyo)."""
    masks = session_masks(ts, sessions)
    false = np.zeros(ts.size, dtype=bool)
    london, new_york = masks.get("london", false), masks.get("new_york", false)
    asia = masks.get("tokyo", false) | masks.get("sydney", false)
    out = np.full(ts.size, OFF, dtype=np.int8)
    out[asia] = ASIA
    out[new_york] = NEW_YORK
    out[london] = LONDON
    out[london & new_york] = OVERLAP
    return out


def block_minutes(sessions: Sequence[SessionWindow]) -> int:
    """The longest block (minutes, a divisor of 15) on which the market hours, the sessions and
    the New York offset are all constant: 15, or less when a session starts or ends off the
    quarter hours."""
    step = 15
    for window in sessions:
        step = math.gcd(step, window.start_minute, window.end_minute)
    return max(step, 1)


def minute_calendar(
    start_ns: int,
    end_ns: int,
    asset_class: AssetClass,
    around: tuple[int, int],
    reopen_minutes: int,
    sessions: Sequence[SessionWindow] = DEFAULT_SESSIONS,
) -> MinuteCalendar:
    """The :class:`MinuteCalendar` of the minutes in ``[start_ns, end_ns)``.

    Market hours (``market_closed``), sessions and the New York offset are asked once per block
    of :func:`block_minutes` (they are constant on it: see the module docstring) and spread over
    the block's minutes in one pass (:func:`~mikrobot.data.synthetic.nb.calendar_nb`), so a
    year costs a few milliseconds.
    """
    first = -(-start_ns // NS_PER_MIN) * NS_PER_MIN
    n_min = max(0, -(-(end_ns - first) // NS_PER_MIN))
    step = block_minutes(sessions)
    block = step * NS_PER_MIN
    starts = np.arange(first // block * block, first + n_min * NS_PER_MIN, block, dtype=np.int64)
    ts, closed_before, codes, roll = calendar_nb(
        first,
        n_min,
        (first - starts[0]) // NS_PER_MIN if n_min else 0,
        step,
        market_closed(starts, asset_class),
        session_code(starts, sessions),
        utc_offset_ns(starts, _NY),
        around[0],
        around[1],
        reopen_minutes,
    )
    return MinuteCalendar(ts, closed_before, codes, roll)

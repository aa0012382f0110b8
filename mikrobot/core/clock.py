"""Clocks. Nothing in the core calls ``now()``: a Clock is passed in, so a backtest, a replay
and a live run execute the same code."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Source of the current time in UTC epoch nanoseconds."""

    def now_ns(self) -> int:
        """Current time, UTC epoch nanoseconds."""
        ...


def to_datetime(ns: int) -> datetime:
    """UTC ``datetime`` of epoch nanoseconds (microsecond precision)."""
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def to_ns(moment: datetime | str | int) -> int:
    """UTC epoch nanoseconds of an aware datetime, an ISO string or an int (taken as ns).

    A naive datetime or string is refused: its zone would be a guess.
    """
    if isinstance(moment, int):
        return moment
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"naive time {moment.isoformat()} has no zone: give an aware time (UTC)")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


class LiveClock:
    """Wall-clock time from the operating system."""

    def now_ns(self) -> int:
        """Current UTC time in epoch nanoseconds."""
        return time.time_ns()

    def now(self) -> datetime:
        """Current UTC time as an aware datetime."""
        return to_datetime(self.now_ns())


class SimulatedClock:
    """A clock that only moves when told to, and never backwards.

    Backtests and replays set it to each bar's close time before handing the bar on.
    """

    def __init__(self, start: datetime | str | int = 0) -> None:
        self._ns = to_ns(start)

    def now_ns(self) -> int:
        """The simulated time in UTC epoch nanoseconds."""
        return self._ns

    def now(self) -> datetime:
        """The simulated time as an aware UTC datetime."""
        return to_datetime(self._ns)

    def set(self, moment: datetime | str | int) -> None:
        """Move to ``moment``; moving backwards raises ``ValueError``."""
        ns = to_ns(moment)
        if ns < self._ns:
            raise ValueError(
                f"simulated clock cannot go back from {to_datetime(self._ns).isoformat()} "
                f"to {to_datetime(ns).isoformat()}"
            )
        self._ns = ns

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds`` (must be >= 0)."""
        if seconds < 0:
            raise ValueError(f"cannot advance a clock by a negative amount ({seconds} s)")
        self._ns += round(seconds * 1e9)

"""Time helpers for the risk tests: local wall-clock times to UTC epoch ns."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mikrobot.core.clock import to_ns

PRAGUE = ZoneInfo("Europe/Prague")
NEW_YORK = ZoneInfo("America/New_York")


def prague(text: str) -> int:
    """``"2025-01-14 10:00"`` Prague wall-clock time -> UTC epoch ns."""
    return to_ns(datetime.fromisoformat(text).replace(tzinfo=PRAGUE))


def new_york(text: str) -> int:
    """New York wall-clock time -> UTC epoch ns."""
    return to_ns(datetime.fromisoformat(text).replace(tzinfo=NEW_YORK))


def mt5_server(text: str) -> int:
    """An FTMO-style MT5 server clock (New York time + 7 h, US DST dates) -> UTC epoch ns."""
    server = datetime.fromisoformat(text)
    return to_ns((server - timedelta(hours=7)).replace(tzinfo=NEW_YORK))

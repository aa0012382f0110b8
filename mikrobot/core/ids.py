"""Identifiers: time-ordered, unique, 32 hex digits (UUIDv7 layout)."""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_last = [0, 0]  # last millisecond, counter


def new_id(ts_ns: int | None = None) -> str:
    """A new id whose first 48 bits are the millisecond of ``ts_ns`` (or of now).

    Ids made in one process sort by time, then by creation order, so logs and stores sort
    naturally. The rest is random, so ids from different processes never collide in practice.
    """
    import time

    ms = (time.time_ns() if ts_ns is None else ts_ns) // 1_000_000
    with _lock:
        if ms == _last[0]:
            _last[1] += 1
        else:
            _last[0], _last[1] = ms, 0
        counter = _last[1] & 0xFFF
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand
    return f"{value:032x}"

"""Integer codes shared by the kernels, the reference, the stream and the pandas edge."""

from __future__ import annotations

#: swing kinds and break directions
HIGH = 1
LOW = -1
BULLISH = 1
BEARISH = -1

#: break kinds
CHOCH = 0
BOS = 1
KIND_NAMES: dict[int, str] = {BOS: "BOS", CHOCH: "CHoCH"}

#: setup statuses; NO_SETUP marks a break known before the M1 data starts (nothing to scan),
#: PENDING one whose outcome (or entry price) is not in the data yet. Neither is ever reported.
NO_SETUP = -1
PENDING = 0
CONFIRMED = 1
INVALIDATED = 2
NO_TOUCH = 3
NO_CONFIRMATION = 4
REJECTED_MAX_STOP = 5
STATUS_NAMES: dict[int, str] = {
    CONFIRMED: "confirmed",
    INVALIDATED: "invalidated",
    NO_TOUCH: "no_touch",
    NO_CONFIRMATION: "no_confirmation",
    REJECTED_MAX_STOP: "rejected_max_stop",
}

NS_PER_MIN = 60_000_000_000
M1_NS = NS_PER_MIN
M5_NS = 5 * NS_PER_MIN

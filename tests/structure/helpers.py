"""Test helpers: bar generators, a tiny reader for the real files, and the three drivers'
results as frames in the API's layout (so they can be compared with ``assert_frame_equal``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.core.symbol import SymbolSpec
from mikrobot.data.loaders import load_bars
from mikrobot.structure import codes, reference
from mikrobot.structure.api import BREAK_KINDS, STATUSES, SWING_KINDS
from mikrobot.structure.events import BreakEvent, SetupEvent, SwingEvent
from mikrobot.structure.params import StructureParams
from mikrobot.structure.stream import StructureStream

EURUSD = DEFAULT_SPECS["EURUSD"]
M1 = codes.M1_NS
M5 = codes.M5_NS

SWING_COLUMNS = ["time", "kind", "level", "known_at", "index", "known_index", "supersedes"]
BREAK_COLUMNS = [
    "time",
    "known_at",
    "direction",
    "kind",
    "level",
    "swing_time",
    "swing_index",
    "break_index",
    "strength",
    "atr",
]
SETUP_COLUMNS = [
    "break_id",
    "direction",
    "kind",
    "level",
    "break_time",
    "break_known_at",
    "touch_time",
    "confirm_time",
    "known_at",
    "entry_time",
    "entry",
    "stop",
    "target",
    "confidence",
    "break_strength",
    "retest_precision",
    "rejection",
    "structure",
    "session",
    "speed",
    "status",
]
COLUMNS = {"swings": SWING_COLUMNS, "breaks": BREAK_COLUMNS, "setups": SETUP_COLUMNS}
TIME_COLUMNS = {"time", "known_at", "swing_time", "break_time", "break_known_at", "touch_time"}
TIME_COLUMNS |= {"confirm_time", "entry_time"}
INT_COLUMNS = {"index", "known_index", "supersedes", "swing_index", "break_index", "break_id"}
INT8_COLUMNS = {"direction"}
# label columns are categoricals with fixed categories, per table
CATEGORIES = {
    "swings": {"kind": SWING_KINDS},
    "breaks": {"kind": BREAK_KINDS},
    "setups": {"kind": BREAK_KINDS, "status": STATUSES},
}


# ---------------------------------------------------------------------------- frames
def bars_frame(
    time_ns: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    spread: np.ndarray | None = None,
    *,
    timeframe: str = "M1",
    symbol: str | None = "EURUSD",
) -> pd.DataFrame:
    """A canonical bar frame (the layout of mikrobot.data.frame) from arrays."""
    index = pd.DatetimeIndex(np.asarray(time_ns, np.int64).view("datetime64[ns]"), name="time")
    data = {
        "open": np.asarray(o, np.float64),
        "high": np.asarray(h, np.float64),
        "low": np.asarray(lo, np.float64),
        "close": np.asarray(c, np.float64),
        "tick_volume": np.zeros(len(index), np.int64),
    }
    if spread is not None:
        data["spread"] = np.asarray(spread, np.int64)
    frame = pd.DataFrame(data, index=index.tz_localize("UTC"))
    frame.attrs.update(symbol=symbol, timeframe=timeframe, source_tz="UTC", source=None)
    return frame


def records_frame(records: list[dict], table: str) -> pd.DataFrame:
    """Rows (times as int ns or None) of ``table`` ("swings", "breaks" or "setups") in the
    API's column order and dtypes."""
    columns = COLUMNS[table]
    categories = CATEGORIES[table]
    data = {}
    for name in columns:
        values = [r[name] for r in records]
        if name in TIME_COLUMNS:
            ns = np.array(
                [np.iinfo(np.int64).min if v is None or v < 0 else v for v in values], np.int64
            )
            data[name] = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")
        elif name in INT8_COLUMNS:
            data[name] = np.array(values, np.int8)
        elif name in INT_COLUMNS:
            data[name] = np.array(values, np.int64)
        elif name in categories:
            data[name] = pd.Categorical(values, categories=list(categories[name]))
        else:
            data[name] = np.array(values, np.float64)
    return pd.DataFrame(data, columns=columns)


def assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Exact equality (NaN == NaN) of two result frames."""
    pd.testing.assert_frame_equal(
        left.reset_index(drop=True), right.reset_index(drop=True), check_exact=True
    )


# ---------------------------------------------------------------------------- generators
def random_m1(
    seed: int,
    n: int,
    *,
    tick: float = 0.0001,
    flat: float = 0.15,
    gaps: float = 0.01,
    spread: bool = False,
    start: str = "2024-01-08 06:00",
    base: float = 1.1,
    max_step: int = 3,
) -> pd.DataFrame:
    """A random walk of M1 bars in whole ticks: ties, flat stretches and gaps on purpose."""
    rng = np.random.default_rng(seed)
    steps = rng.integers(-max_step, max_step + 1, n)
    is_flat = rng.random(n) < flat
    # flat stretches: a flat bar tends to be followed by more flat bars
    for k in range(1, n):
        if is_flat[k - 1] and rng.random() < 0.6:
            is_flat[k] = True
    steps[is_flat] = 0
    close_t = np.cumsum(steps)
    open_t = np.concatenate(([0], close_t[:-1]))
    up = rng.integers(0, 3, n)
    down = rng.integers(0, 3, n)
    up[is_flat] = 0
    down[is_flat] = 0
    high_t = np.maximum(open_t, close_t) + up
    low_t = np.minimum(open_t, close_t) - down
    minutes = np.ones(n, np.int64)
    jump = rng.random(n) < gaps
    minutes[jump] += rng.integers(1, 120, int(jump.sum()))
    minutes[0] = 0
    t0 = pd.Timestamp(start, tz="UTC").value
    time = t0 + np.cumsum(minutes) * M1

    def price(t: np.ndarray) -> np.ndarray:
        return base + t * tick

    sp = rng.integers(0, 25, n) if spread else None
    return bars_frame(time, price(open_t), price(high_t), price(low_t), price(close_t), sp)


def m5_of(m1: pd.DataFrame) -> pd.DataFrame:
    """M5 bars from M1 with pandas (independent of core.bars), the forming last bar dropped."""
    label = m1.index.floor("5min")
    grouped = m1.groupby(label)
    m5 = pd.DataFrame(
        {
            "open": grouped["open"].first(),
            "high": grouped["high"].max(),
            "low": grouped["low"].min(),
            "close": grouped["close"].last(),
            "tick_volume": grouped["tick_volume"].sum(),
        }
    )
    m5.index.name = "time"
    if len(m5) and m5.index[-1] + pd.Timedelta("5min") > m1.index[-1] + pd.Timedelta("1min"):
        m5 = m5.iloc[:-1]
    m5.attrs.update(m1.attrs)
    m5.attrs["timeframe"] = "M5"
    return m5


def load_real(path: Path) -> pd.DataFrame:
    """A real EURUSD file through the loader, times as UTC.

    The M5 file repeats a block of bars out of order; the loader keeps the file's order, so
    duplicates are dropped (first kept) and the bars sorted, as validation would ask.
    """
    frame = load_bars(path, tz="UTC")
    return frame[~frame.index.duplicated(keep="first")].sort_index()


# ---------------------------------------------------------------------------- reference
def _arrays(frame: pd.DataFrame) -> tuple:
    return (
        frame.index.asi8,
        *(frame[c].to_numpy(np.float64).tolist() for c in ("open", "high", "low", "close")),
    )


def reference_structure(
    m5: pd.DataFrame, spec: SymbolSpec = EURUSD, params: StructureParams | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Swings and breaks of the oracle as API frames."""
    th = (params or StructureParams()).for_symbol(spec)
    time, _, h, lo, c = _arrays(m5)
    sw, br = reference.structure(h, lo, c, th)
    swings = [
        {
            **r,
            "time": int(time[r["index"]]),
            "kind": "high" if r["kind"] > 0 else "low",
            "known_at": int(time[r["known_index"]]) + M5,
        }
        for r in sw
    ]
    breaks = [
        {
            **r,
            "time": int(time[r["break_index"]]),
            "known_at": int(time[r["break_index"]]) + M5,
            "kind": codes.KIND_NAMES[r["kind"]],
            "swing_time": int(time[r["swing_index"]]),
        }
        for r in br
    ]
    return records_frame(swings, "swings"), records_frame(breaks, "breaks")


def reference_setups(
    m1: pd.DataFrame,
    m5: pd.DataFrame | None = None,
    spec: SymbolSpec = EURUSD,
    params: StructureParams | None = None,
) -> pd.DataFrame:
    """Setups of the oracle as an API frame (M5 from M1 with pandas when not given)."""
    th = (params or StructureParams()).for_symbol(spec)
    m5 = m5_of(m1) if m5 is None else m5
    t5, _, h5, l5, c5 = _arrays(m5)
    _, br = reference.structure(h5, l5, c5, th)
    known = [int(t5[b["break_index"]]) + M5 for b in br]
    t1, o1, h1, l1, c1 = _arrays(m1)
    if "spread" in m1.columns:
        spread = [s * th.point for s in m1["spread"].to_numpy(np.float64).tolist()]
    else:
        spread = [th.typical_spread] * len(m1)
    rows = reference.setups(br, known, t1.tolist(), o1, h1, l1, c1, spread, th)
    t1 = t1.tolist()
    out = []
    for r in rows:
        b = br[r["break_id"]]
        out.append(
            {
                **r,
                "kind": codes.KIND_NAMES[r["kind"]],
                "break_time": int(t5[b["break_index"]]),
                "touch_time": t1[r["touch_index"]] if r["touch_index"] >= 0 else None,
                "confirm_time": t1[r["confirm_index"]] if r["confirm_index"] >= 0 else None,
                "entry_time": t1[r["entry_index"]] if r["entry_index"] >= 0 else None,
                "status": codes.STATUS_NAMES[r["status"]],
            }
        )
    return records_frame(out, "setups")


# ---------------------------------------------------------------------------- stream
def run_stream(
    m1: pd.DataFrame,
    m5: pd.DataFrame | None = None,
    spec: SymbolSpec = EURUSD,
    params: StructureParams | None = None,
    *,
    restore_every: int = 0,
    use_on_open: bool = False,
    stream: StructureStream | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, StructureStream]:
    """Feed the bars one at a time (M1 only, or M5 and M1 in time order) and collect events.

    ``restore_every`` > 0 rebuilds the stream from its bytes every that many bars, so the run
    also proves that save/restore continues identically.
    """
    s = stream or StructureStream(spec, params, m5_from_m1=m5 is None)
    events: list = []
    t1, o1, h1, l1, c1 = _arrays(m1)
    sp = m1["spread"].to_numpy(np.float64).tolist() if "spread" in m1.columns else None
    feed: list[tuple[int, int, int]] = [(int(t) + M1, 1, k) for k, t in enumerate(t1)]
    if m5 is not None:
        t5, o5, h5, l5, c5 = _arrays(m5)
        feed += [(int(t) + M5, 0, k) for k, t in enumerate(t5)]
        feed.sort()  # by close time; an M5 bar before the M1 bar closing with it
    for count, (_, which, k) in enumerate(feed):
        if which == 0:
            events += s.update_m5(int(t5[k]), o5[k], h5[k], l5[k], c5[k])
        else:
            spread = None if sp is None else sp[k]
            if use_on_open:
                events += s.on_open(int(t1[k]), o1[k], spread)
            events += s.update_m1(int(t1[k]), o1[k], h1[k], l1[k], c1[k], spread)
        if restore_every and (count + 1) % restore_every == 0:
            s = StructureStream.from_state(s.to_bytes())
    swings = [e.to_dict() for e in events if isinstance(e, SwingEvent)]
    breaks = [e.to_dict() for e in events if isinstance(e, BreakEvent)]
    setups = sorted(
        (e.to_dict() for e in events if isinstance(e, SetupEvent)), key=lambda r: r["break_id"]
    )
    return (
        records_frame(swings, "swings"),
        records_frame(breaks, "breaks"),
        records_frame(setups, "setups"),
        s,
    )


def is_nan(x: float) -> bool:
    return isinstance(x, float) and math.isnan(x)

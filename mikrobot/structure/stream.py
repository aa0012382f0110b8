"""The bar-by-bar structure detector of the live runtime.

Fed one **closed** bar at a time, it emits the same swings, breaks and setups as the batch
functions, each at the first bar where it is known (definitions: :mod:`.reference`). Work per
bar is O(1): a ring of the last ``left + right + 1`` M5 bars, the ATR recursion, and the few
setups whose retest window is open.

Two ways to feed it:

* M1 only (the primary, live path): :meth:`StructureStream.update_m1` with every M1 bar; M5
  bars are built inside with MetaTrader semantics, and an M5 bar closes with its last minute
  (or, across a gap, when a bar of a later M5 period arrives);
* M5 and M1 (``m5_from_m1=False``): :meth:`~StructureStream.update_m5` with each M5 bar and
  :meth:`~StructureStream.update_m1` with each M1 bar, in time order: an M5 bar before any M1
  bar opening at or after its close.

A confirmed setup needs the open of the next M1 bar (its entry). It is emitted with that bar,
or earlier by :meth:`~StructureStream.on_open` when the live feed sees the new bar open.

The state is plain data: :meth:`~StructureStream.state` gives a JSON-able dict (``to_bytes``
its JSON), :meth:`~StructureStream.from_state` rebuilds the detector, and a restored detector
continues exactly as the original would have.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from mikrobot.core.instruments import SymbolRegistry
from mikrobot.core.sessions import session_score
from mikrobot.core.symbol import SymbolSpec
from mikrobot.structure import codes
from mikrobot.structure.events import BreakEvent, SetupEvent, SwingEvent
from mikrobot.structure.params import StructureParams

Event = SwingEvent | BreakEvent | SetupEvent

_STATE_VERSION = 1
_NS_PER_HOUR = 3_600_000_000_000
_SESSION_HOURS = 168
_M1 = codes.M1_NS
_M5 = codes.M5_NS
# the mutable fields of the detector, all plain data (what state() saves)
_FIELDS = (
    "bin",
    "m5_count",
    "m5_last_time",
    "ring_time",
    "ring_high",
    "ring_low",
    "prev_close",
    "tr_total",
    "atr",
    "last_kind",
    "high_swing",
    "low_swing",
    "prev_direction",
    "n_breaks",
    "first_m1",
    "last_m1",
    "announced_open",
    "active",
    "awaiting_entry",
)


class StructureStream:
    """Incremental swings, breaks and retest setups for one symbol (SPEC §1-§4)."""

    def __init__(
        self,
        spec: SymbolSpec | str,
        params: StructureParams | None = None,
        *,
        m5_from_m1: bool = True,
    ) -> None:
        self.spec = spec if isinstance(spec, SymbolSpec) else SymbolRegistry()[spec]
        self.params = params if params is not None else StructureParams()
        self.m5_from_m1 = bool(m5_from_m1)
        th = self.params.for_symbol(self.spec)
        self._th = th
        self._left, self._right = th.left, th.right
        self._size = th.left + th.right + 1
        self._atr_a = (th.atr_period - 1) / th.atr_period
        self._atr_b = 1 / th.atr_period
        self._weights = th.weights
        self._weight_total = 0.0
        for w in th.weights:
            self._weight_total += w
        self._session_memo: tuple[int, list[float]] = (0, [])
        self.bin: list | None = None  # [label, high, low, close] of the forming M5 bar
        self.m5_count = 0
        self.m5_last_time: int | None = None
        self.ring_time: list[int] = []
        self.ring_high: list[float] = []
        self.ring_low: list[float] = []
        self.prev_close: float | None = None
        self.tr_total = 0.0
        self.atr: float | None = None
        self.last_kind = 0
        self.high_swing: list | None = None  # [index, level, time, broken]
        self.low_swing: list | None = None
        self.prev_direction = 0
        self.n_breaks = 0
        self.first_m1: int | None = None
        self.last_m1: int | None = None
        self.announced_open: int | None = None
        self.active: list[dict[str, Any]] = []
        self.awaiting_entry: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ feeding
    def update_m1(
        self,
        time_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        spread: float | None = None,
    ) -> list[Event]:
        """Process one closed M1 bar (open time ``time_ns``; ``spread`` in points or None for
        the symbol's typical spread) and return the events known at its close, in order."""
        if not math.isfinite(open + high + low + close) or (spread is not None and not spread >= 0):
            raise ValueError(
                f"M1 bar at {time_ns} has a price that is not a finite number or a negative "
                f"spread ({open}, {high}, {low}, {close}, spread {spread}): repair or skip it"
            )
        last = self.last_m1
        if last is not None and time_ns < last + _M1:
            raise ValueError(
                f"M1 bar at {time_ns} is not at least one minute after the previous one at {last}"
            )
        if self.announced_open is not None and time_ns != self.announced_open:
            raise ValueError(
                f"on_open announced a bar opening at {self.announced_open}, got one at {time_ns}"
            )
        out: list[Event] = []
        if self.m5_from_m1:
            label = time_ns - time_ns % _M5
            current = self.bin
            if current is not None and current[0] != label:
                self.bin = None
                self._close_m5(current[0], current[1], current[2], current[3], out)
        if self.first_m1 is None:
            self.first_m1 = time_ns
            self.active = [s for s in self.active if s["t0"] >= time_ns]
        if self.awaiting_entry:
            self._enter(time_ns, open, spread, out)
        self.announced_open = None
        if self.active:
            self._retest(time_ns, open, high, low, close, out)
        self.last_m1 = time_ns
        if self.m5_from_m1:
            current = self.bin
            if current is None:
                current = self.bin = [time_ns - time_ns % _M5, high, low, close]
            else:
                if high > current[1]:
                    current[1] = high
                if low < current[2]:
                    current[2] = low
                current[3] = close
            if time_ns + _M1 >= current[0] + _M5:
                self.bin = None
                self._close_m5(current[0], current[1], current[2], current[3], out)
        return out

    def update_m5(
        self, time_ns: int, open: float, high: float, low: float, close: float
    ) -> list[Event]:
        """Process one closed M5 bar (only with ``m5_from_m1=False``); returns its events."""
        if self.m5_from_m1:
            raise ValueError("this stream builds M5 from M1: create it with m5_from_m1=False")
        if self.m5_last_time is not None and time_ns < self.m5_last_time + _M5:
            raise ValueError(
                f"M5 bar at {time_ns} is not at least 5 minutes after the previous one "
                f"at {self.m5_last_time}"
            )
        if self.last_m1 is not None and self.last_m1 >= time_ns + _M5:
            raise ValueError(
                f"M5 bar closing at {time_ns + _M5} came after an M1 bar opening at "
                f"{self.last_m1}: feed each M5 bar before the M1 bars that open at or after "
                "its close"
            )
        if not math.isfinite(high + low + close):
            raise ValueError(f"M5 bar at {time_ns} has a price that is not a finite number")
        del open  # the structure needs high, low and close only
        out: list[Event] = []
        self._close_m5(time_ns, high, low, close, out)
        return out

    def on_open(self, time_ns: int, open: float, spread: float | None = None) -> list[Event]:
        """The next M1 bar has opened at ``time_ns`` with bid ``open``: complete the setups
        waiting for their entry now instead of at that bar's close. The bar must then be given
        to :meth:`update_m1` with the same time and open."""
        if self.last_m1 is not None and time_ns < self.last_m1 + _M1:
            raise ValueError(f"bar opening at {time_ns} is not after the last M1 bar")
        out: list[Event] = []
        self.announced_open = time_ns
        if self.awaiting_entry:
            self._enter(time_ns, open, spread, out)
        return out

    # ------------------------------------------------------------------ M5 logic
    def _close_m5(self, time: int, high: float, low: float, close: float, out: list) -> None:
        j = self.m5_count
        period = self._th.atr_period
        prev = self.prev_close
        atr = self.atr
        if prev is not None:
            tr = high - low
            a = abs(high - prev)
            if a > tr:
                tr = a
            a = abs(low - prev)
            if a > tr:
                tr = a
            if j < period:
                self.tr_total += tr
            elif j == period:
                self.tr_total += tr
                atr = self.atr = self.tr_total / period
            else:
                atr = self.atr = atr * self._atr_a + tr * self._atr_b
        known = time + _M5
        th = self._th
        hs = self.high_swing
        if hs is not None and not hs[3]:
            price = close if th.break_on_close else high
            if price > hs[1] + th.threshold:
                hs[3] = True
                self._break(1, hs, j, time, close, atr, out)
        ls = self.low_swing
        if ls is not None and not ls[3]:
            price = close if th.break_on_close else low
            if price < ls[1] - th.threshold:
                ls[3] = True
                self._break(-1, ls, j, time, close, atr, out)
        # swings known now
        rt, rh, rl = self.ring_time, self.ring_high, self.ring_low
        rt.append(time)
        rh.append(high)
        rl.append(low)
        if len(rt) > self._size:
            del rt[0], rh[0], rl[0]
        self.m5_count = j + 1
        self.m5_last_time = time
        self.prev_close = close
        if len(rt) < self._size:
            return
        left = self._left
        i = j - self._right
        h = rh[left]
        ok = True
        for k in range(left):
            if not h > rh[k]:
                ok = False
                break
        if ok:
            for k in range(left + 1, self._size):
                if not h >= rh[k]:
                    ok = False
                    break
        if ok:
            self._swing(1, i, h, rt[left], j, known, out)
        lv = rl[left]
        ok = True
        for k in range(left):
            if not lv < rl[k]:
                ok = False
                break
        if ok:
            for k in range(left + 1, self._size):
                if not lv <= rl[k]:
                    ok = False
                    break
        if ok:
            self._swing(-1, i, lv, rt[left], j, known, out)

    def _swing(
        self, kind: int, index: int, level: float, time: int, j: int, known: int, out: list
    ) -> None:
        supersedes = -1
        if self.last_kind == kind:
            previous = self.high_swing if kind > 0 else self.low_swing
            assert previous is not None
            if (level < previous[1]) if kind > 0 else (level > previous[1]):
                return
            supersedes = previous[0]
        swing = [index, level, time, False]
        if kind > 0:
            self.high_swing = swing
        else:
            self.low_swing = swing
        self.last_kind = kind
        out.append(
            SwingEvent(
                time=time,
                kind="high" if kind > 0 else "low",
                level=level,
                known_at=known,
                index=index,
                known_index=j,
                supersedes=supersedes,
            )
        )

    def _break(
        self,
        direction: int,
        swing: list,
        j: int,
        time: int,
        close: float,
        atr: float | None,
        out: list,
    ) -> None:
        level = swing[1]
        kind = codes.BOS if direction == self.prev_direction else codes.CHOCH
        self.prev_direction = direction
        if atr is not None and atr > 0:
            strength = (close - level) / atr if direction > 0 else (level - close) / atr
        else:
            strength = math.nan
        break_id = self.n_breaks
        self.n_breaks = break_id + 1
        known = time + _M5
        out.append(
            BreakEvent(
                time=time,
                known_at=known,
                direction=direction,
                kind=codes.KIND_NAMES[kind],
                level=level,
                swing_time=swing[2],
                swing_index=swing[0],
                break_index=j,
                strength=strength,
                atr=math.nan if atr is None else atr,
                break_id=break_id,
            )
        )
        if self.first_m1 is not None and known < self.first_m1:
            return  # the M1 data start after this break: no setup (as in batch)
        self.active.append(
            {
                "break_id": break_id,
                "direction": direction,
                "kind": kind,
                "level": level,
                "break_time": time,
                "t0": known,
                "end": known + self._th.window_ns,
                "strength": None if math.isnan(strength) else strength,
                "touch": None,
                "extreme": None,
            }
        )

    # ------------------------------------------------------------------ M1 logic
    def _retest(
        self, t: int, open: float, high: float, low: float, close: float, out: list
    ) -> None:
        th = self._th
        keep = []
        for s in self.active:
            if t < s["t0"]:
                keep.append(s)
                continue
            if t >= s["end"]:
                self._finish(s, codes.NO_TOUCH if s["touch"] is None else codes.NO_CONFIRMATION)
                out.append(self._event(s, None, math.nan, math.nan, math.nan))
                continue
            level = s["level"]
            bull = s["direction"] > 0
            if s["touch"] is None:
                if (low <= level + th.tolerance) if bull else (high >= level - th.tolerance):
                    s["touch"] = t
                    s["extreme"] = low if bull else high
                    distance = abs(s["extreme"] - level)
                    if th.tolerance > 0:
                        s["precision"] = max(0.0, 1.0 - distance / th.tolerance)
                    else:
                        s["precision"] = 1.0 if distance == 0 else 0.0
            elif bull:
                if low < s["extreme"]:
                    s["extreme"] = low
            elif high > s["extreme"]:
                s["extreme"] = high
            if s["touch"] is not None:
                if bull:
                    invalid = close < level - th.invalidation
                    confirmed = close > level and close > open
                else:
                    invalid = close > level + th.invalidation
                    confirmed = close < level and close < open
                if invalid:
                    self._finish(s, codes.INVALIDATED, t + _M1)
                    out.append(self._event(s, None, math.nan, math.nan, math.nan))
                    continue
                if confirmed:
                    self._confirm(s, t, high, low, close)
                    self.awaiting_entry.append(s)
                    continue
            if t + _M1 >= s["end"]:
                self._finish(s, codes.NO_TOUCH if s["touch"] is None else codes.NO_CONFIRMATION)
                out.append(self._event(s, None, math.nan, math.nan, math.nan))
                continue
            keep.append(s)
        self.active = keep

    def _finish(self, s: dict, status: int, known_at: int | None = None) -> None:
        s["status"] = status
        s["known_at"] = s["end"] if known_at is None else known_at

    def _confirm(self, s: dict, t: int, high: float, low: float, close: float) -> None:
        known = t + _M1
        s["confirm"] = t
        s["known_at"] = known
        s["rejection"] = (
            (close - low) / (high - low) if s["direction"] > 0 else ((high - close) / (high - low))
        )
        s["session"] = self._session(known)
        window = self._th.window_ns
        s["speed"] = min(1.0, max(0.0, 1.5 * (window - (known - s["t0"])) / window))

    def _session(self, ts: int) -> float:
        # the SPEC §4 session score is constant within a UTC hour (every session edge of
        # DEFAULT_SESSIONS falls on a whole UTC hour): look up a week of hours at once
        hour = ts // _NS_PER_HOUR
        first, scores = self._session_memo
        if not 0 <= hour - first < len(scores):
            hours = np.arange(hour, hour + _SESSION_HOURS, dtype=np.int64) * _NS_PER_HOUR
            first, scores = self._session_memo = (hour, session_score(hours).tolist())
        return scores[hour - first]

    def _enter(self, t: int, open: float, spread: float | None, out: list) -> None:
        th = self._th
        spread_px = th.typical_spread if spread is None else spread * th.point
        for s in self.awaiting_entry:
            bull = s["direction"] > 0
            if bull:
                entry = open + spread_px
                stop = s["extreme"] - th.sl_buffer
                risk = entry - stop
            else:
                entry = open
                stop = s["extreme"] + th.sl_buffer
                risk = stop - entry
            target = math.nan
            if risk > th.max_stop:
                s["status"] = codes.REJECTED_MAX_STOP
            else:
                if risk < th.min_stop:
                    stop = entry - th.min_stop if bull else entry + th.min_stop
                    risk = entry - stop if bull else stop - entry
                target = entry + th.rr * risk if bull else entry - th.rr * risk
                s["status"] = codes.CONFIRMED
            out.append(self._event(s, t, entry, stop, target))
        self.awaiting_entry = []

    def _event(
        self, s: dict, entry_time: int | None, entry: float, stop: float, target: float
    ) -> SetupEvent:
        strength = s["strength"]
        c_strength = 0.0 if strength is None else min(1.0, max(0.0, strength / self._th.saturation))
        c_structure = 1.0 if s["kind"] == codes.BOS else 0.5
        precision = s.get("precision", math.nan) if s["touch"] is not None else math.nan
        confirm = s.get("confirm")
        rejection = session = speed = confidence = math.nan
        if confirm is not None:
            rejection, session, speed = s["rejection"], s["session"], s["speed"]
            values = (c_strength, precision, rejection, c_structure, session, speed)
            weighted = 0.0
            for w, v in zip(self._weights, values, strict=True):
                weighted += w * v
            confidence = min(1.0, weighted / self._weight_total)
        return SetupEvent(
            break_id=s["break_id"],
            direction=s["direction"],
            kind=codes.KIND_NAMES[s["kind"]],
            level=s["level"],
            break_time=s["break_time"],
            break_known_at=s["t0"],
            touch_time=s["touch"],
            confirm_time=confirm,
            known_at=s["known_at"],
            entry_time=entry_time,
            entry=entry,
            stop=stop,
            target=target,
            confidence=confidence,
            break_strength=c_strength,
            retest_precision=precision,
            rejection=rejection,
            structure=c_structure,
            session=session,
            speed=speed,
            status=codes.STATUS_NAMES[s["status"]],
        )

    # ------------------------------------------------------------------ state
    @property
    def weights(self) -> dict[str, float]:
        """The normalised confidence weights by component name (for ``SetupEvent.to_signal``)."""
        return self.params.weights.normalised()

    def state(self) -> dict[str, Any]:
        """Everything needed to continue: a JSON-able dict of plain values (no NaN)."""
        data: dict[str, Any] = {
            "version": _STATE_VERSION,
            "spec": self.spec.to_dict(),
            "params": self.params.model_dump(mode="json"),
            "m5_from_m1": self.m5_from_m1,
        }
        for name in _FIELDS:
            data[name] = _copy(getattr(self, name))
        return data

    def to_bytes(self) -> bytes:
        """:meth:`state` as compact JSON bytes."""
        return json.dumps(self.state(), separators=(",", ":"), allow_nan=False).encode()

    @classmethod
    def from_state(cls, state: dict[str, Any] | bytes | str) -> StructureStream:
        """Rebuild a detector from :meth:`state` or :meth:`to_bytes` output."""
        data = json.loads(state) if isinstance(state, bytes | str) else state
        if data.get("version") != _STATE_VERSION:
            raise ValueError(
                f"stream state version {data.get('version')!r} is not {_STATE_VERSION}: "
                "rebuild the stream from bars"
            )
        stream = cls(
            SymbolSpec.from_dict(dict(data["spec"])),
            StructureParams(**data["params"]),
            m5_from_m1=bool(data["m5_from_m1"]),
        )
        for name in _FIELDS:
            setattr(stream, name, _copy(data[name]))
        # an awaiting setup is the same object as before (it left ``active`` when confirmed)
        return stream


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value

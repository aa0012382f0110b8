"""Scripts of planted BOS + retest episodes: a window of M1 bars that a SPEC-exact engine reads
as one bullish (or bearish) break of structure followed by a confirmed retest.

A script is built in *bullish coordinates*: integer ticks relative to the close of the bar
before the window (the window's first open is that close). A bearish script is the mirror image
(prices negated, highs and lows swapped). With ``p`` = one pip in ticks, on M5 bars (MetaTrader
resampling, the window starts on a 5-minute boundary):

* ``left`` lead-in bars fall (strictly decreasing lows) into **SL1**, a down bar with a long
  lower wick: a swing low whatever came before, so no earlier swing high can be thinned
  against the episode's swing high;
* ``max(left, right)`` to ``+2`` up bars (strictly increasing highs and lows, wicks <= 0.5 p)
  and the **SH** bar, an up bar whose upper wick (0.8-1.5 p) is longer than any wick around it:
  its high is the level ``l`` (strictly above the bars before, above the ones after);
* ``right`` or ``right + 1`` down bars (highs strictly decreasing, all below ``l``), the last
  one **SL2** with a long lower wick; then ``right`` or ``right + 1`` up bars whose highs rise
  strictly but stay at least 1 p below ``l`` (so no bar from SH to the break is a swing high and
  nothing closes near ``l``);
* the **break** bar closes at ``l + threshold + 1.5..4 p``.

Then M1 bars from the break bar's close ``T``: 0-2 bars higher and 2-6 bars back down, all lows
strictly above ``l + tolerance``; the **touch** bar (the first whose low is within the
tolerance); either the touch bar itself confirms (a hammer closing above ``l`` and its open) or
it closes at or below ``l``, followed by 0-3 bars closing within 2 p below ``l`` and the
**confirmation** bar closing above ``l`` (and its open). One bar from touch to confirmation
holds the lowest low, placed so that ``confirmation close - lowest low + sl_buffer`` lies in
:meth:`EpisodeParams.risk_range`. The entry bar opens at the confirmation close; from there the
price walks in 1-2.5 p steps to one pip plus the window's largest spread beyond the target
(``outcome = "target"``) or the stop (``"stop"``) without coming near the other side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mikrobot.core.symbol import SymbolSpec
from mikrobot.data.synthetic.params import EpisodeParams

M5 = 5


@dataclass(frozen=True, slots=True)
class Script:
    """One planted episode: M1 bars (ticks relative to the previous close) and where things are.

    ``swing_bar``/``break_bar`` are M5 positions in the window, ``touch``/``confirm`` M1
    positions; ``level``, ``low_extreme`` (lowest low from touch to confirmation, bullish
    coordinates negated for shorts: the highest high) are ticks relative to the previous close.
    """

    direction: int
    outcome: str
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    spread: np.ndarray
    swing_bar: int
    break_bar: int
    touch: int
    confirm: int
    level: int
    extreme: int

    @property
    def length(self) -> int:
        """Number of M1 bars in the window."""
        return int(self.open.size)


class _Bars:
    """Accumulates bars in bullish coordinates (ticks)."""

    def __init__(self) -> None:
        self.o: list[int] = []
        self.h: list[int] = []
        self.l: list[int] = []
        self.c: list[int] = []

    @property
    def last(self) -> int:
        return self.c[-1] if self.c else 0

    def add(self, o: int, hi: int, lo: int, c: int) -> None:
        self.o.append(int(o))
        self.h.append(int(max(hi, o, c)))
        self.l.append(int(min(lo, o, c)))
        self.c.append(int(c))

    def __len__(self) -> int:
        return len(self.c)


class Draws:
    """Uniform draws from one Generator, fetched in blocks: cheap one at a time, deterministic."""

    def __init__(self, rng: np.random.Generator, block: int = 512) -> None:
        self._rng = rng
        self._block = block
        self._buf: list[float] = []

    def random(self) -> float:
        """A float in [0, 1)."""
        if not self._buf:
            self._buf = self._rng.random(self._block).tolist()[::-1]
        return self._buf.pop()

    def uniform(self, lo: float, hi: float) -> float:
        """A float in [lo, hi)."""
        return lo + (hi - lo) * self.random()

    def integers(self, lo: int, hi: int) -> int:
        """An int in [lo, hi)."""
        return lo + min(int(self.random() * (hi - lo)), hi - lo - 1)


def _split(total: int, parts: int, minimum: int, rnd: Draws) -> list[int]:
    """``parts`` integers >= ``minimum`` summing to ``max(total, parts * minimum)``."""
    extra = max(total - parts * minimum, 0)
    weights = [rnd.random() + 0.25 for _ in range(parts)]
    scale = extra / sum(weights)
    shares = [math.floor(w * scale) for w in weights]
    shares[-1] += extra - sum(shares)
    return [minimum + s for s in shares]


def _expand_m5(bars: _Bars, o: int, hi: int, lo: int, c: int, jitter: int, rnd: Draws) -> None:
    """Five M1 bars whose MetaTrader M5 aggregate is exactly ``(o, hi, lo, c)``: the path goes
    open -> first extreme (low for an up bar) in bar ``k1`` -> second extreme in bar ``k2`` ->
    close, M1 closes interpolated along it, wicks of up to ``jitter`` ticks inside the range."""
    up = c >= o
    k1 = rnd.integers(0, 2)
    k2 = rnd.integers(3, 5)
    first, second = (lo, hi) if up else (hi, lo)
    xs = (0.0, k1 + 0.5, k2 + 0.5, 5.0)
    ys = (o, first, second, c)
    closes = []
    for t in (1, 2, 3, 4):
        seg = 0 if t <= xs[1] else (1 if t <= xs[2] else 2)
        v = ys[seg] + (ys[seg + 1] - ys[seg]) * (t - xs[seg]) / (xs[seg + 1] - xs[seg])
        closes.append(min(max(math.floor(v + 0.5), lo), hi))
    closes.append(c)
    prev = o
    for m in range(5):
        cm = closes[m]
        hm = min(max(prev, cm) + rnd.integers(0, jitter + 1), hi)
        lm = max(min(prev, cm) - rnd.integers(0, jitter + 1), lo)
        if m == (k1 if up else k2):
            lm = lo
        if m == (k2 if up else k1):
            hm = hi
        bars.add(prev, hm, lm, cm)
        prev = cm


def build_script(
    spec: SymbolSpec,
    ep: EpisodeParams,
    direction: int,
    outcome: str,
    typical_spread: float,
    rnd: Draws,
) -> Script:
    """Script one episode for ``spec`` (see the module docstring for its shape)."""
    tick = spec.tick_size
    tpp = spec.pip_size / tick  # ticks per pip

    def pips(x: float) -> int:
        return math.floor(x * tpp + 0.5)

    def pos(x: float) -> int:
        return max(1, pips(x))

    def draw(lo: float, hi: float) -> int:
        return pos(rnd.uniform(lo, hi))

    wick = pips(0.5)
    step = max(pos(1.5), wick + 1)
    big = max(wick + 1, pos(0.8))

    def wk() -> int:
        return rnd.integers(0, wick + 1)

    def bigwick() -> int:
        return max(big, draw(0.8, 1.5))

    # ------------------------------------------------------------------ M5 structure
    m5: list[tuple[int, int, int, int]] = []
    prev = 0

    def down(d: int, wl: int) -> None:
        nonlocal prev
        o, c = prev, prev - d
        m5.append((o, o + wk(), c - wl, c))
        prev = c

    def up(d: int, wh: int) -> None:
        nonlocal prev
        o, c = prev, prev + d
        m5.append((o, c + wh, o - wk(), c))
        prev = c

    left, right = ep.left, ep.right
    for _ in range(left):
        down(max(step, draw(1.5, 3.0)), wk())
    down(max(step, draw(1.5, 3.0)), bigwick())  # SL1
    n_rise = rnd.integers(max(left, right), max(left, right) + 3)
    leg1 = pos(rnd.uniform(*ep.leg_pips))
    rises = _split(leg1, n_rise + 1, step, rnd)
    for d in rises[:-1]:
        up(d, wk())
    up(rises[-1], bigwick())  # SH
    swing_bar = len(m5) - 1
    level = m5[swing_bar][1]
    top_close = m5[swing_bar][3]
    n_pull = rnd.integers(right, right + 2)
    n_rally = rnd.integers(right, right + 2)
    gap = max(wick + 1, draw(1.5, 3.0))  # the rally tops out this far below the level
    leg2 = max(pos(rnd.uniform(0.4, 0.7) * leg1 / tpp), (n_rally + 1) * step + gap)
    pulls = _split(leg2, n_pull, step, rnd)
    for d in pulls[:-1]:
        down(d, wk())
    down(pulls[-1], bigwick())  # SL2
    rally_top = level - gap
    for d in _split(rally_top - prev, n_rally, step, rnd):
        up(d, wk())
    threshold = math.floor(ep.break_threshold * tpp) + 1  # first tick beyond the threshold
    up(level + threshold + draw(1.5, 4.0) - prev, wk())  # the break
    break_bar = len(m5) - 1
    assert top_close < level
    assert prev > level

    bars = _Bars()
    jitter = max(pips(0.3), 0)
    for o, hi, lo, c in m5:
        _expand_m5(bars, o, hi, lo, c, jitter, rnd)

    # ------------------------------------------------------------------ M1 retest
    tol_floor = math.floor(ep.retest_tolerance * tpp)  # lows <= level + tol_floor touch
    floor_pre = level + tol_floor + 1 + pips(0.2)  # pre-touch lows stay at or above this
    for _ in range(rnd.integers(0, 3)):
        o = bars.last
        c = o + draw(0.3, 1.5)
        bars.add(o, c + wk(), max(o - wk(), floor_pre), c)
    peak = bars.last
    n_down = rnd.integers(2, 7)
    c_pre = floor_pre + rnd.integers(0, pos(1.0) + 1)
    for m in range(1, n_down + 1):
        o = bars.last
        c = round(peak + (c_pre - peak) * m / n_down)
        bars.add(o, max(o, c) + wk(), max(min(o, c) - wk(), floor_pre), c)

    risk_lo, risk_hi = ep.risk_range()
    risk_ex = pos(rnd.uniform(risk_lo, risk_hi) - ep.sl_buffer)  # close - lowest low
    touch = len(bars)
    hammer = bool(rnd.random() < 0.25)
    if hammer:
        o = bars.last
        c_conf = o + draw(0.5, 1.5)
        extreme = min(c_conf - risk_ex, level + tol_floor)
        bars.add(o, c_conf + wk(), extreme, c_conf)
        confirm = touch
    else:
        c_conf = level + max(pos(0.8), draw(0.8, 2.5))
        extreme = min(c_conf - risk_ex, level - 1)
        floor_close = max(extreme + 1, level - pips(2.0))
        n_hes = rnd.integers(0, 4)
        deepest = touch + rnd.integers(0, n_hes + 2)
        for m in range(n_hes + 1):  # the touch bar and the hesitation bars: close <= level
            o = bars.last
            c = rnd.integers(floor_close, level + 1)
            lo = min(o, c) - wk()
            if m == 0:
                lo = min(lo, level + rnd.integers(-pips(1.0), min(pips(0.4), tol_floor) + 1))
            bars.add(o, max(o, c) + wk(), max(lo, extreme), c)
        o = bars.last
        bars.add(o, c_conf + wk(), max(min(o, c_conf) - wk(), extreme), c_conf)
        confirm = len(bars) - 1
        bars.l[deepest] = extreme

    # ------------------------------------------------------------------ spreads, outcome
    point = spec.point
    cap = max(1, math.floor(ep.max_spread_pips * spec.pip_size / point + 1e-9))
    base = max(typical_spread, 1.0)

    def spreads(size: int) -> np.ndarray:
        drawn = [math.floor(base * rnd.uniform(0.8, 1.25) + 0.5) for _ in range(size)]
        return np.clip(np.asarray(drawn, dtype=np.int64), 1, cap)

    spread_pre = spreads(len(bars) + 1)  # up to and including the entry bar
    entry_spread = float(spread_pre[confirm + 1]) * point / tick if direction > 0 else 0.0
    buffer = ep.sl_buffer * tpp
    risk = c_conf + entry_spread - (extreme - buffer)  # ticks, spread included for buys
    target = c_conf + entry_spread + ep.rr * risk
    stop = extreme - buffer
    margin = tpp + cap * point / tick  # one pip beyond, whichever side (bid or ask) triggers
    goal_up = outcome == "target"
    goal = target + margin if goal_up else stop - margin
    first = True
    while (bars.h[-1] < goal) if goal_up else (bars.l[-1] > goal):
        o = bars.last
        d = draw(1.0, 2.5)
        if goal_up:
            c = o + d
            bars.add(o, c + wk(), o - (0 if first else wk()), c)
        else:
            c = o - d
            bars.add(o, o + (0 if first else wk()), c - wk(), c)
        first = False
    spread = np.concatenate([spread_pre, spreads(len(bars) - spread_pre.size)])

    sign = 1 if direction > 0 else -1
    o_arr = np.asarray(bars.o, dtype=np.int64)
    h_arr = np.asarray(bars.h, dtype=np.int64)
    l_arr = np.asarray(bars.l, dtype=np.int64)
    c_arr = np.asarray(bars.c, dtype=np.int64)
    if sign < 0:
        o_arr, h_arr, l_arr, c_arr = -o_arr, -l_arr, -h_arr, -c_arr
    return Script(
        direction=sign,
        outcome=outcome,
        open=o_arr,
        high=h_arr,
        low=l_arr,
        close=c_arr,
        spread=spread,
        swing_bar=swing_bar,
        break_bar=break_bar,
        touch=touch,
        confirm=confirm,
        level=sign * level,
        extreme=sign * extreme,
    )

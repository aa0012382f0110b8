"""Pandas in, pandas out: swings, breaks and retest setups of canonical bar frames.

The work is done once, in the numba kernels of :mod:`mikrobot.structure.nb`; this module
checks the frames, converts them to arrays and builds the result frames. Times in the results
are ``datetime64[ns, UTC]``; ``known_at`` is always the first moment a live system could act.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from mikrobot.core.sessions import session_score
from mikrobot.core.signal import Signal
from mikrobot.core.symbol import SymbolSpec
from mikrobot.core.timeframe import Timeframe
from mikrobot.structure import codes
from mikrobot.structure.events import SetupEvent
from mikrobot.structure.inputs import (
    BarArrays,
    bar_arrays,
    m5_from_m1,
    resolve_params,
    resolve_spec,
)
from mikrobot.structure.nb import confidence_nb, setups_nb, structure_nb
from mikrobot.structure.params import COMPONENTS, StructureParams, Thresholds

_NAT = np.iinfo(np.int64).min

#: the categories of the label columns (categoricals: cheap to build, compare as strings)
SWING_KINDS = ("high", "low")
BREAK_KINDS = ("CHoCH", "BOS")  # codes.CHOCH, codes.BOS
STATUSES = tuple(codes.STATUS_NAMES[k] for k in sorted(codes.STATUS_NAMES))
_DTYPES = {c: pd.CategoricalDtype(list(c)) for c in (SWING_KINDS, BREAK_KINDS, STATUSES)}


def _labels(categories: tuple[str, ...], index: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(index, dtype=_DTYPES[categories])


def _times(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize(
        "UTC"
    )


def _take_times(time: np.ndarray, index: np.ndarray) -> pd.DatetimeIndex:
    """``time[index]`` with NaT where ``index`` is -1."""
    ok = index >= 0
    out = np.full(index.shape[0], _NAT, dtype=np.int64)
    out[ok] = time[index[ok]]
    return _times(out)


@dataclass(frozen=True, slots=True)
class StructureArrays:
    """Raw kernel output of :func:`structure_arrays` (positions refer to the M5 arrays)."""

    swing_index: np.ndarray
    swing_kind: np.ndarray
    swing_level: np.ndarray
    swing_known_index: np.ndarray
    swing_supersedes: np.ndarray
    break_direction: np.ndarray
    break_kind: np.ndarray
    break_level: np.ndarray
    break_swing_index: np.ndarray
    break_index: np.ndarray
    break_strength: np.ndarray
    break_atr: np.ndarray


def structure_arrays(m5: BarArrays, th: Thresholds) -> StructureArrays:
    """Swings and breaks of M5 arrays (the kernel, without frames)."""
    return StructureArrays(
        *structure_nb(
            m5.high,
            m5.low,
            m5.close,
            th.left,
            th.right,
            th.break_on_close,
            th.threshold,
            th.atr_period,
        )
    )


def _swings_frame(m5: BarArrays, s: StructureArrays) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": _times(m5.time[s.swing_index]),
            "kind": _labels(SWING_KINDS, (s.swing_kind < 0).astype(np.int8)),
            "level": s.swing_level,
            "known_at": _times(m5.time[s.swing_known_index] + codes.M5_NS),
            "index": s.swing_index,
            "known_index": s.swing_known_index,
            "supersedes": s.swing_supersedes,
        }
    )


def _breaks_frame(m5: BarArrays, s: StructureArrays) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": _times(m5.time[s.break_index]),
            "known_at": _times(m5.time[s.break_index] + codes.M5_NS),
            "direction": s.break_direction,
            "kind": _labels(BREAK_KINDS, s.break_kind),
            "level": s.break_level,
            "swing_time": _times(m5.time[s.break_swing_index]),
            "swing_index": s.break_swing_index,
            "break_index": s.break_index,
            "strength": s.break_strength,
            "atr": s.break_atr,
        }
    )


def swings(
    m5: pd.DataFrame,
    spec: SymbolSpec | str | None = None,
    params: StructureParams | None = None,
) -> pd.DataFrame:
    """Causal, thinned swings of M5 bars (SPEC §1), one row per swing in the order known.

    Columns: ``time`` (the swing bar's open), ``kind`` (``"high"``/``"low"``), ``level``,
    ``known_at`` (close of bar ``index + right``), ``index`` and ``known_index`` (positions in
    ``m5``), ``supersedes`` (position of the same-kind swing this one replaced, -1 if none; the
    replaced row stays, since no event is rewritten). ``spec`` is accepted for symmetry and
    unused: swings have no price thresholds.
    """
    del spec
    p = resolve_params(params)
    bars = bar_arrays(m5, Timeframe.M5, "m5")
    # swings depend on left/right only: the break threshold given here changes nothing in them
    s = StructureArrays(
        *structure_nb(bars.high, bars.low, bars.close, p.left, p.right, True, 0.0, p.atr_period)
    )
    return _swings_frame(bars, s)


def breaks(
    m5: pd.DataFrame,
    spec: SymbolSpec | str | None = None,
    params: StructureParams | None = None,
) -> pd.DataFrame:
    """BOS/CHoCH breaks of M5 bars (SPEC §2), one row per break in the order known.

    Columns: ``time`` (the break bar's open), ``known_at`` (its close), ``direction`` (+1
    bullish, -1 bearish), ``kind`` (``"BOS"``/``"CHoCH"``), ``level``, ``swing_time``,
    ``swing_index``, ``break_index`` (positions in ``m5``), ``strength`` (in ATR of M5, NaN
    before the ATR exists) and ``atr``. ``spec`` (a SymbolSpec or a name; default
    ``m5.attrs['symbol']``) turns the pip threshold into price.
    """
    th = resolve_params(params).for_symbol(resolve_spec(spec, m5))
    bars = bar_arrays(m5, Timeframe.M5, "m5")
    return _breaks_frame(bars, structure_arrays(bars, th))


def structure(
    m5: pd.DataFrame,
    spec: SymbolSpec | str | None = None,
    params: StructureParams | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(swings(m5), breaks(m5))`` from one pass of the kernel (see those functions)."""
    th = resolve_params(params).for_symbol(resolve_spec(spec, m5))
    bars = bar_arrays(m5, Timeframe.M5, "m5")
    s = structure_arrays(bars, th)
    return _swings_frame(bars, s), _breaks_frame(bars, s)


def setups(
    m1: pd.DataFrame,
    m5: pd.DataFrame | None = None,
    spec: SymbolSpec | str | None = None,
    params: StructureParams | None = None,
) -> pd.DataFrame:
    """M5 breaks with their M1 retests (SPEC §2-§4): one row per decided setup.

    When ``m5`` is None it is built from ``m1`` (MetaTrader semantics; a last M5 bar still
    forming is left out). Breaks known before the first M1 bar, and setups whose outcome or
    entry bar is not in the data yet, are not reported. Columns:

    * ``break_id`` (row of :func:`breaks` on the same M5 bars), ``direction`` (+1 buy, -1 sell),
      ``kind``, ``level``;
    * ``break_time`` (the M5 break bar's open), ``break_known_at``, ``touch_time``,
      ``confirm_time`` (M1 bar opens; NaT when none), ``known_at`` (when the status became
      known: the confirmation or invalidation bar's close, or the window's end),
      ``entry_time`` (open of the entry bar);
    * ``entry``, ``stop``, ``target`` (prices; NaN when not applicable, target NaN when
      rejected for ``max_stop``);
    * ``confidence`` and its components ``break_strength``, ``retest_precision``, ``rejection``,
      ``structure``, ``session``, ``speed`` (NaN where undefined);
    * ``status``: ``confirmed``, ``invalidated``, ``no_touch``, ``no_confirmation`` or
      ``rejected_max_stop``.

    ``attrs`` holds ``symbol`` and the normalised confidence ``weights``.
    """
    sym = resolve_spec(spec, m1, m5)
    p = resolve_params(params)
    th = p.for_symbol(sym)
    m1_bars = bar_arrays(m1, Timeframe.M1, "m1")
    m5_bars = m5_from_m1(m1_bars) if m5 is None else bar_arrays(m5, Timeframe.M5, "m5")
    s = structure_arrays(m5_bars, th)
    frame = _setups_frame(m1_bars, m5_bars, s, th)
    frame.attrs["symbol"] = sym.name
    frame.attrs["weights"] = p.weights.normalised()
    return frame


def setup_arrays(m1: BarArrays, m5: BarArrays, s: StructureArrays, th: Thresholds) -> dict:
    """Kernel output of the retest scan and the confidence, per break (all statuses)."""
    known = m5.time[s.break_index] + codes.M5_NS
    (status, touch, confirm, entry_i, s_known, entry, stop, target, precision, rejection, speed) = (
        setups_nb(
            s.break_direction,
            s.break_level,
            known,
            m1.time,
            m1.open,
            m1.high,
            m1.low,
            m1.close,
            np.zeros(0) if m1.spread is None else m1.spread,
            th.point,
            th.typical_spread,
            th.window_ns,
            th.tolerance,
            th.invalidation,
            th.sl_buffer,
            th.min_stop,
            th.max_stop,
            th.rr,
        )
    )
    session = np.full(status.shape[0], np.nan)
    has_confirm = (status == codes.CONFIRMED) | (status == codes.REJECTED_MAX_STOP)
    if has_confirm.any():
        session[has_confirm] = session_score(s_known[has_confirm])
    c_strength, c_structure, confidence = confidence_nb(
        s.break_strength,
        s.break_kind,
        precision,
        rejection,
        session,
        speed,
        th.saturation,
        np.asarray(th.weights, dtype=np.float64),
    )
    return {
        "break_known_at": known,
        "status": status,
        "touch_index": touch,
        "confirm_index": confirm,
        "entry_index": entry_i,
        "known_at": s_known,
        "entry": entry,
        "stop": stop,
        "target": target,
        "break_strength": c_strength,
        "retest_precision": precision,
        "rejection": rejection,
        "structure": c_structure,
        "session": session,
        "speed": speed,
        "confidence": confidence,
    }


def _setups_frame(m1: BarArrays, m5: BarArrays, s: StructureArrays, th: Thresholds) -> pd.DataFrame:
    a = setup_arrays(m1, m5, s, th)
    keep = np.flatnonzero(a["status"] > codes.PENDING)
    r = {name: values[keep] for name, values in a.items()}
    frame = pd.DataFrame(
        {
            "break_id": keep,
            "direction": s.break_direction[keep],
            "kind": _labels(BREAK_KINDS, s.break_kind[keep]),
            "level": s.break_level[keep],
            "break_time": _times(m5.time[s.break_index[keep]]),
            "break_known_at": _times(r["break_known_at"]),
            "touch_time": _take_times(m1.time, r["touch_index"]),
            "confirm_time": _take_times(m1.time, r["confirm_index"]),
            "known_at": _times(r["known_at"]),
            "entry_time": _take_times(m1.time, r["entry_index"]),
            "entry": r["entry"],
            "stop": r["stop"],
            "target": r["target"],
            "confidence": r["confidence"],
            **{name: r[name] for name in COMPONENTS},
            "status": _labels(STATUSES, r["status"] - 1),
        }
    )
    return frame


def to_signals(setups_df: pd.DataFrame, symbol: str | None = None) -> list[Signal]:
    """A :class:`~mikrobot.core.signal.Signal` for every confirmed setup of :func:`setups`.

    ``ts`` is the setup's ``known_at`` (the confirmation bar's close); ``components`` holds the
    six SPEC §4 components and, as ``weight_<name>``, the normalised weights that produced the
    confidence. ``symbol`` defaults to ``setups_df.attrs['symbol']``.
    """
    name = symbol or setups_df.attrs.get("symbol")
    if not name:
        raise ValueError("no symbol: pass symbol='EURUSD' or use a frame from setups()")
    weights = setups_df.attrs.get("weights", {})
    rows = setups_df[setups_df["status"] == "confirmed"]
    out = []
    for record in rows.to_dict("records"):
        values = {f: record[f] for f in _SETUP_FIELDS}
        for f in _SETUP_TIMES:
            values[f] = None if pd.isna(values[f]) else int(pd.Timestamp(values[f]).value)
        out.append(SetupEvent(**values).to_signal(str(name), weights))
    return out


_SETUP_FIELDS = tuple(f.name for f in fields(SetupEvent))
_SETUP_TIMES = tuple(f for f in _SETUP_FIELDS if f.endswith(("_time", "_at")))

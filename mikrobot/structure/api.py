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
from mikrobot.structure.inputs import (
    BarArrays,
    bar_arrays,
    m5_from_m1,
    resolve_params,
    resolve_spec,
)
from mikrobot.structure.nb import confidence_nb, event_times_nb, setups_nb, structure_nb
from mikrobot.structure.params import COMPONENTS, StructureParams, Thresholds

_NAT = np.iinfo(np.int64).min

#: the categories of the label columns (categoricals: cheap to build, compare as strings)
SWING_KINDS = ("high", "low")
BREAK_KINDS = ("CHoCH", "BOS")  # codes.CHOCH, codes.BOS
STATUSES = tuple(codes.STATUS_NAMES[k] for k in sorted(codes.STATUS_NAMES))
_DTYPES = {c: pd.CategoricalDtype(list(c)) for c in (SWING_KINDS, BREAK_KINDS, STATUSES)}


def _labels(categories: tuple[str, ...], index: np.ndarray) -> pd.Categorical:
    # the kernels give valid codes: pandas need not check them again
    return pd.Categorical.from_codes(index, dtype=_DTYPES[categories], validate=False)


def _utc(ns: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``datetime64[ns, UTC]`` values of int64 epoch nanoseconds."""
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), tz="UTC").array


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


def _event_times(
    m5: BarArrays, s: StructureArrays, swings: bool = True, breaks: bool = True
) -> pd.api.extensions.ExtensionArray:
    """Every time column of the swing and/or break frames, as one ``datetime64[ns, UTC]``
    array laid out as :func:`~mikrobot.structure.nb.event_times_nb` says (pandas' conversion
    costs more than the values, so it runs once). The frames take slices of it."""
    ns = s.swing_index.shape[0] if swings else 0
    nb_ = s.break_index.shape[0] if breaks else 0
    return _utc(
        event_times_nb(
            m5.time,
            s.swing_index[:ns],
            s.swing_known_index[:ns],
            s.break_index[:nb_],
            s.break_swing_index[:nb_],
            codes.M5_NS,
        )
    )


# The frames take the kernel's arrays without copying them (nothing else holds them); the
# RangeIndex is given since pandas takes longer to infer it.


def _swings_frame(t: pd.api.extensions.ExtensionArray, s: StructureArrays) -> pd.DataFrame:
    ns = s.swing_index.shape[0]
    return pd.DataFrame(
        {
            "time": t[:ns],
            "kind": _labels(SWING_KINDS, (s.swing_kind < 0).view(np.int8)),
            "level": s.swing_level,
            "known_at": t[ns : 2 * ns],
            "index": s.swing_index,
            "known_index": s.swing_known_index,
            "supersedes": s.swing_supersedes,
        },
        index=pd.RangeIndex(ns),
        copy=False,
    )


def _breaks_frame(t: pd.api.extensions.ExtensionArray, s: StructureArrays) -> pd.DataFrame:
    nb_ = s.break_index.shape[0]
    o = len(t) - 3 * nb_  # the break times come last
    return pd.DataFrame(
        {
            "time": t[o : o + nb_],
            "known_at": t[o + nb_ : o + 2 * nb_],
            "direction": s.break_direction,
            "kind": _labels(BREAK_KINDS, s.break_kind),
            "level": s.break_level,
            "swing_time": t[o + 2 * nb_ :],
            "swing_index": s.break_swing_index,
            "break_index": s.break_index,
            "strength": s.break_strength,
            "atr": s.break_atr,
        },
        index=pd.RangeIndex(nb_),
        copy=False,
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
    return _swings_frame(_event_times(bars, s, breaks=False), s)


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
    s = structure_arrays(bars, th)
    return _breaks_frame(_event_times(bars, s, swings=False), s)


def structure(
    m5: pd.DataFrame,
    spec: SymbolSpec | str | None = None,
    params: StructureParams | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(swings(m5), breaks(m5))`` from one pass of the kernel (see those functions)."""
    th = resolve_params(params).for_symbol(resolve_spec(spec, m5))
    bars = bar_arrays(m5, Timeframe.M5, "m5")
    s = structure_arrays(bars, th)
    t = _event_times(bars, s)
    return _swings_frame(t, s), _breaks_frame(t, s)


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
    k = keep.shape[0]
    # the six time columns in one array, turned into datetimes at once (NaT where no bar)
    raw = np.empty(6 * k, np.int64)
    raw[:k] = m5.time[s.break_index[keep]]
    raw[k : 2 * k] = r["break_known_at"]
    for j, name in ((2, "touch_index"), (3, "confirm_index"), (5, "entry_index")):
        index = r[name]
        ok = index >= 0
        column = raw[j * k : (j + 1) * k]
        column.fill(_NAT)
        column[ok] = m1.time[index[ok]]
    raw[4 * k : 5 * k] = r["known_at"]
    t = _utc(raw)
    return pd.DataFrame(
        {
            "break_id": keep,
            "direction": s.break_direction[keep],
            "kind": _labels(BREAK_KINDS, s.break_kind[keep]),
            "level": s.break_level[keep],
            "break_time": t[:k],
            "break_known_at": t[k : 2 * k],
            "touch_time": t[2 * k : 3 * k],
            "confirm_time": t[3 * k : 4 * k],
            "known_at": t[4 * k : 5 * k],
            "entry_time": t[5 * k :],
            "entry": r["entry"],
            "stop": r["stop"],
            "target": r["target"],
            "confidence": r["confidence"],
            **{name: r[name] for name in COMPONENTS},
            "status": _labels(STATUSES, r["status"] - 1),
        },
        index=pd.RangeIndex(k),
        copy=False,  # every column is a new array
    )


def to_signals(setups_df: pd.DataFrame, symbol: str | None = None) -> list[Signal]:
    """A :class:`~mikrobot.core.signal.Signal` for every confirmed setup of :func:`setups`.

    ``ts`` is the setup's ``known_at`` (the confirmation bar's close); ``components`` holds the
    six SPEC §4 components and, as ``weight_<name>``, the normalised weights that produced the
    confidence. ``symbol`` defaults to ``setups_df.attrs['symbol']``.
    """
    name = symbol or setups_df.attrs.get("symbol")
    if not name:
        raise ValueError("no symbol: pass symbol='EURUSD' or use a frame from setups()")
    from mikrobot.structure.events import SetupEvent  # the live path's event, loaded on use

    weights = setups_df.attrs.get("weights", {})
    rows = setups_df[setups_df["status"] == "confirmed"]
    names = tuple(f.name for f in fields(SetupEvent))
    times = tuple(f for f in names if f.endswith(("_time", "_at")))
    out = []
    for record in rows.to_dict("records"):
        values = {f: record[f] for f in names}
        for f in times:
            values[f] = None if pd.isna(values[f]) else int(pd.Timestamp(values[f]).value)
        out.append(SetupEvent(**values).to_signal(str(name), weights))
    return out

"""The structure engine's confirmed setups as signals: ordering, validity and lazy Signals.

:func:`confirmed` picks the confirmed rows in ``known_at`` order; :class:`SetupRows` holds their
columns as arrays and lists and makes the :class:`~mikrobot.core.signal.Signal` of row ``j`` on
demand (``None`` where the row is not a valid signal), so a backtest builds Signals only for
the setups the evaluation must see; :meth:`SetupRows.valid` is the same validity for all rows
at once, with numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mikrobot.core.side import Side
from mikrobot.core.signal import Signal

#: components of the confidence score carried by a setup row (SPEC §4)
COMPONENTS = ("break_strength", "retest_precision", "rejection", "structure", "session", "speed")
_REQUIRED = ("direction", "known_at", "entry", "stop", "target", "confidence")
_KINDS = ("BOS", "CHoCH")


def confirmed(setups: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the confirmed rows in ``known_at`` order and their ``known_at`` in UTC
    epoch ns.

    Raises ``ValueError`` when a required column is missing or ``known_at`` is not UTC.
    """
    missing = [c for c in _REQUIRED if c not in setups.columns]
    if missing:
        raise ValueError(
            f"setups lack the column(s) {', '.join(missing)}: pass the frame of "
            "mikrobot.structure.api.setups()"
        )
    known = setups["known_at"]
    if not isinstance(known.dtype, pd.DatetimeTZDtype):
        raise ValueError("setups known_at must be UTC timestamps (datetime64[ns, UTC])")
    stamps = pd.DatetimeIndex(known).tz_convert("UTC").as_unit("ns").asi8
    if "status" in setups.columns:
        take = np.flatnonzero(np.asarray(setups["status"] == "confirmed"))
        stamps = stamps[take]
    else:
        take = np.arange(len(setups))
    if stamps.shape[0] > 1 and not bool(np.all(stamps[1:] >= stamps[:-1])):
        order = np.argsort(stamps, kind="stable")
        take, stamps = take[order], stamps[order]
    return take, stamps


class SetupRows:
    """The rows ``take`` (positions, from :func:`confirmed`) of a setups frame, known at
    ``known`` (UTC epoch ns), ready to become signals of ``symbol``.

    ``side`` (+1 buy, -1 sell), ``entry``, ``stop``, ``target``, ``confidence`` (float64) and
    ``ts`` (int64 epoch ns) are arrays; ``row(j)`` is the Signal of row ``j``, with id
    ``setup-j``, source ``backtest`` and the SPEC §4 components present in the frame.
    """

    def __init__(
        self, setups: pd.DataFrame, take: np.ndarray, known: np.ndarray, symbol: str
    ) -> None:
        def column(name: str) -> np.ndarray:
            return setups[name].to_numpy(np.float64)[take]

        columns = setups.columns
        n = take.shape[0]
        self.symbol = symbol
        self.ts = np.asarray(known, dtype=np.int64)
        self.side = np.where(setups["direction"].to_numpy()[take] > 0, 1, -1)
        self.entry = column("entry")
        self.stop = column("stop")
        self.target = column("target")
        self.confidence = column("confidence")
        if "kind" in columns:
            self.kind = _strings(setups["kind"], take)
        else:
            self.kind = np.full(n, "BOS", dtype=object)
        self._level = column("level") if "level" in columns else np.full(n, math.nan)
        self._present = tuple(c for c in COMPONENTS if c in columns)
        self._parts = [column(c) for c in self._present]

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def row(self, j: int) -> Signal | None:
        """The :class:`Signal` of row ``j``, or ``None`` when its values do not make one."""
        try:
            return Signal(
                symbol=self.symbol,
                side=Side.BUY if self.side[j] > 0 else Side.SELL,
                ts=int(self.ts[j]),
                entry=float(self.entry[j]),
                stop=float(self.stop[j]),
                target=float(self.target[j]),
                confidence=float(self.confidence[j]),
                components={
                    c: float(p[j]) for c, p in zip(self._present, self._parts, strict=True)
                },
                kind=self.kind[j],
                level=float(self._level[j]),
                source="backtest",
                signal_id=f"setup-{j}",
                correlation_id=f"setup-{j}",
            )
        except ValueError:
            return None

    def valid(self) -> np.ndarray:
        """Per row: True when :meth:`row` gives a Signal (its checks, with numpy): confidence
        in [0, 1], finite positive prices, stop and target on the right sides, kind BOS or
        CHoCH."""
        entry, stop, target, sign = self.entry, self.stop, self.target, self.side
        conf = self.confidence
        ok = (conf >= 0.0) & (conf <= 1.0)
        for price in (entry, stop, target):
            ok &= np.isfinite(price) & (price > 0)
        with np.errstate(invalid="ignore"):
            ok &= (entry - stop) * sign > 0
            ok &= (target - entry) * sign > 0
        ok &= np.isin(self.kind, _KINDS)
        return ok


def _strings(column: pd.Series, take: np.ndarray) -> np.ndarray:
    """``column.iloc[take].astype(str)`` as an object array (categories are converted once)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.array([*column.cat.categories.astype(str), "nan"], dtype=object)
        return names[column.cat.codes.to_numpy()[take]]  # code -1 (missing) -> "nan"
    return np.asarray(column.iloc[take].astype(str), dtype=object)

"""Pass/fail gates of the daily validation: data gaps and errors, drawdown, the prop-firm
verdict and the win-rate drift against the long-run figure.

Each gate function takes the figures it judges and the :class:`GateThresholds`, and returns an
immutable :class:`Gate` (``name``, ``passed``, ``value``, ``threshold``, ``message``). A value
equal to its threshold passes. The definitions:

* ``data_gaps``: missing M1 bars inside trading hours as a percent of the bars expected there
  (``missing / (bars + missing) × 100``, the gaps of :func:`mikrobot.data.validation.validate`
  labelled ``in_session``); passes when ``<= max_gap_pct``.
* ``data_errors``: error-level findings of the validation (duplicate or out-of-order times,
  broken OHLC, NaN or non-positive prices); passes when ``<= max_data_errors``.
* ``drawdown``: the backtest's ``max_drawdown_pct`` (see :mod:`mikrobot.backtest.stats`);
  passes when ``<= max_drawdown_pct``.
* ``prop_firm``: the backtest's prop-firm verdict; fails when it is one of ``fail_verdicts``
  (default ``failed``: a floor was breached). No rules (verdict None) passes.
* ``win_rate_drift``: ``|recent win rate − long-run win rate|`` in percentage points against
  an allowance that widens when few trades make the recent figure noisy:
  ``max(win_rate_min_drift_pp, win_rate_z × se × 100)`` with the two-sample standard error
  ``se = √(p (1 − p) (1/n + 1/m))``, ``p`` the long-run win rate (a fraction), ``n`` the recent
  trades and ``m`` the long-run trades. With fewer than ``win_rate_min_trades`` recent trades or
  ``win_rate_min_baseline_trades`` long-run trades there is nothing to judge: the gate passes,
  its value is None and its message says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mikrobot.core.errors import ConfigError

__all__ = [
    "GATE_NAMES",
    "Gate",
    "GateThresholds",
    "all_passed",
    "data_errors_gate",
    "data_gaps_gate",
    "drawdown_gate",
    "not_evaluated",
    "prop_firm_gate",
    "win_rate_drift_gate",
]

GATE_NAMES = ("data_gaps", "data_errors", "drawdown", "prop_firm", "win_rate_drift")


class GateThresholds(BaseModel):
    """Thresholds of the gates (see the module docstring); frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_gap_pct: float = Field(1.0, ge=0.0, description="missing in-session bars, % of expected")
    max_data_errors: int = Field(0, ge=0, description="error-level validation findings")
    max_drawdown_pct: float = Field(5.0, ge=0.0, description="max drawdown of the recent backtest")
    fail_verdicts: tuple[str, ...] = Field(("failed",), description="prop-firm verdicts that fail")
    win_rate_z: float = Field(2.0, ge=0.0, description="standard errors of drift allowed")
    win_rate_min_drift_pp: float = Field(10.0, ge=0.0, description="smallest drift allowance (pp)")
    win_rate_min_trades: int = Field(5, ge=1, description="recent trades needed to judge")
    win_rate_min_baseline_trades: int = Field(20, ge=1, description="long-run trades needed")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> GateThresholds:
        """Thresholds from a mapping; raises :class:`ConfigError` naming each bad key."""
        try:
            return cls(**dict(values))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']} (got {e.get('input')!r})"
                for e in exc.errors()
            )
            raise ConfigError(f"gate thresholds: {problems}") from None


@dataclass(frozen=True, slots=True)
class Gate:
    """One gate's outcome. ``value`` is what was measured (None when nothing was judged),
    ``threshold`` the limit it was held to, ``symbol`` the instrument it belongs to."""

    name: str
    passed: bool
    value: float | str | None
    threshold: float | str | None
    message: str
    symbol: str | None = None

    def with_symbol(self, symbol: str) -> Gate:
        """The same outcome, labelled with ``symbol``."""
        return replace(self, symbol=symbol)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (a non-finite value becomes None)."""
        out = asdict(self)
        for key in ("value", "threshold"):
            if isinstance(out[key], float) and not math.isfinite(out[key]):
                out[key] = None
        return out


def all_passed(gates: Iterable[Gate]) -> bool:
    """True when every gate passed (and there is at least one)."""
    seen = False
    for gate in gates:
        seen = True
        if not gate.passed:
            return False
    return seen


def not_evaluated(name: str, reason: str) -> Gate:
    """A gate that could not be judged (e.g. the backtest did not run): counts as failed."""
    return Gate(name, False, None, None, f"not evaluated: {reason}")


def data_gaps_gate(
    missing_in_session: int, n_bars: int, thresholds: GateThresholds | None = None
) -> Gate:
    """``data_gaps``: missing in-session bars as a percent of the expected bars."""
    t = GateThresholds() if thresholds is None else thresholds
    if missing_in_session < 0 or n_bars < 0:
        raise ValueError("missing_in_session and n_bars must be >= 0")
    expected = n_bars + missing_in_session
    pct = 100.0 * missing_in_session / expected if expected else 0.0
    ok = pct <= t.max_gap_pct
    msg = (
        f"{missing_in_session:,} of {expected:,} in-session bars missing ({pct:.3f}%), "
        f"{'within' if ok else 'above'} {t.max_gap_pct:g}%"
    )
    return Gate("data_gaps", ok, pct, t.max_gap_pct, msg)


def data_errors_gate(errors: Mapping[str, int], thresholds: GateThresholds | None = None) -> Gate:
    """``data_errors``: error-level findings by kind (duplicate, non_monotonic, ohlc, nan,
    non_positive)."""
    t = GateThresholds() if thresholds is None else thresholds
    total = int(sum(errors.values()))
    ok = total <= t.max_data_errors
    listed = ", ".join(f"{k} {v:,}" for k, v in sorted(errors.items()) if v) or "none"
    msg = f"{total:,} error findings ({listed}), {'within' if ok else 'above'} {t.max_data_errors}"
    return Gate("data_errors", ok, float(total), float(t.max_data_errors), msg)


def drawdown_gate(max_drawdown_pct: float, thresholds: GateThresholds | None = None) -> Gate:
    """``drawdown``: the recent backtest's maximum drawdown in percent."""
    t = GateThresholds() if thresholds is None else thresholds
    if math.isnan(max_drawdown_pct):
        return not_evaluated("drawdown", "the drawdown is undefined")
    ok = max_drawdown_pct <= t.max_drawdown_pct
    msg = (
        f"max drawdown {max_drawdown_pct:.2f}%, {'within' if ok else 'above'} "
        f"{t.max_drawdown_pct:g}%"
    )
    return Gate("drawdown", ok, float(max_drawdown_pct), t.max_drawdown_pct, msg)


def prop_firm_gate(
    verdict: str | None,
    breach_reason: str | None = None,
    thresholds: GateThresholds | None = None,
) -> Gate:
    """``prop_firm``: fails when the verdict is one of ``fail_verdicts``."""
    t = GateThresholds() if thresholds is None else thresholds
    limit = "not " + "/".join(t.fail_verdicts) if t.fail_verdicts else "any"
    if verdict is None:
        return Gate("prop_firm", True, None, limit, "no prop-firm rules applied")
    ok = verdict not in t.fail_verdicts
    why = f" ({breach_reason})" if breach_reason else ""
    return Gate("prop_firm", ok, verdict, limit, f"verdict {verdict}{why}")


def win_rate_drift_gate(
    recent_win_rate: float,
    recent_trades: int,
    baseline_win_rate: float,
    baseline_trades: int,
    thresholds: GateThresholds | None = None,
) -> Gate:
    """``win_rate_drift``: the recent win rate (percent, over ``recent_trades``) against the
    long-run one (percent, over ``baseline_trades``); see the module docstring."""
    t = GateThresholds() if thresholds is None else thresholds
    if recent_trades < t.win_rate_min_trades:
        return Gate(
            "win_rate_drift",
            True,
            None,
            None,
            f"not judged: {recent_trades} recent trades (< {t.win_rate_min_trades})",
        )
    if baseline_trades < t.win_rate_min_baseline_trades or math.isnan(baseline_win_rate):
        return Gate(
            "win_rate_drift",
            True,
            None,
            None,
            f"not judged: {baseline_trades} long-run trades (< {t.win_rate_min_baseline_trades})",
        )
    p = baseline_win_rate / 100.0
    se = math.sqrt(p * (1.0 - p) * (1.0 / recent_trades + 1.0 / baseline_trades))
    allowed = max(t.win_rate_min_drift_pp, t.win_rate_z * se * 100.0)
    drift = recent_win_rate - baseline_win_rate
    ok = abs(drift) <= allowed
    msg = (
        f"win rate {recent_win_rate:.1f}% over {recent_trades} trades against "
        f"{baseline_win_rate:.1f}% over {baseline_trades}: drift {drift:+.1f} pp, "
        f"{'within' if ok else 'beyond'} ±{allowed:.1f} pp"
    )
    return Gate("win_rate_drift", ok, abs(drift), allowed, msg)

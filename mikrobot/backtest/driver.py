"""Setups driver: the structure engine's confirmed setups, judged by the live evaluation.

For each confirmed setup, in the order they become known, the simulation is brought to the
setup's ``known_at`` (the close of its confirmation bar); the setup becomes a
:class:`~mikrobot.core.signal.Signal` and goes through
:func:`mikrobot.strategy.evaluation.evaluate` - the same function the live path calls - with an
:class:`~mikrobot.strategy.context.EvaluationContext` filled from the simulated account at that
moment. An approved signal becomes an order at the next bar's open with the setup's stop and
target, sized by the decision's risk multiplier (SPEC §5-§6) inside the simulation; a rejection
is counted under each of its reason codes.

The context at a signal:

* ``spread_points``: the spread of the confirmation bar; ``atr_percentile``: see
  :mod:`mikrobot.backtest.context`;
* ``open_positions_symbol`` = ``open_positions_total``: open positions plus approved orders not
  filled yet (one symbol per backtest); ``currency_exposure`` from the same;
* ``recent_trades``: the last closed trades (close time = the close of the exit bar), R =
  pnl / planned risk;
* ``trading_state``: ACTIVE, REDUCING or HALTED from the equity against the floors and the
  prop-firm buffers at that moment (``floors.monitor_level``; a backtest has no operator, so a
  HALT lasts only while equity stays inside the hard buffer);
* ``headroom_money``: the prop-firm room (:attr:`PropFirmAccount.risk_room`) with the day
  rolled to the signal time, ``inf`` without rules; ``risk_budget_money`` = equity ×
  ``risk_per_trade``; ``account_type`` / ``phase`` from the prop-firm rules;
* ``adjustments``: the performance-feedback limits when ``feedback`` is given (every closed
  trade is recorded in close order, SPEC §8).

The prescreen (``prescreen=True``, the default) spares ``evaluate`` the setups whose answer is
known without it: :mod:`mikrobot.strategy.prescreen` computes the state-independent checks
(confidence, sessions, news, spread, volatility) for all setups with numpy, and a setup that
fails one of them while the account state cannot add a reason (no open position, ACTIVE,
headroom and multiplier floor clear, no cool-down, no feedback-raised floor in its way) is
counted under its static codes; its Signal is never built. Every other setup goes through
``evaluate`` as above, so decisions, rejection counts, trades and statistics are those of
``prescreen=False``, which evaluates every setup (the tests compare both).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mikrobot.backtest.context import NS_PER_MIN, atr_percentiles
from mikrobot.backtest.days import prague_day
from mikrobot.backtest.engine import Market, Simulation
from mikrobot.backtest.mirror_nb import account_view_nb
from mikrobot.backtest.nb import TRADE_DTYPE
from mikrobot.backtest.params import BacktestParams
from mikrobot.backtest.result import BacktestResult
from mikrobot.backtest.setup_rows import SetupRows, confirmed
from mikrobot.core.side import Side
from mikrobot.core.signal import Signal
from mikrobot.core.symbol import SymbolSpec

if TYPE_CHECKING:
    from mikrobot.core.sessions import SessionWindow
    from mikrobot.strategy.news import NewsCalendar
    from mikrobot.strategy.params import EvaluationParams, FeedbackParams

#: closed trades handed to the evaluation (its cool-down reads the tail)
RECENT_TRADES = 64
_STATES = ("ACTIVE", "REDUCING", "HALTED", "HALTED")
_PNL, _RISK, _EXIT_BAR, _ORDER = (
    TRADE_DTYPE.names.index(name) for name in ("pnl", "risk", "exit_bar", "order")
)


def run_setups(
    bars: pd.DataFrame | Market,
    setups: pd.DataFrame,
    *,
    spec: SymbolSpec,
    params: BacktestParams | None = None,
    evaluation: EvaluationParams | None = None,
    feedback: FeedbackParams | None = None,
    sessions: Sequence[SessionWindow] | None = None,
    news: NewsCalendar | None = None,
    atr_percentile: np.ndarray | None = None,
    config_hash: str = "",
    prescreen: bool = True,
) -> BacktestResult:
    """Backtest the confirmed setups of ``setups`` on M1 ``bars``.

    Args:
        bars: canonical M1 bars of ``spec``'s symbol (or a prepared :class:`Market`).
        setups: rows of ``mikrobot.structure.api.setups`` (columns ``direction``,
            ``known_at``, ``entry``, ``stop``, ``target``, ``confidence``, the six components,
            ``kind``, ``level``, ``status``); only ``status == "confirmed"`` rows trade.
        spec: the symbol.
        params: fills, costs, sizing and prop-firm rules (default :class:`BacktestParams`).
        evaluation: the strategic evaluation's settings (default ``EvaluationParams()``).
        feedback: performance feedback settings; ``None`` leaves the limits at their defaults.
        sessions: the session table (default ``mikrobot.core.sessions.DEFAULT_SESSIONS``).
        news: the news calendar for the blackout rule.
        atr_percentile: the volatility percentile per confirmed setup in ``known_at`` order
            (default: computed from the bars, see :mod:`mikrobot.backtest.context`).
        config_hash: stamped on the result.
        prescreen: count the setups that fail a state-independent check in a quiet account
            state without calling ``evaluate`` (:mod:`mikrobot.strategy.prescreen`); the
            result is the same as with ``False``, which calls ``evaluate`` for every setup.

    Rejections are counted by the evaluation's reason codes, plus the engine's own
    (``entry_after_data``, ``account_breached`` for setups after a breach,
    ``invalid_signal`` for rows that do not make a valid signal, and the fill refusals).
    """
    from mikrobot.core.sessions import DEFAULT_SESSIONS
    from mikrobot.strategy.context import EvaluationContext, exposure_from_positions
    from mikrobot.strategy.evaluation import Evaluator, evaluate
    from mikrobot.strategy.feedback import TradeResult, initial_state, record_trade
    from mikrobot.strategy.params import EvaluationParams
    from mikrobot.strategy.prescreen import (
        STATIC_CODES,
        cooldown_until,
        quiet_gate,
        static_failures,
    )

    params = BacktestParams() if params is None else params
    evaluation = EvaluationParams() if evaluation is None else evaluation
    table = DEFAULT_SESSIONS if sessions is None else tuple(sessions)
    market = (
        bars if isinstance(bars, Market) else Market.from_bars(bars, spec, params.spread_points)
    )
    take, known = confirmed(setups)
    n = len(market)
    entry_bar = np.searchsorted(market.time, known, side="left")
    if atr_percentile is None:
        if evaluation.volatility.enabled:
            atr_percentile = atr_percentiles(
                market, known, lookback_days=evaluation.volatility.lookback_days
            )
        else:
            atr_percentile = np.full(known.shape[0], np.nan)
    elif np.shape(atr_percentile) != (known.shape[0],):
        raise ValueError(
            f"atr_percentile has shape {np.shape(atr_percentile)}; give one value per confirmed "
            f"setup ({known.shape[0]},)"
        )

    pf = params.prop_firm
    account_type = "standard" if pf is None else pf.account_type
    phase = "challenge" if pf is None else pf.phase
    # as the live path's ``account_fields``: the rules decide whether the news rule applies
    news_restricted = None if pf is None else pf.restricts_news
    hard_buffer = 0.0 if pf is None else pf.hard_buffer
    risk_per_trade = params.sizing.risk_per_trade
    sim = Simulation(market, params, capacity=max(int(known.shape[0]), 1))
    fb_state = (
        None
        if feedback is None
        else initial_state(
            feedback, evaluation.confidence.minimum, evaluation.sizing.multiplier_at_max
        )
    )
    fb_events = 0
    recent: list[Any] = []
    seen = 0
    rejections: Counter[str] = Counter()
    approved = 0
    time = market.time
    by_side = {1: (spec, Side.BUY), -1: (spec, Side.SELL)}
    setup_rows = SetupRows(setups, take, known, spec.name)
    m = int(known.shape[0])
    bars_ = entry_bar.tolist()
    pct_arr = np.asarray(atr_percentile, dtype=np.float64)
    pct = pct_arr.tolist()
    spread = market.spread
    if spread.shape[0] > 1:
        spread_now = spread[np.maximum(entry_bar - 1, 0)]
    else:
        spread_now = np.full(m, spread[0])
    spread_arr = spread_now / spec.point
    spread_pts = spread_arr.tolist()
    same_time = (time[np.minimum(entry_bar, n - 1)] == known).tolist()
    day_at = market.day[np.minimum(entry_bar, n - 1)].tolist() if pf is not None else []
    stamps = known.tolist()

    # the prescreen: static failures of every setup, Signals built only when evaluated
    screen = prescreen and m > 0
    signals: list[Signal | None] = []
    if screen:
        try:
            evaluator = Evaluator(evaluation, table)
        except ValueError:  # evaluate raises it at the first setup it sees: let it
            screen = False
    if screen:
        probe = EvaluationContext(
            spec=spec,
            spread_points=0.0,
            trading_state="ACTIVE",
            account_type=account_type,
            phase=phase,
            news_restricted=news_restricted,
            news=news,
        )
        fails = static_failures(
            evaluator,
            spec=spec,
            ts=known,
            confidence=setup_rows.confidence,
            entry=setup_rows.entry,
            stop=setup_rows.stop,
            spread_points=spread_arr,
            atr_percentile=pct_arr,
            news=news,
            news_rule_applies=probe.news_rule_applies,
        )
        failing = fails.any(axis=1).tolist()
        valid = setup_rows.valid().tolist()
        conf = setup_rows.confidence.tolist()
    else:
        signals = [setup_rows.row(j) for j in range(m)]
    quiet_rows: list[int] = []
    gate_open = False
    gate_ts = 0
    gate_lo = gate_hi = 0.0
    cool_seen = -1
    cool_until = 0

    state_rec = sim.st[0]
    acct = sim.acct
    pos = sim.pos
    busy = False  # something open or pending: the simulation must be brought forward
    dirty = True  # the account facts below must be read again
    last_today = -1
    held: list[int] = []
    equity = headroom = budget = open_risk = 0.0
    exposure: dict[str, int] = {}
    scratch = np.empty_like(acct)
    state = "ACTIVE"
    recent_view: tuple[Any, ...] = ()
    adjustments = None
    for j in range(m):
        e = bars_[j]
        if e >= n:
            rejections["entry_after_data"] += m - j
            break
        if busy:
            sim.advance(e)
            dirty = True
            if state_rec["status"]:
                rejections["account_breached"] += m - j
                break
            n_trades = int(state_rec["n_trades"])
            if n_trades > seen:
                for t in sim.trades[seen:n_trades].tolist():
                    risk = t[_RISK]
                    r = t[_PNL] / risk if risk > 0 else 0.0
                    close_ts = int(time[t[_EXIT_BAR]]) + NS_PER_MIN
                    result = TradeResult(close_ts, r, spec.name, str(t[_ORDER]))
                    recent.append(result)
                    if fb_state is not None and feedback is not None:
                        update = record_trade(fb_state, result, feedback)
                        fb_state = update.state
                        fb_events += len(update.events)
                seen = n_trades
                if len(recent) > 2 * RECENT_TRADES:
                    del recent[:-RECENT_TRADES]
        signal: Signal | None = None
        if screen:
            if not valid[j]:
                signal = setup_rows.row(j)
                if signal is None:
                    rejections["invalid_signal"] += 1
                    continue
        else:
            signal = signals[j]
            if signal is None:
                rejections["invalid_signal"] += 1
                continue
        ts = stamps[j]
        today = 0
        if pf is not None:
            today = day_at[j] if same_time[j] else prague_day(ts)
        if dirty or today != last_today:
            if dirty:  # the simulation moved or took an order: read the account again
                k = int(state_rec["n_open"])
                held = (
                    pos["side"][:k].tolist()
                    + sim.o_side[int(state_rec["next_order"]) : sim.n_orders].tolist()
                )
                busy = bool(held)
                equity = sim.equity
                budget = equity * risk_per_trade if equity > 0 else math.nan
                open_risk = math.fsum(pos["risk"][:k].tolist()) if k else 0.0
                exposure = exposure_from_positions(by_side[s] for s in held) if held else {}
                recent_view = tuple(recent[-RECENT_TRADES:])
                adjustments = None if fb_state is None else fb_state.adjustments
                if screen and cool_seen != seen:  # the cool-down changes only with the trades
                    cool_until = cooldown_until(evaluator, recent_view)
                    cool_seen = seen
            if pf is not None:  # the floors of the signal's day, before any midnight roll
                headroom, level = account_view_nb(
                    acct, scratch, today, equity, open_risk, hard_buffer
                )
                state = _STATES[level]
            else:
                headroom = math.inf
            dirty = False
            last_today = today
            if screen:
                gate_open, gate_ts, gate_lo, gate_hi = quiet_gate(
                    evaluator,
                    trading_state=state,
                    open_positions_symbol=len(held),
                    open_positions_total=len(held),
                    currency_exposure=exposure,
                    recent_trades=recent_view,
                    headroom_money=headroom,
                    risk_budget_money=budget,
                    adjustments=adjustments,
                    cool_until=cool_until,
                )
        if screen:
            if failing[j] and gate_open and ts >= gate_ts and not gate_lo <= conf[j] < gate_hi:
                quiet_rows.append(j)  # evaluate would give exactly its static codes
                continue
            if signal is None:
                signal = setup_rows.row(j)
                if signal is None:
                    rejections["invalid_signal"] += 1
                    continue
        context = EvaluationContext(
            spec=spec,
            spread_points=spread_pts[j],
            trading_state=state,
            account_type=account_type,
            phase=phase,
            news_restricted=news_restricted,
            atr_percentile=pct[j],
            open_positions_symbol=len(held),
            open_positions_total=len(held),
            currency_exposure=exposure,
            recent_trades=recent_view,
            headroom_money=headroom,
            risk_budget_money=budget,
            news=news,
            adjustments=adjustments,
        )
        decision = evaluate(signal, context, evaluation, table)
        if decision.approved:
            approved += 1
            multiplier = decision.risk_multiplier
            sim.add_order(e, signal.side.sign, signal.stop, signal.target, multiplier=multiplier)
            busy = dirty = True
        else:
            rejections.update(decision.codes)
    if quiet_rows:
        counts = fails[quiet_rows].sum(axis=0).tolist()
        for code, count in zip(STATIC_CODES, counts, strict=True):
            if count:
                rejections[code] += count
    return BacktestResult.from_simulation(
        sim,
        config_hash=config_hash,
        rejections=rejections,
        signals=int(known.shape[0]),
        mode="setups",
        extras={"approved": approved, "feedback_events": fb_events},
    )

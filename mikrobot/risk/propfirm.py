"""One prop-firm account under its rules (SPEC §7, ``reference/ftmo-rules.md``).

:class:`PropFirmAccount` tracks the initial balance, the balance at the last midnight
Europe/Prague, equity (floating P/L, commissions and swaps included, as the caller reports it),
the daily floor, the overall floor (static, or trailing on end-of-day balance), trading days and
the profit target on closed results. It answers two questions:

* **pre-trade** (:meth:`PropFirmAccount.check_order`): would this order's stop-out, with the
  slippage allowance, plus every open position at its stop, bring equity within
  ``safety_buffer`` of a floor (today's, and with ``overnight_guard`` the one after the next
  midnight)? Plus the news, weekend, state and size rules of the account type;
* **live monitor** (:meth:`PropFirmAccount.update`): every balance/equity update moves the
  trading state between ACTIVE, REDUCING (within ``safety_buffer``) and HALTED (within
  ``hard_buffer``: flatten), records a breach, and asks to flatten before long market breaks
  where the account type requires it.

Open positions are known by their ``loss_at_stop``: the money the account loses against its
balance if the stop fills (spread, slippage and round-turn commission included, as
:func:`mikrobot.risk.sizing.order_loss_at_stop` computes it, plus swaps accrued so far: refresh
it with :meth:`~PropFirmAccount.update_position` when swaps are charged or the stop moves). Feed every fill and price change
through :meth:`~PropFirmAccount.update`: the midnight balance is the last balance reported
before midnight.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mikrobot.core.events import Event, Reason
from mikrobot.core.symbol import SymbolSpec
from mikrobot.risk import floors as fl
from mikrobot.risk import restrictions as rs
from mikrobot.risk.book import AccountBook, OpenPosition
from mikrobot.risk.days import (
    NS_PER_SECOND,
    next_prague_midnight_ns,
    prague_date,
    prague_midnight_ns,
)
from mikrobot.risk.events import (
    FlattenRequested,
    PropFirmBreached,
    TradingDayRolled,
    TradingState,
    event_from_dict,
)
from mikrobot.risk.params import PropFirmParams
from mikrobot.risk.persist import read_json, write_json_atomic
from mikrobot.risk.sizing import ConversionRate, order_loss_at_stop
from mikrobot.risk.state import StateGate

__all__ = ["OpenPosition", "OrderDecision", "PropFirmAccount"]

_FORMAT = 1
_TARGET = {
    fl.LEVEL_ACTIVE: TradingState.ACTIVE,
    fl.LEVEL_REDUCING: TradingState.REDUCING,
    fl.LEVEL_HALTED: TradingState.HALTED,
    fl.LEVEL_BREACHED: TradingState.HALTED,
}
_LEVEL_REASON = {
    fl.LEVEL_ACTIVE: ("headroom_restored", "safety_buffer"),
    fl.LEVEL_REDUCING: ("safety_buffer", "safety_buffer"),
    fl.LEVEL_HALTED: ("hard_buffer", "hard_buffer"),
}


@dataclass(frozen=True, slots=True)
class OrderDecision:
    """The pre-trade answer: ``approved`` or not, with reasons and the numbers behind them.

    ``loss_at_stop`` is the order's stop-out loss with the slippage allowance; ``worst_equity``
    is equity after it and every open position's stop; ``room`` is the most a new order could
    lose at its stop before touching a buffer (negative: none).
    """

    approved: bool
    reasons: tuple[Reason, ...]
    loss_at_stop: float
    open_risk: float
    worst_equity: float
    daily_floor: float
    overall_floor: float
    room: float

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, in order."""
        return tuple(r.code for r in self.reasons)

    def __bool__(self) -> bool:
        return self.approved


class PropFirmAccount:
    """A prop-firm account's rules, floors, objectives and trading state."""

    def __init__(
        self,
        params: PropFirmParams,
        initial_balance: float,
        *,
        gate: StateGate | None = None,
        book: AccountBook | None = None,
        history: Iterable[Event] = (),
    ) -> None:
        if not (math.isfinite(initial_balance) and initial_balance > 0):
            raise ValueError(f"initial_balance must be a positive number, got {initial_balance!r}")
        self.params = params
        self.initial_balance = float(initial_balance)
        self.gate = gate if gate is not None else StateGate()
        self._book = book or AccountBook(
            balance=self.initial_balance,
            equity=self.initial_balance,
            midnight_balance=self.initial_balance,
            highest_eod_balance=self.initial_balance,
            overall_floor=fl.static_overall_floor(self.initial_balance, params.max_loss),
        )
        self._history: list[Event] = list(history)
        self._blackouts: tuple[rs.BlackoutWindow, ...] = ()
        self._breaks: tuple[rs.MarketBreak, ...] = ()
        self._weekend: rs.MarketBreak | None = None

    @classmethod
    def from_preset(
        cls,
        name: str,
        *,
        initial_balance: float,
        gate: StateGate | None = None,
        **overrides: Any,
    ) -> PropFirmAccount:
        """An account under preset ``name`` (see :mod:`mikrobot.risk.presets`) with any rule
        overridden; unknown override keys raise ``ConfigError`` naming them."""
        return cls(PropFirmParams.from_preset(name, **overrides), initial_balance, gate=gate)

    # ------------------------------------------------------------------ money and floors
    @property
    def balance(self) -> float:
        """Balance (closed results) at the last update."""
        return self._book.balance

    @property
    def equity(self) -> float:
        """Equity (balance + floating P/L − commissions − swaps) at the last update."""
        return self._book.equity

    @property
    def midnight_balance(self) -> float:
        """Balance at the last Prague midnight (the initial balance on day 1)."""
        return self._book.midnight_balance

    @property
    def highest_eod_balance(self) -> float:
        """Highest balance seen at a Prague midnight (the initial balance at first)."""
        return self._book.highest_eod_balance

    @property
    def day(self) -> date | None:
        """The current Prague trading day (``None`` before the first input)."""
        return self._book.day

    @property
    def daily_floor(self) -> float:
        """Equity below this breaks the daily loss rule (midnight balance − daily loss)."""
        return fl.daily_floor(
            self._book.midnight_balance, self.initial_balance, self.params.daily_loss
        )

    @property
    def overall_floor(self) -> float:
        """Equity below this breaks the maximum loss rule (static, or trailing EOD)."""
        return self._book.overall_floor

    @property
    def headroom(self) -> float:
        """Equity above the higher floor (negative once breached)."""
        return self._book.equity - max(self.daily_floor, self._book.overall_floor)

    @property
    def breached(self) -> Reason | None:
        """``None`` while the account stands, else the reason it was lost (stays set)."""
        return self._book.breached

    @property
    def state(self) -> TradingState:
        """The trading state (ACTIVE, REDUCING or HALTED) held by :attr:`gate`."""
        return self.gate.state

    @property
    def open_positions(self) -> Mapping[str, OpenPosition]:
        """Open positions by id."""
        return dict(self._book.open)

    @property
    def open_risk(self) -> float:
        """Sum of the open positions' losses at their stops."""
        return sum(p.loss_at_stop for p in self._book.open.values())

    @property
    def history(self) -> tuple[Event, ...]:
        """Every day roll, breach and flatten request so far (state changes live in :attr:`gate`)."""
        return tuple(self._history)

    # ------------------------------------------------------------------ objectives
    @property
    def trading_days(self) -> int:
        """Prague calendar days on which at least one new position was opened."""
        return len(self._book.trading_dates)

    @property
    def trading_dates(self) -> tuple[date, ...]:
        """Those days, sorted."""
        return tuple(sorted(self._book.trading_dates))

    @property
    def daily_results(self) -> Mapping[date, float]:
        """Closed result of each Prague day so far, today included (balance change)."""
        out = dict(self._book.daily_pnl)
        if self._book.day is not None:
            out[self._book.day] = self._book.balance - self._book.midnight_balance
        return out

    @property
    def target_reached(self) -> bool:
        """Profit target met on closed results: no open position and balance >= the target."""
        target = self.params.profit_target
        if target is None or self._book.open:
            return False
        return self._book.balance >= self.initial_balance + target * self.initial_balance

    @property
    def best_day_ok(self) -> bool:
        """Best-day rule: the best day's closed profit <= ``best_day_rule`` × total profit
        (``best_day_base``: net profit, or the sum of profitable days). True when the rule is off."""
        rule = self.params.best_day_rule
        if rule is None:
            return True
        results = self.daily_results.values()
        best = max(results, default=0.0)
        if self.params.best_day_base == "net_profit":
            total = self._book.balance - self.initial_balance
        else:
            total = sum(p for p in results if p > 0)
        return total > 0 and best <= rule * total * (1 + 1e-12)

    @property
    def phase_passed(self) -> bool:
        """Every objective met: target on closed results, minimum trading days, best-day rule,
        no breach."""
        return (
            self._book.breached is None
            and self.target_reached
            and self.trading_days >= self.params.min_trading_days
            and self.best_day_ok
        )

    # ------------------------------------------------------------------ inputs
    def set_blackouts(self, windows: Iterable[rs.BlackoutWindow]) -> None:
        """Replace the news blackout windows (used when the account type restricts news)."""
        self._blackouts = tuple(windows)

    def set_market_breaks(self, breaks: Iterable[rs.MarketBreak]) -> None:
        """Replace the extra market breaks (holidays, long rollovers); weekends are built in."""
        self._breaks = tuple(breaks)

    def news_blocked(self, ts: int, spec: SymbolSpec) -> rs.BlackoutWindow | None:
        """The blackout that forbids opening *or closing* ``spec`` at ``ts`` (SL/TP fills
        included), or ``None``; always ``None`` when the account type has no news rule."""
        if not self.params.restricts_news:
            return None
        return rs.active_blackout(ts, spec, self._blackouts)

    def record_open(
        self, ts: int, position_id: str, spec: SymbolSpec, *, loss_at_stop: float
    ) -> None:
        """A position was opened at ``ts``: counts the Prague day as a trading day and adds its
        stop-out loss to the open risk."""
        self._advance(ts)
        if position_id in self._book.open:
            raise ValueError(f"position {position_id!r} is already open")
        _finite("loss_at_stop", loss_at_stop)
        self._book.open[position_id] = OpenPosition(position_id, spec, float(loss_at_stop), ts)
        self._book.trading_dates.add(prague_date(ts))
        self._book.flatten_pending = False

    def update_position(self, position_id: str, *, loss_at_stop: float) -> None:
        """The stop of an open position moved: its new loss at the stop (negative = locked profit)."""
        _finite("loss_at_stop", loss_at_stop)
        pos = self._position(position_id)
        self._book.open[position_id] = OpenPosition(
            pos.position_id, pos.spec, float(loss_at_stop), pos.opened_ns
        )

    def record_close(self, ts: int, position_id: str) -> None:
        """A position was closed at ``ts`` (report the new balance with :meth:`update`)."""
        self._advance(ts)
        self._position(position_id)
        del self._book.open[position_id]

    # ------------------------------------------------------------------ pre-trade
    @property
    def risk_room(self) -> float:
        """The most a new order may lose at its stop (allowance included) before the worst case
        touches ``safety_buffer`` of a floor; 0 when there is none."""
        worst = fl.worst_case_equity(self._book.balance, self._book.equity, self.open_risk)
        rooms = [
            fl.room_above(worst, floor, self.initial_balance, self.params.safety_buffer)
            for _, floor in self._guarded_floors()
        ]
        return max(0.0, min(rooms))

    def check_order(
        self,
        ts: int,
        spec: SymbolSpec,
        *,
        volume: float,
        entry: float,
        stop: float,
        spread: float | None = None,
        commission_per_lot: float = 0.0,
        conversion_rate: ConversionRate | None = None,
        slippage: float | None = None,
    ) -> OrderDecision:
        """Pre-trade check of a new entry of ``volume`` lots at ``entry`` with stop ``stop``.

        The stop-out is priced with ``spread`` (``None``: the spec's typical spread), the
        round-turn commission and ``slippage`` (price units; ``None``: ``slippage_allowance`` ×
        stop distance). Rejects, each with its numbers: a breached account, a state other than
        ACTIVE, ``max_volume_per_order``, a news blackout or an approaching long market break
        (where the account type restricts them), and a worst case within ``safety_buffer`` of
        the daily or overall floor (and, with ``overnight_guard``, of the floors after the next
        Prague midnight).
        """
        self._advance(ts)
        for name, value in (("volume", volume), ("entry", entry), ("stop", stop)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"check_order: {name} must be a positive number, got {value!r}")
        distance = abs(entry - stop)
        if distance == 0:
            raise ValueError(f"check_order: stop {stop} equals entry {entry}; give a real stop")
        p, book = self.params, self._book
        loss = order_loss_at_stop(
            spec,
            volume=volume,
            entry=entry,
            stop=stop,
            spread=spread,
            slippage=p.slippage_allowance * distance if slippage is None else slippage,
            commission_per_lot=commission_per_lot,
            conversion_rate=conversion_rate,
        )
        reasons = [r for r in self._rule_reasons(ts, spec, volume) if r is not None]
        open_risk = self.open_risk
        worst_now = fl.worst_case_equity(book.balance, book.equity, open_risk)
        rooms = []
        for code, floor in self._guarded_floors():
            room = fl.room_above(worst_now, floor, self.initial_balance, p.safety_buffer)
            rooms.append(room)
            if loss > room:
                values = {
                    "worst_equity": worst_now - loss,
                    "floor": floor,
                    "buffer": p.safety_buffer * self.initial_balance,
                    "loss_at_stop": loss,
                    "open_risk": open_risk,
                    "room": room,
                }
                reasons.append(Reason(code, "the worst case would enter the safety buffer", values))
        return OrderDecision(
            approved=not reasons,
            reasons=tuple(reasons),
            loss_at_stop=loss,
            open_risk=open_risk,
            worst_equity=worst_now - loss,
            daily_floor=self.daily_floor,
            overall_floor=book.overall_floor,
            room=min(rooms),
        )

    def _rule_reasons(self, ts: int, spec: SymbolSpec, volume: float) -> list[Reason | None]:
        """Account, state, size, news and market-break refusals (``None`` where a rule passes)."""
        p, breached, state = self.params, self._book.breached, self.state
        out: list[Reason | None] = []
        if breached is not None:
            out.append(
                Reason("account_breached", "the account broke a rule", dict(breached.values))
            )
        if state is not TradingState.ACTIVE:
            out.append(
                Reason("trading_state", f"trading state is {state.value}", {"state": state.value})
            )
        if p.max_volume_per_order is not None and volume > p.max_volume_per_order:
            limits = {"volume": volume, "max_volume_per_order": p.max_volume_per_order}
            out.append(Reason("max_volume_per_order", "order larger than allowed", limits))
        if p.restricts_news:
            out.append(rs.news_reason(ts, spec, self._blackouts))
        if p.requires_weekend_flat:
            out.append(
                rs.break_reason(
                    ts,
                    spec,
                    self._breaks_at(ts),
                    min_hours=p.long_break_hours,
                    cutoff_min=p.entry_cutoff_before_break_min,
                )
            )
        return out

    def _guarded_floors(self) -> list[tuple[str, float]]:
        """The floors an order must keep clear of: today's two and, with ``overnight_guard``,
        those the next Prague midnight would set from the current balance (when higher)."""
        p, book = self.params, self._book
        daily = self.daily_floor
        floors = [("daily_floor", daily), ("overall_floor", book.overall_floor)]
        if p.overnight_guard:
            next_daily = fl.daily_floor(book.balance, self.initial_balance, p.daily_loss)
            if next_daily > daily:
                floors.append(("daily_floor_next_day", next_daily))
            if p.max_loss_mode == "trailing_eod":
                next_overall = fl.trailing_overall_floor(
                    book.overall_floor,
                    self.initial_balance,
                    max(book.highest_eod_balance, book.balance),
                    p.max_loss,
                    p.trailing_lock_at_initial,
                )
                if next_overall > book.overall_floor:
                    floors.append(("overall_floor_next_day", next_overall))
        return floors

    # ------------------------------------------------------------------ live monitor
    def update(self, ts: int, *, balance: float, equity: float) -> tuple[Event, ...]:
        """New balance (closed results) and equity (balance + floating P/L − commissions −
        swaps) at ``ts``; returns the events it caused, oldest first.

        Rolls Prague midnights first (the midnight balance is the last balance reported before
        midnight), then checks the floors: below one → breach, HALTED and flatten; within
        ``hard_buffer`` → HALTED and flatten; within ``safety_buffer`` → REDUCING; else back to
        ACTIVE when a rule had reduced it. Where the account type requires it, asks to flatten
        open positions ``flatten_before_break_min`` before a long market break.
        """
        _finite("balance", balance)
        _finite("equity", equity)
        start = len(self._history)
        self._advance(ts)
        events: list[Event] = self._history[start:]  # day rolls
        book, p = self._book, self.params
        book.balance, book.equity = float(balance), float(equity)
        level = fl.monitor_level(
            book.equity,
            self.daily_floor,
            book.overall_floor,
            self.initial_balance,
            p.safety_buffer,
            p.hard_buffer,
        )
        if level == fl.LEVEL_BREACHED and book.breached is None:
            book.breached = self._breach_reason()
            events.append(self._record(PropFirmBreached(ts=ts, reason=book.breached)))
        target = TradingState.HALTED if book.breached else _TARGET[level]
        halting = target is TradingState.HALTED
        if target is not self.gate.state or (halting and book.open and not book.flatten_pending):
            why = book.breached or self._floor_reason(level)
            change = self.gate.apply_rule(ts, target, why)
            if change is not None:
                events.append(change)
            if halting:
                events.append(self._record(FlattenRequested(ts=ts, reason=why)))
                book.flatten_pending = True
        if p.requires_weekend_flat and book.open:
            flatten = self._flatten_before_breaks(ts)
            if flatten is not None:
                events.append(self._record(flatten))
        return tuple(events)

    def _record(self, event: Event) -> Event:
        self._history.append(event)
        return event

    def _breaks_at(self, ts: int) -> tuple[rs.MarketBreak, ...]:
        """The weekend in progress or next, and the extra breaks. Time never runs backwards
        here, so the cached weekend holds until it ends."""
        if self._weekend is None or self._weekend.end_ns <= ts:
            self._weekend = rs.weekend_break(ts)
        return (self._weekend, *self._breaks)

    def _flatten_before_breaks(self, ts: int) -> FlattenRequested | None:
        p, book = self.params, self._book
        due = rs.breaks_due(
            ts,
            (pos.spec for pos in book.open.values()),
            self._breaks_at(ts),
            min_hours=p.long_break_hours,
            lead_min=p.flatten_before_break_min,
            done=book.break_flattened,
        )
        if not due:
            return None
        for name, brk in due.items():
            book.break_flattened[name] = brk.start_ns
        first = min(due.values(), key=lambda b: b.start_ns)
        reason = Reason(
            "market_break_flat",
            f"account type must be flat before the {first.label or 'break'}",
            {
                "break_start_ns": first.start_ns,
                "minutes_left": (first.start_ns - ts) / (60 * NS_PER_SECOND),
            },
        )
        return FlattenRequested(ts=ts, reason=reason, symbols=tuple(sorted(due)))

    def _breach_reason(self) -> Reason:
        daily, overall = self.daily_floor, self._book.overall_floor
        code, floor = ("max_daily_loss", daily) if daily >= overall else ("max_loss", overall)
        values = {
            "equity": self._book.equity,
            "floor": floor,
            "daily_floor": daily,
            "overall_floor": overall,
        }
        return Reason(code, "equity fell below the floor: the account is lost", values)

    def _floor_reason(self, level: int) -> Reason:
        code, buffer = _LEVEL_REASON[level]
        floor = max(self.daily_floor, self._book.overall_floor)
        values = {
            "equity": self._book.equity,
            "floor": floor,
            "headroom": self._book.equity - floor,
            "buffer": getattr(self.params, buffer) * self.initial_balance,
        }
        return Reason(code, "equity against the nearest floor", values)

    # ------------------------------------------------------------------ days
    def _advance(self, ts: int) -> None:
        book = self._book
        if book.last_ts is not None and ts < book.last_ts:
            raise ValueError(
                f"time went backwards: ts={ts} is before the last input {book.last_ts}"
            )
        book.last_ts = ts
        if book.next_midnight_ns is None:
            book.day = prague_date(ts)
            book.next_midnight_ns = next_prague_midnight_ns(ts)
        while ts >= book.next_midnight_ns:
            self._roll_day()

    def _roll_day(self) -> None:
        book, p = self._book, self.params
        midnight, ended = book.next_midnight_ns, book.day
        assert midnight is not None
        assert ended is not None
        pnl = book.balance - book.midnight_balance
        if pnl != 0.0:
            book.daily_pnl[ended] = pnl
        book.midnight_balance = book.balance
        book.highest_eod_balance = max(book.highest_eod_balance, book.balance)
        if p.max_loss_mode == "trailing_eod":
            book.overall_floor = fl.trailing_overall_floor(
                book.overall_floor,
                self.initial_balance,
                book.highest_eod_balance,
                p.max_loss,
                p.trailing_lock_at_initial,
            )
        book.day = ended + timedelta(days=1)
        book.next_midnight_ns = prague_midnight_ns(book.day + timedelta(days=1))
        self._history.append(
            TradingDayRolled(
                ts=midnight,
                day=book.day.isoformat(),
                midnight_balance=book.midnight_balance,
                previous_day_pnl=pnl,
                daily_floor=self.daily_floor,
                overall_floor=book.overall_floor,
            )
        )

    def _position(self, position_id: str) -> OpenPosition:
        try:
            return self._book.open[position_id]
        except KeyError:
            known = sorted(self._book.open) or "none"
            raise ValueError(f"no open position {position_id!r}; open ones: {known}") from None

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """JSON-able snapshot of everything the rules remember (blackouts and market breaks
        are inputs: set them again after loading)."""
        return {
            "format": _FORMAT,
            "params": self.params.model_dump(mode="json"),
            "initial_balance": self.initial_balance,
            "book": self._book.to_dict(),
            "history": [e.to_dict() for e in self._history],
            "gate": self.gate.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PropFirmAccount:
        """Inverse of :meth:`to_dict`."""
        if data.get("format") != _FORMAT:
            raise ValueError(f"prop-firm account format {data.get('format')!r} is not {_FORMAT}")
        return cls(
            PropFirmParams.model_validate(data["params"]),
            data["initial_balance"],
            gate=StateGate.from_dict(data["gate"]),
            book=AccountBook.from_dict(data["book"]),
            history=[event_from_dict(e) for e in data["history"]],
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the account snapshot to ``path`` as JSON, atomically."""
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PropFirmAccount:
        """Read an account written by :meth:`save`."""
        return cls.from_dict(read_json(path))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PropFirmAccount):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"PropFirmAccount({self.params.preset}, balance={self.balance:.2f}, "
            f"equity={self.equity:.2f}, daily_floor={self.daily_floor:.2f}, "
            f"overall_floor={self.overall_floor:.2f}, state={self.state.value})"
        )


def _finite(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")

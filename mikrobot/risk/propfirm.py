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
balance if the stop fills (spread, slippage and round-turn commission included), as
:func:`mikrobot.risk.sizing.order_loss_at_stop` computes it.
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
    reason_from_dict,
)
from mikrobot.risk.params import PropFirmParams
from mikrobot.risk.persist import read_json, write_json_atomic
from mikrobot.risk.restrictions import (
    BlackoutWindow,
    MarketBreak,
    active_blackout,
    next_long_break,
    weekend_break,
)
from mikrobot.risk.sizing import ConversionRate, order_loss_at_stop
from mikrobot.risk.state import StateGate

_FORMAT = 1
_NS_PER_MIN = 60 * NS_PER_SECOND
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
class OpenPosition:
    """An open position as the rules see it: its symbol and its loss if the stop fills."""

    position_id: str
    spec: SymbolSpec
    loss_at_stop: float
    opened_ns: int


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
    ) -> None:
        if not (math.isfinite(initial_balance) and initial_balance > 0):
            raise ValueError(f"initial_balance must be a positive number, got {initial_balance!r}")
        self.params = params
        self.initial_balance = float(initial_balance)
        self.gate = gate if gate is not None else StateGate()
        self.balance = self.initial_balance
        self.equity = self.initial_balance
        self.midnight_balance = self.initial_balance
        self.highest_eod_balance = self.initial_balance
        self._overall = fl.static_overall_floor(self.initial_balance, params.max_loss)
        self.day: date | None = None
        self._next_midnight: int | None = None
        self._last_ts: int | None = None
        self._daily_pnl: dict[date, float] = {}
        self._trading_dates: set[date] = set()
        self._open: dict[str, OpenPosition] = {}
        self._breached: Reason | None = None
        self._flatten_pending = False
        self._break_flattened: dict[str, int] = {}
        self._history: list[Event] = []
        self._blackouts: tuple[BlackoutWindow, ...] = ()
        self._breaks: tuple[MarketBreak, ...] = ()
        self._weekend: MarketBreak | None = None

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

    # ------------------------------------------------------------------ floors and state
    @property
    def daily_floor(self) -> float:
        """Equity below this breaks the daily loss rule (midnight balance − daily loss)."""
        return fl.daily_floor(self.midnight_balance, self.initial_balance, self.params.daily_loss)

    @property
    def overall_floor(self) -> float:
        """Equity below this breaks the maximum loss rule (static, or trailing EOD)."""
        return self._overall

    @property
    def headroom(self) -> float:
        """Equity above the higher floor (negative once breached)."""
        return self.equity - max(self.daily_floor, self._overall)

    @property
    def breached(self) -> Reason | None:
        """``None`` while the account stands, else the reason it was lost (stays set)."""
        return self._breached

    @property
    def state(self) -> TradingState:
        """The trading state (ACTIVE, REDUCING or HALTED) held by :attr:`gate`."""
        return self.gate.state

    @property
    def open_positions(self) -> Mapping[str, OpenPosition]:
        """Open positions by id."""
        return dict(self._open)

    @property
    def open_risk(self) -> float:
        """Sum of the open positions' losses at their stops."""
        return sum(p.loss_at_stop for p in self._open.values())

    @property
    def history(self) -> tuple[Event, ...]:
        """Every day roll, breach and flatten request so far (state changes live in :attr:`gate`)."""
        return tuple(self._history)

    # ------------------------------------------------------------------ objectives
    @property
    def trading_days(self) -> int:
        """Prague calendar days on which at least one new position was opened."""
        return len(self._trading_dates)

    @property
    def trading_dates(self) -> tuple[date, ...]:
        """Those days, sorted."""
        return tuple(sorted(self._trading_dates))

    @property
    def daily_results(self) -> Mapping[date, float]:
        """Closed result of each Prague day so far, today included (balance change)."""
        out = dict(self._daily_pnl)
        if self.day is not None:
            out[self.day] = self.balance - self.midnight_balance
        return out

    @property
    def target_reached(self) -> bool:
        """Profit target met on closed results: no open position and balance >= the target."""
        target = self.params.profit_target
        if target is None or self._open:
            return False
        return self.balance >= self.initial_balance + target * self.initial_balance

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
            total = self.balance - self.initial_balance
        else:
            total = sum(p for p in results if p > 0)
        return total > 0 and best <= rule * total * (1 + 1e-12)

    @property
    def phase_passed(self) -> bool:
        """Every objective met: target on closed results, minimum trading days, best-day rule,
        no breach."""
        return (
            self._breached is None
            and self.target_reached
            and self.trading_days >= self.params.min_trading_days
            and self.best_day_ok
        )

    # ------------------------------------------------------------------ inputs
    def set_blackouts(self, windows: Iterable[BlackoutWindow]) -> None:
        """Replace the news blackout windows (used when the account type restricts news)."""
        self._blackouts = tuple(windows)

    def set_market_breaks(self, breaks: Iterable[MarketBreak]) -> None:
        """Replace the extra market breaks (holidays, long rollovers); weekends are built in."""
        self._breaks = tuple(breaks)

    def news_blocked(self, ts: int, spec: SymbolSpec) -> BlackoutWindow | None:
        """The blackout that forbids opening *or closing* ``spec`` at ``ts`` (SL/TP fills
        included), or ``None``; always ``None`` when the account type has no news rule."""
        if not self.params.restricts_news:
            return None
        return active_blackout(ts, spec, self._blackouts)

    def record_open(
        self, ts: int, position_id: str, spec: SymbolSpec, *, loss_at_stop: float
    ) -> None:
        """A position was opened at ``ts``: counts the Prague day as a trading day and adds its
        stop-out loss to the open risk."""
        self._advance(ts)
        if position_id in self._open:
            raise ValueError(f"position {position_id!r} is already open")
        _finite("loss_at_stop", loss_at_stop)
        self._open[position_id] = OpenPosition(position_id, spec, float(loss_at_stop), ts)
        self._trading_dates.add(prague_date(ts))
        self._flatten_pending = False

    def update_position(self, position_id: str, *, loss_at_stop: float) -> None:
        """The stop of an open position moved: its new loss at the stop (negative = locked profit)."""
        _finite("loss_at_stop", loss_at_stop)
        pos = self._position(position_id)
        self._open[position_id] = OpenPosition(
            pos.position_id, pos.spec, float(loss_at_stop), pos.opened_ns
        )

    def record_close(self, ts: int, position_id: str) -> None:
        """A position was closed at ``ts`` (report the new balance with :meth:`update`)."""
        self._advance(ts)
        self._position(position_id)
        del self._open[position_id]

    # ------------------------------------------------------------------ pre-trade
    @property
    def risk_room(self) -> float:
        """The most a new order may lose at its stop (allowance included) before the worst case
        touches ``safety_buffer`` of a floor; 0 when there is none."""
        worst = fl.worst_case_equity(self.balance, self.equity, self.open_risk)
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
        slip = self.params.slippage_allowance * distance if slippage is None else slippage
        loss = order_loss_at_stop(
            spec,
            volume=volume,
            entry=entry,
            stop=stop,
            spread=spread,
            slippage=slip,
            commission_per_lot=commission_per_lot,
            conversion_rate=conversion_rate,
        )
        p = self.params
        reasons: list[Reason] = []
        if self._breached is not None:
            reasons.append(
                Reason("account_breached", "the account broke a rule", dict(self._breached.values))
            )
        if self.state is not TradingState.ACTIVE:
            reasons.append(
                Reason(
                    "trading_state",
                    f"trading state is {self.state.value}",
                    {"state": self.state.value},
                )
            )
        if p.max_volume_per_order is not None and volume > p.max_volume_per_order:
            reasons.append(
                Reason(
                    "max_volume_per_order",
                    "order larger than allowed",
                    {"volume": volume, "max_volume_per_order": p.max_volume_per_order},
                )
            )
        window = self.news_blocked(ts, spec)
        if window is not None:
            reasons.append(
                Reason(
                    "news_blackout",
                    f"restricted news {window.label}".strip(),
                    {"start_ns": window.start_ns, "end_ns": window.end_ns, "symbol": spec.name},
                )
            )
        if p.requires_weekend_flat:
            brk = next_long_break(ts, spec, self._breaks, p.long_break_hours)
            if brk is not None and ts >= brk.start_ns - round(
                p.entry_cutoff_before_break_min * _NS_PER_MIN
            ):
                reasons.append(
                    Reason(
                        "market_break_ahead",
                        f"no new entries before the {brk.label or 'break'}",
                        {
                            "break_start_ns": brk.start_ns,
                            "minutes_left": (brk.start_ns - ts) / _NS_PER_MIN,
                            "entry_cutoff_before_break_min": p.entry_cutoff_before_break_min,
                        },
                    )
                )
        open_risk = self.open_risk
        worst_now = fl.worst_case_equity(self.balance, self.equity, open_risk)
        worst = worst_now - loss
        buffer = p.safety_buffer * self.initial_balance
        rooms = []
        for code, floor in self._guarded_floors():
            room = fl.room_above(worst_now, floor, self.initial_balance, p.safety_buffer)
            rooms.append(room)
            if loss > room:
                reasons.append(
                    Reason(
                        code,
                        "the worst case would come within the safety buffer of a floor",
                        {
                            "worst_equity": worst,
                            "floor": floor,
                            "buffer": buffer,
                            "loss_at_stop": loss,
                            "open_risk": open_risk,
                            "room": room,
                        },
                    )
                )
        return OrderDecision(
            approved=not reasons,
            reasons=tuple(reasons),
            loss_at_stop=loss,
            open_risk=open_risk,
            worst_equity=worst,
            daily_floor=self.daily_floor,
            overall_floor=self._overall,
            room=min(rooms),
        )

    def _guarded_floors(self) -> list[tuple[str, float]]:
        """The floors an order must keep clear of: today's two and, with ``overnight_guard``,
        those the next Prague midnight would set from the current balance (when higher)."""
        p = self.params
        daily = self.daily_floor
        floors = [("daily_floor", daily), ("overall_floor", self._overall)]
        if p.overnight_guard:
            next_daily = fl.daily_floor(self.balance, self.initial_balance, p.daily_loss)
            if next_daily > daily:
                floors.append(("daily_floor_next_day", next_daily))
            if p.max_loss_mode == "trailing_eod":
                next_overall = fl.trailing_overall_floor(
                    self._overall,
                    self.initial_balance,
                    max(self.highest_eod_balance, self.balance),
                    p.max_loss,
                    p.trailing_lock_at_initial,
                )
                if next_overall > self._overall:
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
        events: list[Event] = list(self._history[start:])  # day rolls
        self.balance = float(balance)
        self.equity = float(equity)
        p = self.params
        level = fl.monitor_level(
            self.equity,
            self.daily_floor,
            self._overall,
            self.initial_balance,
            p.safety_buffer,
            p.hard_buffer,
        )
        if level == fl.LEVEL_BREACHED and self._breached is None:
            self._breached = self._breach_reason()
            events.append(self._record(PropFirmBreached(ts=ts, reason=self._breached)))
        target = _TARGET[level] if self._breached is None else TradingState.HALTED
        if target is not self.gate.state or (target is TradingState.HALTED and self._open):
            why = self._breached or self._floor_reason(level)
            change = self.gate.apply_rule(ts, target, why)
            if change is not None:
                events.append(change)
            if target is TradingState.HALTED and (
                change is not None or (self._open and not self._flatten_pending)
            ):
                events.append(self._record(FlattenRequested(ts=ts, reason=why)))
                self._flatten_pending = True
        if p.requires_weekend_flat and self._open:
            flatten = self._flatten_before_breaks(ts)
            if flatten is not None:
                events.append(self._record(flatten))
        return tuple(events)

    def _record(self, event: Event) -> Event:
        self._history.append(event)
        return event

    def _flatten_before_breaks(self, ts: int) -> FlattenRequested | None:
        p = self.params
        lead = round(p.flatten_before_break_min * _NS_PER_MIN)
        if self._weekend is None or self._weekend.end_ns <= ts:
            self._weekend = weekend_break(ts)
        due: dict[str, MarketBreak] = {}
        for pos in self._open.values():
            for brk in (self._weekend, *self._breaks):
                if (
                    brk.start_ns - lead <= ts < brk.end_ns
                    and brk.hours > p.long_break_hours
                    and brk.applies_to(pos.spec)
                    and self._break_flattened.get(pos.spec.name) != brk.start_ns
                ):
                    due[pos.spec.name] = brk
                    break
        if due:
            first = min(due.values(), key=lambda b: b.start_ns)
            for name, brk in due.items():
                self._break_flattened[name] = brk.start_ns
            reason = Reason(
                "market_break_flat",
                f"account type must be flat before the {first.label or 'break'}",
                {
                    "break_start_ns": first.start_ns,
                    "minutes_left": (first.start_ns - ts) / _NS_PER_MIN,
                },
            )
            return FlattenRequested(ts=ts, reason=reason, symbols=tuple(sorted(due)))
        return None

    def _breach_reason(self) -> Reason:
        daily, overall = self.daily_floor, self._overall
        code, floor = ("max_daily_loss", daily) if daily >= overall else ("max_loss", overall)
        return Reason(
            code,
            "equity fell below the floor: the account is lost",
            {"equity": self.equity, "floor": floor, "daily_floor": daily, "overall_floor": overall},
        )

    def _floor_reason(self, level: int) -> Reason:
        p = self.params
        code, buffer = _LEVEL_REASON[level]
        floor = max(self.daily_floor, self._overall)
        return Reason(
            code,
            "equity against the nearest floor",
            {
                "equity": self.equity,
                "floor": floor,
                "headroom": self.equity - floor,
                "buffer": getattr(p, buffer) * self.initial_balance,
            },
        )

    # ------------------------------------------------------------------ days
    def _advance(self, ts: int) -> None:
        if self._last_ts is not None and ts < self._last_ts:
            raise ValueError(
                f"time went backwards: ts={ts} is before the last update {self._last_ts}"
            )
        self._last_ts = ts
        if self._next_midnight is None:
            self.day = prague_date(ts)
            self._next_midnight = next_prague_midnight_ns(ts)
        while ts >= self._next_midnight:
            self._roll_day()

    def _roll_day(self) -> None:
        midnight, ended = self._next_midnight, self.day
        assert midnight is not None
        assert ended is not None
        pnl = self.balance - self.midnight_balance
        if pnl != 0.0:
            self._daily_pnl[ended] = pnl
        self.midnight_balance = self.balance
        self.highest_eod_balance = max(self.highest_eod_balance, self.balance)
        p = self.params
        if p.max_loss_mode == "trailing_eod":
            self._overall = fl.trailing_overall_floor(
                self._overall,
                self.initial_balance,
                self.highest_eod_balance,
                p.max_loss,
                p.trailing_lock_at_initial,
            )
        self.day = ended + timedelta(days=1)
        self._next_midnight = prague_midnight_ns(self.day + timedelta(days=1))
        self._history.append(
            TradingDayRolled(
                ts=midnight,
                day=self.day.isoformat(),
                midnight_balance=self.midnight_balance,
                previous_day_pnl=pnl,
                daily_floor=self.daily_floor,
                overall_floor=self._overall,
            )
        )

    def _position(self, position_id: str) -> OpenPosition:
        try:
            return self._open[position_id]
        except KeyError:
            raise ValueError(
                f"no open position {position_id!r}; open ones: {sorted(self._open) or 'none'}"
            ) from None

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """JSON-able snapshot of everything the rules remember (blackouts and market breaks
        are inputs: set them again after loading)."""
        return {
            "format": _FORMAT,
            "params": self.params.model_dump(mode="json"),
            "initial_balance": self.initial_balance,
            "balance": self.balance,
            "equity": self.equity,
            "midnight_balance": self.midnight_balance,
            "highest_eod_balance": self.highest_eod_balance,
            "overall_floor": self._overall,
            "day": self.day.isoformat() if self.day else None,
            "next_midnight_ns": self._next_midnight,
            "last_ts": self._last_ts,
            "daily_pnl": {d.isoformat(): v for d, v in sorted(self._daily_pnl.items())},
            "trading_dates": [d.isoformat() for d in sorted(self._trading_dates)],
            "open": [
                {
                    "position_id": o.position_id,
                    "spec": o.spec.to_dict(),
                    "loss_at_stop": o.loss_at_stop,
                    "opened_ns": o.opened_ns,
                }
                for o in self._open.values()
            ],
            "breached": self._breached.to_dict() if self._breached else None,
            "flatten_pending": self._flatten_pending,
            "break_flattened": dict(self._break_flattened),
            "history": [e.to_dict() for e in self._history],
            "gate": self.gate.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PropFirmAccount:
        """Inverse of :meth:`to_dict`."""
        if data.get("format") != _FORMAT:
            raise ValueError(f"prop-firm account format {data.get('format')!r} is not {_FORMAT}")
        account = cls(
            PropFirmParams.model_validate(data["params"]),
            data["initial_balance"],
            gate=StateGate.from_dict(data["gate"]),
        )
        account.balance = data["balance"]
        account.equity = data["equity"]
        account.midnight_balance = data["midnight_balance"]
        account.highest_eod_balance = data["highest_eod_balance"]
        account._overall = data["overall_floor"]
        account.day = date.fromisoformat(data["day"]) if data["day"] else None
        account._next_midnight = data["next_midnight_ns"]
        account._last_ts = data["last_ts"]
        account._daily_pnl = {date.fromisoformat(d): v for d, v in data["daily_pnl"].items()}
        account._trading_dates = {date.fromisoformat(d) for d in data["trading_dates"]}
        account._open = {
            o["position_id"]: OpenPosition(
                o["position_id"], SymbolSpec.from_dict(o["spec"]), o["loss_at_stop"], o["opened_ns"]
            )
            for o in data["open"]
        }
        account._breached = reason_from_dict(data["breached"]) if data["breached"] else None
        account._flatten_pending = data["flatten_pending"]
        account._break_flattened = dict(data["break_flattened"])
        account._history = [event_from_dict(e) for e in data["history"]]
        return account

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
            f"overall_floor={self._overall:.2f}, state={self.state.value})"
        )


def _finite(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")

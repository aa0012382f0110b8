"""What a prop-firm account remembers between updates: balances, floors, days, open
positions and whether it was lost. A plain mutable record with a JSON form; the rules that
change it live in :mod:`mikrobot.risk.propfirm`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mikrobot.core.events import Reason
from mikrobot.core.symbol import SymbolSpec
from mikrobot.risk.events import reason_from_dict


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """An open position as the rules see it: its symbol and its loss if the stop fills."""

    position_id: str
    spec: SymbolSpec
    loss_at_stop: float
    opened_ns: int


@dataclass(slots=True)
class AccountBook:
    """The tracked state of one account (money in account currency, times in UTC epoch ns).

    ``day`` is the current Prague date and ``next_midnight_ns`` the Prague midnight that ends
    it (both ``None`` before the first input); ``daily_pnl`` holds the closed result of each
    finished day that had one; ``break_flattened`` maps a symbol to the start of the last
    market break it was told to flatten for.
    """

    balance: float
    equity: float
    midnight_balance: float
    highest_eod_balance: float
    overall_floor: float
    day: date | None = None
    next_midnight_ns: int | None = None
    last_ts: int | None = None
    daily_pnl: dict[date, float] = field(default_factory=dict)
    trading_dates: set[date] = field(default_factory=set)
    open: dict[str, OpenPosition] = field(default_factory=dict)
    breached: Reason | None = None
    flatten_pending: bool = False
    break_flattened: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "balance": self.balance,
            "equity": self.equity,
            "midnight_balance": self.midnight_balance,
            "highest_eod_balance": self.highest_eod_balance,
            "overall_floor": self.overall_floor,
            "day": self.day.isoformat() if self.day else None,
            "next_midnight_ns": self.next_midnight_ns,
            "last_ts": self.last_ts,
            "daily_pnl": {d.isoformat(): v for d, v in sorted(self.daily_pnl.items())},
            "trading_dates": [d.isoformat() for d in sorted(self.trading_dates)],
            "open": [
                {
                    "position_id": o.position_id,
                    "spec": o.spec.to_dict(),
                    "loss_at_stop": o.loss_at_stop,
                    "opened_ns": o.opened_ns,
                }
                for o in self.open.values()
            ],
            "breached": self.breached.to_dict() if self.breached else None,
            "flatten_pending": self.flatten_pending,
            "break_flattened": dict(self.break_flattened),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccountBook:
        """Inverse of :meth:`to_dict`."""
        return cls(
            balance=data["balance"],
            equity=data["equity"],
            midnight_balance=data["midnight_balance"],
            highest_eod_balance=data["highest_eod_balance"],
            overall_floor=data["overall_floor"],
            day=date.fromisoformat(data["day"]) if data["day"] else None,
            next_midnight_ns=data["next_midnight_ns"],
            last_ts=data["last_ts"],
            daily_pnl={date.fromisoformat(d): v for d, v in data["daily_pnl"].items()},
            trading_dates={date.fromisoformat(d) for d in data["trading_dates"]},
            open={
                o["position_id"]: OpenPosition(
                    o["position_id"],
                    SymbolSpec.from_dict(o["spec"]),
                    o["loss_at_stop"],
                    o["opened_ns"],
                )
                for o in data["open"]
            },
            breached=reason_from_dict(data["breached"]) if data["breached"] else None,
            flatten_pending=data["flatten_pending"],
            break_flattened=dict(data["break_flattened"]),
        )

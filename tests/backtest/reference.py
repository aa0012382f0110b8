"""A slow, obvious simulation used as the test oracle of ``mikrobot.backtest.nb``.

Every bar is processed in full (no skipping), positions are plain dicts, sizing calls
``mikrobot.risk.sizing.size_position`` and the prop-firm room and breach use the pure functions
of ``mikrobot.risk.floors``: nothing here shares code with the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mikrobot.core.symbol import SymbolSpec
from mikrobot.risk import floors as fl
from mikrobot.risk.sizing import size_position


@dataclass
class Rules:
    policy: str = "pessimistic"  # pessimistic | optimistic | stop_first
    exclusive: bool = False
    max_open: int = 3
    sizing: str = "fixed"  # fixed | risk
    risk_per_trade: float = 0.005
    max_risk_per_trade: float = 0.01
    commission: float = 0.0
    sizing_slippage: float = 0.0
    prop: bool = False
    initial: float = 100_000.0
    daily_loss: float = 0.05
    max_loss: float = 0.10
    trailing: bool = False
    safety: float = 0.005
    overnight: bool = True
    allowance: float = 0.0


@dataclass
class Outcome:
    trades: list[dict] = field(default_factory=list)
    breach_bar: int = -1
    breach_reason: str = ""
    ambiguous: int = 0
    rejected: dict[int, str] = field(default_factory=dict)
    balance: float = 0.0


def simulate(bars: dict, orders: list[dict], rules: Rules, spec: SymbolSpec) -> Outcome:
    """Run the rules bar by bar. ``bars``: open, high, low, close, spread, slip, day (lists),
    exit_long / exit_short (lists or None). ``orders``: dicts with bar, side, stop, target,
    volume, mult (sorted by bar)."""
    o_, h_, l_, c_ = bars["open"], bars["high"], bars["low"], bars["close"]
    n = len(o_)
    vpp = spec.tick_value / spec.tick_size
    out = Outcome()
    balance = rules.initial
    midnight = highest = rules.initial
    overall = rules.initial - rules.max_loss * rules.initial
    today = None
    positions: list[dict] = []
    k = 0

    def close(p: dict, bar: int, price: float, reason: str, amb: bool, slip: float) -> None:
        nonlocal balance
        gross = (p["side"] * p["volume"]) * (price - p["entry"]) * vpp
        fee = rules.commission * p["volume"] * 0.5
        balance += gross - fee
        out.trades.append(
            {
                "order": p["order"],
                "entry_bar": p["bar"],
                "exit_bar": bar,
                "side": p["side"],
                "entry_price": p["entry"],
                "exit_price": price,
                "volume": p["volume"],
                "pnl": gross - (p["fee"] + fee),
                "reason": reason,
                "ambiguous": amb,
                "slippage": p["slip"] + slip * p["volume"] * vpp,
            }
        )
        positions.remove(p)

    def mark(bid: float, ask: float) -> float:
        return sum(
            (p["side"] * p["volume"]) * ((bid if p["side"] > 0 else ask) - p["entry"]) * vpp
            for p in positions
        )

    for i in range(n):
        o, h, lo = o_[i], h_[i], l_[i]
        sp, sl = bars["spread"][i], bars["slip"][i]
        if rules.prop:
            if today is None:
                today = bars["day"][i]
            elif bars["day"][i] > today:
                midnight = balance
                highest = max(highest, balance)
                if rules.trailing:
                    overall = fl.trailing_overall_floor(
                        overall, rules.initial, highest, rules.max_loss, False
                    )
                today = bars["day"][i]
        if i > 0 and bars.get("exit_long") is not None:
            for p in list(reversed(positions)):
                if (p["side"] > 0 and bars["exit_long"][i - 1]) or (
                    p["side"] < 0 and bars["exit_short"][i - 1]
                ):
                    price = o - sl if p["side"] > 0 else o + sp + sl
                    close(p, i, price, "signal", False, sl)
        while k < len(orders) and orders[k]["bar"] <= i:
            order = orders[k]
            idx = k
            k += 1
            if rules.exclusive:
                for p in list(reversed(positions)):
                    price = o - sl if p["side"] > 0 else o + sp + sl
                    close(p, i, price, "signal", False, sl)
            if len(positions) >= rules.max_open:
                out.rejected[idx] = "max_open_positions"
                continue
            side = order["side"]
            fill = o + sp + sl if side > 0 else o - sl
            stop = order["stop"]
            risk = math.nan
            if rules.sizing == "risk":
                if math.isnan(stop) or (fill - stop) * side <= 0:
                    out.rejected[idx] = "zero_stop"
                    continue
                equity = balance + mark(o, o + sp)
                slippage = rules.sizing_slippage
                room = None
                if rules.prop:
                    open_risk = sum(p["risk"] for p in positions)
                    worst = fl.worst_case_equity(balance, equity, open_risk)
                    daily = fl.daily_floor(midnight, rules.initial, rules.daily_loss)
                    guarded = [daily, overall]
                    if rules.overnight:
                        nxt = fl.daily_floor(balance, rules.initial, rules.daily_loss)
                        if nxt > daily:
                            guarded.append(nxt)
                        if rules.trailing:
                            top = max(highest, balance)
                            nxt_overall = fl.trailing_overall_floor(
                                overall, rules.initial, top, rules.max_loss, False
                            )
                            if nxt_overall > overall:
                                guarded.append(nxt_overall)
                    room = max(
                        0.0,
                        min(fl.room_above(worst, f, rules.initial, rules.safety) for f in guarded),
                    )
                    slippage = max(slippage, rules.allowance * abs(o - stop))
                sized = size_position(
                    spec,
                    equity=equity,
                    entry=o,
                    stop=stop,
                    risk_per_trade=rules.risk_per_trade,
                    risk_multiplier=order["mult"],
                    max_risk_per_trade=rules.max_risk_per_trade,
                    spread=sp,
                    commission_per_lot=rules.commission,
                    slippage=slippage,
                    max_risk_money=room,
                )
                if not sized.accepted:
                    code = sized.reasons[-1].code
                    out.rejected[idx] = (
                        "prop_firm_no_room" if code == "no_risk" and room == 0 else code
                    )
                    continue
                volume = sized.volume
                risk = sized.money_at_risk
            else:
                volume = order["volume"]
            fee = rules.commission * volume * 0.5
            balance -= fee
            positions.append(
                {
                    "order": idx,
                    "bar": i,
                    "side": side,
                    "entry": fill,
                    "volume": volume,
                    "stop": stop,
                    "target": order["target"],
                    "fee": fee,
                    "slip": sl * volume * vpp,
                    "risk": risk,
                }
            )
        if not positions:
            continue
        decided = []
        worst = balance
        any_amb = False
        for p in positions:
            reason, price, adverse, amb = _decide(p, o, h, lo, sp, sl, rules.policy)
            decided.append((p, reason, price, adverse, amb))
            any_amb = any_amb or amb
            worst += (p["side"] * p["volume"]) * (adverse - p["entry"]) * vpp
            if reason == "stop":
                worst -= rules.commission * p["volume"] * 0.5
        if any_amb:
            out.ambiguous += 1
        breach = ""
        if rules.prop:
            daily = fl.daily_floor(midnight, rules.initial, rules.daily_loss)
            if fl.monitor_level(worst, daily, overall, rules.initial, 0.0, 0.0) == (
                fl.LEVEL_BREACHED
            ):
                breach = "max_daily_loss" if daily >= overall else "max_loss"
        for p, reason, price, adverse, amb in reversed(decided):
            if breach:
                if reason == "stop":
                    close(p, i, price, "stop", amb, sl)
                else:
                    close(p, i, adverse, "breach", amb, 0.0)
            elif reason:
                close(p, i, price, reason, amb, sl if reason == "stop" else 0.0)
        if breach:
            out.breach_bar = i
            out.breach_reason = breach
            out.balance = balance
            return out
    for p in list(reversed(positions)):
        c = c_[n - 1]
        close(p, n - 1, c if p["side"] > 0 else c + bars["spread"][n - 1], "end_of_data", False, 0)
    out.balance = balance
    return out


def _decide(
    p: dict, o: float, h: float, lo: float, sp: float, sl: float, policy: str
) -> tuple[str, float, float, bool]:
    side, stop, target = p["side"], p["stop"], p["target"]
    if side > 0:
        po, ph, pl = o, h, lo
        s_touch = not math.isnan(stop) and pl <= stop
        t_touch = not math.isnan(target) and ph >= target
        s_gap = not math.isnan(stop) and po <= stop
        t_gap = not math.isnan(target) and po >= target
    else:
        po, ph, pl = o + sp, h + sp, lo + sp
        s_touch = not math.isnan(stop) and ph >= stop
        t_touch = not math.isnan(target) and pl <= target
        s_gap = not math.isnan(stop) and po >= stop
        t_gap = not math.isnan(target) and po <= target
    amb = s_touch and t_touch
    reason, price = "", math.nan
    if policy == "stop_first":
        if s_touch:
            reason = "stop"
            price = min(po, stop) - sl if side > 0 else max(po, stop) + sl
        elif t_touch:
            reason = "target"
            price = max(po, target) if side > 0 else min(po, target)
    elif s_gap:
        reason, price, amb = "stop", (po - sl if side > 0 else po + sl), False
    elif t_gap:
        reason, price, amb = "target", po, False
    elif amb:
        if policy == "optimistic":
            reason, price = "target", target
        else:
            reason, price = "stop", (stop - sl if side > 0 else stop + sl)
    elif s_touch:
        reason, price = "stop", (stop - sl if side > 0 else stop + sl)
    elif t_touch:
        reason, price = "target", target
    if reason == "stop":
        adverse = price
    else:
        adverse = pl if side > 0 else ph
        if not math.isnan(stop):
            adverse = max(adverse, stop) if side > 0 else min(adverse, stop)
    return reason, price, adverse, amb

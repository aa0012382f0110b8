"""Property: on random price paths and order sequences, when every order passes the pre-trade
check and the monitor's flatten executes at the next price, no floor is breached by more than
the slippage the check did not price in (stop fills beyond the allowance, i.e. gaps).

The market: one symbol, a bid path on the tick grid with ordinary moves and rare gaps, a fixed
spread; buys fill at ask and their stops at bid, sells the other way round; a stop fills at the
stop or, when the price gapped past it, at the price. Commission is charged at the close and
counted in equity meanwhile. Steps last 1 minute to 10 hours, so Prague midnights (and the
day-2 floor rising after a profitable day) are crossed often.
"""

from dataclasses import dataclass

from hypothesis import event as stat
from hypothesis import given, note
from hypothesis import strategies as st

from mikrobot.core import DEFAULT_SPECS
from mikrobot.risk import FlattenRequested, PropFirmAccount, TradingDayRolled, TradingState
from mikrobot.risk.days import prague_date
from mikrobot.risk.floors import worst_case_equity
from tests.risk.helpers import prague

MINUTE = 60_000_000_000
INITIAL = 100_000.0
SPECS = [DEFAULT_SPECS[n] for n in ("EURUSD", "XAUUSD", "NAS100")]


@dataclass
class Position:
    pid: str
    side: int  # +1 buy, -1 sell
    volume: float
    entry: float  # fill price (ask for buys, bid for sells)
    stop: float  # bid level for buys, ask level for sells
    planned_loss: float  # what the pre-trade check priced in


step = st.tuples(
    st.integers(1, 600),  # minutes
    st.integers(-80, 80),  # bid move in ticks
    st.sampled_from([0] * 15 + [1]),  # 1: a gap of up to ±3,000 ticks on top
    st.integers(-3_000, 3_000),
    st.none()
    | st.tuples(
        st.sampled_from([1, -1]),  # side
        st.integers(5, 800),  # stop distance, ticks
        st.integers(1, 1_500),  # volume, steps
    ),
    st.integers(0, 20),  # 0: close the oldest position at market (take profit / exit)
)


@given(
    spec=st.sampled_from(SPECS),
    preset=st.sampled_from(["ftmo-2step-challenge", "ftmo-1step", "ftmo-2step-funded"]),
    safety=st.floats(0.001, 0.02),
    hard_share=st.floats(0.0, 1.0),
    allowance=st.floats(0.0, 0.5),
    spread_ticks=st.integers(0, 40),
    commission=st.floats(0.0, 10.0),
    start_minute=st.integers(0, 7 * 24 * 60),
    steps=st.lists(step, min_size=5, max_size=80),
)
def test_no_floor_is_breached_beyond_unpriced_slippage(
    spec, preset, safety, hard_share, allowance, spread_ticks, commission, start_minute, steps
):
    acc = PropFirmAccount.from_preset(
        preset,
        initial_balance=INITIAL,
        safety_buffer=safety,
        hard_buffer=safety * hard_share,
        slippage_allowance=allowance,
    )
    tick, tick_value = spec.tick_size, spec.tick_value
    spread = spread_ticks * tick
    bid = 20_000 * spec.pip_size
    ts = prague("2025-01-06 00:00") + start_minute * MINUTE
    balance = INITIAL
    positions: dict[str, Position] = {}
    excess = excess_today = 0.0  # realised stop-out losses beyond what the check priced in
    day = prague_date(ts)
    flatten_due: set[str] | None = None
    halted_once = False
    opened = 0

    def money(pos: Position, price: float) -> float:
        return pos.side * (price - pos.entry) / tick * tick_value * pos.volume

    def close(pid: str, price: float) -> None:
        nonlocal balance, excess, excess_today
        pos = positions.pop(pid)
        result = money(pos, price) - commission * pos.volume
        excess += max(0.0, -result - pos.planned_loss)
        excess_today += max(0.0, -result - pos.planned_loss)
        balance += result
        acc.record_close(ts, pid)

    def equity() -> float:
        total = balance
        for pos in positions.values():
            price = bid if pos.side > 0 else bid + spread  # exit side
            total += money(pos, price) - commission * pos.volume
        return total

    for n, (minutes, move, gap, gap_move, order, action) in enumerate(steps):
        ts += minutes * MINUTE
        if prague_date(ts) != day:
            day, excess_today = prague_date(ts), 0.0
        bid = max(bid + (move + gap * gap_move) * tick, 100 * tick)
        ask = bid + spread
        # 1. stops fill first: at the stop, or at the price when it gapped past it
        for pid, pos in list(positions.items()):
            if pos.side > 0 and bid <= pos.stop:
                close(pid, bid)
            elif pos.side < 0 and ask >= pos.stop:
                close(pid, ask)
        # 2. the monitor's flatten from the previous update executes at this price
        if flatten_due is not None:
            for pid in [p for p in positions if not flatten_due or spec.name in flatten_due]:
                close(pid, bid if positions[pid].side > 0 else ask)
            flatten_due = None
        if action == 0 and positions:
            pid = next(iter(positions))
            close(pid, bid if positions[pid].side > 0 else ask)
        # 3. the live monitor
        eq = equity()
        events = acc.update(ts, balance=balance, equity=eq)
        floor = max(acc.daily_floor, acc.overall_floor)
        note(f"step {n}: equity {eq:.2f} floor {floor:.2f} excess {excess:.2f} {acc.state}")
        # the daily floor resets from the midnight balance: only today's gaps can breach it
        assert eq >= acc.daily_floor - excess_today - 1e-6 * INITIAL
        assert eq >= acc.overall_floor - excess - 1e-6 * INITIAL
        if excess == 0.0:
            assert not acc.breached
        headroom = eq - floor
        if headroom < acc.params.hard_buffer * INITIAL:
            assert acc.state is TradingState.HALTED
        elif headroom < acc.params.safety_buffer * INITIAL:
            assert acc.state is not TradingState.ACTIVE
        halted_once |= acc.state is TradingState.HALTED
        for event in events:
            if isinstance(event, FlattenRequested):
                flatten_due = set(event.symbols)
        # 4. a new order, only if the pre-trade check passes
        if order is None:
            continue
        side, stop_ticks, volume_steps = order
        volume = volume_steps * spec.volume_step
        stop = bid - side * stop_ticks * tick
        if stop <= 0:
            continue
        decision = acc.check_order(
            ts,
            spec,
            volume=volume,
            entry=bid,
            stop=stop,
            spread=spread,
            commission_per_lot=commission,
        )
        if halted_once:
            assert not decision.approved  # nobody resumed: HALTED never trades again
        if not decision.approved:
            continue
        assert acc.state is TradingState.ACTIVE
        assert decision.worst_equity >= floor + acc.params.safety_buffer * INITIAL - 1e-6
        opened += 1
        pid = f"p{opened}"
        # a sell's stop is watched on the ask: the chart (bid) stop plus the spread
        positions[pid] = Position(
            pid,
            side,
            volume,
            ask if side > 0 else bid,
            stop if side > 0 else stop + spread,
            decision.loss_at_stop,
        )
        acc.record_open(ts, pid, spec, loss_at_stop=decision.loss_at_stop)
        # right after the fill the worst case still clears every floor by the buffer
        worst = worst_case_equity(balance, equity(), acc.open_risk)
        assert (
            worst
            >= max(acc.daily_floor, acc.overall_floor) + acc.params.safety_buffer * INITIAL - 1e-6
        )
    stat(f"positions opened: {'0' if not opened else '1-3' if opened < 4 else '4+'}")
    stat(f"gap losses beyond the allowance: {excess > 0}")
    stat(f"breached: {bool(acc.breached)}; halted: {halted_once}")
    days = sum(isinstance(e, TradingDayRolled) for e in acc.history)
    stat(f"Prague midnights crossed: {min(days, 3)}{'+' if days >= 3 else ''}")


@given(
    preset=st.sampled_from(["ftmo-2step-challenge", "ftmo-1step", "ftmo-2step-verification"]),
    profit=st.floats(0.0, 9_000.0),
    orders=st.lists(st.tuples(st.integers(5, 1_500), st.integers(10, 400)), min_size=1, max_size=8),
    evening_minute=st.integers(0, 230),
)
def test_positions_carried_past_midnight_cannot_breach_the_next_days_floor(
    preset, profit, orders, evening_minute
):
    """The overnight trap: a profitable day raises tomorrow's floor to the midnight balance
    minus the daily loss. Whatever passed the pre-trade check, if every stop then fills (at the
    priced-in slippage) right after midnight, no floor is breached."""
    spec = DEFAULT_SPECS["EURUSD"]
    acc = PropFirmAccount.from_preset(preset, initial_balance=INITIAL)
    acc.update(prague("2025-01-07 09:00"), balance=INITIAL, equity=INITIAL)
    balance = INITIAL + profit  # a closed winner
    acc.update(prague("2025-01-07 12:00"), balance=balance, equity=balance)
    ts = prague("2025-01-07 20:00") + evening_minute * MINUTE
    opened = []
    for i, (volume_steps, stop_pips) in enumerate(orders):
        ts += MINUTE
        volume = volume_steps * spec.volume_step
        decision = acc.check_order(
            ts, spec, volume=volume, entry=1.1, stop=1.1 - stop_pips * spec.pip_size, spread=0.0
        )
        if decision.approved:
            acc.record_open(ts, f"p{i}", spec, loss_at_stop=decision.loss_at_stop)
            opened.append((f"p{i}", decision.loss_at_stop))
    ts = prague("2025-01-08 00:00:05")
    acc.update(ts, balance=balance, equity=balance)
    assert acc.daily_floor == balance - acc.params.daily_loss * INITIAL
    floating = sum(loss for _, loss in opened)
    for pid, loss in opened:  # every stop fills, one after the other
        ts += MINUTE
        balance -= loss
        floating -= loss
        acc.record_close(ts, pid)
        acc.update(ts, balance=balance, equity=balance)
        assert (
            balance
            >= max(acc.daily_floor, acc.overall_floor) + acc.params.safety_buffer * INITIAL - 1e-6
        )
        assert not acc.breached
    stat(f"opened {min(len(opened), 3)}{'+' if len(opened) >= 3 else ''}")

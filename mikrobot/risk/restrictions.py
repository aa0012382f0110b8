"""News blackouts and market breaks: the time windows some FTMO accounts may not trade in.

Funded Standard accounts may not open or close trades on the *targeted* instruments from
2 minutes before to 2 minutes after a restricted (red) release, and must be flat shortly before
the weekend close and before any break longer than 2 hours (``reference/ftmo-rules.md`` §5).
The news calendar itself is imported elsewhere; here a window is just times plus what it
targets. The FX weekend runs from Friday 17:00 to Sunday 17:00 New York time (DST-aware).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mikrobot.core.events import Reason
from mikrobot.core.instruments import canonical_name
from mikrobot.core.symbol import AssetClass, SymbolSpec
from mikrobot.risk.days import NS_PER_SECOND

_NY = ZoneInfo("America/New_York")
_NS_PER_HOUR = 3600 * NS_PER_SECOND
_NS_PER_MIN = 60 * NS_PER_SECOND


def _names(symbols: Iterable[str]) -> frozenset[str]:
    return frozenset(canonical_name(s) for s in symbols)


@dataclass(frozen=True, slots=True)
class BlackoutWindow:
    """No trading on the targeted instruments from ``start_ns`` to ``end_ns`` (both inclusive).

    A symbol is targeted when its canonical name is in ``symbols`` or one of its base, quote
    or profit currencies is in ``currencies``; with both empty, every symbol is targeted.
    """

    start_ns: int
    end_ns: int
    currencies: frozenset[str] = frozenset()
    symbols: frozenset[str] = frozenset()
    label: str = ""

    def __post_init__(self) -> None:
        if self.end_ns < self.start_ns:
            raise ValueError(f"blackout {self.label!r}: end_ns is before start_ns")
        object.__setattr__(self, "currencies", frozenset(c.upper() for c in self.currencies))
        object.__setattr__(self, "symbols", _names(self.symbols))

    def targets(self, spec: SymbolSpec) -> bool:
        """Whether ``spec``'s instrument is restricted by this window."""
        if not self.currencies and not self.symbols:
            return True
        if canonical_name(spec.name) in self.symbols:
            return True
        own = {
            spec.base_currency.upper(),
            spec.quote_currency.upper(),
            spec.profit_currency.upper(),
        }
        return not self.currencies.isdisjoint(own)

    def contains(self, ts_ns: int) -> bool:
        """Whether ``ts_ns`` lies inside the window."""
        return self.start_ns <= ts_ns <= self.end_ns


def blackout_around(
    event_ns: int,
    *,
    before_s: float = 120.0,
    after_s: float = 120.0,
    currencies: Iterable[str] = (),
    symbols: Iterable[str] = (),
    label: str = "",
) -> BlackoutWindow:
    """The window ``[event − before_s, event + after_s]`` around a restricted release."""
    return BlackoutWindow(
        start_ns=event_ns - round(before_s * NS_PER_SECOND),
        end_ns=event_ns + round(after_s * NS_PER_SECOND),
        currencies=frozenset(currencies),
        symbols=frozenset(symbols),
        label=label,
    )


def active_blackout(
    ts_ns: int, spec: SymbolSpec, windows: Iterable[BlackoutWindow]
) -> BlackoutWindow | None:
    """The first window that contains ``ts_ns`` and targets ``spec``, else ``None``."""
    for window in windows:
        if window.contains(ts_ns) and window.targets(spec):
            return window
    return None


@dataclass(frozen=True, slots=True)
class MarketBreak:
    """The market is closed from ``start_ns`` to ``end_ns`` for the given asset classes or
    symbols (both empty: for every symbol)."""

    start_ns: int
    end_ns: int
    asset_classes: frozenset[AssetClass] = frozenset()
    symbols: frozenset[str] = frozenset()
    label: str = ""

    def __post_init__(self) -> None:
        if self.end_ns <= self.start_ns:
            raise ValueError(f"market break {self.label!r}: end_ns must be after start_ns")
        object.__setattr__(
            self, "asset_classes", frozenset(AssetClass(a) for a in self.asset_classes)
        )
        object.__setattr__(self, "symbols", _names(self.symbols))

    @property
    def hours(self) -> float:
        """Length of the break in hours."""
        return (self.end_ns - self.start_ns) / _NS_PER_HOUR

    def applies_to(self, spec: SymbolSpec) -> bool:
        """Whether ``spec``'s market is closed during this break."""
        if not self.asset_classes and not self.symbols:
            return True
        return spec.asset_class in self.asset_classes or canonical_name(spec.name) in self.symbols


_WEEKEND_CLASSES = frozenset(AssetClass) - {AssetClass.CRYPTO}


def weekend_break(ts_ns: int) -> MarketBreak:
    """The FX weekend in progress at ``ts_ns``, or the next one: Friday 17:00 to Sunday 17:00
    New York time, for every asset class but crypto."""
    local = datetime.fromtimestamp(ts_ns // NS_PER_SECOND, tz=UTC).astimezone(_NY)
    friday = local.date() - timedelta(days=(local.weekday() - 4) % 7)
    for _ in range(2):
        start = datetime.combine(friday, time(17), tzinfo=_NY)
        end = datetime.combine(friday + timedelta(days=2), time(17), tzinfo=_NY)
        end_ns = int(end.timestamp()) * NS_PER_SECOND
        if end_ns > ts_ns:
            break
        friday += timedelta(days=7)
    return MarketBreak(
        start_ns=int(start.timestamp()) * NS_PER_SECOND,
        end_ns=end_ns,
        asset_classes=_WEEKEND_CLASSES,
        label="weekend",
    )


def next_long_break(
    ts_ns: int,
    spec: SymbolSpec,
    breaks: Iterable[MarketBreak],
    min_hours: float,
) -> MarketBreak | None:
    """The earliest of ``breaks`` longer than ``min_hours`` that applies to ``spec`` and has not
    ended at ``ts_ns`` (include :func:`weekend_break` in ``breaks`` for the weekend)."""
    best: MarketBreak | None = None
    for brk in breaks:
        if brk.end_ns <= ts_ns or brk.hours <= min_hours or not brk.applies_to(spec):
            continue
        if best is None or brk.start_ns < best.start_ns:
            best = brk
    return best


def news_reason(ts_ns: int, spec: SymbolSpec, windows: Iterable[BlackoutWindow]) -> Reason | None:
    """A ``news_blackout`` reason when a window forbids trading ``spec`` at ``ts_ns``."""
    window = active_blackout(ts_ns, spec, windows)
    if window is None:
        return None
    return Reason(
        "news_blackout",
        f"restricted news {window.label}".strip(),
        {"start_ns": window.start_ns, "end_ns": window.end_ns, "symbol": spec.name},
    )


def break_reason(
    ts_ns: int,
    spec: SymbolSpec,
    breaks: Iterable[MarketBreak],
    *,
    min_hours: float,
    cutoff_min: float,
) -> Reason | None:
    """A ``market_break_ahead`` reason when a break longer than ``min_hours`` starts within
    ``cutoff_min`` minutes of ``ts_ns`` (or is under way) for ``spec``."""
    brk = next_long_break(ts_ns, spec, breaks, min_hours)
    if brk is None or ts_ns < brk.start_ns - round(cutoff_min * _NS_PER_MIN):
        return None
    return Reason(
        "market_break_ahead",
        f"no new entries before the {brk.label or 'break'}",
        {
            "break_start_ns": brk.start_ns,
            "minutes_left": (brk.start_ns - ts_ns) / _NS_PER_MIN,
            "entry_cutoff_before_break_min": cutoff_min,
        },
    )


def breaks_due(
    ts_ns: int,
    specs: Iterable[SymbolSpec],
    breaks: Sequence[MarketBreak],
    *,
    min_hours: float,
    lead_min: float,
    done: Mapping[str, int],
) -> dict[str, MarketBreak]:
    """Symbol -> the break longer than ``min_hours`` starting within ``lead_min`` minutes (or
    under way) that it must be flat for, skipping symbols already told (``done`` maps a symbol
    to the start of the break it was flattened for)."""
    lead = round(lead_min * _NS_PER_MIN)
    due: dict[str, MarketBreak] = {}
    for spec in specs:
        for brk in breaks:
            if (
                brk.start_ns - lead <= ts_ns < brk.end_ns
                and brk.hours > min_hours
                and brk.applies_to(spec)
                and done.get(spec.name) != brk.start_ns
            ):
                due[spec.name] = brk
                break
    return due

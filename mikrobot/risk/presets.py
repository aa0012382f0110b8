"""FTMO presets as plain data (``reference/ftmo-rules.md``; every number can be overridden).

Naming: ``ftmo-<program>-<phase>`` for Standard accounts and the same name with a ``-swing``
suffix for Swing accounts; ``ftmo-1step`` is the 1-Step Challenge. ``account_type`` may also be
overridden directly: the news and weekend rules follow it (funded + Standard restricts both).

| preset | daily loss | max loss | target | min days | best day |
|---|---|---|---|---|---|
| ftmo-2step-challenge[-swing] | 5 % | 10 % static | 10 % | 4 | off |
| ftmo-2step-verification[-swing] | 5 % | 10 % static | 5 % | 4 | off |
| ftmo-2step-funded[-swing] | 5 % | 10 % static | none | 0 | off |
| ftmo-1step | 3 % | 10 % trailing on end-of-day balance | 10 % | 0 | 50 % |

Values the reference marks UNVERIFIED keep a default and stay configurable:
``trailing_lock_at_initial`` (off: the official text only says the 1-Step floor "can only
increase"), ``best_day_base`` (``net_profit``), ``max_volume_per_order`` (off; a third party
claims 50 lots per FX order).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_TWO_STEP: dict[str, Any] = {
    "program": "2step",
    "daily_loss": 0.05,
    "max_loss": 0.10,
    "max_loss_mode": "static",
    "best_day_rule": None,
}
_PHASES: dict[str, dict[str, Any]] = {
    "challenge": {"phase": "challenge", "profit_target": 0.10, "min_trading_days": 4},
    "verification": {"phase": "verification", "profit_target": 0.05, "min_trading_days": 4},
    "funded": {"phase": "funded", "profit_target": None, "min_trading_days": 0},
}


def _build() -> dict[str, Mapping[str, Any]]:
    presets: dict[str, Mapping[str, Any]] = {}
    for phase, values in _PHASES.items():
        for account_type, suffix in (("standard", ""), ("swing", "-swing")):
            name = f"ftmo-2step-{phase}{suffix}"
            presets[name] = MappingProxyType(
                {"preset": name, **_TWO_STEP, **values, "account_type": account_type}
            )
    presets["ftmo-1step"] = MappingProxyType(
        {
            "preset": "ftmo-1step",
            "program": "1step",
            "phase": "challenge",
            "account_type": "standard",
            "daily_loss": 0.03,
            "max_loss": 0.10,
            "max_loss_mode": "trailing_eod",
            "profit_target": 0.10,
            "min_trading_days": 0,
            "best_day_rule": 0.50,
        }
    )
    return presets


#: preset name -> the rule values it sets (guards such as ``safety_buffer`` keep their defaults)
PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType(_build())


def preset_names() -> tuple[str, ...]:
    """Every preset name, sorted."""
    return tuple(sorted(PRESETS))

"""``mikrobot demo``: the main job on the embedded defaults."""

from __future__ import annotations


def demo() -> None:
    """Generate a synthetic week for EURUSD and XAUUSD, validate it and print a summary."""
    raise NotImplementedError

"""Atomic JSON files for risk state: written to a temporary file beside the target, flushed to
disk, then moved over it with ``os.replace``, so a reader never sees half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mikrobot.core.atomic import write_text_atomic


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (:func:`~mikrobot.core.atomic.write_text_atomic`)."""
    text = json.dumps(data, indent=1, sort_keys=True, allow_nan=False) + "\n"
    return write_text_atomic(path, text)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file written by :func:`write_json_atomic`; a bad file raises ``ValueError``
    naming it."""
    target = Path(path)
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{target}: line {exc.lineno}: not valid JSON ({exc.msg}); restore it from a backup "
            "or delete it to start from a fresh state"
        ) from None

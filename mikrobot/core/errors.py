"""Errors grouped by what the caller must do.

* fix the input: :class:`ConfigError`, :class:`DataError` (both are ``ValueError``);
* retry with backoff: :class:`TemporaryError`;
* record and move on: :class:`Rejected` (becomes an event);
* stop trading: :class:`HaltTrading`.
"""

from __future__ import annotations


class MikrobotError(Exception):
    """Base class of every error mikrobot raises on purpose."""


class ConfigError(MikrobotError, ValueError):
    """A setting is missing, unknown or out of range. The message names the key and the fix."""


class DataError(MikrobotError, ValueError):
    """Input data is malformed. Names the file, the line (1-based, as an editor shows it) and the field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class UnknownSymbolError(MikrobotError, KeyError):
    """A symbol is not in the instrument registry or the config."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown symbol"


class TemporaryError(MikrobotError):
    """A transient failure (connection, timeout, busy venue). Retry with backoff."""


class Rejected(MikrobotError):
    """The venue or a rule refused a request. Record it as an event; do not retry blindly."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


class HaltTrading(MikrobotError):
    """Trading must stop now (event log unwritable, breach, kill switch)."""

"""Typed settings: a TOML file plus ``MIKROBOT_*`` environment variables.

Settings are frozen, reject unknown keys and carry a hash (:meth:`Settings.config_hash`) that is
stamped on every backtest result, pipeline output and live run. Secrets never live in the file:
pass them through the environment.

Lookup order for the file: the ``path`` argument, ``$MIKROBOT_CONFIG``, ``./mikrobot.toml``.
Environment variables override the file and keyword overrides, with ``__`` between nested keys
(``MIKROBOT_DATA__STORE=/srv/bars``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from mikrobot.core.errors import ConfigError
from mikrobot.core.instruments import SymbolRegistry
from mikrobot.core.sessions import SessionWindow
from mikrobot.risk.params import PropFirmSelection, SizingParams
from mikrobot.strategy.params import (
    EvaluationParams,
    FeedbackParams,
    SessionWindowParams,
    default_session_table,
    merge_session_table,
    session_windows,
)
from mikrobot.structure.params import StructureParams

CONFIG_ENV = "MIKROBOT_CONFIG"
DEFAULT_FILE = "mikrobot.toml"


def default_home() -> Path:
    """``$MIKROBOT_HOME``, else ``~/.mikrobot``: where the bar store, SQLite files and runs live."""
    env = os.environ.get("MIKROBOT_HOME")
    return Path(env).expanduser() if env else Path.home() / ".mikrobot"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSettings(_Section):
    """Where bars are stored and how imported files are read by default."""

    store: Path | None = Field(default=None, description="Parquet bar store; default <home>/bars")
    source_tz: str = Field(default="UTC", description="time zone of imported files by default")

    @field_validator("source_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from mikrobot.data.timezones import resolve_zone

        resolve_zone(value)
        return value


class Settings(BaseSettings):
    """The whole mikrobot configuration."""

    model_config = SettingsConfigDict(
        env_prefix="MIKROBOT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    home: Path = Field(default_factory=default_home)
    data: DataSettings = DataSettings()
    symbols: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="per-symbol overrides of SymbolSpec fields, or whole new symbols",
    )
    sessions: dict[str, SessionWindowParams] = Field(
        default_factory=default_session_table,
        description="session table: per-centre overrides of the default windows, or new ones",
    )
    structure: StructureParams = StructureParams()
    evaluation: EvaluationParams = EvaluationParams()
    feedback: FeedbackParams = FeedbackParams()
    risk: SizingParams = SizingParams()
    propfirm: PropFirmSelection = PropFirmSelection()

    @field_validator("sessions", mode="before")
    @classmethod
    def _merge_sessions(cls, value: Any) -> Any:
        return merge_session_table(value)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        unknown = [n for n in self.evaluation.sessions.allowed if n not in self.sessions]
        if unknown:
            raise ValueError(
                f"evaluation.sessions.allowed names {', '.join(unknown)}, which the [sessions] "
                f"table does not define (it has {', '.join(self.sessions)})"
            )
        if self.feedback.confidence_max < self.evaluation.confidence.minimum:
            raise ValueError(
                f"feedback.confidence_max {self.feedback.confidence_max} is below "
                f"evaluation.confidence.minimum {self.evaluation.confidence.minimum}: raise it"
            )
        if self.feedback.cap_min > self.evaluation.sizing.multiplier_at_max:
            raise ValueError(
                f"feedback.cap_min {self.feedback.cap_min} is above "
                f"evaluation.sizing.multiplier_at_max {self.evaluation.sizing.multiplier_at_max}: "
                "lower it"
            )
        return self

    @field_validator("symbols")
    @classmethod
    def _valid_symbols(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        SymbolRegistry().with_overrides(value)  # raises ValueError naming the field
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init (the TOML file, passed in by load_settings) < environment
        return env_settings, init_settings

    # ------------------------------------------------------------------ derived
    @property
    def store_path(self) -> Path:
        """The Parquet bar store directory."""
        return (self.data.store or self.home / "bars").expanduser()

    def registry(self) -> SymbolRegistry:
        """Symbol specs: the defaults with this config's overrides applied."""
        return SymbolRegistry().with_overrides(self.symbols)

    def session_windows(self) -> tuple[SessionWindow, ...]:
        """The ``[sessions]`` table as core session windows (for evaluation and scoring)."""
        return session_windows(self.sessions)

    def config_hash(self) -> str:
        """First 16 hex digits of the SHA-256 of the settings as canonical JSON (paths excluded)."""
        data = self.model_dump(mode="json", exclude={"home"})
        data.get("data", {}).pop("store", None)
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _format_error(exc: ValidationError, origin: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        if err["type"] == "extra_forbidden":
            lines.append(f"unknown key {loc!r}: remove it or check its spelling")
        elif not err["loc"]:
            # cross-section checks: the message names the fields; the input would be noise
            lines.append(str(err["msg"]).removeprefix("Value error, "))
        elif err["type"] == "value_error" and isinstance(err.get("input"), dict):
            # a section's own check: its message names the key; the section dump is noise
            lines.append(f"{loc}: {str(err['msg']).removeprefix('Value error, ')}")
        else:
            lines.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
    return f"invalid configuration in {origin}:\n  " + "\n  ".join(lines)


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings from a TOML file, keyword ``overrides`` and the environment (which wins).

    Raises :class:`ConfigError` naming the file and each bad key.
    """
    file: Path | None = None
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file {file} does not exist")
    elif os.environ.get(CONFIG_ENV):
        file = Path(os.environ[CONFIG_ENV])
        if not file.is_file():
            raise ConfigError(f"${CONFIG_ENV} points to {file}, which does not exist")
    elif Path(DEFAULT_FILE).is_file():
        file = Path(DEFAULT_FILE)
    data: dict[str, Any] = {}
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, str(file) if file else "settings")) from None


def load_param_set(param_set: str | Path | None) -> Settings:
    """Settings named by a pipeline's ``param_set``: None or ``""`` the usual lookup
    (:func:`load_settings`), a prop-firm preset name (``ftmo-2step-challenge``...) those
    settings with ``propfirm.preset`` replaced, anything else a TOML settings file.

    Raises :class:`ConfigError` naming the presets when ``param_set`` is neither a preset nor
    an existing file."""
    from mikrobot.risk.presets import preset_names

    if param_set is None or str(param_set).strip() == "":
        return load_settings()
    text = str(param_set).strip()
    if text in preset_names():
        settings = load_settings()
        if settings.propfirm.preset == text:
            return settings
        selection = settings.propfirm.model_dump(mode="json")
        selection["preset"] = text
        return load_settings(propfirm=selection)
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"param_set {text!r} is neither a prop-firm preset ({', '.join(preset_names())}) "
            "nor an existing TOML settings file"
        )
    return load_settings(path)

"""Parameter spaces for the walk-forward search: a grid or seeded random draws over the fields
of :class:`~mikrobot.structure.params.StructureParams`, :class:`~mikrobot.backtest.params.
BacktestParams` and :class:`~mikrobot.strategy.params.EvaluationParams`.

A parameter is named by its field path in one of the three models, with or without the
model's prefix: ``left``, ``rr``, ``structure.weights.session``, ``policy``,
``sizing.risk_per_trade`` (backtest), ``prop_firm.daily_loss``, ``confidence.minimum``
(evaluation), ``evaluation.sizing.multiplier_at_max``. A name without a prefix must exist in
exactly one model. Every candidate is validated when the space is built, so a bad value or a
bad combination (``min_stop_pips`` above ``max_stop_pips``) is refused before any work starts,
with the parameter set and the field named.

Grid order is ``itertools.product`` over the names in the order given (the last name varies
fastest). Random draws use ``numpy.random.default_rng(seed)``: for each candidate, one draw per
name in the order given; duplicates of an earlier candidate are drawn again (up to ``100 × n``
draws in all, so a small discrete space yields fewer candidates).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from mikrobot.backtest.params import BacktestParams
from mikrobot.core.errors import ConfigError
from mikrobot.strategy.params import EvaluationParams
from mikrobot.structure.params import StructureParams

SECTIONS: dict[str, type[BaseModel]] = {
    "structure": StructureParams,
    "backtest": BacktestParams,
    "evaluation": EvaluationParams,
}


# ------------------------------------------------------------------------------ distributions
@dataclass(frozen=True, slots=True)
class Uniform:
    """A float drawn uniformly from ``[low, high)``."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(rng.uniform(self.low, self.high))

    def bounds(self) -> tuple[float, float]:
        """``(low, high)``."""
        return float(self.low), float(self.high)


@dataclass(frozen=True, slots=True)
class LogUniform:
    """A float whose logarithm is uniform on ``[log low, log high)`` (``0 < low < high``)."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def bounds(self) -> tuple[float, float]:
        """``(low, high)``."""
        return float(self.low), float(self.high)


@dataclass(frozen=True, slots=True)
class IntUniform:
    """An integer drawn uniformly from ``low..high`` inclusive."""

    low: int
    high: int

    def sample(self, rng: np.random.Generator) -> int:
        """One draw."""
        return int(rng.integers(self.low, self.high + 1))

    def bounds(self) -> tuple[float, float]:
        """``(low, high)``."""
        return float(self.low), float(self.high)


@dataclass(frozen=True, slots=True)
class Choice:
    """One of ``values``, each equally likely."""

    values: tuple[Any, ...]

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw."""
        return self.values[int(rng.integers(len(self.values)))]

    def bounds(self) -> tuple[float, float] | None:
        """``(min, max)`` when every value is a number, else None."""
        return _numeric_bounds(self.values)


Distribution = Uniform | LogUniform | IntUniform | Choice


def _numeric_bounds(values: Iterable[Any]) -> tuple[float, float] | None:
    vals = list(values)
    if not vals or not all(_is_number(v) for v in vals):
        return None
    return float(min(vals)), float(max(vals))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _distribution(name: str, spec: Any) -> Distribution:
    if isinstance(spec, Uniform | LogUniform | IntUniform | Choice):
        dist = spec
    elif isinstance(spec, Sequence) and not isinstance(spec, str):
        dist = Choice(tuple(spec))
    else:
        raise ConfigError(
            f"parameter {name!r}: {spec!r} is not a distribution; give a list of values, "
            "Uniform(lo, hi), LogUniform(lo, hi), IntUniform(lo, hi) or Choice((...))"
        )
    if isinstance(dist, Choice):
        if not dist.values:
            raise ConfigError(f"parameter {name!r} has no values: give at least one")
    elif not dist.low < dist.high and not (isinstance(dist, IntUniform) and dist.low == dist.high):
        raise ConfigError(f"parameter {name!r}: low ({dist.low}) must be below high ({dist.high})")
    if isinstance(dist, LogUniform) and dist.low <= 0:
        raise ConfigError(f"parameter {name!r}: LogUniform needs low > 0, got {dist.low}")
    return dist


# ------------------------------------------------------------------------------ names
def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class behind an annotation (``X``, ``X | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def _has_path(model: type[BaseModel], path: Sequence[str]) -> bool:
    current: type[BaseModel] | None = model
    for i, part in enumerate(path):
        if current is None or part not in current.model_fields:
            return False
        if i < len(path) - 1:
            current = _unwrap_model(current.model_fields[part].annotation)
    return True


def resolve_name(name: str) -> tuple[str, tuple[str, ...]]:
    """``(section, field path)`` of a parameter name; raises :class:`ConfigError` when the
    name is unknown or (without a prefix) exists in more than one model."""
    parts = tuple(p for p in name.strip().split("."))
    if not parts or any(not re.fullmatch(r"[A-Za-z_]\w*", p) for p in parts):
        raise ConfigError(f"parameter name {name!r} is not a field path such as 'left' or 'rr'")
    if parts[0] in SECTIONS and len(parts) > 1:
        section, path = parts[0], parts[1:]
        if not _has_path(SECTIONS[section], path):
            raise ConfigError(
                f"unknown parameter {name!r}: {SECTIONS[section].__name__} has no field "
                f"{'.'.join(path)!r}; it has {', '.join(SECTIONS[section].model_fields)}"
            )
        return section, path
    found = [s for s, model in SECTIONS.items() if _has_path(model, parts)]
    if len(found) == 1:
        return found[0], parts
    if found:
        options = " or ".join(f"'{s}.{name}'" for s in found)
        raise ConfigError(f"parameter {name!r} is ambiguous: write {options}")
    known = sorted(set().union(*(m.model_fields for m in SECTIONS.values())))
    raise ConfigError(
        f"unknown parameter {name!r}: not a field of StructureParams, BacktestParams or "
        f"EvaluationParams (top-level fields: {', '.join(known)}; nested ones as "
        "'confidence.minimum')"
    )


def field_type(name: str) -> Any:
    """The annotation of the field a parameter name resolves to (``int``, ``float``, ...)."""
    section, path = resolve_name(name)
    model: type[BaseModel] | None = SECTIONS[section]
    for part in path[:-1]:
        model = _unwrap_model(model.model_fields[part].annotation) if model else None
    return model.model_fields[path[-1]].annotation if model else None


# ------------------------------------------------------------------------------ candidates
@dataclass(frozen=True, eq=False)
class Candidate:
    """One parameter set: its position in the space, the values by name, and the three
    validated models the values produce. ``key`` is a 16-hex-digit hash of the three models."""

    index: int
    values: Mapping[str, Any]
    structure: StructureParams
    backtest: BacktestParams
    evaluation: EvaluationParams
    key: str


def _set_path(data: dict[str, Any], path: Sequence[str], value: Any, where: str) -> None:
    node = data
    for i, part in enumerate(path[:-1]):
        child = node.get(part)
        if child is None:
            raise ConfigError(
                f"parameter {where!r}: {'.'.join(path[: i + 1])} is None in the base settings; "
                "give base settings that define it (e.g. a prop-firm preset)"
            )
        node = child
    node[path[-1]] = value


def _format_validation(exc: ValidationError, section: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if loc:
            parts.append(f"{section}.{loc}: {msg} (got {err.get('input')!r})")
        else:
            parts.append(f"{section}: {msg}")
    return "; ".join(parts)


def _hash(models: Sequence[BaseModel]) -> str:
    blob = json.dumps(
        [m.model_dump(mode="json") for m in models], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


@dataclass(frozen=True, eq=False)
class ParameterSpace:
    """The candidates of a search, all validated; build it with :meth:`grid`, :meth:`random`
    or :meth:`single`.

    ``names`` are the parameter names as given; ``paths`` their ``(section, field path)``;
    ``bounds`` the numeric ``(min, max)`` of each parameter's searched range (None when not
    numeric), used by the stability measure; ``kind`` is ``grid``, ``random`` or ``single``.
    """

    names: tuple[str, ...]
    paths: Mapping[str, tuple[str, tuple[str, ...]]]
    candidates: tuple[Candidate, ...]
    bounds: Mapping[str, tuple[float, float] | None]
    kind: str
    seed: int | None = None

    def __len__(self) -> int:
        return len(self.candidates)

    @classmethod
    def single(
        cls,
        structure: StructureParams | None = None,
        backtest: BacktestParams | None = None,
        evaluation: EvaluationParams | None = None,
    ) -> ParameterSpace:
        """One candidate: the base settings themselves (a walk-forward without a search)."""
        return cls._build({}, [{}], "single", None, structure, backtest, evaluation, {})

    @classmethod
    def grid(
        cls,
        grid: Mapping[str, Sequence[Any]],
        *,
        structure: StructureParams | None = None,
        backtest: BacktestParams | None = None,
        evaluation: EvaluationParams | None = None,
    ) -> ParameterSpace:
        """Every combination of ``grid``'s value lists over the base settings (defaults)."""
        lists: dict[str, tuple[Any, ...]] = {}
        for name, values in grid.items():
            if isinstance(values, str) or not isinstance(values, Sequence):
                raise ConfigError(f"grid parameter {name!r}: give a list of values, got {values!r}")
            if len(values) == 0:
                raise ConfigError(f"grid parameter {name!r} has no values: give at least one")
            lists[name] = tuple(_plain(v) for v in values)
        names = list(lists)
        rows = [
            dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists.values())
        ]
        bounds = {n: _numeric_bounds(v) for n, v in lists.items()}
        return cls._build(lists, rows, "grid", None, structure, backtest, evaluation, bounds)

    @classmethod
    def random(
        cls,
        distributions: Mapping[str, Any],
        n: int,
        *,
        seed: int = 0,
        structure: StructureParams | None = None,
        backtest: BacktestParams | None = None,
        evaluation: EvaluationParams | None = None,
    ) -> ParameterSpace:
        """``n`` distinct candidates drawn from ``distributions`` (a list of values means a
        :class:`Choice`) with ``numpy.random.default_rng(seed)``."""
        if n < 1:
            raise ConfigError(f"random search needs n >= 1 candidates, got {n}")
        dists = {name: _distribution(name, spec) for name, spec in distributions.items()}
        if not dists:
            raise ConfigError("random search needs at least one parameter distribution")
        rng = np.random.default_rng(seed)
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(100 * n):
            row = {name: _plain(d.sample(rng)) for name, d in dists.items()}
            key = json.dumps(row, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                rows.append(row)
                if len(rows) == n:
                    break
        bounds = {name: d.bounds() for name, d in dists.items()}
        return cls._build(dists, rows, "random", seed, structure, backtest, evaluation, bounds)

    @classmethod
    def _build(
        cls,
        named: Mapping[str, Any],
        rows: list[dict[str, Any]],
        kind: str,
        seed: int | None,
        structure: StructureParams | None,
        backtest: BacktestParams | None,
        evaluation: EvaluationParams | None,
        bounds: Mapping[str, tuple[float, float] | None],
    ) -> ParameterSpace:
        base = {
            "structure": StructureParams() if structure is None else structure,
            "backtest": BacktestParams() if backtest is None else backtest,
            "evaluation": EvaluationParams() if evaluation is None else evaluation,
        }
        for section, model in base.items():
            if not isinstance(model, SECTIONS[section]):
                raise ConfigError(
                    f"base {section} settings must be a {SECTIONS[section].__name__}, "
                    f"got {type(model).__name__}"
                )
        paths = {name: resolve_name(name) for name in named}
        targets: dict[tuple[str, tuple[str, ...]], str] = {}
        for name, target in paths.items():
            if target in targets:
                raise ConfigError(
                    f"parameters {targets[target]!r} and {name!r} name the same field: keep one"
                )
            targets[target] = name
        dumps = {s: m.model_dump() for s, m in base.items()}
        cache: dict[tuple[str, str], BaseModel] = {}
        candidates = []
        for i, row in enumerate(rows):
            models: dict[str, BaseModel] = {}
            for section, cls_ in SECTIONS.items():
                mine = {n: v for n, v in row.items() if paths[n][0] == section}
                if not mine:
                    models[section] = base[section]
                    continue
                ck = (section, json.dumps(mine, sort_keys=True, default=str))
                if ck not in cache:
                    data = _restore(dumps[section])
                    for name, value in mine.items():
                        _set_path(data, paths[name][1], value, name)
                    try:
                        cache[ck] = cls_.model_validate(data)
                    except ValidationError as exc:
                        shown = ", ".join(f"{k}={v!r}" for k, v in row.items())
                        raise ConfigError(
                            f"parameter set {i} ({shown}) is invalid: "
                            f"{_format_validation(exc, section)}"
                        ) from None
                models[section] = cache[ck]
            trio = [models["structure"], models["backtest"], models["evaluation"]]
            candidates.append(
                Candidate(
                    index=i,
                    values=types.MappingProxyType(dict(row)),
                    structure=typing.cast(StructureParams, models["structure"]),
                    backtest=typing.cast(BacktestParams, models["backtest"]),
                    evaluation=typing.cast(EvaluationParams, models["evaluation"]),
                    key=_hash(trio),
                )
            )
        return cls(
            names=tuple(named),
            paths=types.MappingProxyType(paths),
            candidates=tuple(candidates),
            bounds=types.MappingProxyType(dict(bounds)),
            kind=kind,
            seed=seed,
        )

    def frame(self) -> pd.DataFrame:
        """One row per candidate (index ``candidate``), one column per parameter, plus ``key``."""
        frame = pd.DataFrame(
            [dict(c.values) for c in self.candidates],
            index=pd.RangeIndex(len(self.candidates), name="candidate"),
            columns=list(self.names),
        )
        frame["key"] = [c.key for c in self.candidates]
        return frame

    def groups(self) -> list[list[Candidate]]:
        """The candidates grouped by identical structure settings (each group's setups are
        computed once), groups in order of their first candidate."""
        out: dict[str, list[Candidate]] = {}
        for c in self.candidates:
            out.setdefault(c.structure.model_dump_json(), []).append(c)
        return list(out.values())

    def describe(self) -> dict[str, Any]:
        """The space as JSON-able data (for summaries and hashes)."""
        return {
            "kind": self.kind,
            "seed": self.seed,
            "names": list(self.names),
            "candidates": len(self.candidates),
            "keys": [c.key for c in self.candidates],
        }


def _restore(dump: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a model dump (dicts and lists copied, leaves shared)."""

    def copy(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: copy(v) for k, v in node.items()}
        if isinstance(node, list):
            return [copy(v) for v in node]
        return node

    return copy(dump)


# ------------------------------------------------------------------------------ CLI specs
def parse_value(text: str) -> Any:
    """A CLI value: an int, a float, ``true``/``false``, ``none``, else the string itself."""
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    try:
        return float(t)
    except ValueError:
        return t


def parse_spec(text: str, *, random: bool = False) -> tuple[str, Any]:
    """``name=spec`` from the command line: ``left=2,3,4`` (values), ``rr=1.5:3:0.5`` (an
    inclusive stepped range), and for random search ``rr=1.5:3`` (uniform; integers when both
    ends are) and ``risk=0.001:0.01:log`` (log-uniform). Raises :class:`ConfigError`."""
    if "=" not in text:
        raise ConfigError(f"--grid {text!r}: write name=values, e.g. left=2,3,4 or rr=1.5:3:0.5")
    name, _, body = text.partition("=")
    name, body = name.strip(), body.strip()
    if not name or not body:
        raise ConfigError(f"--grid {text!r}: write name=values, e.g. left=2,3,4")
    if ":" not in body:
        return name, [parse_value(v) for v in body.split(",") if v.strip() != ""]
    parts = [p.strip() for p in body.split(":")]
    if len(parts) not in (2, 3):
        raise ConfigError(f"--grid {text!r}: a range is lo:hi, lo:hi:step or lo:hi:log")
    lo, hi = parse_value(parts[0]), parse_value(parts[1])
    if not (_is_number(lo) and _is_number(hi)):
        raise ConfigError(f"--grid {text!r}: range ends must be numbers")
    if len(parts) == 2 or parts[2].lower() == "log":
        if not random:
            raise ConfigError(
                f"--grid {text!r}: a grid needs a step (lo:hi:step) or a list of values; "
                "ranges without a step are for --random"
            )
        if len(parts) == 3:
            return name, LogUniform(float(lo), float(hi))
        if field_type(name) is int:
            if not (isinstance(lo, int) and isinstance(hi, int)):
                raise ConfigError(f"--grid {text!r}: {name} is an integer; give integer ends")
            return name, IntUniform(lo, hi)
        return name, Uniform(float(lo), float(hi))
    step = parse_value(parts[2])
    if not _is_number(step) or step <= 0:
        raise ConfigError(f"--grid {text!r}: the step must be a positive number")
    if hi < lo:
        raise ConfigError(f"--grid {text!r}: lo ({lo}) is above hi ({hi})")
    count = math.floor((hi - lo) / step + 1e-9) + 1
    if all(isinstance(v, int) for v in (lo, hi, step)):
        return name, [lo + k * step for k in range(count)]
    return name, [round(lo + k * step, 12) for k in range(count)]

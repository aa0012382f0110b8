"""The pipeline runner: papermill notebooks in ``pipelines/`` run into dated run directories.

A pipeline is a notebook ``pipelines/NAME.ipynb`` with a cell tagged ``parameters`` (its
command name is NAME with dashes: ``daily-validation``). :func:`run_pipeline` checks the
``-p key=value`` overrides against the notebook's parameters (read by
``papermill.inspect_notebook``; a value is converted to the type of the default), executes the
notebook with papermill into ``<runs>/<YYYY-MM-DD>/<NAME>/<run_id>/`` (UTC date; ``run_id`` =
UTC ``HHMMSS`` + 6 random hex digits), writes the executed notebook, its HTML (nbconvert) and
``summary.json``, and returns a :class:`RunOutcome` with the exit status: 0 when the summary
says every gate passed, 1 when one failed, 2 when the notebook raised (the executed notebook
and the HTML are still written, and the summary records the error).

The notebook's ``output_dir`` parameter is set to the run directory by the runner; the kernel
runs this interpreter, with the directory holding the imported ``mikrobot`` first on its
``PYTHONPATH`` (so it imports the same code as the command). Papermill and nbconvert are
imported here only, inside the functions.

Where things are:

* pipelines: ``--pipelines-dir``, else ``$MIKROBOT_PIPELINES``, else ``pipelines/`` beside the
  ``mikrobot`` package (the repository of an editable install);
* runs: ``--runs-root``, else ``$MIKROBOT_RUNS``, else ``./runs``.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import json
import math
import os
import secrets
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mikrobot.core.atomic import write_text_atomic
from mikrobot.core.errors import ConfigError

PIPELINES_ENV = "MIKROBOT_PIPELINES"
RUNS_ENV = "MIKROBOT_RUNS"
SUMMARY_FILE = "summary.json"
#: parameters the runner sets itself
RESERVED = ("output_dir",)
EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2

__all__ = [
    "PIPELINES_ENV",
    "RUNS_ENV",
    "Parameter",
    "PastRun",
    "RunOutcome",
    "available_pipelines",
    "find_pipeline",
    "latest_runs",
    "notebook_parameters",
    "parse_overrides",
    "pipelines_dir",
    "run_pipeline",
    "runs_root",
]


def _papermill() -> Any:
    """The papermill module, or a :class:`ConfigError` saying which extra installs it."""
    try:
        import nbconvert  # noqa: F401  (the HTML report)
        import papermill
    except ImportError as exc:
        raise ConfigError(
            f"pipelines need papermill and nbconvert ({exc.name} is missing): "
            "pip install 'mikrobot[pipelines]' (make demo does)"
        ) from None
    return papermill


# ------------------------------------------------------------------------------ locations
def pipelines_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The pipelines directory: ``override``, else ``$MIKROBOT_PIPELINES``, else
    ``pipelines/`` beside the ``mikrobot`` package. Raises :class:`ConfigError` when it does not
    exist, saying how to point at it."""
    import mikrobot

    if override is not None:
        where, origin = Path(override).expanduser(), "--pipelines-dir"
    elif os.environ.get(PIPELINES_ENV):
        where, origin = Path(os.environ[PIPELINES_ENV]).expanduser(), f"${PIPELINES_ENV}"
    else:
        where = Path(mikrobot.__file__).resolve().parent.parent / "pipelines"
        origin = "beside the mikrobot package"
    if not where.is_dir():
        raise ConfigError(
            f"no pipelines directory at {where} ({origin}): the pipelines ship with the "
            "repository (an editable install, `pip install -e .`, finds them); otherwise pass "
            f"--pipelines-dir or set ${PIPELINES_ENV} to the repository's pipelines/ directory"
        )
    return where


def runs_root(override: str | os.PathLike[str] | None = None) -> Path:
    """Where runs are written: ``override``, else ``$MIKROBOT_RUNS``, else ``./runs``."""
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get(RUNS_ENV):
        return Path(os.environ[RUNS_ENV]).expanduser()
    return Path.cwd() / "runs"


def _command_name(stem: str) -> str:
    return stem.replace("_", "-")


def available_pipelines(directory: Path) -> dict[str, Path]:
    """Command name (``daily-validation``) -> notebook, for every ``*.ipynb`` in
    ``directory`` (sorted)."""
    return {_command_name(p.stem): p for p in sorted(directory.glob("*.ipynb"))}


def find_pipeline(name: str, directory: Path) -> Path:
    """The notebook of pipeline ``name`` (dashes or underscores). Raises :class:`ConfigError`
    naming the available pipelines."""
    found = available_pipelines(directory)
    key = _command_name(name.strip().removesuffix(".ipynb"))
    if key not in found:
        names = ", ".join(found) or "none"
        raise ConfigError(f"no pipeline {name!r} in {directory}: available: {names}")
    return found[key]


# ------------------------------------------------------------------------------ parameters
@dataclass(frozen=True)
class Parameter:
    """One notebook parameter: its ``name``, ``default`` (the Python value of the parameters
    cell's literal; the text when it is not a literal), ``kind`` (``int``, ``float``,
    ``bool``, ``str``, ``dict``, ``list`` or ``none`` for a None default, which takes text),
    and the ``help`` of its comment."""

    name: str
    default: Any
    kind: str
    help: str = ""

    @property
    def default_text(self) -> str:
        """The default as the command line would write it."""
        if isinstance(self.default, dict | list):
            return json.dumps(self.default)
        return str(self.default)


_KINDS = {bool: "bool", int: "int", float: "float", str: "str", dict: "dict", list: "list"}


def notebook_parameters(path: Path) -> dict[str, Parameter]:
    """The parameters of the notebook's ``parameters`` cell, in order (papermill's
    ``inspect_notebook``). Raises :class:`ConfigError` when the notebook has none."""
    papermill = _papermill()

    try:
        found = papermill.inspect_notebook(str(path))
    except Exception as exc:  # papermill raises plain exceptions for unreadable notebooks
        raise ConfigError(f"{path}: cannot read the notebook's parameters: {exc}") from None
    if not found:
        raise ConfigError(f"{path}: no cell tagged 'parameters': tag the parameters cell")
    out = {}
    for name, info in found.items():
        text = str(info.get("default", ""))
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        kind = "none" if value is None else _KINDS.get(type(value), "str")
        out[name] = Parameter(name, value, kind, str(info.get("help") or ""))
    return out


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_NONE = {"none", "null"}


def _coerce(param: Parameter, text: str) -> Any:
    """``text`` as a value of ``param``'s kind; ValueError says what to write instead."""
    kind, raw = param.kind, text.strip()
    example = f"e.g. {param.name}={param.default_text}"
    if kind == "none" or (kind == "str" and param.default is None):
        return None if raw.lower() in _NONE else text
    if kind == "str":
        return text
    if kind == "bool":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ValueError(f"takes true or false, {example}")
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"takes a whole number, {example}") from None
    if kind == "float":
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"takes a number, {example}") from None
        if not math.isfinite(value):
            raise ValueError(f"takes a finite number, {example}")
        return value
    try:
        value = json.loads(raw)
    except ValueError:
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = None
    want = dict if kind == "dict" else list
    if not isinstance(value, want):
        raise ValueError(f"takes a JSON {'object' if kind == 'dict' else 'list'}, {example}")
    return value


def parse_overrides(
    pairs: Sequence[str], parameters: Mapping[str, Parameter], *, pipeline: str = "the notebook"
) -> dict[str, Any]:
    """``-p key=value`` pairs as typed values, checked against ``parameters``.

    Raises :class:`ConfigError` for a pair without ``=``, an unknown key (naming the close
    ones and the list), a key the runner sets (``output_dir``), a key given twice, or a value
    that is not of the default's type."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"-p {pair!r}: write key=value, e.g. -p days=5")
        if key in RESERVED:
            raise ConfigError(
                f"-p {key}: the runner sets {key} to the run directory; choose where runs go "
                f"with --runs-root or ${RUNS_ENV}"
            )
        if key not in parameters:
            close = difflib.get_close_matches(key, list(parameters), n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            names = ", ".join(k for k in parameters if k not in RESERVED)
            raise ConfigError(
                f"-p {key}: {pipeline} has no parameter {key!r}{hint}; it has: {names}"
            )
        if key in out:
            raise ConfigError(f"-p {key} is given twice: give it once")
        try:
            out[key] = _coerce(parameters[key], text)
        except ValueError as exc:
            raise ConfigError(f"-p {key}={text!r}: {key} {exc}") from None
    return out


# ------------------------------------------------------------------------------ running
@dataclass(frozen=True)
class RunOutcome:
    """What :func:`run_pipeline` did: the run's identity and files, the summary it wrote,
    ``status`` (``passed``, ``failed`` or ``error``) and the ``exit_code`` (0, 1, 2)."""

    pipeline: str
    run_id: str
    directory: Path
    notebook: Path
    html: Path | None
    summary_path: Path
    summary: Mapping[str, Any] = field(repr=False)
    status: str
    exit_code: int
    elapsed_s: float


def _new_run_dir(root: Path, stem: str, now: datetime) -> tuple[str, Path]:
    for _ in range(10):
        run_id = f"{now:%H%M%S}-{secrets.token_hex(3)}"
        where = root / f"{now:%Y-%m-%d}" / stem / run_id
        try:
            where.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        return run_id, where
    raise ConfigError(f"cannot create a new run directory under {root}")  # pragma: no cover


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """The kernel inherits this process's environment: put the directory holding the imported
    ``mikrobot`` first on ``PYTHONPATH`` while it starts, so it imports the same code."""
    import mikrobot

    home = str(Path(mikrobot.__file__).resolve().parent.parent)
    before = os.environ.get("PYTHONPATH")
    parts = [home, *(p for p in (before or "").split(os.pathsep) if p and p != home)]
    os.environ["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def _kernel_manager_class() -> type:
    """A kernel manager that starts ``ipykernel`` with this interpreter, whatever interpreter
    a ``python3`` kernel spec found on the Jupyter path names, and encrypts the kernel's
    loopback TCP traffic (CurveZMQ) when pyzmq and the kernel spec support it."""
    import zmq
    from jupyter_client.manager import KernelManager

    class ThisInterpreter(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if zmq.has("curve"):
                self.transport_encryption = "auto"

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            if len(cmd) > 2 and cmd[1:3] == ["-m", "ipykernel_launcher"]:
                cmd[0] = sys.executable
            return cmd

    return ThisInterpreter


def _write_html(notebook: Path, html: Path) -> Path | None:
    """The executed notebook as HTML (nbconvert's lab template); None when it cannot be read."""
    from nbconvert import HTMLExporter

    if not notebook.is_file():
        return None
    body, _ = HTMLExporter().from_filename(str(notebook))
    return write_text_atomic(html, body)


def _error_of(exc: BaseException) -> dict[str, Any]:
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = getattr(exc, "evalue", None) or str(exc)
    return {"ename": name, "evalue": value, "cell": getattr(exc, "exec_count", None)}


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(values), default=str))


def run_pipeline(
    name: str,
    overrides: Sequence[str] = (),
    *,
    pipelines: str | os.PathLike[str] | None = None,
    runs: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> RunOutcome:
    """Run pipeline ``name`` with ``overrides`` (``key=value`` texts); see the module
    docstring. Raises :class:`ConfigError` for an unknown pipeline or a bad override (nothing
    is run or written then); a notebook error is reported in the outcome, not raised."""
    papermill = _papermill()
    directory = pipelines_dir(pipelines)
    notebook = find_pipeline(name, directory)
    params = notebook_parameters(notebook)
    values = parse_overrides(overrides, params, pipeline=f"pipeline {notebook.stem}")
    stem = notebook.stem
    now = datetime.now(UTC)
    run_id, where = _new_run_dir(runs_root(runs), stem, now)
    values["output_dir"] = str(where.resolve())
    executed = where / notebook.name
    html = where / f"{stem}.html"
    summary_path = where / SUMMARY_FILE
    started = time.perf_counter()
    error: dict[str, Any] | None = None
    with _kernel_environment():
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=values,
                progress_bar=progress,
                kernel_manager_class=_kernel_manager_class(),
            )
        except Exception as exc:  # the notebook raised, or the kernel died: status 2
            error = _error_of(exc)
    written_html = None
    try:
        written_html = _write_html(executed, html)
    except Exception as exc:  # a conversion failure must not hide the run's own outcome
        error = error or {"ename": type(exc).__name__, "evalue": f"HTML: {exc}", "cell": None}
    summary: dict[str, Any]
    if error is None and summary_path.is_file():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    else:
        if error is None:
            error = {"ename": "MissingSummary", "evalue": "the notebook wrote no summary.json"}
        summary = {
            "pipeline": stem,
            "status": "error",
            "passed": False,
            "parameters": _jsonable({k: v for k, v in values.items() if k not in RESERVED}),
            "gates": [],
            "failed_gates": [],
            "error": error,
        }
    status = "error" if error is not None else ("passed" if summary.get("passed") else "failed")
    summary["status"] = status
    elapsed = time.perf_counter() - started
    summary["run"] = {
        "id": run_id,
        "started": now.isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 2),
        "directory": str(where.resolve()),
        "notebook": executed.name,
        "html": None if written_html is None else written_html.name,
        "source_notebook": str(notebook),
        "overrides": list(overrides),
    }
    write_text_atomic(summary_path, json.dumps(summary, indent=2, default=str) + "\n")
    code = {"passed": EXIT_PASSED, "failed": EXIT_FAILED}.get(status, EXIT_ERROR)
    return RunOutcome(
        pipeline=_command_name(stem),
        run_id=run_id,
        directory=where,
        notebook=executed,
        html=written_html,
        summary_path=summary_path,
        summary=summary,
        status=status,
        exit_code=code,
        elapsed_s=elapsed,
    )


# ------------------------------------------------------------------------------ past runs
@dataclass(frozen=True)
class PastRun:
    """A run found under the runs root: its date, pipeline (directory name), id, directory and
    status (``passed``, ``failed``, ``error``, or ``incomplete`` without a summary)."""

    date: str
    pipeline: str
    run_id: str
    directory: Path
    status: str
    failed_gates: tuple[str, ...] = ()


def latest_runs(root: Path, pipeline: str | None = None, limit: int = 5) -> list[PastRun]:
    """The newest ``limit`` runs under ``root`` (of one pipeline's notebook stem when given),
    newest first."""
    if not root.is_dir():
        return []
    found = []
    for day in root.iterdir():
        if not day.is_dir():
            continue
        for pipe in day.iterdir():
            if not pipe.is_dir() or (pipeline is not None and pipe.name != pipeline):
                continue
            found.extend(
                (day.name, pipe.name, run.name, run) for run in pipe.iterdir() if run.is_dir()
            )
    found.sort(key=lambda f: (f[0], f[2]), reverse=True)
    out = []
    for day, pipe, run_id, where in found[:limit]:
        status, failed = "incomplete", ()
        path = where / SUMMARY_FILE
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                status = str(data.get("status", "incomplete"))
                failed = tuple(data.get("failed_gates") or ())
            except (OSError, ValueError):
                status = "unreadable"
        out.append(PastRun(day, pipe, run_id, where, status, failed))
    return out

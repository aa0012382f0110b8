"""``mikrobot pipeline run|list`` and ``mikrobot demo``: the -p checks, the locations, and real
papermill runs of pipelines/daily_validation.ipynb on a small synthetic market (exit 0 when the
gates pass, 1 when one fails, 2 when the notebook raises; the files are written every time)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from mikrobot.backtest.daily import SYNTHETIC_END as END
from mikrobot.backtest.daily import RunSettings, WalkForwardPlan, validate_symbol
from mikrobot.backtest.gates import GateThresholds
from mikrobot.cli import app
from mikrobot.cli.runner import (
    PIPELINES_ENV,
    RUNS_ENV,
    find_pipeline,
    latest_runs,
    notebook_parameters,
    parse_overrides,
    pipelines_dir,
    runs_root,
)
from mikrobot.config import load_settings
from mikrobot.core.errors import ConfigError
from mikrobot.data.sources import load_m1_source

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "pipelines" / "daily_validation.ipynb"
runner = CliRunner()

# a small input: one symbol, 2 recent days after 12 baseline days, a two-candidate walk-forward
SMALL = {
    "symbols": "EURUSD",
    "days": 2,
    "baseline_days": 12,
    "wf_train": "6D",
    "wf_test": "2D",
    "wf_grid": {"rr": [1.5, 2.0]},
    "wf_min_trades": 1,
}


def small_args(**changes: object) -> list[str]:
    values = {**SMALL, **changes}
    out = []
    for key, value in values.items():
        text = json.dumps(value) if isinstance(value, dict) else str(value)
        out += ["-p", f"{key}={text}"]
    return out


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def params():
    return notebook_parameters(NOTEBOOK)


# ------------------------------------------------------------------------------ -p parsing
def test_notebook_parameters_carry_types_defaults_and_help(params):
    assert params["symbols"].default == "EURUSD,XAUUSD"
    assert params["symbols"].kind == "str"
    assert params["days"].default == 5
    assert params["days"].kind == "int"
    assert params["max_drawdown_pct"].kind == "float"
    assert params["walk_forward"].kind == "bool"
    assert params["tz"].kind == "none"
    assert params["param_set"].kind == "none"
    assert params["wf_grid"].kind == "dict"
    assert params["wf_grid"].default == {"rr": [1.5, 2.0, 2.5]}
    assert params["source"].default == "synthetic"
    assert "store" in params["source"].help


def test_overrides_are_typed_like_their_defaults(params):
    got = parse_overrides(
        [
            "days=7",
            "max_drawdown_pct=3",
            "walk_forward=false",
            "tz=None",
            "param_set=ftmo-1step",
            "end=2024-03-30",
            'wf_grid={"left": [2, 3]}',
            "source=data/{symbol}=x.csv",
        ],
        params,
    )
    assert got == {
        "days": 7,
        "max_drawdown_pct": 3.0,
        "walk_forward": False,
        "tz": None,
        "param_set": "ftmo-1step",
        "end": "2024-03-30",
        "wf_grid": {"left": [2, 3]},
        "source": "data/{symbol}=x.csv",
    }
    assert isinstance(got["max_drawdown_pct"], float)
    assert parse_overrides(["walk_forward=1", "seed= 3 "], params) == {
        "walk_forward": True,
        "seed": 3,
    }


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("days", "write key=value"),
        ("=5", "write key=value"),
        ("dayz=5", "has no parameter 'dayz' (did you mean days?)"),
        ("colour=red", "it has: symbols, days"),
        ("output_dir=/tmp/x", "the runner sets output_dir"),
        ("days=abc", "days takes a whole number, e.g. days=5"),
        ("days=5.5", "whole number"),
        ("max_drawdown_pct=lots", "takes a number, e.g. max_drawdown_pct=5.0"),
        ("max_drawdown_pct=nan", "finite number"),
        ("walk_forward=maybe", "takes true or false"),
        ("wf_grid=[1, 2]", "takes a JSON object"),
        ("wf_grid={rr", "takes a JSON object"),
    ],
)
def test_bad_overrides_say_what_to_write(params, pair, message):
    with pytest.raises(ConfigError) as err:
        parse_overrides([pair], params, pipeline="pipeline daily_validation")
    assert message in str(err.value)


def test_a_key_given_twice_is_refused(params):
    with pytest.raises(ConfigError, match="given twice"):
        parse_overrides(["days=1", "days=2"], params)


# ------------------------------------------------------------------------------ locations
def test_pipelines_dir_is_found_beside_the_package_or_where_told(tmp_path, monkeypatch):
    monkeypatch.delenv(PIPELINES_ENV, raising=False)
    assert pipelines_dir() == REPO / "pipelines"
    assert find_pipeline("daily-validation", pipelines_dir()) == NOTEBOOK
    assert find_pipeline("daily_validation", pipelines_dir()) == NOTEBOOK
    monkeypatch.setenv(PIPELINES_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=f"nowhere.*\\${PIPELINES_ENV}"):
        pipelines_dir()
    assert pipelines_dir(REPO / "pipelines") == REPO / "pipelines"
    with pytest.raises(ConfigError, match=r"no pipeline 'nightly'.*available: daily-validation"):
        find_pipeline("nightly", REPO / "pipelines")


def test_runs_root_option_env_then_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv(RUNS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert runs_root() == tmp_path / "runs"
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "env"))
    assert runs_root() == tmp_path / "env"
    assert runs_root(tmp_path / "opt") == tmp_path / "opt"


def test_bad_input_exits_2_and_writes_nothing(tmp_path):
    runs = tmp_path / "runs"
    done = invoke("pipeline", "run", "daily-validation", "-p", "dayz=5", "--runs-root", str(runs))
    assert done.exit_code == 2
    assert "did you mean days" in done.stderr
    assert not runs.exists()
    done = invoke("pipeline", "run", "nightly", "--runs-root", str(runs))
    assert done.exit_code == 2
    assert "available: daily-validation" in done.stderr
    done = invoke("pipeline", "list", "--pipelines-dir", str(tmp_path / "none"))
    assert done.exit_code == 2
    assert "no pipelines directory" in done.stderr


def _fake_run(root: Path, day: str, run_id: str, summary: dict | None) -> Path:
    where = root / day / "daily_validation" / run_id
    where.mkdir(parents=True)
    if summary is not None:
        (where / "summary.json").write_text(json.dumps(summary))
    return where


def test_list_shows_parameters_and_the_latest_runs(tmp_path):
    root = tmp_path / "runs"
    _fake_run(root, "2024-03-01", "060000-aaaaaa", {"status": "passed", "failed_gates": []})
    _fake_run(
        root,
        "2024-03-02",
        "060000-bbbbbb",
        {"status": "failed", "failed_gates": ["EURUSD:drawdown"]},
    )
    _fake_run(root, "2024-03-02", "070000-cccccc", None)
    newest = latest_runs(root, "daily_validation", 2)
    assert [(r.date, r.run_id, r.status) for r in newest] == [
        ("2024-03-02", "070000-cccccc", "incomplete"),
        ("2024-03-02", "060000-bbbbbb", "failed"),
    ]
    done = invoke("pipeline", "list", "--runs-root", str(root))
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert out.startswith("daily-validation")
    assert "-p days " in out
    assert "= 5 " in out
    assert '{"rr": [1.5, 2.0, 2.5]}' in out
    assert "-p output_dir" in out  # listed, though the runner sets it
    lines = out.splitlines()
    runs = [ln for ln in lines if "060000-" in ln or "070000-" in ln]
    assert [ln.split()[1] for ln in runs] == ["070000-cccccc", "060000-bbbbbb", "060000-aaaaaa"]
    assert "EURUSD:drawdown" in runs[1]
    assert "incomplete" in runs[0]


# ------------------------------------------------------------------------------ real runs
def _run_dir(root: Path) -> Path:
    found = sorted(root.glob("*/daily_validation/*"))
    assert len(found) == 1, found
    return found[0]


def _outputs(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif "text/plain" in out.get("data", {}):
                texts.append(out["data"]["text/plain"])
    return "\n".join(texts)


def test_pipeline_run_passes_and_its_summary_matches_the_notebook(tmp_path, params):
    """One real run (one kernel: under xdist a shared fixture could run once per worker)."""
    root = tmp_path / "runs"
    done = invoke("pipeline", "run", "daily-validation", *small_args(), "--runs-root", str(root))
    assert done.exit_code == 0, done.output
    where = _run_dir(root)
    notebook, html = where / "daily_validation.ipynb", where / "daily_validation.html"
    summary = json.loads((where / "summary.json").read_text())
    assert notebook.is_file()
    assert html.is_file()
    assert "Daily validation" in html.read_text(encoding="utf-8")
    assert summary["status"] == "passed"
    assert summary["passed"] is True
    assert summary["run"]["id"] == where.name
    assert summary["run"]["html"] == html.name
    assert where.parent.parent.name == summary["run"]["started"][:10]
    # every notebook parameter but the run directory is recorded
    assert set(summary["parameters"]) == set(params) - {"output_dir"}
    assert summary["parameters"]["days"] == 2
    assert summary["parameters"]["wf_grid"] == SMALL["wf_grid"]
    assert str(html.resolve()) in done.stdout
    assert "all gates passed" in done.stdout

    # the same validation, computed here
    loaded = load_m1_source("synthetic", "EURUSD", end=END, days=14, seed=7)
    want = validate_symbol(
        loaded.bars,
        loaded.spec,
        days=2,
        end=END,
        settings=RunSettings.from_settings(load_settings()),
        walk=WalkForwardPlan(train="6D", test="2D", grid=SMALL["wf_grid"], min_trades=1),
        source=loaded.description,
    )
    got = summary["symbols"]["EURUSD"]
    assert want.recent.stats.trade_count > 0  # the failing-gate run below has a drawdown
    assert got["backtest"]["trade_count"] == want.recent.stats.trade_count
    assert got["backtest"]["net_result"] == pytest.approx(want.recent.stats.net_result, abs=1e-9)
    assert got["baseline"]["trades"] == want.baseline.stats.trade_count
    assert got["walk_forward"]["folds"] == len(want.walk_forward.folds)
    assert got["data"]["bars"] == len(loaded.bars)
    assert summary["gates"] == [g.to_dict() for g in want.gates]
    assert summary["config_hash"] == want.recent.config_hash
    # and the executed notebook shows the same figures
    shown = _outputs(notebook)
    assert "ALL GATES PASSED" in shown
    for gate in want.gates:
        assert gate.name in shown
    assert f"trades                            {want.recent.stats.trade_count}" in shown


def test_a_failing_gate_exits_1(tmp_path):
    root = tmp_path / "runs"
    args = small_args(max_drawdown_pct=0, walk_forward="false")
    done = invoke("pipeline", "run", "daily-validation", *args, "--runs-root", str(root))
    assert done.exit_code == 1, done.output
    summary = json.loads((_run_dir(root) / "summary.json").read_text())
    assert summary["status"] == "failed"
    assert summary["failed_gates"] == ["EURUSD:drawdown"]
    assert summary["thresholds"]["max_drawdown_pct"] == 0.0
    assert summary["symbols"]["EURUSD"]["walk_forward"] is None
    assert "FAILED: EURUSD:drawdown" in done.stdout
    assert any(
        ln.startswith("EURUSD  drawdown") and " FAIL " in ln for ln in done.stdout.splitlines()
    )


def test_a_notebook_error_exits_2_and_keeps_the_notebook(tmp_path):
    root = tmp_path / "runs"
    missing = tmp_path / "nothing" / "{symbol}.csv"
    args = small_args(source=str(missing), walk_forward="false")
    done = invoke("pipeline", "run", "daily-validation", *args, "--runs-root", str(root))
    assert done.exit_code == 2, done.output
    where = _run_dir(root)
    assert (where / "daily_validation.ipynb").is_file()
    assert (where / "daily_validation.html").is_file()
    summary = json.loads((where / "summary.json").read_text())
    assert summary["status"] == "error"
    assert summary["passed"] is False
    assert summary["error"]["ename"] == "DataError"
    assert "no such bar file" in summary["error"]["evalue"]
    assert summary["parameters"]["source"] == str(missing)
    assert "ERROR" in done.stdout
    assert "DataError" in done.stdout


# ------------------------------------------------------------------------------ the demo
def test_demo_defaults_pass_every_gate():
    """What `make demo` runs (the notebook's defaults on the synthetic market), computed in
    process: every gate passes, so the demo exits 0."""
    for symbol in ("EURUSD", "XAUUSD"):
        loaded = load_m1_source("synthetic", symbol, end=END, days=65, seed=7)
        r = validate_symbol(
            loaded.bars,
            loaded.spec,
            days=5,
            end=END,
            settings=RunSettings.from_settings(load_settings()),
            thresholds=GateThresholds(),
            walk=None,
        )
        assert r.passed, [g.message for g in r.gates if not g.passed]


def test_demo_runs_the_daily_validation_pipeline(tmp_path):
    """The demo's wiring, on a stand-in notebook with the same parameters (fast)."""
    stub = tmp_path / "pipelines"
    stub.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            'symbols = "EURUSD,XAUUSD"\ndays = 5\nseed = 7\nsource = "synthetic"\noutput_dir = "."',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "import json, pathlib\n"
            "p = {'symbols': symbols, 'days': days, 'seed': seed, 'source': source}\n"
            "pathlib.Path(output_dir, 'summary.json').write_text(json.dumps("
            "{'passed': days == 3, 'parameters': p, 'gates': [], 'failed_gates': ['X:y']}))"
        ),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, stub / "daily_validation.ipynb")
    root = tmp_path / "runs"
    base = ["demo", "--pipelines-dir", str(stub), "--runs-root", str(root), "--no-progress"]
    done = invoke(*base, "--symbols", "EURUSD", "--days", "3", "--seed", "4")
    assert done.exit_code == 0, done.output
    summary = json.loads((_run_dir(root) / "summary.json").read_text())
    assert summary["parameters"] == {
        "symbols": "EURUSD",
        "days": 3,
        "seed": 4,
        "source": "synthetic",
    }
    assert "report:" in done.stdout
    assert "daily_validation.html" in done.stdout
    failed = invoke(*base, "--days", "4", "--runs-root", str(tmp_path / "runs2"))
    assert failed.exit_code == 1
    assert "FAILED: X:y" in failed.stdout

"""The walk-forward HTML report: every figure's data as the run computed it, the fold table,
the summary and parameter stability, plotly.js once, and an all-or-nothing write."""

from __future__ import annotations

import html
import itertools
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from mikrobot.backtest import report
from mikrobot.backtest.report import walkforward_page
from mikrobot.backtest.search import ParameterSpace
from mikrobot.backtest.walkforward import walk_forward
from mikrobot.core.instruments import DEFAULT_SPECS
from mikrobot.data.synthetic import market

from .html_figures import figures, numbers, table_rows, trace

SPEC = DEFAULT_SPECS["EURUSD"]
GRID = {"left": [2, 3], "rr": [1.5, 2.5]}
MIN_TRADES = 10


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return market("EURUSD", "2024-01-01", days=15, seed=11).bars


@pytest.fixture(scope="module")
def result(bars):
    res = walk_forward(
        bars, spec=SPEC, train="4D", test="2D", space=ParameterSpace.grid(GRID),
        min_trades=MIN_TRADES, scheduler="sync", progress=False,
    )  # fmt: skip
    picked = res.folds["selected"]
    assert picked.any(), "the report should show folds with a choice..."
    assert not picked.all(), "...and folds where no candidate qualified"
    assert res.oos_stats.trade_count > 0
    return res


@pytest.fixture(scope="module")
def page(result, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("wf") / "wf.html"
    written = report.write_walkforward_report(
        result, path, info={"data": "synthetic, seed 11"}, max_points=10**7
    )
    assert written == path
    return path.read_text(encoding="utf-8")


def brute_force_choice(result) -> dict[int, int]:
    """Fold -> chosen candidate (-1: none) from the in-sample runs: the highest sharpe among
    the runs with at least MIN_TRADES trades, the lowest candidate number on a tie."""
    out = {}
    for fold in result.folds.index:
        runs = result.in_sample[
            (result.in_sample["fold"] == fold)
            & (result.in_sample["trade_count"] >= MIN_TRADES)
            & result.in_sample["sharpe"].notna()
        ]
        best = runs[runs["sharpe"] == runs["sharpe"].max()]
        out[int(fold)] = int(best["candidate"].min()) if len(best) else -1
    return out


def fold_net(result) -> list[float]:
    return [0.0 if r is None else r.stats.net_result for r in result.oos_results]


# ---------------------------------------------------------------------------- the page
def test_the_page_is_self_contained_with_four_figures(page):
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()[:4000]) == 1  # plotly.js embedded once
    assert "<script src=" not in page  # nothing fetched from a CDN
    ids = list(figures(page))
    assert ids == [f"mikrobot-wf-fig-{k}" for k in range(4)]
    assert page.count("Plotly.newPlot(") == 4
    assert "synthetic, seed 11" in page


def test_equity_figure_data_is_the_stitched_result(page, result, bars):
    traces = figures(page)["mikrobot-wf-fig-0"]
    eq, dd = trace(traces, "out-of-sample equity"), trace(traces, "drawdown")
    x = pd.DatetimeIndex(pd.to_datetime(eq["x"])).tz_localize("UTC")
    assert x.equals(result.oos_equity.index)
    assert np.array_equal(numbers(eq["y"]), result.oos_equity.to_numpy())
    assert np.array_equal(numbers(dd["y"]), result.oos.drawdown.to_numpy())
    # the stitched bars are exactly the test windows' bars, in order
    windows = [bars.index[(bars.index >= r.test_start) & (bars.index < r.test_end)]
               for r in result.folds.itertuples()]  # fmt: skip
    assert x.equals(windows[0].append(windows[1:]))
    # fold starts: each test window's first bar, at the balance plus the earlier folds' nets
    marks = trace(traces, "fold start")
    at = pd.DatetimeIndex(pd.to_datetime(marks["x"])).tz_localize("UTC")
    assert list(at) == [w[0] for w in windows]
    before = result.oos.initial_balance + np.concatenate([[0.0], np.cumsum(fold_net(result))[:-1]])
    assert np.allclose(numbers(marks["y"]), before)
    assert result.oos_equity.iloc[-1] == pytest.approx(before[-1] + fold_net(result)[-1])


def test_folds_figure_data_is_each_folds_in_and_out_of_sample_figures(page, result):
    traces = figures(page)["mikrobot-wf-fig-1"]
    f = result.folds
    choice = brute_force_choice(result)
    is_sharpe = numbers(trace(traces, "in-sample sharpe")["y"])
    for k, fold in enumerate(f.index):
        c = choice[fold]
        if c < 0:
            assert math.isnan(is_sharpe[k])
        else:
            run = result.in_sample[(result.in_sample["fold"] == fold)
                                   & (result.in_sample["candidate"] == c)]  # fmt: skip
            assert is_sharpe[k] == run["sharpe"].item()
    oos = [math.nan if r is None else r.stats.sharpe for r in result.oos_results]
    assert np.allclose(numbers(trace(traces, "out-of-sample sharpe")["y"]), oos, equal_nan=True)
    # annualised: return_pct × 365.25 / window days
    test_days = (f["test_end"] - f["test_start"]).dt.total_seconds() / 86_400
    oos_ret = [0.0 if r is None else r.stats.return_pct for r in result.oos_results]
    got = numbers(trace(traces, "out-of-sample annualised return")["y"])
    assert np.allclose(got, np.array(oos_ret) * 365.25 / test_days)
    assert list(trace(traces, "in-sample sharpe")["x"]) == list(f.index)


def test_parameters_figure_data_is_the_choices_with_integers_kept(page, result):
    traces = figures(page)["mikrobot-wf-fig-2"]
    choice = brute_force_choice(result)
    picked = [fold for fold, c in choice.items() if c >= 0]
    for name in GRID:
        chosen = trace(traces, f"{name}: chosen")
        assert list(chosen["x"]) == picked
        assert chosen["y"] == [result.candidates.loc[choice[f], name] for f in picked]
    assert all(type(v) is int for v in trace(traces, "left: chosen")["y"])  # not 3.0


def test_heatmap_data_is_every_in_sample_run(page, result):
    traces = figures(page)["mikrobot-wf-fig-3"]
    heat = trace(traces, "in-sample sharpe")
    z = numbers(heat["z"])
    folds = list(result.folds.index)
    assert z.shape == (len(result.candidates), len(folds))
    for rec in result.in_sample.itertuples(index=False):
        want = rec.sharpe if math.isfinite(rec.sharpe) else math.nan
        got = z[rec.candidate, folds.index(rec.fold)]
        assert (math.isnan(want) and math.isnan(got)) or got == want
    stars = trace(traces, "chosen")
    choice = brute_force_choice(result)
    labels = list(heat["y"])
    assert [(x, labels.index(y)) for x, y in zip(stars["x"], stars["y"], strict=True)] == [
        (f, c) for f, c in choice.items() if c >= 0
    ]


# ---------------------------------------------------------------------------- tables
def test_fold_table_shows_each_fold_with_integer_parameters(page, result):
    header, rows = table_rows(page, "<h2>Folds</h2>")
    assert header[:6] == ["fold", "train", "test", "candidate", "left", "rr"]
    assert len(rows) == len(result.folds)
    col = {h: k for k, h in enumerate(header)}
    choice = brute_force_choice(result)
    for (fold, row), cells, r in zip(
        result.folds.iterrows(), rows, result.oos_results, strict=True
    ):
        assert cells[col["fold"]] == str(fold)
        assert cells[col["test"]] == f"{row['test_start']:%Y-%m-%d} → {row['test_end']:%Y-%m-%d}"
        c = choice[fold]
        if c < 0:
            assert cells[col["candidate"]] == "none qualified"
            assert cells[col["left"]] == cells[col["rr"]] == "-"
            assert cells[col["OOS trades"]] == "0"
        else:
            assert cells[col["candidate"]] == str(c)
            assert cells[col["left"]] == str(GRID["left"][c // 2])  # "3", never "3.0"
            assert cells[col["rr"]] == str(GRID["rr"][c % 2])
            assert cells[col["OOS return %"]] == f"{r.stats.return_pct:+.2f}"
            assert cells[col["OOS trades"]] == f"{r.stats.trade_count:,}"
            assert cells[col["OOS verdict"]] == r.stats.verdict
    flat = re.findall(r'<tr class="flat">', page)
    assert len(flat) == sum(c < 0 for c in choice.values())


def test_summary_shows_the_stitched_statistics_efficiency_and_stability(page, result):
    _, oos_rows = table_rows(page, "<h2>Out of sample, stitched</h2>")
    oos = dict(map(tuple, oos_rows))
    total = sum(fold_net(result))
    trades = sum(0 if r is None else r.stats.trade_count for r in result.oos_results)
    assert oos["net result"].startswith(f"{total:,.2f}")
    assert oos["trades"] == f"{trades:,}"
    _, run_rows = table_rows(page, "<h2>Run</h2>")
    run = dict(map(tuple, run_rows))
    # WFE: OOS over IS simple annualised return, summed over the folds with a choice
    f = result.folds[result.folds["selected"]]
    is_ann = f["is_return_pct"].sum() * 365.25 / f["train_days"].sum()
    oos_ann = f["oos_return_pct"].sum() * 365.25 / f["test_days"].sum()
    wfe = oos_ann / is_ann if is_ann > 0 else math.nan
    assert run["walk-forward efficiency"] == ("-" if math.isnan(wfe) else f"{wfe:.3f}")
    assert run["annualised return"].startswith(f"in-sample {is_ann:.2f} %, out-of-sample "
                                               f"{oos_ann:.2f} %")  # fmt: skip
    n_picked = int(result.folds["selected"].sum())
    assert run["folds"] == f"{len(result.folds)}: {n_picked} with a selection, " + (
        f"{len(result.folds) - n_picked} flat"
    )
    assert run["config hash"] == result.config_hash
    # stability: value changes from one chosen fold to the next
    choice = [c for c in brute_force_choice(result).values() if c >= 0]
    header, rows = table_rows(page, "<h2>Parameter stability</h2>")
    stab = {cells[0]: dict(zip(header, cells, strict=True)) for cells in rows}
    for name in GRID:
        values = [result.candidates.loc[c, name] for c in choice]
        changes = sum(a != b for a, b in itertools.pairwise(values))
        assert stab[name]["changes"] == str(changes)
        assert stab[name]["distinct"] == str(len(set(values)))
    changed = sum(a != b for a, b in itertools.pairwise(choice))
    assert run["parameter changes"].startswith(f"{changed} in {len(choice) - 1} fold")


def test_the_page_carries_the_run_summary_as_json(page, result):
    text = re.search(r"<pre>(.*?)</pre>", page, re.S).group(1)
    assert json.loads(html.unescape(text)) == json.loads(json.dumps(result.summary()))


def test_a_run_without_a_search_has_no_parameter_columns(tmp_path):
    m1 = market("EURUSD", "2024-01-01", days=10, seed=3).bars
    res = walk_forward(
        m1, spec=SPEC, train="4D", test="2D", min_trades=0, scheduler="sync", progress=False
    )
    text = report.write_walkforward_report(res, tmp_path / "wf.html").read_text("utf-8")
    header, rows = table_rows(text, "<h2>Folds</h2>")
    assert header[3:5] == ["candidate", "qualified"]
    assert len(rows) == len(res.folds)
    assert "<h2>Parameter stability</h2>" not in text
    assert figures(text)["mikrobot-wf-fig-2"] == []  # "no parameter was searched"
    assert "no parameter was searched" in text


# ---------------------------------------------------------------------------- atomic write
def test_a_failure_while_writing_leaves_the_previous_report_and_no_partial_file(
    result, tmp_path, monkeypatch
):
    path = tmp_path / "wf.html"
    path.write_text("the previous report", encoding="utf-8")
    real = walkforward_page._figure_div
    seen: list[int] = []

    def failing(fig, div_id):
        seen.append(sum(p.stat().st_size for p in tmp_path.iterdir() if p != path))
        if len(seen) == 3:
            raise RuntimeError("plotly failed on the third figure")
        return real(fig, div_id)

    monkeypatch.setattr(walkforward_page, "_figure_div", failing)
    with pytest.raises(RuntimeError, match="third figure"):
        report.write_walkforward_report(result, path)
    assert seen[-1] > 1_000_000  # plotly.js had been written to the temporary file...
    assert path.read_text(encoding="utf-8") == "the previous report"  # ...path untouched
    assert [p.name for p in tmp_path.iterdir()] == ["wf.html"]  # no temporary file left
    fresh = tmp_path / "new" / "wf.html"
    seen.clear()
    with pytest.raises(RuntimeError):
        report.write_walkforward_report(result, fresh)
    assert list(fresh.parent.iterdir()) == []


def test_a_path_that_cannot_be_replaced_leaves_nothing_behind(result, tmp_path):
    target = tmp_path / "wf.html"
    target.mkdir()  # a directory where the file should go
    (target / "keep").write_text("x")
    with pytest.raises((IsADirectoryError, PermissionError)):  # Linux, Windows
        report.write_walkforward_report(result, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wf.html"]
    assert [p.name for p in target.iterdir()] == ["keep"]


def test_write_atomic_writes_all_chunks_or_nothing(tmp_path):
    path = tmp_path / "a.txt"
    assert report.write_atomic(path, ["one ", "two"]) == path
    assert path.read_text() == "one two"

    def chunks():
        yield "three "
        raise ValueError("stopped")

    with pytest.raises(ValueError, match="stopped"):
        report.write_atomic(path, chunks())
    assert path.read_text() == "one two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]

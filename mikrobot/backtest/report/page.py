"""The one-file HTML report: statistics table, parameters and every figure, plotly.js once."""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mikrobot.backtest.report.curves import (
    equity_figure,
    monthly_returns_figure,
    r_distribution_figure,
    rejections_figure,
)
from mikrobot.backtest.report.price import price_figure
from mikrobot.backtest.table import stats_rows, verdict_line
from mikrobot.core.atomic import write_text_atomic as write_atomic

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from mikrobot.backtest.result import BacktestResult
    from mikrobot.structure.params import StructureParams

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#212121;
background:#fafafa}
main{max-width:1400px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 2px}h2{font-size:17px;margin:28px 0 6px}
.sub{color:#616161;margin:0 0 14px;font-size:13px}
.verdict{display:inline-block;padding:4px 12px;border-radius:14px;font-weight:600;color:#fff;
font-size:14px;margin:6px 0 12px}
.passed{background:#2e7d32}.failed{background:#c62828}.ongoing{background:#ef6c00}
.none{background:#757575}
table.stats{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);
font-size:13.5px}
table.stats td{padding:5px 14px;border-bottom:1px solid #eee;vertical-align:top}
table.stats td.k{color:#616161;white-space:nowrap}
table.stats td.v{font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.fig{background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);margin:8px 0;padding:4px}
.note{color:#616161;font-size:12.5px;margin:4px 0}
details{margin:12px 0}pre{background:#fff;padding:10px;font-size:12px;overflow:auto;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
"""


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td class="k">{html.escape(k)}</td><td class="v">{html.escape(v)}</td></tr>'
        for k, v in rows
    )
    return f'<table class="stats">{cells}</table>'


def _figure_div(fig: go.Figure, div_id: str) -> str:
    import plotly.io as pio

    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        default_width="100%",
        config={"displaylogo": False, "responsive": True},
    )


def write_report(
    result: BacktestResult,
    path: str | os.PathLike[str],
    *,
    bars: pd.DataFrame | None = None,
    setups: pd.DataFrame | None = None,
    m5: pd.DataFrame | None = None,
    params: StructureParams | None = None,
    title: str | None = None,
    info: Mapping[str, Any] | None = None,
    last_days: float = 3.0,
    max_candles: int = 7_000,
    max_points: int = 6_000,
) -> Path:
    """Write one self-contained HTML report of ``result`` to ``path`` and return the path.

    The page holds, in order: the title, the prop-firm verdict, the statistics table
    (:func:`mikrobot.backtest.table.stats_rows`), ``info`` (e.g. the data source, as rows),
    the parameters and config hash; then the whole-run price chart with the trades
    (:func:`price_figure` with ``structure=False``, candles coarse enough for
    ``max_candles``), the last ``last_days`` days on M5 candles with the structure layer and
    the ``setups``, the equity and drawdown, the R distribution, the monthly returns and the
    refused signals. plotly.js is embedded once in the page head, so the file opens offline
    (it is about 4.8 MB of the file); the figures refer to it. The file is written to a
    temporary name first and moved into place, so a failure leaves no half-written report.

    ``bars`` are the M1 bars of the backtest (default: rebuilt from ``result.market``),
    ``setups`` the setups it traded (None recomputes them), ``params`` the structure
    parameters they were found with (default ``StructureParams()``).
    """
    from plotly.offline import get_plotlyjs

    started = time.perf_counter()
    out = Path(path)
    spec = result.market.spec
    m = result.market
    span = f"{m.index[0]:%Y-%m-%d %H:%M} to {m.index[-1]:%Y-%m-%d %H:%M} UTC"
    if title is None:
        title = f"mikrobot backtest: {spec.name}, {span}"
    overview = price_figure(result, bars, structure=False, max_candles=max_candles, height=560)
    detail = price_figure(
        result, bars, setups, m5=m5, params=params, structure=True, last_days=last_days
    )
    equity = equity_figure(result, max_points=max_points)
    sections = [
        (
            "Price and trades, whole run",
            overview,
            "Candles are built from the M1 bars (the candle size in the legend) so the file "
            "stays small; entries and exits keep their exact M1 times and prices. Zoom in "
            "with the mouse; double-click to zoom out.",
        ),
        (
            f"Structure, setups and trades, last {last_days:g} days of trading",
            detail,
            "M5 candles ending at the last trade's exit; swings, BOS/CHoCH breaks and the "
            "retest setups of the structure engine; the setups' planned entry/stop/target and "
            "the trades' own stop and target lines.",
        ),
        ("Equity and drawdown", equity, ""),
        ("R distribution", r_distribution_figure(result), ""),
        ("Monthly returns", monthly_returns_figure(result), ""),
        ("Refused signals", rejections_figure(result), ""),
    ]
    verdict = result.stats.verdict
    badge = (
        f'<div class="verdict {verdict or "none"}">prop-firm verdict: '
        f"{html.escape(verdict_line(result))}</div>"
    )
    facts = [
        ("symbol", spec.name),
        ("bars", f"{len(m):,} M1 bars, {span}"),
        *((str(k), str(v)) for k, v in (info or {}).items()),
        ("generated", pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")),
    ]
    params = json.dumps(result.params.model_dump(mode="json"), indent=2, sort_keys=True)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(span)} · {len(result.trades):,} trades · '
        f"config hash {html.escape(result.config_hash or '-')}</p>",
        badge,
        f'<div class="grid"><div>{_table(stats_rows(result))}</div>'
        f"<div>{_table(facts)}</div></div>",
        f"<details><summary>backtest parameters</summary><pre>{html.escape(params)}</pre>"
        "</details>",
    ]
    for k, (heading, fig, note) in enumerate(sections):
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if note:
            body.append(f'<p class="note">{html.escape(note)}</p>')
        body.append(f'<div class="fig">{_figure_div(fig, f"mikrobot-fig-{k}")}</div>')
    elapsed = time.perf_counter() - started
    body.append(f'<p class="note">report built in {elapsed:.2f} s</p>')
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body><main>" + "\n".join(body) + "</main></body></html>\n"
    )
    return write_atomic(out, [page])

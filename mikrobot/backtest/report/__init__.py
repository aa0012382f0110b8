"""Backtest reports: plotly figures for notebooks, and one self-contained HTML file.

Each ``*_figure`` function takes a :class:`~mikrobot.backtest.result.BacktestResult` and
returns a ``plotly.graph_objects.Figure`` (show it in JupyterLab as the cell's value):

* :func:`price_figure` - candles with the trades (entry markers, entry → exit arrows, stop and
  target lines); with ``structure=True`` the structure layer of ``mikrobot.structure.plot``
  (swings, BOS/CHoCH, retest setups) over a window of M5 candles, otherwise the whole run on
  coarser candles;
* :func:`equity_figure` - equity and drawdown, with the prop-firm floors and target;
* :func:`r_distribution_figure` - the R multiples of the trades;
* :func:`monthly_returns_figure` - returns per calendar month (UTC), year × month;
* :func:`rejections_figure` - refused signals by reason code.

Walk-forward figures take a :class:`~mikrobot.backtest.walkforward_result.WalkForwardResult`:

* :func:`walkforward_equity_figure` - the stitched out-of-sample equity and drawdown with the
  fold boundaries;
* :func:`walkforward_folds_figure` - in-sample against out-of-sample metric and annualised
  return per fold (walk-forward efficiency);
* :func:`walkforward_parameters_figure` - the parameters chosen per fold (stability);
* :func:`walkforward_in_sample_figure` - the in-sample metric of every candidate on every fold.

:func:`write_report` puts them in one HTML file with plotly.js embedded once, after a table of
the statistics with the prop-firm verdict, the config hash and the parameters. Long M1 curves
are thinned for drawing (see :func:`decimate_indices`): the figures say so in their titles.

Modules: :mod:`~mikrobot.backtest.report.price` (price chart), ``curves`` (equity, R, months,
refusals), ``walkforward`` (walk-forward figures), ``page`` (the HTML file), ``style`` (shared
look).

Plotly is imported inside the functions, so importing this module does not load it. Times on the
charts are UTC without a zone suffix, at bar **open** times (MetaTrader's label).
"""

from mikrobot.backtest.report.curves import (
    ENGINE_CODES,
    balance_after_bars,
    decimate_indices,
    equity_figure,
    floors,
    monthly_returns,
    monthly_returns_figure,
    r_distribution_figure,
    rejections_figure,
)
from mikrobot.backtest.report.page import write_report
from mikrobot.backtest.report.price import CANDLE_MINUTES, market_frame, price_figure
from mikrobot.backtest.report.walkforward import (
    fold_starts,
    walkforward_equity_figure,
    walkforward_folds_figure,
    walkforward_in_sample_figure,
    walkforward_parameters_figure,
)

__all__ = [
    "CANDLE_MINUTES",
    "ENGINE_CODES",
    "balance_after_bars",
    "decimate_indices",
    "equity_figure",
    "floors",
    "fold_starts",
    "market_frame",
    "monthly_returns",
    "monthly_returns_figure",
    "price_figure",
    "r_distribution_figure",
    "rejections_figure",
    "walkforward_equity_figure",
    "walkforward_folds_figure",
    "walkforward_in_sample_figure",
    "walkforward_parameters_figure",
    "write_report",
]

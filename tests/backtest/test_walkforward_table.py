"""The fold table keeps each parameter's kind: an integer parameter stays an integer even when
some fold has no selection (a missing value), in the table, its CSV and the summary."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest

from mikrobot.backtest.selection import select
from mikrobot.backtest.walkforward_result import fold_table
from mikrobot.backtest.windows import Fold

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def folds(n: int) -> list[Fold]:
    day = pd.Timedelta(days=1)
    return [
        Fold(k, 1440 * k, 1440 * (k + 4), 1440 * (k + 4), 1440 * (k + 5),
             T0 + k * day, T0 + (k + 4) * day, T0 + (k + 4) * day, T0 + (k + 5) * day)
        for k in range(n)
    ]  # fmt: skip


CANDIDATES = pd.DataFrame(
    {
        "left": [2, 3],
        "rr": [1.5, 2.0],
        "policy": ["pessimistic", "optimistic"],
        "close_break": [True, False],
        "key": ["a", "b"],
    },
    index=pd.RangeIndex(2, name="candidate"),
)


def in_sample(trades: list[tuple[int, int]]) -> pd.DataFrame:
    """Fold k: candidate 0 and 1 with the given trade counts; candidate 1 has the higher
    sharpe, so with min_trades=5 a fold picks 1, 0 or nothing depending on the counts."""
    rows = []
    for fold, counts in enumerate(trades):
        for cand, n in enumerate(counts):
            rows.append(
                {"fold": fold, "candidate": cand, "trade_count": n, "sharpe": 1.0 + cand,
                 "return_pct": 2.0 + cand}
            )  # fmt: skip
    return pd.DataFrame(rows)


def table_for(trades: list[tuple[int, int]]) -> pd.DataFrame:
    runs = in_sample(trades)
    chosen = select(runs, "sharpe", min_trades=5)
    return fold_table(folds(len(trades)), chosen, runs, CANDIDATES, [None] * len(trades), "sharpe")


def test_integer_parameters_stay_integers_when_a_fold_has_no_pick():
    table = table_for([(9, 9), (1, 1), (9, 1)])  # picks 1, none, 0
    assert table["candidate"].tolist() == [1, -1, 0]
    assert str(table["left"].dtype) == "Int64"
    assert table["left"].iloc[0] == 3
    assert table["left"].iloc[2] == 2
    assert table["left"].isna().tolist() == [False, True, False]
    # what the report and the summary read: plain ints, printed without a decimal point
    rows = [row for _, row in table.iterrows()]
    assert type(rows[0]["left"]) is int
    assert f"left={rows[0]['left']}" == "left=3"
    assert table[table["selected"]]["left"].tolist() == [3, 2]
    written = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert [r["left"] for r in written] == ["3", "", "2"]
    # the other kinds keep theirs; missing where no candidate was picked
    assert table["rr"].dtype == "float64"
    assert table["rr"].iloc[0] == 2.0
    assert math.isnan(table["rr"].iloc[1])
    assert table["policy"].tolist()[::2] == ["optimistic", "pessimistic"]
    assert pd.isna(table["policy"].iloc[1])
    assert str(table["close_break"].dtype) == "boolean"
    assert table["close_break"].tolist() == [False, pd.NA, True]


def test_the_parameter_columns_follow_qualified_in_candidate_order():
    table = table_for([(9, 9)])
    cols = list(table.columns)
    at = cols.index("qualified")
    assert cols[at + 1 : at + 5] == ["left", "rr", "policy", "close_break"]


def test_every_fold_without_a_pick_still_gives_typed_columns():
    table = table_for([(1, 1), (0, 2)])
    assert not table["selected"].any()
    assert str(table["left"].dtype) == "Int64"
    assert table["left"].isna().all()
    assert table["rr"].dtype == "float64"


@pytest.mark.parametrize(
    ("values", "dtype"),
    [([4, 7], "Int64"), ([True, False], "boolean"), ([0.25, 0.5], "float64")],
)
def test_parameter_values_takes_the_picks(values, dtype):
    from mikrobot.backtest.walkforward_result import parameter_values

    column = pd.Series(values, index=pd.RangeIndex(2, name="candidate"), name="p")
    got = parameter_values(column, pd.Index([1, -1, 0]).to_numpy(), pd.Index([5, 6, 7]))
    assert str(got.dtype) == dtype
    assert list(got.index) == [5, 6, 7]
    assert got.iloc[0] == values[1]
    assert got.iloc[2] == values[0]
    assert pd.isna(got.iloc[1])

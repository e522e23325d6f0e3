"""The kernel's log becomes the same tables column by column, and its lists are emptied."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fleetopt.simulation.log_frames import frame_of, text_values

COLS = ["t_s", "vehicle_id", "station_index", "served", "soc"]


def test_frame_of_equals_pandas_records_and_empties_the_log() -> None:
    """GIVEN log rows with floats (NaN, ints among floats), text (Chinese, empty), ints and
    bools WHEN turned into a table THEN it equals pandas' table of the records, dtypes
    included, and the log list is empty after."""
    rows = [
        (0.0, "bus-1", 3, True, 1.0),
        (60, "北京-2", 0, False, math.nan),
        (120.5, "", 7, True, 0.25),
    ]
    want = pd.DataFrame(list(rows), columns=COLS)
    got = frame_of(rows, COLS, "foibf")
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert rows == []


def test_an_empty_log_gives_pandas_empty_table() -> None:
    """GIVEN no rows WHEN turned into a table THEN pandas' empty table with those columns."""
    pd.testing.assert_frame_equal(frame_of([], COLS, "foibf"), pd.DataFrame([], columns=COLS))


def test_text_values_give_the_column_a_new_table_makes_of_objects() -> None:
    """GIVEN text columns (str with a missing value, object text, object mixed, numbers) WHEN
    a new table is made of text_values(column) and of column.to_numpy() THEN both columns
    have the same dtype and values; a str column is handed on as its own array."""
    cols = [
        pd.Series(["bus", np.nan, "taxi"], dtype="str"),
        pd.Series(["bus", "taxi", "bus"], dtype=object),
        pd.Series(["bus", 3, None], dtype=object),
        pd.Series([1.0, 2.0, np.nan]),
    ]
    for col in cols:
        a = pd.DataFrame({"c": text_values(col)})["c"]
        b = pd.DataFrame({"c": col.to_numpy()})["c"]
        assert a.dtype == b.dtype
        assert a.equals(b)
    assert not isinstance(text_values(cols[0]), np.ndarray)

"""The kernel's log becomes the same tables column by column, and its lists are emptied."""

from __future__ import annotations

import math

import pandas as pd

from fleetopt.simulation.log_frames import frame_of

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

"""The kernel's log becomes the same tables column by column, and its lists are emptied."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fleetopt.simulation import log_frames
from fleetopt.simulation.log_frames import frame_of, text_isin, text_values

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


def test_a_log_of_many_chunks_equals_pandas_records() -> None:
    """GIVEN more rows than one chunk (and not a multiple of it), in shuffled order, with text
    columns holding missing values (None, NaN), a column of text mixed with numbers and a
    column of None only WHEN turned into a table THEN it equals pandas' table of the records,
    dtypes included (text as pandas' str type, the others as objects), and the log is empty."""
    n = 3 * log_frames._CHUNK_ROWS + 17
    rng = np.random.default_rng(7)
    rows = [
        (
            float(i) / 3.0,
            f"车-{i % 11}" if i % 5 else None,
            int(i % 13),
            bool(i % 2),
            math.nan if i % 7 == 0 else float(i),
            f"s{i}" if i % 3 else (math.nan if i % 2 else None),
            "x" if i % 4 else i,
            None,
        )
        for i in rng.permutation(n).tolist()
    ]
    cols = [*COLS, "station_id", "mixed", "nothing"]
    want = pd.DataFrame(list(rows), columns=cols)
    got = frame_of(rows, cols, "foibfooo")
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert [str(got[c].dtype) for c in ("vehicle_id", "station_id", "mixed", "nothing")] == [
        "str",
        "str",
        "object",
        "object",
    ]
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


def test_text_isin_equals_pandas_isin() -> None:
    """GIVEN a str column (missing value, unordered index, a name) and value sets (an Index of
    text, a list, none, text mixed with a number) WHEN looked up THEN text_isin equals
    Series.isin: values, dtype, index and name."""
    col = pd.Series(["a", "b", np.nan, "车", "a"], dtype="str", index=[4, 1, 2, 0, 9], name="v")
    for values in (pd.Index(["a", "车", "zz"]), ["b"], [], ["a", 1], pd.Index([], dtype=object)):
        pd.testing.assert_series_equal(text_isin(col, values), col.isin(values))
    objects = pd.Series(["a", 3, None], dtype=object)
    pd.testing.assert_series_equal(text_isin(objects, ["a"]), objects.isin(["a"]))

"""The one CSV text writer: a lone carriage return is quoted, everything else is pandas' text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from fleetopt._csv_text import frame_csv_text, write_frame_csv


def test_plain_tables_are_pandas_text() -> None:
    df = pd.DataFrame({"a": ["x,y", 'q"', "z\n"], "b": [1.5, np.nan, -2.0], "c": [1, 2, 3]})
    assert frame_csv_text(df) == df.to_csv(index=False, lineterminator="\n")


def test_a_lone_carriage_return_stays_inside_its_cell(tmp_path: Path) -> None:
    df = pd.DataFrame({"site": ["s\r1", "s2", ""], "km": [1.25, np.nan, 3.0]})
    path = write_frame_csv(df, tmp_path / "t.csv")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    assert rows == [["site", "km"], ["s\r1", "1.25"], ["s2", ""], ["", "3.0"]]
    back = pd.read_csv(path, dtype={"site": str}, keep_default_na=False)
    assert list(back["site"]) == ["s\r1", "s2", ""]

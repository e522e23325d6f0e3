"""Foundation modules: units, errors, parameter tables, strict JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from fleetopt import defaults
from fleetopt._json import dumps, to_jsonable
from fleetopt.errors import InputError, Problem
from fleetopt.units import format_clock, parse_clock_s


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00", 0.0), ("05:30", 19800.0), ("23:59:59", 86399.0), ("24:10", 87000.0),
     ("25:10:05", 90605.0)],
)
def test_parse_clock_accepts_gtfs_times(text: str, seconds: float) -> None:
    """GIVEN clock texts, some past 24:00 WHEN parsed THEN seconds are exact."""
    assert parse_clock_s(text) == seconds
    assert parse_clock_s(format_clock(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "5", "05:60", "12:00:61", "ab:cd", "-1:00", "48:00"])
def test_parse_clock_rejects_non_times(text: str) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_clock_s(text)


def test_problem_locates_and_serialises() -> None:
    p = Problem("bad value", row=7, column="departure", file="trips.csv")
    assert str(p) == "trips.csv, row 7, column 'departure': bad value"
    assert p.to_dict() == {"row": 7, "column": "departure", "message": "bad value"}
    err = InputError("trips.csv has 1 problem", [p])
    assert isinstance(err, ValueError)
    assert "row 7" in str(err)


def test_road_speed_table_has_provenance() -> None:
    df = defaults.load_table("road_speeds")
    assert set(defaults.PARAM_COLUMNS) <= set(df.columns)
    assert df["source"].str.len().min() > 10
    assert df["year"].notna().all()
    assert defaults.value("road_speeds", "primary") == 50.0
    assert defaults.params("road_speeds")["residential"].unit == "km/h"


def test_unknown_table_and_parameter_are_input_errors() -> None:
    with pytest.raises(InputError, match="no parameter table 'nope'"):
        defaults.load_table("nope")
    with pytest.raises(InputError, match="not in table 'road_speeds'"):
        defaults.value("road_speeds", "hovercraft")


def test_json_is_strict_and_plain() -> None:
    doc = {"a": np.float64(1.5), "b": float("nan"), "c": np.int64(3), "d": pd.NA,
           "e": np.array([1, 2]), "f": "北京"}
    text = dumps(doc)
    assert json.loads(text) == {"a": 1.5, "b": None, "c": 3, "d": None, "e": [1, 2], "f": "北京"}
    assert to_jsonable(math.inf) is None

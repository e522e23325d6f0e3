"""Stations file and [[stations]] tables: canonical columns, located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetopt.errors import InputError
from fleetopt.inputs.stations import STATION_COLUMNS, read_stations, stations_from_records


def test_read_stations_file(tmp_path: Path) -> None:
    """GIVEN a CSV of four kinds THEN canonical columns with defaults filled."""
    p = tmp_path / "st.csv"
    p.write_text(
        "\ufeffid,kind,lon,lat,plugs,plug_kw,swap_min,batteries,dispensers,kg_per_min,kg_per_day\n"
        "D,depot,116.40,39.91,10,150,,,,,\n"
        "P,public,116.41,39.92,4,60,,,,,\n"
        "S,swap,116.42,39.93,1,60,5,8,,,\n"
        "H,hydrogen,116.43,39.94,,,,,2,1.8,500\n", encoding="utf-8")
    df = read_stations(p)
    assert tuple(df.columns) == STATION_COLUMNS
    assert list(df["kind"]) == ["depot", "public", "swap", "hydrogen"]
    assert df.loc[2, "batteries"] == 8
    assert df.loc[3, "dispensers"] == 2
    assert df.loc[0, "kg_per_day"] == float("inf")


def test_bad_rows_are_reported_with_spreadsheet_rows(tmp_path: Path) -> None:
    """Unknown kind on line 2, bad number on line 3, duplicate id on line 4: all three reported."""
    p = tmp_path / "st.csv"
    p.write_text("id,kind,lon,lat,plugs,plug_kw\nA,garage,116.4,39.9,1,50\nB,public,east,39.9,1,50\n"
                 "A,public,116.4,39.9,1,50\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_stations(p)
    got = sorted((q.row, q.column) for q in e.value.problems)
    assert got == [(2, "kind"), (3, "lon"), (4, "id")]


def test_scenario_tables_are_located_by_key_path() -> None:
    """[[stations]] problems carry stations.<i>.<key>."""
    with pytest.raises(InputError) as e:
        stations_from_records(
            [{"id": "H", "kind": "hydrogen", "lon": 116.4, "lat": 39.9, "voltage": 3}],
            column_prefix="stations",
        )
    cols = sorted(q.column for q in e.value.problems)
    assert cols == ["stations.0.dispensers", "stations.0.kg_per_min", "stations.0.voltage"]


def test_unknown_csv_columns_are_reported_once_at_the_header(tmp_path) -> None:
    """GIVEN a stations CSV with two extra columns and three rows WHEN read THEN two problems,
    both at line 1 and named by column (not one per row)."""
    from fleetopt.errors import InputError
    from fleetopt.inputs.stations import read_stations

    path = tmp_path / "stations.csv"
    path.write_text(
        "id,kind,lon,lat,plugs,plug_kw,operator,district\n"
        "a,public,116.40,39.90,2,60,star,东城\nb,public,116.41,39.91,2,60,teld,西城\n"
        "c,depot,116.42,39.92,4,120,bptg,朝阳\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_stations(path)
    probs = info.value.problems
    assert [(p.row, p.column) for p in probs] == [(1, "operator"), (1, "district")]
    assert "allowed: id, kind" in probs[0].message

"""A city day's result tables: per-station loops on arrays, taxi rows appended by column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetopt.simulation.log_frames import append_rows, by_station
from fleetopt.simulation.result import load_profile_kw, peak_kw
from fleetopt.simulation.tables import load_table, stations_table


def _segments(n: int, rng: np.random.Generator) -> pd.DataFrame:
    ids = np.array(["depot-b", "pub-1", "北京-3", "depot-a", "pub-10"], dtype=object)
    start = rng.uniform(0, 80_000, n)
    return pd.DataFrame(
        {
            "station_id": pd.array(rng.choice(ids, n), dtype="str"),
            "vehicle_type": "bus",
            "start_s": start,
            "end_s": start + rng.uniform(60, 7200, n),
            "grid_kw": rng.choice([60.0, 120.0, 7.0], n),
        }
    )


def test_by_station_yields_the_groups_arrays_in_groupby_order() -> None:
    """GIVEN segments of five stations in mixed order WHEN split by station THEN the stations
    come in ``groupby`` order and each one's start, end and power equal the group's columns
    (rows in table order)."""
    seg = _segments(400, np.random.default_rng(4))
    got = list(by_station(seg))
    want = list(seg.groupby("station_id"))
    assert [g[0] for g in got] == [w[0] for w in want]
    for (_, a, b, kw), (_, d) in zip(got, want, strict=True):
        assert a.tobytes() == d["start_s"].to_numpy(float).tobytes()
        assert b.tobytes() == d["end_s"].to_numpy(float).tobytes()
        assert kw.tobytes() == d["grid_kw"].to_numpy(float).tobytes()
    assert list(by_station(seg.iloc[:0])) == []


def test_load_and_peaks_equal_the_per_group_computation() -> None:
    """GIVEN segments WHEN the load table and the stations' peaks are built THEN they equal
    ``load_profile_kw`` and ``peak_kw`` of each ``groupby`` group, column order included."""
    seg = _segments(300, np.random.default_rng(8))
    load = load_table(seg, None, 0.0, 86_400.0)
    want_cols = []
    for sid, d in seg.groupby("station_id"):
        args = (d["start_s"].to_numpy(float), d["end_s"].to_numpy(float),
                d["grid_kw"].to_numpy(float))
        _, kw = load_profile_kw(*args, 0.0, 86_400.0)
        assert load[str(sid)].to_numpy().tobytes() == kw.tobytes()
        want_cols.append(str(sid))
    assert list(load.columns) == want_cols

    class Prep:  # the one attribute stations_table reads
        stations = pd.DataFrame(
            {"id": ["pub-1", "depot-a", "none", "北京-3", "depot-b", "pub-10"], "node": 0}
        )

    ses = pd.DataFrame(
        {"station_id": ["pub-1"], "action": ["charge"], "battery_kwh": [1.0],
         "hydrogen_kg": [0.0], "wait_s": [0.0]}
    )
    seg["grid_kwh"] = 1.0
    seg["cost_cny"] = 1.0
    stt = stations_table(Prep(), ses, seg)  # type: ignore[arg-type]
    for sid, d in seg.groupby("station_id"):
        want = peak_kw(d["start_s"].to_numpy(float), d["end_s"].to_numpy(float),
                       d["grid_kw"].to_numpy(float))
        assert stt.loc[stt["id"] == sid, "peak_kw"].item() == want
    assert stt.loc[stt["id"] == "none", "peak_kw"].item() == 0.0


def _parts() -> tuple[pd.DataFrame, pd.DataFrame]:
    top = pd.DataFrame(
        {
            "trip_id": pd.array(["b-1", "b-2", "b-3"], dtype="str"),
            "reason": np.array(["", "energy", ""], dtype=object),
            "served": [True, False, True],
            "soc_start": [0.5, np.nan, 0.25],
            "n": np.array([1, 2, 3], dtype=np.int64),
        }
    )
    top["extra"] = [1.0, 2.0, 3.0]  # a column in a block of its own, as trips_table adds them
    bottom = pd.DataFrame(
        {
            "trip_id": np.array(["r-1", "r-2"], dtype=object),
            "reason": pd.array(["", "北京"], dtype="str"),
            "served": [True, True],
            "soc_start": [np.nan, np.nan],
            "n": np.array([4, 5], dtype=np.int64),
            "extra": [np.nan, 1.5],
        }
    )
    return top, bottom


def test_append_rows_equals_pandas_concat() -> None:
    """GIVEN two tables with the same columns (text as object and as str, bools, all-NaN
    floats, ints) WHEN appended column by column THEN the table equals
    ``pd.concat(..., ignore_index=True)``, dtypes and column order included; with other
    columns, or an empty part, it is pandas' concat as well."""
    top, bottom = _parts()
    want = pd.concat([top, bottom], ignore_index=True)
    got = append_rows(*_parts())
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)
    top, bottom = _parts()
    got = append_rows(top.iloc[:0].copy(), bottom)
    pd.testing.assert_frame_equal(got, pd.concat([top.iloc[:0], _parts()[1]], ignore_index=True))
    top, bottom = _parts()
    bottom = bottom.rename(columns={"extra": "other"})
    pd.testing.assert_frame_equal(
        append_rows(top.copy(), bottom.copy()), pd.concat([top, bottom], ignore_index=True)
    )

"""Independent partitions of a day (issue 16 item 1): the union-find on hand cases, and a day
run partition by partition and merged equals the day run whole, table for table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from fleetopt.case import load_case
from fleetopt.inputs.scenario import read_scenario, scenario_from_dict
from fleetopt.simulation import engine, partition
from tests.fleetopt.simulation.simkit import BASE, HEADER, LAT, LON, trip_line

DEFAULT = Path(partition.__file__).parents[1] / "data" / "scenarios" / "beijing-default.toml"
#: Two depots about 1.1 km apart, a public station next to depot B (within no station radius).
B_LON = LON + 0.013
P_LON = LON + 0.026


def _case(tmp_path: Path, lines: list[str], stations: list[dict], **extra: object):
    (tmp_path / "trips.csv").write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    d = {**BASE, "stations": stations, **extra}
    sc = scenario_from_dict(d, base_dir=tmp_path, file=str(tmp_path / "s.toml"))
    return load_case(sc)


def _station(sid: str, kind: str, lon: float) -> dict:
    return {"id": sid, "kind": kind, "lon": lon, "lat": LAT, "plugs": 1, "plug_kw": 100}


STATIONS = [
    _station("A", "depot", LON),
    _station("B", "depot", B_LON),
    _station("P", "public", P_LON),
]


def _vehicles(case, parts) -> list[set[str]]:
    vid = case.fleet_trips["vehicle_id"].to_numpy()
    return [set(vid[list(p.rows)]) for p in parts]


def test_depots_that_share_no_station_are_separate_partitions(tmp_path: Path) -> None:
    """GIVEN a1, a2 at depot A and b1 at depot B, no trip ending at another station
    WHEN the day is partitioned THEN {a1, a2} and {b1}, with their own stations."""
    case = _case(
        tmp_path,
        [
            trip_line("a1", "t1", "06:00", "07:00", 30),
            trip_line("a2", "t2", "06:00", "07:00", 30),
            trip_line("b1", "t3", "06:00", "07:00", 30, o=(B_LON, LAT), d=(B_LON, LAT)),
        ],
        STATIONS,
    )
    parts = partition.partitions(case)
    assert _vehicles(case, parts) == [{"a1", "a2"}, {"b1"}]
    assert [p.stations for p in parts] == [(0,), (1,)]
    assert not any(p.taxi for p in parts)


def test_a_trip_ending_at_another_depot_joins_the_two(tmp_path: Path) -> None:
    """GIVEN a1 (depot A) whose trip ends at depot B where b1 stands
    WHEN partitioned THEN one partition with A and B; the public station P alone is unused."""
    case = _case(
        tmp_path,
        [
            trip_line("a1", "t1", "06:00", "07:00", 30, d=(B_LON, LAT)),
            trip_line("b1", "t3", "06:00", "07:00", 30, o=(B_LON, LAT), d=(B_LON, LAT)),
            trip_line("c1", "t4", "06:00", "07:00", 30, o=(P_LON, LAT), d=(P_LON, LAT)),
        ],
        STATIONS,
    )
    parts = partition.partitions(case)
    assert _vehicles(case, parts) == [{"a1", "b1"}, {"c1"}]
    assert [p.stations for p in parts] == [(0, 1), (2,)]
    # packed into one partition they stay whole and complete
    one = partition.partitions(case, max_parts=1)
    assert len(one) == 1
    assert one[0].rows == (0, 1, 2)


def test_packing_keeps_components_whole_and_balances_trips(tmp_path: Path) -> None:
    """GIVEN four single-vehicle components of 3, 2, 2 and 1 trips WHEN packed into 2
    THEN largest first onto the lightest: {3, 1} and {2, 2}; every trip once."""
    lines = []
    for i, (v, n) in enumerate((("a", 3), ("b", 2), ("c", 2), ("d", 1))):
        at = (LON, LAT + 0.01 * (i + 1))  # 1.1 km apart: no station, no shared place
        lines += [trip_line(v, f"{v}{k}", f"0{6 + k}:00", f"0{6 + k}:30", 5, o=at, d=at)
                  for k in range(n)]
    case = _case(tmp_path, lines, STATIONS)
    comps = partition.partitions(case)
    assert len(comps) == 4
    two = partition.partitions(case, max_parts=2)
    assert sorted(p.weight for p in two) == [4, 4]
    assert sorted(r for p in two for r in p.rows) == list(range(len(case.fleet_trips)))
    assert sorted(map(sorted, _vehicles(case, two))) == [["a", "d"], ["b", "c"]]


def test_battery_taxis_join_every_depot_and_public_station() -> None:
    """GIVEN the default scenario (battery taxis may charge at any depot or public station)
    WHEN partitioned THEN one partition holding everything."""
    case = load_case(read_scenario(DEFAULT))
    parts = partition.partitions(case)
    assert len(parts) == 1
    assert parts[0].taxi
    assert len(parts[0].rows) == len(case.fleet_trips)


def _gasoline_taxis(cold: float = -8.0):
    sc = read_scenario(DEFAULT)
    fleets = tuple(
        dataclasses.replace(f, powertrain="gasoline") if f.name == "taxi" else f for f in sc.fleets
    )
    return load_case(dataclasses.replace(sc, ambient_temperature_c=cold, fleets=fleets))


def _assert_same(whole, got) -> None:
    a, b = whole.tables(), got.tables()
    assert list(a) == list(b)
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k], check_exact=True, obj=k)
        assert a[k].to_csv(index=False) == b[k].to_csv(index=False), k
    s1, s2 = whole.summary(), got.summary()
    s1.pop("wall_s")
    s2.pop("wall_s")
    assert s1 == s2
    assert whole.extras == got.extras


def test_partitioned_day_equals_the_whole_day() -> None:
    """GIVEN the default city sample at -8 °C (queues at depots) with its taxis on gasoline
    (a taxi partition of its own beside 13 depot groups)
    WHEN run partition by partition and merged THEN every table (values, dtypes, CSV bytes),
    the --json totals and the extras equal the day run whole."""
    case = _gasoline_taxis()
    whole = engine.simulate(case)
    assert whole.sessions["wait_s"].max() > 0  # there is queueing to get right
    for max_parts in (None, 2):
        parts = partition.partitions(case, max_parts)
        assert len(parts) >= 2
        assert sum(p.taxi for p in parts) == 1
        _assert_same(whole, partition.simulate_partitioned(case, max_parts))

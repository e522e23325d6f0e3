"""The Case (issue 13 item 1): inputs are read once by load_case; the simulation reads no file."""

from __future__ import annotations

import dataclasses
import shutil
import weakref
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from simkit import TAXI_A as A
from simkit import TAXI_B as B
from simkit import TAXI_C as C
from simkit import requests_csv, taxi_scenario

from fleetopt import api
from fleetopt.case import Case, build_case, load_case
from fleetopt.errors import InputError
from fleetopt.inputs.scenario import read_scenario, scenario_from_dict
from fleetopt.inputs.schedules import read_requests, read_trips
from fleetopt.inputs.vehicles import resolve_spec
from fleetopt.simulation import engine
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.result import SimulationResult

DATA = Path(__file__).resolve().parents[2] / "data"
HAND = DATA / "simulation" / "hand.toml"
LINE10 = DATA / "inputs" / "generated_gtfs_line10"

TABLES = ("trips", "vehicles", "sessions", "stations", "segments", "events", "load_kw")


def _same(a: SimulationResult, b: SimulationResult) -> None:
    sa, sb = a.summary(), b.summary()
    sa.pop("wall_s", None)
    sb.pop("wall_s", None)
    assert sa == sb
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def _hand_copy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(HAND, folder / "hand.toml")
    shutil.copy(HAND.with_name("hand_trips.csv"), folder / "hand_trips.csv")
    return folder / "hand.toml"


def test_case_holds_the_trips_as_read(central) -> None:
    """GIVEN a trips-file scenario WHEN load_case builds its Case THEN the fleet's table is what
    read_trips gives for that file, and the Case carries the scenario's seed, year, options and
    stations (with their nearest road node)."""
    sc = read_scenario(HAND)
    case = load_case(sc, central)
    assert isinstance(case, Case)
    assert case.network is central
    assert len(case.fleets) == 1
    item = case.fleets[0]
    assert item.kind == "trips"
    assert item.gtfs is None
    pd.testing.assert_frame_equal(item.table, read_trips(HAND.with_name("hand_trips.csv")))
    assert list(case.trips) == [item.fleet.name]
    assert case.requests == {}
    assert (case.seed, case.year, case.name) == (7, sc.year, "hand")
    assert case.options is sc.options
    pd.testing.assert_frame_equal(case.stations.drop(columns="node"), sc.stations)
    node, _ = central.nearest_nodes(sc.stations["lon"].to_numpy(), sc.stations["lat"].to_numpy())
    assert case.stations["node"].tolist() == node.tolist()


def test_simulate_case_equals_run_scenario(central) -> None:
    """GIVEN a scenario file WHEN simulated as simulate(load_case(...)) and as
    api.run_scenario(path) THEN the summaries and every table are equal."""
    _same(simulate(load_case(HAND, central)), api.run_scenario(HAND, network=central))


def test_simulate_reads_no_file_trips(tmp_path: Path, central) -> None:
    """GIVEN a Case of a trips-file scenario WHEN the scenario folder is deleted THEN the Case
    still simulates, to the same result as before the deletion."""
    path = _hand_copy(tmp_path / "s")
    case = load_case(path, central)
    before = simulate(case)
    shutil.rmtree(path.parent)
    assert not path.parent.exists()
    _same(simulate(case), before)


def test_simulate_reads_no_file_requests(tmp_path: Path, central) -> None:
    """GIVEN a Case of a taxi fleet serving a requests file WHEN the file is deleted THEN the
    Case still simulates to the same result; the Case holds the requests as read."""
    reqs = requests_csv([("r1", "08:00", A, B), ("r2", "08:10", B, C), ("r3", "09:00", C, A)])
    d = taxi_scenario(tmp_path, reqs, size=2, start=[list(B), list(C)])
    case = load_case(scenario_from_dict(d, base_dir=tmp_path), central)
    assert [f.kind for f in case.fleets] == ["requests"]
    pd.testing.assert_frame_equal(case.fleets[0].table, read_requests(tmp_path / "req.csv"))
    table = case.fleets[0].table.copy()
    before = simulate(case)
    (tmp_path / "req.csv").unlink()
    after = simulate(case)
    _same(after, before)
    assert after.summary()["trips_total"] == 3
    pd.testing.assert_frame_equal(case.fleets[0].table, table)  # dispatch left it as read


def test_simulate_reads_no_file_gtfs(tmp_path: Path, central) -> None:
    """GIVEN a Case of a GTFS fleet WHEN the feed is deleted THEN it still simulates to the same
    result, and the reader's facts (service day, vehicles) reach extras.gtfs."""
    feed = tmp_path / "line10.zip"
    with zipfile.ZipFile(feed, "w") as z:
        for f in sorted(LINE10.iterdir()):
            z.write(f, f.name)
    d = {"name": "g", "seed": 3, "network": "beijing-central-2024",
         "fleets": [{"name": "line10", "gtfs": "line10.zip", "date": "2024-03-04",
                     "powertrain": {"bev": 0.7, "diesel": 0.3}}]}
    case = load_case(scenario_from_dict(d, base_dir=tmp_path), central)
    facts = case.gtfs["line10"]
    assert facts["service_date"] == "2024-03-04"
    before = simulate(case)
    feed.unlink()
    after = simulate(case)
    _same(after, before)
    assert after.extras["gtfs"] == {"line10": facts}
    assert after.summary()["trips_total"] == len(case.fleets[0].table) > 0


def test_simulate_leaves_the_case_as_it_was(central) -> None:
    """GIVEN one Case WHEN simulated twice (and prepared in between) THEN the results are equal
    and the Case's tables are unchanged (the simulation copies before it edits)."""
    case = load_case(HAND, central)
    tables = [f.table.copy() for f in case.fleets]
    first = simulate(case)
    prepare(case)
    _same(simulate(case), first)
    for f, t in zip(case.fleets, tables, strict=True):
        pd.testing.assert_frame_equal(f.table, t)


def test_simulate_takes_only_a_case(central) -> None:
    """GIVEN a Scenario (the old way in) WHEN given to simulate THEN it refuses with a TypeError
    that says how to build the Case."""
    with pytest.raises(TypeError, match=r"simulate\(load_case\(scenario, network\)\)"):
        simulate(read_scenario(HAND))  # type: ignore[arg-type]


def test_bad_trips_file_is_located_by_load_case(tmp_path: Path, central) -> None:
    """GIVEN a trips file with a bad arrival time WHEN load_case reads it THEN InputError names
    the file, row 2 and column 'arrival' (as the reader always did)."""
    path = _hand_copy(tmp_path)
    (tmp_path / "hand_trips.csv").write_text(
        "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
        "destination_lon,destination_lat\nv1,bus,bev,t1,08:00,xx,116.4,39.9,116.41,39.91\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        load_case(path, central)
    (p,) = exc.value.problems
    assert (Path(str(p.file)).name, p.row, p.column) == ("hand_trips.csv", 2, "arrival")


MIX_CSV = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
    "destination_lon,destination_lat,distance_km,exempt\n"
    + "".join(
        f"v{i},bus,diesel,t{i},06:00,07:00,116.40,39.91,116.40,39.91,20,{str(i == 9).lower()}\n"
        for i in range(10)
    )
)


def _mix_case(folder: Path, central, seed: int = 5) -> Case:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trips.csv").write_text(MIX_CSV, encoding="utf-8")
    d = {"name": "mix", "seed": seed, "network": "beijing-central-2024",
         "fleets": [{"name": "f", "trips": "trips.csv",
                     "powertrain": {"bev": 0.5, "fcev": 0.25, "diesel": 0.25}}],
         "vehicle_types": {"bus": {"bev": {"battery_kwh": 222}}},
         "vehicles": {"v3": {"battery_kwh": 111}}}
    return load_case(scenario_from_dict(d, base_dir=folder), central)


def test_case_holds_the_assigned_powertrains_and_resolved_specs(tmp_path: Path, central) -> None:
    """GIVEN a trips file of 10 diesel buses (v9 exempt) and a fleet mix bev 0.5 / fcev 0.25 /
    diesel 0.25 WHEN load_case builds the Case THEN fleet_trips gives the 9 eligible vehicles
    exact shares (5 / 2 / 2 by largest remainder; the exempt bus stays diesel), the same seed
    gives the same draw, the fleet's table stays as read, specs hold each pair's resolved,
    frozen VehicleSpec ([vehicle_types] applied) and vehicle_specs the [vehicles] override; the
    simulation's vehicles table carries exactly the Case's powertrains."""
    case = _mix_case(tmp_path / "a", central)
    pts = dict(zip(case.fleet_trips["vehicle_id"], case.fleet_trips["powertrain"], strict=True))
    assert pts["v9"] == "diesel"
    eligible = [pts[f"v{i}"] for i in range(9)]
    assert {p: eligible.count(p) for p in set(eligible)} == {"bev": 5, "fcev": 2, "diesel": 2}
    again = _mix_case(tmp_path / "b", central)
    pd.testing.assert_frame_equal(again.fleet_trips.drop(columns="source_file"),
                                  case.fleet_trips.drop(columns="source_file"))
    assert set(case.fleets[0].table["powertrain"]) == {"diesel"}  # as read
    assert set(case.fleet_trips["fleet"]) == {"f"}
    assert case.fleet_trips["row"].tolist() == sorted(case.fleet_trips["row"].tolist())
    sc = case.scenario
    assert dict(case.specs) == {pair: resolve_spec(*pair, sc.vehicle_types)
                                for pair in {("bus", "bev"), ("bus", "fcev"), ("bus", "diesel")}}
    assert case.specs[("bus", "bev")].battery_kwh == 222.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.specs[("bus", "bev")].battery_kwh = 1.0  # type: ignore[misc]
    assert case.vehicle_specs["v3"] == dataclasses.replace(
        case.specs[("bus", pts["v3"])], battery_kwh=111.0)
    assert set(case.vehicle_specs) == {"v3"}
    r = simulate(case)
    assert dict(zip(r.vehicles["vehicle_id"], r.vehicles["powertrain"], strict=True)) == pts


def test_the_simulation_runs_on_the_cases_specs(central) -> None:
    """GIVEN the hand Case (bev bus, constant 1.0 kWh/km, 170 km) WHEN its spec is replaced in
    the Case by one at 0.5 kWh/km THEN the simulated battery energy halves (170 -> 85 kWh): the
    simulation takes the specs from the Case, it does not resolve them again."""
    case = load_case(HAND, central)
    base = simulate(case).summary()
    assert base["battery_energy_kwh"] == pytest.approx(170.0)
    specs = dict(case.specs)
    specs[("bus", "bev")] = dataclasses.replace(specs[("bus", "bev")], kwh_per_km=0.5)
    half = simulate(dataclasses.replace(case, specs=specs)).summary()
    assert half["battery_energy_kwh"] == pytest.approx(85.0)


def test_station_off_the_graph_is_found_by_load_case(tmp_path: Path, central) -> None:
    """GIVEN a second station 100 km from the network WHEN load_case builds the Case THEN it
    raises, naming the scenario and stations.1.lon (before any simulation)."""
    path = _hand_copy(tmp_path)
    text = path.read_text(encoding="utf-8") + (
        '\n[[stations]]\nid = "far"\nkind = "public"\nlon = 117.5\nlat = 40.5\n'
        "plugs = 1\nplug_kw = 60\n"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_case(path, central)
    (p,) = exc.value.problems
    assert (p.column, p.row, Path(str(p.file)).name) == ("stations.1.lon", None, "hand.toml")
    assert "off the graph" in p.message


def test_build_case_from_read_fleets_equals_load_case(central) -> None:
    """GIVEN fleets read once WHEN build_case settles them again for the same scenario THEN the
    Case equals load_case's (what a representative day of the annual run reuses)."""
    case = load_case(HAND, central)
    again = build_case(case.scenario, central, case.fleets)
    pd.testing.assert_frame_equal(again.fleet_trips, case.fleet_trips)
    pd.testing.assert_frame_equal(again.stations, case.stations)
    assert dict(again.specs) == dict(case.specs)


def test_simulate_frees_a_case_nobody_holds_before_the_clock(central, monkeypatch) -> None:
    """GIVEN a Case passed straight into simulate (as run_scenario does) WHEN the clock starts
    THEN the Case's trip tables are freed (prepare copied what the clock needs), and the
    result equals the one of a Case the caller keeps, which keeps its tables."""
    seen: list[list[bool]] = []
    refs: list[weakref.ref[pd.DataFrame]] = []
    run_prepared = engine.run_prepared

    def spy(case: Case, *args: object, **kw: object) -> SimulationResult:
        seen.append([r() is not None for r in refs])
        return run_prepared(case, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "run_prepared", spy)

    def loaded() -> Case:
        case = load_case(HAND, central)
        refs[:] = [weakref.ref(case.fleet_trips), *(weakref.ref(f.table) for f in case.fleets)]
        return case

    freed = simulate(loaded())
    assert seen[-1] == [False] * len(refs)
    kept = loaded()
    _same(simulate(kept), freed)
    assert seen[-1] == [True] * len(refs)
    assert len(kept.fleet_trips) > 0

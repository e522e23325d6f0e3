"""The Case (issue 13 item 1): inputs are read once by load_case; the simulation reads no file."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from simkit import TAXI_A as A
from simkit import TAXI_B as B
from simkit import TAXI_C as C
from simkit import requests_csv, taxi_scenario

from fleetopt import api
from fleetopt.case import Case, load_case
from fleetopt.errors import InputError
from fleetopt.inputs.scenario import read_scenario, scenario_from_dict
from fleetopt.inputs.schedules import read_requests, read_trips
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
    stations."""
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
    pd.testing.assert_frame_equal(case.stations, sc.stations)


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


def test_a_case_holds_its_network(central) -> None:
    """GIVEN a Case WHEN a network is also given to simulate THEN it refuses (one network)."""
    with pytest.raises(TypeError, match="load_case"):
        simulate(load_case(HAND, central), network=central)


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

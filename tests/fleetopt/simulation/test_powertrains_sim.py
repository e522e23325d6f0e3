"""Plug-in hybrids, hybrids and LNG through the simulation; no idle draw at the depot (by hand)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from simkit import BASE, LAT, LON, TAXI_A, TAXI_B, requests_csv, taxi_scenario, trip_line

from fleetopt.case import load_case
from fleetopt.domain.energy import temperature_factor
from fleetopt.errors import InputError
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.inputs.vehicles import default_spec
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.taxi import route_matrices

REPO = Path(__file__).resolve().parents[3]

#: A point about 1.7 km east of the depot (well outside the 100 m station radius) [deg].
FAR = (LON + 0.02, LAT)

PHEV = {
    "battery_kwh": 10,
    "kwh_per_km": 1.0,
    "l_per_100km": 10.0,
    "energy_model": "constant",
    "max_charge_kw": 100,
    "charging_curve": "constant",
    "charge_efficiency": 1.0,
    "initial_soc": 1.0,
    "min_soc": 0.0,
}


def _phev_scenario(**spec: Any) -> dict[str, Any]:
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["phev"] = {**PHEV, **spec}
    return d


def test_phev_runs_on_battery_then_gasoline_within_one_trip(run) -> None:
    """GIVEN a phev bus (10 kWh, 1 kWh/km, min_soc 0, 10 L/100km, constant model) and one 15 km trip
    ending at a 100 kW depot WHEN simulated THEN the trip is served on 10 kWh of battery (10 km) and
    5 km x 10 L/100km = 0.5 L of gasoline; the depot recharges 10 kWh; CO2 = 0.5 L x 2.30 + 10 kWh x
    0.6361."""
    r = run([trip_line("p1", "t1", "06:00", "07:00", 15, pt="phev")], scenario=_phev_scenario())
    s = r.summary()
    assert (s["trips_served"], s["trips_missed"]) == (1, 0)
    assert s["battery_energy_kwh"] == pytest.approx(10.0)
    assert s["gasoline_l"] == pytest.approx(0.5)
    assert s["grid_energy_kwh"] == pytest.approx(10.0)
    assert s["co2_kg"] == pytest.approx(0.5 * 2.30 + 10.0 * 0.6361)
    trip = r.trips.iloc[0]
    assert trip["battery_kwh"] == pytest.approx(10.0)
    assert trip["gasoline_l"] == pytest.approx(0.5)
    assert trip["diesel_l"] == 0.0
    assert trip["soc_end"] == pytest.approx(0.0)
    veh = r.vehicles.set_index("vehicle_id").loc["p1"]
    assert veh["gasoline_l"] == pytest.approx(0.5)
    assert veh["co2_kg"] == pytest.approx(0.5 * 2.30 + 10.0 * 0.6361)


def test_phev_is_never_missed_and_uses_gasoline_below_its_reserve(run) -> None:
    """GIVEN a phev (10 kWh, min_soc 0.5) without a station and two 20 km trips WHEN simulated THEN
    both are served: the first on 5 kWh (5 km) + 15 km x 0.1 L/km = 1.5 L, the second all on
    gasoline, 2.0 L; the battery never goes below its reserve."""
    d = _phev_scenario(min_soc=0.5)
    d["stations"] = []
    r = run(
        [
            trip_line("p1", "t1", "06:00", "07:00", 20, pt="phev"),
            trip_line("p1", "t2", "08:00", "09:00", 20, pt="phev"),
        ],
        scenario=d,
    )
    t = r.trips.set_index("trip_id")
    assert t["served"].all()
    assert list(t["battery_kwh"]) == pytest.approx([5.0, 0.0])
    assert list(t["gasoline_l"]) == pytest.approx([1.5, 2.0])
    assert list(t["soc_end"]) == pytest.approx([0.5, 0.5])
    s = r.summary()
    assert s["battery_energy_kwh"] == pytest.approx(5.0)
    assert s["gasoline_l"] == pytest.approx(3.5)
    assert s["grid_energy_kwh"] == 0.0
    assert s["co2_kg"] == pytest.approx(3.5 * 2.30)


def test_phev_charges_at_the_depot_between_trips_like_a_bev(run) -> None:
    """GIVEN a phev and a bev of the same battery (10 kWh, 1 kWh/km), each running 8 km at 06:00 and
    08:00 from and to a 2-plug 100 kW depot WHEN simulated THEN both recharge 8 kWh at 07:00 for
    4.8 min and run the second trip on battery: no gasoline, same sessions."""
    d = _phev_scenario()
    d["vehicle_types"]["bus"]["bev"]["battery_kwh"] = 10
    d["stations"][0]["plugs"] = 2
    r = run(
        [
            trip_line("p1", "t1", "06:00", "07:00", 8, pt="phev"),
            trip_line("p1", "t2", "08:00", "09:00", 8, pt="phev"),
            trip_line("b1", "u1", "06:00", "07:00", 8),
            trip_line("b1", "u2", "08:00", "09:00", 8),
        ],
        scenario=d,
    )
    ses = r.sessions[r.sessions["action"] == "charge"].sort_values(["vehicle_id", "plug_s"])
    for vid in ("b1", "p1"):
        first = ses[ses["vehicle_id"] == vid].iloc[0]
        assert first["plug_s"] == pytest.approx(7 * 3600.0)
        assert first["end_s"] == pytest.approx(7 * 3600.0 + 8.0 / 100.0 * 3600.0)
        assert first["battery_kwh"] == pytest.approx(8.0)
    t = r.trips.set_index("trip_id")
    assert t.loc["t2", "soc_start"] == pytest.approx(1.0)
    assert t.loc["t2", "gasoline_l"] == 0.0
    assert r.summary()["gasoline_l"] == 0.0
    assert r.summary()["battery_energy_kwh"] == pytest.approx(32.0)


def test_hev_and_lng_are_closed_form_fuel_with_their_co2(run) -> None:
    """GIVEN an LNG bus running 100 km (default 31.8 kg/100km, lng_kg_per_kg 2.75 by default) and a
    hybrid taxi running 20 km at 5 L/100km WHEN simulated THEN lng_kg = 31.8 kg, gasoline 1.0 L and
    CO2 = 31.8 x 2.75 + 1.0 x 2.30; the LNG goes to lng_kg, never to cng_kg."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["taxi"] = {"hev": {"l_per_100km": 5.0}}
    lng_rate = default_spec("bus", "lng").kg_per_100km
    r = run(
        [
            trip_line("l1", "a", "06:00", "07:00", 100, pt="lng"),
            trip_line("h1", "b", "06:00", "06:30", 20, pt="hev", vtype="taxi"),
        ],
        scenario=d,
    )
    s = r.summary()
    assert lng_rate == 31.8
    assert s["gasoline_l"] == pytest.approx(1.0)
    assert s["diesel_l"] == 0.0
    assert s["co2_kg"] == pytest.approx(31.8 * 2.75 + 1.0 * 2.30)
    assert r.extras["lng_kg"] == pytest.approx(31.8)
    assert r.extras["cng_kg"] == 0.0
    t = r.trips.set_index("trip_id")
    assert t.loc["a", "lng_kg"] == pytest.approx(31.8)
    assert t.loc["b", "gasoline_l"] == pytest.approx(1.0)
    veh = r.vehicles.set_index("vehicle_id")
    assert veh.loc["l1", "co2_kg"] == pytest.approx(31.8 * 2.75)
    assert s["by_type"]["taxi"]["co2_kg"] == pytest.approx(2.30)
    # an explicit factor is used as given
    d2 = copy.deepcopy(d)
    d2["emission_factors"] = {"lng_kg_per_kg": 2.0}
    r2 = run([trip_line("l1", "a", "06:00", "07:00", 100, pt="lng")], scenario=d2)
    assert r2.summary()["co2_kg"] == pytest.approx(31.8 * 2.0)


def test_nev_share_counts_phev(run) -> None:
    """GIVEN one phev, one hev, one lng and one bev bus THEN the simulated NEV share is 50 %."""
    d = _phev_scenario()
    r = run(
        [
            trip_line("p1", "t1", "06:00", "07:00", 5, pt="phev"),
            trip_line("h1", "t2", "06:00", "07:00", 5, pt="hev"),
            trip_line("l1", "t3", "06:00", "07:00", 5, pt="lng"),
            trip_line("b1", "t4", "06:00", "07:00", 5),
        ],
        scenario=d,
    )
    assert r.extras["nev_share_of_eligible"] == pytest.approx(0.5)
    assert r.extras["nev_share_by_type"]["bus"] == pytest.approx(0.5)


# -- no idle at the depot (CONTRACT §4) -------------------------------------------------------
DEPOT_HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
    "destination_lon,destination_lat,distance_km,depot"
)


def _idle_run(tmp_path: Path, central: Any, lines: list[str], temp_c: float) -> Any:
    (tmp_path / "trips.csv").write_text("\n".join([DEPOT_HEADER, *lines]) + "\n", encoding="utf-8")
    d = copy.deepcopy(BASE)
    d["ambient_temperature_c"] = temp_c
    d["vehicle_types"]["bus"]["bev"].update(energy_model="temperature", idle_kw=10.0)
    sc = scenario_from_dict(d, base_dir=tmp_path, file=str(tmp_path / "s.toml"))
    return simulate(load_case(sc, central))


def _line(tid: str, dep: str, arr: str, o: tuple[float, float], d: tuple[float, float]) -> str:
    return f"b1,bus,bev,{tid},{dep},{arr},{o[0]},{o[1]},{d[0]},{d[1]},10,depot-A"


@pytest.mark.parametrize("temp_c", [20.0, 0.0])
def test_no_idle_draw_at_the_depot_before_pull_out(
    tmp_path: Path, central: Any, temp_c: float
) -> None:
    """GIVEN a bus of depot-A (idle_kw 10, temperature model) whose one 10 km trip departs at 08:00
    from the depot and returns to it WHEN simulated from 00:00 THEN it draws the trip's energy only:
    10 km x 1 kWh/km x the temperature factor (1.0 at 20 °C), no idle kWh."""
    f = float(temperature_factor(temp_c))
    one = [_line("t1", "08:00", "09:00", (LON, LAT), (LON, LAT))]
    r = _idle_run(tmp_path, central, one, temp_c)
    s = r.summary()
    assert s["battery_energy_kwh"] == pytest.approx(10.0 * f)
    assert r.vehicles["idle_kwh"].sum() == 0.0


@pytest.mark.parametrize("temp_c", [20.0, 0.0])
def test_idle_draw_only_on_a_layover_off_plug(tmp_path: Path, central: Any, temp_c: float) -> None:
    """GIVEN the same bus running depot -> X (08:00-09:00) and X -> depot (10:00-11:00), X 1.7 km
    from any station, 10 km each WHEN simulated THEN the 1 h layover at X draws 10 kW x 1 h x the
    temperature factor and nothing else idles: battery = (20 + 10) kWh x factor."""
    f = float(temperature_factor(temp_c))
    r = _idle_run(
        tmp_path,
        central,
        [
            _line("t1", "08:00", "09:00", (LON, LAT), FAR),
            _line("t2", "10:00", "11:00", FAR, (LON, LAT)),
        ],
        temp_c,
    )
    s = r.summary()
    assert s["trips_served"] == 2
    assert r.vehicles["idle_kwh"].sum() == pytest.approx(10.0 * f)
    assert s["battery_energy_kwh"] == pytest.approx(30.0 * f)


# -- taxis with phev and hev -------------------------------------------------------------------
def test_phev_taxi_drives_on_gasoline_once_its_battery_is_at_reserve(
    tmp_path: Path, central: Any
) -> None:
    """GIVEN one phev taxi at A with 0.1 kWh of battery (0.15 kWh/km, 5 L/100km, constant) and no
    station, and a request A -> B WHEN dispatched THEN it is served: 0.1 kWh of battery and the rest
    of the road distance, (L - 0.1 / 0.15) km, on gasoline at 5 L/100km."""
    d = taxi_scenario(
        tmp_path,
        requests_csv([("r1", "08:00", TAXI_A, TAXI_B)]),
        size=1,
        start=[list(TAXI_A)],
    )
    d["fleets"][0]["powertrain"] = "phev"
    d["vehicle_types"] = {
        "taxi": {
            "phev": {
                "energy_model": "constant",
                "battery_kwh": 0.1,
                "kwh_per_km": 0.15,
                "l_per_100km": 5.0,
                "min_soc": 0.0,
            }
        }
    }
    d["stations"] = []
    r = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central))
    t = r.trips.iloc[0]
    assert bool(t["served"])
    km = float(t["distance_km"] + t["deadhead_km"])
    assert km > 1.0
    assert t["battery_kwh"] == pytest.approx(0.1)
    assert t["gasoline_l"] == pytest.approx((km - 0.1 / 0.15) * 0.05)
    s = r.summary()
    assert s["gasoline_l"] == pytest.approx(t["gasoline_l"])
    assert s["battery_energy_kwh"] == pytest.approx(0.1)
    assert s["co2_kg"] == pytest.approx(t["gasoline_l"] * 2.30)


def test_taxi_mix_of_phev_and_hev(tmp_path: Path, central: Any) -> None:
    """GIVEN a taxi fleet of 2, half phev and half hev (defaults), serving two requests WHEN
    dispatched THEN one taxi of each powertrain exists, every request is served, the hev's trip
    burns its default l_per_100km over its road km, and the phev's runs on its battery."""
    d = taxi_scenario(
        tmp_path,
        requests_csv([("r1", "08:00", TAXI_A, TAXI_B), ("r2", "08:00", TAXI_A, TAXI_B)]),
        size=2,
        start=[list(TAXI_A)],
    )
    d["fleets"][0]["powertrain"] = {"phev": 0.5, "hev": 0.5}
    d["vehicle_types"] = {}
    r = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central))
    assert sorted(r.vehicles["powertrain"]) == ["hev", "phev"]
    t = r.trips
    assert t["served"].all()
    hev = t[t["powertrain"] == "hev"].iloc[0]
    km = float(hev["distance_km"] + hev["deadhead_km"])
    assert hev["gasoline_l"] == pytest.approx(km * default_spec("taxi", "hev").l_per_100km / 100)
    assert hev["battery_kwh"] == 0.0
    phev = t[t["powertrain"] == "phev"].iloc[0]
    assert phev["battery_kwh"] > 0
    assert phev["gasoline_l"] == 0.0  # 18.3 kWh covers a few km


# -- a powertrain the type cannot have ---------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fleetopt", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=300,
    )


def test_lng_taxi_override_exits_2_naming_the_key(tmp_path: Path) -> None:
    """GIVEN a scenario with [vehicle_types.taxi.lng] (no LNG taxi in the vehicle table) WHEN
    `python -m fleetopt simulate` and `validate` run THEN both exit 2 naming vehicle_types.taxi.lng,
    without a traceback."""
    data = REPO / "tests" / "data" / "simulation"
    (tmp_path / "hand_trips.csv").write_text(
        (data / "hand_trips.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    text = (data / "hand.toml").read_text(encoding="utf-8")
    text += "\n[vehicle_types.taxi.lng]\nkg_per_100km = 6.0\n"
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    sim = _cli("simulate", str(tmp_path / "s.toml"), "--json")
    assert sim.returncode == 2, sim.stderr
    assert "vehicle_types.taxi.lng" in sim.stderr
    assert "Traceback" not in sim.stderr
    assert sim.stdout == ""
    val = _cli("validate", str(tmp_path / "s.toml"), "--json")
    assert val.returncode == 2, val.stderr
    doc = json.loads(val.stdout)
    assert not doc["valid"]
    assert [e["column"] for e in doc["errors"]] == ["vehicle_types.taxi.lng"]


def test_lng_taxi_trips_row_exits_2_with_row_and_column(tmp_path: Path) -> None:
    """GIVEN a trips file with a `taxi,lng` row (line 3) WHEN validated and simulated THEN exit 2
    naming row 3 and column powertrain."""
    data = REPO / "tests" / "data" / "simulation"
    trips = (data / "hand_trips.csv").read_text(encoding="utf-8").splitlines()
    trips.insert(2, "x1,taxi,lng,tx,06:00,06:30,116.40,39.91,116.40,39.91,10")
    (tmp_path / "hand_trips.csv").write_text("\n".join(trips) + "\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        (data / "hand.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    val = _cli("validate", str(tmp_path / "hand_trips.csv"), "--kind", "trips", "--json")
    assert val.returncode == 2, val.stderr
    errors = json.loads(val.stdout)["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "powertrain")]
    assert "lng taxi" in errors[0]["message"]
    sim = _cli("simulate", str(tmp_path / "s.toml"))
    assert sim.returncode == 2
    assert "row 3" in sim.stderr
    assert "powertrain" in sim.stderr
    assert "Traceback" not in sim.stderr


def test_fleet_powertrain_the_type_cannot_have_names_the_fleet_key(
    tmp_path: Path, central: Any
) -> None:
    """GIVEN a trips fleet of gasoline taxis re-assigned by `powertrain = "lng"` WHEN simulated THEN
    an InputError names fleets.0.powertrain (the key that made the LNG taxis)."""
    (tmp_path / "trips.csv").write_text(
        "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
        f"destination_lon,destination_lat,distance_km\ng1,taxi,gasoline,t1,06:00,06:30,{LON},{LAT},"
        f"{LON},{LAT},10\n",
        encoding="utf-8",
    )
    d = copy.deepcopy(BASE)
    d["fleets"] = [{"trips": "trips.csv", "powertrain": "lng"}]
    sc = scenario_from_dict(d, base_dir=tmp_path, file="s.toml")
    with pytest.raises(InputError) as e:
        simulate(load_case(sc, central))
    assert [(p.column, p.file) for p in e.value.problems] == [("fleets.0.powertrain", "s.toml")]
    assert "lng taxi" in e.value.problems[0].message


def test_phev_taxi_drive_to_a_charger_on_gasoline_counts_for_the_vehicle(
    tmp_path: Path, central: Any
) -> None:
    """GIVEN one phev taxi at A with 0.1 kWh of battery, a request A -> B and a public plug at the
    depot point P WHEN dispatched THEN after the drop-off (level 0 < taxi_charge_soc) it drives
    B -> P on gasoline: the vehicle's gasoline = the trip's + L(B, P) x 5 L/100km; it charges."""
    d = taxi_scenario(
        tmp_path, requests_csv([("r1", "08:00", TAXI_A, TAXI_B)]), size=1, start=[list(TAXI_A)]
    )
    d["fleets"][0]["powertrain"] = "phev"
    d["vehicle_types"] = {
        "taxi": {
            "phev": {
                "energy_model": "constant",
                "charging_curve": "constant",
                "charge_efficiency": 1.0,
                "battery_kwh": 0.1,
                "kwh_per_km": 0.15,
                "l_per_100km": 5.0,
                "max_charge_kw": 60,
            }
        }
    }
    r = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central))
    nodes, _ = central.nearest_nodes([TAXI_B[0], LON], [TAXI_B[1], LAT])
    uniq = np.unique(nodes)
    _, ll = route_matrices(central, uniq)
    pos = {n: i for i, n in enumerate(uniq)}
    to_p_km = ll[pos[nodes[0]], pos[nodes[1]]] / 1000.0
    assert to_p_km > 0.5
    trip = r.trips.iloc[0]
    veh = r.vehicles.iloc[0]
    assert veh["gasoline_l"] == pytest.approx(trip["gasoline_l"] + to_p_km * 0.05)
    assert r.summary()["gasoline_l"] == pytest.approx(veh["gasoline_l"])
    ses = r.sessions[r.sessions["action"] == "charge"]
    assert len(ses) == 1
    assert ses["battery_kwh"].iloc[0] == pytest.approx(0.09)  # to taxi_target_soc 0.9

"""Analytic cases worked out by hand: energy balance, queues, missed trips, fuel and CO2, peaks."""

from __future__ import annotations

import copy
import math

import pytest
from simkit import BASE, LAT, LON, trip_line

from fleetopt.case import load_case
from fleetopt.domain.costs import hourly_prices
from fleetopt.errors import InputError
from fleetopt.inputs.vehicles import default_spec
from fleetopt.simulation.result import SUMMARY_KEYS, TYPE_KEYS


def test_contract_example_energy_balance_by_hand(run) -> None:
    """GIVEN one BEV bus (100 kWh, 1 kWh/km) running 50, 30, 90 km and a 100 kW plug at the terminus
    WHEN simulated THEN it draws 170 kWh, recharges after each trip at once, and CO2 = grid x factor
    + diesel x factor, all exactly."""
    r = run([
        trip_line("b1", "t1", "06:00", "07:00", 50),
        trip_line("b1", "t2", "08:00", "09:00", 30),
        trip_line("b1", "t3", "10:00", "11:00", 90),
        trip_line("d1", "t4", "06:00", "07:00", 100, pt="diesel"),
    ])
    s = r.summary()
    assert list(s) == list(SUMMARY_KEYS)
    assert list(s["by_type"]["bus"]) == list(TYPE_KEYS)
    assert s["vehicles"] == 2
    assert (s["trips_total"], s["trips_served"], s["trips_missed"]) == (4, 4, 0)
    assert s["distance_km"] == pytest.approx(270.0)
    assert s["battery_energy_kwh"] == pytest.approx(170.0)
    assert s["grid_energy_kwh"] == pytest.approx(170.0)
    assert s["diesel_l"] == pytest.approx(30.0)
    assert s["co2_kg"] == pytest.approx(170 * 0.6361 + 30 * 2.68)
    assert s["peak_grid_kw"] == pytest.approx(100.0)
    assert s["charge_wait_mean_min"] == 0.0
    ses = r.sessions
    # 50 kWh at 100 kW = 30 min after 07:00; 30 kWh = 18 min after 09:00; 90 kWh = 54 min after
    # 11:00
    assert list(ses["plug_s"]) == [7 * 3600.0, 9 * 3600.0, 11 * 3600.0]
    assert list(ses["end_s"]) == pytest.approx(
        [7.5 * 3600, 9 * 3600 + 18 * 60, 11 * 3600 + 54 * 60]
    )
    assert list(r.trips["soc_end"].iloc[:3]) == pytest.approx([0.5, 0.7, 0.1])


def test_one_plug_queue_has_known_waits(run) -> None:
    """GIVEN three buses arriving at 07:00, 07:10 and 07:20 at a one-plug 100 kW depot, each needing
    50 kWh (30 min) and leaving at 12:00 WHEN simulated THEN they plug in at 07:00, 07:30, 08:00:
    waits 0, 20 and 40 min (mean 20, max 40)."""
    r = run([
        trip_line("b1", "t1", "06:00", "07:00", 50),
        trip_line("b1", "t1b", "12:00", "12:10", 1),
        trip_line("b2", "t2", "06:10", "07:10", 50),
        trip_line("b2", "t2b", "12:00", "12:10", 1),
        trip_line("b3", "t3", "06:20", "07:20", 50),
        trip_line("b3", "t3b", "12:00", "12:10", 1),
    ], horizon={"end": "12:00"})
    ses = r.sessions[r.sessions["action"] == "charge"].sort_values("arrive_s")
    assert list(ses["plug_s"][:3]) == [7 * 3600.0, 7.5 * 3600, 8 * 3600.0]
    assert list(ses["wait_s"][:3] / 60.0) == pytest.approx([0.0, 20.0, 40.0])
    s = r.summary()
    assert s["charge_wait_mean_min"] == pytest.approx(20.0)
    assert s["charge_wait_max_min"] == pytest.approx(40.0)
    assert s["peak_grid_kw"] == pytest.approx(100.0)  # one plug: never more than 100 kW


def test_vehicle_that_must_leave_stops_charging_and_gives_up_queue(run) -> None:
    """GIVEN b1 needs 60 min of charge but leaves after 40 min, and b2 queues behind it but must
    leave before the plug frees WHEN simulated THEN b1 charges 40 min (66.7 kWh... of 80), b2 gives
    up."""
    r = run([
        trip_line("b1", "t1", "06:00", "07:00", 80),
        trip_line("b1", "t1b", "07:40", "08:00", 10),
        trip_line("b2", "t2", "06:05", "07:05", 10),
        trip_line("b2", "t2b", "07:30", "08:00", 10),
    ], horizon={"end": "08:00"})
    ses = r.sessions
    b1 = ses[(ses["vehicle_id"] == "b1") & (ses["action"] == "charge")].iloc[0]
    assert b1["end_s"] == pytest.approx(7 * 3600 + 40 * 60)
    assert b1["battery_kwh"] == pytest.approx(100 * 40 / 60)
    b2 = ses[ses["vehicle_id"] == "b2"].iloc[0]
    assert b2["action"] == "gave_up"
    assert b2["end_s"] == pytest.approx(7.5 * 3600)
    trips = r.trips.set_index("trip_id")
    assert trips.loc["t1b", "soc_start"] == pytest.approx(0.2 + 40 / 60)
    cd = r.charge_demand()
    gave_up = cd.loc[cd["kind"] == "gave_up", "energy_kwh"].tolist()
    assert gave_up == pytest.approx([10.0])  # b2 lacked 10 kWh


def test_trip_that_would_end_below_min_soc_is_missed(run) -> None:
    """GIVEN min_soc 0.2, no station, and trips of 50 km then 40 km on a 100 kWh battery
    WHEN simulated THEN the first runs (SoC 0.5), the second would end at 0.1 < 0.2: missed."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"]["min_soc"] = 0.2
    d["stations"] = []
    r = run(
        [
            trip_line("b1", "t1", "06:00", "07:00", 50),
            trip_line("b1", "t2", "08:00", "09:00", 40),
            trip_line("b1", "t3", "10:00", "11:00", 30),
        ],
        scenario=d,
    )
    t = r.trips.set_index("trip_id")
    assert bool(t.loc["t1", "served"])
    assert not bool(t.loc["t2", "served"])
    assert t.loc["t2", "reason"].startswith("energy")
    assert bool(t.loc["t3", "served"])  # 0.5 - 0.3 = 0.2 is not below the reserve
    s = r.summary()
    assert (s["trips_served"], s["trips_missed"]) == (2, 1)
    assert s["battery_energy_kwh"] == pytest.approx(80.0)
    assert min(r.trips["soc_end"].dropna()) >= 0.2 - 1e-12


def test_peak_is_exact_maximum_of_overlapping_sessions(run) -> None:
    """GIVEN two plugs of 100 kW, sessions 07:00-07:30 and 07:20-07:50 and efficiency 0.8
    WHEN simulated THEN grid power peaks at exactly 2 x 100 / 0.8 = 250 kW in 07:20-07:30."""
    d = copy.deepcopy(BASE)
    d["stations"][0]["plugs"] = 2
    d["vehicle_types"]["bus"]["bev"]["charge_efficiency"] = 0.8
    r = run(
        [trip_line("b1", "t1", "06:00", "07:00", 50), trip_line("b2", "t2", "06:20", "07:20", 50)],
        scenario=d,
    )
    s = r.summary()
    assert s["peak_grid_kw"] == pytest.approx(250.0)
    assert s["grid_energy_kwh"] == pytest.approx(100.0 / 0.8)
    load = r.load_kw["depot-A"]
    assert load.loc[7 * 3600 + 25 * 60] == pytest.approx(250.0)
    assert load.loc[7 * 3600 + 5 * 60] == pytest.approx(125.0)


def test_fuel_vehicles_by_hand(run) -> None:
    """GIVEN a diesel bus (30 L/100km) 100 km, a gasoline taxi trip 20 km (8.5 L/100km) and
    a fuel-cell bus 50 km at 11.7 kg/100km THEN diesel 30 L, gasoline 1.7 L, hydrogen 5.85 kg, CO2
    by hand."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["fcev"] = {"kg_per_100km": 11.7, "tank_kg": 64}
    d["vehicle_types"]["taxi"] = {"gasoline": {"l_per_100km": 8.5}}
    r = run([
        trip_line("d1", "a", "06:00", "07:00", 100, pt="diesel"),
        trip_line("g1", "b", "06:00", "06:30", 20, pt="gasoline", vtype="taxi"),
        trip_line("f1", "c", "06:00", "07:00", 50, pt="fcev"),
    ], scenario=d)
    s = r.summary()
    assert s["diesel_l"] == pytest.approx(30.0)
    assert s["gasoline_l"] == pytest.approx(1.7)
    assert s["hydrogen_kg"] == pytest.approx(5.85)
    # hydrogen: the default pathway (industrial by-product, hydrogen_pathways.csv) 5.5 kg/kg
    assert s["co2_kg"] == pytest.approx(30 * 2.68 + 1.7 * 2.30 + 5.85 * 5.5)
    assert s["by_type"]["taxi"]["gasoline_l"] == pytest.approx(1.7)
    assert set(s["by_type"]) == {"bus", "taxi"}


def test_temperature_model_scales_energy(run) -> None:
    """GIVEN the temperature model at 0 °C (factor 1.25), no idle THEN 40 km x 1 kWh/km = 50 kWh."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"].update({"energy_model": "temperature", "idle_kw": 0.0})
    d["stations"] = []
    r = run([trip_line("b1", "t1", "06:00", "07:00", 40)], scenario=d, ambient_temperature_c=0)
    assert r.summary()["battery_energy_kwh"] == pytest.approx(50.0)


def test_empty_distance_uses_the_road_distance(run, central) -> None:
    """GIVEN a trip without distance_km THEN its distance is the shortest road length."""
    o, d = (116.3975, 39.9087), (116.4342, 39.9320)
    r = run([trip_line("d1", "a", "06:00", "07:00", "", pt="diesel", o=o, d=d)])
    (no, nd), _ = central.nearest_nodes([o[0], d[0]], [o[1], d[1]])
    expect_km = float(central.shortest([no], [nd], weight="length")[0, 0]) / 1000.0
    assert 2.0 < expect_km < 10.0
    assert r.trips["distance_km"].iat[0] == pytest.approx(expect_km)
    assert r.summary()["diesel_l"] == pytest.approx(expect_km * 0.30)


def test_smart_charging_moves_energy_to_valley_hours(run) -> None:
    """GIVEN a bus back at 20:00 needing 50 kWh, leaving next day 06:00, with smart charging
    THEN it charges 23:00-23:30 (first valley hour), same energy, lower cost than immediate."""
    lines = [
        trip_line("b1", "t1", "19:00", "20:00", 50),
        trip_line("b1", "t2", "30:00", "30:30", 5),
    ]
    d = copy.deepcopy(BASE)
    d["horizon"] = {"end": "31:00"}
    imm = run(lines, scenario=copy.deepcopy(d))
    d["options"] = {"charging": "smart"}
    sm = run(lines, scenario=d)
    s_imm = imm.sessions.iloc[0]
    s_sm = sm.sessions.iloc[0]
    assert s_imm["plug_s"] == 20 * 3600
    assert imm.segments["start_s"].iat[0] == 20 * 3600
    assert sm.segments["start_s"].iat[0] == pytest.approx(23 * 3600)
    assert sm.segments["end_s"].iat[0] == pytest.approx(23.5 * 3600)
    assert s_sm["battery_kwh"] == pytest.approx(s_imm["battery_kwh"])
    # + 5 kWh recharged after t2 (06:30-06:33, a valley hour) in both runs
    p = hourly_prices("beijing-general-commercial-1-10kv")  # default tariff, from tariffs.csv
    valley, peak = float(p[23]), float(p[20])  # 23:00 is a valley hour, 20:00 a peak hour
    assert valley < peak
    assert sm.extras["cost_cny"] == pytest.approx(50 * valley + 5 * valley)
    assert imm.extras["cost_cny"] == pytest.approx(50 * peak + 5 * valley)


def test_grid_limit_caps_power_per_plug(run) -> None:
    """GIVEN a 2-plug depot with a 120 kW site limit THEN each plug draws <= 60 kW; peak 120 kW."""
    d = copy.deepcopy(BASE)
    d["stations"][0]["plugs"] = 2
    d["options"] = {"grid_limit_kw": 120.0}
    r = run(
        [trip_line("b1", "t1", "06:00", "07:00", 60), trip_line("b2", "t2", "06:00", "07:00", 60)],
        scenario=d,
    )
    assert r.summary()["peak_grid_kw"] == pytest.approx(120.0)
    assert list(r.sessions["end_s"]) == pytest.approx([8 * 3600.0, 8 * 3600.0])  # 60 kWh at 60 kW


def test_swap_station_exchanges_battery_and_recharges_it_behind(run) -> None:
    """GIVEN a swappable BEV taxi ending at a swap station (5 min, 2 batteries, 60 kW rack) with SoC
    0.6 THEN it leaves full after 5 min and the rack draws 0.4 x battery_kwh at 60 kW /
    charge_efficiency (the taxi's battery_kwh and charge_efficiency as read from vehicle_specs.csv).
    """
    taxi = default_spec("taxi", "bev")
    d = copy.deepcopy(BASE)
    d["stations"] = [
        {
            "id": "swap-1",
            "kind": "swap",
            "lon": LON,
            "lat": LAT,
            "swap_min": 5,
            "batteries": 2,
            "plug_kw": 60,
        }
    ]
    d["vehicle_types"] = {"taxi": {"bev": {"kwh_per_km": 0.2, "energy_model": "constant"}}}
    r = run([trip_line("x1", "t1", "06:00", "07:00", 0.4 * taxi.battery_kwh / 0.2, vtype="taxi"),
             trip_line("x1", "t2", "08:00", "09:00", 10, vtype="taxi")], scenario=d)
    ses = r.sessions.iloc[0]
    assert ses["action"] == "swap"
    assert ses["end_s"] - ses["plug_s"] == pytest.approx(300.0)
    assert ses["soc_in"] == pytest.approx(0.6)
    assert r.trips.set_index("trip_id").loc["t2", "soc_start"] == pytest.approx(1.0)
    seg = r.segments.iloc[0]
    assert seg["grid_kw"] == pytest.approx(60 / taxi.charge_efficiency)
    assert (seg["end_s"] - seg["start_s"]) == pytest.approx(0.4 * taxi.battery_kwh / 60 * 3600)


def test_hydrogen_station_fills_the_tank_at_its_rate(run) -> None:
    """GIVEN a fuel-cell bus (64 kg tank) using 11.7 kg/100 km for 100 km, a 1.8 kg/min dispenser
    THEN it refuels 11.7 kg in 6.5 min."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["fcev"] = {"kg_per_100km": 11.7, "tank_kg": 64}
    d["stations"] = [{"id": "h2", "kind": "hydrogen", "lon": LON, "lat": LAT, "dispensers": 1,
                      "kg_per_min": 1.8, "kg_per_day": 500}]
    r = run([trip_line("f1", "t1", "06:00", "07:00", 100, pt="fcev")], scenario=d)
    ses = r.sessions.iloc[0]
    assert ses["action"] == "hydrogen"
    assert ses["hydrogen_kg"] == pytest.approx(11.7)
    assert ses["end_s"] - ses["plug_s"] == pytest.approx(11.7 / 1.8 * 60)
    assert r.summary()["hydrogen_kg"] == pytest.approx(11.7)


def test_exempt_vehicles_keep_their_powertrain(run, tmp_path) -> None:
    """GIVEN two diesel buses, one flagged exempt, and a fleet electrified to BEV
    THEN the exempt one stays diesel and the eligible share is 1 of 1."""
    (tmp_path / "trips.csv").write_text("\n".join([
        ("vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,destination_lon,"
         "destination_lat,distance_km,exempt"),
        f"m1,bus,diesel,a,06:00,07:00,{LON},{LAT},{LON},{LAT},10,true",
        f"c1,bus,diesel,b,06:00,07:00,{LON},{LAT},{LON},{LAT},10,false",
    ]) + "\n", encoding="utf-8")
    from fleetopt.inputs.scenario import scenario_from_dict
    from fleetopt.simulation.engine import simulate

    d = copy.deepcopy(BASE)
    d["fleets"] = [{"trips": "trips.csv", "powertrain": "bev"}]
    r = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path)))
    pts = dict(zip(r.vehicles["vehicle_id"], r.vehicles["powertrain"], strict=True))
    assert pts == {"m1": "diesel", "c1": "bev"}
    assert r.extras["vehicles_exempt"] == 1
    assert r.extras["nev_share_of_eligible"] == 1.0


def test_unknown_combination_is_a_located_input_error(run) -> None:
    """GIVEN a gasoline bus (no default spec) THEN InputError naming the file's row and column."""
    with pytest.raises(InputError) as e:
        run([trip_line("g1", "a", "06:00", "07:00", 10, pt="gasoline")])
    p = e.value.problems[0]
    assert p.row == 2
    assert p.column == "powertrain"
    assert p.file.endswith("trips.csv")


def test_station_off_the_graph_is_a_located_input_error(run) -> None:
    """GIVEN a station in Shanghai on the Beijing network THEN InputError at stations.0.lon."""
    d = copy.deepcopy(BASE)
    d["stations"][0].update(lon=121.47, lat=31.23)
    with pytest.raises(InputError) as e:
        run([trip_line("d1", "a", "06:00", "07:00", 10, pt="diesel")], scenario=d)
    assert e.value.problems[0].column == "stations.0.lon"
    assert "off the graph" in e.value.problems[0].message


def test_charge_demand_lists_sessions_and_unserved_energy(run) -> None:
    """charge_demand() gives one row per session at the station and one per energy-missed trip."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"]["min_soc"] = 0.2
    r = run(
        [trip_line("b1", "t1", "06:00", "07:00", 50), trip_line("b1", "t2", "07:10", "08:00", 60)],
        scenario=d,
    )
    cd = r.charge_demand()
    assert set(cd["kind"]) == {"charge", "unserved"}
    un = cd[cd["kind"] == "unserved"].iloc[0]
    assert un["energy_kwh"] == pytest.approx(60.0)
    ch = cd[cd["kind"] == "charge"].iloc[0]
    assert (ch["lon"], ch["lat"]) == (LON, LAT)
    assert math.isclose(ch["energy_kwh"], 100 * 10 / 60)


def test_depot_pv_offsets_midday_charging(run) -> None:
    """GIVEN 100 kWp PV at the depot and a bus charging 50 kWh at 100 kW from 12:00 THEN the grid
    energy is the charge minus the PV produced in 12:00-12:30 (integrated per minute), and zero PV
    at night."""
    import numpy as np

    from fleetopt.domain.solar import pv_kw_per_kwp

    d = copy.deepcopy(BASE)
    d["options"] = {"pv_kwp": 100.0, "pv_date": "2024-06-21"}
    r = run([trip_line("b1", "t1", "11:00", "12:00", 50)], scenario=d)
    mid = 12 * 3600 + np.arange(30) * 60.0 + 30.0
    pv = 100.0 * pv_kw_per_kwp(mid, LAT, LON, "2024-06-21", 1200.0)
    assert 30.0 < pv.mean() < 100.0
    expect_grid = 50.0 - float(np.sum(np.minimum(pv, 100.0)) / 60.0)
    s = r.summary()
    assert s["grid_energy_kwh"] == pytest.approx(expect_grid, rel=1e-9)
    assert s["co2_kg"] == pytest.approx(expect_grid * 0.6361)
    assert r.extras["pv_kwh_used"] == pytest.approx(50.0 - expect_grid)
    night = run([trip_line("b1", "t1", "21:00", "22:00", 50)], scenario=d)
    assert night.summary()["grid_energy_kwh"] == pytest.approx(50.0)


def test_zero_battery_is_a_located_input_error(run) -> None:
    """A BEV spec overridden to battery_kwh = 0 is rejected at its key path (no division by 0)."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"]["battery_kwh"] = 0
    with pytest.raises(InputError) as e:
        run([trip_line("b1", "t1", "06:00", "07:00", 5)], scenario=d)
    assert e.value.problems[0].column == "vehicle_types.bus.bev.battery_kwh"


def test_per_vehicle_overrides_apply_to_that_vehicle_only(run) -> None:
    """GIVEN [vehicles."b2"] with a 200 kWh battery and 2 kWh/km, and [vehicles."d1"] at 20 L/100km
    THEN b2 draws 2 x 50 kWh and ends at SoC 0.5 while b1 draws 50 kWh (SoC 0.5 of 100 kWh);
    d1 burns 20 L per 100 km; an unknown vehicle id is a located error."""
    d = copy.deepcopy(BASE)
    d["stations"] = []
    d["vehicles"] = {"b2": {"battery_kwh": 200, "kwh_per_km": 2.0}, "d1": {"l_per_100km": 20.0}}
    r = run(
        [
            trip_line("b1", "t1", "06:00", "07:00", 50),
            trip_line("b2", "t2", "06:00", "07:00", 50),
            trip_line("d1", "t3", "06:00", "07:00", 100, pt="diesel"),
        ],
        scenario=d,
    )
    t = r.trips.set_index("trip_id")
    assert t.loc["t1", "battery_kwh"] == pytest.approx(50.0)
    assert t.loc["t1", "soc_end"] == pytest.approx(0.5)
    assert t.loc["t2", "battery_kwh"] == pytest.approx(100.0)
    assert t.loc["t2", "soc_end"] == pytest.approx(0.5)
    assert r.summary()["diesel_l"] == pytest.approx(20.0)
    assert r.vehicles.set_index("vehicle_id").loc["b2", "capacity_kwh"] == 200.0
    d["vehicles"] = {"nobody": {"battery_kwh": 1}}
    with pytest.raises(InputError) as e:
        run([trip_line("b1", "t1", "06:00", "07:00", 5)], scenario=d)
    assert e.value.problems[0].column == "vehicles.nobody"


def test_diesel_and_bev_follow_the_same_clock(run) -> None:
    """GIVEN one block run once by a diesel bus and once by a BEV bus (battery ample, constant
    model): trip 1 ends at Tiananmen at 07:00 and trip 2 starts ~4 km away at 07:01 (the
    deadhead takes longer than the 1-minute layover) WHEN simulated THEN both leave late by the
    same delay = deadhead - 60 s, and trip 2 starts and ends late by the same amount."""
    far = (LON + 0.045, LAT)  # ~3.8 km east on the road graph
    lines = []
    for vid, pt in (("d1", "diesel"), ("e1", "bev")):
        lines += [
            trip_line(vid, f"{vid}-a", "06:00", "07:00", 10, pt=pt),
            trip_line(vid, f"{vid}-b", "07:01", "07:31", 10, pt=pt, o=far, d=far),
        ]
    r = run(lines)
    t = r.trips.set_index("trip_id")
    assert bool(t["served"].all())
    dh = t.loc["e1-b", "delay_s"]
    assert dh > 60.0  # the deadhead is longer than the layover: the BEV is late
    assert t.loc["d1-b", "delay_s"] == pytest.approx(dh)
    assert t.loc["d1-b", "start_s"] == pytest.approx(t.loc["e1-b", "start_s"])
    assert t.loc["d1-b", "end_s"] == pytest.approx(t.loc["e1-b", "end_s"])
    assert t.loc["d1-b", "end_s"] - t.loc["d1-b", "start_s"] == pytest.approx(30 * 60)
    assert t.loc["d1-a", "delay_s"] == 0.0


def test_fuel_timeline_carries_a_delay_through_the_block() -> None:
    """GIVEN a vehicle whose second trip leaves 10 min late (deadhead 15 min, layover 5 min) and
    whose third trip has a 2-minute layover after the scheduled end THEN the delay carries on:
    trip 3 leaves 8 min late; another vehicle is untouched; a trip not run moves nothing."""
    import numpy as np

    from fleetopt.simulation.engine import fuel_timeline

    dep = np.array([0.0, 1500.0, 3300.0, 0.0, 600.0])
    arr = np.array([1200.0, 3000.0, 4000.0, 300.0, 900.0])
    dh = np.array([0.0, 900.0, 120.0, 0.0, 400.0])
    vid = np.array(["a", "a", "a", "b", "b"], dtype=object)
    run = np.array([True, True, True, True, False])
    start, end, delay = fuel_timeline(dep, arr, dh, vid, run, 0.0)
    # trip 2: leave scheduled 600, vehicle free at 1200 -> 600 s late, start 2100, end 3600
    assert delay[1] == pytest.approx(600.0)
    assert (start[1], end[1]) == (pytest.approx(2100.0), pytest.approx(3600.0))
    # trip 3: leave scheduled 3180, free at 3600 -> 420 s late, start 3720, end 4420
    assert delay[2] == pytest.approx(420.0)
    assert end[2] == pytest.approx(4420.0)
    assert delay[3] == 0.0
    assert delay[4] == 0.0
    assert end[4] == 900.0

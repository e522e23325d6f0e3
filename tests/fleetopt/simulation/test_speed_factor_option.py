"""Check that the speed_factor option scales trip energy and fuel; ``constant`` ignores it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from simkit import BASE, LAT, LON, trip_line

from fleetopt.case import load_case
from fleetopt.domain.energy import speed_factor

#: A second point about 3 km north-east of (LON, LAT) on the central network.
FAR = (116.4342, 39.9320)


def _temperature_model() -> dict:
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"]["energy_model"] = "temperature"
    d["vehicle_types"]["bus"]["bev"]["idle_kw"] = 0.0
    return d


def _free_flow_speed_kmh(net, a: tuple[float, float], b: tuple[float, float]) -> float:
    from scipy.sparse import csgraph

    (na, nb), _ = net.nearest_nodes(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    length_m = csgraph.dijkstra(net.csr_length, directed=True, indices=[na])[0][nb]
    time_s = csgraph.dijkstra(net.csr_time, directed=True, indices=[na])[0][nb]
    return length_m / time_s * 3.6


def test_speed_factor_scales_bev_and_diesel_by_the_road_speed(run, central) -> None:
    """GIVEN a BEV bus and a diesel bus each running 10 km from (LON, LAT) to FAR at 20 °C
    WHEN speed_factor = true THEN energy and fuel are the off values x the factor of the free-flow
    road speed between the two points (road length / free-flow time, computed here), and with the
    option off they are exactly 10 kWh and 3 L."""
    lines = [
        trip_line("b1", "t1", "06:00", "07:00", 10, d=FAR),
        trip_line("d1", "t2", "06:00", "07:00", 10, pt="diesel", d=FAR),
    ]
    off = run(lines, scenario=_temperature_model()).summary()
    assert off["battery_energy_kwh"] == pytest.approx(10.0)
    assert off["diesel_l"] == pytest.approx(3.0)
    d = _temperature_model()
    d["options"] = {"speed_factor": True}
    on = run(lines, scenario=d)
    f = float(speed_factor(_free_flow_speed_kmh(central, (LON, LAT), FAR)))
    assert f != pytest.approx(1.0)  # the case must be able to tell on from off
    trips = on.trips.set_index("trip_id")
    assert trips.loc["t1", "battery_kwh"] == pytest.approx(10.0 * f)
    assert trips.loc["t2", "diesel_l"] == pytest.approx(3.0 * f)


def test_scheduled_speed_is_used_when_origin_and_destination_share_a_node(run) -> None:
    """GIVEN a 10 km loop trip from and to the same point in 60 min (no road path: 10 km/h)
    WHEN speed_factor = true THEN the energy is 10 kWh x factor(10 km/h) = 12 kWh."""
    d = _temperature_model()
    d["options"] = {"speed_factor": True}
    r = run([trip_line("b1", "t1", "06:00", "07:00", 10)], scenario=d)
    assert r.summary()["battery_energy_kwh"] == pytest.approx(12.0)


def test_constant_energy_model_ignores_the_speed_factor(run) -> None:
    """GIVEN energy_model = "constant" (as in the base case) and speed_factor = true
    THEN the energy is exactly distance x rate (10 kWh), as with the option off."""
    d = copy.deepcopy(BASE)
    d["options"] = {"speed_factor": True}
    r = run([trip_line("b1", "t1", "06:00", "07:00", 10, d=FAR)], scenario=d)
    assert r.summary()["battery_energy_kwh"] == pytest.approx(10.0)


def test_taxi_request_energy_uses_the_speed_factor_of_its_route(tmp_path, central) -> None:
    """GIVEN one BEV taxi (temperature model, 0.15 kWh/km at 20 °C) at A serving one request A->B
    WHEN speed_factor = true THEN the request's energy is 0.15 x length(A->B) x factor(length / time
    of the same time-shortest path), the distance unchanged; with the option off 0.15 x length."""
    from fleetopt.inputs.scenario import scenario_from_dict
    from fleetopt.simulation.engine import simulate
    from fleetopt.simulation.taxi import route_matrices

    a_pt, b_pt = (116.3975, 39.9087), FAR
    (tmp_path / "req.csv").write_text(
        "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat\n"
        f"r1,08:00,{a_pt[0]},{a_pt[1]},{b_pt[0]},{b_pt[1]}\n",
        encoding="utf-8",
    )
    d = copy.deepcopy(BASE)
    d["fleets"] = [
        {
            "requests": "req.csv",
            "type": "taxi",
            "size": 1,
            "powertrain": "bev",
            "start": [list(a_pt)],
        }
    ]
    d["vehicle_types"] = {
        "taxi": {
            "bev": {
                "energy_model": "temperature",
                "idle_kw": 0.0,
                "kwh_per_km": 0.15,
                "battery_kwh": 50,
                "charge_efficiency": 1.0,
            }
        }
    }
    d["stations"] = []
    nodes, _ = central.nearest_nodes([a_pt[0], b_pt[0]], [a_pt[1], b_pt[1]])
    uniq = np.unique(nodes)
    tt, ll = route_matrices(central, uniq)
    ia, ib = (int(np.searchsorted(uniq, x)) for x in nodes)
    f = float(speed_factor(ll[ia, ib] / tt[ia, ib] * 3.6))
    assert f != pytest.approx(1.0)
    off = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central)).trips.iloc[0]
    d["options"] = {"speed_factor": True}
    on = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central)).trips.iloc[0]
    assert off["battery_kwh"] == pytest.approx(0.15 * ll[ia, ib] / 1000.0)
    assert on["battery_kwh"] == pytest.approx(0.15 * ll[ia, ib] / 1000.0 * f)
    assert on["distance_km"] == off["distance_km"]

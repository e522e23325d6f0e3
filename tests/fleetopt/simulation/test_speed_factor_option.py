"""The ``speed_factor`` option scales trip energy and fuel by the trip's road speed; ``constant`` ignores it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from simkit import BASE, LAT, LON, trip_line

from fleetopt.domain.energy import speed_factor

#: A second point about 3 km north-east of (LON, LAT) on the central network.
FAR = (116.4342, 39.9320)


def _temperature_model() -> dict:
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"]["energy_model"] = "temperature"
    d["vehicle_types"]["bus"]["bev"]["idle_kw"] = 0.0
    return d


def _free_flow_speed_kmh(net, a: tuple[float, float], b: tuple[float, float]) -> float:  # noqa: ANN001
    from scipy.sparse import csgraph

    (na, nb), _ = net.nearest_nodes(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    length_m = csgraph.dijkstra(net.csr_length, directed=True, indices=[na])[0][nb]
    time_s = csgraph.dijkstra(net.csr_time, directed=True, indices=[na])[0][nb]
    return length_m / time_s * 3.6


def test_speed_factor_scales_bev_and_diesel_by_the_road_speed(run, central) -> None:  # noqa: ANN001
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


def test_scheduled_speed_is_used_when_origin_and_destination_share_a_node(run) -> None:  # noqa: ANN001
    """GIVEN a 10 km loop trip from and to the same point in 60 min (no road path: 10 km/h)
    WHEN speed_factor = true THEN the energy is 10 kWh x factor(10 km/h) = 12 kWh."""
    d = _temperature_model()
    d["options"] = {"speed_factor": True}
    r = run([trip_line("b1", "t1", "06:00", "07:00", 10)], scenario=d)
    assert r.summary()["battery_energy_kwh"] == pytest.approx(12.0)


def test_constant_energy_model_ignores_the_speed_factor(run) -> None:  # noqa: ANN001
    """GIVEN energy_model = "constant" (the CONTRACT default of the base case) and speed_factor = true
    THEN the energy is exactly distance x rate (10 kWh), as with the option off."""
    d = copy.deepcopy(BASE)
    d["options"] = {"speed_factor": True}
    r = run([trip_line("b1", "t1", "06:00", "07:00", 10, d=FAR)], scenario=d)
    assert r.summary()["battery_energy_kwh"] == pytest.approx(10.0)

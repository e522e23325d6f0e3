"""Beijing delivery: one tour a day of stops around a generated depot."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fleetopt.demand._common import Graph, area_node, trip_row
from fleetopt.inputs.default_demand import demand_param
from fleetopt.inputs.road_graph import RoadNetwork


def generate_delivery(net: RoadNetwork, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Return the trips (depot, stops, depot) of ``n`` delivery vans on ``net``."""
    g = Graph(net)
    per_depot = int(demand_param("delivery_vehicles_per_depot"))
    depots = g.depots(max(1, math.ceil(n / per_depot)), rng)
    start_s = demand_param("delivery_start_h") * 3600.0
    n_stops = int(demand_param("delivery_stops_per_tour"))
    spacing_m = demand_param("delivery_stop_spacing_km") * 1000.0
    dwell_s = demand_param("delivery_dwell_min") * 60.0
    payload = demand_param("delivery_payload_t")
    radius_km = demand_param("delivery_area_km")
    rows: list[dict[str, Any]] = []
    cache_d: dict[int, tuple[np.ndarray, ...]] = {}
    for v in range(n):
        di = v // per_depot
        depot = int(depots[di])
        if depot not in cache_d:
            cache_d[depot] = g.from_depot(depot)
        t_out, l_out, t_in, l_in = cache_d[depot]
        name = f"generated-delivery-depot-{di + 1:02d}"
        vid = f"delivery-{v + 1:04d}"
        stop = area_node(g, depot, radius_km, t_out + t_in, rng)
        t = start_s
        legs = [trip_row(net, depot, stop, t, t + t_out[stop], l_out[stop], name)]
        t += t_out[stop] + dwell_s
        for _ in range(n_stops - 1):
            target = max(200.0, float(rng.exponential(spacing_m)))
            end, length, dt = g.walk(stop, target, rng)
            if length <= 0:
                break
            legs.append(trip_row(net, stop, end, t, t + dt, length, name))
            t += dt + dwell_s
            stop = end
        legs.append(trip_row(net, stop, depot, t, t + t_in[stop], l_in[stop], name))
        for j, leg in enumerate(legs):
            leg.update(
                vehicle_id=vid, trip_id=f"{vid}-{j + 1:03d}", passengers=np.nan, payload_t=payload
            )
        rows.extend(legs)
    return rows

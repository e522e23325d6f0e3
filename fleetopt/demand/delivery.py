"""Beijing delivery: one tour a day of stops around a generated depot."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fleetopt.demand._common import Graph, area_node, trip_columns
from fleetopt.inputs.default_demand import demand_param
from fleetopt.inputs.road_graph import RoadNetwork


def generate_delivery(net: RoadNetwork, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Return the trips (depot, stops, depot) of ``n`` delivery vans on ``net``, by column.

    The vans of one depot are drawn first (first stop, then the walks between stops; the
    draws do not depend on road distances), then the depot's drives to the first stops and
    back from the last ones are looked up (:meth:`Graph.depot_legs`) and the clock is run.
    """
    g = Graph(net)
    per_depot = int(demand_param("delivery_vehicles_per_depot"))
    depots = g.depots(max(1, math.ceil(n / per_depot)), rng)
    start_s = demand_param("delivery_start_h") * 3600.0
    n_stops = int(demand_param("delivery_stops_per_tour"))
    spacing_m = demand_param("delivery_stop_spacing_km") * 1000.0
    dwell_s = demand_param("delivery_dwell_min") * 60.0
    payload = demand_param("delivery_payload_t")
    radius_km = demand_param("delivery_area_km")
    origin: list[int] = []
    dest: list[int] = []
    dep: list[float] = []
    arr: list[float] = []
    dist_m: list[float] = []
    depot_of: list[str] = []
    vids: list[str] = []
    tids: list[str] = []
    for di in range(depots.size):
        depot = int(depots[di])
        name = f"generated-delivery-depot-{di + 1:02d}"
        reach = g.round_trip(depot)
        tours: list[tuple[int, list[tuple[int, float, float]]]] = []
        for _ in range(di * per_depot, min(n, (di + 1) * per_depot)):
            stop = area_node(g, depot, radius_km, reach, rng)
            walks: list[tuple[int, float, float]] = []
            for _ in range(n_stops - 1):
                target = max(200.0, float(rng.exponential(spacing_m)))
                end, length, dt = g.walk(walks[-1][0] if walks else stop, target, rng)
                if length <= 0:
                    break
                walks.append((end, length, dt))
            tours.append((stop, walks))
        firsts = np.array([stop for stop, _ in tours], dtype=np.int64)
        lasts = np.array([w[-1][0] if w else stop for stop, w in tours], dtype=np.int64)
        t_out, l_out, t_in, l_in = g.depot_legs(depot, firsts, lasts)
        for i, (stop, walks) in enumerate(tours):
            vid = f"delivery-{di * per_depot + i + 1:04d}"
            t = start_s
            origin.append(depot)
            dest.append(stop)
            dep.append(t)
            arr.append(t + t_out[i])
            dist_m.append(l_out[i])
            t += t_out[i] + dwell_s
            node = stop
            for end, length, dt in walks:
                origin.append(node)
                dest.append(end)
                dep.append(t)
                arr.append(t + dt)
                dist_m.append(length)
                t += dt + dwell_s
                node = end
            origin.append(node)
            dest.append(depot)
            dep.append(t)
            arr.append(t + t_in[i])
            dist_m.append(l_in[i])
            legs = len(walks) + 2
            depot_of.extend([name] * legs)
            vids.extend([vid] * legs)
            tids.extend(f"{vid}-{j + 1:03d}" for j in range(legs))
    return trip_columns(net, origin, dest, dep, arr, dist_m, depot_of, vids, tids, payload)

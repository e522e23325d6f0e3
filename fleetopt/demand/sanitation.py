"""Beijing sanitation: two shifts a day of street walks from generated depots."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fleetopt.demand._common import Graph, area_node, trip_row
from fleetopt.inputs.default_demand import demand_param
from fleetopt.inputs.road_graph import RoadNetwork


def generate_sanitation(
    net: RoadNetwork, n: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Return the trips of ``n`` sanitation vehicles (two shifts each) on ``net``."""
    g = Graph(net)
    per_depot = int(demand_param("sanitation_vehicles_per_depot"))
    depots = g.depots(max(1, math.ceil(n / per_depot)), rng)
    shifts = [
        demand_param("sanitation_shift1_start_h") * 3600.0,
        demand_param("sanitation_shift2_start_h") * 3600.0,
    ]
    work_s = demand_param("sanitation_shift_work_h") * 3600.0
    speed_mps = demand_param("sanitation_work_speed_kph") / 3.6
    leg_m = demand_param("sanitation_leg_km") * 1000.0
    radius_km = demand_param("sanitation_area_km")
    rows: list[dict[str, Any]] = []
    cache_d: dict[int, tuple[np.ndarray, ...]] = {}
    for v in range(n):
        di = v // per_depot
        depot = int(depots[di])
        if depot not in cache_d:
            cache_d[depot] = g.from_depot(depot)
        t_out, l_out, t_in, l_in = cache_d[depot]
        name = f"generated-sanitation-depot-{di + 1:02d}"
        vid = f"sanitation-{v + 1:04d}"
        j = 0
        for start_s in shifts:
            w = area_node(g, depot, radius_km, t_out + t_in, rng)
            t = start_s
            rows.append(
                trip_row(net, depot, w, t, t + t_out[w], l_out[w], name)
                | {"_v": vid, "_j": (j := j + 1)}
            )
            t += t_out[w]
            node = w
            end_work = t + work_s
            while t < end_work - 60.0:
                target = min(leg_m, (end_work - t) * speed_mps)
                end, length, _ = g.walk(node, target, rng)
                if length <= 0:
                    break
                dt = length / speed_mps
                rows.append(
                    trip_row(net, node, end, t, t + dt, length, name)
                    | {"_v": vid, "_j": (j := j + 1)}
                )
                t += dt
                node = end
            rows.append(
                trip_row(net, node, depot, t, t + t_in[node], l_in[node], name)
                | {"_v": vid, "_j": (j := j + 1)}
            )
    for r in rows:
        r["vehicle_id"] = r.pop("_v")
        r["trip_id"] = f"{r['vehicle_id']}-{r.pop('_j'):03d}"
        r["passengers"] = np.nan
        r["payload_t"] = np.nan
    return rows

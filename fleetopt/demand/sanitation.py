"""Beijing sanitation: two shifts a day of street walks from generated depots."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fleetopt.demand._common import Graph, area_node, area_nodes, trip_columns
from fleetopt.inputs.default_demand import demand_param
from fleetopt.inputs.road_graph import RoadNetwork


def generate_sanitation(net: RoadNetwork, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Return the trips of ``n`` sanitation vehicles (two shifts each) on ``net``, by column.

    The depot's shortest drive times out to its area are searched once per depot
    (:meth:`Graph.search`); the lengths of the drives out and the times and lengths of the
    drives back are looked up and filled in after its vehicles' shifts are walked.
    """
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
    # one row per trip: origin, destination, departure, arrival, length [m], vehicle, number
    legs: list[list[Any]] = []
    depot_of: list[str] = []
    for di in range(depots.size):
        depot = int(depots[di])
        reach = g.round_trip(depot)
        t_out = g.search("time_out", depot, area_nodes(g, depot, radius_km, reach))
        firsts: list[int] = []
        lasts: list[int] = []
        first_rows: list[int] = []
        last_rows: list[int] = []
        at = len(legs)
        for v in range(di * per_depot, min(n, (di + 1) * per_depot)):
            vid = f"sanitation-{v + 1:04d}"
            j = 0
            for start_s in shifts:
                w = area_node(g, depot, radius_km, reach, rng)
                t = start_s
                firsts.append(w)
                first_rows.append(len(legs))
                legs.append([depot, w, t, t + t_out[w], math.nan, vid, (j := j + 1)])
                t += t_out[w]
                node = w
                end_work = t + work_s
                while t < end_work - 60.0:
                    target = min(leg_m, (end_work - t) * speed_mps)
                    end, length, _ = g.walk(node, target, rng)
                    if length <= 0:
                        break
                    dt = length / speed_mps
                    legs.append([node, end, t, t + dt, length, vid, (j := j + 1)])
                    t += dt
                    node = end
                lasts.append(node)
                last_rows.append(len(legs))
                legs.append([node, depot, t, math.nan, math.nan, vid, (j := j + 1)])
        l_out = g.search("length_out", depot, np.array(firsts, dtype=np.int64))
        ends = np.array(lasts, dtype=np.int64)
        t_in, l_in = g.search("time_in", depot, ends), g.search("length_in", depot, ends)
        for w, r in zip(firsts, first_rows, strict=True):
            legs[r][4] = l_out[w]
        for node, r in zip(lasts, last_rows, strict=True):
            leg = legs[r]
            leg[3] = leg[2] + t_in[node]
            leg[4] = l_in[node]
        depot_of.extend([f"generated-sanitation-depot-{di + 1:02d}"] * (len(legs) - at))
    o, d, dep, arr, dist_m, vids, nums = zip(*legs, strict=True) if legs else ((),) * 7
    tids = [f"{v}-{k:03d}" for v, k in zip(vids, nums, strict=True)]
    return trip_columns(net, o, d, dep, arr, dist_m, depot_of, list(vids), tids, math.nan)

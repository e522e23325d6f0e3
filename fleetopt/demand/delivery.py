"""Beijing delivery: one tour a day of stops around a generated depot."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fleetopt.demand._common import Graph, area_node, numbered_ids, trip_columns
from fleetopt.inputs.default_demand import demand_param
from fleetopt.inputs.road_graph import RoadNetwork


def generate_delivery(net: RoadNetwork, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Return the trips (depot, stops, depot) of ``n`` delivery vans on ``net``, by column.

    The vans of one depot are drawn first (first stop, then the walks between stops; the
    draws do not depend on road distances), then the depot's drives to the first stops and
    back from the last ones are looked up (:meth:`Graph.depot_legs`). The clock of every
    van is run at the end, leg by leg for all vans at once (:func:`_tour_columns`).
    """
    g = Graph(net)
    per_depot = int(demand_param("delivery_vehicles_per_depot"))
    depots = g.depots(max(1, math.ceil(n / per_depot)), rng)
    n_stops = int(demand_param("delivery_stops_per_tour"))
    spacing_m = demand_param("delivery_stop_spacing_km") * 1000.0
    radius_km = demand_param("delivery_area_km")
    # per van: depot, first stop, number of walks, depot legs; per walk: end, length, time
    van_depot: list[int] = []
    stops: list[int] = []
    n_walks: list[int] = []
    legs: list[np.ndarray] = []
    ends: list[int] = []
    lengths: list[float] = []
    times: list[float] = []
    for di in range(depots.size):
        depot = int(depots[di])
        reach = g.round_trip(depot)
        lasts: list[int] = []
        for _ in range(di * per_depot, min(n, (di + 1) * per_depot)):
            stop = node = area_node(g, depot, radius_km, reach, rng)
            k = 0
            for _ in range(n_stops - 1):
                target = max(200.0, float(rng.exponential(spacing_m)))
                end, length, dt = g.walk(node, target, rng)
                if length <= 0:
                    break
                ends.append(end)
                lengths.append(length)
                times.append(dt)
                node = end
                k += 1
            van_depot.append(di)
            stops.append(stop)
            n_walks.append(k)
            lasts.append(node)
        firsts = np.array(stops[len(stops) - len(lasts) :], dtype=np.int64)
        legs.append(np.array(g.depot_legs(depot, firsts, np.array(lasts, dtype=np.int64))))
    drives = np.concatenate(legs, axis=1) if legs else np.zeros((4, 0))
    return _tour_columns(
        net, depots[np.array(van_depot, dtype=np.int64)], np.array(stops, dtype=np.int64),
        np.array(n_walks, dtype=np.int64), drives,
        (np.array(ends, dtype=np.int64), np.array(lengths), np.array(times)),
        np.array(van_depot, dtype=np.int64),
    )


def _tour_columns(
    net: RoadNetwork,
    depot: np.ndarray,
    stop: np.ndarray,
    n_walks: np.ndarray,
    drives: np.ndarray,
    walks: tuple[np.ndarray, np.ndarray, np.ndarray],
    depot_index: np.ndarray,
) -> dict[str, Any]:
    """Return the vans' trips by column: out to the first stop, the walks, back to the depot.

    ``drives`` holds, per van, the time and length out and the time and length back
    (rows of :meth:`Graph.depot_legs`); ``walks`` the end node, length [m] and time [s] of
    every walk, van after van. A van's clock starts at ``delivery_start_h`` and each leg
    adds its time plus the dwell, in the order (and so with the roundings) of a van driven
    leg by leg.
    """
    start_s = demand_param("delivery_start_h") * 3600.0
    dwell_s = demand_param("delivery_dwell_min") * 60.0
    n_v = stop.size
    width = int(n_walks.max()) + 2 if n_v else 2
    n_legs = n_walks + 2
    # one row per van, one column per leg; columns past a van's last leg stay unused
    origin = np.zeros((n_v, width), dtype=np.int64)
    dest = np.zeros((n_v, width), dtype=np.int64)
    took = np.zeros((n_v, width))
    dist_m = np.zeros((n_v, width))
    end, length, time_s = walks
    van = np.repeat(np.arange(n_v), n_walks)
    first_walk = np.cumsum(n_walks) - n_walks
    col = np.arange(van.size) - first_walk[van] + 1
    prev = np.r_[np.int64(0), end[:-1]] if end.size else end
    prev = np.where(col == 1, stop[van], prev)
    origin[:, 0], dest[:, 0], took[:, 0], dist_m[:, 0] = depot, stop, drives[0], drives[1]
    origin[van, col], dest[van, col], took[van, col], dist_m[van, col] = prev, end, time_s, length
    last = n_legs - 1
    rows = np.arange(n_v)
    origin[rows, last] = dest[rows, last - 1]
    dest[rows, last], took[rows, last], dist_m[rows, last] = depot, drives[2], drives[3]
    dep = np.zeros((n_v, width))
    t = np.full(n_v, start_s)
    for k in range(width):
        dep[:, k] = t
        t = t + (took[:, k] + dwell_s)
    used = np.arange(width) < n_legs[:, None]
    vids = numbered_ids("delivery-", np.arange(1, n_v + 1), 4)
    per_leg = np.repeat(rows, n_legs)
    leg_no = np.arange(per_leg.size) - np.repeat(np.cumsum(n_legs) - n_legs, n_legs) + 1
    return trip_columns(
        net,
        origin[used],
        dest[used],
        dep[used],
        (dep + took)[used],
        dist_m[used],
        numbered_ids("generated-delivery-depot-", depot_index[per_leg] + 1, 2),
        vids.take(per_leg),
        numbered_ids(vids.take(per_leg), leg_no, 3, sep="-"),
        demand_param("delivery_payload_t"),
    )

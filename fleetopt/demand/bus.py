"""Beijing buses: real route shapes with generated timetables, chained into vehicle blocks.

Bus shapes that lie on the network become back-and-forth vehicle blocks between their two
terminals; departures follow the service windows and peak / off-peak headways of
``generated_bus_lines.csv`` (see ``demand/PROVENANCE.md``).
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.inputs.default_demand import bus_plan, bus_shapes, demand_param, peak_windows_s
from fleetopt.inputs.road_graph import RoadNetwork, haversine_m


def _parse_windows(text: Any) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    if not isinstance(text, str):
        return out
    for part in text.split(";"):
        if "-" not in part:
            continue
        a, b = part.split("-", 1)
        ha, ma = a.split(":")
        hb, mb = b.split(":")
        out.append((int(ha) * 3600.0 + int(ma) * 60.0, int(hb) * 3600.0 + int(mb) * 60.0))
    return out


def _departures(
    windows: list[tuple[float, float]],
    h_off: float,
    h_peak: float,
    peaks: list[tuple[int, int]],
    rng: np.random.Generator,
) -> list[float]:
    """Departure times in service windows, headway ``h_peak`` in peaks and ``h_off`` outside.

    Departures sit where the cumulative service frequency ``F(t) = integral of 1/h`` over
    the window reaches ``phase + k`` (k = 0, 1, ...), with one random ``phase`` in [0, 1)
    per window; the expected number of departures is then exactly ``F(end)``, which is
    what ``demand/build_bus_routes.py`` calibrates the headways with.
    """
    deps: list[float] = []
    for s, e in windows:
        cuts = {s, e}
        for day in (0.0, 86400.0):
            for a, b in peaks:
                cuts.update(t for t in (a + day, b + day) if s < t < e)
        edges = np.array(sorted(cuts))
        mids = (edges[:-1] + edges[1:]) / 2 % 86400.0
        peak = np.array([any(a <= m < b for a, b in peaks) for m in mids])
        rate = np.where(peak, 1.0 / h_peak, 1.0 / h_off)
        cum = np.concatenate([[0.0], np.cumsum(rate * np.diff(edges))])
        targets = float(rng.uniform()) + np.arange(math.floor(cum[-1]) + 1)
        targets = targets[targets < cum[-1]]
        i = np.clip(np.searchsorted(cum, targets, side="right") - 1, 0, len(rate) - 1)
        deps.extend((edges[i] + (targets - cum[i]) / rate[i]).tolist())
    return deps


def _bus_routes_on(net: RoadNetwork) -> pd.DataFrame:
    """Route shapes lying on ``net``: terminals snapped to nodes and length of the inside part."""
    shapes = bus_shapes()
    plan = bus_plan()
    snap_max_m = demand_param("snap_max_m")
    min_share = demand_param("route_inside_share_min")
    lon = shapes["lon"].to_numpy()
    lat = shapes["lat"].to_numpy()
    node, dist = net.nearest_nodes(lon, lat)
    ok = dist <= snap_max_m
    rid = shapes["route_id"].to_numpy()
    seg = np.zeros(len(shapes))
    same = np.zeros(len(shapes), dtype=bool)
    same[1:] = rid[1:] == rid[:-1]
    seg[1:] = np.where(same[1:], haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:]), 0.0)
    cum = pd.Series(seg).groupby(rid).cumsum().to_numpy()
    df = pd.DataFrame({"route_id": rid, "ok": ok, "node": node, "cum_m": cum})
    share = df.groupby("route_id", sort=True)["ok"].mean()
    keep = share.index[share >= min_share]
    inside = df[df["ok"] & df["route_id"].isin(keep)]
    first = inside.groupby("route_id").head(1).set_index("route_id")
    last = inside.groupby("route_id").tail(1).set_index("route_id")
    out = pd.DataFrame(
        {
            "node_a": first["node"],
            "node_b": last["node"],
            "length_km": (last["cum_m"] - first["cum_m"]) / 1000.0,
        }
    )
    out = out[(out["node_a"] != out["node_b"]) & (out["length_km"] >= 1.0)]
    out = out.join(plan.set_index("route_id"), how="inner")
    return out.sort_index()


def _bus_blocks(
    route_id: str,
    r: Any,
    net: RoadNetwork,
    rng: np.random.Generator,
    peaks: list[tuple[int, int]],
    speed_kph: float,
    layover_s: float,
) -> list[list[dict[str, Any]]]:
    """Timetable of one route (both directions) chained FIFO into vehicle blocks."""
    run_s = r.length_km / speed_kph * 3600.0
    trips = []
    for direction, col in ((0, "service_ab"), (1, "service_ba")):
        for dep in _departures(
            _parse_windows(getattr(r, col)),
            float(r.headway_offpeak_s),
            float(r.headway_peak_s),
            peaks,
            rng,
        ):
            trips.append((dep, direction))
    trips.sort()
    terminals = {0: int(r.node_a), 1: int(r.node_b)}
    names = {0: "A", 1: "B"}
    queues: dict[int, list[tuple[float, int]]] = {0: [], 1: []}
    blocks: list[list[dict[str, Any]]] = []
    depots: list[str] = []
    for dep, direction in trips:
        q = queues[direction]
        if q and q[0][0] <= dep:
            _, v = heapq.heappop(q)
        else:
            v = len(blocks)
            blocks.append([])
            depots.append(f"bus-terminal-{route_id}-{names[direction]}")
        o, d = terminals[direction], terminals[1 - direction]
        arr = dep + run_s
        blocks[v].append(
            {
                "departure_s": dep,
                "arrival_s": arr,
                "origin_lon": net.lon[o],
                "origin_lat": net.lat[o],
                "destination_lon": net.lon[d],
                "destination_lat": net.lat[d],
                "distance_km": r.length_km,
                "depot": depots[v],
            }
        )
        heapq.heappush(queues[1 - direction], (arr + layover_s, v))
    return blocks


def generate_bus(
    net: RoadNetwork, n: int, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], int]:
    """Return the trips of up to ``n`` bus blocks on ``net`` and how many blocks were made."""
    routes = _bus_routes_on(net)
    if routes.empty:
        return [], 0
    peaks = peak_windows_s()
    speed = demand_param("bus_operating_speed_kph")
    layover = demand_param("bus_min_layover_min") * 60.0
    passengers = demand_param("bus_passengers_per_trip")
    order = rng.permutation(len(routes))
    rows: list[dict[str, Any]] = []
    n_veh = 0
    for i in order:
        route_id = str(routes.index[i])
        blocks = _bus_blocks(route_id, routes.iloc[i], net, rng, peaks, speed, layover)
        for k, block in enumerate(blocks):
            if n_veh >= n:
                break
            vid = f"bus-{route_id}-{k + 1:03d}"
            for j, trip in enumerate(block):
                trip.update(
                    vehicle_id=vid,
                    trip_id=f"{vid}-{j + 1:03d}",
                    passengers=passengers,
                    payload_t=np.nan,
                )
                rows.append(trip)
            n_veh += 1
        if n_veh >= n:
            break
    return rows, n_veh

"""Generate the embedded Beijing default demand (bus, taxi, sanitation, delivery) on a road network.

The packaged inputs in ``fleetopt/data/demand/`` come from real data (see
``demand/PROVENANCE.md``; the build scripts are in ``demand/``):

* ``bus_route_shapes_wgs84.csv.gz`` - 1,5xx real Beijing bus route shapes, converted to
  WGS84; ``generated_bus_lines.csv`` - per shape a service plan generated from the real
  service hours of ``bjbus_lines_2024`` with headways calibrated to the city's
  147,000 trips per day;
* ``taxi_link_activity_wgs84.csv.gz`` - hourly T-Drive taxi activity per road link
  (Feb 2008 weekdays), converted to WGS84;
* ``public_dc_stations_wgs84.csv`` - the 711 real public DC fast-charging stations,
  converted from GCJ-02 to WGS84.

:func:`generate` turns them into canonical trips (bus, sanitation, delivery) or ride
requests (taxi) on a given road network: bus shapes that lie on the network become
back-and-forth vehicle blocks between their two terminals; taxi requests start where the
taxi activity was, with an exponential trip-length model; sanitation shifts and delivery
tours are generated on the graph from the documented assumptions in
``fleetopt/data/demand/demand_params.csv`` (every default there has unit, source and
year). Everything is a pure function of its arguments: randomness comes only from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import heapq
import logging
import math
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from fleetopt import settings
from fleetopt.errors import InputError
from fleetopt.inputs import _caps
from fleetopt.inputs.road_graph import RoadNetwork, haversine_m, load_network
from fleetopt.inputs.schedules import REQUEST_COLUMNS as _REQUEST_COLUMNS
from fleetopt.inputs.schedules import TRIP_COLUMNS as _TRIP_COLUMNS
from fleetopt.powertrains import POWERTRAINS

logger = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "POWERTRAINS",
    "REQUEST_COLUMNS",
    "TRIP_COLUMNS",
    "default_scenario_path",
    "demand_param",
    "depot_stations",
    "generate",
    "public_dc_stations",
]

#: Generator names accepted by :func:`generate`.
KINDS = ("beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery")

#: Canonical trips and requests columns of the readers, with the ``row`` number last.
TRIP_COLUMNS = (*_TRIP_COLUMNS, "row")
REQUEST_COLUMNS = (*_REQUEST_COLUMNS, "row")

#: Parameter-table name of the demand defaults (``fleetopt/data/demand/demand_params.csv``).
PARAM_TABLE = "demand/demand_params"

#: Vehicle-count parameter that ``scale = 1.0`` refers to, per kind.
CITY_SIZE_PARAM = {
    "beijing-bus": "buses_in_service_city",
    "beijing-taxi": "taxis_city",
    "beijing-sanitation": "sanitation_vehicles_city",
    "beijing-delivery": "delivery_vehicles_city",
}


# --------------------------------------------------------------------------- packaged data
def demand_param(name: str) -> float:
    """Return one numeric default of ``demand_params.csv`` (unit in the table).

    Parameters
    ----------
    name : str
        Parameter name, e.g. ``"bus_operating_speed_kph"``.

    Returns
    -------
    float
        The value in the table's unit.
    """
    from fleetopt.defaults import value

    return value(PARAM_TABLE, name)


def peak_windows_s() -> list[tuple[int, int]]:
    """Return the morning and evening peak windows [(start_s, end_s)] from the table."""
    return [
        (int(demand_param("peak_am_start_h") * 3600), int(demand_param("peak_am_end_h") * 3600)),
        (int(demand_param("peak_pm_start_h") * 3600), int(demand_param("peak_pm_end_h") * 3600)),
    ]


def default_scenario_path() -> Path:
    """Return the embedded default scenario ``fleetopt/data/scenarios/beijing-default.toml``."""
    return settings.DATA_DIR / "scenarios" / "beijing-default.toml"


def _demand_file(name: str) -> Path:
    path = settings.DEMAND_DIR / name
    if not path.is_file():
        msg = (
            f"packaged demand file {path} is missing; rebuild it with the scripts in demand/ "
            "(see demand/README.md)"
        )
        raise InputError(msg)
    return path


@cache
def _bus_plan() -> pd.DataFrame:
    return pd.read_csv(
        _demand_file("generated_bus_lines.csv"), dtype={"line_id_ab": str, "line_id_ba": str}
    )


@cache
def _bus_shapes() -> pd.DataFrame:
    return pd.read_csv(_demand_file("bus_route_shapes_wgs84.csv.gz"))


@cache
def _taxi_activity() -> pd.DataFrame:
    return pd.read_csv(_demand_file("taxi_link_activity_wgs84.csv.gz"))


def public_dc_stations() -> pd.DataFrame:
    """Return the 711 real public DC fast-charging stations of Beijing (WGS84).

    Positions are the published ones (liu-kx-ev/ev-charging-policy-map, Dec 2025),
    converted from GCJ-02 to WGS84. The data has no plug counts or powers: ``plugs``
    comes from ``demand_params.csv`` (public_dc_plugs_per_station) and ``plug_kw`` from
    ``chargers.csv`` (public plug_kw); both are marked ASSUMPTION there.

    Returns
    -------
    pandas.DataFrame
        Stations columns (``fleetopt.inputs.stations.STATION_COLUMNS``): ``id``, ``kind``
        (public), ``lon``, ``lat`` [deg], ``plugs``, ``plug_kw`` [kW], ...
    """
    from fleetopt.inputs.stations import read_stations

    return read_stations(_demand_file("public_dc_stations_wgs84.csv"))


# --------------------------------------------------------------------------- helpers
def _resolve_network(network: RoadNetwork | str | os.PathLike[str]) -> RoadNetwork:
    if isinstance(network, RoadNetwork):
        return network
    return load_network(network)


def _resolve_size(kind: str, size: int | None, scale: float | None) -> int:
    if size is not None and scale is not None:
        msg = "give size or scale, not both"
        raise InputError(msg)
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            msg = f"size must be a whole number >= 1, got {size!r}"
            raise InputError(msg)
        return _capped(int(size))
    if scale is None:
        scale = 1.0
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not math.isfinite(scale)
        or scale <= 0
    ):
        msg = f"scale must be a number > 0, got {scale!r}"
        raise InputError(msg)
    n = max(1, round(float(scale) * demand_param(CITY_SIZE_PARAM[kind])))
    return _capped(n)


def _capped(n: int) -> int:
    """Refuse a generated fleet beyond ``MAX_FLEET_SIZE`` before any work."""
    if n > _caps.MAX_FLEET_SIZE:
        raise _caps.over_cap(f"a fleet of {n:,} vehicles", "MAX_FLEET_SIZE", _caps.MAX_FLEET_SIZE,
                             column="size")
    return n


def _assign_powertrains(
    n: int, powertrain: str | Mapping[str, float], rng: np.random.Generator
) -> np.ndarray:
    """Assign powertrains to ``n`` vehicles: one name, or shares (largest remainder, shuffled)."""
    if isinstance(powertrain, str):
        if powertrain not in POWERTRAINS:
            msg = f"unknown powertrain {powertrain!r}; allowed: {', '.join(POWERTRAINS)}"
            raise InputError(msg)
        return np.full(n, powertrain, dtype=object)
    if not isinstance(powertrain, Mapping) or not powertrain:
        msg = f"powertrain must be a name or a table of shares, got {powertrain!r}"
        raise InputError(msg)
    names = sorted(powertrain)
    bad = [k for k in names if k not in POWERTRAINS]
    if bad:
        msg = f"unknown powertrain(s) {bad}; allowed: {', '.join(POWERTRAINS)}"
        raise InputError(msg)
    shares = np.array([float(powertrain[k]) for k in names])
    if np.any(shares < 0) or abs(shares.sum() - 1.0) > 1e-6:
        msg = f"powertrain shares must be >= 0 and add up to 1, got {dict(powertrain)}"
        raise InputError(msg)
    exact = shares * n
    counts = np.floor(exact).astype(int)
    rest = n - counts.sum()
    order = np.lexsort((np.arange(len(names)), -(exact - counts)))
    counts[order[:rest]] += 1
    out = np.repeat(np.array(names, dtype=object), counts)
    rng.shuffle(out)
    return out


def _empty_trips() -> pd.DataFrame:
    return _finish_trips(pd.DataFrame({c: [] for c in TRIP_COLUMNS}))


def _finish_trips(df: pd.DataFrame) -> pd.DataFrame:
    df = df.sort_values(["vehicle_id", "departure_s", "trip_id"], kind="mergesort").reset_index(
        drop=True
    )
    df["row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    for c in ("vehicle_id", "vehicle_type", "powertrain", "trip_id", "depot"):
        df[c] = df[c].astype(object)
    for c in (
        "departure_s",
        "arrival_s",
        "origin_lon",
        "origin_lat",
        "destination_lon",
        "destination_lat",
        "distance_km",
        "passengers",
        "payload_t",
    ):
        df[c] = df[c].astype(float)
    df["exempt"] = df["exempt"].astype(bool)
    return df[list(TRIP_COLUMNS)]


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


# --------------------------------------------------------------------------- bus
def _bus_routes_on(net: RoadNetwork) -> pd.DataFrame:
    """Route shapes lying on ``net``: terminals snapped to nodes and length of the inside part."""
    shapes = _bus_shapes()
    plan = _bus_plan()
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


def _generate_bus(
    net: RoadNetwork, n: int, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], int]:
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


# --------------------------------------------------------------------------- taxi
def _activity_on(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Snapped node and hourly weights (n_links x 24) of the taxi activity on ``net``."""
    act = _taxi_activity()
    node, dist = net.nearest_nodes(act["lon"].to_numpy(), act["lat"].to_numpy())
    keep = dist <= demand_param("snap_max_m")
    hours = act[[f"h{h:02d}" for h in range(24)]].to_numpy(dtype=float)
    return node[keep], hours[keep]


_CHUNK = 20_000  # requests drawn at once (bounds memory at full-city scale)


def _taxi_pairs(
    lon: np.ndarray,
    lat: np.ndarray,
    p: np.ndarray,
    want_m: np.ndarray,
    k: int,
    min_km: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Origins by activity ``p``; destinations: of ``k`` candidates, the one nearest ``want_m``."""
    n = want_m.size
    o = rng.choice(p.size, size=n, p=p)
    cand = rng.choice(p.size, size=(n, k), p=p)
    d = haversine_m(lon[o][:, None], lat[o][:, None], lon[cand], lat[cand])
    gap = np.abs(d - want_m[:, None])
    gap[d < min_km * 1000.0] = np.inf
    best = np.argmin(gap, axis=1)
    pick = cand[np.arange(n), best]
    none = ~np.isfinite(gap[np.arange(n), best])
    if np.any(none):  # every candidate too close: take the farthest one
        pick[none] = cand[none, np.argmax(d[none], axis=1)]
    return o, pick


def _generate_taxi(net: RoadNetwork, n_taxis: int, rng: np.random.Generator) -> pd.DataFrame:
    node, weights = _activity_on(net)
    n_req = round(n_taxis * demand_param("taxi_requests_per_taxi_day"))
    if node.size < 2 or n_req == 0 or weights.sum() <= 0:
        logger.warning("no T-Drive taxi activity lies on network %s; no taxi requests", net.name)
        return pd.DataFrame({c: [] for c in REQUEST_COLUMNS})
    mean_km = demand_param("taxi_trip_mean_km")
    min_km = demand_param("taxi_trip_min_km")
    k = int(demand_param("taxi_destination_candidates"))
    hour_w = weights.sum(axis=0)
    hours = rng.choice(24, size=n_req, p=hour_w / hour_w.sum())
    hours.sort()
    dep = hours * 3600.0 + rng.uniform(0.0, 3600.0, size=n_req)
    o_idx = np.empty(n_req, dtype=np.int64)
    d_idx = np.empty(n_req, dtype=np.int64)
    want_m = (min_km + rng.exponential(max(mean_km - min_km, 1e-9), size=n_req)) * 1000.0
    lon, lat = net.lon[node], net.lat[node]
    for h in range(24):
        sel = np.flatnonzero(hours == h)
        if sel.size == 0:
            continue
        p = weights[:, h] if weights[:, h].sum() > 0 else weights.sum(axis=1)
        p = p / p.sum()
        for chunk in np.array_split(sel, max(1, math.ceil(sel.size / _CHUNK))):
            o_idx[chunk], d_idx[chunk] = _taxi_pairs(lon, lat, p, want_m[chunk], k, min_km, rng)
    order = np.lexsort((np.arange(n_req), dep))
    o_n, d_n = node[o_idx[order]], node[d_idx[order]]
    return pd.DataFrame(
        {
            "request_id": [f"taxi-req-{i + 1:06d}" for i in range(n_req)],
            "departure_s": dep[order],
            "origin_lon": net.lon[o_n],
            "origin_lat": net.lat[o_n],
            "destination_lon": net.lon[d_n],
            "destination_lat": net.lat[d_n],
            "passengers": np.ones(n_req),
            "max_wait_min": np.full(n_req, np.nan),
            "row": np.arange(2, n_req + 2, dtype=np.int64),
        }
    )


# --------------------------------------------------------------------------- graph tours
class _Graph:
    """Routable part of a network as adjacency arrays, for walks and depot searches."""

    def __init__(self, net: RoadNetwork) -> None:
        self.net = net
        r = net.routable
        keep = r[net.edge_u] & r[net.edge_v]
        u, v = net.edge_u[keep], net.edge_v[keep]
        length, time_s = net.edge_length_m[keep], net.edge_time_s[keep]
        order = np.lexsort((v, u))
        self.u, self.v = u[order], v[order]
        self.length_m, self.time_s = length[order], time_s[order]
        self.start = np.searchsorted(self.u, np.arange(net.n_nodes + 1))
        self.nodes = np.flatnonzero(r)
        self._adj: list[tuple[list[int], list[float], list[float]]] | None = None
        self._area: dict[tuple[int, float], np.ndarray] = {}
        self._rev_time = net.csr_time.T.tocsr()
        self._rev_length = net.csr_length.T.tocsr()

    def depots(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """Pick ``k`` spread-out depot nodes (k-means++ seeding on node positions)."""
        lon, lat = self.net.lon[self.nodes], self.net.lat[self.nodes]
        chosen = [int(rng.integers(self.nodes.size))]
        d2 = haversine_m(lon, lat, lon[chosen[0]], lat[chosen[0]]) ** 2
        for _ in range(1, k):
            p = d2 / d2.sum() if d2.sum() > 0 else None
            c = int(rng.choice(self.nodes.size, p=p))
            chosen.append(c)
            d2 = np.minimum(d2, haversine_m(lon, lat, lon[c], lat[c]) ** 2)
        return np.asarray(self.nodes[np.array(chosen)], dtype=np.int64)

    def from_depot(self, depot: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Shortest (time [s], length [m]) from and to ``depot`` for every node."""
        t_out = csgraph.dijkstra(self.net.csr_time, indices=depot)
        l_out = csgraph.dijkstra(self.net.csr_length, indices=depot)
        t_in = csgraph.dijkstra(self._rev_time, indices=depot)
        l_in = csgraph.dijkstra(self._rev_length, indices=depot)
        return t_out, l_out, t_in, l_in

    def walk(
        self, start: int, target_m: float, rng: np.random.Generator
    ) -> tuple[int, float, float]:
        """Walk the streets at random for about ``target_m``; (end node, length [m], time [s]).

        At each node one outgoing edge is drawn uniformly, avoiding an immediate U-turn
        when the node has another way out.
        """
        if self._adj is None:
            self._adj = [
                (self.v[a:b].tolist(), self.length_m[a:b].tolist(), self.time_s[a:b].tolist())
                for a, b in zip(self.start[:-1].tolist(), self.start[1:].tolist(), strict=True)
            ]
        adj = self._adj
        node, prev = start, -1
        length = time_s = 0.0
        draws = rng.random(64).tolist()
        while length < target_m:
            vs, ls, ts = adj[node]
            if not vs:
                break
            if not draws:
                draws = rng.random(64).tolist()
            u = draws.pop()
            options = [i for i, v in enumerate(vs) if v != prev] if len(vs) > 1 else [0]
            if not options:
                options = list(range(len(vs)))
            e = options[int(u * len(options))]
            length += ls[e]
            time_s += ts[e]
            prev, node = node, vs[e]
        return node, length, time_s


def _area_node(
    g: _Graph, depot: int, radius_km: float, reach: np.ndarray, rng: np.random.Generator
) -> int:
    """Pick a node within ``radius_km`` of the depot, reachable to and from it, at random."""
    key = (depot, radius_km)
    if key not in g._area:
        lon, lat = g.net.lon[g.nodes], g.net.lat[g.nodes]
        d = haversine_m(lon, lat, g.net.lon[depot], g.net.lat[depot])
        ok = np.isfinite(reach[g.nodes])
        cand = g.nodes[(d <= radius_km * 1000.0) & ok & (g.nodes != depot)]
        g._area[key] = cand if cand.size else g.nodes[ok]
    cand = g._area[key]
    return int(cand[rng.integers(cand.size)])


def _trip(
    net: RoadNetwork, o: int, d: int, dep: float, arr: float, dist_m: float, depot: str
) -> dict[str, Any]:
    return {
        "departure_s": dep,
        "arrival_s": arr,
        "origin_lon": net.lon[o],
        "origin_lat": net.lat[o],
        "destination_lon": net.lon[d],
        "destination_lat": net.lat[d],
        "distance_km": dist_m / 1000.0,
        "depot": depot,
    }


def _generate_sanitation(
    net: RoadNetwork, n: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    g = _Graph(net)
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
            w = _area_node(g, depot, radius_km, t_out + t_in, rng)
            t = start_s
            rows.append(
                _trip(net, depot, w, t, t + t_out[w], l_out[w], name)
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
                    _trip(net, node, end, t, t + dt, length, name) | {"_v": vid, "_j": (j := j + 1)}
                )
                t += dt
                node = end
            rows.append(
                _trip(net, node, depot, t, t + t_in[node], l_in[node], name)
                | {"_v": vid, "_j": (j := j + 1)}
            )
    for r in rows:
        r["vehicle_id"] = r.pop("_v")
        r["trip_id"] = f"{r['vehicle_id']}-{r.pop('_j'):03d}"
        r["passengers"] = np.nan
        r["payload_t"] = np.nan
    return rows


def _generate_delivery(net: RoadNetwork, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    g = _Graph(net)
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
        stop = _area_node(g, depot, radius_km, t_out + t_in, rng)
        t = start_s
        legs = [_trip(net, depot, stop, t, t + t_out[stop], l_out[stop], name)]
        t += t_out[stop] + dwell_s
        for _ in range(n_stops - 1):
            target = max(200.0, float(rng.exponential(spacing_m)))
            end, length, dt = g.walk(stop, target, rng)
            if length <= 0:
                break
            legs.append(_trip(net, stop, end, t, t + dt, length, name))
            t += dt + dwell_s
            stop = end
        legs.append(_trip(net, stop, depot, t, t + t_in[stop], l_in[stop], name))
        for j, leg in enumerate(legs):
            leg.update(
                vehicle_id=vid, trip_id=f"{vid}-{j + 1:03d}", passengers=np.nan, payload_t=payload
            )
        rows.extend(legs)
    return rows


# --------------------------------------------------------------------------- public API
def generate(
    kind: str,
    network: RoadNetwork | str | os.PathLike[str],
    *,
    seed: int,
    size: int | None = None,
    scale: float | None = None,
    powertrain: str | Mapping[str, float] = "bev",
) -> pd.DataFrame:
    """Generate the embedded Beijing default demand of one fleet on a road network.

    Parameters
    ----------
    kind : {"beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery"}
        Which fleet.
    network : RoadNetwork or str or path
        The road network (or a built-in name / graph path) the demand is placed on.
    seed : int
        Seed of the ``numpy.random.Generator``; the same arguments give the same table.
    size : int, optional
        Number of vehicles (taxis for ``beijing-taxi``) [vehicles].
    scale : float, optional
        Fraction of the city's fleet (``demand_params.csv``: buses_in_service_city,
        taxis_city, sanitation_vehicles_city, delivery_vehicles_city) [-]. With neither
        ``size`` nor ``scale`` the full city (scale 1.0) is generated. Buses are capped
        by the routes that lie on the network (a warning says so).
    powertrain : str or mapping, default "bev"
        One powertrain, or shares such as ``{"bev": 0.8, "diesel": 0.2}`` (assigned by
        largest remainder, then shuffled with the seed). Ignored for taxi requests.

    Returns
    -------
    pandas.DataFrame
        Canonical trips columns (:data:`TRIP_COLUMNS`) for bus, sanitation and delivery;
        canonical requests columns (:data:`REQUEST_COLUMNS`) for ``beijing-taxi``.
        ``df.attrs`` holds ``kind``, ``seed``, ``vehicles`` and ``requested_vehicles``.

    Raises
    ------
    InputError
        Unknown kind or powertrain, bad size or scale.
    """
    if kind not in KINDS:
        msg = f"unknown generator {kind!r}; allowed: {', '.join(KINDS)}"
        raise InputError(msg)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        msg = f"seed must be a whole number >= 0, got {seed!r}"
        raise InputError(msg)
    n = _resolve_size(kind, size, scale)
    if kind != "beijing-taxi":
        _assign_powertrains(1, powertrain, np.random.default_rng(0))  # validate early
    net = _resolve_network(network)
    # one independent stream per kind, so fleets of one scenario seed do not share draws
    rng = np.random.default_rng([int(seed), KINDS.index(kind)])
    if kind == "beijing-taxi":
        df = _generate_taxi(net, n, rng)
        df.attrs.update(kind=kind, seed=seed, vehicles=n, requested_vehicles=n)
        return df
    vtype = kind.split("-", 1)[1]
    if kind == "beijing-bus":
        rows, n_made = _generate_bus(net, n, rng)
        if n_made < n:
            logger.warning(
                "network %s carries only %d bus blocks of the %d asked for", net.name, n_made, n
            )
    elif kind == "beijing-sanitation":
        rows, n_made = _generate_sanitation(net, n, rng), n
    else:
        rows, n_made = _generate_delivery(net, n, rng), n
    if not rows:
        df = _empty_trips()
    else:
        df = pd.DataFrame(rows)
        vids = sorted(df["vehicle_id"].unique())
        pts = dict(zip(vids, _assign_powertrains(len(vids), powertrain, rng), strict=True))
        df["powertrain"] = df["vehicle_id"].map(pts)
        df["vehicle_type"] = vtype
        df["exempt"] = False
        df["row"] = 0
        df = _finish_trips(df)
    df.attrs.update(
        kind=kind,
        seed=seed,
        vehicles=int(df["vehicle_id"].nunique()) if len(df) else 0,
        requested_vehicles=n,
    )
    return df


def depot_stations(
    trips: pd.DataFrame, *, plugs: int | None = None, plug_kw: float | None = None
) -> pd.DataFrame:
    """Return one depot station per ``depot`` of a trips table, at its vehicles' first origin.

    Parameters
    ----------
    trips : pandas.DataFrame
        Canonical trips (as :func:`generate` returns).
    plugs : int, optional
        Plugs per depot [plugs]; default one per vehicle based there.
    plug_kw : float, optional
        Power per plug [kW]; default ``chargers.csv`` depot plug_kw.

    Returns
    -------
    pandas.DataFrame
        Stations columns, ``kind = "depot"``, sorted by id.
    """
    from fleetopt.defaults import value
    from fleetopt.inputs.stations import stations_from_records

    if trips.empty:
        return stations_from_records([])
    kw = float(value("chargers", "plug_kw", kind="depot")) if plug_kw is None else float(plug_kw)
    firsts = trips.sort_values(["vehicle_id", "departure_s"]).groupby("vehicle_id").head(1)
    firsts = firsts[firsts["depot"].astype(str) != ""]
    records = []
    for depot, grp in firsts.groupby("depot", sort=True):
        records.append(
            {
                "id": str(depot),
                "kind": "depot",
                "lon": round(float(grp["origin_lon"].iloc[0]), 7),
                "lat": round(float(grp["origin_lat"].iloc[0]), 7),
                "plugs": int(plugs) if plugs is not None else int(grp["vehicle_id"].nunique()),
                "plug_kw": kw,
            }
        )
    return stations_from_records(records)

"""Turn a Case into vectorised simulation inputs: road distances, deadheads, vehicles.

The fleets' trips (powertrains assigned), the resolved vehicle specs and the snapped
stations come as data in the :class:`~fleetopt.case.Case` (:func:`fleetopt.case.load_case`);
nothing here opens a file or resolves a spec.

Everything that does not depend on the order of events is computed here once, with numpy
and scipy, so the SimPy kernel only does what needs a clock: queues and state of charge.
Road distances of trips without ``distance_km`` and deadheads between trips that do not
connect come from shortest paths on the road network (length for distance, time for
duration; each its own shortest path).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from fleetopt import defaults
from fleetopt.case import MAX_SNAP_M, Case
from fleetopt.domain.energy import speed_factor
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.road_graph import distinct_points, haversine_m
from fleetopt.inputs.scenario import Fleet
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.router import Router

logger = logging.getLogger(__name__)

#: :data:`fleetopt.case.MAX_SNAP_M`, importable from here as before.
__all__ = ["MAX_SNAP_M", "Prepared", "prepare", "straight_line_road_m"]


@dataclass
class Prepared:
    """Inputs of one simulation run in array-friendly form.

    Attributes
    ----------
    trips : pandas.DataFrame
        Canonical trips of all trip fleets with extra columns ``fleet``, ``spec_key``,
        ``start_station``, ``end_station`` (station index or -1), ``deadhead_km``,
        ``deadhead_s`` (empty drive before the trip [km], [s]).
    vehicles : pandas.DataFrame
        One row per vehicle: ``vehicle_id, vehicle_type, powertrain, exempt, fleet, depot_station,
        first, last`` (trip row range), ``pullin_km, pullin_s`` (last trip to depot [km], [s]).
    specs : dict
        ``(type, powertrain) -> VehicleSpec`` (a copy of the Case's).
    vehicle_specs : dict
        ``vehicle_id -> VehicleSpec`` for vehicles with a ``[vehicles."<id>"]`` override
        (a copy of the Case's).
    stations : pandas.DataFrame
        Canonical stations with ``node`` (snapped node index, -1 without network).
    requests : list of (Fleet, DataFrame)
        Taxi fleets served by dispatch and their requests.
    off_graph : dict
        ``points`` (trip points more than ``MAX_SNAP_M`` from the road graph),
        ``trips_estimated`` and ``deadheads_estimated`` (drives estimated as the straight line
        x the detour factor, :func:`straight_line_road_m`).
    gtfs : dict
        Per GTFS fleet name: the reader's facts (``service_date``, ``vehicles`` = distinct
        blocks, ``peak_vehicles_in_service``, ...).
    charging_schedule : pandas.DataFrame or None
        The Case's charging schedule (:mod:`fleetopt.simulation.scheduled`), or None.
    """

    trips: pd.DataFrame
    vehicles: pd.DataFrame
    specs: dict[tuple[str, str], VehicleSpec]
    stations: pd.DataFrame
    requests: list[tuple[Fleet, pd.DataFrame]] = field(default_factory=list)
    vehicle_specs: dict[str, VehicleSpec] = field(default_factory=dict)
    off_graph: dict[str, Any] = field(default_factory=dict)
    gtfs: dict[str, dict[str, Any]] = field(default_factory=dict)
    charging_schedule: pd.DataFrame | None = None


def straight_line_road_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Estimate road distances [m] as the straight line x the detour factor.

    Used only for drives that start or end off the road graph (more than ``MAX_SNAP_M`` from
    it). The factor is ``detour_factor`` of ``gtfs_blocking.csv`` (Ballou et al. 2002, road
    over straight-line distance); the time of such a drive uses the ``fallback`` speed of
    ``road_speeds.csv``.
    """
    factor = defaults.value("gtfs_blocking", "detour_factor")
    return np.asarray(haversine_m(lon1, lat1, lon2, lat2), dtype=float) * factor


def _report_off_graph(
    trips: pd.DataFrame,
    far_o: np.ndarray,
    far_d: np.ndarray,
    odist: np.ndarray,
    ddist: np.ndarray,
    n_trip_est: int,
    n_dh_est: int,
    network: str,
) -> dict[str, Any]:
    """Log which trip points lie off the road graph and what was estimated; return a summary."""
    rows = []
    for mask, side, dist in ((far_o, "origin", odist), (far_d, "destination", ddist)):
        for i in np.flatnonzero(mask):
            rows.append((str(trips["source_file"].iat[i]), int(trips["row"].iat[i]),
                         str(trips["trip_id"].iat[i]), side, float(dist[i])))
    if not rows:
        return {"points": 0, "trips_estimated": 0, "deadheads_estimated": 0}
    rows.sort(key=lambda r: (-r[4], r[0], r[1]))
    shown = "; ".join(f"{f} row {r} trip {t} {side} {d:,.0f} m" for f, r, t, side, d in rows[:10])
    more = f" (+{len(rows) - 10} more)" if len(rows) > 10 else ""
    logger.warning(
        "%d trip point(s) lie more than %.0f m from the road network %r; %d trip distance(s) "
        "and %d deadhead(s) estimated as the straight line x detour_factor (gtfs_blocking.csv) "
        "at the fallback speed (road_speeds.csv): %s%s",
        len(rows), MAX_SNAP_M, network, n_trip_est, n_dh_est, shown, more,
    )
    return {"points": len(rows), "trips_estimated": n_trip_est, "deadheads_estimated": n_dh_est}


def _nearest_station(
    stations: pd.DataFrame,
    lon: np.ndarray,
    lat: np.ndarray,
    radius_m: float,
    kinds: tuple[str, ...] | None = None,
) -> np.ndarray:
    """Index of the nearest station within ``radius_m`` of each point, else -1."""
    out = np.full(len(lon), -1, dtype=np.int64)
    if stations.empty or len(lon) == 0:
        return out
    few = distinct_points(np.asarray(lon, float), np.asarray(lat, float))
    if few is not None:  # trips start and end at few places: each is looked up once
        codes, u_lon, u_lat = few
        at: np.ndarray = _nearest_station(stations, u_lon, u_lat, radius_m, kinds)[codes]
        return at
    idx = np.arange(len(stations))
    if kinds is not None:
        idx = idx[stations["kind"].isin(kinds).to_numpy()]
        if idx.size == 0:
            return out
    lat0 = np.deg2rad(float(stations["lat"].mean()))
    r = 6_371_008.8

    def xy(lo: np.ndarray, la: np.ndarray) -> np.ndarray:
        return np.column_stack([np.deg2rad(lo) * r * math.cos(lat0), np.deg2rad(la) * r])

    tree = cKDTree(xy(stations["lon"].to_numpy()[idx], stations["lat"].to_numpy()[idx]))
    d, pos = tree.query(xy(np.asarray(lon, float), np.asarray(lat, float)))
    cand = idx[pos]
    # confirm with the great-circle distance (the projection is local)
    hd = haversine_m(lon, lat, stations["lon"].to_numpy()[cand], stations["lat"].to_numpy()[cand])
    ok = (hd <= radius_m + 1e-9) & np.isfinite(d)
    out[ok] = cand[ok]
    return out


def prepare(case: Case) -> Prepared:
    """Compute everything the kernel needs before the clock starts, from a Case (no file read).

    Parameters
    ----------
    case : Case
        The scenario's inputs as data (:func:`fleetopt.case.load_case`): trips with their
        powertrains, specs and snapped stations; its road network is needed for road
        distances, deadheads and taxis. Its tables are copied, never edited.

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        Road distances or deadheads are needed but the Case has no road network (the input
        checks of types, powertrains, specs, stations and overrides are
        :func:`fleetopt.case.build_case`'s).
    """
    scenario, network = case.scenario, case.network
    router = Router(network) if network is not None else None
    stations = case.stations.copy()
    opts = scenario.options
    requests = [(item.fleet, item.table) for item in case.fleets if item.kind == "requests"]
    trips = case.fleet_trips.copy()
    specs = dict(case.specs)

    # road distances where missing, deadheads where trips do not connect
    radius = opts.station_radius_m
    n = len(trips)
    trips["distance_km"] = trips["distance_km"].astype(float)
    need_road = trips["distance_km"].isna().to_numpy()
    olon, olat = trips["origin_lon"].to_numpy(float), trips["origin_lat"].to_numpy(float)
    dlon, dlat = trips["destination_lon"].to_numpy(float), trips["destination_lat"].to_numpy(float)
    vid = trips["vehicle_id"].to_numpy()
    first = np.ones(n, dtype=bool)
    if n:
        first[1:] = vid[1:] != vid[:-1]
    gap_m = np.zeros(n)
    if n:
        gap_m[1:] = haversine_m(dlon[:-1], dlat[:-1], olon[1:], olat[1:])
    gap_m[first] = 0.0
    need_dh = (gap_m > radius) & opts.deadhead
    dh_km = np.zeros(n)
    dh_s = np.zeros(n)
    onode = dnode = odist = ddist = None
    off_graph: dict[str, Any] = {"points": 0, "trips_estimated": 0, "deadheads_estimated": 0}
    if (need_road.any() or need_dh.any()) and router is None:
        msg = "road distances are needed but the scenario has no road network"
        raise InputError(msg, [Problem(msg, None, "network", scenario.file)])
    if router is not None and (need_road.any() or need_dh.any()):
        onode, odist = router.snap(olon, olat)
        dnode, ddist = router.snap(dlon, dlat)
        far_o = odist > MAX_SNAP_M
        far_d = ddist > MAX_SNAP_M
        # a point off the graph: run on, with the straight line x a detour factor for the
        # drives that touch it (trip distance when missing, deadheads); say which and how many
        est_road = need_road & (far_o | far_d)
        est_dh = need_dh & (far_o | np.r_[False, far_d[:-1]])
        road = need_road & ~est_road
        if road.any():
            len_m, _ = router.pairs(onode[road], dnode[road])
            trips.loc[road, "distance_km"] = len_m / 1000.0
        if est_road.any():
            trips.loc[est_road, "distance_km"] = (
                straight_line_road_m(olon[est_road], olat[est_road], dlon[est_road],
                                     dlat[est_road]) / 1000.0
            )
        dh = need_dh & ~est_dh
        if dh.any():
            idx = np.flatnonzero(dh)
            len_m, time_s = router.pairs(dnode[idx - 1], onode[idx])
            dh_km[idx] = len_m / 1000.0
            dh_s[idx] = time_s
        if est_dh.any():
            idx = np.flatnonzero(est_dh)
            len_m = straight_line_road_m(dlon[idx - 1], dlat[idx - 1], olon[idx], olat[idx])
            dh_km[idx] = len_m / 1000.0
            dh_s[idx] = len_m / (defaults.value("road_speeds", "fallback") / 3.6)
        off_graph = _report_off_graph(trips, far_o & (need_road | need_dh),
                                      far_d & (need_road | np.r_[need_dh[1:], False]),
                                      odist, ddist, int(est_road.sum()), int(est_dh.sum()),
                                      str(scenario.network))
    trips["deadhead_km"] = dh_km
    trips["deadhead_s"] = dh_s
    trips["start_station"] = _nearest_station(stations, olon, olat, radius)
    trips["end_station"] = _nearest_station(stations, dlon, dlat, radius)
    trips["passengers"] = trips["passengers"].astype(float)
    trips["payload_t"] = trips["payload_t"].astype(float)

    # vehicles and depots
    st_index = {s: i for i, s in enumerate(stations["id"])} if not stations.empty else {}
    if n:
        grp = trips.groupby("vehicle_id", sort=False)
        vehicles = pd.DataFrame(
            {
                "vehicle_id": grp["vehicle_id"].first().to_numpy(),
                "vehicle_type": grp["vehicle_type"].first().to_numpy(),
                "powertrain": grp["powertrain"].first().to_numpy(),
                "exempt": grp["exempt"].any().to_numpy(),
                "fleet": grp["fleet"].first().to_numpy(),
                "depot": grp["depot"].first().astype(str).to_numpy() if "depot" in trips else "",
            }
        )
        starts = np.flatnonzero(first)
        vehicles["first"] = starts
        vehicles["last"] = np.r_[starts[1:], n]
    else:
        vehicles = pd.DataFrame(
            columns=[
                "vehicle_id",
                "vehicle_type",
                "powertrain",
                "exempt",
                "fleet",
                "depot",
                "first",
                "last",
            ]
        )
    depot_station = np.array([st_index.get(d, -1) for d in vehicles["depot"]], dtype=np.int64)
    unknown = sorted(
        {
            d
            for d, s in zip(vehicles["depot"], depot_station, strict=True)
            if d and d != "nan" and s < 0
        }
    )
    if unknown:
        logger.warning(
            "depots %s are not station ids; those vehicles start at their first trip", unknown[:5]
        )
    vehicles["depot_station"] = depot_station
    # pull-out (depot -> first trip) and pull-in (last trip -> depot)
    pull_out_km = np.zeros(len(vehicles))
    pull_out_s = np.zeros(len(vehicles))
    pull_in_km = np.zeros(len(vehicles))
    pull_in_s = np.zeros(len(vehicles))
    has = depot_station >= 0
    if has.any() and n:
        f_idx = vehicles["first"].to_numpy()[has]
        l_idx = vehicles["last"].to_numpy()[has] - 1
        ds = depot_station[has]
        slon, slat = stations["lon"].to_numpy()[ds], stations["lat"].to_numpy()[ds]
        out_gap = haversine_m(slon, slat, olon[f_idx], olat[f_idx]) > radius
        in_gap = haversine_m(dlon[l_idx], dlat[l_idx], slon, slat) > radius
        if (out_gap.any() or in_gap.any()) and opts.deadhead and router is not None:
            snode = stations["node"].to_numpy()[ds]
            if onode is None or dnode is None:  # set together
                onode, odist = router.snap(olon, olat)
                dnode, ddist = router.snap(dlon, dlat)
            assert odist is not None  # snapped with the nodes
            assert ddist is not None
            fallback_mps = defaults.value("road_speeds", "fallback") / 3.6
            for gap, a_lon, a_lat, b_lon, b_lat, far, out_km, out_s, pair in (
                (out_gap, slon, slat, olon[f_idx], olat[f_idx], odist[f_idx] > MAX_SNAP_M,
                 pull_out_km, pull_out_s, (snode, onode[f_idx])),
                (in_gap, dlon[l_idx], dlat[l_idx], slon, slat, ddist[l_idx] > MAX_SNAP_M,
                 pull_in_km, pull_in_s, (dnode[l_idx], snode)),
            ):
                tmp_km, tmp_s = np.zeros(has.sum()), np.zeros(has.sum())
                road = gap & ~far
                len_m, time_s = router.pairs(pair[0][road], pair[1][road])
                tmp_km[road], tmp_s[road] = len_m / 1000.0, time_s
                est = gap & far  # the trip end is off the graph: straight line x detour
                len_m = straight_line_road_m(a_lon[est], a_lat[est], b_lon[est], b_lat[est])
                tmp_km[est], tmp_s[est] = len_m / 1000.0, len_m / fallback_mps
                out_km[has], out_s[has] = tmp_km, tmp_s
    vehicles["pullout_km"] = pull_out_km
    vehicles["pullout_s"] = pull_out_s
    vehicles["pullin_km"] = pull_in_km
    vehicles["pullin_s"] = pull_in_s
    if n:
        f_idx = vehicles["first"].to_numpy()
        trips.loc[f_idx, "deadhead_km"] = pull_out_km
        trips.loc[f_idx, "deadhead_s"] = pull_out_s
    vehicle_specs = dict(case.vehicle_specs)
    _speed_factors(trips, vehicles, specs, vehicle_specs, router, onode, dnode, opts.speed_factor)
    return Prepared(
        vehicle_specs=vehicle_specs,
        trips=trips,
        vehicles=vehicles.reset_index(drop=True),
        specs=specs,
        stations=stations,
        requests=requests,
        off_graph=off_graph,
        gtfs=case.gtfs,
        charging_schedule=case.charging_schedule,
    )


def _speed_factors(
    trips: pd.DataFrame,
    vehicles: pd.DataFrame,
    specs: dict[tuple[str, str], VehicleSpec],
    vehicle_specs: dict[str, VehicleSpec],
    router: Router | None,
    onode: np.ndarray | None,
    dnode: np.ndarray | None,
    on: bool,
) -> None:
    """Add the speed factors of trips, deadheads and pull-ins (1.0 when the option is off).

    A trip's average speed is its free-flow road speed (shortest-length path length / its
    free-flow time on the scenario's network) or, with no network or no path, its distance /
    scheduled duration. A deadhead's (and pull-in's) speed is its road length / road time.
    Vehicles with ``energy_model = "constant"`` keep 1.0.
    """
    n = len(trips)
    trips["speed_factor"] = 1.0
    trips["deadhead_speed_factor"] = 1.0
    vehicles["pullin_speed_factor"] = 1.0
    if not on or n == 0:
        return
    km = trips["distance_km"].to_numpy(float)
    dur_h = (trips["arrival_s"].to_numpy(float) - trips["departure_s"].to_numpy(float)) / 3600.0
    speed = np.full(n, np.nan)
    if router is not None:
        if onode is None or dnode is None:
            onode, _ = router.snap(
                trips["origin_lon"].to_numpy(float), trips["origin_lat"].to_numpy(float)
            )
            dnode, _ = router.snap(
                trips["destination_lon"].to_numpy(float), trips["destination_lat"].to_numpy(float)
            )
        len_m, time_s = router.pairs(onode, dnode)
        speed = _speed_kmh(len_m / 1000.0, time_s)
    no_path = ~(np.isfinite(speed) & (speed > 0))
    speed[no_path] = _speed_kmh(km[no_path], dur_h[no_path] * 3600.0)
    f_trip = speed_factor(speed)
    f_dh = speed_factor(
        _speed_kmh(trips["deadhead_km"].to_numpy(float), trips["deadhead_s"].to_numpy(float))
    )
    f_in = speed_factor(
        _speed_kmh(vehicles["pullin_km"].to_numpy(float), vehicles["pullin_s"].to_numpy(float))
    )
    const_v = np.array(
        [
            (vehicle_specs.get(v) or specs[(a, b)]).energy_model == "constant"
            for v, a, b in zip(
                vehicles["vehicle_id"],
                vehicles["vehicle_type"],
                vehicles["powertrain"],
                strict=True,
            )
        ],
        dtype=bool,
    )
    const_t = trips["vehicle_id"].isin(set(vehicles["vehicle_id"][const_v])).to_numpy()
    trips["speed_factor"] = np.where(const_t, 1.0, f_trip)
    trips["deadhead_speed_factor"] = np.where(const_t, 1.0, f_dh)
    vehicles["pullin_speed_factor"] = np.where(const_v, 1.0, f_in)


def _speed_kmh(km: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Return km / (s / 3600) where both are finite and > 0, else NaN [km/h]."""
    km = np.asarray(km, float)
    s = np.asarray(s, float)
    ok = np.isfinite(km) & np.isfinite(s) & (km > 0) & (s > 0)
    return np.where(ok, km / np.where(ok, s, 1.0) * 3600.0, np.nan)

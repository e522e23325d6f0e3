"""Build a siting problem from a scenario: energy demand at trip ends, stations fixed open.

``fleetopt site SCENARIO.toml`` reads the scenario and prepares its fleets in the api
(:func:`fleetopt.api.siting_problem`, the same code the simulation uses, so trips,
generators and GTFS feeds are read once and the same way); this module puts each
electric or hydrogen trip's energy at the trip's destination node:
that is where a vehicle stops and can charge. Battery trips weigh ``distance_km x
kwh_per_km`` [kWh], fuel-cell trips ``distance_km x kg_per_100km / 100`` [kg]; taxi
requests count as trips to their drop-off (:func:`request_trips`). The
scenario's own stations are fixed open; new candidates are primary-to-tertiary road
nodes (:func:`fleetopt.siting.candidates.candidates_from_network`).

With ``--model service-level`` the Erlang-C sizing needs arrivals per hour, not energy:
:func:`peak_hour_sessions` turns the battery trips' energy into charging sessions per
hour in the busiest clock hour of the day (the hour in which the most battery energy
arrives, over all nodes): a node's arrival rate is the energy arriving there in that
hour divided by the mean energy of one session (``session_energy_kwh``), and the mean
service time is that energy over the plug power (``service_plug_kw``). Both are rows
of ``fleetopt/data/siting_params.csv``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.defaults import value
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.routing import route_matrices
from fleetopt.powertrains import BATTERY, HYDROGEN
from fleetopt.siting.candidates import (
    aggregate_demand,
    build_problem,
    candidates_from_network,
    terminal_candidates,
    with_terminals,
)
from fleetopt.siting.problem import SitingProblem

logger = logging.getLogger(__name__)

__all__ = ["demand_from_trips", "peak_hour_sessions", "problem_from_scenario", "request_trips"]


def _param(name: str) -> float:
    return value("siting_params", name)


def demand_from_trips(trips: pd.DataFrame,
                      specs: Mapping[tuple[str, str], object]) -> pd.DataFrame:
    """Return trip-end demand points weighted by the energy the trip used.

    Parameters
    ----------
    trips : pandas.DataFrame
        Canonical trips with ``distance_km`` [km], ``vehicle_type``, ``powertrain``,
        ``destination_lon``, ``destination_lat`` [deg].
    specs : dict
        ``(vehicle_type, powertrain) -> VehicleSpec``.

    Returns
    -------
    pandas.DataFrame
        ``lon``, ``lat`` [deg], ``weight`` [kWh or kg], ``powertrain`` (``bev``, ``phev`` or
        ``fcev``) and ``arrival_s`` (trip arrival, NaN when unknown) [s] of battery and
        fuel-cell trips.
    """
    rate = np.zeros(len(trips))
    vt = trips["vehicle_type"].to_numpy()
    pt = trips["powertrain"].to_numpy()
    for (t, p), spec in specs.items():
        sel = (vt == t) & (pt == p)
        if p in BATTERY:  # bev and phev charge
            rate[sel] = float(getattr(spec, "kwh_per_km", 0.0))
        elif p in HYDROGEN:
            rate[sel] = float(getattr(spec, "kg_per_100km", 0.0)) / 100.0
    dist = trips["distance_km"].to_numpy(float)
    w = np.nan_to_num(dist, nan=0.0) * rate
    keep = w > 0
    arrival = (trips["arrival_s"].to_numpy(float) if "arrival_s" in trips.columns
               else np.full(len(trips), np.nan))
    return pd.DataFrame({"lon": trips["destination_lon"].to_numpy(float)[keep],
                         "lat": trips["destination_lat"].to_numpy(float)[keep],
                         "weight": w[keep], "powertrain": pt[keep],
                         "arrival_s": arrival[keep]})


def request_trips(requests: list[tuple[Any, pd.DataFrame]], network: Any) -> list[pd.DataFrame]:
    """Turn taxi requests into trips: road distance pickup -> drop-off, by powertrain share.

    Each request's trip is the time-shortest road path between the nodes nearest its
    origin and destination (the path the taxi simulation drives,
    :func:`fleetopt.inputs.routing.route_matrices`); it arrives at ``departure_s`` plus
    the path's time. A fleet with a powertrain mix ``{powertrain: share}`` gives each
    powertrain its share of every trip's distance, so the energy is split as the taxis
    are. Waiting and the empty drive to the pickup are left out.

    Parameters
    ----------
    requests : list of (Fleet, DataFrame)
        Taxi fleets and their canonical requests (``departure_s`` [s], ``origin_lon``,
        ``origin_lat``, ``destination_lon``, ``destination_lat`` [deg]).
    network : RoadNetwork
        The scenario's road network.

    Returns
    -------
    list of pandas.DataFrame
        Trips with ``vehicle_type`` = taxi, ``powertrain``, ``distance_km`` [km],
        ``destination_lon``, ``destination_lat`` [deg] and ``arrival_s`` [s].
    """
    out = []
    for fleet, req in requests:
        if not len(req):
            continue
        onode, _ = network.nearest_nodes(req["origin_lon"].to_numpy(float),
                                         req["origin_lat"].to_numpy(float))
        dnode, _ = network.nearest_nodes(req["destination_lon"].to_numpy(float),
                                         req["destination_lat"].to_numpy(float))
        src, tgt = np.unique(onode), np.unique(dnode)
        time_s, length_m = route_matrices(network, src, tgt)  # searches from pick-ups only
        o, d = np.searchsorted(src, onode), np.searchsorted(tgt, dnode)
        km = np.where(np.isfinite(length_m[o, d]), length_m[o, d] / 1000.0, 0.0)
        arrival = req["departure_s"].to_numpy(float) + np.where(np.isfinite(time_s[o, d]),
                                                                 time_s[o, d], 0.0)
        pt = fleet.powertrain or "bev"
        shares = {pt: 1.0} if isinstance(pt, str) else {str(k): float(v) for k, v in pt.items()}
        total = sum(shares.values())
        for name, share in shares.items():
            if share > 0:
                out.append(pd.DataFrame({
                    "vehicle_type": "taxi", "powertrain": name,
                    "distance_km": km * share / total,
                    "destination_lon": req["destination_lon"].to_numpy(float),
                    "destination_lat": req["destination_lat"].to_numpy(float),
                    "arrival_s": arrival}))
    return out


def _one_carrier(points: pd.DataFrame, where: str) -> pd.DataFrame:
    """Keep one energy carrier: battery demand [kWh] when there is any, else hydrogen [kg].

    Charging and hydrogen stations serve different vehicles and their demands are in
    different units, so one siting run never adds kWh to kg.
    """
    bev = points[points["powertrain"].isin(list(BATTERY))]
    if bev.empty:
        logger.info("%s: no battery trips; siting hydrogen stations on %.1f kg of demand",
                    where, float(points["weight"].sum()))
        return points
    h2 = points[~points["powertrain"].isin(list(BATTERY))]
    if len(h2):
        logger.warning("%s: siting charging stations on %.1f kWh of battery demand; the "
                       "%.1f kg of hydrogen demand (%d fuel-cell trip ends) is left out "
                       "(site hydrogen stations with --model flow-refuelling)", where,
                       float(bev["weight"].sum()), float(h2["weight"].sum()), len(h2))
    return bev


def peak_hour_sessions(points: pd.DataFrame, *, session_energy_kwh: float
                       ) -> tuple[pd.DataFrame, int]:
    """Turn battery trip-end energy into charging sessions per hour of the peak hour.

    The peak hour is the clock hour ``[h, h+1)`` (arrival times folded onto 0-24 h, so
    after-midnight service counts in the early hours) in which the most battery energy
    arrives, over all points; ties go to the earlier hour. Each point keeps the energy
    arriving in that hour, divided by the energy of one session: vehicles replace, one
    session at a time, the energy their trips used.

    Parameters
    ----------
    points : pandas.DataFrame
        :func:`demand_from_trips` output (``weight`` [kWh] for battery powertrains,
        ``arrival_s`` [s]).
    session_energy_kwh : float
        Mean energy of one charging session [kWh].

    Returns
    -------
    (pandas.DataFrame, int)
        ``lon``, ``lat`` [deg], ``weight`` [sessions/h] of the peak hour's points, and
        the peak hour (0-23) [h]. Empty with hour -1 when no battery trip has a time.
    """
    bev = points[points["powertrain"].isin(list(BATTERY)) & np.isfinite(points["arrival_s"])]
    if bev.empty or not session_energy_kwh > 0:
        return pd.DataFrame({"lon": [], "lat": [], "weight": []}), -1
    hour = (np.floor(bev["arrival_s"].to_numpy(float) / 3600.0) % 24).astype(np.int64)
    kwh = bev["weight"].to_numpy(float)
    per_hour = np.bincount(hour, weights=kwh, minlength=24)
    peak = int(np.argmax(per_hour))
    sel = hour == peak
    return pd.DataFrame({"lon": bev["lon"].to_numpy(float)[sel],
                         "lat": bev["lat"].to_numpy(float)[sel],
                         "weight": kwh[sel] / float(session_energy_kwh)}), peak


def problem_from_scenario(scenario: Any, network: Any, trips: pd.DataFrame,
                          requests: list[tuple[Any, pd.DataFrame]],
                          specs: Mapping[tuple[str, str], object], *, path: str | Path,
                          p: int | None = None, model: str | None = None) -> SitingProblem:
    """Build a scenario's siting problem (p-median by default) from its prepared fleets.

    :func:`fleetopt.api.siting_problem` reads the scenario, loads its network and prepares
    its fleets (the simulation's own reader) before calling this.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario (``name``, ``seed``, ``stations``).
    network : RoadNetwork
        Its road network.
    trips : pandas.DataFrame
        Canonical trips of all fleets.
    requests : list of (Fleet, DataFrame)
        Taxi fleets and their requests (:func:`request_trips` turns them into trips).
    specs : dict
        ``(vehicle_type, powertrain) -> VehicleSpec``.
    path : path
        ``SCENARIO.toml`` (named in error messages).
    p : int, optional
        New sites (default ``scenario_new_sites`` in ``siting_params.csv``).
    model : str, optional
        The model that will be solved. ``service-level``: demand weights are charging
        sessions per hour of the peak hour (:func:`peak_hour_sessions`) and the service
        block's ``service_time_min`` is ``session_energy_kwh / service_plug_kw``;
        otherwise weights are energy [kWh or kg].

    Returns
    -------
    SitingProblem
    """
    all_trips = pd.concat([trips, *request_trips(requests, network)], ignore_index=True)
    dem_pts = demand_from_trips(all_trips, specs)
    if dem_pts.empty:
        msg = f"{path}: the scenario has no battery or fuel-cell trips to site stations for"
        raise InputError(msg, [Problem("no electric trips", column="fleets", file=str(path))])
    if model != "service-level":
        dem_pts = _one_carrier(dem_pts, str(path))
    service: dict[str, float] = {}
    if model == "service-level":
        session_kwh = _param("session_energy_kwh")
        plug_kw = _param("service_plug_kw")
        dem_pts, peak = peak_hour_sessions(dem_pts, session_energy_kwh=session_kwh)
        if dem_pts.empty:
            msg = (f"{path}: service-level sizing needs battery trips with arrival times "
                   "(the scenario has none)")
            raise InputError(msg, [Problem("no battery trips with arrival times",
                                           column="fleets", file=str(path))])
        service["service_time_min"] = 60.0 * session_kwh / plug_kw
        logger.info("scenario %s: service level sized on the peak hour %02d:00-%02d:00, "
                    "%.2f sessions/h in all (%.1f kWh per session, %.0f min on %.0f kW plugs)",
                    scenario.name, peak, peak + 1, float(dem_pts["weight"].sum()),
                    session_kwh, service["service_time_min"], plug_kw)
    dem = aggregate_demand(network, dem_pts)
    cand = candidates_from_network(network, n=int(_param("scenario_candidates")),
                                   seed=scenario.seed)
    terminals = terminal_candidates(network, trips)
    cand = with_terminals(cand, terminals)
    st = scenario.stations
    cols = [c for c in ("id", "lon", "lat", "plugs") if st is not None and c in st.columns]
    existing = st[cols] if st is not None and len(st) else None
    prob = build_problem(network, cand, dem, existing=existing,
                         p=int(_param("scenario_new_sites")) if p is None else int(p))
    prob.name = scenario.name
    prob.service = service
    logger.info("scenario %s: %d demand nodes, %d candidates (%d existing, %d bus terminals)",
                scenario.name, prob.n_demand, prob.n_candidates, prob.existing_idx.size,
                len(terminals))
    return prob

"""Build a siting problem from a scenario: energy demand at trip ends, stations fixed open.

``fleetopt site SCENARIO.toml`` reads the scenario, prepares its fleets (the same code
the simulation uses, so trips, generators and GTFS feeds are read once and the same
way) and puts each electric or hydrogen trip's energy at the trip's destination node:
that is where a vehicle stops and can charge. Battery trips weigh ``distance_km x
kwh_per_km`` [kWh], fuel-cell trips ``distance_km x kg_per_100km / 100`` [kg]. The
scenario's own stations are fixed open; new candidates are primary-to-tertiary road
nodes (:func:`fleetopt.siting.candidates.candidates_from_network`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from fleetopt.siting.problem import SitingProblem

logger = logging.getLogger(__name__)

__all__ = ["demand_from_trips", "problem_from_scenario"]


def _param(name: str) -> float:
    from fleetopt.defaults import value

    return value("siting_params", name)


def demand_from_trips(trips: pd.DataFrame, specs: dict[tuple[str, str], object]) -> pd.DataFrame:
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
        ``lon``, ``lat`` [deg], ``weight`` [kWh or kg] of battery and fuel-cell trips.
    """
    rate = np.zeros(len(trips))
    vt = trips["vehicle_type"].to_numpy()
    pt = trips["powertrain"].to_numpy()
    for (t, p), spec in specs.items():
        sel = (vt == t) & (pt == p)
        if p == "bev":
            rate[sel] = float(getattr(spec, "kwh_per_km", 0.0))
        elif p == "fcev":
            rate[sel] = float(getattr(spec, "kg_per_100km", 0.0)) / 100.0
    dist = trips["distance_km"].to_numpy(float)
    w = np.nan_to_num(dist, nan=0.0) * rate
    keep = w > 0
    return pd.DataFrame({"lon": trips["destination_lon"].to_numpy(float)[keep],
                         "lat": trips["destination_lat"].to_numpy(float)[keep],
                         "weight": w[keep]})


def problem_from_scenario(path: str | Path, *, p: int | None = None) -> SitingProblem:
    """Read a scenario file and build its siting problem (p-median by default).

    Parameters
    ----------
    path : path
        ``SCENARIO.toml``.
    p : int, optional
        New sites (default ``scenario_new_sites`` in ``siting_params.csv``).

    Returns
    -------
    SitingProblem
    """
    from fleetopt.errors import InputError, Problem
    from fleetopt.inputs.road_graph import load_network
    from fleetopt.inputs.scenario import read_scenario
    from fleetopt.simulation.prepare import prepare
    from fleetopt.siting.candidates import aggregate_demand, build_problem, candidates_from_network

    scenario = read_scenario(Path(path))
    network = load_network(scenario.network, base_dir=scenario.base_dir)
    prep = prepare(scenario, network)
    trips = prep.trips
    for _fleet, req in prep.requests:  # taxi requests: energy at the drop-off
        if len(req):
            extra = pd.DataFrame({
                "vehicle_type": "taxi", "powertrain": "bev",
                "distance_km": np.nan, "destination_lon": req["destination_lon"],
                "destination_lat": req["destination_lat"]})
            trips = pd.concat([trips, extra], ignore_index=True)
    dem_pts = demand_from_trips(trips, prep.specs)
    if dem_pts.empty:
        msg = f"{path}: the scenario has no battery or fuel-cell trips to site stations for"
        raise InputError(msg, [Problem("no electric trips", column="fleets", file=str(path))])
    dem = aggregate_demand(network, dem_pts)
    cand = candidates_from_network(network, n=int(_param("scenario_candidates")),
                                   seed=scenario.seed)
    st = scenario.stations
    existing = st[["id", "lon", "lat"]] if st is not None and len(st) else None
    prob = build_problem(network, cand, dem, existing=existing,
                         p=int(_param("scenario_new_sites")) if p is None else int(p))
    prob.name = scenario.name
    logger.info("scenario %s: %d demand nodes, %d candidates (%d existing)", scenario.name,
                prob.n_demand, prob.n_candidates, prob.existing_idx.size)
    return prob

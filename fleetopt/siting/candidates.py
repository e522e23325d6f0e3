"""Pick candidate sites on the road graph and aggregate demand onto graph nodes.

Candidates are routable graph nodes touching roads of the chosen OSM classes (primary
to tertiary by default: a charging hub needs an access road), thinned to the requested
number with a seeded, spatially even sample. Existing stations (e.g. the 711 public DC
stations) inside the network's extent are added as fixed-open candidates; bus terminals
(where a scenario's bus trips start and end) are candidates too. Demand points
(trip ends, charge events) are snapped to their nearest routable node and summed.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.defaults import value
from fleetopt.siting.problem import SitingProblem, problem_from_points

logger = logging.getLogger(__name__)

__all__ = ["CANDIDATE_ROAD_CLASSES", "aggregate_demand", "build_problem",
           "candidates_from_network", "terminal_candidates", "with_terminals"]

#: OSM highway classes whose nodes may host a new station.
CANDIDATE_ROAD_CLASSES = ("trunk", "primary", "secondary", "tertiary", "trunk_link",
                          "primary_link", "secondary_link", "tertiary_link")



def candidates_from_network(network: Any, *, n: int | None = 2000,
                            road_classes: tuple[str, ...] = CANDIDATE_ROAD_CLASSES,
                            seed: int = 0) -> pd.DataFrame:
    """Return candidate sites: routable nodes on the given road classes.

    Parameters
    ----------
    network : RoadNetwork
        The road network.
    n : int, optional
        Keep this many (seeded sample, spread evenly by a grid); None keeps all.
    road_classes : tuple of str
        OSM ``highway`` values that qualify.
    seed : int
        Seed of the sample.

    Returns
    -------
    pandas.DataFrame
        ``id`` (``n<osm id>``), ``lon``, ``lat`` [deg], ``node`` (index), ``existing`` False.
    """
    on_class = np.isin(network.edge_highway, np.asarray(road_classes))
    nodes = np.unique(np.r_[network.edge_u[on_class], network.edge_v[on_class]])
    nodes = nodes[network.routable[nodes]]
    if nodes.size == 0:
        nodes = np.flatnonzero(network.routable)
    if n is not None and nodes.size > n:
        rng = np.random.default_rng(seed)
        # spatially even: shuffle, then take round-robin over ~n grid cells
        lon, lat = network.lon[nodes], network.lat[nodes]
        g = max(1, int(np.sqrt(n)))
        cx = np.minimum(((lon - lon.min()) / max(np.ptp(lon), 1e-12) * g).astype(int), g - 1)
        cy = np.minimum(((lat - lat.min()) / max(np.ptp(lat), 1e-12) * g).astype(int), g - 1)
        cell = cx * g + cy
        perm = rng.permutation(nodes.size)
        rank = np.empty(nodes.size, np.int64)
        order = perm[np.argsort(cell[perm], kind="stable")]
        c_sorted = cell[order]
        starts = np.r_[0, np.flatnonzero(np.diff(c_sorted)) + 1]
        within = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
        rank[order] = within
        pick = np.lexsort((perm, rank))[:n]
        nodes = np.sort(nodes[pick])
    return pd.DataFrame({"id": [f"n{int(x)}" for x in network.node_ids[nodes]],
                         "lon": network.lon[nodes], "lat": network.lat[nodes],
                         "node": nodes.astype(np.int64), "existing": False})


def terminal_candidates(network: Any, trips: pd.DataFrame, *,
                        vehicle_types: tuple[str, ...] = ("bus",)) -> pd.DataFrame:
    """Return the terminals of a schedule as candidate sites.

    A terminal is a place where a trip of the given vehicle types starts or ends (buses
    lay over and charge there). Points farther than ``existing_max_snap_m``
    (``siting_params.csv``) from the network are outside its extent and left out.

    Parameters
    ----------
    network : RoadNetwork
        The road network.
    trips : pandas.DataFrame
        Canonical trips (``vehicle_type``, ``origin_lon/lat``, ``destination_lon/lat``
        [deg]).
    vehicle_types : tuple of str
        Trip types whose ends count as terminals.

    Returns
    -------
    pandas.DataFrame
        ``id`` (``t<osm id>``), ``lon``, ``lat`` [deg], ``node`` (index), ``existing``
        False; one row per distinct node, sorted by node.
    """
    sel = trips["vehicle_type"].isin(vehicle_types).to_numpy() if len(trips) else []
    t = trips.loc[sel]
    lon = np.r_[t["origin_lon"].to_numpy(float), t["destination_lon"].to_numpy(float)]
    lat = np.r_[t["origin_lat"].to_numpy(float), t["destination_lat"].to_numpy(float)]
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return pd.DataFrame({"id": [], "lon": [], "lat": [], "node": np.array([], np.int64),
                             "existing": []})
    node, dist_m = network.nearest_nodes(lon[ok], lat[ok])
    uniq = np.unique(node[dist_m <= value("siting_params", "existing_max_snap_m")])
    return pd.DataFrame({"id": [f"t{int(x)}" for x in network.node_ids[uniq]],
                         "lon": network.lon[uniq], "lat": network.lat[uniq],
                         "node": uniq.astype(np.int64), "existing": False})


def with_terminals(candidates: pd.DataFrame, terminals: pd.DataFrame) -> pd.DataFrame:
    """Add terminal candidates to graph candidates, one row per node (the terminal's id wins)."""
    if len(terminals) == 0:
        return candidates
    rest = candidates[~candidates["node"].isin(terminals["node"])]
    return pd.concat([terminals, rest], ignore_index=True)


def aggregate_demand(network: Any, points: pd.DataFrame) -> pd.DataFrame:
    """Snap demand points to routable nodes and sum their weights per node.

    Parameters
    ----------
    network : RoadNetwork
        The road network.
    points : pandas.DataFrame
        ``lon``, ``lat`` [deg] and one of ``weight``, ``energy_kwh`` [kWh],
        ``hydrogen_kg`` [kg] (default weight 1 per point).

    Returns
    -------
    pandas.DataFrame
        ``id`` (``d<osm id>``), ``lon``, ``lat``, ``node``, ``weight``, sorted by node.
    """
    if len(points) == 0:
        return pd.DataFrame({"id": [], "lon": [], "lat": [], "node": [], "weight": []})
    for col in ("weight", "energy_kwh", "hydrogen_kg"):
        if col in points.columns:
            w = points[col].to_numpy(float)
            break
    else:
        w = np.ones(len(points))
    node, _ = network.nearest_nodes(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    ok = np.isfinite(w) & (w > 0)
    uniq, inv = np.unique(node[ok], return_inverse=True)
    tot = np.bincount(inv, weights=w[ok], minlength=uniq.size)
    return pd.DataFrame({"id": [f"d{int(x)}" for x in network.node_ids[uniq]],
                         "lon": network.lon[uniq], "lat": network.lat[uniq],
                         "node": uniq.astype(np.int64), "weight": tot})


def build_problem(network: Any, candidates: pd.DataFrame, demand: pd.DataFrame, *,
                  existing: pd.DataFrame | None = None, **limits: Any) -> SitingProblem:
    """Combine new candidates, existing stations (fixed open) and demand into a problem.

    Parameters
    ----------
    network : RoadNetwork
        The road network.
    candidates : pandas.DataFrame
        New candidate sites (``id``, ``lon``, ``lat``, optional cost/size columns).
    demand : pandas.DataFrame
        Demand per node (:func:`aggregate_demand`).
    existing : pandas.DataFrame, optional
        Existing stations (``id``, ``lon``, ``lat``, optional ``plugs``: their size in
        sized models, kept free of charge); those farther
        than ``existing_max_snap_m`` (``siting_params.csv``) from the network are dropped.
    **limits
        ``p``, ``radius_s``, ``budget_cny`` … for :class:`SitingProblem`.
    """
    cand = candidates.copy()
    cand["existing"] = cand.get("existing", False)
    if existing is not None and len(existing):
        ex = existing.copy()
        node, dist_m = network.nearest_nodes(ex["lon"].to_numpy(float), ex["lat"].to_numpy(float))
        keep = dist_m <= value("siting_params", "existing_max_snap_m")
        size = (pd.to_numeric(ex["plugs"], errors="coerce").fillna(0.0).to_numpy(float)
                if "plugs" in ex.columns else np.zeros(len(ex)))
        ex = ex.loc[keep, ["id", "lon", "lat"]].copy()
        ex["existing_size"] = np.floor(size[keep])  # plugs already there [modules]
        ex["node"] = node[keep]
        ex["existing"] = True
        ex["id"] = ex["id"].astype(str)
        logger.info("%d of %d existing stations lie on the network", int(keep.sum()), len(keep))
        cand = pd.concat([ex, cand], ignore_index=True)
    return problem_from_points(network, cand, demand, **limits)

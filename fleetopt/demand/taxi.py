"""Beijing taxi ride requests: origins where T-Drive taxis were active, exponential lengths."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from fleetopt.demand._common import WeightedChoice, numbered_ids
from fleetopt.inputs.default_demand import REQUEST_COLUMNS, demand_param, taxi_activity
from fleetopt.inputs.road_graph import RoadNetwork, haversine_m

logger = logging.getLogger(__name__)


def _activity_on(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Snapped node and hourly weights (n_links x 24) of the taxi activity on ``net``."""
    act = taxi_activity()
    node, dist = net.nearest_nodes(act["lon"].to_numpy(), act["lat"].to_numpy())
    keep = dist <= demand_param("snap_max_m")
    hours = act[[f"h{h:02d}" for h in range(24)]].to_numpy(dtype=float)
    return node[keep], hours[keep]


_CHUNK = 20_000  # requests drawn at once (bounds memory at full-city scale)


def _taxi_pairs(
    lon: np.ndarray,
    lat: np.ndarray,
    draw: WeightedChoice,
    want_m: np.ndarray,
    k: int,
    min_km: float,
    rng: np.random.Generator,
    between: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Origins drawn by activity; destinations: of ``k`` candidates, the one nearest ``want_m``.

    ``between``: the distances between the points' distinct nodes and each point's row in
    them (the same numbers :func:`haversine_m` gives, computed once; see
    :func:`generate_taxi`).
    """
    n = want_m.size
    o = draw(rng, n)
    cand = draw(rng, (n, k))
    if between is None:
        d = haversine_m(lon[o][:, None], lat[o][:, None], lon[cand], lat[cand])
    else:
        dist, row = between  # one flat gather (np.take) is faster than a 2-D fancy index
        d = np.take(dist.ravel(), row[o][:, None] * dist.shape[1] + row[cand])
    gap = np.abs(d - want_m[:, None])
    gap[d < min_km * 1000.0] = np.inf
    best = np.argmin(gap, axis=1)
    pick = cand[np.arange(n), best]
    none = ~np.isfinite(gap[np.arange(n), best])
    if np.any(none):  # every candidate too close: take the farthest one
        pick[none] = cand[none, np.argmax(d[none], axis=1)]
    return o, pick


def _request_ids(n: int) -> pd.arrays.ArrowStringArray:
    """Return ``taxi-req-000001``, ``taxi-req-000002``, ... (``n`` of them) as text.

    The strings of ``f"taxi-req-{i:06d}"`` (seven digits from a million on).
    """
    return numbered_ids("taxi-req-", np.arange(1, n + 1), 6)


def generate_taxi(net: RoadNetwork, n_taxis: int, rng: np.random.Generator) -> pd.DataFrame:
    """Return the ride requests of ``n_taxis`` taxis' day on ``net`` (requests columns)."""
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
    between = None
    uniq, row = np.unique(node, return_inverse=True)
    if n_req * k > uniq.size**2:  # fewer distances between distinct nodes than draws
        lon_u, lat_u = net.lon[uniq], net.lat[uniq]
        between = (haversine_m(lon_u[:, None], lat_u[:, None], lon_u, lat_u), row)
    bounds = np.searchsorted(hours, np.arange(25))  # hours are sorted: one run per hour
    for h in range(24):
        sel = np.arange(bounds[h], bounds[h + 1])
        if sel.size == 0:
            continue
        p = weights[:, h] if weights[:, h].sum() > 0 else weights.sum(axis=1)
        draw = WeightedChoice(p / p.sum())
        for chunk in np.array_split(sel, max(1, math.ceil(sel.size / _CHUNK))):
            o_idx[chunk], d_idx[chunk] = _taxi_pairs(
                lon, lat, draw, want_m[chunk], k, min_km, rng, between
            )
    order = np.argsort(dep, kind="stable")  # by departure, ties in drawing order
    o_n, d_n = node[o_idx[order]], node[d_idx[order]]
    return pd.DataFrame(
        {
            "request_id": _request_ids(n_req),
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

"""Turn candidate sizes into facility-location size options: modules, capacities, Erlang-C.

Three ways a site can be sized, all expressed as *size options* (capacity, cost) for
:mod:`fleetopt.siting.cflp`:

* ``uflp``: one option, unlimited capacity, the site's ``fixed_cost_cny``;
* ``cflp``: a fixed ``capacity`` (one option), or ``1..max_modules`` modules of
  ``module_capacity`` each at ``fixed_cost_cny + k * module_cost_cny`` (the
  grid-connection limit is ``max_modules``);
* ``service-level``: ``c = 1..max_plugs`` plugs, each option's capacity the largest
  arrival rate an M/M/c queue serves with ``P(wait > W) <= q`` (Erlang C), so the
  non-linear queueing constraint becomes linear in the option binaries.

Existing sites are fixed open and cost nothing to open. Defaults (service time, wait
threshold, pairs per demand point …) come from ``fleetopt/data/siting_params.csv``.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from fleetopt.defaults import value
from fleetopt.siting.cflp_core import CflpData

if TYPE_CHECKING:
    from fleetopt.siting.problem import SitingProblem

logger = logging.getLogger(__name__)

__all__ = ["erlang_c", "facility_data", "max_arrival_rate", "prob_wait_longer"]


def _param(name: str) -> float:
    return value("siting_params", name)


def erlang_c(c: int, load: float) -> float:
    """Return the Erlang-C probability that an arrival waits (M/M/c, offered load ``load``).

    Parameters
    ----------
    c : int
        Servers (plugs).
    load : float
        Offered load ``lambda / mu`` [Erlang]; must be below ``c``.
    """
    if load <= 0:
        return 0.0
    if load >= c:
        return 1.0
    # Erlang B by the stable recursion, then C = B / (1 - rho (1 - B))
    b = 1.0
    for k in range(1, c + 1):
        b = load * b / (k + load * b)
    rho = load / c
    return b / (1.0 - rho * (1.0 - b))


def prob_wait_longer(c: int, arrival_per_h: float, service_time_h: float, wait_h: float) -> float:
    """Return ``P(W > wait)`` of an M/M/c queue.

    Parameters
    ----------
    c : int
        Plugs.
    arrival_per_h : float
        Arrival rate [1/h].
    service_time_h : float
        Mean service (charging) time [h].
    wait_h : float
        Waiting-time threshold [h].
    """
    mu = 1.0 / service_time_h
    load = arrival_per_h / mu
    if load >= c:
        return 1.0
    return erlang_c(c, load) * math.exp(-(c * mu - arrival_per_h) * wait_h)


def max_arrival_rate(c: int, service_time_h: float, wait_h: float, prob: float) -> float:
    """Return the largest arrival rate [1/h] with ``P(W > wait) <= prob`` on ``c`` plugs."""
    lo, hi = 0.0, c / service_time_h
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if prob_wait_longer(c, mid, service_time_h, wait_h) <= prob:
            lo = mid
        else:
            hi = mid
    return lo


def facility_data(problem: SitingProblem, *, model: str, cost: np.ndarray,
                  reach: np.ndarray) -> CflpData:
    """Build :class:`CflpData` (size options and allowed pairs) from a siting problem.

    Parameters
    ----------
    problem : SitingProblem
        The data (candidates with costs and sizes, demand weights, limits).
    model : {"uflp", "cflp", "service-level"}
        How sites are sized.
    cost : numpy.ndarray
        Demand x candidate travel times with ``inf`` replaced [s].
    reach : numpy.ndarray
        Boolean mask of finite travel times.

    Returns
    -------
    CflpData
        Pair costs in CNY: ``weight x time [h] x value_of_time_cny_per_h``.
    """
    cand = problem.candidates
    dem = problem.demand
    n_cand = len(cand)
    weight = dem["weight"].to_numpy(float)
    existing = cand["existing"].to_numpy(bool)
    fixed_cost = np.where(existing, 0.0, cand["fixed_cost_cny"].to_numpy(float))
    have_size = np.nan_to_num(cand["existing_size"].to_numpy(float), nan=0.0)  # [modules]
    sites: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    if model == "uflp":
        sites.append(np.arange(n_cand))
        caps.append(np.full(n_cand, np.inf))
        costs.append(fixed_cost)
        sizes.append(np.ones(n_cand, np.int64))
    elif model == "cflp":
        cap = cand["capacity"].to_numpy(float)
        mcap = cand["module_capacity"].to_numpy(float)
        mcost = cand["module_cost_cny"].to_numpy(float)
        mmax = cand["max_modules"].to_numpy(np.int64)
        for j in range(n_cand):
            if np.isfinite(cap[j]) or not np.isfinite(mcap[j]):
                sites.append(np.array([j], np.int64))
                caps.append(np.array([cap[j]], float))
                costs.append(np.array([fixed_cost[j]], float))
                sizes.append(np.ones(1, np.int64))
            else:
                # an existing site keeps the modules it has (free) and may add more
                have = int(have_size[j]) if existing[j] else 0
                k = np.arange(max(1, have), max(1, mmax[j], have) + 1)
                sites.append(np.full(k.size, j))
                caps.append(k * mcap[j])
                costs.append(fixed_cost[j] + (k - have) * mcost[j])
                sizes.append(k)
    elif model == "service-level":
        svc = problem.service
        t_h = float(svc.get("service_time_min", _param("service_time_min"))) / 60.0
        w_h = float(svc.get("max_wait_min", _param("max_wait_min"))) / 60.0
        q = float(svc.get("max_wait_prob", _param("max_wait_prob")))
        cmax = int(svc.get("max_plugs", _param("max_plugs")))
        plug_cost = float(svc.get("plug_cost_cny", _param("plug_cost_cny")))
        lam = np.array([max_arrival_rate(c, t_h, w_h, q) for c in range(1, cmax + 1)])
        k = np.arange(1, cmax + 1)
        for j in range(n_cand):
            # an existing site keeps its plugs (free) and may add more, up to max_plugs
            have = min(int(have_size[j]), cmax) if existing[j] else 0
            keep = k >= max(1, have)
            sites.append(np.full(int(keep.sum()), j))
            caps.append(lam[keep])
            costs.append(fixed_cost[j] + (k[keep] - have) * plug_cost)
            sizes.append(k[keep])
    else:  # pragma: no cover - caller checks
        msg = f"not a facility model: {model}"
        raise ValueError(msg)
    option_site = np.concatenate([np.atleast_1d(np.asarray(s)) for s in sites]).astype(np.int64)
    option_capacity = np.concatenate([np.atleast_1d(np.asarray(c, float)) for c in caps])
    option_cost = np.concatenate([np.atleast_1d(np.asarray(c, float)) for c in costs])
    option_size = np.concatenate([np.atleast_1d(np.asarray(s)) for s in sizes]).astype(np.int64)
    # allowed pairs: each demand point's nearest candidates, within the radius when one is
    # set (the nearest one always, so every point stays servable)
    kk = min(int(_param("max_pairs_per_demand")), n_cand)
    part = np.argpartition(cost, kk - 1, axis=1)[:, :kk]
    ok = np.zeros(cost.shape, bool)
    np.put_along_axis(ok, part, True, axis=1)
    radius = problem.radius_s
    if radius is not None:
        nearest = np.zeros(cost.shape, bool)
        np.put_along_axis(nearest, np.argmin(cost, axis=1)[:, None], True, axis=1)
        ok &= (cost <= radius) | nearest
    ok &= reach
    pc, ps = np.nonzero(ok)
    vot = float(problem.value_of_time_cny_per_h)
    pair_cost = weight[pc] * cost[pc, ps] / 3600.0 * vot
    return CflpData(option_site=option_site, option_capacity=option_capacity,
                    option_cost=option_cost, n_sites=n_cand, demand=weight, pair_site=ps,
                    pair_cust=pc, pair_cost=pair_cost, fixed_open=np.flatnonzero(existing),
                    budget=problem.budget_cny, option_size=option_size,
                    max_open=None)

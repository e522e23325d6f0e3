"""Turn a model's :class:`~fleetopt.siting.answer.Answer` into a :class:`SitingResult`.

Point models (one site per demand point) and facility models (sizes, split demand) map
back to the problem's candidate and demand ids here, so each model module only solves.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.siting.answer import SOLVED, Answer, Status
from fleetopt.siting.cflp_core import CflpData
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.result import SitingResult

__all__ = ["facility_result", "finite_cost", "infeasible_result", "point_result"]


def finite_cost(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace ``inf`` by a penalty larger than any finite cost; return it and the mask."""
    fin = np.isfinite(cost)
    if fin.all():
        return cost, fin
    top = float(cost[fin].max()) if fin.any() else 1.0
    return np.where(fin, cost, 10.0 * top + 1e6), fin


def infeasible_result(model: str, t0: float, reason: str) -> SitingResult:
    """Return an infeasible result with its reason (``wall_s`` since ``t0``)."""
    return SitingResult(model=model, status=Status.INFEASIBLE, objective=None, bound=None,
                        open_sites=[], wall_s=time.perf_counter() - t0, reason=reason)


def point_result(problem: SitingProblem, model: str, t0: float, status: Status, obj: float,
                  bound: float, open_idx: np.ndarray, size: dict[str, Any],
                  details: dict[str, Any], *, reason: str = "", maximize: bool = False,
                  assign_radius: float | None = None) -> SitingResult:
    """Assign each demand point to its nearest open site and build the result."""
    wall = time.perf_counter() - t0
    if status not in SOLVED:
        return SitingResult(model=model, status=status, objective=None,
                            bound=float(bound) if bound is not None and np.isfinite(bound)
                            else None, open_sites=[], wall_s=wall, model_size=size,
                            reason=reason or "no solution found", maximize=maximize)
    idx = np.sort(np.asarray(open_idx, dtype=np.int64))
    cand = problem.candidates
    dem = problem.demand
    sub = problem.cost_s[:, idx]
    pos = np.argmin(sub, axis=1)
    tt = sub[np.arange(sub.shape[0]), pos]
    ok = np.isfinite(tt)
    if assign_radius is not None:
        ok &= tt <= assign_radius
    assign = pd.DataFrame({"demand_id": dem["id"].to_numpy()[ok],
                           "site_id": cand["id"].to_numpy()[idx[pos[ok]]],
                           "share": 1.0, "cost": tt[ok]})
    load = np.bincount(pos[ok], weights=dem["weight"].to_numpy(float)[ok], minlength=idx.size)
    sites = pd.DataFrame({"id": cand["id"].to_numpy()[idx], "lon": cand["lon"].to_numpy()[idx],
                          "lat": cand["lat"].to_numpy()[idx],
                          "existing": cand["existing"].to_numpy()[idx], "size": 1,
                          "load": load})
    return SitingResult(model=model, status=status, objective=float(obj),
                        bound=float(bound) if np.isfinite(bound) else None,
                        open_sites=[str(s) for s in cand["id"].to_numpy()[idx]], wall_s=wall,
                        sites=sites, assignments=assign, model_size=size, details=details,
                        reason=reason, maximize=maximize)


def facility_result(problem: SitingProblem, model: str, data: CflpData, ans: Answer,
                    wall_s: float) -> SitingResult:
    """Build the result of a facility model: open sites with their size, split assignments."""
    wall = wall_s
    if ans.status not in SOLVED:
        return SitingResult(model=model, status=ans.status, objective=None,
                            bound=float(ans.bound) if np.isfinite(ans.bound) else None,
                            open_sites=[], wall_s=wall, model_size=ans.model_size,
                            reason=ans.reason or "no solution found")
    cand, dem = problem.candidates, problem.demand
    opened = np.flatnonzero(ans.option_open)
    site_of = data.option_site[opened]
    assert data.option_size is not None  # filled in by CflpData.__post_init__
    size_of = data.option_size[opened]
    keep = ans.flow > 1e-9
    ps, pc, fl = data.pair_site[keep], data.pair_cust[keep], ans.flow[keep]
    assign = pd.DataFrame({"demand_id": dem["id"].to_numpy()[pc],
                           "site_id": cand["id"].to_numpy()[ps], "share": fl,
                           "cost": problem.cost_s[pc, ps]})
    load = np.bincount(ps, weights=fl * data.demand[pc], minlength=problem.n_candidates)
    order = np.argsort(site_of)
    site_of, size_of, opened = site_of[order], size_of[order], opened[order]
    sites = pd.DataFrame({"id": cand["id"].to_numpy()[site_of],
                          "lon": cand["lon"].to_numpy()[site_of],
                          "lat": cand["lat"].to_numpy()[site_of],
                          "existing": cand["existing"].to_numpy()[site_of],
                          "size": size_of, "capacity": data.option_capacity[opened],
                          "load": load[site_of]})
    return SitingResult(model=model, status=ans.status, objective=float(ans.objective),
                        bound=float(ans.bound), open_sites=[str(s) for s in sites["id"]],
                        wall_s=wall, sites=sites, assignments=assign, model_size=ans.model_size)

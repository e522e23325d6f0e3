"""Run a siting model on a problem and return a :class:`SitingResult`.

:func:`solve` resolves the time limit once (``settings.SITING_TIME_LIMIT_S`` unless
given) into a :class:`~fleetopt.deadline.Deadline`, checks what the model needs and
hands a :class:`~fleetopt.siting.problem.SitingProblem` to the model's entry in
:data:`fleetopt.siting.registry.MODELS` (p-median, p-center, set cover, maximal
coverage, uncapacitated / capacitated facility location with modular sizes, Erlang-C
service-level sizing, hydrogen flow refuelling, staged rollout).
:func:`solve_orlib_pmed` and :func:`solve_orlib_cap` solve OR-Library files in the
files' own units and 1-based indices; :func:`site_for_demo` is the call the demo makes
with a network and demand/candidate tables. ``fleetopt site`` is orchestrated by
:func:`fleetopt.api.site`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import settings
from fleetopt.deadline import Deadline
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.default_demand import public_dc_stations
from fleetopt.inputs.orlib import read_cap
from fleetopt.siting.answer import SOLVED
from fleetopt.siting.assemble import finite_cost, infeasible_result
from fleetopt.siting.candidates import aggregate_demand, build_problem, candidates_from_network
from fleetopt.siting.cflp import CflpData, solve_cflp
from fleetopt.siting.coverage import solve_p_center
from fleetopt.siting.pmedian_orlib import read_pmed_p, solve_pmed_file
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.registry import MODELS, SolveOptions
from fleetopt.siting.result import SitingResult

logger = logging.getLogger(__name__)

__all__ = ["site_for_demo", "solve", "solve_orlib_cap", "solve_orlib_pmed"]

#: Beasley (1988) Table 1 capacities for capa/capb/capc (the word ``capacity``).
BEASLEY_CAPACITIES = {"capa": (8000, 10000, 12000, 14000), "capb": (5000, 6000, 7000, 8000),
                      "capc": (5000, 5750, 6500, 7250)}


# --------------------------------------------------------------------------- OR-Library
def solve_orlib_pmed(path: str | Path, *, p: int | None = None, model: str = "p-median",
                     time_limit_s: float | None = None, solver: str = "highs") -> SitingResult:
    """Solve an OR-Library ``pmedN.txt`` as p-median (or p-center).

    Parameters
    ----------
    path : path
        The file.
    p : int, optional
        Medians (default: the file's header).
    model : {"p-median", "p-center"}
        Model.
    time_limit_s : float, optional
        Wall-clock limit [s] (default ``settings.SITING_TIME_LIMIT_S``).
    solver : {"highs", "scip"}
        MIP back-end.

    Returns
    -------
    SitingResult
        Objective in the file's units; ``open_sites`` are 1-based vertex numbers.
    """
    if model == "p-median":
        res = solve_pmed_file(path, p=p, time_limit_s=time_limit_s, solver=solver)
        inst, p_use, t0, ans = res.instance, res.p, res.deadline.start_s, res.answer
        details: dict[str, Any] = {"heuristic_objective": ans.heuristic_objective,
                                   "rounds": ans.iterations}
    else:
        limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
        deadline = Deadline.after(limit)
        t0 = deadline.start_s
        inst, p_use = read_pmed_p(path, p)
        if model != "p-center":
            msg = f"model {model!r} does not apply to a p-median file; use p-median or p-center"
            raise InputError(msg, [Problem(msg, column="--model")])
        ans = solve_p_center(inst.cost, p_use, deadline=deadline.at_least(0.1), solver=solver)
        details = {}
    if ans.status not in SOLVED:
        return SitingResult(model=model, status=ans.status, objective=None, bound=None,
                            open_sites=[], wall_s=time.perf_counter() - t0,
                            model_size=ans.model_size)
    idx = np.sort(np.asarray(ans.open_idx, dtype=np.int64))
    near = idx[np.argmin(inst.cost[:, idx], axis=1)]
    assign = pd.DataFrame({"demand_id": np.arange(1, inst.n + 1), "site_id": near + 1,
                           "share": 1.0, "cost": inst.cost[np.arange(inst.n), near]})
    sites = pd.DataFrame({"id": idx + 1, "size": 1,
                          "load": np.bincount(np.searchsorted(idx, near), minlength=idx.size)})
    return SitingResult(model=model, status=ans.status, objective=float(ans.objective),
                        bound=float(ans.bound), open_sites=[int(i) + 1 for i in idx],
                        wall_s=time.perf_counter() - t0, sites=sites, assignments=assign,
                        model_size=ans.model_size, details={**details, "p": p_use, "n": inst.n})


def solve_orlib_cap(path: str | Path, *, capacity: float | None = None,
                    uncapacitated: bool = False, time_limit_s: float | None = None,
                    solver: str = "highs") -> SitingResult:
    """Solve an OR-Library warehouse location file (capacitated or, with ``uncapacitated``, UFLP).

    Parameters
    ----------
    path : path
        ``capNN.txt`` or ``capa/capb/capc.txt``.
    capacity : float, optional
        Value of the word ``capacity`` (capa/b/c) [demand units].
    uncapacitated : bool
        Ignore capacities (uncapacitated warehouse location).
    time_limit_s : float, optional
        Wall-clock limit [s].
    solver : {"highs", "scip"}
        MIP back-end.

    Returns
    -------
    SitingResult
        Objective in the file's units; sites and customers 1-based; demand may be split.
    """
    limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
    deadline = Deadline.after(limit)
    t0 = deadline.start_s
    inst = read_cap(path, capacity=capacity)
    if not uncapacitated and np.isnan(inst.capacity).any():
        stem = Path(path).stem
        known = BEASLEY_CAPACITIES.get(stem)
        hint = f" (Beasley 1988 uses {', '.join(map(str, known))})" if known else ""
        msg = (f"{path}: capacities are the word 'capacity'; give --capacity N{hint} "
               "or --uncapacitated")
        raise InputError(msg, [Problem("the word 'capacity' needs a value", row=2,
                                        column="capacity", file=str(path))])
    data = CflpData.dense(inst.fixed_cost, None if uncapacitated else inst.capacity,
                          inst.demand, inst.cost)
    ans = solve_cflp(data, deadline=deadline, solver=solver)
    model = "uflp" if uncapacitated else "cflp"
    wall = time.perf_counter() - t0
    if ans.status not in SOLVED:
        return SitingResult(model=model, status=ans.status, objective=None,
                            bound=None if not np.isfinite(ans.bound) else float(ans.bound),
                            open_sites=[], wall_s=wall, model_size=ans.model_size,
                            reason=ans.reason)
    open_idx = np.flatnonzero(ans.option_open)
    keep = ans.flow > 1e-9
    assign = pd.DataFrame({"demand_id": data.pair_cust[keep] + 1,
                           "site_id": data.pair_site[keep] + 1, "share": ans.flow[keep],
                           "cost": data.pair_cost[keep] * ans.flow[keep]})
    assign = assign.sort_values(["demand_id", "site_id"]).reset_index(drop=True)
    load = np.bincount(data.pair_site[keep], weights=ans.flow[keep] *
                       data.demand[data.pair_cust[keep]], minlength=data.n_sites)
    sites = pd.DataFrame({"id": open_idx + 1, "size": 1, "load": load[open_idx]})
    return SitingResult(model=model, status=ans.status, objective=float(ans.objective),
                        bound=float(ans.bound), open_sites=[int(i) + 1 for i in open_idx],
                        wall_s=wall, sites=sites, assignments=assign, model_size=ans.model_size)


# --------------------------------------------------------------------------- problems
def solve(problem: SitingProblem, *, model: str | None = None, time_limit_s: float | None = None,
          solver: str = "highs", rel_gap: float = 1e-9) -> SitingResult:
    """Solve one model on a :class:`SitingProblem`.

    Parameters
    ----------
    problem : SitingProblem
        The data.
    model : str, optional
        One of :data:`fleetopt.siting.problem.MODELS` (default: the problem's).
    time_limit_s : float, optional
        Wall-clock limit [s] (default ``settings.SITING_TIME_LIMIT_S``).
    solver : {"highs", "scip"}
        MIP back-end.
    rel_gap : float
        Relative gap at which to stop (1e-9: prove optimality).

    Returns
    -------
    SitingResult
        Infeasible data gives ``status="infeasible"`` with a ``reason``.
    """
    t0 = time.perf_counter()
    model = model or problem.default_model
    spec = MODELS.get(model)
    if spec is None:
        msg = f"unknown model {model!r}; expected one of {', '.join(MODELS)}"
        raise InputError(msg, [Problem(msg, column="--model")])
    limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
    deadline = Deadline(start_s=t0, end_s=t0 + limit)
    cost, reach = finite_cost(np.asarray(problem.cost_s, float))
    unreachable = np.flatnonzero(~reach.any(axis=1))
    if unreachable.size and spec.needs_full_reach:
        return infeasible_result(model, t0, f"{unreachable.size} demand points reach no "
                                 f"candidate (first: {problem.demand['id'].iloc[unreachable[0]]})")
    need_p = spec.needs_p or (spec.needs_p_without_budget and problem.budget_cny is None)
    if need_p and problem.p is None:
        msg = f"model {model} needs p (the number of new sites)"
        raise InputError(msg, [Problem(msg, column="p")])
    if spec.needs_rollout:
        ro = problem.rollout or {}
        if not ro.get("years"):
            msg = f"model {model} needs a 'rollout' block with 'years' (docs/siting.md)"
            raise InputError(msg, [Problem(msg, column="rollout")])
        if ro.get("budget_cny") is None and ro.get("max_new_sites") is None:
            msg = f"model {model} needs rollout.budget_cny and/or rollout.max_new_sites"
            raise InputError(msg, [Problem(msg, column="rollout.budget_cny")])
    if spec.needs_radius and problem.radius_s is None:
        msg = f"model {model} needs radius_s (the coverage radius in seconds)"
        raise InputError(msg, [Problem(msg, column="radius_s")])
    n_new = problem.n_candidates - problem.existing_idx.size
    if problem.p is not None and problem.p > n_new and spec.p_within_candidates:
        return infeasible_result(model, t0, f"p={problem.p} new sites asked but only {n_new} "
                                 "candidates are not already open")
    return spec.solve(problem, deadline,
                      SolveOptions(solver=solver, rel_gap=rel_gap, cost=cost, reach=reach))


# --------------------------------------------------------------------------- entry points
def site_for_demo(
    network: Any,
    demand: Any,
    candidates_df: pd.DataFrame | None = None,
    *,
    model: str = "p-median",
    p_new: int | None = None,
    p: int = 10,
    radius_s: float | None = None,
    existing_df: pd.DataFrame | str | None = "public",
    time_limit_s: float = 30.0,
    rel_gap: float = 1e-4,
    n_candidates: int = 500,
    seed: int = 0,
    out_dir: Path | None = None,
) -> SitingResult:
    """Site stations for the demo: demand points on a road network, existing stations open.

    Parameters
    ----------
    network : RoadNetwork
        The scenario's network.
    demand : pandas.DataFrame or SimulationResult
        ``lon``, ``lat`` [deg] with ``weight`` or ``energy_kwh`` [kWh]; a simulation
        result gives its ``charge_demand()``. Aggregated to graph nodes.
    candidates_df : pandas.DataFrame, optional
        ``id``, ``lon``, ``lat``; default ``n_candidates`` road-graph nodes on primary to
        tertiary roads (:func:`fleetopt.siting.candidates.candidates_from_network`).
    model : str
        Model (default p-median; ``max-coverage`` and ``set-cover`` need ``radius_s``;
        ``service-level`` needs ``weight`` in sessions per hour, not energy).
    p_new, p : int
        New sites (``p_new`` wins when given).
    radius_s : float, optional
        Coverage radius [s].
    existing_df : pandas.DataFrame or "public" or None
        Existing stations (``id``, ``lon``, ``lat``), fixed open; ``"public"`` = the 711
        public DC stations of Beijing (only those on the network are kept).
    time_limit_s : float
        Wall-clock limit [s].
    rel_gap : float
        Relative gap to stop at.
    n_candidates : int
        Number of generated candidates.
    seed : int
        Seed of the candidate sample.
    out_dir : Path, optional
        Write GeoJSON / CSV / summary here.

    Returns
    -------
    SitingResult
        An empty demand gives status ``infeasible`` with the reason.
    """
    t0 = time.perf_counter()
    pts = demand.charge_demand() if hasattr(demand, "charge_demand") else demand
    if model == "service-level" and "weight" not in pts.columns:
        # Erlang C needs arrivals per hour; energy [kWh] would be read as sessions/h
        msg = ("service-level sizing needs charging sessions per hour: give each demand "
               "point a 'weight' [sessions/h], or run `fleetopt site SCENARIO.toml --model "
               "service-level` (it turns the scenario's battery trips into peak-hour sessions)")
        raise InputError(msg, [Problem(msg, column="weight")])
    dem = aggregate_demand(network, pts)
    if dem.empty:
        return infeasible_result(model, t0, "no energy demand to site stations for")
    if isinstance(existing_df, str) and existing_df == "public":
        existing_df = public_dc_stations()
    cand = candidates_df if candidates_df is not None else candidates_from_network(
        network, n=n_candidates, seed=seed)
    prob = build_problem(network, cand, dem, existing=existing_df,
                         p=int(p_new if p_new is not None else p), radius_s=radius_s)
    res = solve(prob, model=model, time_limit_s=time_limit_s, rel_gap=rel_gap)
    if out_dir is not None:
        res.write(Path(out_dir))
    return res

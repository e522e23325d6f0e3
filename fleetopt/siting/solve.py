"""Run a siting model on a problem and return a :class:`SitingResult`; the `site` entry point.

:func:`solve` dispatches a :class:`~fleetopt.siting.problem.SitingProblem` to one model
(p-median, p-center, set cover, maximal coverage, uncapacitated / capacitated facility
location with modular sizes, Erlang-C service-level sizing, hydrogen flow refuelling).
:func:`solve_orlib_pmed` and :func:`solve_orlib_cap` solve OR-Library files in the
files' own units and 1-based indices. :func:`site_command` is what ``fleetopt site``
(through :func:`fleetopt.api.site`) calls; :func:`site_for_demo` is the call the demo
uses with a network and demand/candidate tables.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import settings
from fleetopt.errors import InputError, Problem
from fleetopt.siting.problem import MODELS, SitingProblem
from fleetopt.siting.result import SitingResult

logger = logging.getLogger(__name__)

__all__ = ["site_command", "site_for_demo", "solve", "solve_orlib_cap", "solve_orlib_pmed"]

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
    from fleetopt.inputs.orlib import read_pmed
    from fleetopt.siting.coverage import solve_p_center
    from fleetopt.siting.pmedian import solve_pmedian

    t0 = time.perf_counter()
    limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
    inst = read_pmed(path)
    p_use = inst.p if p is None else int(p)
    if not 1 <= p_use <= inst.n:
        msg = f"--p must be between 1 and n={inst.n}, got {p_use}"
        raise InputError(msg, [Problem(msg, column="p", file=str(path))])
    if model == "p-median":
        ans = solve_pmedian(inst.cost, None, p_use, time_limit_s=limit - (time.perf_counter() - t0),
                            solver=solver)
        status, obj, bound, idx, size = (ans.status, ans.objective, ans.bound, ans.open_idx,
                                         ans.model_size)
        details = {"heuristic_objective": ans.heuristic_objective, "rounds": ans.iterations,
                   "p": p_use, "n": inst.n}
    elif model == "p-center":
        c = solve_p_center(inst.cost, p_use, time_limit_s=_left(limit, t0), solver=solver)
        status, obj, bound, idx, size = c.status, c.objective, c.bound, c.open_idx, c.model_size
        details = {"p": p_use, "n": inst.n}
    else:
        msg = f"model {model!r} does not apply to a p-median file; use p-median or p-center"
        raise InputError(msg, [Problem(msg, column="--model")])
    if status not in ("optimal", "feasible"):
        return SitingResult(model=model, status=status, objective=None, bound=None, open_sites=[],
                            wall_s=time.perf_counter() - t0, model_size=size)
    idx = np.sort(np.asarray(idx, dtype=np.int64))
    near = idx[np.argmin(inst.cost[:, idx], axis=1)]
    assign = pd.DataFrame({"demand_id": np.arange(1, inst.n + 1), "site_id": near + 1,
                           "share": 1.0, "cost": inst.cost[np.arange(inst.n), near]})
    sites = pd.DataFrame({"id": idx + 1, "size": 1,
                          "load": np.bincount(np.searchsorted(idx, near), minlength=idx.size)})
    return SitingResult(model=model, status=status, objective=float(obj), bound=float(bound),
                        open_sites=[int(i) + 1 for i in idx], wall_s=time.perf_counter() - t0,
                        sites=sites, assignments=assign, model_size=size, details=details)


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
    from fleetopt.inputs.orlib import read_cap
    from fleetopt.siting.cflp import CflpData, solve_cflp

    t0 = time.perf_counter()
    limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
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
    ans = solve_cflp(data, time_limit_s=limit - (time.perf_counter() - t0), solver=solver)
    model = "uflp" if uncapacitated else "cflp"
    wall = time.perf_counter() - t0
    if ans.status not in ("optimal", "feasible"):
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
def _finite_cost(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace ``inf`` by a penalty larger than any finite cost; return it and the mask."""
    fin = np.isfinite(cost)
    if fin.all():
        return cost, fin
    top = float(cost[fin].max()) if fin.any() else 1.0
    return np.where(fin, cost, 10.0 * top + 1e6), fin


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
    if model not in MODELS:
        msg = f"unknown model {model!r}; expected one of {', '.join(MODELS)}"
        raise InputError(msg, [Problem(msg, column="--model")])
    limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
    fixed = problem.existing_idx
    weight = problem.demand["weight"].to_numpy(float)
    cost, reach = _finite_cost(np.asarray(problem.cost_s, float))
    unreachable = np.flatnonzero(~reach.any(axis=1))
    if unreachable.size and model not in ("max-coverage", "flow-refuelling", "rollout"):
        return _infeasible(model, t0, f"{unreachable.size} demand points reach no candidate "
                                      f"(first: {problem.demand['id'].iloc[unreachable[0]]})")
    need_p = model in ("p-median", "p-center") or (model == "max-coverage"
                                                     and problem.budget_cny is None)
    if need_p and problem.p is None:
        msg = f"model {model} needs p (the number of new sites)"
        raise InputError(msg, [Problem(msg, column="p")])
    if model == "rollout":
        ro = problem.rollout or {}
        if not ro.get("years"):
            msg = "model rollout needs a 'rollout' block with 'years' (docs/siting.md)"
            raise InputError(msg, [Problem(msg, column="rollout")])
        if ro.get("budget_cny") is None and ro.get("max_new_sites") is None:
            msg = "model rollout needs rollout.budget_cny and/or rollout.max_new_sites"
            raise InputError(msg, [Problem(msg, column="rollout.budget_cny")])
    need_r = model in ("set-cover", "max-coverage", "rollout")
    if need_r and problem.radius_s is None:
        msg = f"model {model} needs radius_s (the coverage radius in seconds)"
        raise InputError(msg, [Problem(msg, column="radius_s")])
    n_new = problem.n_candidates - fixed.size
    if problem.p is not None and problem.p > n_new and model in ("p-median", "p-center"):
        return _infeasible(model, t0, f"p={problem.p} new sites asked but only {n_new} "
                                      "candidates are not already open")
    from fleetopt.siting import coverage as cov

    if model == "p-median":
        from fleetopt.siting.pmedian import solve_pmedian

        ans = solve_pmedian(cost, weight, int(problem.p or 0), fixed=fixed,
                            time_limit_s=_left(limit, t0), solver=solver, rel_gap=rel_gap)
        return _point_result(problem, model, t0, ans.status, ans.objective, ans.bound,
                             ans.open_idx, ans.model_size,
                             {"heuristic_objective": ans.heuristic_objective,
                              "rounds": ans.iterations})
    if model == "p-center":
        c = cov.solve_p_center(cost, int(problem.p or 0), fixed=fixed,
                               time_limit_s=_left(limit, t0), solver=solver)
        return _point_result(problem, model, t0, c.status, c.objective, c.bound, c.open_idx,
                             c.model_size, {}, reason=c.reason)
    if model == "set-cover":
        cm = cov.coverage_matrix(np.where(reach, cost, np.inf), float(problem.radius_s or 0))
        site_cost = problem.candidates["fixed_cost_cny"].to_numpy(float)
        if not np.any(site_cost > 0):
            site_cost = None
        c = cov.solve_set_cover(cm, site_cost=site_cost, fixed=fixed, time_limit_s=_left(limit, t0),
                                solver=solver)
        return _point_result(problem, model, t0, c.status, c.objective, c.bound, c.open_idx,
                             c.model_size, {}, reason=c.reason)
    if model == "max-coverage":
        cm = cov.coverage_matrix(np.where(reach, cost, np.inf), float(problem.radius_s or 0))
        c = cov.solve_max_coverage(cm, weight, p=problem.p,
                                   site_cost=problem.candidates["fixed_cost_cny"].to_numpy(float),
                                   budget=problem.budget_cny, fixed=fixed,
                                   time_limit_s=_left(limit, t0), solver=solver, rel_gap=rel_gap)
        res = _point_result(problem, model, t0, c.status, c.objective, c.bound, c.open_idx,
                            c.model_size, {}, reason=c.reason, maximize=True,
                            assign_radius=float(problem.radius_s or 0))
        if c.status in ("optimal", "feasible") and weight.sum() > 0:
            res.details["covered_share"] = float(c.objective / weight.sum())
        return res
    if model == "rollout":
        return _rollout_result(problem, t0, limit, solver, rel_gap, cost, reach)
    if model in ("uflp", "cflp", "service-level"):
        from fleetopt.siting.sizing import facility_data

        data = facility_data(problem, model=model, cost=cost, reach=reach)
        return _facility_result(problem, model, data, t0, limit, solver, rel_gap)
    if model == "flow-refuelling":
        from fleetopt.siting.flows import solve_flow_refuelling

        return solve_flow_refuelling(problem, time_limit_s=limit, solver=solver, t0=t0)
    msg = f"model {model!r} is not implemented"  # pragma: no cover - MODELS is exhaustive
    raise InputError(msg)


def _left(limit: float, t0: float) -> float:
    """Seconds left of ``limit`` since ``t0`` (at least 0.1) [s]."""
    return max(0.1, limit - (time.perf_counter() - t0))


def _infeasible(model: str, t0: float, reason: str) -> SitingResult:
    return SitingResult(model=model, status="infeasible", objective=None, bound=None,
                        open_sites=[], wall_s=time.perf_counter() - t0, reason=reason)


def _point_result(problem: SitingProblem, model: str, t0: float, status: str, obj: float,
                  bound: float, open_idx: np.ndarray, size: dict[str, Any],
                  details: dict[str, Any], *, reason: str = "", maximize: bool = False,
                  assign_radius: float | None = None) -> SitingResult:
    """Assign each demand point to its nearest open site and build the result."""
    wall = time.perf_counter() - t0
    if status not in ("optimal", "feasible"):
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


def _rollout_result(problem: SitingProblem, t0: float, limit: float, solver: str,
                    rel_gap: float, cost: np.ndarray, reach: np.ndarray) -> SitingResult:
    """Solve the staged rollout and report the open year of every site."""
    from fleetopt.siting.rollout import demand_by_year, solve_rollout

    ro = problem.rollout or {}
    years = list(ro["years"])
    wt = demand_by_year(problem.demand["weight"].to_numpy(float), len(years),
                        growth=ro.get("growth"), years=years,
                        weight_by_year=ro.get("weight_by_year"))
    ans = solve_rollout(np.where(reach, cost, np.inf), wt, float(problem.radius_s or 0),
                        fixed=problem.existing_idx,
                        site_cost=problem.candidates["fixed_cost_cny"].to_numpy(float),
                        budget_t=ro.get("budget_cny"), max_new_t=ro.get("max_new_sites"),
                        min_share_t=ro.get("min_covered_share"),
                        time_limit_s=_left(limit, t0), solver=solver, rel_gap=rel_gap)
    open_idx = np.flatnonzero(ans.open_year >= 0)
    res = _point_result(problem, "rollout", t0, ans.status, ans.objective, ans.bound,
                        open_idx, ans.model_size, {}, reason=ans.reason, maximize=True,
                        assign_radius=float(problem.radius_s or 0))
    ids = problem.candidates["id"].to_numpy()
    year_of = {str(ids[j]): int(years[ans.open_year[j]]) for j in open_idx}
    if not res.sites.empty:
        res.sites["open_year"] = [year_of[str(i)] for i in res.sites["id"]]
    res.details.update({"years": years, "open_year": year_of,
                        "covered_by_year": [float(x) for x in ans.covered_by_year],
                        "demand_by_year": [float(x) for x in ans.demand_by_year]})
    if ans.status in ("optimal", "feasible"):
        res.extra_json = {"open_year": year_of, "years": years,
                          "covered_by_year": res.details["covered_by_year"],
                          "demand_by_year": res.details["demand_by_year"]}
    return res


def _facility_result(problem: SitingProblem, model: str, data: Any, t0: float, limit: float,
                     solver: str, rel_gap: float) -> SitingResult:
    from fleetopt.siting.cflp import solve_cflp

    ans = solve_cflp(data, time_limit_s=limit - (time.perf_counter() - t0), solver=solver,
                     rel_gap=rel_gap)
    wall = time.perf_counter() - t0
    if ans.status not in ("optimal", "feasible"):
        return SitingResult(model=model, status=ans.status, objective=None,
                            bound=float(ans.bound) if np.isfinite(ans.bound) else None,
                            open_sites=[], wall_s=wall, model_size=ans.model_size,
                            reason=ans.reason or "no solution found")
    cand, dem = problem.candidates, problem.demand
    opened = np.flatnonzero(ans.option_open)
    site_of = data.option_site[opened]
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


# --------------------------------------------------------------------------- entry points
def site_command(
    *,
    scenario: str | Path | None = None,
    orlib_pmed: str | Path | None = None,
    p: int | None = None,
    orlib_cap: str | Path | None = None,
    uncapacitated: bool = False,
    capacity: float | None = None,
    problem: str | Path | None = None,
    model: str | None = None,
    time_limit: float | None = None,
    assignments: bool = False,
    out_dir: str | Path | None = None,
    solver: str = "highs",
    with_size_line: bool = False,
    verify: bool = False,
) -> dict[str, Any]:
    """Run ``fleetopt site`` and return the ``site --json`` document.

    Exactly one of ``scenario``, ``orlib_pmed``, ``orlib_cap``, ``problem`` is given.
    ``assignments`` adds the assignment list for OR-Library input (always present
    otherwise). ``out_dir`` writes ``sites.geojson``, ``assignments.csv``, ``summary.json``.
    ``with_size_line`` adds ``_model_size_line`` (the CLI prints it on stderr).
    ``verify`` (scenarios only) simulates the scenario with the new sites added as
    public stations and adds a ``verify`` key (:func:`fleetopt.siting.verify.verify_siting`).

    Raises
    ------
    InputError
        Bad combination of options or a malformed input file.
    """
    given = [k for k, v in (("SCENARIO.toml", scenario), ("--orlib-pmed", orlib_pmed),
                            ("--orlib-cap", orlib_cap), ("--problem", problem)) if v]
    if len(given) != 1:
        msg = ("give exactly one of SCENARIO.toml, --orlib-pmed FILE, --orlib-cap FILE, "
               f"--problem FILE.json (got {', '.join(given) or 'none'})")
        raise InputError(msg, [Problem(msg)])
    if solver not in ("highs", "scip"):
        msg = f"--solver must be highs or scip, got {solver!r}"
        raise InputError(msg, [Problem(msg, column="--solver")])
    if time_limit is not None and not time_limit > 0:
        msg = f"--time-limit must be > 0 seconds, got {time_limit}"
        raise InputError(msg, [Problem(msg, column="--time-limit")])
    if p is not None and not orlib_pmed and not problem and not scenario:
        msg = "--p applies to --orlib-pmed, --problem and scenarios only"
        raise InputError(msg, [Problem(msg, column="--p")])
    if (capacity is not None or uncapacitated) and not orlib_cap:
        msg = "--capacity and --uncapacitated apply to --orlib-cap only"
        raise InputError(msg, [Problem(msg, column="--capacity")])
    if verify and not scenario:
        msg = "--verify applies to SCENARIO.toml only (it simulates the scenario)"
        raise InputError(msg, [Problem(msg, column="--verify")])
    orlib = bool(orlib_pmed or orlib_cap)
    check = None
    if orlib_pmed:
        res = solve_orlib_pmed(_existing(orlib_pmed), p=p, model=model or "p-median",
                               time_limit_s=time_limit, solver=solver)
    elif orlib_cap:
        if model not in (None, "cflp", "uflp"):
            msg = f"model {model!r} does not apply to a warehouse file; use cflp or uflp"
            raise InputError(msg, [Problem(msg, column="--model")])
        res = solve_orlib_cap(_existing(orlib_cap), capacity=capacity,
                              uncapacitated=uncapacitated or model == "uflp",
                              time_limit_s=time_limit, solver=solver)
    elif problem:
        from fleetopt.siting.problem import read_problem_json

        prob, file_model = read_problem_json(_existing(problem))
        if p is not None:
            prob.p = int(p)
        res = solve(prob, model=model or file_model, time_limit_s=time_limit, solver=solver)
    else:
        from fleetopt.siting.scenario import problem_from_scenario

        if scenario is None:  # exactly one input was checked above
            msg = "no SCENARIO.toml given"
            raise InputError(msg, [Problem(msg)])
        prob = problem_from_scenario(_existing(scenario), p=p, model=model)
        res = solve(prob, model=model or prob.default_model, time_limit_s=time_limit,
                    solver=solver, rel_gap=1e-4)
        if verify and res.status in ("optimal", "feasible"):
            from fleetopt.inputs.scenario import read_scenario
            from fleetopt.siting.verify import verify_siting

            svc = prob.service or {}
            check = verify_siting(read_scenario(Path(scenario)), res,
                                  network=prob.network,
                                  max_wait_min=svc.get("max_wait_min"),
                                  max_wait_prob=svc.get("max_wait_prob"))
    logger.info("%s", res.model_size_line())
    if out_dir is not None:
        res.write(Path(out_dir))
    doc = res.summary(assignments=assignments or not orlib)
    if verify:
        doc["verify"] = check  # None when siting found no solution to simulate
    if with_size_line:
        doc["_model_size_line"] = res.model_size_line()
    return doc


def _existing(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        msg = f"{p}: no such file"
        raise InputError(msg, [Problem("no such file", file=str(p))])
    return p


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
    from fleetopt.siting.candidates import aggregate_demand, build_problem, candidates_from_network

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
        return _infeasible(model, t0, "no energy demand to site stations for")
    if isinstance(existing_df, str) and existing_df == "public":
        from fleetopt.inputs.default_demand import public_dc_stations

        existing_df = public_dc_stations()
    cand = candidates_df if candidates_df is not None else candidates_from_network(
        network, n=n_candidates, seed=seed)
    prob = build_problem(network, cand, dem, existing=existing_df,
                         p=int(p_new if p_new is not None else p), radius_s=radius_s)
    res = solve(prob, model=model, time_limit_s=time_limit_s, rel_gap=rel_gap)
    if out_dir is not None:
        res.write(Path(out_dir))
    return res

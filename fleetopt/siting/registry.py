"""List the siting models: what each needs from a problem and how it is solved.

:data:`MODELS` maps a model name (``site --model``) to a :class:`SitingModel` that
declares what the model needs (``p``, ``radius_s``, a ``rollout`` block, every demand
point in reach of some candidate) and a ``solve(problem, deadline, options) ->
SitingResult`` adapter that calls the model's module (:mod:`~fleetopt.siting.pmedian`,
:mod:`~fleetopt.siting.coverage`, :mod:`~fleetopt.siting.cflp`,
:mod:`~fleetopt.siting.rollout`, :mod:`~fleetopt.siting.flows`). Adding a model is one
model module plus one entry here (docs/INTERFACES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fleetopt.deadline import Deadline
from fleetopt.siting import coverage as cov
from fleetopt.siting.answer import SOLVED
from fleetopt.siting.assemble import facility_result, point_result
from fleetopt.siting.cflp import solve_cflp
from fleetopt.siting.flows import solve_flow_refuelling
from fleetopt.siting.pmedian import solve_pmedian
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.result import SitingResult
from fleetopt.siting.rollout import demand_by_year, solve_rollout
from fleetopt.siting.sizing import facility_data

__all__ = ["MODELS", "SitingModel", "SolveOptions"]


@dataclass(frozen=True)
class SolveOptions:
    """What every model is solved with, resolved once by :func:`fleetopt.siting.solve.solve`.

    Attributes
    ----------
    solver : str
        MIP back-end (``highs`` or ``scip``).
    rel_gap : float
        Relative gap at which to stop.
    cost : numpy.ndarray
        Travel cost matrix with ``inf`` replaced by a large penalty [s].
    reach : numpy.ndarray
        Boolean matrix: the demand point reaches the candidate.
    """

    solver: str
    rel_gap: float
    cost: np.ndarray
    reach: np.ndarray


Solve = Callable[[SitingProblem, Deadline, SolveOptions], SitingResult]


@dataclass(frozen=True)
class SitingModel:
    """One siting model and what it needs.

    Attributes
    ----------
    name : str
        ``site --model`` name.
    solve : callable
        ``solve(problem, deadline, options) -> SitingResult``.
    needs_p : bool
        Needs ``p`` (the number of new sites).
    needs_p_without_budget : bool
        Needs ``p`` unless the problem has a budget.
    needs_radius : bool
        Needs ``radius_s``.
    needs_rollout : bool
        Needs a ``rollout`` block with ``years`` and a budget or site count.
    needs_full_reach : bool
        Every demand point must reach a candidate (else the answer is infeasible).
    p_within_candidates : bool
        ``p`` larger than the candidates not yet open is infeasible.
    """

    name: str
    solve: Solve
    needs_p: bool = False
    needs_p_without_budget: bool = False
    needs_radius: bool = False
    needs_rollout: bool = False
    needs_full_reach: bool = True
    p_within_candidates: bool = False


def _p_median(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    weight = problem.demand["weight"].to_numpy(float)
    ans = solve_pmedian(o.cost, weight, int(problem.p or 0), fixed=problem.existing_idx,
                        deadline=deadline.at_least(0.1), solver=o.solver, rel_gap=o.rel_gap)
    return point_result(problem, "p-median", deadline.start_s, ans.status, ans.objective,
                        ans.bound, ans.open_idx, ans.model_size,
                        {"heuristic_objective": ans.heuristic_objective,
                         "rounds": ans.iterations})


def _p_center(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    c = cov.solve_p_center(o.cost, int(problem.p or 0), fixed=problem.existing_idx,
                           deadline=deadline.at_least(0.1), solver=o.solver)
    return point_result(problem, "p-center", deadline.start_s, c.status, c.objective, c.bound,
                        c.open_idx, c.model_size, {}, reason=c.reason)


def _set_cover(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    cm = cov.coverage_matrix(np.where(o.reach, o.cost, np.inf), float(problem.radius_s or 0))
    fixed_cost = problem.candidates["fixed_cost_cny"].to_numpy(float)
    site_cost = fixed_cost if np.any(fixed_cost > 0) else None
    c = cov.solve_set_cover(cm, site_cost=site_cost, fixed=problem.existing_idx,
                            deadline=deadline.at_least(0.1), solver=o.solver)
    return point_result(problem, "set-cover", deadline.start_s, c.status, c.objective, c.bound,
                        c.open_idx, c.model_size, {}, reason=c.reason)


def _max_coverage(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    weight = problem.demand["weight"].to_numpy(float)
    cm = cov.coverage_matrix(np.where(o.reach, o.cost, np.inf), float(problem.radius_s or 0))
    c = cov.solve_max_coverage(cm, weight, p=problem.p,
                               site_cost=problem.candidates["fixed_cost_cny"].to_numpy(float),
                               budget=problem.budget_cny, fixed=problem.existing_idx,
                               deadline=deadline.at_least(0.1), solver=o.solver,
                               rel_gap=o.rel_gap)
    res = point_result(problem, "max-coverage", deadline.start_s, c.status, c.objective,
                       c.bound, c.open_idx, c.model_size, {}, reason=c.reason, maximize=True,
                       assign_radius=float(problem.radius_s or 0))
    if c.status in SOLVED and weight.sum() > 0:
        res.details["covered_share"] = float(c.objective / weight.sum())
    return res


def _rollout(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    """Solve the staged rollout and report the open year of every site."""
    ro = problem.rollout or {}
    years = list(ro["years"])
    wt = demand_by_year(problem.demand["weight"].to_numpy(float), len(years),
                        growth=ro.get("growth"), years=years,
                        weight_by_year=ro.get("weight_by_year"))
    ans = solve_rollout(np.where(o.reach, o.cost, np.inf), wt, float(problem.radius_s or 0),
                        fixed=problem.existing_idx,
                        site_cost=problem.candidates["fixed_cost_cny"].to_numpy(float),
                        budget_t=ro.get("budget_cny"), max_new_t=ro.get("max_new_sites"),
                        min_share_t=ro.get("min_covered_share"),
                        deadline=deadline.at_least(0.1), solver=o.solver, rel_gap=o.rel_gap)
    open_idx = np.flatnonzero(ans.open_year >= 0)
    res = point_result(problem, "rollout", deadline.start_s, ans.status, ans.objective,
                       ans.bound, open_idx, ans.model_size, {}, reason=ans.reason,
                       maximize=True, assign_radius=float(problem.radius_s or 0))
    ids = problem.candidates["id"].to_numpy()
    year_of = {str(ids[j]): int(years[ans.open_year[j]]) for j in open_idx}
    if not res.sites.empty:
        res.sites["open_year"] = [year_of[str(i)] for i in res.sites["id"]]
    res.details.update({"years": years, "open_year": year_of,
                        "covered_by_year": [float(x) for x in ans.covered_by_year],
                        "demand_by_year": [float(x) for x in ans.demand_by_year]})
    if ans.status in SOLVED:
        res.extra_json = {"open_year": year_of, "years": years,
                          "covered_by_year": res.details["covered_by_year"],
                          "demand_by_year": res.details["demand_by_year"]}
    return res


def _facility(model: str) -> Solve:
    def solve(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
        data = facility_data(problem, model=model, cost=o.cost, reach=o.reach)
        ans = solve_cflp(data, deadline=deadline, solver=o.solver, rel_gap=o.rel_gap)
        return facility_result(problem, model, data, ans, deadline.elapsed_s())

    return solve


def _flow_refuelling(problem: SitingProblem, deadline: Deadline, o: SolveOptions
                     ) -> SitingResult:
    return solve_flow_refuelling(problem, deadline=deadline, solver=o.solver)


#: Every model ``fleetopt site --model`` accepts, in the order of
#: :data:`fleetopt.siting.problem.MODELS`.
MODELS: dict[str, SitingModel] = {
    m.name: m
    for m in (
        SitingModel("p-median", _p_median, needs_p=True, p_within_candidates=True),
        SitingModel("p-center", _p_center, needs_p=True, p_within_candidates=True),
        SitingModel("set-cover", _set_cover, needs_radius=True),
        SitingModel("max-coverage", _max_coverage, needs_p_without_budget=True,
                    needs_radius=True, needs_full_reach=False),
        SitingModel("uflp", _facility("uflp")),
        SitingModel("cflp", _facility("cflp")),
        SitingModel("service-level", _facility("service-level")),
        SitingModel("flow-refuelling", _flow_refuelling, needs_full_reach=False),
        SitingModel("rollout", _rollout, needs_radius=True, needs_rollout=True,
                    needs_full_reach=False),
    )
}

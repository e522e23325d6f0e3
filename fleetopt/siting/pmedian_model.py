"""Declare ``site --model p-median`` on a :class:`~fleetopt.siting.problem.SitingProblem`.

The solver is :func:`fleetopt.siting.pmedian.solve_pmedian`; it lives apart from this
declaration so that solving an OR-Library file (:mod:`fleetopt.siting.pmedian_orlib`) does
not import the problem, its road graph and pandas.
"""

from __future__ import annotations

from fleetopt.deadline import Deadline
from fleetopt.siting.assemble import point_result
from fleetopt.siting.model import SitingModel, SolveOptions
from fleetopt.siting.pmedian import solve_pmedian
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.result import SitingResult

__all__ = ["MODEL"]


def _solve_problem(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    weight = problem.demand["weight"].to_numpy(float)
    ans = solve_pmedian(o.cost, weight, int(problem.p or 0), fixed=problem.existing_idx,
                        deadline=deadline.at_least(0.1), solver=o.solver, rel_gap=o.rel_gap)
    return point_result(problem, "p-median", deadline.start_s, ans.status, ans.objective,
                        ans.bound, ans.open_idx, ans.model_size,
                        {"heuristic_objective": ans.heuristic_objective,
                         "rounds": ans.iterations})


#: ``site --model p-median``: minimise the demand-weighted travel time to the nearest site.
MODEL = SitingModel("p-median", _solve_problem, needs_p=True, p_within_candidates=True)


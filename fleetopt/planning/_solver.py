"""Hand a sparse linear model to HiGHS through OR-Tools MathOpt and read back solution and bound.

The model is ``min c.x`` s.t. ``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``, some
columns integer. For an LP the bound is the dual objective of HiGHS's dual solution
(weak duality: every dual-feasible solution bounds the optimum from below), recomputed
here from the row duals alone (reduced costs c - A'y, each column at the bound its sign
picks), so it is a proven bound for any row duals, even inexact ones, and never
exceeds the primal value by solver tolerance alone; for a MIP it is HiGHS's dual bound.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import (
    parameters_pb2,
    result_pb2,
)
from scipy import sparse

from fleetopt import _mathopt

logger = logging.getLogger(__name__)


@dataclass
class Answer:
    """What HiGHS returned.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit_no_solution``.
    x : numpy.ndarray or None
        Column values.
    objective : float
        Objective of ``x`` (NaN without one).
    bound : float
        Proven lower bound (``-inf`` when none).
    wall_s : float
        Solve time [s].
    duals : numpy.ndarray or None
        Row duals of an LP (None for a MIP or without a dual solution): the objective's
        change per unit of a row's bound.
    """

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    wall_s: float
    duals: np.ndarray | None = None


def _dual_objective(
    y: np.ndarray,
    rc: np.ndarray,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
) -> float:
    """Weak-duality bound sum(y.b) + sum(rc.bound) with each term's active side."""
    tol = 1e-9
    y = np.where(np.abs(y) < tol, 0.0, y)
    rc = np.where(np.abs(rc) < tol, 0.0, rc)
    rows = np.where(y > 0, row_lb, np.where(y < 0, row_ub, 0.0))
    cols = np.where(rc > 0, col_lb, np.where(rc < 0, col_ub, 0.0))
    if not (np.isfinite(rows).all() and np.isfinite(cols).all()):
        return -math.inf
    return float(y @ rows + rc @ cols)


def solve(
    c: np.ndarray,
    a: sparse.csr_matrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    integer: np.ndarray | None = None,
    *,
    time_limit_s: float = 60.0,
    lp_algorithm: str = "default",
) -> Answer:
    """Solve a linear model with HiGHS (MathOpt).

    Parameters
    ----------
    c : numpy.ndarray
        Objective coefficients.
    a : scipy.sparse.csr_matrix
        Constraint matrix.
    row_lb, row_ub, col_lb, col_ub : numpy.ndarray
        Row and column bounds (``±inf`` for none).
    integer : numpy.ndarray, optional
        Boolean mask of integer columns.
    time_limit_s : float
        Wall-clock limit [s].
    lp_algorithm : {"default", "dual", "primal", "barrier"}
        HiGHS's LP algorithm (barrier with crossover gives duals like simplex).

    Returns
    -------
    Answer
    """
    t0 = time.perf_counter()
    a = sparse.csr_matrix(a, dtype=np.float64)
    a.sort_indices()
    m, n = a.shape
    mip = integer is not None and bool(np.any(integer))
    p = _mathopt.model_proto(
        c, a, row_lb, row_ub, col_lb, col_ub, np.asarray(integer, bool) if mip else None
    )
    prm = parameters_pb2.SolveParametersProto()
    prm.time_limit.FromTimedelta(datetime.timedelta(seconds=max(0.1, time_limit_s)))
    prm.enable_output = False
    if mip:
        prm.relative_gap_tolerance = 1e-6
    algo = {
        "default": parameters_pb2.LP_ALGORITHM_UNSPECIFIED,
        "dual": parameters_pb2.LP_ALGORITHM_DUAL_SIMPLEX,
        "primal": parameters_pb2.LP_ALGORITHM_PRIMAL_SIMPLEX,
        "barrier": parameters_pb2.LP_ALGORITHM_BARRIER,
    }[lp_algorithm]
    prm.lp_algorithm = algo
    res = _mathopt.solve_highs(p, prm)
    wall = time.perf_counter() - t0
    term = res.termination
    sol = _mathopt.first_feasible(res, "primal_solution")
    x = _mathopt.dense(sol.variable_values, n) if sol is not None else None
    obj = float(sol.objective_value) if sol is not None else math.nan
    bound = float(term.objective_bounds.dual_bound)
    y = None
    if not mip:
        dsol = _mathopt.first_feasible(res, "dual_solution")
        if dsol is not None:
            y = _mathopt.dense(dsol.dual_values, m)
            # reduced costs from the row duals: weak duality then holds for any y
            rc = np.asarray(c, float) - a.T @ y
            bound = _dual_objective(y, rc, row_lb, row_ub, col_lb, col_ub)
    if not math.isfinite(bound):
        bound = -math.inf
    r = result_pb2
    if term.reason == r.TERMINATION_REASON_OPTIMAL and x is not None:
        status = "optimal"
    elif term.reason in (
        r.TERMINATION_REASON_INFEASIBLE,
        r.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
    ):
        status = "infeasible"
    elif x is not None:
        status = "feasible"
    else:
        status = "time_limit_no_solution"
    if x is not None and bound > obj:
        bound = obj
    logger.debug(
        "highs %s obj=%s bound=%s %.2fs (%dx%d, nnz %d)", status, obj, bound, wall, m, n, a.nnz
    )
    return Answer(status=status, x=x, objective=obj, bound=bound, wall_s=wall, duals=y)

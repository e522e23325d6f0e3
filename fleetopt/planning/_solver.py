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
from typing import Any

import numpy as np
from ortools.math_opt import (
    callback_pb2,
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
    sparse_containers_pb2,
)
from ortools.math_opt.core.python import solver as mo_solver
from scipy import sparse

from fleetopt.errors import SolverError

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
    """

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    wall_s: float


def _dense(vec: sparse_containers_pb2.SparseDoubleVectorProto, n: int) -> np.ndarray:
    out = np.zeros(n)
    ids = np.asarray(vec.ids, dtype=np.int64)
    if ids.size:
        out[ids] = np.asarray(vec.values, dtype=float)
    return out


def _first(res: result_pb2.SolveResultProto, part: str) -> Any:
    for s in res.solutions:
        if s.HasField(part):
            got = getattr(s, part)
            if got.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE:
                return got
    return None


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
    p = model_pb2.ModelProto()
    v = p.variables
    v.ids.extend(np.arange(n, dtype=np.int64))
    v.lower_bounds.extend(np.asarray(col_lb, dtype=np.float64))
    v.upper_bounds.extend(np.asarray(col_ub, dtype=np.float64))
    v.integers.extend(np.asarray(integer, bool) if mip else np.zeros(n, bool))
    nz = np.flatnonzero(c)
    p.objective.linear_coefficients.ids.extend(nz.astype(np.int64))
    p.objective.linear_coefficients.values.extend(np.asarray(c, float)[nz])
    rows = p.linear_constraints
    rows.ids.extend(np.arange(m, dtype=np.int64))
    rows.lower_bounds.extend(np.asarray(row_lb, dtype=np.float64))
    rows.upper_bounds.extend(np.asarray(row_ub, dtype=np.float64))
    mat = p.linear_constraint_matrix
    mat.row_ids.extend(np.repeat(np.arange(m, dtype=np.int64), np.diff(a.indptr)))
    mat.column_ids.extend(a.indices.astype(np.int64))
    mat.coefficients.extend(a.data)
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
    try:
        res = mo_solver.solve(
            p,
            parameters_pb2.SOLVER_TYPE_HIGHS,
            parameters_pb2.SolverInitializerProto(),
            prm,
            model_parameters_pb2.ModelSolveParametersProto(),
            None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )
    except Exception as e:  # pybind11 StatusNotOk: the model or a parameter was refused
        msg = f"highs failed: {e}"
        raise SolverError(msg) from e
    wall = time.perf_counter() - t0
    term = res.termination
    sol = _first(res, "primal_solution")
    x = _dense(sol.variable_values, n) if sol is not None else None
    obj = float(sol.objective_value) if sol is not None else math.nan
    bound = float(term.objective_bounds.dual_bound)
    if not mip:
        dsol = _first(res, "dual_solution")
        if dsol is not None:
            y = _dense(dsol.dual_values, m)
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
    return Answer(status=status, x=x, objective=obj, bound=bound, wall_s=wall)

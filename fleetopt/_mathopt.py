"""HiGHS through OR-Tools MathOpt from sparse arrays: the model proto, the call, the answers.

One piece for the two solvers that hand HiGHS a linear model as arrays — the siting back-end
(:mod:`fleetopt.siting.backend`) and the operator planner (:mod:`fleetopt.planning._solver`),
which may not import each other. The model is ``min c.x + offset`` s.t.
``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``, the columns of ``integer`` integer;
ids are column and row positions. What a caller makes of the answer (status names, bounds)
stays with the caller.
"""

from __future__ import annotations

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

__all__ = ["dense", "first_feasible", "model_proto", "solve_highs"]


def model_proto(
    c: np.ndarray,
    a: sparse.csr_matrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    integer: np.ndarray | None = None,
    offset: float = 0.0,
) -> model_pb2.ModelProto:
    """Write a model into a MathOpt ``ModelProto`` (``a`` with sorted indices: row-major).

    ``integer`` is a boolean mask of integer columns (None: none).
    """
    p = model_pb2.ModelProto()
    m, n = a.shape
    v = p.variables
    v.ids.extend(np.arange(n, dtype=np.int64))
    v.lower_bounds.extend(np.asarray(col_lb, dtype=np.float64))
    v.upper_bounds.extend(np.asarray(col_ub, dtype=np.float64))
    v.integers.extend(np.zeros(n, bool) if integer is None else np.asarray(integer, bool))
    cc = np.asarray(c, dtype=np.float64)
    nz = np.flatnonzero(cc)
    p.objective.linear_coefficients.ids.extend(nz.astype(np.int64))
    p.objective.linear_coefficients.values.extend(cc[nz])
    p.objective.offset = float(offset)
    rows = p.linear_constraints
    rows.ids.extend(np.arange(m, dtype=np.int64))
    rows.lower_bounds.extend(np.asarray(row_lb, dtype=np.float64))
    rows.upper_bounds.extend(np.asarray(row_ub, dtype=np.float64))
    # row-major order, as MathOpt requires
    mat = p.linear_constraint_matrix
    mat.row_ids.extend(np.repeat(np.arange(m, dtype=np.int64), np.diff(a.indptr)))
    mat.column_ids.extend(a.indices.astype(np.int64))
    mat.coefficients.extend(a.data)
    return p


def solve_highs(
    proto: model_pb2.ModelProto, prm: parameters_pb2.SolveParametersProto
) -> result_pb2.SolveResultProto:
    """Solve ``proto`` with HiGHS; a refused model or parameter raises :class:`SolverError`."""
    try:
        return mo_solver.solve(
            proto,
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


def dense(vec: sparse_containers_pb2.SparseDoubleVectorProto, n: int) -> np.ndarray:
    """Return a MathOpt sparse vector as a dense array of length ``n`` (zeros elsewhere)."""
    out = np.zeros(n)
    ids = np.asarray(vec.ids, dtype=np.int64)
    if ids.size:
        out[ids] = np.asarray(vec.values, dtype=float)
    return out


def first_feasible(res: result_pb2.SolveResultProto, part: str) -> Any:
    """Return the first feasible ``primal_solution`` or ``dual_solution`` of a result."""
    return next((getattr(s, part) for s in res.solutions if s.HasField(part)
                 and getattr(s, part).feasibility_status
                 == solution_pb2.SOLUTION_STATUS_FEASIBLE), None)

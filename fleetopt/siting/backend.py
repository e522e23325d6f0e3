"""Hand a linear model held as sparse arrays to OR-Tools and read the answer back.

Models are built vectorised as :class:`LinearModel` (objective vector, CSR constraint
matrix, bounds, integrality mask) and handed over in one piece, without per-variable
Python objects, so models with millions of non-zeros load in about a second:

- HiGHS through OR-Tools MathOpt: the model is written straight into a MathOpt
  ``ModelProto`` from the arrays. (OR-Tools 9.15's ``model_builder`` bridge to HiGHS
  drops the solution HiGHS found when the time limit stops it and reports no dual
  bound; measured on a 150-site facility model: HiGHS had a solution of 2.83 % gap at
  5 s, model_builder returned none after 20 s. MathOpt returns the solution, HiGHS's
  own dual bound and LP reduced costs.)
- SCIP, GLOP and PDLP through OR-Tools ``model_builder``'s helper
  (``ModelBuilderHelper.fill_model_from_sparse_data``).
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver.python import model_builder_helper as mbh
from ortools.math_opt import (
    parameters_pb2,
    result_pb2,
)
from scipy import sparse

from fleetopt import _mathopt
from fleetopt.errors import SolverError
from fleetopt.siting.answer import Status

logger = logging.getLogger(__name__)

__all__ = ["LinearModel", "MipAnswer", "solve_linear_model"]

#: model_builder solver names accepted by :func:`solve_linear_model`.
SOLVERS = ("highs", "scip", "glop", "pdlp")


@dataclass
class LinearModel:
    """A minimisation ``min c.x + offset`` s.t. ``row_lb <= A x <= row_ub``, bounds, integrality.

    Attributes
    ----------
    c : numpy.ndarray
        Objective coefficient of each column.
    a : scipy.sparse.csr_matrix
        Constraint matrix (rows x columns).
    row_lb, row_ub : numpy.ndarray
        Row bounds (``-inf``/``inf`` for one-sided rows).
    col_lb, col_ub : numpy.ndarray
        Column bounds.
    integer : numpy.ndarray
        Boolean mask of integer columns.
    offset : float
        Constant added to the objective.
    """

    c: np.ndarray
    a: sparse.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    offset: float = 0.0
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def size(self) -> dict[str, int]:
        """Model size: ``rows``, ``columns``, ``nonzeros``."""
        return {"rows": int(self.a.shape[0]), "columns": int(self.a.shape[1]),
                "nonzeros": int(self.a.nnz)}


@dataclass
class MipAnswer:
    """What the solver returned.

    Attributes
    ----------
    status : Status
        ``optimal``, ``feasible``, ``infeasible``, ``time_limit_no_solution`` or ``unbounded``.
    x : numpy.ndarray or None
        Column values of the best solution found (None without a solution).
    objective : float
        Objective of ``x`` (offset included); NaN without a solution.
    bound : float
        Best proven lower bound (offset included); ``-inf`` when none.
    wall_s : float
        Solver wall time [s].
    reduced_costs : numpy.ndarray or None
        Column reduced costs of an LP relaxation (``relax=True``), when reported.
    """

    status: Status
    x: np.ndarray | None
    objective: float
    bound: float
    wall_s: float
    reduced_costs: np.ndarray | None = None


def solve_linear_model(
    model: LinearModel,
    *,
    solver: str = "highs",
    time_limit_s: float,
    rel_gap: float = 1e-9,
    abs_gap: float = 0.0,
    cutoff: float | None = None,
    relax: bool = False,
    threads: int = 1,
    presolve: bool = True,
) -> MipAnswer:
    """Solve a :class:`LinearModel` with OR-Tools model_builder.

    Parameters
    ----------
    model : LinearModel
        The model.
    solver : {"highs", "scip", "glop"}
        Back-end solver (``glop``: LP only; use it when reduced costs are needed).
    time_limit_s : float
        Wall-clock limit [s].
    rel_gap, abs_gap : float
        Relative and absolute MIP gap at which the solver may stop.
    cutoff : float, optional
        Only solutions with objective below this value are wanted (HiGHS
        ``objective_bound``); when none exists the status is ``infeasible``. Ignored by
        SCIP. (Solution hints are not passed: model_builder's HiGHS and SCIP bridges
        crash on them in OR-Tools 9.15.)
    relax : bool
        Solve the LP relaxation (integrality dropped).
    threads : int
        Solver threads (SCIP; HiGHS takes its thread count only as a process-wide
        setting, which is left at its default).
    presolve : bool
        Let HiGHS presolve (``False``: ``presolve=off``; HiGHS does not check its time
        limit during presolve, which on coverage models takes about 30 µs per non-zero
        here, so callers turn it off when it would not fit in the time left).

    Returns
    -------
    MipAnswer
    """
    if solver not in SOLVERS:
        msg = f"unknown MIP solver {solver!r}; expected one of {SOLVERS}"
        raise SolverError(msg)
    t0 = time.perf_counter()
    a = sparse.csr_matrix(model.a, dtype=np.float64)
    a.sort_indices()
    if solver in ("glop", "pdlp"):
        relax = True
    if solver == "highs":
        return _solve_highs(model, a, t0=t0, time_limit_s=time_limit_s, rel_gap=rel_gap,
                            abs_gap=abs_gap, cutoff=cutoff, relax=relax, presolve=presolve)
    # the helper itself, not model_builder.Model (whose module imports pandas: 0.4 s of
    # start-up for every command that solves a model)
    h = mbh.ModelBuilderHelper()
    # the pybind11 stub spells a float64 vector ``ndarray[float64[m, 1]]``, which no
    # numpy array type matches: the ignore is for that stub only
    h.fill_model_from_sparse_data(
        np.asarray(model.col_lb, dtype=np.float64),  # type: ignore[arg-type]
        np.asarray(model.col_ub, dtype=np.float64),  # type: ignore[arg-type]
        np.asarray(model.c, dtype=np.float64),  # type: ignore[arg-type]
        np.asarray(model.row_lb, dtype=np.float64),  # type: ignore[arg-type]
        np.asarray(model.row_ub, dtype=np.float64),  # type: ignore[arg-type]
        a)
    if not relax:
        for j in np.flatnonzero(model.integer):
            h.set_var_integrality(int(j), True)
    if model.offset:
        h.set_objective_offset(float(model.offset))
    helper = mbh.ModelSolverHelper(solver)
    if not helper.solver_is_supported():
        msg = f"OR-Tools was built without {solver}"
        raise SolverError(msg)
    helper.set_time_limit_in_seconds(_time_left(a.nnz, relax, time_limit_s, t0))
    if solver == "scip":
        helper.set_solver_specific_parameters(
            f"limits/gap = {rel_gap}\nlimits/absgap = {abs_gap}\nparallel/maxnthreads = {threads}")
    helper.solve(h)
    status = helper.status()
    wall = time.perf_counter() - t0
    st = mbh.SolveStatus
    has_sol = status in (st.OPTIMAL, st.FEASIBLE) and helper.has_solution()
    x = np.asarray(helper.variable_values(), dtype=float) if has_sol else None
    obj = float(helper.objective_value()) if has_sol else math.nan
    try:
        bound = float(helper.best_objective_bound())
    except Exception:  # noqa: BLE001 - some back-ends give none
        bound = -math.inf
    rc = None
    if relax and has_sol:
        # reduced costs c - A'pi from the row duals (GLOP reports them reliably; the
        # HiGHS bridge of OR-Tools 9.15 returns none)
        duals = np.asarray(helper.dual_values(), dtype=float)
        if duals.size == a.shape[0]:
            rc = np.asarray(model.c, float) - a.T @ duals
    if status == st.OPTIMAL:
        name = Status.OPTIMAL
        if relax or not np.isfinite(bound):
            bound = obj
    elif status == st.FEASIBLE:
        name = Status.FEASIBLE
    elif status == st.INFEASIBLE:
        name = Status.INFEASIBLE
    elif status == st.UNBOUNDED:
        name = Status.UNBOUNDED
    elif status in (st.NOT_SOLVED, st.UNKNOWN_STATUS, st.CANCELLED_BY_USER):
        name = Status.TIME_LIMIT_NO_SOLUTION
        # HiGHS reports a dual bound of 0 when stopped without a solution (measured on
        # max-coverage models whose optimum is far below 0): not a proven bound
        bound = -math.inf
    elif status == st.ABNORMAL:  # numerical trouble: no usable answer, not a crash
        logger.warning("%s stopped abnormally on a model of size %s", solver, model.size)
        name = Status.TIME_LIMIT_NO_SOLUTION
    else:
        msg = f"{solver} failed: status {status} {helper.status_string()}"
        raise SolverError(msg)
    if not np.isfinite(bound) or (has_sol and bound > obj):
        bound = obj if status == st.OPTIMAL else (bound if np.isfinite(bound) else -math.inf)
    logger.debug("%s %s obj=%s bound=%s in %.2fs size=%s", solver, name, obj, bound, wall,
                 model.size)
    return MipAnswer(status=name, x=x, objective=obj, bound=bound, wall_s=wall, reduced_costs=rc)


def _time_left(nnz: int, relax: bool, time_limit_s: float, t0: float) -> float:
    """Time limit to give the solver [s]: what is left, less a margin on large MIPs."""
    remaining = max(0.05, time_limit_s - (time.perf_counter() - t0))
    if not relax and nnz > 50_000:
        # HiGHS overruns its limit on large MIPs (presolve, cuts) by up to a third on this
        # machine; keep a margin so the whole run stays within 10 % of the user's limit
        remaining *= 0.7 if nnz <= 1_000_000 else 0.5
    return remaining


def _solve_highs(model: LinearModel, a: sparse.csr_matrix, *, t0: float, time_limit_s: float,
                 rel_gap: float, abs_gap: float, cutoff: float | None, relax: bool,
                 presolve: bool) -> MipAnswer:
    """Solve with HiGHS through OR-Tools MathOpt (see the module notes)."""
    proto = _mathopt.model_proto(
        model.c, a, model.row_lb, model.row_ub, model.col_lb, model.col_ub,
        None if relax else model.integer, model.offset,
    )
    prm = parameters_pb2.SolveParametersProto()
    prm.time_limit.FromTimedelta(
        datetime.timedelta(seconds=_time_left(a.nnz, relax, time_limit_s, t0)))
    prm.enable_output = False
    if not relax:
        prm.relative_gap_tolerance = rel_gap
        prm.absolute_gap_tolerance = abs_gap
        if cutoff is not None:
            prm.highs.double_options["objective_bound"] = float(cutoff)  # offset included
    if not presolve:
        prm.highs.string_options["presolve"] = "off"
    res = _mathopt.solve_highs(proto, prm)
    wall = time.perf_counter() - t0
    n = a.shape[1]
    term = res.termination
    r = result_pb2
    sol = _mathopt.first_feasible(res, "primal_solution")
    x = _mathopt.dense(sol.variable_values, n) if sol is not None else None
    obj = float(sol.objective_value) if sol is not None else math.nan
    dual = float(term.objective_bounds.dual_bound)
    bound = dual if np.isfinite(dual) else -math.inf
    rc = None
    if term.reason == r.TERMINATION_REASON_OPTIMAL and x is not None:
        name = Status.OPTIMAL
        if relax or not np.isfinite(bound):
            bound = obj
        if relax:
            dsol = _mathopt.first_feasible(res, "dual_solution")
            if dsol is not None:
                rc = _mathopt.dense(dsol.reduced_costs, n)
    elif x is not None:
        name = Status.FEASIBLE
    elif term.reason == r.TERMINATION_REASON_INFEASIBLE or (
            term.reason == r.TERMINATION_REASON_NO_SOLUTION_FOUND
            and term.limit == r.LIMIT_CUTOFF):
        name = Status.INFEASIBLE
    elif term.reason == r.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED:
        # HiGHS could not tell which; facility models are never unbounded
        name = Status.INFEASIBLE
    elif term.reason == r.TERMINATION_REASON_UNBOUNDED:
        name = Status.UNBOUNDED
    else:
        if term.reason in (r.TERMINATION_REASON_NUMERICAL_ERROR,
                           r.TERMINATION_REASON_OTHER_ERROR):
            logger.warning("highs stopped abnormally (%s) on a model of size %s", term.detail,
                           model.size)
        name = Status.TIME_LIMIT_NO_SOLUTION
    if x is None:
        # without a solution no bound is reported (as for the other back-ends)
        bound = -math.inf
    if x is not None and bound > obj:
        bound = obj
    logger.debug("highs %s obj=%s bound=%s in %.2fs size=%s", name, obj, bound, wall,
                 model.size)
    return MipAnswer(status=name, x=x, objective=obj, bound=bound, wall_s=wall, reduced_costs=rc)

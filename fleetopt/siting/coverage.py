"""Solve coverage models: set cover, budgeted maximal coverage and p-center.

Coverage is a sparse 0/1 matrix ``a_ij = 1`` when candidate ``j`` is within the radius
of demand point ``i`` (travel time ``<= radius``). Models, all built vectorised:

* **set cover** (Toregas et al. 1971): ``min sum_j f_j y_j`` s.t. ``sum_{j in N_i} y_j >= 1``.
* **maximal coverage** (Church & ReVelle 1974), budgeted: ``max sum_i w_i u_i`` s.t.
  ``u_i <= sum_{j in N_i} y_j``, ``sum_j y_j <= p`` and/or ``sum_j f_j y_j <= B``.
* **p-center**: the smallest radius whose set cover needs at most ``p`` new sites,
  found by bisection over the sorted distinct travel times, each step a set-cover
  feasibility MIP (Minieka 1970; Daskin 2013 §5). Proven optimal when every step is.

Existing sites are fixed open in every model.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from fleetopt.siting.backend import LinearModel, solve_linear_model

logger = logging.getLogger(__name__)

#: Fixed part of the time kept out of a max-coverage MIP for reading the answer back [s]
#: (measured on this machine; a modelling choice, not a data default).
MIP_RESERVE_S = 0.3
#: Time to load one non-zero into HiGHS through model_builder [s] (measured: ~1 s per
#: million non-zeros on this 2-core machine).
LOAD_S_PER_NONZERO = 1.0e-6
#: HiGHS presolve time per non-zero of a max-coverage model [s] (measured: 4.5 s for
#: 0.16 M and 28 s for 0.75 M non-zeros on random instances here, 2026-11-25).
PRESOLVE_S_PER_NONZERO = 4.0e-5
#: Shortest MIP run worth starting [s]; below it the greedy and its bound are returned.
MIP_MIN_S = 0.5

__all__ = ["CoverAnswer", "coverage_matrix", "solve_max_coverage", "solve_p_center",
           "solve_set_cover"]


@dataclass
class CoverAnswer:
    """Result of a coverage model.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit_no_solution``.
    objective, bound : float
        Objective (cost, covered weight or radius) and proven bound.
    open_idx : numpy.ndarray
        Open candidate indices.
    model_size : dict
        Rows, columns, non-zeros of the (last) MIP.
    reason : str
        Why infeasible.
    """

    status: str
    objective: float
    bound: float
    open_idx: np.ndarray
    model_size: dict[str, int]
    reason: str = ""


def coverage_matrix(cost: np.ndarray, radius: float) -> sparse.csr_matrix:
    """Return the demand x candidate 0/1 matrix of ``cost <= radius`` (CSR)."""
    return sparse.csr_matrix(cost <= radius, dtype=np.float64)


def solve_set_cover(cover: sparse.csr_matrix, *, site_cost: np.ndarray | None = None,
                    fixed: np.ndarray | None = None, max_open: int | None = None,
                    time_limit_s: float = 60.0, solver: str = "highs") -> CoverAnswer:
    """Open the cheapest set of candidates covering every demand point.

    Parameters
    ----------
    cover : scipy.sparse.csr_matrix
        Demand x candidate coverage (1 = covered).
    site_cost : numpy.ndarray, optional
        Cost of each candidate (default 1: minimise the count) [CNY or count].
    fixed : numpy.ndarray, optional
        Existing candidates (open, cost not counted).
    max_open : int, optional
        At most this many new sites (turns the model into a feasibility test).
    time_limit_s : float
        Wall-clock limit [s].
    solver : {"highs", "scip"}
        MIP back-end.
    """
    n_dem, n_cand = cover.shape
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    cost = np.ones(n_cand) if site_cost is None else np.asarray(site_cost, float).copy()
    cost[fixed] = 0.0
    uncovered = np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() == 0)
    if uncovered.size:
        return CoverAnswer("infeasible", math.nan, math.nan, np.array([], np.int64), {},
                           reason=f"{uncovered.size} demand points have no candidate within "
                                  f"the radius (first: demand #{uncovered[0]})")
    covered_by_fixed = np.zeros(n_dem, bool)
    if fixed.size:
        covered_by_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
    rows = np.flatnonzero(~covered_by_fixed)
    a = cover[rows]
    lb = np.ones(rows.size)
    ub = np.full(rows.size, np.inf)
    if max_open is not None:
        notfixed = np.ones(n_cand)
        notfixed[fixed] = 0.0
        a = sparse.vstack([a, sparse.csr_matrix(notfixed[None, :])]).tocsr()
        lb = np.r_[lb, -np.inf]
        ub = np.r_[ub, float(max_open)]
    col_lb = np.zeros(n_cand)
    col_lb[fixed] = 1.0
    model = LinearModel(c=cost, a=a, row_lb=lb, row_ub=ub, col_lb=col_lb, col_ub=np.ones(n_cand),
                        integer=np.ones(n_cand, bool))
    ans = solve_linear_model(model, solver=solver, time_limit_s=time_limit_s)
    if ans.x is None:
        reason = ""
        if ans.status == "infeasible":
            reason = f"covering every demand point needs more than {max_open} new sites"
        return CoverAnswer(ans.status, math.nan, ans.bound, np.array([], np.int64), model.size,
                           reason=reason)
    return CoverAnswer(ans.status, ans.objective, ans.bound, np.flatnonzero(ans.x > 0.5),
                       model.size)


def solve_max_coverage(cover: sparse.csr_matrix, weight: np.ndarray, *, p: int | None = None,
                       site_cost: np.ndarray | None = None, budget: float | None = None,
                       fixed: np.ndarray | None = None, time_limit_s: float = 60.0,
                       solver: str = "highs", rel_gap: float = 1e-9) -> CoverAnswer:
    """Open at most ``p`` new sites (and/or spend at most ``budget``) covering most weight.

    Parameters
    ----------
    cover : scipy.sparse.csr_matrix
        Demand x candidate coverage.
    weight : numpy.ndarray
        Demand weights [demand units].
    p : int, optional
        Most new sites.
    site_cost : numpy.ndarray, optional
        Cost of each candidate [CNY] (for ``budget``).
    budget : float, optional
        Most total cost of new sites [CNY].
    fixed : numpy.ndarray, optional
        Existing sites (open, free).
    time_limit_s : float
        Wall-clock limit [s].
    solver : {"highs", "scip"}
        MIP back-end.
    rel_gap : float
        Relative gap at which to stop.

    Returns
    -------
    CoverAnswer
        ``objective`` is the covered weight (maximised), ``bound`` an upper bound.
    """
    t_start = time.perf_counter()
    n_dem, n_cand = cover.shape
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    w = np.asarray(weight, float)
    reach = np.asarray(cover.sum(axis=1)).ravel() > 0
    covered_fixed = np.zeros(n_dem, bool)
    if fixed.size:
        covered_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
    base = float(w[covered_fixed].sum())
    rows = np.flatnonzero(reach & ~covered_fixed & (w > 0))
    n_u = rows.size
    a_y = cover[rows]
    # u_i - sum_j a_ij y_j <= 0 ; columns: y (n_cand), u (n_u)
    a = sparse.hstack([-a_y, sparse.identity(n_u, format="csr")]).tocsr()
    lb = np.full(n_u, -np.inf)
    ub = np.zeros(n_u)
    extra = []
    notfixed = np.ones(n_cand)
    notfixed[fixed] = 0.0
    if p is not None:
        extra.append((np.r_[notfixed, np.zeros(n_u)], float(p)))
    if budget is not None:
        cost = np.ones(n_cand) if site_cost is None else np.asarray(site_cost, float)
        extra.append((np.r_[cost * notfixed, np.zeros(n_u)], float(budget)))
    if extra:
        a = sparse.vstack([a, sparse.csr_matrix(np.array([e[0] for e in extra]))]).tocsr()
        lb = np.r_[lb, np.full(len(extra), -np.inf)]
        ub = np.r_[ub, [e[1] for e in extra]]
    col_lb = np.zeros(n_cand + n_u)
    col_lb[fixed] = 1.0
    integer = np.r_[np.ones(n_cand, bool), np.zeros(n_u, bool)]
    model = LinearModel(c=np.r_[np.zeros(n_cand), -w[rows]], a=a, row_lb=lb, row_ub=ub,
                        col_lb=col_lb, col_ub=np.ones(n_cand + n_u), integer=integer,
                        offset=-base)
    # greedy start (largest marginal weight per cost), then the MIP cut off at its value
    site_cost_arr = None if site_cost is None else np.asarray(site_cost, float)
    g_open = _greedy_cover(a_y, w[rows], p, site_cost_arr, budget, fixed)
    g_val = base + float(w[rows][np.asarray(a_y[:, g_open].sum(axis=1)).ravel() > 0].sum()) \
        if g_open is not None else -math.inf
    cheap = base + _cover_upper_bound(a_y, w[rows], p, site_cost_arr, budget, fixed)
    left = time_limit_s - (time.perf_counter() - t_start)
    # loading the model costs about 1 s per million non-zeros here; keep that and a fixed
    # reserve for reading the answer back out of the MIP's time
    mip_s = left - (MIP_RESERVE_S + LOAD_S_PER_NONZERO * a.nnz)
    gap_ok = cheap - g_val <= rel_gap * max(1.0, abs(g_val))
    if g_open is not None and (mip_s < MIP_MIN_S or gap_ok):
        # no time for the MIP (or the greedy is proven optimal): the greedy with the
        # combinatorial bound
        status = "optimal" if gap_ok else "feasible"
        logger.info("max coverage: %.2f s left, MIP skipped; greedy %.6g, bound %.6g",
                    left, g_val, cheap)
        return CoverAnswer(status, g_val, max(cheap, g_val),
                           np.sort(np.r_[fixed, g_open]).astype(np.int64), model.size)
    # HiGHS does not look at its clock during presolve: presolve only when it fits
    presolve = PRESOLVE_S_PER_NONZERO * a.nnz <= 0.3 * mip_s
    ans = solve_linear_model(model, solver=solver, time_limit_s=max(0.1, mip_s),
                             rel_gap=rel_gap, presolve=presolve,
                             cutoff=-g_val + 1e-9 * max(1.0, abs(g_val))
                             if np.isfinite(g_val) else None)
    bound = -ans.bound if np.isfinite(ans.bound) else math.inf
    bound = min(bound, cheap)
    if ans.x is not None and -ans.objective > g_val:
        return CoverAnswer(ans.status, -ans.objective, max(bound, -ans.objective),
                           np.flatnonzero(ans.x[:n_cand] > 0.5), model.size)
    if g_open is None:
        return CoverAnswer(ans.status if ans.status != "feasible" else "time_limit_no_solution",
                           math.nan, bound, np.array([], np.int64), model.size,
                           reason="no feasible selection (budget below the existing sites?)"
                           if ans.status == "infeasible" else "")
    if ans.status in ("infeasible", "optimal"):  # nothing better than the greedy exists
        status, bound = "optimal", g_val
    else:
        status = "feasible"
    bound = max(bound, g_val)
    if bound - g_val <= rel_gap * max(1.0, abs(g_val)):
        status = "optimal"
    return CoverAnswer(status, g_val, bound, np.sort(np.r_[fixed, g_open]).astype(np.int64),
                       model.size)


def _cover_upper_bound(a_y: sparse.csr_matrix, w: np.ndarray, p: int | None,
                       site_cost: np.ndarray | None, budget: float | None,
                       fixed: np.ndarray) -> float:
    """Bound the weight new sites can cover, without a solver [demand units].

    Each new site covers at most its column weight ``g_j = sum_i w_i a_ij``, and no more
    than all coverable weight can be covered: the bound is ``min(sum w, best sum of g_j)``
    over at most ``p`` sites (the ``p`` largest ``g_j``) and/or within ``budget`` (the
    fractional knapsack on ``g_j / cost_j``, the LP of that relaxation), whichever is
    smaller.
    """
    g = np.asarray(w @ sparse.csc_matrix(a_y)).ravel()
    g[fixed] = 0.0
    total = float(w.sum())
    best = total
    if p is not None:
        best = min(best, float(np.sort(g)[::-1][:max(int(p), 0)].sum()))
    if budget is not None:
        cost = np.ones(g.size) if site_cost is None else np.asarray(site_cost, float).copy()
        free = (cost <= 0) & (g > 0)
        val = float(g[free].sum())
        pos = np.flatnonzero(~free & (g > 0))
        order = pos[np.argsort(-g[pos] / cost[pos], kind="stable")]
        csum = np.cumsum(cost[order])
        k = int(np.searchsorted(csum, budget, side="right"))
        val += float(g[order[:k]].sum())
        if k < order.size:
            spent = float(csum[k - 1]) if k else 0.0
            val += float(g[order[k]]) * max(0.0, budget - spent) / float(cost[order[k]])
        best = min(best, val)
    return best


def _greedy_cover(a_y: sparse.csr_matrix, w: np.ndarray, p: int | None,
                  site_cost: np.ndarray | None, budget: float | None, fixed: np.ndarray
                  ) -> np.ndarray | None:
    """Greedy maximal coverage: add the site with the largest new weight (per cost)."""
    n_cand = a_y.shape[1]
    csc = sparse.csc_matrix(a_y)
    covered = np.zeros(a_y.shape[0], bool)
    chosen: list[int] = []
    spent = 0.0
    avail = np.ones(n_cand, bool)
    avail[fixed] = False
    cost = np.ones(n_cand) if site_cost is None else site_cost
    while True:
        if p is not None and len(chosen) >= p:
            break
        gain = np.asarray((w * ~covered) @ csc).ravel()
        ok = avail & (gain > 0)
        if budget is not None:
            ok &= spent + cost <= budget + 1e-9
        if not ok.any():
            break
        score = np.where(ok, gain / np.maximum(cost, 1e-12) if budget is not None else gain,
                         -np.inf)
        j = int(np.argmax(score))
        chosen.append(j)
        avail[j] = False
        spent += float(cost[j])
        covered |= np.asarray(a_y[:, j].todense()).ravel() > 0
    return np.asarray(chosen, dtype=np.int64)


def solve_p_center(cost: np.ndarray, p: int, *, fixed: np.ndarray | None = None,
                   time_limit_s: float = 60.0, solver: str = "highs") -> CoverAnswer:
    """Find the smallest radius coverable with ``p`` new sites (bisection on set covers).

    Parameters
    ----------
    cost : numpy.ndarray
        Demand x candidate travel times [s] (``inf`` = unreachable).
    p : int
        New sites to open.
    fixed : numpy.ndarray, optional
        Existing sites.
    time_limit_s : float
        Wall-clock limit [s].
    solver : {"highs", "scip"}
        MIP back-end.

    Returns
    -------
    CoverAnswer
        ``objective`` is the largest travel time of a demand point to its nearest open
        site [s]; ``bound`` the largest radius proven infeasible's successor.
    """
    from fleetopt.siting.pmedian import greedy

    t0 = time.perf_counter()
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    n_dem = cost.shape[0]
    finite = np.where(np.isfinite(cost), cost, np.inf)
    if np.any(np.all(~np.isfinite(finite), axis=1)):
        return CoverAnswer("infeasible", math.nan, math.nan, np.array([], np.int64), {},
                           reason="some demand points reach no candidate")
    # upper bound: greedy p-median solution's radius
    big = np.where(np.isfinite(finite), finite, np.nanmax(finite[np.isfinite(finite)]) * 10 + 1)
    start = greedy(big, np.ones(n_dem), p, fixed)
    best = start
    hi_val = float(big[:, best].min(axis=1).max())
    # radius can only be the distance of some demand point to its nearest open site:
    # a lower bound is max_i min_j d_ij
    lo_val = float(big.min(axis=1).max())
    values = np.unique(big[(big >= lo_val) & (big <= hi_val)])
    lo, hi = 0, values.size - 1          # values[hi] feasible; values[< lo] infeasible
    size: dict[str, int] = {}
    proven = True
    while lo < hi:
        remaining = time_limit_s - (time.perf_counter() - t0)
        if remaining <= 0.05:
            proven = False
            break
        mid = (lo + hi) // 2
        ans = solve_set_cover(coverage_matrix(big, values[mid]), fixed=fixed, max_open=p,
                              time_limit_s=remaining, solver=solver)
        size = ans.model_size or size
        if ans.status in ("optimal", "feasible"):
            hi = mid
            best = ans.open_idx
        elif ans.status == "infeasible":
            lo = mid + 1
        else:
            proven = False
            break
    radius = float(big[:, best].min(axis=1).max())
    bound = float(values[lo])
    status = "optimal" if proven and lo == hi else "feasible"
    return CoverAnswer(status, radius, min(bound, radius), np.sort(best), size)

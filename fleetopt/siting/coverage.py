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

import numpy as np
from scipy import sparse

from fleetopt.deadline import Deadline
from fleetopt.siting.answer import SOLVED, Answer, Status
from fleetopt.siting.assemble import point_result
from fleetopt.siting.backend import LinearModel, solve_linear_model
from fleetopt.siting.model import SitingModel, SolveOptions
from fleetopt.siting.pmedian import greedy
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.reduce import reduce_cover
from fleetopt.siting.result import SitingResult

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
#: HiGHS LP relaxation time per non-zero of a reduced max-coverage model, no presolve [s]
#: (measured: 5.8 s for 0.96 M non-zeros on the Beijing case, load ~2, 2026-11-25).
LP_S_PER_NONZERO = 8.0e-6
#: Most share of the time left given to the LP relaxation (for the Lagrangian bound).
LP_SHARE = 0.5
#: Share of the time limit the exact reductions may take (the dominance test is skipped
#: when its estimate does not fit).
REDUCE_SHARE = 0.2
#: Share of the time left (after the bound) given to the perturbation rounds.
ILS_SHARE = 0.25

__all__ = ["coverage_matrix", "solve_max_coverage", "solve_p_center", "solve_set_cover"]


def coverage_matrix(cost: np.ndarray, radius: float) -> sparse.csr_matrix:
    """Return the demand x candidate 0/1 matrix of ``cost <= radius`` (CSR)."""
    return sparse.csr_matrix(cost <= radius, dtype=np.float64)


def solve_set_cover(cover: sparse.csr_matrix, *, site_cost: np.ndarray | None = None,
                    fixed: np.ndarray | None = None, max_open: int | None = None,
                    deadline: Deadline, solver: str = "highs") -> Answer:
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
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.
    """
    time_limit_s = deadline.left_s()
    n_dem, n_cand = cover.shape
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    cost = np.ones(n_cand) if site_cost is None else np.asarray(site_cost, float).copy()
    cost[fixed] = 0.0
    uncovered = np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() == 0)
    if uncovered.size:
        return Answer(Status.INFEASIBLE, math.nan, math.nan,
                      reason=f"{uncovered.size} demand points have no candidate within "
                                  f"the radius (first: demand #{uncovered[0]})")
    covered_by_fixed = np.zeros(n_dem, bool)
    if fixed.size:
        covered_by_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
    rows = np.flatnonzero(~covered_by_fixed)
    free_cols = np.setdiff1d(np.arange(n_cand), fixed)
    # exact reductions: identical rows merge, a candidate covering a subset of a no
    # dearer one's rows leaves (the count row treats every new site alike)
    t0 = time.perf_counter()
    red = reduce_cover(sparse.csr_matrix(cover[rows][:, free_cols]), None,
                       cost=cost[free_cols], drop_uncovered=False,
                       time_budget_s=REDUCE_SHARE * time_limit_s)
    a = red.a
    cols = free_cols[red.cols]
    n_c = a.shape[1]
    lb = np.ones(a.shape[0])
    ub = np.full(a.shape[0], np.inf)
    if max_open is not None:
        a = sparse.vstack([a, sparse.csr_matrix(np.ones((1, n_c)))]).tocsr()
        lb = np.r_[lb, -np.inf]
        ub = np.r_[ub, float(max_open)]
    offset = float(cost[fixed].sum())
    model = LinearModel(c=cost[cols], a=a, row_lb=lb, row_ub=ub, col_lb=np.zeros(n_c),
                        col_ub=np.ones(n_c), integer=np.ones(n_c, bool), offset=offset)
    size = {**model.size, "reduced_from": {"rows": int(rows.size) + (max_open is not None),
                                           "columns": int(n_cand),
                                           "nonzeros": int(cover[rows].nnz)}}
    if n_c == 0 or a.shape[0] == 0:  # the existing sites cover everything
        return Answer(Status.OPTIMAL, offset, offset, size, open_idx=np.sort(fixed))
    left = time_limit_s - (time.perf_counter() - t0)
    mip_s = max(0.1, left - (MIP_RESERVE_S + LOAD_S_PER_NONZERO * model.a.nnz))
    # HiGHS does not look at its clock during presolve: presolve only when it fits
    presolve = PRESOLVE_S_PER_NONZERO * model.a.nnz <= 0.3 * mip_s
    ans = solve_linear_model(model, solver=solver, time_limit_s=mip_s, presolve=presolve)
    if ans.x is None:
        reason = ""
        if ans.status == Status.INFEASIBLE:
            reason = f"covering every demand point needs more than {max_open} new sites"
        return Answer(ans.status, math.nan, ans.bound, size, reason=reason)
    opened = np.sort(np.r_[fixed, cols[ans.x > 0.5]]).astype(np.int64)
    return Answer(ans.status, ans.objective, ans.bound, size, open_idx=opened)


def solve_max_coverage(cover: sparse.csr_matrix, weight: np.ndarray, *, p: int | None = None,
                       site_cost: np.ndarray | None = None, budget: float | None = None,
                       fixed: np.ndarray | None = None, deadline: Deadline,
                       solver: str = "highs", rel_gap: float = 1e-9,
                       seed: int = 0) -> Answer:
    """Open at most ``p`` new sites (and/or spend at most ``budget``) covering most weight.

    Steps (each proven, the bound always an upper bound of the original model):

    1. exact reductions (:func:`fleetopt.siting.reduce.reduce_cover`): rows covered by
       existing sites leave, rows no candidate covers leave, identical rows merge,
       dominated candidates leave;
    2. incumbent: greedy, then vertex substitution (best swap until none improves),
       then a few seeded perturbation rounds;
    3. bound: the smaller of the column bound and the Lagrangian bound
       ``sum_i max(0, w_i - lambda_i) + best sum of g_j(lambda)`` (coverage rows relaxed,
       ``g_j = sum_i a_ij lambda_i``), with ``lambda`` the duals of the LP relaxation;
    4. when the gap is still above ``rel_gap``: the MIP on the reduced model, cut off at
       the incumbent, with the time left.

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
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.
    rel_gap : float
        Relative gap at which to stop.
    seed : int
        Seed of the perturbation rounds.

    Returns
    -------
    CoverAnswer
        ``objective`` is the covered weight (maximised), ``bound`` an upper bound;
        ``model_size`` the reduced MIP's size (``reduced_from``: the unreduced one).
    """
    time_limit_s = deadline.left_s()
    t_start = time.perf_counter()
    t_end = t_start + time_limit_s
    n_dem, n_cand = cover.shape
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    w = np.asarray(weight, float)
    reach = np.diff(sparse.csr_matrix(cover).indptr) > 0
    covered_fixed = np.zeros(n_dem, bool)
    if fixed.size:
        covered_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
    base = float(w[covered_fixed].sum())
    rows = np.flatnonzero(reach & ~covered_fixed & (w > 0))
    free_cols = np.setdiff1d(np.arange(n_cand), fixed)
    cost_all = np.ones(n_cand) if site_cost is None else np.asarray(site_cost, float)
    a_full = sparse.csr_matrix(cover[rows][:, free_cols])
    full_size = {"rows": int(rows.size) + (p is not None) + (budget is not None),
                 "columns": int(n_cand + rows.size),
                 "nonzeros": int(a_full.nnz + rows.size + (p is not None) * free_cols.size
                                 + (budget is not None) * free_cols.size)}
    red = reduce_cover(a_full, w[rows], cost=cost_all[free_cols] if budget is not None
                       else None, time_budget_s=REDUCE_SHARE * time_limit_s)
    b, wr = red.a, red.weight
    cols = free_cols[red.cols]                        # reduced column -> original candidate
    rcost = cost_all[cols] if budget is not None else None
    none = np.array([], np.int64)
    g_open = _greedy_cover(b, wr, p, rcost, budget, none)
    g_open = _swap_cover(b, wr, g_open, rcost, budget, t_end=t_start + 0.3 * time_limit_s)
    g_val = base + _covered(b, wr, g_open)
    bound = base + _cover_upper_bound(b, wr, p, rcost, budget, none)
    logger.info("max coverage: reduced %s -> %s; greedy + swap %.6g, column bound %.6g "
                "(%.2f s)", full_size, red.size, g_val, bound, time.perf_counter() - t_start)

    def closed() -> bool:
        return bound - g_val <= rel_gap * max(1.0, abs(g_val))

    if not closed():
        left = t_end - time.perf_counter()
        if LP_S_PER_NONZERO * b.nnz <= LP_SHARE * left:
            lam = _lp_multipliers(b, wr, p, rcost, budget, time_limit_s=LP_SHARE * left)
            if lam is not None:
                bound = min(bound, base + _lagrangian_bound(b, wr, lam, p, rcost, budget))
                logger.info("max coverage: Lagrangian bound from the LP duals %.6g (%.2f s)",
                            bound, time.perf_counter() - t_start)
    if not closed():
        left = t_end - time.perf_counter()
        g_open = _perturb_search(b, wr, g_open, p, rcost, budget, seed=seed,
                                 t_end=time.perf_counter() + ILS_SHARE * max(0.0, left))
        g_val = base + _covered(b, wr, g_open)
        logger.info("max coverage: perturbation rounds %.6g (%.2f s)", g_val,
                    time.perf_counter() - t_start)
    size = {"rows": int(b.shape[0]) + (p is not None) + (budget is not None),
            "columns": int(b.shape[1] + b.shape[0]),
            "nonzeros": int(b.nnz + b.shape[0] + (p is not None) * b.shape[1]
                            + (budget is not None) * b.shape[1]),
            "reduced_from": full_size}

    def answer(status: Status, value: float, ub: float, sel: np.ndarray) -> Answer:
        if ub - value <= rel_gap * max(1.0, abs(value)):
            status = Status.OPTIMAL
        opened = np.sort(np.r_[fixed, cols[sel]]).astype(np.int64)
        return Answer(status, value, max(ub, value), size, open_idx=opened)

    left = t_end - time.perf_counter()
    model = _reduced_model(b, wr, p, rcost, budget, base)
    # loading the model costs about 1 s per million non-zeros here; keep that and a fixed
    # reserve for reading the answer back out of the MIP's time
    mip_s = left - (MIP_RESERVE_S + LOAD_S_PER_NONZERO * model.a.nnz)
    if closed() or mip_s < MIP_MIN_S or b.shape[1] == 0:
        logger.info("max coverage: MIP skipped (%.2f s left); incumbent %.6g, bound %.6g",
                    left, g_val, bound)
        return answer(Status.FEASIBLE, g_val, bound, g_open)
    # HiGHS does not look at its clock during presolve: presolve only when it fits
    presolve = PRESOLVE_S_PER_NONZERO * model.a.nnz <= 0.3 * mip_s
    ans = solve_linear_model(model, solver=solver, time_limit_s=max(0.1, mip_s),
                             rel_gap=rel_gap, presolve=presolve,
                             cutoff=-g_val + 1e-9 * max(1.0, abs(g_val)))
    n_c = b.shape[1]
    if ans.status == Status.INFEASIBLE:  # nothing better than the incumbent exists
        return answer(Status.OPTIMAL, g_val, g_val, g_open)
    ub = bound
    if ans.x is not None and np.isfinite(ans.bound):
        ub = min(bound, -ans.bound)   # the MIP's dual bound (it holds a solution)
    if ans.x is not None:
        sel = np.flatnonzero(ans.x[:n_c] > 0.5)
        val = base + _covered(b, wr, sel)     # recounted, not read from the solver
        if val > g_val:
            return answer(ans.status, val, ub, sel)
    return answer(Status.FEASIBLE, g_val, ub, g_open)


def _covered(a: sparse.csr_matrix, w: np.ndarray, open_idx: np.ndarray) -> float:
    """Weight of the rows covered by the columns ``open_idx`` [demand units]."""
    if len(open_idx) == 0:
        return 0.0
    return float(w[np.asarray(a[:, open_idx].sum(axis=1)).ravel() > 0].sum())


def _reduced_model(b: sparse.csr_matrix, w: np.ndarray, p: int | None,
                   cost: np.ndarray | None, budget: float | None, base: float) -> LinearModel:
    """Maximal coverage MIP ``min -w.u`` s.t. ``u_i <= sum_j b_ij y_j``, p and budget rows."""
    n_u, n_c = b.shape
    a = sparse.hstack([-b, sparse.identity(n_u, format="csr")]).tocsr()
    lb = np.full(n_u, -np.inf)
    ub = np.zeros(n_u)
    extra = []
    if p is not None:
        extra.append((np.r_[np.ones(n_c), np.zeros(n_u)], float(p)))
    if budget is not None:
        c = np.ones(n_c) if cost is None else cost
        extra.append((np.r_[c, np.zeros(n_u)], float(budget)))
    if extra:
        a = sparse.vstack([a, sparse.csr_matrix(np.array([e[0] for e in extra]))]).tocsr()
        lb = np.r_[lb, np.full(len(extra), -np.inf)]
        ub = np.r_[ub, [e[1] for e in extra]]
    integer = np.r_[np.ones(n_c, bool), np.zeros(n_u, bool)]
    return LinearModel(c=np.r_[np.zeros(n_c), -w], a=a, row_lb=lb, row_ub=ub,
                       col_lb=np.zeros(n_c + n_u), col_ub=np.ones(n_c + n_u),
                       integer=integer, offset=-base)


def _best_columns(g: np.ndarray, p: int | None, cost: np.ndarray | None,
                  budget: float | None) -> float:
    """Bound ``max g.y`` over the feasible selections (``g >= 0``) by relaxations.

    ``p`` alone: the ``p`` largest ``g_j`` (exact). With a budget: the fractional
    knapsack on ``g_j / cost_j`` (the LP of the budget row alone). With both, the
    smaller of the two (each drops a constraint, so each is an upper bound).
    """
    best = math.inf
    if p is not None:
        best = float(np.sort(g)[::-1][:max(int(p), 0)].sum())
    if budget is not None:
        c = np.ones(g.size) if cost is None else np.asarray(cost, float)
        free = (c <= 0) & (g > 0)
        val = float(g[free].sum())
        pos = np.flatnonzero(~free & (g > 0))
        order = pos[np.argsort(-g[pos] / c[pos], kind="stable")]
        csum = np.cumsum(c[order])
        k = int(np.searchsorted(csum, budget, side="right"))
        val += float(g[order[:k]].sum())
        if k < order.size:
            spent = float(csum[k - 1]) if k else 0.0
            val += float(g[order[k]]) * max(0.0, budget - spent) / float(c[order[k]])
        best = min(best, val)
    if not math.isfinite(best):
        best = float(g[g > 0].sum())
    return best


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
    return min(float(w.sum()), _best_columns(g, p, site_cost, budget))


def _lagrangian_bound(a: sparse.csr_matrix, w: np.ndarray, lam: np.ndarray, p: int | None,
                      cost: np.ndarray | None, budget: float | None) -> float:
    """Upper bound of the covered weight from multipliers ``lam >= 0`` of the coverage rows.

    For any ``lam >= 0``: ``sum w_i u_i <= sum (w_i - lam_i) u_i + sum_j g_j y_j`` with
    ``g_j = sum_i a_ij lam_i``, hence covered weight ``<= sum_i max(0, w_i - lam_i) +
    max g.y`` (the latter bounded by :func:`_best_columns`). Valid whatever ``lam`` is,
    so LP tolerances cannot make it wrong [demand units].
    """
    lam = np.clip(np.nan_to_num(np.asarray(lam, float), nan=0.0), 0.0, None)
    g = np.asarray(lam @ sparse.csc_matrix(a)).ravel()
    return float(np.maximum(0.0, w - lam).sum()) + _best_columns(g, p, cost, budget)


def _lp_multipliers(a: sparse.csr_matrix, w: np.ndarray, p: int | None,
                    cost: np.ndarray | None, budget: float | None, *,
                    time_limit_s: float) -> np.ndarray | None:
    """Return the LP relaxation's duals of the coverage rows (None when not solved).

    The LP is solved with HiGHS through :func:`scipy.optimize.linprog` (its row duals
    are what the Lagrangian needs; OR-Tools' model_builder bridge to HiGHS reports none
    here and GLOP took 32 s on the Beijing case against HiGHS's 6 s).
    """
    from scipy.optimize import linprog

    n_u = a.shape[0]
    m = _reduced_model(a, w, p, cost, budget, 0.0)
    try:
        res = linprog(m.c, A_ub=m.a, b_ub=m.row_ub, bounds=(0.0, 1.0), method="highs",
                      options={"time_limit": max(0.1, float(time_limit_s)),
                               "presolve": False})
    except ValueError:  # pragma: no cover - malformed LP would be a bug upstream
        logger.warning("max coverage: LP relaxation failed", exc_info=True)
        return None
    if res.status != 0 or res.ineqlin is None:
        logger.info("max coverage: LP relaxation not solved (%s)", res.message)
        return None
    return -np.asarray(res.ineqlin.marginals[:n_u], float)


def _greedy_cover(a_y: sparse.csr_matrix, w: np.ndarray, p: int | None,
                  site_cost: np.ndarray | None, budget: float | None, fixed: np.ndarray
                  ) -> np.ndarray:
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


def _swap_cover(a: sparse.csr_matrix, w: np.ndarray, open_idx: np.ndarray,
                cost: np.ndarray | None, budget: float | None, *,
                t_end: float | None = None, max_swaps: int = 1000) -> np.ndarray:
    """Improve a selection by vertex substitution: the best single swap until none helps.

    With ``cnt_i`` open sites covering row ``i``, swapping open ``j`` for closed ``k``
    changes the covered weight by ``add_k - loss_j + both_jk`` where ``add_k`` is the
    uncovered weight ``k`` covers, ``loss_j`` the weight only ``j`` covers and
    ``both_jk`` the part of that ``k`` also covers (Teitz & Bart 1968, for coverage).
    Swaps that would break the budget are not made.
    """
    sel = [int(j) for j in open_idx]
    if not sel:
        return np.asarray(sel, np.int64)
    csc = sparse.csc_matrix(a)
    n = a.shape[1]
    c = np.ones(n) if cost is None else np.asarray(cost, float)
    cnt = np.asarray(a[:, sel].sum(axis=1)).ravel()
    tol = 1e-9 * max(1.0, float(w.sum()))
    for _ in range(max_swaps):
        if t_end is not None and time.perf_counter() > t_end:
            break
        add = np.asarray((w * (cnt == 0)) @ csc).ravel()
        once = np.flatnonzero(cnt == 1)
        a1 = a[once]
        a1s = a1[:, sel]
        w1 = w[once]
        loss = np.asarray(w1 @ a1s).ravel()
        both = (sparse.csr_matrix(a1s.T.multiply(w1[None, :])) @ a1).toarray()
        delta = add[None, :] - loss[:, None] + both
        delta[:, sel] = -np.inf
        if budget is not None:
            spent = float(c[sel].sum())
            delta[spent - c[sel][:, None] + c[None, :] > budget + 1e-9] = -np.inf
        jj, k = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if not delta[jj, k] > tol:
            break
        j = sel[jj]
        sel[jj] = int(k)
        cnt += np.asarray(csc[:, int(k)].todense()).ravel() - np.asarray(
            csc[:, j].todense()).ravel()
    return np.asarray(sel, np.int64)


def _perturb_search(a: sparse.csr_matrix, w: np.ndarray, open_idx: np.ndarray,
                    p: int | None, cost: np.ndarray | None, budget: float | None, *,
                    seed: int, t_end: float, rounds: int = 40) -> np.ndarray:
    """Improve a selection by iterated local search: close a few, refill greedily, swap.

    Seeded (``numpy.random.default_rng(seed)``); keeps the best selection. Stops after
    ``rounds`` rounds or at ``t_end`` (then the number of rounds run depends on speed).
    """
    best = np.asarray(open_idx, np.int64)
    best_val = _covered(a, w, best)
    if best.size < 2:
        return best
    rng = np.random.default_rng(seed)
    n = a.shape[1]
    for _ in range(rounds):
        if time.perf_counter() > t_end:
            break
        k = int(rng.integers(1, max(2, best.size // 4) + 1))
        drop = rng.choice(best.size, size=min(k, best.size), replace=False)
        keep = np.delete(best, drop)
        # refill: greedy on what the kept sites leave uncovered, the dropped ones barred
        covered = np.asarray(a[:, keep].sum(axis=1)).ravel() > 0 if keep.size else \
            np.zeros(a.shape[0], bool)
        barred = np.r_[keep, best[drop]]
        sub_p = None if p is None else int(p) - keep.size
        sub_b = None if budget is None else budget - float(
            (np.ones(n) if cost is None else cost)[keep].sum())
        add = _greedy_cover(a, w * ~covered, sub_p, cost, sub_b, barred)
        cand = _swap_cover(a, w, np.r_[keep, add], cost, budget, t_end=t_end)
        val = _covered(a, w, cand)
        if val > best_val + 1e-9 * max(1.0, best_val):
            best, best_val = np.asarray(cand, np.int64), val
    return best


def solve_p_center(cost: np.ndarray, p: int, *, fixed: np.ndarray | None = None,
                   deadline: Deadline, solver: str = "highs") -> Answer:
    """Find the smallest radius coverable with ``p`` new sites (bisection on set covers).

    Parameters
    ----------
    cost : numpy.ndarray
        Demand x candidate travel times [s] (``inf`` = unreachable).
    p : int
        New sites to open.
    fixed : numpy.ndarray, optional
        Existing sites.
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.

    Returns
    -------
    CoverAnswer
        ``objective`` is the largest travel time of a demand point to its nearest open
        site [s]; ``bound`` the largest radius proven infeasible's successor.
    """
    time_limit_s = deadline.left_s()
    t0 = time.perf_counter()
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    n_dem = cost.shape[0]
    finite = np.where(np.isfinite(cost), cost, np.inf)
    if np.any(np.all(~np.isfinite(finite), axis=1)):
        return Answer(Status.INFEASIBLE, math.nan, math.nan,
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
                              deadline=Deadline.after(remaining), solver=solver)
        size = ans.model_size or size
        if ans.status in SOLVED:
            hi = mid
            best = ans.open_idx
        elif ans.status == Status.INFEASIBLE:
            lo = mid + 1
        else:
            proven = False
            break
    radius = float(big[:, best].min(axis=1).max())
    bound = float(values[lo])
    status = Status.OPTIMAL if proven and lo == hi else Status.FEASIBLE
    return Answer(status, radius, min(bound, radius), size, open_idx=np.sort(best))


def _p_center(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    c = solve_p_center(o.cost, int(problem.p or 0), fixed=problem.existing_idx,
                           deadline=deadline.at_least(0.1), solver=o.solver)
    return point_result(problem, "p-center", deadline.start_s, c.status, c.objective, c.bound,
                        c.open_idx, c.model_size, {}, reason=c.reason)


def _set_cover(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    cm = coverage_matrix(np.where(o.reach, o.cost, np.inf), float(problem.radius_s or 0))
    fixed_cost = problem.candidates["fixed_cost_cny"].to_numpy(float)
    site_cost = fixed_cost if np.any(fixed_cost > 0) else None
    c = solve_set_cover(cm, site_cost=site_cost, fixed=problem.existing_idx,
                            deadline=deadline.at_least(0.1), solver=o.solver)
    return point_result(problem, "set-cover", deadline.start_s, c.status, c.objective, c.bound,
                        c.open_idx, c.model_size, {}, reason=c.reason)


def _max_coverage(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
    weight = problem.demand["weight"].to_numpy(float)
    cm = coverage_matrix(np.where(o.reach, o.cost, np.inf), float(problem.radius_s or 0))
    c = solve_max_coverage(cm, weight, p=problem.p,
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


#: ``site --model p-center``: minimise the largest travel time to the nearest site.
P_CENTER = SitingModel("p-center", _p_center, needs_p=True, p_within_candidates=True)
#: ``site --model set-cover``: fewest (cheapest) sites that cover every demand point.
SET_COVER = SitingModel("set-cover", _set_cover, needs_radius=True)
#: ``site --model max-coverage``: most demand covered by p sites or a budget.
MAX_COVERAGE = SitingModel("max-coverage", _max_coverage, needs_p_without_budget=True,
                           needs_radius=True, needs_full_reach=False)


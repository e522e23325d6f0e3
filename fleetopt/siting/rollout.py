"""Stage station openings by year: multi-period maximal coverage with yearly budgets.

Years ``t = 0 .. T-1``; ``y_jt = 1`` when candidate ``j`` is open in year ``t`` and
``u_it`` the covered share of demand point ``i`` in year ``t`` (``a_ij = 1`` when ``j``
is within ``radius_s`` of ``i``)::

    max   sum_t sum_i w_it u_it                         (covered demand, summed over years)
    s.t.  u_it <= sum_j a_ij y_jt                       (coverage, every year)
          y_jt >= y_j,t-1                               (an open site stays open)
          sum_j c_j (y_jt - y_j,t-1) <= B_t             (budget of what opens in year t)
          sum_j (y_jt - y_j,t-1) <= n_t                 (count of what opens in year t)
          sum_i w_it u_it >= s_t sum_i w_it             (required covered share, optional)
          y binary, 0 <= u <= 1; existing sites open every year at no cost.

Demand per year is the problem's weight times a growth factor (given per year, or the
NEV stock of :func:`fleetopt.domain.transition.project_transition` relative to the
first year), or given per demand point (``weight_by_year``). Before the MIP the model is
reduced exactly (:mod:`fleetopt.siting.reduce`): rows covered by existing sites leave
(their weight is counted), rows no candidate covers leave, identical rows merge (weights
summed per year), and a candidate whose covering set lies inside a no dearer one's
leaves (open the other in the same year instead: same count, no more money, no less
coverage). The incumbent is the better of a forward greedy (year by year, the site
covering most demand of the years left) and a backward one (a maximal coverage of the
summed demand with the whole horizon's sites, then ordered greedily), improved by swaps
(a site opening in year ``t`` for one never opened). The bound takes each year alone
with the sites the cumulative count and budget allow: the column bound and, when its LP
fits in the time, the Lagrangian bound from the LP duals. Then the MIP, built as sparse blocks
(Kronecker products) and cut off at the greedy, runs with the time left through
:mod:`fleetopt.siting.backend` (HiGHS presolve only when its estimate fits). Budgets that
cannot reach a required share give status ``infeasible`` with the reason.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
from scipy import sparse

from fleetopt.deadline import Deadline
from fleetopt.domain.transition import project_transition
from fleetopt.siting.answer import SOLVED, Answer, Status
from fleetopt.siting.assemble import point_result
from fleetopt.siting.backend import LinearModel, solve_linear_model
from fleetopt.siting.coverage import (
    LOAD_S_PER_NONZERO,
    LP_S_PER_NONZERO,
    MIP_MIN_S,
    MIP_RESERVE_S,
    PRESOLVE_S_PER_NONZERO,
    _best_columns,
    _greedy_cover,
    _lagrangian_bound,
    _lp_multipliers,
    _perturb_search,
    _swap_cover,
    coverage_matrix,
)
from fleetopt.siting.model import SitingModel, SolveOptions
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.reduce import reduce_cover
from fleetopt.siting.result import SitingResult

logger = logging.getLogger(__name__)

__all__ = ["demand_by_year", "solve_rollout"]


def demand_by_year(weight: np.ndarray, n_years: int, *, growth: Any = None,
                   years: list[int] | None = None,
                   weight_by_year: np.ndarray | None = None) -> np.ndarray:
    """Return the demand x years weight matrix.

    Parameters
    ----------
    weight : numpy.ndarray
        Base weight of each demand point [demand units].
    n_years : int
        Number of years.
    growth : list of float or "nev-stock", optional
        Factor of each year (default 1 every year); ``"nev-stock"`` = Beijing's projected
        NEV stock in each year over that of the first year (``years`` needed).
    years : list of int, optional
        Calendar years (for ``"nev-stock"``).
    weight_by_year : numpy.ndarray, optional
        Demand x years weights given directly (wins over ``growth``; NaN rows fall back
        to ``weight x growth``) [demand units].
    """
    w = np.asarray(weight, float)
    if isinstance(growth, str) and growth == "nev-stock":
        tr = project_transition()
        stock = np.array([tr.nev_stock_total(int(y)) for y in (years or [])], float)
        factor = stock / stock[0]
    elif growth is None:
        factor = np.ones(n_years)
    else:
        factor = np.asarray(growth, float)
    out: np.ndarray = w[:, None] * factor[None, :]
    if weight_by_year is not None:
        given = np.asarray(weight_by_year, float)
        ok = np.all(np.isfinite(given), axis=1)
        out[ok] = given[ok]
    return out


def solve_rollout(cost: np.ndarray, weight_t: np.ndarray, radius_s: float, *,
                  fixed: np.ndarray | None = None, site_cost: np.ndarray | None = None,
                  budget_t: np.ndarray | None = None, max_new_t: np.ndarray | None = None,
                  min_share_t: np.ndarray | None = None, deadline: Deadline,
                  solver: str = "highs", rel_gap: float = 1e-9) -> Answer:
    """Solve the staged rollout (model in the module docstring).

    Parameters
    ----------
    cost : numpy.ndarray
        Demand x candidate travel times (``inf`` = unreachable) [s].
    weight_t : numpy.ndarray
        Demand x years weights [demand units].
    radius_s : float
        Coverage radius [s].
    fixed : numpy.ndarray, optional
        Existing candidates (open from the first year, free).
    site_cost : numpy.ndarray, optional
        Opening cost of each candidate [CNY] (needed with ``budget_t``).
    budget_t : numpy.ndarray, optional
        Most spent on sites opening in each year (``inf`` = no limit) [CNY].
    max_new_t : numpy.ndarray, optional
        Most sites opening in each year (``inf`` = no limit).
    min_share_t : numpy.ndarray, optional
        Least covered share of each year's demand (0-1; NaN or 0 = none).
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.
    rel_gap : float
        Relative gap at which to stop.

    Returns
    -------
    RolloutAnswer
    """
    time_limit_s = deadline.left_s()
    t0 = time.perf_counter()
    n_dem, n_cand = cost.shape
    wt = np.asarray(weight_t, float)
    n_t = wt.shape[1]
    fixed = np.asarray(fixed if fixed is not None else [], np.int64)
    c_all = np.zeros(n_cand) if site_cost is None else np.asarray(site_cost, float)
    cover = coverage_matrix(np.where(np.isfinite(cost), cost, np.inf), float(radius_s))
    total_t = wt.sum(axis=0)
    covered_fixed = np.zeros(n_dem, bool)
    if fixed.size:
        covered_fixed = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0
    base_t = wt[covered_fixed].sum(axis=0)
    free = np.setdiff1d(np.arange(n_cand), fixed)
    rows = np.flatnonzero(~covered_fixed & (wt.sum(axis=1) > 0))
    reachable_t = base_t + wt[rows][np.diff(cover[rows][:, free].indptr) > 0].sum(axis=0)
    share = (np.zeros(n_t) if min_share_t is None
             else np.nan_to_num(np.asarray(min_share_t, float), nan=0.0))
    need_t = share * total_t
    short = np.flatnonzero(reachable_t + 1e-9 * np.maximum(1.0, total_t) < need_t)
    if short.size:
        t = int(short[0])
        return _infeasible(n_cand, n_t, total_t, fixed, (
            f"year #{t + 1}: only {100 * reachable_t[t] / total_t[t]:.1f} % of the demand is "
            f"within the radius of any site, below the required {100 * share[t]:.1f} %"))
    # exact reductions (row weights: one column of weight per year, merged by row groups)
    red = reduce_cover(sparse.csr_matrix(cover[rows][:, free]), np.zeros(rows.size),
                       cost=c_all[free] if budget_t is not None else None,
                       time_budget_s=0.2 * time_limit_s)
    keep = red.rows >= 0
    w_red = np.zeros((red.a.shape[0], n_t))
    np.add.at(w_red, red.rows[keep], wt[rows][keep])
    cols = free[red.cols]
    b = red.a
    n_u, n_c = b.shape
    if n_u == 0 or n_c == 0:  # nothing a new site could add: only the existing ones
        oy = np.full(n_cand, -1, np.int64)
        oy[fixed] = 0
        cov_t = _covered_by_year(cover, wt, oy, n_t)
        return Answer(Status.OPTIMAL, float(cov_t.sum()), float(cov_t.sum()),
                      {"rows": 0, "columns": 0, "nonzeros": 0}, open_year=oy,
                      covered_by_year=cov_t, demand_by_year=total_t)
    model = _model(b, w_red, c_all[cols], base_t, budget_t, max_new_t, need_t)
    full = {"rows": int(rows.size * n_t), "columns": int((n_cand + rows.size) * n_t),
            "nonzeros": int(cover[rows].nnz * n_t)}
    size = {**model.size, "reduced_from": full}
    logger.info("rollout: %d years, %s (reduced from %s)", n_t, model.size, full)
    # incumbent: greedy year by year; bound: each year on its own with the sites the
    # cumulative count / budget allows (column weights, no solver)
    c_red = c_all[cols]
    g_first: np.ndarray | None = _best_rollout(b, w_red, c_red, budget_t, max_new_t,
                            t_end=t0 + 0.3 * time_limit_s)
    g_cov = None
    if g_first is not None:
        oy = np.full(n_cand, -1, np.int64)
        oy[fixed] = 0
        oy[cols] = g_first
        g_cov = _covered_by_year(cover, wt, oy, n_t)
        if np.any(g_cov + 1e-9 * np.maximum(1.0, total_t) < need_t):
            g_first, g_cov = None, None      # the greedy misses a required share
    cheap = _column_bound(b, w_red, c_red, base_t, reachable_t, budget_t, max_new_t,
                          t_end=time.perf_counter() + 0.4 * (time_limit_s
                                                             - (time.perf_counter() - t0)))
    left = time_limit_s - (time.perf_counter() - t0)
    mip_s = left - (MIP_RESERVE_S + LOAD_S_PER_NONZERO * model.a.nnz)
    g_val = float(g_cov.sum()) if g_cov is not None else -math.inf
    if g_cov is not None and (mip_s < MIP_MIN_S
                              or cheap - g_val <= rel_gap * max(1.0, g_val)):
        status = Status.OPTIMAL if cheap - g_val <= rel_gap * max(1.0, g_val) else Status.FEASIBLE
        return _greedy_answer(status, g_val, cheap, oy, g_cov, total_t, size)
    presolve = PRESOLVE_S_PER_NONZERO * model.a.nnz <= 0.3 * max(mip_s, 0.0)
    ans = solve_linear_model(model, solver=solver, time_limit_s=max(0.1, mip_s),
                             rel_gap=rel_gap, presolve=presolve,
                             cutoff=-g_val + 1e-9 * max(1.0, abs(g_val))
                             if g_cov is not None else None)
    if ans.x is None and g_cov is not None:
        if ans.status == Status.INFEASIBLE:  # nothing better than the greedy exists
            return _greedy_answer(Status.OPTIMAL, g_val, g_val, oy, g_cov, total_t, size)
        return _greedy_answer(Status.FEASIBLE, g_val, cheap, oy, g_cov, total_t, size)
    if ans.x is None:
        reason = ""
        if ans.status == Status.INFEASIBLE:
            req = ", ".join(f"#{t + 1}: {100 * s:.0f} %" for t, s in enumerate(share) if s > 0)
            reason = ("no rollout within the yearly budgets and counts reaches the required "
                      f"covered shares (year {req})")
        return Answer(ans.status, math.nan,
                      -ans.bound if np.isfinite(ans.bound) else math.nan, size, reason,
                      open_year=np.full(n_cand, -1), covered_by_year=np.zeros(n_t),
                      demand_by_year=total_t)
    y = ans.x[:n_c * n_t].reshape(n_t, n_c) > 0.5          # year x reduced column
    open_year = np.full(n_cand, -1, np.int64)
    first = np.where(y.any(axis=0), np.argmax(y, axis=0), -1)
    open_year[cols] = first
    open_year[fixed] = 0
    covered_t = _covered_by_year(cover, wt, open_year, n_t)
    obj = float(covered_t.sum())
    bound = min(cheap, -ans.bound if np.isfinite(ans.bound) else math.inf)
    status = ans.status
    if g_cov is not None and g_val > obj:   # the solver's answer is worse: keep the greedy
        return _greedy_answer(status, g_val, max(bound, g_val), oy, g_cov, total_t, size)
    if status == Status.OPTIMAL or bound - obj <= rel_gap * max(1.0, abs(obj)):
        status, bound = Status.OPTIMAL, obj
    return Answer(status, obj, max(bound, obj), size, open_year=open_year,
                  covered_by_year=covered_t, demand_by_year=total_t)


def _greedy_answer(status: Status, value: float, bound: float, open_year: np.ndarray,
                   cov_t: np.ndarray, total_t: np.ndarray, size: dict[str, Any]
                   ) -> Answer:
    logger.info("rollout: greedy %.6g, bound %.6g (%s)", value, bound, status)
    return Answer(status, value, max(bound, value), size, open_year=open_year,
                  covered_by_year=cov_t, demand_by_year=total_t)


def _best_rollout(b: sparse.csr_matrix, w: np.ndarray, cost: np.ndarray,
                  budget_t: np.ndarray | None, max_new_t: np.ndarray | None, *,
                  t_end: float) -> np.ndarray:
    """Return the better of two rollouts (each reduced column's open year, -1 = never).

    * forward: :func:`_greedy_rollout`;
    * backward: the sites a maximal coverage of the demand summed over the years picks
      with the whole horizon's count and budget (greedy, swaps and seeded perturbation
      rounds of :mod:`fleetopt.siting.coverage`), then ordered by :func:`_greedy_rollout`
      restricted to them first.
    """
    fwd = _greedy_rollout(b, w, cost, budget_t, max_new_t)
    p_all = None if max_new_t is None or not np.all(np.isfinite(max_new_t)) else int(
        np.sum(max_new_t))
    b_all = None if budget_t is None or not np.all(np.isfinite(budget_t)) else float(
        np.sum(budget_t))
    if p_all is None and b_all is None:
        return fwd
    w_sum = w.sum(axis=1)
    none = np.array([], np.int64)
    sel = _greedy_cover(b, w_sum, p_all, cost if b_all is not None else None, b_all, none)
    sel = _swap_cover(b, w_sum, sel, cost if b_all is not None else None, b_all, t_end=t_end)
    sel = _perturb_search(b, w_sum, sel, p_all, cost if b_all is not None else None, b_all,
                          seed=0, t_end=t_end)
    prefer = np.zeros(b.shape[1], bool)
    prefer[sel] = True
    bwd = _greedy_rollout(b, w, cost, budget_t, max_new_t, prefer=prefer)
    best = bwd if _summed(b, w, bwd) > _summed(b, w, fwd) else fwd
    return _swap_rollout(b, w, best, cost, budget_t, t_end=t_end)


def _swap_rollout(b: sparse.csr_matrix, w: np.ndarray, year: np.ndarray, cost: np.ndarray,
                  budget_t: np.ndarray | None, *, t_end: float,
                  max_swaps: int = 200) -> np.ndarray:
    """Improve a rollout by swaps: a site opening in year ``t`` for one never opened.

    The change of the summed coverage is the sum over the years ``s >= t`` of the
    single-period swap change (``add_k - loss_j + both_jk`` with year ``s``'s open sites;
    see ``coverage._swap_cover``); the best positive swap within year ``t``'s budget is
    made until none is left or ``t_end`` passes.
    """
    year = np.asarray(year, np.int64).copy()
    n_t = w.shape[1]
    csc = sparse.csc_matrix(b)
    tol = 1e-9 * max(1.0, float(w.sum()))
    for _ in range(max_swaps):
        if time.perf_counter() > t_end:
            break
        cnt = [b @ ((year >= 0) & (year <= s)).astype(float) for s in range(n_t)]
        best_val, best_move = tol, None
        for t in range(n_t):
            opened = np.flatnonzero(year == t)
            if opened.size == 0:
                continue
            delta = np.zeros((opened.size, b.shape[1]))
            for s in range(t, n_t):
                ws = w[:, s]
                add = np.asarray((ws * (cnt[s] == 0)) @ csc).ravel()
                once = np.flatnonzero(cnt[s] == 1)
                a1 = b[once]
                a1j = a1[:, opened]
                w1 = ws[once]
                loss = np.asarray(w1 @ a1j).ravel()
                both = (sparse.csr_matrix(a1j.T.multiply(w1[None, :])) @ a1).toarray()
                delta += add[None, :] - loss[:, None] + both
            delta[:, year >= 0] = -np.inf
            if budget_t is not None and np.isfinite(budget_t[t]):
                spent = float(cost[opened].sum())
                over = spent - cost[opened][:, None] + cost[None, :] > budget_t[t] + 1e-9
                delta[over] = -np.inf
            jj, kk = np.unravel_index(int(np.argmax(delta)), delta.shape)
            if delta[jj, kk] > best_val:
                best_val, best_move = float(delta[jj, kk]), (int(opened[jj]), int(kk), t)
        if best_move is None:
            break
        j, k, t = best_move
        year[j], year[k] = -1, t
    return year


def _summed(b: sparse.csr_matrix, w: np.ndarray, year: np.ndarray) -> float:
    """Covered demand summed over the years of a rollout on the reduced model."""
    total = 0.0
    for t in range(w.shape[1]):
        hit = b @ ((year >= 0) & (year <= t)).astype(float) > 0
        total += float(w[hit, t].sum())
    return total


def _greedy_rollout(b: sparse.csr_matrix, w: np.ndarray, cost: np.ndarray,
                    budget_t: np.ndarray | None, max_new_t: np.ndarray | None, *,
                    prefer: np.ndarray | None = None) -> np.ndarray:
    """Return each reduced column's open year (-1 = never) from a greedy rollout.

    Year by year, open the site covering most not yet covered demand of the years left
    (per CNY under a budget) while the year's count and budget allow; sites in
    ``prefer`` go first while one of them still fits and adds demand.
    """
    n_u, n_c = b.shape
    n_t = w.shape[1]
    rest = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]      # demand of years t .. T-1
    csc = sparse.csc_matrix(b)
    covered = np.zeros(n_u, bool)
    year = np.full(n_c, -1, np.int64)
    for t in range(n_t):
        spent, count = 0.0, 0
        cap_n = math.inf if max_new_t is None else float(max_new_t[t])
        cap_b = math.inf if budget_t is None else float(budget_t[t])
        while count < cap_n:
            gain = np.asarray((rest[:, t] * ~covered) @ csc).ravel()
            ok = (year < 0) & (gain > 0) & (spent + cost <= cap_b + 1e-9)
            if not ok.any():
                break
            if prefer is not None and (ok & prefer).any():
                ok &= prefer
            score = gain / np.maximum(cost, 1e-12) if budget_t is not None else gain
            j = int(np.argmax(np.where(ok, score, -np.inf)))
            year[j] = t
            spent += float(cost[j])
            count += 1
            covered |= np.asarray(csc[:, j].todense()).ravel() > 0
    return year


def _column_bound(b: sparse.csr_matrix, w: np.ndarray, cost: np.ndarray, base_t: np.ndarray,
                  reachable_t: np.ndarray, budget_t: np.ndarray | None,
                  max_new_t: np.ndarray | None, *, t_end: float | None = None) -> float:
    """Bound the summed coverage, year by year [demand units].

    By year ``t`` at most ``sum_{s<=t} n_s`` new sites are open, costing at most
    ``sum_{s<=t} B_s``: year ``t``'s coverage is at most that maximal coverage's bound,
    the smaller of the column bound (each site covers at most its column weight; see
    ``coverage._best_columns``), the reachable demand and, when its LP fits before
    ``t_end``, the Lagrangian bound from the LP duals (``coverage._lagrangian_bound``).
    """
    n_t = w.shape[1]
    csc = sparse.csc_matrix(b)
    total = 0.0
    for t in range(n_t):
        g = np.asarray(w[:, t] @ csc).ravel()
        p = None if max_new_t is None else float(np.sum(max_new_t[:t + 1]))
        bud = None if budget_t is None else float(np.sum(budget_t[:t + 1]))
        p_int = None if p is None or not math.isfinite(p) else int(p)
        bud = None if bud is None or not math.isfinite(bud) else bud
        best = _best_columns(g, p_int, cost, bud)
        left = math.inf if t_end is None else t_end - time.perf_counter()
        if t_end is not None and LP_S_PER_NONZERO * b.nnz <= left and (
                p_int is not None or bud is not None):
            lam = _lp_multipliers(b, w[:, t], p_int, cost if bud is not None else None, bud,
                                  time_limit_s=left)
            if lam is not None:
                best = min(best, _lagrangian_bound(b, w[:, t], lam, p_int,
                                                   cost if bud is not None else None, bud))
        total += min(float(reachable_t[t]), float(base_t[t]) + best)
    return total


def _covered_by_year(cover: sparse.csr_matrix, wt: np.ndarray, open_year: np.ndarray,
                     n_t: int) -> np.ndarray:
    """Covered demand of each year, recounted from the open years [demand units]."""
    out = np.zeros(n_t)
    for t in range(n_t):  # one sparse product per year, not per variable
        is_open = ((open_year >= 0) & (open_year <= t)).astype(float)
        hit = cover @ is_open > 0
        out[t] = float(wt[hit, t].sum())
    return out


def _model(b: sparse.csr_matrix, w: np.ndarray, c: np.ndarray, base_t: np.ndarray,
           budget_t: np.ndarray | None, max_new_t: np.ndarray | None,
           need_t: np.ndarray) -> LinearModel:
    """Build the rollout MIP; columns are ``y`` (year-major) then ``u`` (year-major)."""
    n_u, n_c = b.shape
    n_t = w.shape[1]
    eye_t = sparse.identity(n_t, format="csr")
    # coverage: u_t - B y_t <= 0
    cov = sparse.hstack([sparse.kron(eye_t, -b), sparse.identity(n_u * n_t)]).tocsr()
    blocks = [cov]
    lb = [np.full(n_u * n_t, -np.inf)]
    ub = [np.zeros(n_u * n_t)]
    if n_t > 1:
        # monotone: y_{t-1} - y_t <= 0
        step = sparse.diags([np.ones(n_t - 1), -np.ones(n_t - 1)], [0, 1],
                            shape=(n_t - 1, n_t))
        mono = sparse.kron(step, sparse.identity(n_c))
        blocks.append(sparse.hstack([mono, sparse.csr_matrix((mono.shape[0], n_u * n_t))]))
        lb.append(np.full(mono.shape[0], -np.inf))
        ub.append(np.zeros(mono.shape[0]))
    # what opens in year t: y_t - y_{t-1} (y_{-1} = 0 for every new candidate)
    opens = sparse.diags([np.ones(n_t), -np.ones(n_t - 1)], [0, -1], shape=(n_t, n_t))
    for limit, coef in ((budget_t, c), (max_new_t, np.ones(n_c))):
        if limit is None:
            continue
        lim = np.asarray(limit, float)
        rows_ = sparse.kron(opens, sparse.csr_matrix(coef[None, :]))
        blocks.append(sparse.hstack([rows_, sparse.csr_matrix((n_t, n_u * n_t))]))
        lb.append(np.full(n_t, -np.inf))
        ub.append(np.where(np.isfinite(lim), lim, np.inf))
    if np.any(need_t > 0):
        # covered share: sum_i w_it u_it >= need_t - base_t
        req = sparse.hstack([sparse.csr_matrix((n_t, n_c * n_t)),
                             sparse.kron(eye_t, sparse.csr_matrix(np.ones((1, n_u))))
                             .multiply(w.T.reshape(1, -1))]).tocsr()
        blocks.append(req)
        lb.append(need_t - base_t)
        ub.append(np.full(n_t, np.inf))
    a = sparse.vstack(blocks).tocsr()
    n_col = n_c * n_t + n_u * n_t
    return LinearModel(c=np.r_[np.zeros(n_c * n_t), -w.T.reshape(-1)], a=a,
                       row_lb=np.concatenate(lb), row_ub=np.concatenate(ub),
                       col_lb=np.zeros(n_col), col_ub=np.ones(n_col),
                       integer=np.r_[np.ones(n_c * n_t, bool), np.zeros(n_u * n_t, bool)],
                       offset=-float(base_t.sum()))


def _infeasible(n_cand: int, n_t: int, total_t: np.ndarray, fixed: np.ndarray,
                reason: str) -> Answer:
    oy = np.full(n_cand, -1, np.int64)
    oy[fixed] = 0
    return Answer(Status.INFEASIBLE, math.nan, math.nan, {}, reason, open_year=oy,
                  covered_by_year=np.zeros(n_t), demand_by_year=total_t)


def _solve_problem(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
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


#: ``site --model rollout``: which sites open in which year, most demand covered over time.
MODEL = SitingModel("rollout", _solve_problem, needs_radius=True, needs_rollout=True,
                    needs_full_reach=False)


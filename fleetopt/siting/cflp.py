"""Solve fixed-charge facility location with size options, capacities and split demand.

Each site ``i`` may open in at most one *size option* ``k`` (capacity ``Q_ik``, cost
``F_ik``): one option with the file's capacity and fixed cost for OR-Library's
capacitated warehouse location; ``1..M_i`` modules (plugs) at a module cost for modular
charging hubs with a grid-connection limit; or the plug counts of an Erlang-C service
level. Demand ``d_j`` may be split (``0 <= x_ij <= 1``) over allowed pairs only::

    min  sum_ik F_ik u_ik + sum_ij c_ij x_ij
    s.t. sum_i x_ij = 1                              (every customer served)
         sum_j d_j x_ij <= sum_k Q_ik u_ik           (capacity)
         x_ij <= sum_k u_ik                          (strong linking, only pairs kept)
         sum_k u_ik <= 1, u binary                   (one size per site)
         sum_ik Q_ik u_ik >= sum_j d_j               (aggregate capacity cut)

``c_ij`` is the cost of serving *all* of ``j``'s demand from ``i`` (OR-Library meaning).
Existing sites are open (``sum_k u_ik = 1``). Uncapacitated problems drop the capacity
rows. The matrix is assembled vectorised in COO form; solving goes through
:mod:`fleetopt.siting.backend`. A first LP solve gives a bound and reduced costs; with a
greedy-drop upper bound, size options that cannot be in any better solution are removed
before the MIP.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from fleetopt.deadline import Deadline
from fleetopt.siting.answer import Answer, Status
from fleetopt.siting.assemble import facility_result
from fleetopt.siting.backend import solve_linear_model
from fleetopt.siting.cflp_core import (
    CflpData,
    answer_from_x,
    build_cflp,
    check_cflp_feasible,
    fixed_open_lp_closing_empty,
    lift_subset,
    subset_options,
)
from fleetopt.siting.cflp_cover import solve_modular_cover, use_cover_path
from fleetopt.siting.cflp_large import solve_large_cflp
from fleetopt.siting.model import SitingModel, Solve, SolveOptions
from fleetopt.siting.modular import facility_model
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.result import SitingResult
from fleetopt.siting.sizing import facility_data

logger = logging.getLogger(__name__)

__all__ = ["CflpData", "build_cflp", "lagrangian_cflp", "solve_cflp"]


def solve_cflp(data: CflpData, *, deadline: Deadline, solver: str = "highs",
               rel_gap: float = 1e-9, fix_by_reduced_cost: bool | None = None) -> Answer:
    """Solve a facility location instance to proven optimality (or to the time limit).

    Steps: (1) the LP relaxation gives a bound; (2) a rounding heuristic (open what
    the LP uses, at the smallest size that carries the LP's load, then the exact
    transportation LP, then close sites left empty) gives a feasible solution; (3) on
    small instances, LP reduced costs (GLOP duals) remove options that cannot be in a
    better solution; (4) the MIP, cut off at the heuristic's value, runs for the rest of
    the time. The reported bound is the best of the LP and MIP bounds, so the gap is
    honest whichever step ends the run. Instances with over 20,000 pairs, and capacitated
    ones with over 2,000 options and several sizes at a site, take a Lagrangian path
    instead (:func:`fleetopt.siting.cflp_large.solve_large_cflp` when capacitated; sites
    that grow in modules without a budget or count limit:
    :func:`fleetopt.siting.cflp_cover.solve_modular_cover`).

    Parameters
    ----------
    data : CflpData
        The instance.
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.
    rel_gap : float
        Relative gap at which to stop.
    fix_by_reduced_cost : bool, optional
        Use step (3); default when the model has at most 20,000 pairs.

    Returns
    -------
    Answer
    """
    time_limit_s = deadline.left_s()
    t0 = time.perf_counter()
    end_s = t0 + time_limit_s
    n_opt = data.option_site.size
    n_pair = data.pair_site.size
    empty = Answer(status=Status.INFEASIBLE, objective=math.nan, bound=math.nan,
                       option_open=np.zeros(n_opt, bool), flow=np.zeros(n_pair),
                       model_size={})
    reason = check_cflp_feasible(data)
    if reason:
        empty.reason = reason
        return empty
    if fix_by_reduced_cost is None:
        fix_by_reduced_cost = n_pair <= 20_000 and n_opt > 8
    sized = data.capacitated and n_opt > 2000 and bool(
        np.any(np.bincount(data.option_site, minlength=data.n_sites) > 1))
    if data.capacitated and (n_pair > 20_000 or sized):
        # many sites with size options: the LP-based path found no solution in time on
        # bench_siting's quick Beijing case (500 sites x 8 sizes, 19,853 pairs); the
        # Lagrangian path starts from a greedy cover. Sites that grow in modules: the
        # capacitated-cover path (projected bound, flow-checked drop), see cflp_cover.py
        lad = use_cover_path(data)
        if lad is not None:
            covered = solve_modular_cover(data, lad, deadline=end_s, solver=solver,
                                          rel_gap=rel_gap)
            if covered is not None:
                return covered
        return solve_large_cflp(data, deadline=end_s, solver=solver, rel_gap=rel_gap)
    if n_pair > 20_000:
        return _solve_large_uncapacitated(data, deadline=end_s, solver=solver,
                                          rel_gap=rel_gap)
    model = build_cflp(data)
    lp_solver = "glop" if fix_by_reduced_cost else "highs"
    lp = solve_linear_model(model, solver=lp_solver, relax=True,
                            time_limit_s=max(0.1, 0.3 * time_limit_s))
    if lp.x is None and lp_solver == "glop" and lp.status != Status.INFEASIBLE:
        lp_solver = "highs"
        lp = solve_linear_model(model, solver="highs", relax=True,
                                time_limit_s=max(0.1, 0.3 * time_limit_s))
    if lp.status == Status.INFEASIBLE:
        empty.reason = "the LP relaxation is infeasible (capacity, budget or reach)"
        empty.model_size = model.size
        return empty
    lp_bound = lp.objective if lp.status == Status.OPTIMAL else -math.inf
    best_x: np.ndarray | None = None
    ub = math.inf
    if lp.x is not None:
        ub, best_x = _round_up(data, lp.x, end_s)
    keep = None
    if (fix_by_reduced_cost and lp.status == Status.OPTIMAL and lp.reduced_costs is not None
            and np.isfinite(ub)):
        slack = ub - lp_bound
        keep = ~(lp.reduced_costs[:n_opt] > slack * (1 + 1e-9) + 1e-7)
        keep[np.isin(data.option_site, data.fixed_open)] = True
        if best_x is not None:
            keep |= best_x[:n_opt] > 0.5
        logger.info("CFLP LP %.9g, UB %.9g: %d of %d options kept", lp_bound, ub,
                    int(keep.sum()), n_opt)
    logger.info("CFLP LP bound %.9g, rounding %.9g after %.2fs", lp_bound, ub,
                time.perf_counter() - t0)
    if np.isfinite(ub) and np.isfinite(lp_bound) and ub - lp_bound <= rel_gap * abs(ub):
        return answer_from_x(data, Status.OPTIMAL, best_x, ub, ub, model.size)
    # the MIP: the compact (open, modules) form when sites grow in modules
    model, lift = facility_model(data, keep_option=keep,
                                 option_model=model if keep is None else None)
    remaining = end_s - time.perf_counter()
    ans = None
    if remaining > 0.2:
        cutoff = ub * (1 + 1e-12) if np.isfinite(ub) else None
        ans = solve_linear_model(model, solver=solver, time_limit_s=remaining, rel_gap=rel_gap,
                                 cutoff=cutoff)
        if ans.x is not None:
            ans.x = lift(ans.x)
    bound = lp_bound
    if ans is not None and np.isfinite(ans.bound):
        bound = max(bound, min(ans.bound, ub) if ans.x is None else ans.bound)
    if ans is not None and ans.status == Status.INFEASIBLE and np.isfinite(ub):
        # nothing beats the heuristic: it is optimal
        return answer_from_x(data, Status.OPTIMAL, best_x, ub, ub, model.size)
    if ans is not None and ans.x is not None and ans.objective < ub:
        st = ans.status
        obj = ans.objective
        x = ans.x
    elif best_x is not None:
        st, obj, x = Status.FEASIBLE, ub, best_x
        if ans is not None and ans.status == Status.OPTIMAL and ans.x is not None:
            st = Status.OPTIMAL  # MIP optimum equals the heuristic
    else:
        st = ans.status if ans is not None else Status.TIME_LIMIT_NO_SOLUTION
        if st not in (Status.INFEASIBLE, Status.TIME_LIMIT_NO_SOLUTION):
            st = Status.TIME_LIMIT_NO_SOLUTION
        return Answer(status=st, objective=math.nan, bound=bound,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(n_pair),
                          model_size=model.size,
                          reason="no feasible solution exists" if st == Status.INFEASIBLE else "")
    if st == Status.OPTIMAL:
        bound = obj
    if obj - bound <= rel_gap * abs(obj):
        st = Status.OPTIMAL
    return answer_from_x(data, st, x, obj, min(bound, obj), model.size)


def _round_up(data: CflpData, x_lp: np.ndarray, deadline: float
              ) -> tuple[float, np.ndarray | None]:
    """Feasible solution from an LP point: smallest sizes carrying the LP load, close empties."""
    n_opt = data.option_site.size
    flow = x_lp[n_opt:]
    load = np.bincount(data.pair_site, weights=flow * data.demand[data.pair_cust],
                       minlength=data.n_sites)
    used_site = np.zeros(data.n_sites, bool)
    used_site[data.option_site[x_lp[:n_opt] > 1e-6]] = True
    used_site[data.fixed_open] = True
    best_val, best_x = math.inf, None
    for attempt in range(3):
        if time.perf_counter() > deadline:
            break
        chosen = _pick_sizes(data, used_site, load * (1.0 + 0.1 * attempt), largest=attempt == 2)
        val, x = fixed_open_lp_closing_empty(data, chosen, deadline)
        if x is None:
            continue
        best_val, best_x = val, x
        break
    return best_val, best_x


def _pick_sizes(data: CflpData, used_site: np.ndarray, load: np.ndarray, *,
                largest: bool) -> np.ndarray:
    n_opt = data.option_site.size
    chosen = np.zeros(n_opt, bool)
    order = np.lexsort((data.option_capacity, data.option_site))
    site_sorted = data.option_site[order]
    starts = np.searchsorted(site_sorted, np.arange(data.n_sites + 1))
    for s in np.flatnonzero(used_site):
        opts = order[starts[s]:starts[s + 1]]
        if opts.size == 0:
            continue
        if largest:
            chosen[opts[-1]] = True
            continue
        ok = opts[data.option_capacity[opts] >= load[s] - 1e-9]
        chosen[ok[0] if ok.size else opts[-1]] = True
    return chosen


def lagrangian_cflp(data: CflpData, ub: float, *, deadline: float, iterations: int = 300,
                    lam0: np.ndarray | None = None
                    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Lagrangian bound of the facility model and the size options it rules out.

    Relaxing "every customer served" with multipliers ``lambda_j`` splits the model per
    site: open option ``k`` of site ``i`` (cost ``F_ik``) and fill its capacity ``Q_ik``
    with the customers of most negative ``(c_ij - lambda_j) / d_j`` (a continuous
    knapsack, solved for all options at once by prefix sums over the sorted pairs)::

        L = sum_j lambda_j + sum_i min(0, min_k F_ik + knap_ik(lambda))

    (existing sites must open: no ``min(0, .)``). Any ``lambda`` gives a valid lower bound;
    subgradient steps raise it (Geoffrion & McBride 1978; Beasley 1988). An option whose
    forced opening lifts ``L`` above ``ub`` cannot be in a better solution and is removed.

    Parameters
    ----------
    data : CflpData
        The instance (budget and count limits are ignored here, which keeps the bound valid).
    ub : float
        Cost of a known solution (``inf`` when none).
    deadline : float
        ``time.perf_counter()`` value to stop at [s].
    iterations : int
        Most subgradient steps.
    lam0 : numpy.ndarray, optional
        Start multipliers.

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Best bound, boolean mask of options still possible, best multipliers, and the
        options the relaxation opened at its best multipliers.
    """
    n_cust = data.demand.size
    n_opt = data.option_site.size
    d = data.demand[data.pair_cust]
    fixed_site = np.zeros(data.n_sites, bool)
    fixed_site[data.fixed_open] = True
    if lam0 is None:  # start: each customer's cheapest allocation cost
        lam = np.full(n_cust, np.inf)
        np.minimum.at(lam, data.pair_cust, data.pair_cost)
        lam = np.where(np.isfinite(lam), lam, 0.0)
    else:
        lam = lam0.copy()
    best, best_lam = -math.inf, lam.copy()
    best_open = np.zeros(n_opt, bool)
    alive = np.ones(n_opt, bool)
    theta, stall = 2.0, 0
    cap = data.option_capacity
    target_ub = ub if np.isfinite(ub) else None
    for _ in range(iterations):
        if time.perf_counter() > deadline:
            break
        rc = data.pair_cost - lam[data.pair_cust]
        neg = np.flatnonzero(rc < 0)
        ratio = rc[neg] / np.maximum(d[neg], 1e-12)
        order = neg[np.lexsort((ratio, data.pair_site[neg]))]
        site_s = data.pair_site[order]
        ds, rs = d[order], rc[order]
        g_d = np.cumsum(ds)
        g_r = np.cumsum(rs)
        a = np.searchsorted(site_s, np.arange(data.n_sites), side="left")
        b = np.searchsorted(site_s, np.arange(data.n_sites), side="right")
        base_d = np.where(a > 0, g_d[np.maximum(a - 1, 0)], 0.0) if order.size else np.zeros(
            data.n_sites)
        base_r = np.where(a > 0, g_r[np.maximum(a - 1, 0)], 0.0) if order.size else np.zeros(
            data.n_sites)
        oi = data.option_site
        if order.size:
            target = base_d[oi] + cap
            pos = np.searchsorted(g_d, target, side="right")
            pos = np.clip(pos, a[oi], b[oi])
            full_r = np.where(pos > a[oi], g_r[np.maximum(pos - 1, 0)] - base_r[oi], 0.0)
            used_d = np.where(pos > a[oi], g_d[np.maximum(pos - 1, 0)] - base_d[oi], 0.0)
            has_next = pos < b[oi]
            nxt = np.minimum(pos, order.size - 1)
            frac = np.where(has_next, np.clip((cap - used_d) / np.maximum(ds[nxt], 1e-12),
                                              0.0, 1.0), 0.0)
            knap = full_r + frac * np.where(has_next, rs[nxt], 0.0)
        else:
            pos = np.zeros(n_opt, np.int64)
            frac = np.zeros(n_opt)
            knap = np.zeros(n_opt)
            has_next = np.zeros(n_opt, bool)
            nxt = pos
        v = data.option_cost + knap
        v = np.where(alive, v, np.inf)
        m = np.full(data.n_sites, np.inf)
        np.minimum.at(m, oi, v)
        site_term = np.where(fixed_site, m, np.minimum(m, 0.0))
        if not np.all(np.isfinite(site_term)):
            break  # a fixed site lost every option: no better solution (caller handles)
        val = float(lam.sum() + site_term.sum())
        open_now = np.zeros(n_opt, bool)
        cand_now = np.flatnonzero(alive & (fixed_site | (m < 0))[oi] & (v <= m[oi]))
        _, first_now = np.unique(oi[cand_now], return_index=True)
        open_now[cand_now[first_now]] = True
        if val > best + 1e-9 * max(1.0, abs(val)):
            best, best_lam, best_open, stall = val, lam.copy(), open_now, 0
        else:
            stall += 1
            if stall >= 10:
                theta *= 0.5
                stall = 0
        if target_ub is not None:
            # option k at site i forced open: L - site_term_i + v_ik
            lift = val - site_term[oi] + v
            alive &= ~(lift > target_ub * (1 + 1e-12) + 1e-9)
            alive[np.isin(oi, data.fixed_open)] |= False
        if target_ub is not None and best >= target_ub - 1e-9 * max(1.0, abs(target_ub)):
            break
        if theta < 1e-4:
            break
        # subgradient: the chosen option of each open site serves its knapsack
        chosen = np.zeros(n_opt, bool)
        open_site = fixed_site | (m < 0)
        cand = np.flatnonzero(alive & open_site[oi] & (v <= m[oi]))
        # one option per site (the first minimiser)
        _, first = np.unique(oi[cand], return_index=True)
        chosen[cand[first]] = True
        x_sorted = np.zeros(order.size)
        if order.size:
            ch = np.flatnonzero(chosen)
            diff = np.zeros(order.size + 1)
            np.add.at(diff, a[oi[ch]], 1.0)
            np.add.at(diff, pos[ch], -1.0)
            x_sorted = np.cumsum(diff)[:-1]
            fr = ch[has_next[ch]]
            np.add.at(x_sorted, nxt[fr], frac[fr])
        served = np.bincount(data.pair_cust[order], weights=x_sorted, minlength=n_cust) \
            if order.size else np.zeros(n_cust)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        step_target = target_ub if target_ub is not None else best + abs(best) * 0.05 + 1.0
        lam = lam + theta * max(step_target - val, 1e-9 * max(1.0, abs(val))) / norm * g
    return best, alive, best_lam, best_open


def _complete_capacity(data: CflpData, chosen: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Add options (largest size of the best-valued sites) until capacity covers demand."""
    chosen = chosen.copy()
    # every customer needs a reachable open site: open its cheapest pair's site (largest size)
    has = np.zeros(data.n_sites, bool)
    has[data.option_site[chosen]] = True
    has[data.fixed_open] = True
    reach = np.zeros(data.demand.size, bool)
    reach[data.pair_cust[has[data.pair_site]]] = True
    if not reach.all():
        order = np.lexsort((data.pair_cost, data.pair_cust))
        first = np.r_[True, data.pair_cust[order][1:] != data.pair_cust[order][:-1]]
        cheapest_site = np.full(data.demand.size, -1)
        cheapest_site[data.pair_cust[order[first]]] = data.pair_site[order[first]]
        need = np.unique(cheapest_site[~reach & (cheapest_site >= 0)])
        big = np.lexsort((-data.option_capacity, data.option_site))
        firsto = np.r_[True, data.option_site[big][1:] != data.option_site[big][:-1]]
        largest = np.full(data.n_sites, -1)
        largest[data.option_site[big[firsto]]] = big[firsto]
        add = largest[need[~has[need]]]
        chosen[add[add >= 0]] = True
    total = float(data.demand.sum())
    cap = float(np.minimum(data.option_capacity[chosen], total).sum())
    if cap >= total * 1.02:
        return chosen
    ranked = _lagrangian_open_set(data, lam)
    order = np.flatnonzero(ranked)
    has = np.zeros(data.n_sites, bool)
    has[data.option_site[chosen]] = True
    for k in order:
        if cap >= total * 1.02:
            break
        if has[data.option_site[k]]:
            continue
        chosen[k] = True
        has[data.option_site[k]] = True
        cap += float(min(data.option_capacity[k], total))
    return chosen


def _lagrangian_open_set(data: CflpData, lam: np.ndarray) -> np.ndarray:
    """Options to open from multipliers.

    Sites with negative value (largest option), then more sites by increasing value until
    the capacity covers the demand.
    """
    n_opt = data.option_site.size
    rc = data.pair_cost - lam[data.pair_cust]
    gain = np.zeros(n_opt)
    # site value with its largest option and no capacity limit (a ranking only)
    site_gain = np.bincount(data.pair_site, weights=np.minimum(rc, 0.0), minlength=data.n_sites)
    big = np.lexsort((-data.option_capacity, data.option_site))
    first = np.r_[True, data.option_site[big][1:] != data.option_site[big][:-1]]
    largest = big[first]
    gain[largest] = data.option_cost[largest] + site_gain[data.option_site[largest]]
    order = largest[np.argsort(gain[largest])]
    chosen = np.zeros(n_opt, bool)
    fixed = np.isin(data.option_site[order], data.fixed_open)
    chosen[order[fixed]] = True
    total = float(data.demand.sum())
    capsum = float(np.where(np.isfinite(data.option_capacity[chosen]),
                            data.option_capacity[chosen], total).sum())
    for k in order[~fixed]:
        if gain[k] >= 0 and capsum >= total * 1.05:
            break
        chosen[k] = True
        capsum += float(min(data.option_capacity[k], total))
    return chosen


def _solve_large_uncapacitated(data: CflpData, *, deadline: float, solver: str,
                               rel_gap: float) -> Answer:
    """Large uncapacitated instances by Lagrangian bound, fixing and a MIP on what is left.

    Lagrangian bound, Lagrangian open set + local search + transportation LP, option
    fixing, then the MIP on what is left (cut off at the incumbent). Large capacitated
    instances go to :func:`fleetopt.siting.cflp_large.solve_large_cflp`.
    """
    t0 = time.perf_counter()
    total = deadline - t0
    n_opt = data.option_site.size
    lb, _, lam, lag_open = lagrangian_cflp(data, math.inf, deadline=t0 + 0.25 * total,
                                           iterations=400)
    ub, best_x = math.inf, None
    model_full = build_cflp(data)
    chosen = _complete_capacity(data, lag_open, lam)
    chosen = _uflp_local_search(data, chosen, deadline=t0 + 0.45 * total)
    for attempt in range(4):
        val, x = fixed_open_lp_closing_empty(data, chosen, t0 + 0.5 * total)
        if x is not None:
            ub, best_x = val, x
            break
        # some customers without an open site among their pairs, or no time left:
        # (1) largest size at the chosen sites, (2) also each customer's cheapest site,
        # (3) every site at its largest size
        used = np.zeros(data.n_sites, bool)
        used[data.option_site[chosen]] = True
        if attempt == 1:
            order = np.lexsort((data.pair_cost, data.pair_cust))
            first = np.r_[True, data.pair_cust[order][1:] != data.pair_cust[order][:-1]]
            used[data.pair_site[order[first]]] = True
        elif attempt >= 2:
            used[:] = True
        chosen = _pick_sizes(data, used, np.zeros(data.n_sites), largest=True)
    logger.info("CFLP large: Lagrangian %.9g, heuristic %.9g after %.2fs", lb, ub,
                time.perf_counter() - t0)
    keep = np.ones(n_opt, bool)
    if np.isfinite(ub):
        lb2, keep, _, _ = lagrangian_cflp(data, ub, deadline=t0 + 0.45 * total,
                                          iterations=200, lam0=lam)
        lb = max(lb, lb2)
        keep |= best_x[:n_opt] > 0.5 if best_x is not None else False
    lb = min(lb, ub)
    if np.isfinite(ub) and ub - lb <= rel_gap * abs(ub):
        return answer_from_x(data, Status.OPTIMAL, best_x, ub, ub, model_full.size)
    sub, opt_idx, pair_idx = subset_options(data, keep)
    model = build_cflp(sub)
    logger.info("CFLP large: %d of %d options, %d of %d pairs left; MIP %s", opt_idx.size,
                n_opt, pair_idx.size, data.pair_site.size, model.size)
    remaining = deadline - time.perf_counter() - 0.5  # margin: lifting the answer back
    ans = None
    if remaining > 0.2:
        ans = solve_linear_model(model, solver=solver, time_limit_s=remaining, rel_gap=rel_gap,
                                 cutoff=ub * (1 + 1e-12) if np.isfinite(ub) else None)
    bound = lb
    if ans is not None and ans.status == Status.INFEASIBLE and np.isfinite(ub):
        return answer_from_x(data, Status.OPTIMAL, best_x, ub, ub, model.size)
    if ans is not None and np.isfinite(ans.bound):
        bound = max(bound, min(ans.bound, ub))
    if ans is not None and ans.x is not None and ans.objective < ub:
        x = lift_subset(data, ans.x, opt_idx, pair_idx)
        st, obj = ans.status, ans.objective
        if st == Status.OPTIMAL:
            bound = obj
    elif best_x is not None:
        x, obj = best_x, ub
        mip_optimal = ans is not None and ans.status == Status.OPTIMAL
        st = Status.OPTIMAL if mip_optimal else Status.FEASIBLE
        if st == Status.OPTIMAL:
            bound = obj
    else:
        return Answer(status=Status.TIME_LIMIT_NO_SOLUTION, objective=math.nan, bound=bound,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                          model_size=model.size)
    if obj - bound <= rel_gap * abs(obj):
        st = Status.OPTIMAL
    return answer_from_x(data, st, x, obj, min(bound, obj), model.size)


def _uflp_local_search(data: CflpData, chosen: np.ndarray, *, deadline: float) -> np.ndarray:
    """Best-improvement add/drop on an uncapacitated instance (one option per site).

    With unlimited capacity each customer goes to its cheapest open site, so a move's
    effect is exact and vectorised over all sites at once.
    """
    m, n = data.n_sites, data.demand.size
    if m * n > 25_000_000 or data.budget is not None or data.max_open is not None:
        return chosen
    big = float(np.max(data.pair_cost)) * 10.0 + 1.0
    c = np.full((m, n), big, dtype=np.float64)
    c[data.pair_site, data.pair_cust] = data.pair_cost
    f = np.full(m, np.inf)
    np.minimum.at(f, data.option_site, data.option_cost)
    opt_of_site = np.full(m, -1)
    best_opt = np.lexsort((data.option_cost, data.option_site))
    first = np.r_[True, data.option_site[best_opt][1:] != data.option_site[best_opt][:-1]]
    opt_of_site[data.option_site[best_opt[first]]] = best_opt[first]
    is_open = np.zeros(m, bool)
    is_open[data.option_site[chosen]] = True
    fixed = np.zeros(m, bool)
    fixed[data.fixed_open] = True
    is_open |= fixed
    while time.perf_counter() < deadline:
        sub = np.where(is_open[:, None], c, np.inf)
        first_i = np.argmin(sub, axis=0)
        d1 = sub[first_i, np.arange(n)]
        sub[first_i, np.arange(n)] = np.inf
        d2 = sub.min(axis=0)
        add = f + np.minimum(c - d1[None, :], 0.0).sum(axis=1)
        add[is_open] = np.inf
        drop = -f + np.bincount(first_i, weights=np.minimum(d2 - d1, big), minlength=m)
        drop[~is_open | fixed] = np.inf
        if is_open.sum() <= 1:
            drop[:] = np.inf
        i_add, i_drop = int(np.argmin(add)), int(np.argmin(drop))
        if min(add[i_add], drop[i_drop]) >= -1e-9:
            break
        if add[i_add] <= drop[i_drop]:
            is_open[i_add] = True
        else:
            is_open[i_drop] = False
    out = np.zeros(data.option_site.size, bool)
    out[opt_of_site[is_open & (opt_of_site >= 0)]] = True
    return out


def _facility(model: str) -> Solve:
    def solve(problem: SitingProblem, deadline: Deadline, o: SolveOptions) -> SitingResult:
        data = facility_data(problem, model=model, cost=o.cost, reach=o.reach)
        ans = solve_cflp(data, deadline=deadline, solver=o.solver, rel_gap=o.rel_gap)
        return facility_result(problem, model, data, ans, deadline.elapsed_s())

    return solve


#: ``site --model uflp``: uncapacitated facility location (opening plus travel cost).
UFLP = SitingModel("uflp", _facility("uflp"))
#: ``site --model cflp``: capacitated facility location with modular sizes.
CFLP = SitingModel("cflp", _facility("cflp"))
#: ``site --model service-level``: Erlang-C plug counts so few visits wait long.
SERVICE_LEVEL = SitingModel("service-level", _facility("service-level"))


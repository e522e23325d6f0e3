"""Solve large capacitated facility location by Lagrangian bounds, heuristics and fixing.

The scheme follows Beasley (1988, EJOR 33:314-325) and Cornuejols, Sridharan & Thizy
(1991, EJOR 50:280-297):

1. subgradient optimisation of the multipliers of the assignment rows, the site
   subproblem keeping the integer capacity cover (:mod:`fleetopt.siting.lagrangian`):
   every value is a proven lower bound;
2. Lagrangian heuristics: the sites the subproblem opens cover the demand; the exact
   transportation LP over them gives a feasible cost; sites left empty are closed; a
   close/open local search on the best one;
3. Lagrangian variable fixing in both directions: a site whose forced-open bound exceeds
   the incumbent is closed, one whose forced-closed bound exceeds it is opened (and its
   options that cannot beat the incumbent are removed);
4. the strong formulation on what is left (unfixed sites and their pairs, the aggregate
   capacity row, cut off at the incumbent) goes to the MIP solver for the time left.
   Fixing only removed solutions no better than the incumbent, so the final bound is
   ``min(incumbent, MIP bound)`` and ``optimal`` is claimed only when proven.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from fleetopt.errors import SolverError
from fleetopt.siting.answer import Answer, Status
from fleetopt.siting.backend import solve_linear_model
from fleetopt.siting.cflp_core import (
    CflpData,
    answer_from_x,
    check_cflp_feasible,
    fixed_open_lp,
    lift_subset,
    subset_options,
)
from fleetopt.siting.cflp_lagrangian import (
    Incumbent,
    LagrangianState,
    _heuristic,
    _sites_of,
    admissible,
    subgradient,
)
from fleetopt.siting.lagrangian import (
    option_values,
)
from fleetopt.siting.modular import facility_model

logger = logging.getLogger(__name__)

#: Time HiGHS spends on a strong facility model before it first looks at its clock, per
#: non-zero [s]. Measured 2026-12-06 on the Beijing model (2,000 sites x 8 sizes) with
#: presolve: 1.15 M non-zeros stopped after 4.5 s at a 1 s limit, 3.35 M non-zeros after
#: 10.4 s at 1 s and 27.9 s at 4 s. A MIP is started only when ``left`` covers this.
MIP_OVERHEAD_S_PER_NONZERO = 1.0e-5


def _mip_fits(nnz: int, left: float) -> bool:
    """Return True when a MIP of ``nnz`` non-zeros can stop within ``left`` seconds."""
    return left >= max(0.3, MIP_OVERHEAD_S_PER_NONZERO * nnz)


__all__ = ["LagrangianState", "solve_large_cflp", "subgradient"]


def _open_in(sub: CflpData, must_open: np.ndarray) -> None:
    """Make the sites ``must_open`` fixed open in ``sub``, keeping the count limit's meaning.

    ``max_open`` counts sites beyond the fixed ones, so it shrinks by the newly fixed.
    """
    new = np.setdiff1d(np.flatnonzero(must_open), sub.fixed_open)
    if sub.max_open is not None:
        sub.max_open = sub.max_open - int(new.size)
    sub.fixed_open = np.union1d(sub.fixed_open, new).astype(np.int64)


def greedy_open(d: CflpData) -> np.ndarray:
    """Options to open by a greedy capacitated cover (for sparse pairs and size options).

    Repeatedly opens the site with the least cost per unit of unserved demand it can
    take (its cheapest option that carries that demand, plus the serving cost of the
    customers it takes, nearest first), then gives it those customers. Existing sites
    open first at their largest option. The result covers every customer's demand
    within its allowed pairs whenever the data allow it.

    Returns
    -------
    numpy.ndarray
        Boolean per option.
    """
    n_opt = d.option_site.size
    rem = d.demand.astype(float).copy()
    pair_d = d.demand[d.pair_cust]
    unit_cost = d.pair_cost / np.maximum(pair_d, 1e-12)
    order = np.lexsort((unit_cost, d.pair_site))
    starts = np.searchsorted(d.pair_site[order], np.arange(d.n_sites + 1))
    big = np.lexsort((-d.option_capacity, d.option_site))
    first = np.r_[True, d.option_site[big][1:] != d.option_site[big][:-1]]
    largest = np.full(d.n_sites, -1)
    largest[d.option_site[big[first]]] = big[first]
    qmax = np.where(largest >= 0, d.option_capacity[np.maximum(largest, 0)], 0.0)
    chosen = np.zeros(n_opt, bool)
    is_open = np.zeros(d.n_sites, bool)

    def give(s: int, cap: float) -> float:
        """Serve the unserved demand of site s's customers, cheapest first; return load."""
        load = 0.0
        for p in order[starts[s]:starts[s + 1]]:
            j = d.pair_cust[p]
            if rem[j] <= 0:
                continue
            t = min(rem[j], cap - load)
            if t <= 0:
                break
            rem[j] -= t
            load += t
        return load

    for s in d.fixed_open:
        if largest[s] >= 0:
            chosen[largest[s]] = True
            is_open[s] = True
            give(int(s), float(qmax[s]))
    tol = 1e-9 * max(1.0, float(d.demand.sum()))
    for _ in range(d.n_sites):
        if rem.sum() <= tol:
            break
        w = rem[d.pair_cust]
        reach = np.bincount(d.pair_site, weights=w, minlength=d.n_sites)
        serve = np.bincount(d.pair_site, weights=unit_cost * w, minlength=d.n_sites)
        take = np.minimum(reach, qmax)
        ok = (take > tol) & ~is_open
        if not ok.any():
            break
        # cheapest option carrying `take` at each site
        fits = d.option_capacity >= take[d.option_site] - 1e-9
        oc = np.full(d.n_sites, np.inf)
        np.minimum.at(oc, d.option_site[fits], d.option_cost[fits])
        ratio = np.where(ok, (oc + serve * take / np.maximum(reach, 1e-12))
                         / np.maximum(take, 1e-12), np.inf)
        s = int(np.argmin(ratio))
        if not np.isfinite(ratio[s]):
            break
        cand = np.flatnonzero(fits & (d.option_site == s))
        o = int(cand[np.argmin(d.option_cost[cand])])
        chosen[o] = True
        is_open[s] = True
        give(s, float(d.option_capacity[o]))
    return chosen


def strong_model_size(d: CflpData) -> dict[str, int]:
    """Return the size of :func:`~fleetopt.siting.cflp.build_cflp`'s model, without building it.

    Reported for runs that prove their answer without handing that model to a solver.
    """
    n_opt, n_pair, n_cust = d.option_site.size, d.pair_site.size, d.demand.size
    per_site = np.bincount(d.option_site, minlength=d.n_sites)
    fixed = np.zeros(d.n_sites, bool)
    fixed[d.fixed_open] = True
    needing = (per_site > 1) | fixed
    cap = d.capacitated
    extra = int(d.max_open is not None) + int(d.budget is not None)
    rows = n_cust + n_pair + int(needing.sum()) + extra + ((d.n_sites + 1) if cap else 0)
    nnz = (n_pair + n_pair + int(per_site[d.pair_site].sum()) + int(per_site[needing].sum())
           + extra * n_opt + ((n_pair + 2 * n_opt) if cap else 0))
    return {"rows": rows, "columns": n_opt + n_pair, "nonzeros": nnz}


def _servable(d: CflpData, *, deadline: float) -> bool:
    """Tell whether every site open at its largest size can serve all demand.

    A relaxation of every solution: when it cannot, no solution exists. A stop of the LP
    without an answer counts as servable.
    """
    big = np.lexsort((-d.option_capacity, d.option_site))
    first = np.r_[True, d.option_site[big][1:] != d.option_site[big][:-1]]
    chosen = np.zeros(d.option_site.size, bool)
    chosen[big[first]] = True
    relaxed = CflpData(**{**d.__dict__, "budget": None, "max_open": None})
    _, x = fixed_open_lp(relaxed, chosen, deadline)
    return x is not None


def _greedy_incumbent(st: LagrangianState, *, deadline: float) -> None:
    """Incumbent from :func:`greedy_open`, the transportation LP and :func:`shrink`."""
    d = st.data
    chosen = greedy_open(d)
    if not admissible(d, chosen):
        return
    st.inc.tried.add(np.packbits(chosen).tobytes())
    val, x = fixed_open_lp(d, chosen, deadline)
    if x is not None and val < st.ub:
        st.inc.ub, st.inc.x = val, x
        shrink(st, deadline=deadline)


def shrink(st: LagrangianState, *, deadline: float) -> None:
    """Give each open site of the incumbent its smallest option that carries its load."""
    d = st.data
    if st.x is None:
        return
    n_opt = d.option_site.size
    load = np.bincount(d.pair_site, weights=st.x[n_opt:] * st.pair_demand, minlength=d.n_sites)
    chosen = st.x[:n_opt] > 0.5
    out = np.zeros(n_opt, bool)
    fits = d.option_capacity >= load[d.option_site] * (1 - 1e-12) - 1e-9
    fits &= _sites_of(d, chosen)[d.option_site]
    best = np.full(d.n_sites, np.inf)
    np.minimum.at(best, d.option_site[fits], d.option_cost[fits])
    pick = np.flatnonzero(fits & (d.option_cost <= best[d.option_site]))
    _, first = np.unique(d.option_site[pick], return_index=True)
    out[pick[first]] = True
    empty = load <= 1e-9
    empty[d.fixed_open] = False
    out &= ~empty[d.option_site]
    if np.array_equal(out, chosen):
        return
    val, x = fixed_open_lp(d, out, deadline)
    if x is not None and val < st.ub:
        st.inc.ub, st.inc.x = val, x


def local_search(st: LagrangianState, *, deadline: float, n_add: int = 5,
                 n_swap_out: int = 3, n_swap_in: int = 6) -> None:
    """Improve the incumbent by close / open / swap moves, each priced exactly.

    Every move is evaluated by the transportation LP (first improvement). Candidates
    come from the Lagrangian values at the best multipliers: the closed sites of lowest
    value to open, the open sites of highest value to close in a swap; every open site
    is tried for closing. Sites with several size options keep their incumbent option.
    """
    d = st.data
    if st.x is None:
        return
    n_opt = d.option_site.size
    fixed = np.zeros(d.n_sites, bool)
    fixed[d.fixed_open] = True
    v, _ = option_values(d.option_site, d.option_capacity, d.option_cost, d.n_sites,
                         d.pair_site, d.pair_cust, d.pair_cost, st.pair_demand, st.lam)
    v = np.where(st.alive, v, np.inf)
    site_v = np.full(d.n_sites, np.inf)
    np.minimum.at(site_v, d.option_site, v)
    best_opt = np.full(d.n_sites, -1)
    cand = np.flatnonzero(np.isfinite(v) & (v <= site_v[d.option_site]))
    _, first = np.unique(d.option_site[cand], return_index=True)
    best_opt[d.option_site[cand[first]]] = cand[first]

    def price(chosen: np.ndarray) -> bool:
        key = np.packbits(chosen).tobytes()
        if key in st.inc.tried or float(d.option_capacity[chosen].sum()) < st.need * (
                1 - 1e-12) or not admissible(d, chosen):
            return False
        st.inc.tried.add(key)
        val, x = fixed_open_lp(d, chosen, deadline)
        if x is not None and val < st.ub * (1 - 1e-12):
            st.inc.ub, st.inc.x = val, x
            return True
        return False

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        chosen = st.x[:n_opt] > 0.5
        is_open = _sites_of(d, chosen)
        open_sites = np.flatnonzero(is_open & ~fixed)
        closed = np.flatnonzero(~is_open & (best_opt >= 0))
        closed = closed[np.argsort(site_v[closed])]
        load = np.bincount(d.pair_site, weights=st.x[n_opt:] * st.pair_demand,
                           minlength=d.n_sites)
        by_load = open_sites[np.argsort(load[open_sites])]
        moves: list[tuple[int, int]] = [(int(s), -1) for s in by_load]
        worst = open_sites[np.argsort(-site_v[open_sites])][:n_swap_out]
        moves += [(int(o), int(i)) for o in worst for i in closed[:n_swap_in]]
        moves += [(-1, int(i)) for i in closed[:n_add]]
        for out, inn in moves:
            if time.perf_counter() > deadline:
                break
            ch = chosen.copy()
            if out >= 0:
                ch &= d.option_site != out
            if inn >= 0:
                ch[best_opt[inn]] = True
            if price(ch):
                improved = True
                logger.debug("CFLP local search: %d out, %d in: %.9g", out, inn, st.ub)
                break


def branch_and_bound(root: LagrangianState, *, deadline: float, rel_gap: float,
                     node_iterations: int = 60) -> tuple[float, int, bool]:
    """Depth-first branch and bound on sites with Lagrangian bounds (one option per site).

    Each node runs up to ``node_iterations`` subgradient steps from its parent's
    multipliers (60: measured on capb6000/capb7000, 15 and 100 both slower; with fixing,
    valid inside the node's subtree); the branching site is the free one whose
    forced-open and forced-closed bounds are both highest, and those bounds are the
    children's starting bounds. A node with every site decided is solved exactly by the
    transportation LP.

    Returns
    -------
    (float, int, bool)
        Proven lower bound, nodes explored, and whether the search finished.
    """
    d = root.data
    inc = root.inc
    stack: list[tuple[float, LagrangianState]] = [(root.bound, root)]
    nodes = 0

    def closed(b: float) -> bool:
        return b >= inc.ub - rel_gap * max(1.0, abs(inc.ub))

    while stack:
        if time.perf_counter() > deadline:
            return min([inc.ub] + [b for b, _ in stack]), nodes, False
        pb, node = stack.pop()
        if closed(pb):
            continue
        nodes += 1
        node.bound = max(node.bound, pb)
        if nodes > 1:
            subgradient(node, deadline=deadline, iterations=node_iterations,
                        heuristic_every=0, theta=0.5, rel_gap=rel_gap)
        if closed(node.bound):
            continue
        val, cov, _, _v = node.evaluate(node.lam, forced=True)
        lam_sum = float(node.lam.sum())
        node.bound = max(node.bound, val)
        if closed(node.bound) or not np.isfinite(val):
            continue
        node.fix(lam_sum, cov)
        if nodes % 20 == 0:
            _heuristic(node, cov.chosen, deadline)
        site_alive = np.zeros(d.n_sites, bool)
        site_alive[d.option_site[node.alive]] = True
        free = np.flatnonzero(site_alive & ~node.must_open)
        if free.size == 0:
            chosen = node.alive & node.must_open[d.option_site]
            _heuristic(node, chosen, deadline)
            continue
        if cov.forced_open is None or cov.forced_closed is None:
            # one option per site: the exact cover, which always gives forced bounds
            msg = "branch and bound needs the forced bounds of the exact cover"
            raise SolverError(msg)
        fo = lam_sum + cov.forced_open[free]
        fc = lam_sum + cov.forced_closed[free]
        s = int(free[np.argmax(np.minimum(fo, fc))])
        b_open, b_closed = float(lam_sum + cov.forced_open[s]), float(
            lam_sum + cov.forced_closed[s])
        c_open, c_closed = node.child(), node.child()
        c_open.must_open[s] = True
        c_closed.alive[d.option_site == s] = False
        c_open.bound, c_closed.bound = max(node.bound, b_open), max(node.bound, b_closed)
        kids = sorted([(c_open.bound, c_open), (c_closed.bound, c_closed)], key=lambda t: -t[0])
        stack.extend(kids)  # the child with the lower bound is explored first
    return inc.ub, nodes, True


def restricted_mip(st: LagrangianState, *, deadline: float, solver: str,
                   n_sites: int) -> None:
    """Improve the incumbent: the MIP over the ``n_sites`` most promising sites only.

    Sites are ranked by how often the Lagrangian subproblem opened them (ties: their
    value at the best multipliers); the incumbent's sites are always in. Cut off at the
    incumbent, so any solution found is better.
    """
    d = st.data
    n_opt = d.option_site.size
    v, _ = option_values(d.option_site, d.option_capacity, d.option_cost, d.n_sites,
                         d.pair_site, d.pair_cust, d.pair_cost, st.pair_demand, st.lam)
    site_seen = np.bincount(d.option_site, weights=st.seen, minlength=d.n_sites)
    site_v = np.full(d.n_sites, np.inf)
    np.minimum.at(site_v, d.option_site, np.where(st.alive, v, np.inf))
    rank = np.lexsort((site_v, -site_seen))
    rank = rank[np.isfinite(site_v[rank])]
    pick = np.zeros(d.n_sites, bool)
    pick[rank[:n_sites]] = True
    pick |= st.must_open
    keep = st.alive & pick[d.option_site]
    if st.x is not None:
        keep |= st.x[:n_opt] > 0.5
    sub, opt_idx, pair_idx = subset_options(d, keep)
    _open_in(sub, st.must_open)
    if check_cflp_feasible(sub):
        return
    model, lift = facility_model(sub)
    left = deadline - time.perf_counter()
    if not _mip_fits(model.a.nnz, left):
        logger.info("CFLP restricted MIP skipped: %d non-zeros do not fit in %.1fs",
                    model.a.nnz, left)
        return
    ans = solve_linear_model(model, solver=solver, time_limit_s=left,
                             cutoff=st.ub * (1 - 1e-12) if np.isfinite(st.ub) else None)
    if ans.x is not None and ans.objective < st.ub:
        st.inc.ub = float(ans.objective)
        st.inc.x = lift_subset(d, lift(ans.x), opt_idx, pair_idx)
        logger.info("CFLP restricted MIP over %d sites: %.9g (%s)", int(pick.sum()), st.ub,
                    ans.status)


def solve_large_cflp(data: CflpData, *, deadline: float, solver: str, rel_gap: float
                     ) -> Answer:
    """Lagrangian bound and heuristics, fixing, then branch and bound or the reduced MIP.

    Parameters
    ----------
    data : CflpData
        The instance (capacitated).
    deadline : float
        ``time.perf_counter()`` value to finish by [s].
    solver : {"highs", "scip"}
        MIP back-end of the heuristic and of the reduced model.
    rel_gap : float
        Relative gap at which to stop.

    Returns
    -------
    Answer
    """
    t0 = time.perf_counter()
    total = deadline - t0
    n_opt = data.option_site.size
    st = LagrangianState(data)
    one_option = bool(np.all(np.bincount(data.option_site, minlength=data.n_sites) <= 1))
    _greedy_incumbent(st, deadline=t0 + 0.1 * total)
    logger.info("CFLP greedy: incumbent %.9g after %.2fs", st.ub, time.perf_counter() - t0)
    if st.x is None and not _servable(data, deadline=t0 + 0.2 * total):
        return Answer(status=Status.INFEASIBLE, objective=math.nan, bound=math.nan,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                          model_size={}, reason="even with every site open at its largest "
                          "size some customers cannot be served within their allowed pairs")
    if st.relax_cover:
        # many sites with size options: start from the price of capacity (the aggregate
        # capacity row's dual), take more, cheaper steps
        per_unit = data.option_cost / np.where(np.isfinite(data.option_capacity),
                                               data.option_capacity, np.inf)
        st.lam = st.lam + float(np.min(per_unit)) * data.demand
        subgradient(st, deadline=t0 + 0.35 * total, iterations=5000, rel_gap=rel_gap,
                    theta=1.0, heuristic_every=50, fix=False, deflect=0.7)
        val, _, _, _ = st.evaluate(st.lam, exact=True)
        st.bound = max(st.bound, val)
    else:
        subgradient(st, deadline=t0 + 0.2 * total, iterations=400, rel_gap=rel_gap)
    if st.bound < st.ub - rel_gap * abs(st.ub):
        local_search(st, deadline=min(deadline, time.perf_counter() + 0.12 * total))
        logger.info("CFLP local search: incumbent %.9g", st.ub)
        if not one_option:
            k_sites = int(_sites_of(data, st.x[:n_opt] > 0.5).sum()) if st.x is not None else 10
            restricted_mip(st, deadline=min(deadline, time.perf_counter() + 0.08 * total),
                           solver=solver, n_sites=max(2 * k_sites, k_sites + 10))
        subgradient(st, deadline=time.perf_counter() + 0.08 * total, iterations=100,
                    theta=0.5, rel_gap=rel_gap)
    logger.info("CFLP Lagrangian: bound %.9g, incumbent %.9g, %d options alive, %d sites "
                "open, %.2fs", st.bound, st.ub, int(st.alive.sum()), int(st.must_open.sum()),
                time.perf_counter() - t0)
    size = strong_model_size(data)
    if st.x is not None and st.ub - st.bound <= rel_gap * abs(st.ub):
        return answer_from_x(data, Status.OPTIMAL, st.x, st.ub, st.ub, size)
    keep = st.alive.copy()
    if st.x is not None:
        keep |= st.x[:n_opt] > 0.5
    sub, opt_idx, pair_idx = subset_options(data, keep)
    _open_in(sub, st.must_open)
    ans = None
    bound = st.bound
    if one_option and sub.budget is None and sub.max_open is None:
        # branch and bound on the sites left, in the reduced instance's index space
        inc = Incumbent()
        inc.ub = st.ub
        if st.x is not None:
            inc.x = np.r_[st.x[opt_idx], st.x[n_opt + pair_idx]]
        node = LagrangianState(sub, inc)
        node.lam, node.bound = st.lam.copy(), st.bound
        lb, nodes, done = branch_and_bound(node, deadline=deadline - 0.2, rel_gap=rel_gap)
        logger.info("CFLP branch and bound: %d nodes, bound %.9g, incumbent %.9g, %s", nodes,
                    lb, inc.ub, "finished" if done else "stopped")
        size = {**size, "nodes": nodes}
        if inc.x is None and done and not np.isfinite(st.ub):
            # the search enumerated every open set without a feasible one
            return Answer(status=Status.INFEASIBLE, objective=math.nan, bound=math.nan,
                              option_open=np.zeros(n_opt, bool),
                              flow=np.zeros(data.pair_site.size), model_size=size,
                              reason="no open set serves every customer within its "
                                     "allowed pairs and the capacities")
        if inc.x is None:
            return Answer(status=Status.TIME_LIMIT_NO_SOLUTION, objective=math.nan,
                              bound=min(lb, st.ub), option_open=np.zeros(n_opt, bool),
                              flow=np.zeros(data.pair_site.size), model_size=size)
        x = lift_subset(data, inc.x, opt_idx, pair_idx)
        lb = min(max(lb, st.bound), inc.ub)
        proven = done or inc.ub - lb <= rel_gap * abs(inc.ub)
        status = Status.OPTIMAL if proven else Status.FEASIBLE
        return answer_from_x(data, status, x, inc.ub, inc.ub if proven else lb, size)
    model, lift = facility_model(sub)
    size = model.size
    remaining = deadline - time.perf_counter() - 0.3
    logger.info("CFLP reduced MIP: %d of %d options, %s", opt_idx.size, n_opt, size)
    if not _mip_fits(model.a.nnz, remaining):
        logger.info("CFLP reduced MIP skipped: %d non-zeros do not fit in %.1fs; local "
                    "search for the time left", model.a.nnz, remaining)
        if st.x is not None:
            local_search(st, deadline=deadline - 0.5)
    else:
        ans = solve_linear_model(model, solver=solver, time_limit_s=remaining, rel_gap=rel_gap,
                                 cutoff=st.ub * (1 + 1e-12) if np.isfinite(st.ub) else None)
        if ans.x is not None:
            ans.x = lift(ans.x)
    if ans is not None and ans.status == Status.INFEASIBLE and st.x is not None:
        return answer_from_x(data, Status.OPTIMAL, st.x, st.ub, st.ub, size)
    if ans is not None and ans.status == Status.INFEASIBLE:
        # no incumbent, so nothing was fixed: the model itself has no solution
        return Answer(status=Status.INFEASIBLE, objective=math.nan, bound=math.nan,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                          model_size=size, reason="no solution serves every customer within "
                                                  "its allowed pairs and the capacities")
    if ans is not None and np.isfinite(ans.bound):
        bound = max(bound, min(ans.bound, st.ub))
    if ans is not None and ans.x is not None and ans.objective < st.ub:
        x = lift_subset(data, ans.x, opt_idx, pair_idx)
        obj, status = ans.objective, ans.status
    elif st.x is not None:
        x, obj = st.x, st.ub
        solved = ans is not None and ans.status == Status.OPTIMAL
        status = Status.OPTIMAL if solved else Status.FEASIBLE
    else:
        return Answer(status=Status.TIME_LIMIT_NO_SOLUTION, objective=math.nan, bound=bound,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                          model_size=size)
    if status == Status.OPTIMAL or obj - bound <= rel_gap * abs(obj):
        status, bound = Status.OPTIMAL, obj
    return answer_from_x(data, status, x, obj, min(bound, obj), size)

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
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from fleetopt.siting.backend import LinearModel, solve_linear_model

logger = logging.getLogger(__name__)

__all__ = ["CflpAnswer", "CflpData", "build_cflp", "solve_cflp"]


@dataclass
class CflpData:
    """A facility location instance with size options and sparse allowed pairs.

    Attributes
    ----------
    option_site : numpy.ndarray
        Site index of each size option (int).
    option_capacity : numpy.ndarray
        Capacity of each option [demand units]; ``inf`` when uncapacitated.
    option_cost : numpy.ndarray
        Cost of opening the site with this option [cost units].
    n_sites : int
        Number of sites.
    demand : numpy.ndarray
        Demand of each customer [demand units].
    pair_site, pair_cust : numpy.ndarray
        Allowed (site, customer) pairs.
    pair_cost : numpy.ndarray
        Cost of serving all of the customer's demand from the site [cost units].
    fixed_open : numpy.ndarray
        Sites that must be open (existing stations).
    max_open : int or None
        At most this many sites open (budget in count), None = free.
    budget : float or None
        At most this opening cost in total [cost units], None = free.
    option_size : numpy.ndarray
        Size of each option (modules, plugs); 1 by default.
    """

    option_site: np.ndarray
    option_capacity: np.ndarray
    option_cost: np.ndarray
    n_sites: int
    demand: np.ndarray
    pair_site: np.ndarray
    pair_cust: np.ndarray
    pair_cost: np.ndarray
    fixed_open: np.ndarray
    max_open: int | None = None
    budget: float | None = None
    option_size: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.option_size is None:
            self.option_size = np.ones(self.option_site.size, dtype=np.int64)

    @classmethod
    def dense(cls, fixed_cost: np.ndarray, capacity: np.ndarray | None, demand: np.ndarray,
              cost: np.ndarray) -> CflpData:
        """Build from dense OR-Library arrays (one size option per site)."""
        m, n = cost.shape
        si, cj = np.divmod(np.arange(m * n), n)
        cap = np.full(m, np.inf) if capacity is None else np.asarray(capacity, float)
        return cls(option_site=np.arange(m), option_capacity=cap,
                   option_cost=np.asarray(fixed_cost, float), n_sites=m,
                   demand=np.asarray(demand, float), pair_site=si, pair_cust=cj,
                   pair_cost=np.asarray(cost, float).ravel(), fixed_open=np.array([], np.int64))

    @property
    def capacitated(self) -> bool:
        """True when some option has a finite capacity."""
        return bool(np.any(np.isfinite(self.option_capacity)))


@dataclass
class CflpAnswer:
    """Result of :func:`solve_cflp`.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit_no_solution``.
    objective, bound : float
        Cost of the best solution and proven lower bound [cost units].
    option_open : numpy.ndarray
        Boolean per size option.
    flow : numpy.ndarray
        Assigned fraction per allowed pair.
    model_size : dict
        Rows, columns, non-zeros of the MIP.
    reason : str
        Why the model is infeasible, when it is.
    """

    status: str
    objective: float
    bound: float
    option_open: np.ndarray
    flow: np.ndarray
    model_size: dict[str, int]
    reason: str = ""


def build_cflp(data: CflpData, *, keep_option: np.ndarray | None = None) -> LinearModel:
    """Build the strong formulation as a :class:`LinearModel` (columns: options, then pairs).

    Parameters
    ----------
    data : CflpData
        The instance.
    keep_option : numpy.ndarray, optional
        Boolean mask of options allowed to open (others fixed closed).
    """
    n_opt = data.option_site.size
    n_pair = data.pair_site.size
    n_cust = data.demand.size
    n_site = data.n_sites
    capacitated = data.capacitated
    # map options to sites: S (n_site x n_opt)
    rows, cols, vals = [], [], []
    lb, ub = [], []
    r = 0
    # 1) assignment rows
    rows.append(r + data.pair_cust)
    cols.append(n_opt + np.arange(n_pair))
    vals.append(np.ones(n_pair))
    lb.append(np.ones(n_cust))
    ub.append(np.ones(n_cust))
    r += n_cust
    # 2) capacity rows: sum_j d_j x_ij - sum_k Q_ik u_ik <= 0
    if capacitated:
        rows.append(r + data.pair_site)
        cols.append(n_opt + np.arange(n_pair))
        vals.append(data.demand[data.pair_cust])
        rows.append(r + data.option_site)
        cols.append(np.arange(n_opt))
        vals.append(-np.where(np.isfinite(data.option_capacity), data.option_capacity, 1e30))
        lb.append(np.full(n_site, -np.inf))
        ub.append(np.zeros(n_site))
        r += n_site
    # 3) strong linking x_ij - sum_k u_ik <= 0 (one row per pair)
    opt_order = np.argsort(data.option_site, kind="stable")
    site_start = np.searchsorted(data.option_site[opt_order], np.arange(n_site + 1))
    n_opt_of_site = np.diff(site_start)
    reps = n_opt_of_site[data.pair_site]
    pr = np.repeat(np.arange(n_pair), reps)
    # option columns for each pair, in site order
    starts = site_start[data.pair_site]
    offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    rows.append(r + np.arange(n_pair))
    cols.append(n_opt + np.arange(n_pair))
    vals.append(np.ones(n_pair))
    rows.append(r + pr)
    cols.append(opt_order[np.repeat(starts, reps) + offs])
    vals.append(-np.ones(pr.size))
    lb.append(np.full(n_pair, -np.inf))
    ub.append(np.zeros(n_pair))
    r += n_pair
    # 4) one size per site (fixed-open sites: exactly one)
    multi = n_opt_of_site > 1
    fixed_mask = np.zeros(n_site, bool)
    fixed_mask[data.fixed_open] = True
    sites_needing = np.flatnonzero(multi | fixed_mask)
    if sites_needing.size:
        pos = np.full(n_site, -1)
        pos[sites_needing] = np.arange(sites_needing.size)
        sel = pos[data.option_site] >= 0
        rows.append(r + pos[data.option_site[sel]])
        cols.append(np.flatnonzero(sel))
        vals.append(np.ones(int(sel.sum())))
        lb.append(np.where(fixed_mask[sites_needing], 1.0, 0.0))
        ub.append(np.ones(sites_needing.size))
        r += sites_needing.size
    # 5) aggregate capacity
    if capacitated:
        rows.append(np.full(n_opt, r))
        cols.append(np.arange(n_opt))
        vals.append(np.where(np.isfinite(data.option_capacity), data.option_capacity, 1e30))
        lb.append(np.array([float(data.demand.sum())]))
        ub.append(np.array([np.inf]))
        r += 1
    # 6) count and budget
    if data.max_open is not None:
        per_site = np.zeros(n_opt)
        rows.append(np.full(n_opt, r))
        cols.append(np.arange(n_opt))
        vals.append(per_site + 1.0)
        lb.append(np.array([-np.inf]))
        ub.append(np.array([float(data.max_open + data.fixed_open.size)]))
        r += 1
    if data.budget is not None:
        rows.append(np.full(n_opt, r))
        cols.append(np.arange(n_opt))
        vals.append(data.option_cost.astype(float))
        lb.append(np.array([-np.inf]))
        fixed_cost_existing = 0.0
        ub.append(np.array([float(data.budget) + fixed_cost_existing]))
        r += 1
    n_cols = n_opt + n_pair
    a = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(r, n_cols))
    c = np.concatenate([data.option_cost, data.pair_cost])
    col_lb = np.zeros(n_cols)
    col_ub = np.ones(n_cols)
    if keep_option is not None:
        col_ub[:n_opt] = np.where(keep_option, 1.0, 0.0)
    integer = np.zeros(n_cols, bool)
    integer[:n_opt] = True
    return LinearModel(c=c, a=a, row_lb=np.concatenate(lb), row_ub=np.concatenate(ub),
                       col_lb=col_lb, col_ub=col_ub, integer=integer)


def check_cflp_feasible(data: CflpData) -> str:
    """Return a reason why the instance has no solution ("" when none is obvious)."""
    served = np.zeros(data.demand.size, bool)
    served[data.pair_cust] = True
    if not served.all():
        j = int(np.flatnonzero(~served)[0])
        return (f"{int((~served).sum())} demand points have no candidate site in reach "
                f"(first: demand #{j})")
    if data.capacitated:
        best_cap = np.zeros(data.n_sites)
        np.maximum.at(best_cap, data.option_site, data.option_capacity)
        total = float(data.demand.sum())
        if data.max_open is not None:
            k = data.max_open + data.fixed_open.size
            cap_avail = float(np.sort(best_cap)[::-1][:k].sum())
        else:
            cap_avail = float(best_cap.sum())
        if cap_avail < total - 1e-9 * max(1.0, total):
            return (f"total demand {total:.6g} exceeds the largest capacity that can be "
                    f"opened ({cap_avail:.6g})")
    if data.budget is not None:
        cheapest = np.full(data.n_sites, np.inf)
        np.minimum.at(cheapest, data.option_site, data.option_cost)
        must = float(cheapest[data.fixed_open].sum()) if data.fixed_open.size else 0.0
        if must > data.budget + 1e-9:
            return f"budget {data.budget:.6g} is below the cost of the existing sites ({must:.6g})"
    return ""


def solve_cflp(data: CflpData, *, time_limit_s: float = 60.0, solver: str = "highs",
               rel_gap: float = 1e-9, fix_by_reduced_cost: bool = True) -> CflpAnswer:
    """Solve a facility location instance to proven optimality (or to the time limit).

    Parameters
    ----------
    data : CflpData
        The instance.
    time_limit_s : float
        Wall-clock limit [s].
    solver : {"highs", "scip"}
        MIP back-end.
    rel_gap : float
        Relative gap at which to stop.
    fix_by_reduced_cost : bool
        Remove options whose LP reduced cost proves them useless before the MIP.

    Returns
    -------
    CflpAnswer
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    n_opt = data.option_site.size
    empty = CflpAnswer(status="infeasible", objective=math.nan, bound=math.nan,
                       option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                       model_size={})
    reason = check_cflp_feasible(data)
    if reason:
        empty.reason = reason
        return empty
    model = build_cflp(data)
    keep = None
    lp_bound = -math.inf
    if fix_by_reduced_cost and n_opt > 8:
        lp = solve_linear_model(model, solver="glop", relax=True,
                                time_limit_s=max(0.1, 0.3 * time_limit_s))
        if lp.status == "infeasible":
            empty.reason = "the LP relaxation is infeasible (capacity, budget or reach)"
            empty.model_size = model.size
            return empty
        if lp.status == "optimal" and lp.x is not None and lp.reduced_costs is not None:
            lp_bound = lp.objective
            ub = _round_up(data, lp.x[:n_opt], deadline, solver)
            if ub is not None and np.isfinite(ub):
                slack = ub - lp_bound
                keep = ~(lp.reduced_costs[:n_opt] > slack * (1 + 1e-9) + 1e-7)
                keep[np.isin(data.option_site, data.fixed_open)] = True
                logger.info("CFLP LP %.9g, UB %.9g: %d of %d options kept", lp_bound, ub,
                            int(keep.sum()), n_opt)
    if keep is not None:
        model = build_cflp(data, keep_option=keep)
    remaining = max(0.1, deadline - time.perf_counter())
    ans = solve_linear_model(model, solver=solver, time_limit_s=remaining, rel_gap=rel_gap)
    bound = max(ans.bound, lp_bound) if np.isfinite(ans.bound) else lp_bound
    if ans.x is None:
        st = ans.status
        reason = "no feasible solution exists" if st == "infeasible" else ""
        return CflpAnswer(status=st, objective=math.nan, bound=bound,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                          model_size=model.size, reason=reason)
    if ans.status == "optimal":
        bound = ans.objective if ans.bound >= ans.objective - abs(ans.objective) * rel_gap * 10 \
            else max(bound, ans.bound)
    return CflpAnswer(status=ans.status, objective=ans.objective, bound=min(bound, ans.objective),
                      option_open=ans.x[:n_opt] > 0.5, flow=ans.x[n_opt:],
                      model_size=model.size)


def _round_up(data: CflpData, u_lp: np.ndarray, deadline: float, solver: str) -> float | None:
    """Upper bound: open every option the LP uses (largest per site), solve the flow LP."""
    n_opt = data.option_site.size
    chosen = np.zeros(n_opt, bool)
    used = u_lp > 1e-6
    # per site keep the used option of largest capacity
    order = np.lexsort((-data.option_capacity, data.option_site))
    seen = np.zeros(data.n_sites, bool)
    for k in order[used[order]]:
        s = data.option_site[k]
        if not seen[s]:
            chosen[k] = True
            seen[s] = True
    for s in data.fixed_open:
        if not seen[s]:
            ks = np.flatnonzero(data.option_site == s)
            chosen[ks[np.argmax(data.option_capacity[ks])]] = True
    model = build_cflp(data, keep_option=chosen)
    model.col_lb[:n_opt] = chosen.astype(float)
    if data.max_open is not None or data.budget is not None:
        return None
    ans = solve_linear_model(model, solver="glop", relax=True,
                             time_limit_s=max(0.1, deadline - time.perf_counter()))
    return ans.objective if ans.x is not None else None

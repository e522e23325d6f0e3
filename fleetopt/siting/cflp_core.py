"""Hold the capacitated facility location core: the instance, its strong model, fixed-open LPs.

Shared by the LP-based solver (:mod:`fleetopt.siting.cflp`), the Lagrangian path for
large instances (:mod:`fleetopt.siting.cflp_large`) and the compact modular form
(:mod:`fleetopt.siting.modular`); it imports none of them, so they form no cycle.
The formulation (options ``u_ik``, split assignments ``x_ij``)::

    min  sum_ik F_ik u_ik + sum_ij c_ij x_ij
    s.t. sum_i x_ij = 1                              (every customer served)
         sum_j d_j x_ij <= sum_k Q_ik u_ik           (capacity)
         x_ij <= sum_k u_ik                          (strong linking, only pairs kept)
         sum_k u_ik <= 1, u binary                   (one size per site)
         sum_ik Q_ik u_ik >= sum_j d_j               (aggregate capacity cut)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from fleetopt.siting.answer import Answer, Status
from fleetopt.siting.backend import LinearModel, solve_linear_model

__all__ = [
    "CflpData",
    "answer_from_x",
    "build_cflp",
    "check_cflp_feasible",
    "fixed_open_lp",
    "fixed_open_lp_closing_empty",
    "lift_subset",
    "subset_options",
]



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
        cap = np.asarray(self.option_capacity, float)
        if np.isfinite(cap).any() and not np.isfinite(cap).all():
            # uncapacitated options among capacitated ones: no site ever carries more than
            # the total demand, so that is their capacity (keeps the model's numbers finite)
            self.option_capacity = np.where(np.isfinite(cap), cap, float(self.demand.sum()))

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


def answer_from_x(data: CflpData, status: Status, x: np.ndarray | None, obj: float,
                  bound: float, size: dict[str, int]) -> Answer:
    """Return the :class:`Answer` of a solution ``x`` (columns: options, then pairs)."""
    n_opt = data.option_site.size
    assert x is not None
    return Answer(status=status, objective=float(obj), bound=float(bound),
                  option_open=x[:n_opt] > 0.5, flow=np.clip(x[n_opt:], 0.0, 1.0),
                  model_size=size)


def fixed_open_lp(data: CflpData, chosen: np.ndarray, deadline: float
                   ) -> tuple[float, np.ndarray | None]:
    """Cost of opening exactly ``chosen`` options: a transportation LP over their pairs."""
    n_opt = data.option_site.size
    cap_site = np.zeros(data.n_sites)
    np.add.at(cap_site, data.option_site[chosen], data.option_capacity[chosen])
    open_site = np.zeros(data.n_sites, bool)
    open_site[data.option_site[chosen]] = True
    pk = np.flatnonzero(open_site[data.pair_site])
    n_cust = data.demand.size
    served = np.zeros(n_cust, bool)
    served[data.pair_cust[pk]] = True
    if not served.all():
        return math.inf, None
    sites = np.flatnonzero(open_site & np.isfinite(cap_site))
    row_of_site = np.full(data.n_sites, -1)
    row_of_site[sites] = n_cust + np.arange(sites.size)
    rows = [data.pair_cust[pk]]
    cols = [np.arange(pk.size)]
    vals = [np.ones(pk.size)]
    capped = row_of_site[data.pair_site[pk]] >= 0
    rows.append(row_of_site[data.pair_site[pk]][capped])
    cols.append(np.flatnonzero(capped))
    vals.append(data.demand[data.pair_cust[pk]][capped])
    a = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n_cust + sites.size, pk.size))
    lp = LinearModel(c=data.pair_cost[pk], a=a,
                     row_lb=np.r_[np.ones(n_cust), np.full(sites.size, -np.inf)],
                     row_ub=np.r_[np.ones(n_cust), cap_site[sites]],
                     col_lb=np.zeros(pk.size), col_ub=np.ones(pk.size),
                     integer=np.zeros(pk.size, bool),
                     offset=float(data.option_cost[chosen].sum()))
    if data.budget is not None and lp.offset > data.budget + 1e-9:
        return math.inf, None
    ans = solve_linear_model(lp, solver="highs", relax=True,
                             time_limit_s=max(0.1, deadline - time.perf_counter()))
    if ans.status != Status.OPTIMAL or ans.x is None:
        return math.inf, None
    x = np.zeros(n_opt + data.pair_site.size)
    x[:n_opt] = chosen.astype(float)
    x[n_opt + pk] = ans.x
    return float(ans.objective), x


def fixed_open_lp_closing_empty(data: CflpData, chosen: np.ndarray, deadline: float, *,
                                 pair_weight: np.ndarray | None = None
                                 ) -> tuple[float, np.ndarray | None]:
    """Transportation LP over ``chosen``, then once more without the sites it left empty.

    Closing a site that carries nothing saves its cost; the cheaper of the two answers is
    returned (``(inf, None)`` when the first LP has no solution).

    Parameters
    ----------
    data : CflpData
        The instance.
    chosen : numpy.ndarray
        Boolean per option: open.
    deadline : float
        ``time.perf_counter()`` value to stop at [s].
    pair_weight : numpy.ndarray, optional
        Weight of each pair's flow in a site's load (default 1: the served fraction)
        [demand units].
    """
    val, x = fixed_open_lp(data, chosen, deadline)
    if x is None:
        return val, x
    n_opt = data.option_site.size
    flow = x[n_opt:] if pair_weight is None else x[n_opt:] * pair_weight
    load = np.bincount(data.pair_site, weights=flow, minlength=data.n_sites)
    empty = chosen & (load[data.option_site] <= 1e-9)
    empty &= ~np.isin(data.option_site, data.fixed_open)
    if empty.any():
        v2, x2 = fixed_open_lp(data, chosen & ~empty, deadline)
        if x2 is not None and v2 < val:
            val, x = v2, x2
    return val, x


def subset_options(data: CflpData, keep_opt: np.ndarray) -> tuple[CflpData, np.ndarray, np.ndarray]:
    """Instance restricted to the kept options and the pairs of sites that keep one."""
    site_alive = np.zeros(data.n_sites, bool)
    site_alive[data.option_site[keep_opt]] = True
    site_alive[data.fixed_open] = True
    keep_pair = site_alive[data.pair_site]
    sub = CflpData(option_site=data.option_site[keep_opt],
                   option_capacity=data.option_capacity[keep_opt],
                   option_cost=data.option_cost[keep_opt], n_sites=data.n_sites,
                   demand=data.demand, pair_site=data.pair_site[keep_pair],
                   pair_cust=data.pair_cust[keep_pair], pair_cost=data.pair_cost[keep_pair],
                   fixed_open=data.fixed_open, max_open=data.max_open, budget=data.budget,
                   option_size=data.option_size[keep_opt] if data.option_size is not None
                   else None)
    return sub, np.flatnonzero(keep_opt), np.flatnonzero(keep_pair)


def lift_subset(data: CflpData, x_sub: np.ndarray, opt_idx: np.ndarray, pair_idx: np.ndarray
          ) -> np.ndarray:
    """Map a solution of :func:`subset_options`' instance back to ``data``'s columns."""
    x = np.zeros(data.option_site.size + data.pair_site.size)
    x[opt_idx] = x_sub[:opt_idx.size]
    x[data.option_site.size + pair_idx] = x_sub[opt_idx.size:]
    return x

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
from fleetopt.siting.modular import facility_model

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
               rel_gap: float = 1e-9, fix_by_reduced_cost: bool | None = None) -> CflpAnswer:
    """Solve a facility location instance to proven optimality (or to the time limit).

    Steps: (1) the LP relaxation gives a bound; (2) a rounding heuristic (open what
    the LP uses, at the smallest size that carries the LP's load, then the exact
    transportation LP, then close sites left empty) gives a feasible solution; (3) on
    small instances, LP reduced costs (GLOP duals) remove options that cannot be in a
    better solution; (4) the MIP, cut off at the heuristic's value, runs for the rest of
    the time. The reported bound is the best of the LP and MIP bounds, so the gap is
    honest whichever step ends the run. Instances with over 20,000 pairs, and capacitated
    ones with over 2,000 options and several sizes at a site, take a Lagrangian path
    instead (:func:`fleetopt.siting.cflp_large.solve_large_cflp` when capacitated).

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
    fix_by_reduced_cost : bool, optional
        Use step (3); default when the model has at most 20,000 pairs.

    Returns
    -------
    CflpAnswer
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    n_opt = data.option_site.size
    n_pair = data.pair_site.size
    empty = CflpAnswer(status="infeasible", objective=math.nan, bound=math.nan,
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
        # Lagrangian path starts from a greedy cover
        from fleetopt.siting.cflp_large import solve_large_cflp

        return solve_large_cflp(data, deadline=deadline, solver=solver, rel_gap=rel_gap)
    if n_pair > 20_000:
        return _solve_large_uncapacitated(data, deadline=deadline, solver=solver,
                                          rel_gap=rel_gap)
    model = build_cflp(data)
    lp_solver = "glop" if fix_by_reduced_cost else "highs"
    lp = solve_linear_model(model, solver=lp_solver, relax=True,
                            time_limit_s=max(0.1, 0.3 * time_limit_s))
    if lp.x is None and lp_solver == "glop" and lp.status != "infeasible":
        lp_solver = "highs"
        lp = solve_linear_model(model, solver="highs", relax=True,
                                time_limit_s=max(0.1, 0.3 * time_limit_s))
    if lp.status == "infeasible":
        empty.reason = "the LP relaxation is infeasible (capacity, budget or reach)"
        empty.model_size = model.size
        return empty
    lp_bound = lp.objective if lp.status == "optimal" else -math.inf
    best_x: np.ndarray | None = None
    ub = math.inf
    if lp.x is not None:
        ub, best_x = _round_up(data, lp.x, deadline)
    keep = None
    if (fix_by_reduced_cost and lp.status == "optimal" and lp.reduced_costs is not None
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
        return _answer(data, "optimal", best_x, ub, ub, model.size)
    # the MIP: the compact (open, modules) form when sites grow in modules
    model, lift = facility_model(data, keep_option=keep,
                                 option_model=model if keep is None else None)
    remaining = deadline - time.perf_counter()
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
    if ans is not None and ans.status == "infeasible" and np.isfinite(ub):
        # nothing beats the heuristic: it is optimal
        return _answer(data, "optimal", best_x, ub, ub, model.size)
    if ans is not None and ans.x is not None and ans.objective < ub:
        st = ans.status
        obj = ans.objective
        x = ans.x
    elif best_x is not None:
        st, obj, x = "feasible", ub, best_x
        if ans is not None and ans.status == "optimal" and ans.x is not None:
            st = "optimal"  # MIP optimum equals the heuristic
    else:
        st = ans.status if ans is not None else "time_limit_no_solution"
        if st not in ("infeasible", "time_limit_no_solution"):
            st = "time_limit_no_solution"
        return CflpAnswer(status=st, objective=math.nan, bound=bound,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(n_pair),
                          model_size=model.size,
                          reason="no feasible solution exists" if st == "infeasible" else "")
    if st == "optimal":
        bound = obj
    if obj - bound <= rel_gap * abs(obj):
        st = "optimal"
    return _answer(data, st, x, obj, min(bound, obj), model.size)


def _answer(data: CflpData, status: str, x: np.ndarray | None, obj: float, bound: float,
            size: dict[str, int]) -> CflpAnswer:
    n_opt = data.option_site.size
    assert x is not None
    return CflpAnswer(status=status, objective=float(obj), bound=float(bound),
                      option_open=x[:n_opt] > 0.5, flow=np.clip(x[n_opt:], 0.0, 1.0),
                      model_size=size)


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
        val, x = _fixed_open_lp_closing_empty(data, chosen, deadline)
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


def _fixed_open_lp(data: CflpData, chosen: np.ndarray, deadline: float
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
    if ans.status != "optimal" or ans.x is None:
        return math.inf, None
    x = np.zeros(n_opt + data.pair_site.size)
    x[:n_opt] = chosen.astype(float)
    x[n_opt + pk] = ans.x
    return float(ans.objective), x


def _fixed_open_lp_closing_empty(data: CflpData, chosen: np.ndarray, deadline: float, *,
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
    val, x = _fixed_open_lp(data, chosen, deadline)
    if x is None:
        return val, x
    n_opt = data.option_site.size
    flow = x[n_opt:] if pair_weight is None else x[n_opt:] * pair_weight
    load = np.bincount(data.pair_site, weights=flow, minlength=data.n_sites)
    empty = chosen & (load[data.option_site] <= 1e-9)
    empty &= ~np.isin(data.option_site, data.fixed_open)
    if empty.any():
        v2, x2 = _fixed_open_lp(data, chosen & ~empty, deadline)
        if x2 is not None and v2 < val:
            val, x = v2, x2
    return val, x


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


def _subset(data: CflpData, keep_opt: np.ndarray) -> tuple[CflpData, np.ndarray, np.ndarray]:
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


def _lift(data: CflpData, x_sub: np.ndarray, opt_idx: np.ndarray, pair_idx: np.ndarray
          ) -> np.ndarray:
    x = np.zeros(data.option_site.size + data.pair_site.size)
    x[opt_idx] = x_sub[:opt_idx.size]
    x[data.option_site.size + pair_idx] = x_sub[opt_idx.size:]
    return x


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
                               rel_gap: float) -> CflpAnswer:
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
        val, x = _fixed_open_lp_closing_empty(data, chosen, t0 + 0.5 * total)
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
        return _answer(data, "optimal", best_x, ub, ub, model_full.size)
    sub, opt_idx, pair_idx = _subset(data, keep)
    model = build_cflp(sub)
    logger.info("CFLP large: %d of %d options, %d of %d pairs left; MIP %s", opt_idx.size,
                n_opt, pair_idx.size, data.pair_site.size, model.size)
    remaining = deadline - time.perf_counter() - 0.5  # margin: lifting the answer back
    ans = None
    if remaining > 0.2:
        ans = solve_linear_model(model, solver=solver, time_limit_s=remaining, rel_gap=rel_gap,
                                 cutoff=ub * (1 + 1e-12) if np.isfinite(ub) else None)
    bound = lb
    if ans is not None and ans.status == "infeasible" and np.isfinite(ub):
        return _answer(data, "optimal", best_x, ub, ub, model.size)
    if ans is not None and np.isfinite(ans.bound):
        bound = max(bound, min(ans.bound, ub))
    if ans is not None and ans.x is not None and ans.objective < ub:
        x = _lift(data, ans.x, opt_idx, pair_idx)
        st, obj = ans.status, ans.objective
        if st == "optimal":
            bound = obj
    elif best_x is not None:
        x, obj = best_x, ub
        st = "optimal" if (ans is not None and ans.status == "optimal") else "feasible"
        if st == "optimal":
            bound = obj
    else:
        return CflpAnswer(status="time_limit_no_solution", objective=math.nan, bound=bound,
                          option_open=np.zeros(n_opt, bool), flow=np.zeros(data.pair_site.size),
                          model_size=model.size)
    if obj - bound <= rel_gap * abs(obj):
        st = "optimal"
    return _answer(data, st, x, obj, min(bound, obj), model.size)


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

"""Bound capacitated facility location by Lagrangian relaxation with an integer capacity cover.

Relaxing "every customer served" (``sum_i x_ij = 1``) with multipliers ``lambda_j``
leaves, per size option ``k`` of site ``i``, a continuous knapsack: fill capacity
``Q_ik`` with the customers of most negative ``(c_ij - lambda_j) / d_j``; its value is
``v_ik = F_ik + knap_ik(lambda)``. Keeping the aggregate capacity constraint
``sum_ik Q_ik u_ik >= D`` (D = total demand) with binary ``u`` in the site subproblem::

    L(lambda) = sum_j lambda_j + min { sum_ik v_ik u_ik : sum_k u_ik <= 1 (= 1 if existing),
                                        sum_ik Q_ik u_ik >= D, u binary }

is a lower bound for every ``lambda`` and is stronger than the LP bound of the strong
formulation (Beasley 1988, EJOR 33:314-325; Cornuejols, Sridharan & Thizy 1991, EJOR
50:280-297). The cover problem is solved exactly: by sorting when every site has one
option of the same capacity (a cardinality constraint ``sum_i u_i >= ceil(D / Q)``), else
by dynamic programming over capacity units. When the capacities are not whole multiples
of one unit they are rounded *up* to units, which relaxes the cover, so the value is still
a lower bound.

The same pass also gives, for each site, the bound with that site forced open and forced
closed (prefix and suffix tables of the cover problem), which is what Lagrangian
variable fixing needs.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["CoverSolution", "KnapsackFill", "cover_relaxed", "cover_subproblem",
           "option_values", "served_by"]

#: Most capacity units of the dynamic programme (capacities rounded up to D / this).
MAX_UNITS = 2000


@dataclass
class KnapsackFill:
    """How each option's continuous knapsack is filled (pairs sorted per site by ratio).

    Attributes
    ----------
    order : numpy.ndarray
        Pair indices with negative reduced cost, grouped by site, by increasing ratio.
    start : numpy.ndarray
        First position in ``order`` of each option's site.
    stop : numpy.ndarray
        Position after the last pair each option takes whole.
    nxt : numpy.ndarray
        Position of the pair each option takes in part (valid where ``frac > 0``).
    frac : numpy.ndarray
        Share of that pair taken.
    """

    order: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    nxt: np.ndarray
    frac: np.ndarray


def option_values(option_site: np.ndarray, option_capacity: np.ndarray,
                  option_cost: np.ndarray, n_sites: int, pair_site: np.ndarray,
                  pair_cust: np.ndarray, pair_cost: np.ndarray, pair_demand: np.ndarray,
                  lam: np.ndarray) -> tuple[np.ndarray, KnapsackFill]:
    """Return ``v_ik = F_ik + knap_ik(lambda)`` of every option and how its knapsack is filled.

    Parameters
    ----------
    option_site, option_capacity, option_cost : numpy.ndarray
        Site, capacity [demand units] and opening cost [cost units] of each option.
    n_sites : int
        Number of sites.
    pair_site, pair_cust, pair_cost, pair_demand : numpy.ndarray
        Allowed pairs, their full-service cost [cost units] and the customer's demand
        [demand units].
    lam : numpy.ndarray
        Multiplier of each customer's assignment row [cost units].

    Returns
    -------
    (numpy.ndarray, KnapsackFill)
    """
    rc = pair_cost - lam[pair_cust]
    neg = np.flatnonzero(rc < 0)
    d = np.maximum(pair_demand[neg], 1e-12)
    order = neg[np.lexsort((rc[neg] / d, pair_site[neg]))]
    n_opt = option_site.size
    if order.size == 0:
        z = np.zeros(n_opt, np.int64)
        return option_cost.astype(float).copy(), KnapsackFill(order, z, z, z, np.zeros(n_opt))
    site_s = pair_site[order]
    ds, rs = pair_demand[order], rc[order]
    g_d = np.cumsum(ds)
    g_r = np.cumsum(rs)
    a = np.searchsorted(site_s, np.arange(n_sites), side="left")
    b = np.searchsorted(site_s, np.arange(n_sites), side="right")
    base_d = np.where(a > 0, g_d[np.maximum(a - 1, 0)], 0.0)
    base_r = np.where(a > 0, g_r[np.maximum(a - 1, 0)], 0.0)
    oa, ob = a[option_site], b[option_site]
    cap = np.where(np.isfinite(option_capacity), option_capacity, np.inf)
    pos = np.searchsorted(g_d, base_d[option_site] + cap, side="right")
    pos = np.clip(pos, oa, ob)
    last = np.maximum(pos - 1, 0)
    full_r = np.where(pos > oa, g_r[last] - base_r[option_site], 0.0)
    used_d = np.where(pos > oa, g_d[last] - base_d[option_site], 0.0)
    has_next = pos < ob
    nxt = np.minimum(pos, order.size - 1)
    room = np.where(np.isfinite(cap), cap - used_d, 0.0)
    frac = np.where(has_next, np.clip(room / np.maximum(ds[nxt], 1e-12), 0.0, 1.0), 0.0)
    v = option_cost + full_r + frac * np.where(has_next, rs[nxt], 0.0)
    return v, KnapsackFill(order, oa, pos, nxt, frac)


def served_by(fill: KnapsackFill, chosen: np.ndarray, pair_cust: np.ndarray,
              n_cust: int) -> np.ndarray:
    """Return the share of each customer the chosen options' knapsacks serve."""
    if fill.order.size == 0:
        return np.zeros(n_cust)
    ch = np.flatnonzero(chosen)
    diff = np.zeros(fill.order.size + 1)
    np.add.at(diff, fill.start[ch], 1.0)
    np.add.at(diff, fill.stop[ch], -1.0)
    x = np.cumsum(diff)[:-1]
    part = ch[fill.frac[ch] > 0]
    np.add.at(x, fill.nxt[part], fill.frac[part])
    return np.bincount(pair_cust[fill.order], weights=x, minlength=n_cust)


@dataclass
class CoverSolution:
    """Optimum of the site subproblem ``min sum v u`` with the capacity cover.

    Attributes
    ----------
    value : float
        Its optimal value [cost units] (``inf`` when no choice covers the demand).
    chosen : numpy.ndarray
        Boolean per option.
    forced_open, forced_closed : numpy.ndarray or None
        Per site, the optimal value with the site forced open (at its best option) or
        forced closed [cost units]; ``inf`` when impossible. None unless asked for.
    exact : bool
        False when capacities were rounded up to units (value is then a relaxation).
    forced_option : numpy.ndarray or None
        Per option, the optimal value with that option opened [cost units].
    """

    value: float
    chosen: np.ndarray
    forced_open: np.ndarray | None = None
    forced_closed: np.ndarray | None = None
    exact: bool = True
    forced_option: np.ndarray | None = None


def cover_subproblem(v: np.ndarray, option_site: np.ndarray, option_capacity: np.ndarray,
                     n_sites: int, need: float, fixed_site: np.ndarray,
                     alive: np.ndarray | None = None, *, forced: bool = False) -> CoverSolution:
    """Solve the site subproblem: least ``sum v_ik u_ik`` covering ``need``.

    Constraints: at most one option per site (exactly one at fixed sites),
    ``sum Q_ik u_ik >= need``, ``u`` binary, only ``alive`` options.

    Parameters
    ----------
    v : numpy.ndarray
        Value of each option [cost units].
    option_site, option_capacity : numpy.ndarray
        Site and capacity [demand units] of each option (``inf`` = uncapacitated).
    n_sites : int
        Number of sites.
    need : float
        Capacity to cover [demand units].
    fixed_site : numpy.ndarray
        Boolean per site: must open.
    alive : numpy.ndarray, optional
        Boolean per option: may open (default all).
    forced : bool
        Also compute the per-site forced-open / forced-closed values.

    Returns
    -------
    CoverSolution
    """
    n_opt = v.size
    alive = np.ones(n_opt, bool) if alive is None else alive
    vv = np.where(alive, v, np.inf)
    best = np.full(n_sites, np.inf)
    np.minimum.at(best, option_site, vv)
    best_opt = np.full(n_sites, -1)
    cand = np.flatnonzero(np.isfinite(vv) & (vv <= best[option_site]))
    _, first = np.unique(option_site[cand], return_index=True)
    best_opt[option_site[cand[first]]] = cand[first]
    n_alive = np.bincount(option_site[alive], minlength=n_sites)
    cap = option_capacity
    caps_alive = cap[alive & np.isfinite(cap)]
    single = bool(np.all(n_alive <= 1))
    equal = caps_alive.size > 0 and bool(np.all(caps_alive == caps_alive[0])) and bool(
        np.all(np.isfinite(cap[alive])))
    uncap = not np.any(np.isfinite(cap[alive])) or need <= 0
    if uncap or (single and equal):
        return _cover_sorted(vv, best, best_opt, option_site, n_sites, need,
                             float(caps_alive[0]) if caps_alive.size else math.inf,
                             fixed_site, forced=forced, uncap=uncap)
    return _cover_dp(vv, option_site, cap, n_sites, need, fixed_site, best, best_opt,
                     forced=forced)


def cover_relaxed(v: np.ndarray, option_site: np.ndarray, option_capacity: np.ndarray,
                  n_sites: int, need: float, fixed_site: np.ndarray,
                  alive: np.ndarray | None = None, *, steps: int = 50) -> CoverSolution:
    """Lower bound of the cover subproblem by pricing capacity (the LP relaxation's dual).

    For any price ``mu >= 0`` per demand unit::

        mu * need + sum_i min(0, min_k v_ik - mu Q_ik)   (no ``min(0, .)`` at fixed sites)

    is below the cover optimum (weak duality); ``mu`` is found by bisection on the slope.
    Much faster than the exact cover when there are many sites and size options; weaker by
    at most the rounding of one site.
    """
    n_opt = v.size
    alive = np.ones(n_opt, bool) if alive is None else alive
    cap = np.where(np.isfinite(option_capacity), option_capacity, need)
    ok = alive & np.isfinite(v)

    def at(mu: float) -> tuple[float, np.ndarray, float]:
        w = np.where(ok, v - mu * cap, np.inf)
        best = np.full(n_sites, np.inf)
        np.minimum.at(best, option_site, w)
        term = np.where(fixed_site, best, np.minimum(best, 0.0))
        pick = np.flatnonzero(ok & (w <= best[option_site]) & (fixed_site | (best < 0))[
            option_site])
        _, first = np.unique(option_site[pick], return_index=True)
        chosen = np.zeros(n_opt, bool)
        chosen[pick[first]] = True
        return float(mu * need + term.sum()), chosen, float(cap[chosen].sum())

    val, chosen, got = at(0.0)
    if got >= need or need <= 0:
        return CoverSolution(val, chosen)
    pos = cap[ok] > 0
    hi = float(np.max(np.abs(v[ok][pos]) / cap[ok][pos])) * 2.0 + 1.0 if pos.any() else 1.0
    lo = 0.0
    best_val = val
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        val, chosen, got = at(mid)
        best_val = max(best_val, val)
        if got >= need:
            hi = mid
        else:
            lo = mid
    # the bound: the best value seen; the openings: those at the high price, which cover
    val, chosen, _ = at(hi)
    return CoverSolution(max(val, best_val), chosen, exact=False)


def _cover_sorted(vv: np.ndarray, best: np.ndarray, best_opt: np.ndarray,
                  option_site: np.ndarray, n_sites: int, need: float, q: float,
                  fixed_site: np.ndarray, *, forced: bool, uncap: bool) -> CoverSolution:
    """One option per site, equal capacities: a cardinality constraint, solved by sorting."""
    n_opt = vv.size
    avail = np.isfinite(best)
    if np.any(fixed_site & ~avail):
        inf = np.full(n_sites, np.inf)
        return CoverSolution(math.inf, np.zeros(n_opt, bool), inf if forced else None,
                             inf if forced else None)
    k_min = 0 if uncap else math.ceil(need / q - 1e-9)
    n_fix = int(fixed_site.sum())
    free = np.flatnonzero(avail & ~fixed_site)
    w = best[free]
    srt = np.argsort(w, kind="stable")
    ws = w[srt]
    need_free = max(0, k_min - n_fix)
    if need_free > free.size:
        inf = np.full(n_sites, np.inf)
        return CoverSolution(math.inf, np.zeros(n_opt, bool), inf if forced else None,
                             inf if forced else None)
    n_neg = int(np.searchsorted(ws, 0.0, side="left"))
    take = max(need_free, n_neg)
    csum = np.r_[0.0, np.cumsum(ws)]
    fixed_val = float(best[fixed_site].sum())
    value = fixed_val + float(csum[take])
    chosen_site = np.zeros(n_sites, bool)
    chosen_site[fixed_site] = True
    chosen_site[free[srt[:take]]] = True
    chosen = np.zeros(n_opt, bool)
    chosen[best_opt[chosen_site]] = True
    fo = fc = None
    if forced:
        # rank of each free site in the sorted list
        rank = np.empty(free.size, np.int64)
        rank[srt] = np.arange(free.size)
        n = free.size

        def best_without(r: np.ndarray, cnt: int) -> np.ndarray:
            """Least sum of max(cnt, negatives) values of the list without rank r."""
            neg_wo = n_neg - (r < n_neg)
            t = np.maximum(cnt, neg_wo)
            ok = t <= n - 1
            tt = np.minimum(t, n - 1)
            s = np.where(r < tt, csum[np.minimum(tt + 1, n)] - ws[r], csum[tt])
            return np.where(ok, s, np.inf)

        fo = np.full(n_sites, np.inf)
        fc = np.full(n_sites, np.inf)
        fo[fixed_site] = value
        fc[fixed_site] = math.inf
        if n:
            fo[free] = fixed_val + ws[rank] + best_without(rank, max(need_free - 1, 0))
            fc[free] = fixed_val + best_without(rank, need_free)
    fopt = None
    if fo is not None:  # no capacity interplay between a site's options here: exact shift
        fopt = np.full(vv.size, np.inf)
        fin = np.isfinite(vv)
        fopt[fin] = fo[option_site[fin]] + (vv[fin] - best[option_site[fin]])
    return CoverSolution(value, chosen, fo, fc, forced_option=fopt)


def _cover_dp(vv: np.ndarray, option_site: np.ndarray, cap: np.ndarray, n_sites: int,
              need: float, fixed_site: np.ndarray, best: np.ndarray, best_opt: np.ndarray,
              *, forced: bool) -> CoverSolution:
    """Several options or unequal capacities: dynamic programme over capacity units."""
    n_opt = vv.size
    alive = np.isfinite(vv)
    # the unconstrained choice covers the demand: it is optimal
    take = fixed_site | (best < 0)
    take &= np.isfinite(best)
    chosen0 = np.zeros(n_opt, bool)
    chosen0[best_opt[take & (best_opt >= 0)]] = True
    if np.any(fixed_site & ~np.isfinite(best)):
        all_inf = np.full(n_sites, np.inf)
        return CoverSolution(math.inf, chosen0, all_inf if forced else None,
                             all_inf if forced else None)
    unit, exact = _unit(cap[alive], need)
    n_units = math.ceil(need / unit - 1e-9)
    q = np.where(np.isfinite(cap), np.ceil(cap / unit - 1e-9), n_units).astype(np.int64)
    q = np.minimum(q, n_units)
    if not forced and float(cap[chosen0].sum()) >= need - 1e-9 * max(1.0, need):
        return CoverSolution(float(best[take].sum()), chosen0, exact=exact)
    sites = np.flatnonzero(np.bincount(option_site[alive], minlength=n_sites) > 0)
    srt = np.lexsort((option_site,))
    srt = srt[alive[srt]]
    bounds = np.searchsorted(option_site[srt], np.append(sites, n_sites))
    size = n_units + 1
    idx = np.arange(size)
    inf = np.inf
    f = np.full(size, inf)
    f[0] = 0.0
    pre = np.empty((sites.size + 1, size))
    pre[0] = f
    choice = np.full((sites.size, size), -1, np.int64)
    for t, s in enumerate(sites):
        opts = srt[bounds[t]:bounds[t + 1]]
        # every option of the site at once: cand[o, c] = v_o + f[max(c - q_o, 0)]
        cand = vv[opts][:, None] + f[np.maximum(idx[None, :] - q[opts][:, None], 0)]
        k = np.argmin(cand, axis=0)
        g = cand[k, idx]
        ch = opts[k]
        if not fixed_site[s]:
            keep_old = f <= g
            g = np.where(keep_old, f, g)
            ch = np.where(keep_old, -1, ch)
        f = g
        pre[t + 1] = f
        choice[t] = ch
    value = float(f[n_units])
    chosen = np.zeros(n_opt, bool)
    if np.isfinite(value):
        c = n_units
        for t in range(sites.size - 1, -1, -1):
            o = choice[t, c]
            if o >= 0:
                chosen[o] = True
                c = max(c - int(q[o]), 0)
    fo = fc = fopt = None
    if forced:
        fo = np.full(n_sites, np.inf)
        fc = np.full(n_sites, np.inf)
        fopt = np.full(n_opt, np.inf)
        # suffix tables: h[c] = least cost of the sites after t covering >= c
        fc[:] = value  # sites without an open-able option: closing them changes nothing
        fc[fixed_site] = inf
        h = np.full(size, inf)
        h[0] = 0.0
        for t in range(sites.size - 1, -1, -1):
            s = sites[t]
            opts = srt[bounds[t]:bounds[t + 1]]
            p = pre[t]
            # combine prefix p (sites before t) with suffix h (sites after t):
            # min over split a + b >= c of p[a] + h[b]; only c = n_units is needed
            base = _min_plus_at(p, h, n_units)
            if not fixed_site[s]:
                fc[s] = base
            rest = np.maximum(n_units - q[opts], 0)
            a = np.arange(size)
            # min over a <= rest_o of p[a] + h[rest_o - a], for every option at once
            pair = p[None, :] + np.where(a[None, :] <= rest[:, None],
                                         h[np.clip(rest[:, None] - a[None, :], 0, n_units)], inf)
            fopt[opts] = vv[opts] + pair.min(axis=1)
            fo[s] = float(np.min(fopt[opts]))
            cand = vv[opts][:, None] + h[np.maximum(idx[None, :] - q[opts][:, None], 0)]
            g = cand.min(axis=0)
            if not fixed_site[s]:
                g = np.minimum(g, h)
            h = g
    return CoverSolution(value, chosen, fo, fc, exact=exact, forced_option=fopt)


def _min_plus_at(p: np.ndarray, h: np.ndarray, c: int) -> float:
    """``min_a p[a] + h[max(c - a, 0)]`` (both tables non-decreasing in the covered units)."""
    a = np.arange(c + 1)
    return float(np.min(p[a] + h[c - a])) if c >= 0 else float(p[0] + h[0])


def _unit(cap: np.ndarray, need: float) -> tuple[float, bool]:
    """Capacity unit of the dynamic programme and whether it is exact."""
    fin = cap[np.isfinite(cap) & (cap > 0)]
    if fin.size == 0:
        return max(need, 1e-12), True
    u = float(fin.min())
    ratio = fin / u
    if np.all(np.abs(ratio - np.round(ratio)) <= 1e-9 * ratio) and need / u <= MAX_UNITS:
        return u, True
    # try the greatest common divisor of integer capacities
    if np.all(np.abs(fin - np.round(fin)) <= 1e-9):
        g = int(np.gcd.reduce(np.round(fin).astype(np.int64)))
        if g > 0 and need / g <= MAX_UNITS:
            return float(g), True
    return max(need / MAX_UNITS, 1e-12), False

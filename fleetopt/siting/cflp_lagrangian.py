"""Hold the Lagrangian state of a large facility instance and improve its bound and incumbent.

Split out of :mod:`fleetopt.siting.cflp_large` (which keeps the heuristics, the
branch-and-bound and the reduced MIP): :class:`LagrangianState` carries the multipliers,
the best bound and the incumbent; :func:`subgradient` raises the bound and tries the
Lagrangian heuristic on the way (Beasley 1988).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from fleetopt.siting.cflp_core import (
    CflpData,
    fixed_open_lp_closing_empty,
)
from fleetopt.siting.lagrangian import (
    CoverSolution,
    KnapsackFill,
    cover_relaxed,
    cover_subproblem,
    option_values,
    served_by,
)

logger = logging.getLogger(__name__)

__all__ = ["Incumbent", "LagrangianState", "admissible", "subgradient"]


class Incumbent:
    """Best known solution, shared by the nodes of a search.

    Attributes
    ----------
    ub : float
        Its cost [cost units] (``inf`` without one).
    x : numpy.ndarray or None
        Options then pair flows.
    tried : set of bytes
        Open sets already evaluated by the transportation LP.
    """

    def __init__(self) -> None:
        self.ub = math.inf
        self.x: np.ndarray | None = None
        self.tried: set[bytes] = set()


class LagrangianState:
    """Multipliers, best bound, open-able options and the incumbent of one run.

    Attributes
    ----------
    lam : numpy.ndarray
        Best multipliers so far [cost units].
    bound : float
        Best Lagrangian bound [cost units].
    alive : numpy.ndarray
        Boolean per option: may still be in a solution better than the incumbent.
    must_open : numpy.ndarray
        Boolean per site: open in every solution better than the incumbent.
    ub : float
        Cost of the incumbent [cost units] (``inf`` without one).
    x : numpy.ndarray or None
        Incumbent (options then pair flows).
    """

    def __init__(self, data: CflpData, inc: Incumbent | None = None) -> None:
        self.data = data
        self.inc = inc if inc is not None else Incumbent()
        lam = np.full(data.demand.size, np.inf)
        np.minimum.at(lam, data.pair_cust, data.pair_cost)
        self.lam = np.where(np.isfinite(lam), lam, 0.0)
        self.bound = -math.inf
        self.alive = np.ones(data.option_site.size, bool)
        self.must_open = np.zeros(data.n_sites, bool)
        self.must_open[data.fixed_open] = True
        self.pair_demand = data.demand[data.pair_cust]
        self.need = float(data.demand.sum())
        # many sites with size options: price the capacity cover instead of solving it
        # exactly in every step (the exact dynamic programme is kept for the end)
        multi = bool(np.any(np.bincount(data.option_site, minlength=data.n_sites) > 1))
        self.relax_cover = multi and data.option_site.size > 2000
        self.seen = np.zeros(data.option_site.size)  # times each option was in a subproblem optimum
        self._pairs_key: bytes | None = None
        self._pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def ub(self) -> float:
        """Cost of the incumbent [cost units]."""
        return self.inc.ub

    @property
    def x(self) -> np.ndarray | None:
        """The incumbent (options then pair flows)."""
        return self.inc.x

    def child(self) -> LagrangianState:
        """Return a copy for a branch (same data and incumbent, own fixing and multipliers)."""
        c = LagrangianState.__new__(LagrangianState)
        c.__dict__.update(self.__dict__)
        c.alive, c.must_open, c.lam = self.alive.copy(), self.must_open.copy(), self.lam.copy()
        c.seen = self.seen.copy()
        return c

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Site, customer, cost and demand of the pairs of sites that may still open.

        Pairs of closed sites cannot enter any knapsack the cover may choose, so search
        nodes skip them (recomputed when the open-able options change).
        """
        d = self.data
        key = np.packbits(self.alive).tobytes()
        if self._pairs is None or self._pairs_key != key:
            site_ok = np.zeros(d.n_sites, bool)
            site_ok[d.option_site[self.alive]] = True
            keep = site_ok[d.pair_site]
            if keep.all():
                self._pairs = (d.pair_site, d.pair_cust, d.pair_cost, self.pair_demand)
            else:
                self._pairs = (d.pair_site[keep], d.pair_cust[keep], d.pair_cost[keep],
                               self.pair_demand[keep])
            self._pairs_key = key
        return self._pairs

    def evaluate(self, lam: np.ndarray, *, forced: bool = False,
                 exact: bool = False) -> tuple[float, CoverSolution, KnapsackFill, np.ndarray]:
        """Lagrangian value at ``lam`` with its cover solution and knapsack fill.

        The fill's positions refer to :meth:`pairs`.
        """
        d = self.data
        ps, pc, pcost, pdem = self.pairs()
        v, fill = option_values(d.option_site, d.option_capacity, d.option_cost, d.n_sites,
                                ps, pc, pcost, pdem, lam)
        if self.relax_cover and not exact:
            cov = cover_relaxed(v, d.option_site, d.option_capacity, d.n_sites, self.need,
                                self.must_open, self.alive)
        else:
            cov = cover_subproblem(v, d.option_site, d.option_capacity, d.n_sites, self.need,
                                   self.must_open, self.alive, forced=forced)
        return float(lam.sum()) + cov.value, cov, fill, v

    def fix(self, lam_sum: float, cov: CoverSolution) -> int:
        """Close / open what the forced bounds at one multiplier vector rule out; return count."""
        if not np.isfinite(self.ub) or cov.forced_open is None or cov.forced_closed is None:
            return 0
        d = self.data
        tol = 1e-9 * max(1.0, abs(self.ub))
        before = int(self.alive.sum()) - int(self.must_open.sum())
        shut = lam_sum + cov.forced_open > self.ub + tol
        self.alive &= ~shut[d.option_site]
        opened = lam_sum + cov.forced_closed > self.ub + tol
        self.must_open |= opened & ~shut
        # single options: the bound with that option opened
        if cov.forced_option is not None:
            self.alive &= ~(lam_sum + cov.forced_option > self.ub + tol)
        return before - int(self.alive.sum()) + int(self.must_open.sum())


def subgradient(st: LagrangianState, *, deadline: float, iterations: int,
                heuristic_every: int = 5, fix: bool = True, theta: float = 2.0,
                rel_gap: float = 1e-9, deflect: float = 0.0) -> None:
    """Raise ``st.bound`` by subgradient steps; try the heuristic and fixing on the way.

    ``deflect`` > 0 adds that share of the previous direction to each step (Camerini,
    Fratta & Maffioli 1975), which damps the zig-zag of many multipliers; without an
    improvement for 15 steps the step factor ``theta`` is halved (0.7 with deflection).
    """
    g_prev = None
    d = st.data
    n_cust = d.demand.size
    lam = st.lam.copy()
    stall = 0
    for it in range(iterations):
        if time.perf_counter() > deadline:
            break
        val, cov, fill, _v = st.evaluate(lam, forced=fix and np.isfinite(st.ub))
        fill_cust = st.pairs()[1]  # the pairs the fill refers to (fixing may change them)
        if not np.isfinite(val):
            break
        if val > st.bound + 1e-9 * max(1.0, abs(val)):
            st.bound, st.lam, stall = val, lam.copy(), 0
        else:
            stall += 1
            if stall >= (20 if deflect else 15):
                theta *= 0.7 if deflect else 0.5
                stall = 0
        st.seen += cov.chosen
        if heuristic_every and (it % heuristic_every == 0 or stall == 0):
            _heuristic(st, cov.chosen, deadline)
        if fix and np.isfinite(st.ub):
            st.fix(float(lam.sum()), cov)
        if st.bound >= st.ub - rel_gap * max(1.0, abs(st.ub)) or theta < 1e-4:
            break
        g = 1.0 - served_by(fill, cov.chosen, fill_cust, n_cust)
        if deflect and g_prev is not None:
            g = g + deflect * g_prev
        g_prev = g
        norm = float(g @ g)
        if norm <= 1e-18:
            break
        target = st.ub if np.isfinite(st.ub) else st.bound + 0.05 * abs(st.bound) + 1.0
        lam = lam + theta * max(target - val, 1e-9 * max(1.0, abs(val))) / norm * g


def _heuristic(st: LagrangianState, chosen: np.ndarray, deadline: float) -> None:
    """Transportation LP over the options the subproblem opened; keep it if better."""
    d = st.data
    chosen = chosen & st.alive
    chosen[_best_alive_option(st, st.must_open & ~_sites_of(d, chosen))] = True
    key = np.packbits(chosen).tobytes()
    if key in st.inc.tried:
        return
    st.inc.tried.add(key)
    if float(d.option_capacity[chosen].sum()) < st.need * (1 - 1e-12) or not admissible(d, chosen):
        return
    val, x = fixed_open_lp_closing_empty(d, chosen, deadline, pair_weight=st.pair_demand)
    if x is None:
        return
    if val < st.ub:
        st.inc.ub, st.inc.x = val, x
        logger.debug("CFLP Lagrangian heuristic: %.9g", val)


def admissible(d: CflpData, chosen: np.ndarray) -> bool:
    """Tell whether the options ``chosen`` respect the count limit and the budget."""
    n_new = int((_sites_of(d, chosen) & ~np.isin(np.arange(d.n_sites), d.fixed_open)).sum())
    if d.max_open is not None and n_new > d.max_open:
        return False
    # as build_cflp's budget row: every opened option counts
    return d.budget is None or float(d.option_cost[chosen].sum()) <= d.budget * (
        1 + 1e-12) + 1e-9


def _sites_of(d: CflpData, chosen: np.ndarray) -> np.ndarray:
    s = np.zeros(d.n_sites, bool)
    s[d.option_site[chosen]] = True
    return s


def _best_alive_option(st: LagrangianState, sites: np.ndarray) -> np.ndarray:
    """Largest alive option of each site in ``sites`` (an index array of options)."""
    d = st.data
    sel = np.flatnonzero(st.alive & sites[d.option_site])
    if sel.size == 0:
        return sel
    o = sel[np.lexsort((-d.option_capacity[sel], d.option_site[sel]))]
    first = np.r_[True, d.option_site[o][1:] != d.option_site[o][:-1]]
    return o[first]

"""Bound and fix the p-median by Lagrangian relaxation, and branch on the relaxation.

Used by :func:`fleetopt.siting.pmedian.solve_pmedian` (split out of that module to keep
each under ~700 lines): :func:`lagrangian_fixing` gives a lower bound and the candidates
it closes or forces open; :func:`lagrangian_branch_and_bound` branches on it for
instances whose MIP is too large.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

logger = logging.getLogger(__name__)

#: Share of a matrix below λ above which a Lagrangian step sums the whole matrix instead
#: of gathering the entries (a gathered entry costs about ten times a dense one; measured
#: on pmed36's 800 x 335 matrix, 2026-12-06: 0.58 ms gathered against 0.64 ms dense at
#: 9 % of the entries, 0.18 against 0.42 ms at 3 %).
DENSE_SHARE = 0.06

#: First step factor of a branch-and-bound node's subgradient (halved after
#: :data:`NODE_STALL` steps without a better bound). Measured 2026-12-06 on the search after
#: the root fixing, 25 steps per node, nodes / CPU s, 1.0 (before) against 2.0: pmed36
#: 3,329 / 7.3 against 799 / 2.3; pmed39 459 / 1.04 against 135 / 0.38; pmed38 196 against
#: 83; pmed32 71 against 21; pmed31 80 against 39; pmed35 64 against 39; pmed22 107 against
#: 121. Not monotone: 3.0 took 2,069 nodes on pmed36, 4.0 did not finish in 20,000; 0.5
#: took 11,897.
NODE_THETA0 = 2.0
#: Steps without a better bound after which a node halves its step factor.
NODE_STALL = 8

__all__ = ["SortedCosts", "lagrangian_branch_and_bound", "lagrangian_fixing",
           "lagrangian_fixing_primal"]


class SortedCosts:
    """Each client's costs sorted once, so a Lagrangian step reads only the entries below λ.

    ``rho_j = sum_i min(0, w_i d_ij - lambda_i)`` has non-zero terms only where
    ``w_i d_ij < lambda_i``: about ``n / p`` candidates per client near the optimum of
    the multipliers. With each client's row sorted, those entries are a prefix of the
    row, found by one binary search over all rows (rows are laid out in increasing
    order by adding ``row x span`` to their values), so a step costs O(entries below λ)
    instead of O(clients x candidates) when few entries are below λ (large ``p``); else
    the dense sum runs into a kept buffer (see :data:`DENSE_SHARE`).

    Parameters
    ----------
    wd : numpy.ndarray
        Clients x candidates weighted costs.
    dense : bool
        Always sum the whole matrix (no sorting; for the small matrices of search nodes).
    """

    def __init__(self, wd: np.ndarray, *, dense: bool = False) -> None:
        n_cli, n_cand = wd.shape
        self.n_cand = n_cand
        self.rows = np.arange(n_cli)
        self.wd = wd
        self.buf = np.empty_like(wd)
        self.dense = dense
        if dense:  # always the dense sum: no sorting
            return
        order = np.argsort(wd, axis=1, kind="stable")
        vals = np.take_along_axis(wd, order, axis=1)
        self.lo = float(vals.min()) if vals.size else 0.0
        self.span = float(vals.max() - self.lo) + 1.0 if vals.size else 1.0
        self.row_key = np.arange(n_cli) * self.span
        self.key = ((vals - self.lo) + self.row_key[:, None]).ravel()
        self.row0 = np.arange(n_cli, dtype=np.int64) * n_cand
        self.cols = order.ravel()
        self.vals = vals.ravel()

    def rho(self, lam: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """``rho_j`` of every candidate, and the (row, column) of the entries below λ.

        When more than :data:`DENSE_SHARE` of the entries lie below λ, the dense sum is
        faster (no gathers) and the entries are not listed (None).
        """
        if not self.dense:
            t = np.clip(lam - self.lo, 0.0, self.span - 0.5)
            cnt = np.searchsorted(self.key, t + self.row_key, side="left") - self.row0
            n = int(cnt.sum())
        if self.dense or n > DENSE_SHARE * self.wd.size:
            # into a kept buffer: a fresh matrix-sized array per step costs page faults
            np.subtract(self.wd, lam[:, None], out=self.buf)
            np.minimum(self.buf, 0.0, out=self.buf)
            return self.buf.sum(axis=0), None
        first = np.cumsum(cnt) - cnt
        pos = np.arange(n, dtype=np.int64) + np.repeat(self.row0 - first, cnt)
        rows = np.repeat(self.rows, cnt)
        cols = self.cols[pos]
        w = np.minimum(self.vals[pos] - lam[rows], 0.0)
        return np.bincount(cols, weights=w, minlength=self.n_cand), (rows, cols)

    def served(self, entries: tuple[np.ndarray, np.ndarray] | None, lam: np.ndarray,
               openset: np.ndarray) -> np.ndarray:
        """Per client, how many open candidates lie below its λ (the subgradient's sum)."""
        if entries is None:
            out: np.ndarray = (self.wd[:, openset] < lam[:, None]).sum(axis=1)
            return out
        rows, cols = entries
        is_open = np.zeros(self.n_cand, bool)
        is_open[openset] = True
        return np.bincount(rows, weights=is_open[cols], minlength=self.rows.size)


def lagrangian_fixing(dist: np.ndarray, weight: np.ndarray, n_open: int, fixed: np.ndarray,
                      allowed: np.ndarray, ub: float, tol: float, *, iterations: int = 400,
                      deadline: float = math.inf) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian lower bound of the p-median and the candidates it closes or forces open.

    :func:`lagrangian_fixing_primal` without its open sets (same parameters).
    """
    bound, closed, forced, _ = lagrangian_fixing_primal(
        dist, weight, n_open, fixed, allowed, ub, tol, iterations=iterations, deadline=deadline)
    return bound, closed, forced


def lagrangian_fixing_primal(
    dist: np.ndarray, weight: np.ndarray, n_open: int, fixed: np.ndarray, allowed: np.ndarray,
    ub: float, tol: float, *, iterations: int = 400, deadline: float = math.inf,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Lagrangian lower bound, candidates closed or forced open, and the bound's open set.

    Relaxing the assignment rows with multipliers ``lambda_i`` gives
    ``L = sum_i lambda_i + min_{|S| = n_open} sum_{j in S} rho_j`` with
    ``rho_j = sum_i min(0, w_i d_ij - lambda_i)`` (Cornuéjols, Fisher & Nemhauser 1977;
    Beasley 1985), maximised by subgradient steps. A candidate whose forced opening
    (closing) lifts ``L`` above ``ub - tol`` cannot be open (closed) in any better solution.

    Parameters
    ----------
    dist, weight : numpy.ndarray
        Clients x candidates distances, client weights.
    n_open : int
        Sites open in total (fixed included).
    fixed : numpy.ndarray
        Candidates open in any case.
    allowed : numpy.ndarray
        Candidates that may open.
    ub : float
        Cost of the incumbent.
    tol : float
        Improvement that counts (``1 - 1e-6`` for integer data).
    iterations : int
        Subgradient steps.
    deadline : float
        ``time.perf_counter()`` value to stop at [s].

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Best bound, boolean mask of closed candidates, indices forced open, and the open
        set of the Lagrangian subproblem at the best bound (sorted; empty when no step
        ran): a start for a local search near the optimal multipliers.
    """
    n_cand = dist.shape[1]
    wd = dist * weight[:, None]
    free = allowed.copy()
    free[fixed] = False
    closed = ~allowed.copy()
    forced = np.zeros(n_cand, bool)
    k_free = n_open - fixed.size
    n_cli = wd.shape[0]
    sparse_mode = n_cli * n_cand > 4_000_000
    if sparse_mode:
        # keep each client's nearest candidates only and cap lambda_i at the farthest kept
        # cost: farther candidates then contribute min(0, w d - lambda) = 0, so L stays valid
        kk = min(n_cand, max(64, 2 * n_cand // max(1, n_open)))
        near = np.argpartition(wd, kk - 1, axis=1)[:, :kk]
        wd_k = np.take_along_axis(wd, near, axis=1)
        cap = wd_k.max(axis=1)
        flat_idx = near.ravel()
        lam = np.minimum(np.sort(wd_k, axis=1)[:, min(kk - 1, max(0, n_cand // max(1, n_open)))],
                         cap)
    else:
        lam = np.sort(wd, axis=1)[:, min(n_cand - 1, max(0, n_cand // max(1, n_open)))].copy()
        sc = SortedCosts(wd)
    entries: tuple[np.ndarray, np.ndarray] | None = None
    best_set = np.array([], np.int64)
    best = -math.inf
    theta = 2.0
    stall = 0
    for _ in range(iterations):
        if time.perf_counter() > deadline:
            break
        if sparse_mode:
            rho = np.bincount(flat_idx, weights=np.minimum(wd_k - lam[:, None], 0.0).ravel(),
                              minlength=n_cand)
        else:
            rho, entries = sc.rho(lam)
        cand_free = np.flatnonzero(free & ~closed & ~forced)
        base_open = np.flatnonzero(forced | np.isin(np.arange(n_cand), fixed))
        k = k_free - int(forced.sum())
        if k < 0 or cand_free.size < k:
            break
        order = cand_free[np.argsort(rho[cand_free], kind="stable")]
        chosen = order[:k]
        val = float(lam.sum() + rho[base_open].sum() + rho[chosen].sum())
        if val > best + 1e-9:
            best, stall = val, 0
            best_set = np.r_[base_open, chosen]
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
        # fixing with these multipliers
        if k > 0 and cand_free.size > k:
            worst_in = rho[order[k - 1]]
            first_out = rho[order[k]]
            out = order[k:]
            closed[out[val + rho[out] - worst_in > ub - tol]] = True
            inn = chosen
            forced[inn[val + first_out - rho[inn] > ub - tol]] = True
        if best >= ub - tol or theta < 1e-4:
            break
        openset = np.r_[base_open, chosen].astype(np.int64)
        if sparse_mode:
            is_open = np.zeros(n_cand, bool)
            is_open[openset] = True
            served = ((wd_k < lam[:, None]) & is_open[near]).sum(axis=1)
        else:
            served = sc.served(entries, lam, openset)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0:
            break
        lam = lam + theta * (ub - val) / norm * g
        if sparse_mode:
            lam = np.minimum(lam, cap)
    return best, closed, np.flatnonzero(forced), np.sort(best_set.astype(np.int64))


def _lag_node(wd: np.ndarray, lam: np.ndarray, base: np.ndarray, free: np.ndarray, k: int,
              ub: float, tol: float, iterations: int, theta0: float = NODE_THETA0
              ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Subgradient at one node: bound, multipliers, open set, candidates closed / forced.

    ``wd`` holds the node's columns only (dense: a node's matrix is small). The free
    candidates, the number still to choose and the open base are recomputed only when the
    fixing changes them (the same steps and values as recomputing them each step).
    """
    n_cand = wd.shape[1]
    buf = np.empty_like(wd)  # kept: a fresh matrix-sized array per step costs page faults
    thr = ub - tol
    best, best_lam, best_set = -math.inf, lam, base.copy()
    closed = np.zeros(n_cand, bool)
    forced = np.zeros(n_cand, bool)
    theta, stall = theta0, 0
    cur = lam.copy()
    cf = np.flatnonzero(free)
    kk = k
    base_open = base.astype(np.int64)
    for _ in range(iterations):
        if kk < 0 or cf.size < kk:
            return math.inf, cur, best_set, closed, forced  # no completion: prune
        # rho_j = sum_i min(0, wd_ij - lam_i) = sum_i min(wd_ij, lam_i) - sum_i lam_i: one
        # pass over the matrix and its column sums (the root's SortedCosts.rho sums the
        # negative parts instead: its bound is reported, and that sum rounds less; a node's
        # bound only prunes, with a tolerance far above this rounding)
        np.minimum(wd, cur[:, None], out=buf)
        s_cur = float(cur.sum())
        rho = buf.sum(axis=0) - s_cur
        order = cf[np.argsort(rho[cf], kind="stable")]
        chosen = order[:kk]
        openset = np.concatenate([base_open, chosen])
        val = s_cur + float(rho[openset].sum())
        if val > best + 1e-9:
            best, best_lam, best_set, stall = val, cur.copy(), openset, 0
        else:
            stall += 1
            if stall >= NODE_STALL:
                theta *= 0.5
                stall = 0
        if kk > 0 and cf.size > kk:
            worst_in, first_out = rho[order[kk - 1]], rho[order[kk]]
            out = order[kk:]
            new_closed = out[val + rho[out] - worst_in > thr]
            new_forced = chosen[val + first_out - rho[chosen] > thr]
            if new_closed.size or new_forced.size:
                closed[new_closed] = True
                forced[new_forced] = True
                cf = np.flatnonzero(free & ~closed & ~forced)
                kk = k - int(forced.sum())
                base_open = np.concatenate([base, np.flatnonzero(forced)]).astype(np.int64)
        if best >= thr or theta < 1e-3:
            break
        g = 1.0 - (wd[:, openset] < cur[:, None]).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        cur = cur + theta * max(ub - val, 1e-9 * abs(ub)) / norm * g
    return best, best_lam, best_set, closed, forced


def lagrangian_branch_and_bound(
    dist: np.ndarray, weight: np.ndarray, n_open: int, fixed: np.ndarray, allowed: np.ndarray,
    best: np.ndarray, ub: float, tol: float, *, deadline: float, node_limit: int = 20000,
    iterations: int = 25,
    all_columns: bool = False,
    theta0: float = NODE_THETA0,
) -> tuple[bool, np.ndarray, float, float, int]:
    """Depth-first branch and bound on ``y_j`` with Lagrangian bounds and fixing at each node.

    Parameters
    ----------
    dist, weight : numpy.ndarray
        Clients x candidates distances (only the candidates still in play), weights.
    n_open : int
        Sites open in total.
    fixed : numpy.ndarray
        Candidates open in any case.
    allowed : numpy.ndarray
        Candidates that may open.
    best : numpy.ndarray
        Incumbent open set; ``ub`` its cost.
    ub, tol : float
        Incumbent cost; improvement that counts.
    deadline : float
        ``time.perf_counter()`` value to stop at [s].
    node_limit : int
        Most nodes.
    iterations : int
        Most subgradient steps per node. 25: on pmed36 (800 x 335 candidates after the
        root fixing, p = 10), with each node's steps on its open-able candidates only,
        the search took 3,329 nodes and 11.6 s of CPU against 2,155 nodes / 15.0 s with
        60 steps and 4,722 nodes / 10.3 s with 15 (2026-12-06, one process each, machine
        under shared load; the same proof each time). Before the steps were restricted,
        the same 3,329 nodes took 63.7 s. With a first step factor of 2 (:data:`NODE_THETA0`,
        was 1) pmed36 takes 799 nodes and about 2 s of CPU (2026-12-06).
    all_columns : bool
        Run each node's steps over every candidate, closed ones included (the method
        before 2026-12-06, kept as ``bench_siting``'s baseline).
    theta0 : float
        First step factor of each node's subgradient (:data:`NODE_THETA0`; 1 before
        2026-12-06, the baseline's).

    Returns
    -------
    (bool, numpy.ndarray, float, float, int)
        Finished (proven), best open set, its cost, lower bound over open nodes (the
        incumbent when finished), nodes explored.
    """
    wd = dist * weight[:, None]
    n_cand = wd.shape[1]
    is_fixed = np.zeros(n_cand, bool)
    is_fixed[fixed] = True
    lam0 = np.sort(wd, axis=1)[:, min(n_cand - 1, max(0, n_cand // max(1, n_open)))].copy()
    # stack items: (forced mask, closed mask, multipliers, parent bound)
    stack = [(is_fixed.copy(), ~allowed.copy(), lam0, -math.inf)]
    nodes = 0
    open_bounds: list[float] = []
    while stack:
        if time.perf_counter() > deadline or nodes >= node_limit:
            open_bounds = [b for *_, b in stack]
            return False, best, ub, min([ub, *open_bounds]), nodes
        forced, closed, lam, pb = stack.pop()
        if pb >= ub - tol:
            continue
        nodes += 1
        base = np.flatnonzero(forced)
        k = n_open - base.size
        if k < 0:
            continue
        free = ~forced & ~closed
        if k == 0 or free.sum() <= k:
            cand_set = np.concatenate([base, np.flatnonzero(free)[:k]]).astype(np.int64)
            if cand_set.size == n_open:
                c = float(wd[:, cand_set].min(axis=1).sum())
                if c < ub - 1e-9:
                    ub, best = c, cand_set
            continue
        # the node's steps see only the candidates it has not closed (on pmed36 about 50
        # of the 335 left after the root fixing, so a step reads a sixth of the matrix)
        cols = np.arange(n_cand) if all_columns else np.flatnonzero(~closed)
        bound, lam_n, o_loc, cl_loc, fo_loc = _lag_node(
            wd[:, cols], lam, np.searchsorted(cols, base), free[cols], n_open - base.size, ub, tol,
            iterations, theta0)
        openset = cols[o_loc]
        cl = np.zeros(n_cand, bool)
        cl[cols[cl_loc]] = True
        fo = np.zeros(n_cand, bool)
        fo[cols[fo_loc]] = True
        c = float(wd[:, openset].min(axis=1).sum()) if openset.size == n_open else math.inf
        if c < ub - 1e-9:
            ub, best = c, np.sort(openset)
        if bound >= ub - tol:
            continue
        closed = closed | cl
        forced = forced | fo
        br = np.array([j for j in openset if not forced[j] and not closed[j]], np.int64)
        if br.size == 0:
            stack.append((forced, closed, lam_n, bound))
            continue
        # the open candidate of the Lagrangian solution serving most weight
        sub = wd[:, openset]
        served = np.bincount(np.argmin(sub, axis=1), weights=weight, minlength=openset.size)
        j = int(max(br, key=lambda x: served[int(np.flatnonzero(openset == x)[0])]))
        c0 = closed.copy()
        c0[j] = True
        f1 = forced.copy()
        f1[j] = True
        stack.append((forced, c0, lam_n, bound))   # y_j = 0 (explored second)
        stack.append((f1, closed, lam_n, bound))   # y_j = 1 (explored first)
    return True, best, ub, ub, nodes

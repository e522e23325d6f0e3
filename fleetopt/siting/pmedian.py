"""Solve p-median problems exactly: a swap heuristic, a radius formulation and row generation.

The exact method follows Elloumi (2010) and García, Labbé & Marín (2011). For client
``i`` let ``D_i^0 < D_i^1 < …`` be the distinct distances to the candidates. Binary
``y_j`` opens candidate ``j``; ``z_i^k >= 0`` is 1 when client ``i`` has no open site
within ``D_i^k``. The model is::

    min  sum_i w_i (D_i^0 + sum_k (D_i^{k+1} - D_i^k) z_i^k)
    s.t. z_i^0 + sum_{j: d_ij = D_i^0} y_j >= 1
         z_i^k + sum_{j: d_ij = D_i^k} y_j >= z_i^{k-1}        (k >= 1)
         sum_j y_j = p

(the incremental rows are equivalent to Elloumi's cumulative ones and need each
``(i, j)`` pair only once). Its LP bound equals the classical strong formulation's.
Each client keeps only its first ``L_i`` levels, which makes the model a relaxation
(distances beyond ``D_i^{L_i}`` are not charged). After each MIP solve the true cost of
the solution is evaluated; where a client's distance exceeds its last level, more
levels are added and the (warm-started) model is solved again. When the true cost
equals the relaxation's objective the solution is proven optimal, and at every step the
relaxation's MIP bound is a valid lower bound. The start levels come from a greedy +
vertex-substitution (Teitz & Bart 1968, with Whitaker's fast swap evaluation) solution.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
from scipy import sparse

from fleetopt.deadline import Deadline
from fleetopt.siting.answer import Answer, Status
from fleetopt.siting.backend import LinearModel, solve_linear_model
from fleetopt.siting.pmedian_lagrangian import (
    NODE_THETA0,
    lagrangian_branch_and_bound,
    lagrangian_fixing_primal,
)

logger = logging.getLogger(__name__)

__all__ = ["greedy", "pmedian_cost", "solve_pmedian", "swap_search"]

_CHUNK = 2048  # clients per block in the vectorised swap evaluation


def pmedian_cost(dist: np.ndarray, weight: np.ndarray, open_idx: np.ndarray) -> float:
    """Return the weighted distance of clients to their nearest open candidate.

    Parameters
    ----------
    dist : numpy.ndarray
        Clients x candidates distance matrix [any unit].
    weight : numpy.ndarray
        Client weights [any unit].
    open_idx : array_like of int
        Open candidates.
    """
    d1 = dist[:, np.asarray(open_idx, dtype=np.int64)].min(axis=1)
    return float(np.dot(weight, d1))


def _two_nearest(dist: np.ndarray, open_idx: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sub = dist[:, open_idx]
    if open_idx.size == 1:
        return sub[:, 0].copy(), np.full(sub.shape[0], np.inf), np.zeros(sub.shape[0], np.int64)
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    v = np.take_along_axis(sub, part, axis=1)
    swap = v[:, 1] < v[:, 0]
    first = np.where(swap, part[:, 1], part[:, 0])
    d1 = np.where(swap, v[:, 1], v[:, 0])
    d2 = np.where(swap, v[:, 0], v[:, 1])
    return d1, d2, first.astype(np.int64)


def greedy(dist: np.ndarray, weight: np.ndarray, p: int, fixed: np.ndarray | None = None,
           allowed: np.ndarray | None = None) -> np.ndarray:
    """Open ``p`` candidates greedily (each step the largest saving), after ``fixed`` ones.

    Parameters
    ----------
    dist : numpy.ndarray
        Clients x candidates distances.
    weight : numpy.ndarray
        Client weights.
    p : int
        Number of candidates to open besides the fixed ones.
    fixed : numpy.ndarray, optional
        Candidates open in any case.
    allowed : numpy.ndarray, optional
        Boolean mask of candidates that may be opened.

    Returns
    -------
    numpy.ndarray
        Open candidate indices, fixed ones included.
    """
    n_cand = dist.shape[1]
    chosen = list(np.asarray(fixed if fixed is not None else [], dtype=np.int64))
    ok = np.ones(n_cand, bool) if allowed is None else allowed.copy()
    ok[chosen] = False
    cur = dist[:, chosen].min(axis=1) if chosen else None
    buf = np.empty((min(_CHUNK, dist.shape[0]), n_cand), dtype=dist.dtype)
    for _ in range(p):
        if cur is None:
            score = -np.einsum("i,ij->j", weight, dist)
        else:
            score = np.zeros(n_cand)
            for s in range(0, dist.shape[0], _CHUNK):
                blk = dist[s:s + _CHUNK]
                b = buf[:blk.shape[0]]
                np.subtract(cur[s:s + _CHUNK, None], blk, out=b)
                np.maximum(b, 0.0, out=b)
                score += np.einsum("i,ij->j", weight[s:s + _CHUNK], b)
        score[~ok] = -np.inf
        j = int(np.argmax(score))
        if not np.isfinite(score[j]):
            break
        chosen.append(j)
        ok[j] = False
        cur = dist[:, j].copy() if cur is None else np.minimum(cur, dist[:, j])
    return np.sort(np.asarray(chosen, dtype=np.int64))


def swap_search(dist: np.ndarray, weight: np.ndarray, open_idx: np.ndarray,
                fixed: np.ndarray | None = None, allowed: np.ndarray | None = None,
                deadline: float = math.inf) -> np.ndarray:
    """Improve an open set by best-improvement vertex substitution until no swap helps.

    Every (insert ``j``, remove ``r``) pair is evaluated at once per round (Whitaker's
    decomposition: ``delta = gain(j) + loss(r, j)``), vectorised over clients in blocks.

    Parameters
    ----------
    dist, weight : numpy.ndarray
        Clients x candidates distances, client weights.
    open_idx : numpy.ndarray
        Start solution.
    fixed : numpy.ndarray, optional
        Candidates that may not be removed.
    allowed : numpy.ndarray, optional
        Boolean mask of candidates that may be inserted.
    deadline : float
        ``time.perf_counter()`` value at which to stop [s].

    Returns
    -------
    numpy.ndarray
        Locally optimal open set (sorted).
    """
    open_idx = np.array(sorted(open_idx), dtype=np.int64)
    n_cli, n_cand = dist.shape
    fixed_set = set(np.asarray(fixed if fixed is not None else [], dtype=np.int64).tolist())
    can_insert = np.ones(n_cand, bool) if allowed is None else allowed.copy()
    cur_cost = pmedian_cost(dist, weight, open_idx)
    # kept buffers and einsum (no temporary matrices, no BLAS threads): a fresh matrix per
    # block costs page faults, and OpenBLAS's threads contend on a shared machine (measured
    # 2026-12-06 on a 700 x 700 block: 16 ms of CPU per product with temporaries and BLAS,
    # 0.7 ms with kept buffers and einsum)
    buf1 = np.empty((min(_CHUNK, n_cli), n_cand), dtype=dist.dtype)
    buf2 = np.empty_like(buf1)
    while time.perf_counter() < deadline:
        d1, d2, c1 = _two_nearest(dist, open_idx)
        q = open_idx.size
        gain = np.zeros(n_cand)
        loss = np.zeros((q, n_cand))
        for s in range(0, n_cli, _CHUNK):
            blk = dist[s:s + _CHUNK]
            w = weight[s:s + _CHUNK]
            m1 = buf1[:blk.shape[0]]
            m2 = buf2[:blk.shape[0]]
            np.minimum(d1[s:s + _CHUNK, None], blk, out=m1)
            np.minimum(d2[s:s + _CHUNK, None], blk, out=m2)
            m2 -= m1
            m2 *= w[:, None]
            m1 -= d1[s:s + _CHUNK, None]
            gain += np.einsum("i,ij->j", w, m1)
            rows = c1[s:s + _CHUNK]
            onehot = sparse.csr_matrix((np.ones(rows.size), (rows, np.arange(rows.size))),
                                       shape=(q, rows.size))
            loss += onehot @ m2
        delta = gain[None, :] + loss
        delta[:, ~can_insert] = np.inf
        delta[:, open_idx] = np.inf
        for row, r in enumerate(open_idx):
            if int(r) in fixed_set:
                delta[row, :] = np.inf
        r_pos, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        best = float(delta[r_pos, j])
        if not best < -1e-9 * max(1.0, abs(cur_cost)):
            break
        open_idx[r_pos] = j
        open_idx.sort()
        cur_cost += best
    return open_idx


def _levels(dist: np.ndarray, keep: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per client: candidate order by distance, sorted distances, level of each entry.

    With ``keep`` only the ``keep`` nearest candidates of each client are kept; the
    radius model built from them is still a relaxation (farther levels are uncharged).
    """
    n_cli, n_cand = dist.shape
    k = n_cand if keep is None or keep >= n_cand else int(keep)
    order = np.empty((n_cli, k), dtype=np.int32 if n_cand < 2**31 else np.int64)
    srt = np.empty((n_cli, k), dtype=dist.dtype)
    for s in range(0, n_cli, _CHUNK):
        blk = dist[s:s + _CHUNK]
        if k < n_cand:
            part = np.argpartition(blk, k - 1, axis=1)[:, :k]
            sub = np.take_along_axis(blk, part, axis=1)
            o = np.argsort(sub, axis=1, kind="stable")
            order[s:s + _CHUNK] = np.take_along_axis(part, o, axis=1)
            srt[s:s + _CHUNK] = np.take_along_axis(sub, o, axis=1)
        else:
            o = np.argsort(blk, axis=1, kind="stable")
            order[s:s + _CHUNK] = o
            srt[s:s + _CHUNK] = np.take_along_axis(blk, o, axis=1)
    new = np.ones(srt.shape, bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    lev = np.cumsum(new, axis=1, dtype=np.int32) - 1
    return order, srt, lev


def _radius_model(srt: np.ndarray, order: np.ndarray, lev: np.ndarray, weight: np.ndarray,
                  n_levels: np.ndarray, n_open: int, fixed: np.ndarray, allowed: np.ndarray
                  ) -> tuple[LinearModel, np.ndarray]:
    """Build the truncated radius model; returns it and the row offset of each client."""
    n_cli, n_keep = srt.shape
    n_cand = allowed.size
    # values of each distinct level: first sorted entry of each level
    keep = lev < n_levels[:, None]          # entries in levels 0..L_i-1 carry y coefficients
    cli_of, pos_of = np.nonzero(keep)
    row_off = np.zeros(n_cli + 1, np.int64)
    row_off[1:] = np.cumsum(n_levels)
    n_rows_z = int(row_off[-1])
    y_rows = row_off[cli_of] + lev[cli_of, pos_of]
    y_cols = order[cli_of, pos_of].astype(np.int64)
    # level values D_i^k for k = 0..L_i (the cap D_i^{L_i} is needed for the last z cost)
    first_pos = np.zeros((n_cli, n_keep), bool)
    first_pos[:, 0] = True
    first_pos[:, 1:] = lev[:, 1:] != lev[:, :-1]
    fi, fp = np.nonzero(first_pos & (lev <= n_levels[:, None]))
    vals = srt[fi, fp]
    lv = lev[fi, fp]
    # D_i^k in a flat array indexed by row_off[i] + k (k <= L_i), so size n_rows_z + n_cli
    off2 = row_off + np.arange(n_cli + 1)
    dval = np.empty(int(off2[-1]))
    dval[off2[fi] + lv] = vals
    # z columns: one per (i, k), k < L_i
    zi = np.repeat(np.arange(n_cli), n_levels)
    zk = np.arange(n_rows_z) - row_off[zi]
    z_cost = weight[zi] * (dval[off2[zi] + zk + 1] - dval[off2[zi] + zk])
    n_cols = n_cand + n_rows_z
    z_col = n_cand + np.arange(n_rows_z)
    # +z_i^k in row (i,k); -z_i^k in row (i,k+1) when k+1 < L_i
    nxt = zk + 1 < n_levels[zi]
    rows = np.concatenate([y_rows, np.arange(n_rows_z), np.arange(n_rows_z)[nxt] + 1,
                           np.full(n_cand, n_rows_z)])
    cols = np.concatenate([y_cols, z_col, z_col[nxt], np.arange(n_cand)])
    data = np.concatenate([np.ones(y_rows.size), np.ones(n_rows_z), -np.ones(int(nxt.sum())),
                           np.ones(n_cand)])
    a = sparse.csr_matrix((data, (rows, cols)), shape=(n_rows_z + 1, n_cols))
    row_lb = np.zeros(n_rows_z + 1)
    row_lb[row_off[:-1][n_levels > 0]] = 1.0
    row_ub = np.full(n_rows_z + 1, np.inf)
    row_lb[-1] = row_ub[-1] = float(n_open)
    c = np.concatenate([np.zeros(n_cand), z_cost])
    col_lb = np.zeros(n_cols)
    col_ub = np.concatenate([np.where(allowed, 1.0, 0.0), np.ones(n_rows_z)])
    col_lb[fixed] = 1.0
    col_ub[fixed] = 1.0
    integer = np.zeros(n_cols, bool)
    integer[:n_cand] = True
    offset = float(np.dot(weight, srt[:, 0]))
    return LinearModel(c=c, a=a, row_lb=row_lb, row_ub=row_ub, col_lb=col_lb, col_ub=col_ub,
                       integer=integer, offset=offset), row_off


def _level_of(srt: np.ndarray, lev: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Level index of distance ``d[i]`` in client ``i``'s sorted row."""
    pos = (srt < d[:, None] - 1e-12 * np.maximum(1.0, np.abs(d[:, None]))).sum(axis=1)
    pos = np.minimum(pos, srt.shape[1] - 1)
    level: np.ndarray = lev[np.arange(d.size), pos]
    return level


def solve_pmedian(
    dist: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    *,
    fixed: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    deadline: Deadline,
    solver: str = "highs",
    integral: bool | None = None,
    extra_levels: int = 2,
    rel_gap: float = 0.0,
    keep_nearest: int | None = None,
    bb_max_candidates: int = 1000,
    bb_max_open: int = 30,
    bb_share: float = 0.5,
    bb_iterations: int = 25,
    bb_all_columns: bool = False,
    bb_theta0: float = NODE_THETA0,
) -> Answer:
    """Solve a p-median problem to proven optimality (or to the time limit).

    Parameters
    ----------
    dist : numpy.ndarray
        Clients x candidates distances [any unit, e.g. s or m].
    weight : numpy.ndarray, optional
        Client weights (default 1) [any unit, e.g. kWh].
    p : int
        Number of candidates to open besides ``fixed``.
    fixed : numpy.ndarray, optional
        Candidates open in any case (existing stations).
    allowed : numpy.ndarray, optional
        Boolean mask of candidates that may be opened.
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.
    integral : bool, optional
        True when every objective value is an integer (stops as soon as no better integer
        value can exist); detected from the data when None.
    extra_levels : int
        Levels kept beyond each client's heuristic distance in the first round.
    rel_gap : float
        Stop when ``(ub - lb) / ub`` is at most this (0: prove optimality).
    keep_nearest : int, optional
        Keep only this many nearest candidates per client in the radius model (a
        relaxation; bounds stay valid). Default: all when the matrix has at most 4
        million entries, else 256.
    bb_max_candidates : int
        Run the Lagrangian branch and bound when at most this many candidates are left
        after the root fixing.
    bb_max_open : int
        ... and at most this many sites open (for larger ``p`` the radius MIP is faster).
    bb_share : float
        Share of the time limit the branch and bound may use before the MIP takes over.
    bb_iterations : int
        Most subgradient steps per branch-and-bound node (see
        :func:`~fleetopt.siting.pmedian_lagrangian.lagrangian_branch_and_bound`; 60 before
        2026-12-06, kept as ``bench_siting``'s baseline).
    bb_all_columns : bool
        Branch-and-bound nodes step over every candidate, closed ones included (before
        2026-12-06; the baseline).
    bb_theta0 : float
        First subgradient step factor of each branch-and-bound node
        (:data:`~fleetopt.siting.pmedian_lagrangian.NODE_THETA0`; 1 before 2026-12-06, the
        baseline's).

    Returns
    -------
    PMedianAnswer
    """
    time_limit_s = deadline.left_s()
    t0 = time.perf_counter()
    end_s = t0 + time_limit_s
    dist = np.asarray(dist, dtype=float)
    n_cli, n_cand = dist.shape
    weight = np.ones(n_cli) if weight is None else np.asarray(weight, dtype=float)
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    allowed = np.ones(n_cand, bool) if allowed is None else np.asarray(allowed, bool).copy()
    allowed[fixed] = True
    n_open = int(min(p + fixed.size, allowed.sum()))
    if integral is None:
        integral = bool(np.all(dist == np.round(dist)) and np.all(weight == np.round(weight)))
    large = n_cli * n_cand > 4_000_000
    # heuristics on float32 for large matrices (half the memory traffic); costs are
    # re-evaluated in float64
    dist_h = dist.astype(np.float32) if large else dist
    w_h = weight.astype(np.float32) if large else weight
    start = greedy(dist_h, w_h, n_open - fixed.size, fixed, allowed)
    best = swap_search(dist_h, w_h, start, fixed, allowed,
                       deadline=t0 + (0.3 if large else 0.4) * time_limit_s)
    del dist_h, w_h
    ub = pmedian_cost(dist, weight, best)
    heur = ub
    logger.info("p-median heuristic %.6g after %.2fs", ub, time.perf_counter() - t0)
    tol = 1.0 - 1e-6 if integral else 1e-9 * max(1.0, abs(ub))
    tol = max(tol, rel_gap * abs(ub))

    def as_lb(v: float) -> float:
        return float(math.ceil(v - 1e-6)) if integral else float(v)

    # phase 0: Lagrangian bound and fixing (Beasley 1985): closes most candidates
    lag, closed, forced, lag_set = lagrangian_fixing_primal(
        dist, weight, n_open, fixed, allowed, ub, tol,
        deadline=t0 + (0.92 if large else 0.6) * time_limit_s,
        iterations=1000 if large else 400)
    lb = min(as_lb(lag), ub)
    if lb < ub - tol and lag_set.size == n_open and not large:
        # a second local search, from the Lagrangian open set and among the candidates the
        # fixing left: where the bound already rounds up to the optimum (pmed28, 33, 37, 40)
        # this finds it, and the LP and MIP rounds are not needed
        keep0 = allowed & ~closed
        keep0[fixed] = True
        fx = np.union1d(fixed, forced)
        y = swap_search(dist, weight, lag_set, fx, keep0, deadline=t0 + 0.5 * time_limit_s)
        c_y = pmedian_cost(dist, weight, y)
        logger.info("local search from the Lagrangian open set: %.6g (heuristic %.6g)", c_y, ub)
        if c_y < ub - 1e-9:
            best, ub = y, c_y
            tol = max(1.0 - 1e-6 if integral else 1e-9 * max(1.0, abs(ub)), rel_gap * abs(ub))
            lb = min(as_lb(lag), ub)
    rounds = 0
    size: dict[str, int] = {}
    status = Status.FEASIBLE
    if lb >= ub - tol:
        return Answer(status=Status.OPTIMAL, open_idx=np.sort(best), objective=ub, bound=ub,
                             iterations=0, model_size=size, heuristic_objective=heur)
    keep = allowed & ~closed
    sub = np.flatnonzero(keep)
    if keep_nearest is None:
        keep_nearest = sub.size if n_cli * sub.size <= 4_000_000 else 256
    if n_cli * min(sub.size, keep_nearest) > 1_000_000:
        # the radius model would not fit the time left: report the Lagrangian bound
        logger.info("Lagrangian bound %.6g; %d candidates left: too large for the MIP", lag,
                    sub.size)
        return Answer(status=Status.FEASIBLE, open_idx=np.sort(best), objective=ub, bound=lb,
                             iterations=0, model_size=size, heuristic_objective=heur)
    fixed_all = np.union1d(fixed, forced)
    logger.info("Lagrangian bound %.6g; %d of %d candidates left, %d forced open", lag,
                sub.size, n_cand, forced.size)
    dist_s = dist[:, sub]
    fixed_s = np.searchsorted(sub, fixed_all)
    # phase 0b: Lagrangian branch and bound on the candidates left (small after fixing)
    if sub.size <= bb_max_candidates and n_open <= bb_max_open:
        in_sub = np.isin(best, sub)
        best_s = np.searchsorted(sub, best) if in_sub.all() else greedy(
            dist_s, weight, n_open - fixed_s.size, fixed_s)
        ub_s = pmedian_cost(dist_s, weight, best_s)
        done, bs, cost_b, lb_b, nodes = lagrangian_branch_and_bound(
            dist_s, weight, n_open, fixed_s, np.ones(sub.size, bool), best_s,
            min(ub, ub_s) if in_sub.all() else ub, tol,
            deadline=t0 + bb_share * time_limit_s, iterations=bb_iterations,
            all_columns=bb_all_columns, theta0=bb_theta0)
        logger.info("Lagrangian B&B: %s after %d nodes, best %.6g, bound %.6g",
                    "proven" if done else "stopped", nodes, cost_b, lb_b)
        if cost_b < ub - 1e-9:
            best, ub = sub[bs], cost_b
        lb = max(lb, min(as_lb(lb_b), ub))
        if done or lb >= ub - tol:
            return Answer(status=Status.OPTIMAL, open_idx=np.sort(best), objective=ub,
                                 bound=ub, iterations=0, model_size=size,
                                 heuristic_objective=heur)
    allowed_s = np.ones(sub.size, bool)
    order, srt, lev = _levels(dist_s, keep_nearest)
    top = lev[:, -1].astype(np.int64)
    d1_h, d2_h, _ = _two_nearest(dist, best)
    n_levels = np.minimum(np.maximum(_level_of(srt, lev, d1_h) + extra_levels,
                                     _level_of(srt, lev, np.where(np.isfinite(d2_h), d2_h, d1_h))),
                          top)
    # phase A: LP row generation until the truncated LP equals the full LP bound
    lp_val = -math.inf
    rc = None
    n_sub = sub.size
    while time.perf_counter() < end_s - 0.05:
        model, row_off = _radius_model(srt, order, lev, weight, n_levels, n_open, fixed_s,
                                       allowed_s)
        size = model.size
        # GLOP gives the reduced costs of phase B; when it stalls (measured: the default
        # scenario's 2,024 x 256-level radius LP, 0.23 M non-zeros, unsolved after 28 s)
        # HiGHS solves the LP (3.7 s there) and phase B is skipped (its duals are not read)
        left = end_s - time.perf_counter()
        lp = solve_linear_model(model, solver="glop", relax=True, time_limit_s=0.5 * left)
        rc = lp.reduced_costs
        if lp.status != Status.OPTIMAL or lp.x is None:
            lp = solve_linear_model(model, solver="highs", relax=True,
                                    time_limit_s=end_s - time.perf_counter())
            rc = None
        if lp.status != Status.OPTIMAL or lp.x is None:
            break
        lp_val = lp.objective
        last = n_sub + row_off[1:] - 1  # column of each client's last z
        has = n_levels > 0
        under = np.zeros(n_cli, bool)
        under[has] = lp.x[last[has]] > 1e-7
        under &= n_levels < top
        logger.info("LP %.6g, %d clients under-charged, size %s", lp_val, int(under.sum()),
                    model.size)
        lb = max(lb, min(as_lb(lp_val), ub))
        if not under.any():
            break
        n_levels = np.where(under, np.minimum(np.maximum(n_levels * 2, n_levels + 4), top),
                            n_levels)
    if lb >= ub - tol:
        status, lb = Status.OPTIMAL, ub
    # phase B: LP reduced-cost fixing (valid for every solution better than ub)
    if status != Status.OPTIMAL and rc is not None and np.isfinite(lp_val):
        drop = rc[:n_sub] > ub - tol - lp_val + 1e-9
        drop[fixed_s] = False
        allowed_s &= ~drop
        logger.info("LP reduced-cost fixing closed %d of %d candidates", int(drop.sum()), n_sub)
    # phase C: MIP rounds, growing levels where the relaxation under-charged its solution
    while status != Status.OPTIMAL:
        rounds += 1
        remaining = end_s - time.perf_counter()
        if remaining <= 0.05:
            break
        model, _ = _radius_model(srt, order, lev, weight, n_levels, n_open, fixed_s, allowed_s)
        size = model.size
        ans = solve_linear_model(model, solver=solver, time_limit_s=remaining, cutoff=ub - tol,
                                 abs_gap=tol if integral else 0.0, rel_gap=max(1e-9, rel_gap))
        logger.info("round %d: %s relaxed=%.6g bound=%.6g size=%s %.2fs", rounds, ans.status,
                    ans.objective, ans.bound, size, ans.wall_s)
        if ans.status == Status.INFEASIBLE:  # no solution of the relaxation beats the incumbent
            status, lb = Status.OPTIMAL, ub
            break
        if np.isfinite(ans.bound):
            lb = max(lb, min(as_lb(ans.bound), ub))
        if ans.x is None:
            break
        y_mip = sub[np.flatnonzero(ans.x[:n_sub] > 0.5)]
        true = pmedian_cost(dist, weight, y_mip)
        if true < ub - 1e-9:
            y = swap_search(dist, weight, y_mip, fixed_all, keep, deadline=end_s)
            best, ub = y, pmedian_cost(dist, weight, y)
        if ub - lb <= tol:
            status, lb = Status.OPTIMAL, ub
            break
        if ans.status != Status.OPTIMAL:
            break
        lv = _level_of(srt, lev, dist[:, y_mip].min(axis=1))
        grow = lv > n_levels
        if not grow.any():
            break
        n_levels = np.where(grow, np.minimum(np.maximum(lv, n_levels * 2), top), n_levels)
    return Answer(status=status, open_idx=np.sort(best), objective=ub, bound=lb,
                         iterations=rounds, model_size=size, heuristic_objective=heur)

"""Proven lower bounds on a group's vehicles, energy ignored (valid for any energy rule).

Up to ``exact_trips`` trips, the minimum path cover of the exact trip compatibility graph
(trips minus a maximum bipartite matching); above, the same as a max flow through one
time-ordered pool per start place (OR-Tools ``SimpleMaxFlow``): each trip is connected
exactly to the pools of the start places it reaches fastest (:data:`POOL_ARCS`), and to the
others through one pool entered at the fastest deadhead to any of them, which only adds
connections (so the bound stays proven; method ``pooled-path-cover``, or ``path-cover``
when every start place is connected exactly). :func:`fleetopt.planning.blocking.lower_bound`
calls it with :data:`fleetopt.planning.blocking.EXACT_BOUND_TRIPS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow
from scipy import sparse
from scipy.sparse.csgraph import maximum_bipartite_matching

from fleetopt.planning.block_check import EPS as _EPS
from fleetopt.planning.problem import GroupProblem

__all__ = ["POOL_ARCS", "POOL_MIN_NEAR", "lower_bound"]

#: Above the exact limit, the pooled bound connects each trip exactly to about this many
#: (trip, start place) pairs in total (at least :data:`POOL_MIN_NEAR` places per trip).
POOL_ARCS = 400_000

#: Fewest start places connected exactly per trip in the pooled bound.
POOL_MIN_NEAR = 8


def _compat_matrix(gp: GroupProblem, idx: np.ndarray) -> np.ndarray:
    ep = gp.end_place[idx]
    sp = gp.start_place[idx]
    ready = gp.arr_s[idx][:, None] + gp.dh_s[ep[:, None], sp[None, :]]
    ok: np.ndarray = ready <= gp.dep_s[idx][None, :] + _EPS
    np.fill_diagonal(ok, False)
    return ok


def lower_bound(gp: GroupProblem, idx: np.ndarray, *, exact_trips: int) -> tuple[int, str]:
    """Return a proven lower bound on the vehicles for trips ``idx`` and its method.

    Parameters
    ----------
    gp : GroupProblem
        The group.
    idx : numpy.ndarray
        Trip indices.
    exact_trips : int
        Up to this many trips the exact path cover (a dense matching); above, the pooled one.

    Returns
    -------
    (int, str)
        Bound and ``path-cover`` (exact compatibility) or ``pooled-path-cover``.
    """
    n = int(idx.size)
    if n == 0:
        return 0, "path-cover"
    if n <= exact_trips:
        ok = _compat_matrix(gp, idx)
        m = maximum_bipartite_matching(sparse.csr_matrix(ok), perm_type="column")
        return n - int((m >= 0).sum()), "path-cover"
    k_near = max(POOL_MIN_NEAR, POOL_ARCS // n)
    lb, exact = _pool_bound(gp, idx, k_near)
    return lb, "path-cover" if exact else "pooled-path-cover"


def _relaxed_matching(gp: GroupProblem, idx: np.ndarray) -> int:
    """Maximum matching of the relaxed compatibility graph by max flow through time pools."""
    n = idx.size
    dep, arr = gp.dep_s[idx], gp.arr_s[idx]
    ep, sp = gp.end_place[idx], gp.start_place[idx]
    dh = gp.dh_s.copy()
    np.fill_diagonal(dh, np.inf)
    dmin = dh.min(axis=1)  # fastest way out of each place to another one
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    src, snk = 0, 1
    out_n = 2 + np.arange(n)
    in_n = 2 + n + np.arange(n)
    tails += [np.full(n, src), in_n]
    heads += [out_n, np.full(n, snk)]
    caps += [np.ones(n, np.int64), np.ones(n, np.int64)]
    next_node = 2 + 2 * n

    def pool(key: np.ndarray, t_end: np.ndarray) -> None:
        # events: trip ends (enter) and trip starts (leave), ends first at equal times
        nonlocal next_node
        ok = np.isfinite(t_end)
        e_key, e_t, e_i = key[0][ok], t_end[ok], np.flatnonzero(ok)
        s_key, s_t, s_i = key[1], dep, np.arange(n)
        k_all = np.concatenate([e_key, s_key])
        t_all = np.concatenate([e_t, s_t])
        typ = np.concatenate([np.zeros(e_i.size, np.int64), np.ones(n, np.int64)])
        who = np.concatenate([e_i, s_i])
        order = np.lexsort((typ, t_all, k_all))
        nodes = next_node + np.arange(order.size)
        next_node += order.size
        k_sorted = k_all[order]
        same = k_sorted[1:] == k_sorted[:-1]
        tails.append(nodes[:-1][same])
        heads.append(nodes[1:][same])
        caps.append(np.full(int(same.sum()), n, np.int64))
        t_sorted, w_sorted = typ[order], who[order]
        enter = t_sorted == 0
        tails.append(out_n[w_sorted[enter]])
        heads.append(nodes[enter])
        caps.append(np.ones(int(enter.sum()), np.int64))
        tails.append(nodes[~enter])
        heads.append(in_n[w_sorted[~enter]])
        caps.append(np.ones(int((~enter).sum()), np.int64))

    pool(np.stack([ep, sp]), arr)  # same place: no deadhead
    pool(np.stack([np.zeros(n, np.int64), np.zeros(n, np.int64)]), arr + dmin[ep])  # anywhere
    flow = max_flow.SimpleMaxFlow()
    t = np.concatenate(tails).astype(np.int32)
    h = np.concatenate(heads).astype(np.int32)
    c = np.concatenate(caps).astype(np.int64)
    flow.add_arcs_with_capacity(t, h, c)
    status = flow.solve(src, snk)
    if status != flow.OPTIMAL:
        msg = f"max flow failed with status {status}"
        raise RuntimeError(msg)
    return int(flow.optimal_flow())


@dataclass
class _Pool:
    """Arcs of a time-pooled trip-connection network (see :func:`_pool_graph`)."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    n: int
    exact: bool


def _pool_graph(gp: GroupProblem, idx: np.ndarray, k_near: int, *, relax_rest: bool) -> _Pool:
    """Trip-connection network with one time-ordered pool per start place.

    Trip ``i`` (local index) is connected to the pool of start place ``q`` at its ready
    time ``arr_i + dh(end_i, q)``; the pool passes vehicles forward in time to the trips
    that depart from ``q``. So a unit of flow from ``i`` reaches ``j`` exactly when ``j``
    can follow ``i`` in a block, and a maximum flow from the source (one unit into every
    trip) to the sink (one unit out of every trip) is a maximum matching of the
    compatibility graph: trips minus it is the minimum path cover.

    Only the ``k_near`` fastest-reached start places of each end place get exact arcs.
    With ``relax_rest`` the other start places are reached through one extra pool that
    every trip enters at ``arr_i`` + the fastest deadhead to any of them: this only adds
    connections, so the path cover of that network is still a lower bound (exact when
    ``k_near`` covers every start place).
    """
    n = int(idx.size)
    dep, arr = gp.dep_s[idx], gp.arr_s[idx]
    ep, sp = gp.end_place[idx], gp.start_place[idx]
    starts, sp_loc = np.unique(sp, return_inverse=True)
    n_s = starts.size
    dh = gp.dh_s[:, starts]
    k = min(k_near, n_s)
    near = np.zeros(dh.shape, bool)
    if k:
        part = np.argsort(dh, axis=1, kind="stable")[:, :k]
        np.put_along_axis(near, part, True, axis=1)
    last = np.full(n_s, -np.inf)
    np.maximum.at(last, sp_loc, dep)
    ready = arr[:, None] + dh[ep]
    ok = near[ep] & np.isfinite(ready) & (ready <= last[None, :] + _EPS)
    ei, eq = np.nonzero(ok)
    keys = [eq, sp_loc.astype(np.int64)]
    times = [ready[ei, eq] - _EPS, dep]
    typ = [np.zeros(ei.size, np.int64), np.ones(n, np.int64)]
    who = [ei, np.arange(n)]
    exact = k >= n_s
    if relax_rest and not exact:
        far = np.where(near, np.inf, dh).min(axis=1)
        fr = arr + far[ep]
        fi = np.flatnonzero(np.isfinite(fr))
        keys += [np.full(fi.size, n_s), np.full(n, n_s)]
        times += [fr[fi] - _EPS, dep]
        typ += [np.zeros(fi.size, np.int64), np.ones(n, np.int64)]
        who += [fi, np.arange(n)]
    k_all, t_all = np.concatenate(keys), np.concatenate(times)
    ty, wh = np.concatenate(typ), np.concatenate(who)
    order = np.lexsort((ty, t_all, k_all))
    k_all, ty, wh = k_all[order], ty[order], wh[order]
    ne = order.size
    nodes = 2 + 2 * n + np.arange(ne)
    same = k_all[1:] == k_all[:-1]
    enter = ty == 0
    out_n = 2 + np.arange(n)
    in_n = 2 + n + np.arange(n)
    n_same = int(same.sum())
    tails = np.concatenate(
        [np.zeros(n, np.int64), in_n, nodes[:-1][same], np.where(enter, out_n[wh], nodes)]
    )
    heads = np.concatenate(
        [out_n, np.ones(n, np.int64), nodes[1:][same], np.where(enter, nodes, in_n[wh])]
    )
    caps = np.concatenate(
        [np.ones(2 * n, np.int64), np.full(n_same, n, np.int64), np.ones(ne, np.int64)]
    )
    return _Pool(
        tails=tails.astype(np.int32),
        heads=heads.astype(np.int32),
        caps=caps,
        n=n,
        exact=exact,
    )


def _pool_bound(gp: GroupProblem, idx: np.ndarray, k_near: int) -> tuple[int, bool]:
    """Minimum path cover of the pooled network with relaxed far arcs (a proven bound)."""
    pool = _pool_graph(gp, idx, k_near, relax_rest=True)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(pool.tails, pool.heads, pool.caps)
    status = flow.solve(0, 1)
    if status != flow.OPTIMAL:
        msg = f"max flow failed with status {status}"
        raise RuntimeError(msg)
    return pool.n - int(flow.optimal_flow()), pool.exact

"""Rule 1 of :mod:`fleetopt.simulation.taxi`: the idle taxi a request goes to.

The nearest idle taxi (road travel time to the request's origin; ties: lowest taxi id)
among those that reach it within its wait and have the energy for pickup and trip.
:func:`nearest_idle` scans road nodes nearest first (each origin's list of nodes that reach
it within the longest wait, by travel time, is made once: :func:`near_of`);
:func:`best_taxi` compares every idle taxi (the reference the tests check the scan
against). Both apply the same rule. :func:`become_idle_many` is rule 2 (the oldest waiting
request a taxi that becomes idle can take) for a long queue.
"""

from __future__ import annotations

import math
from array import array
from typing import Any, TypeAlias

import numpy as np

#: The :class:`fleetopt.simulation.taxi.TaxiDispatch` these functions work on (typed ``Any``:
#: the dispatch imports this module, and a type-only import back would be a cycle).
TaxiDispatch = Any

__all__ = ["become_idle_many", "best_taxi", "near_of", "nearest_idle"]

#: Combined path weight per millisecond (see :func:`fleetopt.inputs.routing.route_matrices`).
_SPLIT = 1e6
#: Nearest nodes of an origin scanned one by one (flat int arrays) before the vectorised scan.
_HEAD = 16


#: What :func:`near_of` keeps per origin: nodes, times [ms], lengths [m], the heads of the
#: three as flat arrays and the node count.
Near: TypeAlias = (
    "tuple[np.ndarray, np.ndarray, np.ndarray, array[int], array[int], array[float], int]"
)


def near_of(d: TaxiDispatch, o: int) -> Near:
    """Nodes that reach node ``o`` within the longest wait, by travel time (cached per node).

    Returns the nodes (intp: the scan indexes with them), their travel times to ``o`` in
    whole milliseconds (int32) and the lengths of those paths [m] (the row's combined weight
    less the time part, as the scan computed it from the row), the first :data:`_HEAD` of
    the three as flat arrays (scanned without numpy) and how many nodes there are. The
    scan reads a node's length in this origin's order instead of from the node's row.
    """
    col = d.W[:, o]
    ok = np.flatnonzero(col <= (d._reach_s * 1000.0 + 1.0) * _SPLIT)
    w = col[ok]
    ms = np.floor(w / _SPLIT).astype(np.int64)
    order = np.argsort(ms, kind="stable")
    nodes = d._row_nodes[ok[order]].astype(np.intp)
    ms = ms[order]
    lens = w[order] - ms * _SPLIT
    ms = ms.astype(np.int32)
    # the head as flat arrays: its values inline, not int objects scattered over the heap
    got = (nodes, ms, lens, array("q", nodes[:_HEAD].astype(np.int64).tobytes()),
           array("q", ms[:_HEAD].astype(np.int64).tobytes()), array("d", lens[:_HEAD].tobytes()),
           int(ms.size))
    d._near[o] = got
    return got


def best_taxi(d: TaxiDispatch, j: int, now: float) -> int:
    """Apply the rule by comparing every idle taxi (the reference for :func:`nearest_idle`)."""
    if not np.isfinite(d.trip_s[j]):
        return -1
    o = int(d.r_o[j])
    limit = float(d._dep[j] + d._wait[j])
    best, best_t = -1, math.inf
    for i, free in enumerate(d.idle):
        if not free:
            continue
        t_s, l_m = d._route(d.pos[i], o)
        if not now + t_s <= limit + 1e-9 or not math.isfinite(t_s):
            continue
        if d._feasible(i, j, t_s, l_m) and (t_s < best_t or (t_s == best_t and i < best)):
            best, best_t = i, t_s
    return best


def nearest_idle(d: TaxiDispatch, j: int, now: float) -> tuple[int, int, float]:
    """Apply :func:`best_taxi`'s rule, scanning nodes by travel time, not every idle taxi.

    Nodes come nearest first; at a node the idle taxis are kept sorted by id, so the
    first one with enough energy is the node's candidate. The first :data:`_HEAD` nodes
    are read one by one; further ones in blocks (growing eightfold), each block's
    nodes with idle taxis found by one vectorised test. Returns the taxi (-1: none),
    its pickup time [ms] and pickup length [m].
    """
    # what the scan reads, bundled once per run (TaxiDispatch._scan_refs): one attribute read
    (trip_s_l, ro, near, lim_l, trip_km_l, nia, bucket, level, rate, min_l, sf, has) = d._scan
    if not trip_s_l[j] < math.inf:
        return -1, 0, 0.0
    o = ro[j]
    got = near.get(o)
    nodes, ms, lens, head_n, head_ms, head_l, n = got if got is not None else near_of(d, o)
    x = lim_l[j] - now + 1e-9  # longest pickup [s]
    # the last whole millisecond c with c / 1000 <= x (the times compare in seconds)
    c = math.floor(x * 1000.0)
    while (c + 1) / 1000.0 <= x:
        c += 1
    while c >= 0 and c / 1000.0 > x:
        c -= 1
    best, best_ms, best_l = -1, -1, 0.0
    trip_km = trip_km_l[j]
    for k, m in enumerate(head_ms):
        if m > c:
            return best, best_ms, best_l
        u = head_n[k]
        if not nia[u]:
            continue
        if best >= 0 and m > best_ms:
            return best, best_ms, best_l
        l_m = head_l[k]
        need_l = l_m / 1000.0 + trip_km
        for i in bucket[u]:  # ascending ids: the first that can go is the node's pick
            if best >= 0 and m == best_ms and i > best:
                break
            if sf[i]:
                ok = d._feasible(i, j, m / 1000.0, l_m)
            else:
                ok = level[i] - need_l * rate[i] >= min_l[i] - 1e-12
            if ok:
                best, best_ms, best_l = i, m, l_m
                break
    a = len(head_n)
    if a >= n:
        return best, best_ms, best_l
    m = ms.item(a)
    if m > c or (best >= 0 and m > best_ms):
        return best, best_ms, best_l
    step = 8 * _HEAD
    while True:
        b = min(n, a + step)
        for h in has[nodes[a:b]].nonzero()[0].tolist():
            m = ms.item(a + h)
            if m > c or (best >= 0 and m > best_ms):
                return best, best_ms, best_l
            u = nodes.item(a + h)
            l_m = lens.item(a + h)
            need_l = l_m / 1000.0 + trip_km
            for i in bucket[u]:
                if best >= 0 and m == best_ms and i > best:
                    break
                if sf[i]:
                    ok = d._feasible(i, j, m / 1000.0, l_m)
                else:
                    ok = level[i] - need_l * rate[i] >= min_l[i] - 1e-12
                if ok:
                    best, best_ms, best_l = i, m, l_m
                    break
        if b >= n:
            return best, best_ms, best_l
        m = ms.item(b)
        if m > c or (best >= 0 and m > best_ms):
            return best, best_ms, best_l
        a, step = b, step * 8


def become_idle_many(d: TaxiDispatch, i: int, now: float) -> None:
    """Rule 2 for a long queue: taxi ``i`` becomes idle and takes the oldest request it can.

    ``TaxiDispatch._become_idle`` for more than 48 waiting requests, vectorised: expired
    requests leave the queue, then the oldest one the taxi reaches in time with the
    energy for pickup and trip is assigned to it.
    """
    pend = np.array(d.pending, dtype=np.int64)
    lim = d._limit[pend]
    alive = now <= lim + 1e-9
    if not alive.all():
        pend = pend[alive]
    d._set_idle(i, now)
    w = d.W[d.R[d.pos[i]], d.r_o[pend]]
    ms = np.floor(w / _SPLIT)
    # in time (an unreachable origin or destination never is), oldest first
    for k in (now + ms / 1000.0 <= d._limit_ok[pend] + 1e-9).nonzero()[0].tolist():
        p = int(pend[k])
        m = float(ms[k])
        if d._feasible(i, p, m / 1000.0, float(w[k]) - m * _SPLIT):
            rest = pend.tolist()
            del rest[k]
            d.pending = rest
            d._assign(i, p, now)
            return
    d.pending = pend.tolist()

"""Chain a group's trips into the fewest energy-feasible vehicle blocks, with a proven lower bound.

Rules (CONTRACT §9): a block is a time-ordered chain of trips; between two trips the
vehicle stands where the first one ends and, when that is a station, charges there at
min(``plug_kw``, ``max_charge_kw``) until it must leave for the next trip (a deadhead on
the road graph when the next trip starts elsewhere). A block belongs to the depot of
its first trip's input vehicle: it pulls out from there and pulls in there, and spends
the rest of the 24 h at that depot (charging when it has plugs). A block without a depot
spends the night where its last trip ends. The day is cyclic: the charge at pull-out
must be restored by the next pull-out. Every drive must end at or above ``min_soc``.

Checking one block is exact (:func:`check_block`): the smallest feasible starting
charge follows from a backward pass; charging as much as possible from there gives the
largest charge at the end of the day, and the block is feasible if and only if that is
at least the starting charge (a larger start never helps: the day's charge gain does
not grow with the start).

Lower bound on vehicles (energy ignored, so valid for any energy rule):

- up to :data:`EXACT_BOUND_TRIPS` trips, the minimum path cover of the exact trip
  compatibility graph (trips minus a maximum bipartite matching);
- above that, the same as a max flow through one time-ordered pool per start place
  (OR-Tools ``SimpleMaxFlow``): each trip is connected exactly to the pools of the
  start places it reaches fastest (:data:`POOL_ARCS`), and to the others through one
  pool entered at the fastest deadhead to any of them, which only adds connections
  (so the bound stays proven; method ``pooled-path-cover``, or ``path-cover`` when
  every start place is connected exactly).

Blocks: up to :data:`EXACT_TRIPS` trips, an exact minimum over all subsets (dynamic
programming over bit masks). Above, for a battery group, the energy-blind minimum cover
(the least-deadhead minimum path cover, :func:`_min_deadhead_cover`, or the dispatch
with the battery ignored above :data:`EXACT_BOUND_TRIPS`) is made energy-feasible by
exchanging tails between blocks that stand at the same place
(:func:`fleetopt.planning.block_balance.balance`: the number of blocks does not change,
energy moves from blocks that miss to blocks with slack, steered by the exact check's
own day), within ``time_limit_s``: a first pass (at most
:data:`~fleetopt.planning.block_balance.BALANCE_MARGIN_EVALS` evaluations per block)
aims at blocks that need no charge between trips (:data:`BALANCE_MARGIN_RATE`), a
second at the plan's own rules; any block that still fails is split (:func:`_repair`).
When that leaves more blocks than the bound, blocks are joined end to start where the
joined day passes the exact check (:func:`fleetopt.planning.block_improve.join_blocks`),
and the energy-aware dispatch in departure order (:func:`_dispatch`, then the split,
then the joins) is tried too and the fewer blocks kept. So the vehicles equal the
timetable bound whenever the balancing repairs every block, and the gap that remains is
at most the blocks that had to be split. Operator blocks that are feasible are kept
when they need no more vehicles than the re-blocked plan.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.sparse.csgraph import maximum_bipartite_matching

from fleetopt.planning import block_bounds
from fleetopt.planning.block_balance import (
    BALANCE_EVALS,
    BALANCE_MARGIN_EVALS,
    BALANCE_MARGIN_RATE,
)
from fleetopt.planning.block_balance import balance as _balance
from fleetopt.planning.block_bounds import _compat_matrix
from fleetopt.planning.block_check import (
    EPS as _EPS,
)
from fleetopt.planning.block_check import (
    BlockCheck,
    Segment,
    check_block,
    timeline,
)
from fleetopt.planning.block_improve import join_blocks
from fleetopt.planning.problem import GroupProblem

logger = logging.getLogger(__name__)

__all__ = [
    "BlockCheck",
    "BlockingResult",
    "Segment",
    "block_km",
    "check_block",
    "lower_bound",
    "plan_blocks",
    "timeline",
]

#: Groups up to this many trips are solved exactly (all subsets).
EXACT_TRIPS = 12

#: Groups up to this many trips get the exact path-cover bound from a dense matching.
EXACT_BOUND_TRIPS = 2500

#: Share of ``time_limit_s`` the energy balancing may use at most (the dispatch and the
#: joins that follow when it leaves more blocks than the bound get the rest).
BALANCE_SHARE = 0.7


def lower_bound(gp: GroupProblem, idx: np.ndarray) -> tuple[int, str]:
    """Return a proven lower bound on the vehicles for trips ``idx`` and its method.

    :func:`fleetopt.planning.block_bounds.lower_bound` with the exact path cover up to
    :data:`EXACT_BOUND_TRIPS` trips (``path-cover``), the pooled one above
    (``pooled-path-cover``).
    """
    return block_bounds.lower_bound(gp, idx, exact_trips=EXACT_BOUND_TRIPS)


@dataclass
class BlockingResult:
    """Blocks of one group and how good they are.

    Attributes
    ----------
    blocks : list of list of int
        Trip indices of each block, in time order.
    depots : list of int
        Depot station of each block (-1: none).
    lower_bound : int
        Proven lower bound on the vehicles for the runnable trips.
    bound_method : str
        ``exact-subsets``, ``path-cover`` or ``pooled-path-cover``.
    status : str
        ``optimal`` (vehicles = bound) or ``feasible``.
    unrunnable : list of (int, str)
        Trips no vehicle can run at all, with the reason.
    input_blocks : int
        Distinct input vehicle ids of the group.
    broken_blocks : list of (str, str)
        Input blocks that are not feasible, with the reason.
    kept_input : bool
        True when the operator's blocks are the plan.
    wall_s : float
        Time spent [s].
    """

    blocks: list[list[int]]
    depots: list[int]
    lower_bound: int
    bound_method: str
    status: str
    unrunnable: list[tuple[int, str]] = field(default_factory=list)
    input_blocks: int = 0
    broken_blocks: list[tuple[str, str]] = field(default_factory=list)
    kept_input: bool = False
    wall_s: float = 0.0

    @property
    def vehicles(self) -> int:
        """Number of blocks (vehicles)."""
        return len(self.blocks)

    @property
    def gap(self) -> float:
        """Relative gap (vehicles - bound) / vehicles (0 when proven optimal)."""
        v = self.vehicles
        return 0.0 if v == 0 else max(0.0, (v - self.lower_bound) / v)


# -- one block ----------------------------------------------------------------------------------


# -- lower bound --------------------------------------------------------------------------------


# -- pooled path-cover graph --------------------------------------------------------------------


# -- blocks -------------------------------------------------------------------------------------
def _exact(gp: GroupProblem, idx: list[int]) -> tuple[list[list[int]], list[int]] | None:
    """Minimum number of feasible blocks covering ``idx`` (all subsets); None if impossible."""
    n = len(idx)
    idx = sorted(idx, key=lambda i: (gp.dep_s[i], i))
    full = (1 << n) - 1
    feas: dict[int, int] = {}
    for mask in range(1, full + 1):
        chain = [idx[k] for k in range(n) if mask >> k & 1]
        dep = int(gp.depot[chain[0]])
        if check_block(gp, chain, dep).feasible:
            feas[mask] = dep
    best = [math.inf] * (full + 1)
    choice = [0] * (full + 1)
    best[0] = 0
    for mask in range(1, full + 1):
        low = mask & -mask
        rest = mask ^ low
        sub = rest
        while True:
            s = sub | low
            if s in feas and best[mask ^ s] + 1 < best[mask]:
                best[mask] = best[mask ^ s] + 1
                choice[mask] = s
            if sub == 0:
                break
            sub = (sub - 1) & rest
    if not math.isfinite(best[full]):
        return None
    blocks, depots = [], []
    mask = full
    while mask:
        s = choice[mask]
        blocks.append([idx[k] for k in range(n) if s >> k & 1])
        depots.append(feas[s])
        mask ^= s
    order = sorted(range(len(blocks)), key=lambda b: (gp.dep_s[blocks[b][0]], blocks[b][0]))
    return [blocks[b] for b in order], [depots[b] for b in order]


def _dispatch(gp: GroupProblem, idx: list[int]) -> tuple[list[list[int]], list[int]]:
    """Energy-aware dispatch in departure order (charge at stays).

    Each trip goes to a vehicle that can run it: one already at its start place first
    (the emptiest when the trip ends at a charger, the fullest otherwise, so that
    vehicles low on charge get the layovers at chargers), else the one that waits least
    after its deadhead; a new vehicle when none can.
    """
    idx = sorted(idx, key=lambda i: (gp.dep_s[i], i))
    n = len(idx)
    last = np.zeros(n, np.int64)
    soc = np.zeros(n)
    dep_place = np.full(n, -1, np.int64)
    blocks: list[list[int]] = []
    depots: list[int] = []
    cap, lo, kpk = gp.cap_kwh, gp.min_kwh, gp.kwh_per_km_dh
    rate_at = np.concatenate([gp.rate_kw, [0.0]])  # index -1 -> 0 kW
    for j in idx:
        nv = len(blocks)
        pick = -1
        if nv:
            a = last[:nv]
            ep = gp.end_place[a]
            dt = gp.dh_s[ep, gp.start_place[j]]
            ready = gp.arr_s[a] + dt
            ok = ready <= gp.dep_s[j] + _EPS
            if gp.battery and ok.any():
                stay = np.maximum(gp.dep_s[j] - dt - gp.arr_s[a], 0.0)
                r = rate_at[gp.end_station[a]]
                s1 = np.minimum(cap, soc[:nv] + r * stay / 3600.0)
                s2 = s1 - np.where(ok, gp.dh_km[ep, gp.start_place[j]], 0.0) * kpk
                s2 = s2 - gp.drive_kwh[j]
                home = np.where(
                    dep_place[:nv] >= 0,
                    gp.dh_km[gp.end_place[j], np.maximum(dep_place[:nv], 0)] * kpk,
                    0.0,
                )
                can_charge = rate_at[gp.end_station[j]] > 0
                ok &= s2 >= lo - _EPS
                ok &= (s2 - home >= lo - _EPS) | can_charge
            if ok.any():
                cand = np.flatnonzero(ok)
                key_dh = (dt[cand] > 0).astype(int)
                key_wait = gp.dep_s[j] - ready[cand]
                if gp.battery:
                    # among vehicles already there, which one does not change the count;
                    # balance energy: the emptiest takes a trip that ends at a charger,
                    # the fullest one that does not
                    key_e = s2[cand] if can_charge else -s2[cand]
                    key_wait = np.where(key_dh == 0, key_e, key_wait)
                pick = int(cand[np.lexsort((cand, key_wait, key_dh))[0]])
                if gp.battery:
                    soc[pick] = s2[pick]
        if pick < 0:
            pick = nv
            d = int(gp.depot[j])
            blocks.append([])
            depots.append(d)
            dep_place[pick] = int(gp.station_place[d]) if d >= 0 else -1
            s0 = cap
            if d >= 0 and gp.battery:
                s0 -= gp.dh_km[gp.station_place[d], gp.start_place[j]] * kpk
            soc[pick] = s0 - gp.drive_kwh[j]
        blocks[pick].append(j)
        last[pick] = j
    return _repair(gp, blocks, depots)


def _repair(
    gp: GroupProblem, blocks: list[list[int]], depots: list[int]
) -> tuple[list[list[int]], list[int]]:
    """Split every block that fails the exact check into feasible pieces (longest prefix first)."""
    out_b: list[list[int]] = []
    out_d: list[int] = []
    todo = list(zip(blocks, depots, strict=True))
    while todo:
        b, d = todo.pop()
        if check_block(gp, b, d).feasible:
            out_b.append(b)
            out_d.append(d)
            continue
        k = len(b) - 1
        while k > 1 and not check_block(gp, b[:k], d).feasible:
            k -= 1
        head, tail = b[:k], b[k:]
        if not check_block(gp, head, d).feasible:  # a single trip that cannot run: skip it
            tail = b[1:]
            logger.warning("trip %s dropped in repair", gp.trips["trip_id"].iat[b[0]])
        else:
            out_b.append(head)
            out_d.append(d)
        if tail:
            todo.append((tail, int(gp.depot[tail[0]])))
    order = sorted(range(len(out_b)), key=lambda k: (gp.dep_s[out_b[k][0]], out_b[k][0]))
    return [out_b[k] for k in order], [out_d[k] for k in order]


def _chains_from_matching(gp: GroupProblem, idx: np.ndarray) -> list[list[int]]:
    """Minimum path cover of the exact compatibility graph (no energy limits)."""
    ok = _compat_matrix(gp, idx)
    m = maximum_bipartite_matching(sparse.csr_matrix(ok), perm_type="column")
    return _chains_from_successor(idx, m)


def _min_deadhead_cover(gp: GroupProblem, idx: np.ndarray) -> list[list[int]]:
    """Minimum path cover of the exact compatibility graph with the least deadhead km.

    The network of :func:`_pool_graph` with every start place connected exactly (one
    time-ordered pool per start place: trip ``i`` enters the pool of place ``q`` at
    ``arr_i + dh(end_i, q)`` and the trips that depart from ``q`` leave it), each entry
    costing its deadhead in metres: a maximum flow of least cost (OR-Tools
    ``SimpleMinCostFlow``) is a maximum matching of the compatibility graph, so a
    minimum path cover, with the least total deadhead between trips (energy ignored).
    Chains are read from the pools first in, first out (any unit in a pool may take a
    departure: it entered before it).
    """
    n = int(idx.size)
    dep, arr = gp.dep_s[idx], gp.arr_s[idx]
    ep, sp = gp.end_place[idx], gp.start_place[idx]
    starts, sp_loc = np.unique(sp, return_inverse=True)
    ready = arr[:, None] + gp.dh_s[ep][:, starts]
    last = np.full(starts.size, -np.inf)
    np.maximum.at(last, sp_loc, dep)
    ei, eq = np.nonzero(np.isfinite(ready) & (ready <= last[None, :] + _EPS))
    k_all = np.concatenate([eq, sp_loc.astype(np.int64)])
    t_all = np.concatenate([ready[ei, eq] - _EPS, dep])
    ty = np.concatenate([np.zeros(ei.size, np.int64), np.ones(n, np.int64)])
    wh = np.concatenate([ei, np.arange(n)])
    order = np.lexsort((ty, t_all, k_all))
    k_all, ty, wh = k_all[order], ty[order], wh[order]
    km_all = np.concatenate([gp.dh_km[ep[ei], starts[eq]], np.zeros(n)])[order]
    ne = order.size
    src, snk = 0, 1
    out_n, in_n = 2 + np.arange(n), 2 + n + np.arange(n)
    nodes = 2 + 2 * n + np.arange(ne)
    same = k_all[1:] == k_all[:-1]
    enter = ty == 0
    tails = np.concatenate(
        [np.full(n, src), in_n, nodes[:-1][same], np.where(enter, out_n[wh], nodes)]
    )
    heads = np.concatenate(
        [out_n, np.full(n, snk), nodes[1:][same], np.where(enter, nodes, in_n[wh])]
    )
    caps = np.concatenate(
        [np.ones(2 * n, np.int64), np.full(int(same.sum()), n, np.int64), np.ones(ne, np.int64)]
    )
    costs = np.concatenate(
        [np.zeros(2 * n + int(same.sum())), np.where(enter, np.round(km_all * 1000.0), 0.0)]
    ).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    supply = np.zeros(2 + 2 * n + ne, np.int64)
    supply[src], supply[snk] = n, -n
    flow.set_nodes_supplies(np.arange(supply.size, dtype=np.int32), supply)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        msg = f"min cost flow failed with status {status}"
        raise RuntimeError(msg)
    used = flow.flows(arcs[-ne:]) > 0
    succ = np.full(n, -1, np.int64)
    queue: dict[int, list[int]] = {}
    for k, e, w, u in zip(k_all.tolist(), enter.tolist(), wh.tolist(), used.tolist(), strict=True):
        if not u:
            continue
        q = queue.setdefault(k, [])
        if e:
            q.append(w)
        else:
            succ[q.pop(0)] = w
    return _chains_from_successor(idx, succ)


def _chains_from_successor(idx: np.ndarray, m: np.ndarray) -> list[list[int]]:
    """Chains of ``idx`` from ``m[i]`` = local index of the trip after ``i`` (-1: none)."""
    # m[i] = j: trip i (row) precedes trip j (column)
    nxt = np.full(idx.size, -1)
    has_prev = np.zeros(idx.size, bool)
    for i, j in enumerate(m):
        if j >= 0:
            nxt[i] = j
            has_prev[j] = True
    chains = []
    for s in np.flatnonzero(~has_prev):
        c, k = [], int(s)
        while k >= 0:
            c.append(int(idx[k]))
            k = int(nxt[k])
        chains.append(c)
    return chains


def _balanced_cover(
    gp: GroupProblem, idx: np.ndarray, deadline: float
) -> tuple[list[list[int]], list[int]]:
    """Energy-blind minimum cover, made energy-feasible by :func:`_balance`, then :func:`_repair`.

    The cover is the minimum path cover of the compatibility graph with the least
    deadhead (:func:`_min_deadhead_cover`) up to :data:`EXACT_BOUND_TRIPS` trips, the
    dispatch with the battery ignored above (it prefers vehicles already at the trip's
    start). The exchanges keep the deadhead: both blocks stand at the same place.
    """
    if idx.size <= EXACT_BOUND_TRIPS:
        blocks = _min_deadhead_cover(gp, idx)
    else:
        blind = replace(gp, battery=False, cap_kwh=math.inf)
        blocks, _ = _dispatch(blind, [int(i) for i in idx])
    blocks = [sorted(b, key=lambda i: (gp.dep_s[i], i)) for b in blocks]
    depots = [int(gp.depot[b[0]]) for b in blocks]
    if BALANCE_MARGIN_RATE < 1.0:
        mid = time.perf_counter() + (deadline - time.perf_counter()) / 2
        work = BALANCE_MARGIN_EVALS * len(blocks)
        blocks, depots = _balance(gp, blocks, depots, mid, BALANCE_MARGIN_RATE, work)
    work = BALANCE_EVALS * len(blocks)
    return _repair(gp, *_balance(gp, blocks, depots, deadline, 1.0, work))


def _deadhead_km(gp: GroupProblem, blocks: list[list[int]]) -> float:
    tot = 0.0
    for b in blocks:
        for i, j in itertools.pairwise(b):
            tot += float(gp.dh_km[gp.end_place[i], gp.start_place[j]])
    return tot


def plan_blocks(gp: GroupProblem, *, time_limit_s: float = 60.0) -> BlockingResult:
    """Re-block a group: fewest feasible vehicles, then least deadhead; keep input if as good.

    Parameters
    ----------
    gp : GroupProblem
        The group.
    time_limit_s : float
        Budget [s] of the energy balancing (:func:`_balance`: at most
        :data:`BALANCE_SHARE` of it, and a number of evaluations per block) and the
        joins (:func:`join_blocks`); the other steps are polynomial or bounded by
        :data:`EXACT_TRIPS`.

    Returns
    -------
    BlockingResult
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    tid = gp.trip_ids
    unrunnable: list[tuple[int, str]] = []
    ok_idx: list[int] = []
    for j in range(gp.n):
        c = check_block(gp, [j], int(gp.depot[j]))
        if c.feasible:
            ok_idx.append(j)
        else:
            unrunnable.append((j, c.reason))
    idx = np.array(ok_idx, dtype=np.int64)
    lb, method = lower_bound(gp, idx)
    if not gp.battery and idx.size <= EXACT_BOUND_TRIPS:
        blocks = _chains_from_matching(gp, idx)
        depots = [int(gp.depot[b[0]]) for b in blocks]
    elif gp.battery and 0 < idx.size <= EXACT_TRIPS:
        got = _exact(gp, ok_idx)
        assert got is not None  # every single trip is feasible, so a cover exists
        blocks, depots = got
        lb = max(lb, len(blocks))
        method = "exact-subsets"
    elif gp.battery and idx.size:
        blocks, depots = _balanced_cover(gp, idx, t0 + BALANCE_SHARE * time_limit_s)
        if len(blocks) > lb:
            # the dispatch's blocks join quickly (few, long): before the split cover's
            alt_b, alt_d = join_blocks(gp, *_dispatch(gp, ok_idx), deadline)
            blocks, depots = join_blocks(gp, blocks, depots, deadline)
            if len(alt_b) < len(blocks):
                blocks, depots = alt_b, alt_d
    else:
        blocks, depots = _dispatch(gp, ok_idx)
    # the operator's blocks
    vids = gp.trips["vehicle_id"].astype(str).to_numpy()
    broken: list[tuple[str, str]] = []
    in_blocks: list[list[int]] = []
    in_depots: list[int] = []
    bad_trip = {j for j, _ in unrunnable}
    for v in dict.fromkeys(vids):
        b = [int(k) for k in np.flatnonzero(vids == v)]
        b.sort(key=lambda i: (gp.dep_s[i], i))
        d = int(gp.depot[b[0]])
        c = check_block(gp, b, d)
        if not c.feasible:
            broken.append((v, c.reason))
        in_blocks.append([i for i in b if i not in bad_trip])
        in_depots.append(d)
    kept = False
    if not broken and len(in_blocks) <= len(blocks):
        blocks, depots, kept = in_blocks, in_depots, True
    lb = min(lb, len(blocks))  # never claim more than a plan that exists (safety)
    status = "optimal" if len(blocks) == lb else "feasible"
    logger.info(
        "%s/%s: %d trips -> %d blocks (bound %d, %s, %d unrunnable, deadhead %.1f km)",
        gp.vehicle_type,
        gp.powertrain,
        gp.n,
        len(blocks),
        lb,
        method,
        len(unrunnable),
        _deadhead_km(gp, blocks),
    )
    return BlockingResult(
        blocks=blocks,
        depots=depots,
        lower_bound=lb,
        bound_method=method,
        status=status,
        unrunnable=[(j, f"trip {tid[j]}: {r}") for j, r in unrunnable],
        input_blocks=len(dict.fromkeys(vids)),
        broken_blocks=broken,
        kept_input=kept,
        wall_s=time.perf_counter() - t0,
    )


def block_km(gp: GroupProblem, br: BlockingResult) -> float:
    """Return the km of every drive in the blocks' days: trips and deadheads [km].

    A block that cannot be timed (:func:`timeline` returns its reason) adds nothing.
    """
    km = 0.0
    for b, d in zip(br.blocks, br.depots, strict=True):
        segs = timeline(gp, b, d)
        if not isinstance(segs, str):
            km += sum(s.km for s in segs if s.kind == "drive")
    return km

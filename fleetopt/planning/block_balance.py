"""Make an energy-blind cover energy-feasible by exchanging tails between its blocks.

:func:`balance` keeps the number of blocks: two blocks that stand at the same place swap
what follows, so that energy moves from blocks that miss to blocks with slack. It is
steered by :func:`shortfall_kwh`, by how many kWh a block misses the plan's rules, on the
day of :func:`fleetopt.planning.block_check.check_block` itself (its timeline, layover
idle draw, charging curve and charge per stay): 0 exactly when the check passes. Used by
:func:`fleetopt.planning.blocking.plan_blocks`; every block it returns is checked again
there (:func:`fleetopt.planning.blocking._repair`).
"""

from __future__ import annotations

import math
import time

import numpy as np

from fleetopt.planning.block_check import (
    EPS,
    _charge_kwh,
    charger,
    idle_kw,
    timeline,
    with_idle,
)
from fleetopt.planning.problem import GroupProblem

__all__ = [
    "BALANCE_CANDIDATES",
    "BALANCE_EVALS",
    "BALANCE_MARGIN_EVALS",
    "BALANCE_MARGIN_RATE",
    "balance",
    "shortfall_kwh",
]

#: Candidate partners tried per cut of an infeasible block in :func:`balance`.
BALANCE_CANDIDATES = 16

#: First balancing pass aims at blocks that would still run with this fraction of the
#: charging power in the stays between trips (0: on the battery and the night's charge
#: alone), a margin for the simulator's tapering charge and for plugs shared at
#: layovers; the second pass then only needs the plan's own rules, so this steers which
#: blocks, never whether a block is accepted. Measured on the quick bench case (160
#: blocks, with the earlier steering that ignored idle draw and the curve): 0 -> 5 trips
#: missed by the simulator's ``immediate`` policy with the planned plugs, 0.2 -> 51, 1
#: (no first pass) -> 91, all at 119 vehicles.
BALANCE_MARGIN_RATE = 0.0

#: Work of the first (margin) pass: at most this many block evaluations
#: (:func:`shortfall_kwh`) per block of the cover, so that its result does not depend on
#: the machine's speed (a block that cannot run on its battery alone would otherwise keep
#: it busy until the deadline).
BALANCE_MARGIN_EVALS = 40


#: Work of the second pass (the plan's own rules): at most this many evaluations per
#: block. The 1,600-block bench case needs about 7 to repair every block; 400 of its
#: blocks with a 250 kWh battery reach the bound (298) with 100, not with 40 (311). When
#: energy cannot be balanced the pass stops here or at its deadline, and the
#: energy-aware dispatch with joins that follows in
#: :func:`fleetopt.planning.blocking.plan_blocks` does better (1,600 blocks with a 250 kWh
#: battery: 1,729 blocks after the split, 1,249 from the dispatch and joins).
BALANCE_EVALS = 100


def shortfall_kwh(gp: GroupProblem, trips: list[int], depot: int, day_rate: float = 1.0) -> float:
    """Return by how many kWh a block misses the energy rules (0 exactly when it runs).

    The day of :func:`fleetopt.planning.block_check.check_block` (its :func:`timeline`
    with each layover's idle draw, :func:`with_idle`, charging along the curve) and the
    same two passes, without early exit: the backward pass adds every kWh by which the
    need exceeds the battery (and goes on from a full battery), the forward pass adds the
    cyclic day's deficit. Infinite when the block cannot be timed. ``day_rate`` scales
    the charge of the stays between trips (not the night's): below 1 it asks for a
    margin. Only steers :func:`balance`; feasibility is check_block's.
    """
    segs = timeline(gp, trips, depot)
    if isinstance(segs, str):
        return math.inf
    if not gp.battery:
        return 0.0
    segs = with_idle(segs, idle_kw(gp))
    ch = charger(gp)
    cap, lo = gp.cap_kwh, gp.min_kwh
    need, over = lo, 0.0
    for sg in reversed(segs):
        if sg.kind == "drive":
            need += sg.kwh
            if need > cap + EPS:
                over += need - cap
                need = cap
        elif not sg.night:
            need = max(lo, ch.backward(need, day_rate * _charge_kwh(gp, sg)))
    start = soc = need
    for sg in segs:
        if sg.kind == "drive":
            soc -= sg.kwh
        else:
            rate = 1.0 if sg.night else day_rate
            soc = min(cap, ch.forward(soc, rate * _charge_kwh(gp, sg)))
    deficit = start - soc
    return over + (deficit if deficit > EPS else 0.0)


def balance(
    gp: GroupProblem,
    blocks: list[list[int]],
    depots: list[int],
    deadline: float,
    day_rate: float = 1.0,
    max_evals: float = math.inf,
) -> tuple[list[list[int]], list[int]]:
    """Make the blocks of a cover energy-feasible by exchanging tails, keeping their number.

    Two blocks that both stand at the same place can swap what follows: block ``a`` ends
    trip ``i`` there and block ``b`` trip ``c``; if ``i``'s vehicle can reach ``c``'s next
    trip in time and ``c``'s vehicle ``i``'s, then ``a[..i] + b[c+1..]`` and
    ``b[..c] + a[i+1..]`` are a cover with as many blocks. Each infeasible block tries
    the partners whose tails carry the least energy (at most
    :data:`BALANCE_CANDIDATES` per cut) and takes the exchange that lowers the pair's
    :func:`shortfall_kwh` most (the first that makes both feasible), until no block
    misses, ``max_evals`` evaluations of :func:`shortfall_kwh` are spent or ``deadline``
    (``time.perf_counter``) passes. Blocks keep their depots (a block's depot is that of
    its first trip, which does not change). ``day_rate`` is passed to
    :func:`shortfall_kwh`. Deterministic: blocks are taken in a fixed order.
    """
    n = gp.n
    blocks = [list(b) for b in blocks]
    blk = np.full(n, -1, np.int64)
    pos = np.zeros(n, np.int64)
    nxt = np.full(n + 1, n, np.int64)  # n: no next trip
    cum: list[np.ndarray] = [np.empty(0)] * len(blocks)

    def index(b: int) -> None:
        tr = blocks[b]
        blk[tr] = b
        pos[tr] = np.arange(len(tr))
        nxt[tr] = [*tr[1:], n]
        cum[b] = np.cumsum(gp.drive_kwh[tr])

    for b in range(len(blocks)):
        index(b)
    miss = [shortfall_kwh(gp, blocks[b], depots[b], day_rate) for b in range(len(blocks))]
    evals = float(len(blocks))
    ep, sp = gp.end_place, gp.start_place
    dep_x = np.append(gp.dep_s, np.inf)
    sp_x = np.append(sp, sp[0] if n else 0)
    order = np.argsort(gp.arr_s, kind="stable")
    by_place = {}
    for p in np.unique(ep):
        ids = order[ep[order] == p]
        by_place[int(p)] = (ids, gp.arr_s[ids])
    todo = [b for b in range(len(blocks)) if miss[b] > 0]
    while todo and evals < max_evals and time.perf_counter() < deadline:
        a = todo.pop()
        if miss[a] <= 0:
            continue
        ta, tot_a = blocks[a], float(cum[a][-1])
        best: tuple[float, int, int, int, float, float] | None = None
        for ka, i in enumerate(ta):
            ni = int(nxt[i])
            ids, arrs = by_place[int(ep[i])]
            reach = dep_x[ni] - (gp.dh_s[ep[i], sp[ni]] if ni < n else 0.0)
            cand = ids[: np.searchsorted(arrs, reach + EPS, "right")]
            nc = nxt[cand]
            ok = (blk[cand] != a) & (
                dep_x[nc] >= gp.arr_s[i] + np.where(nc < n, gp.dh_s[ep[i], sp_x[nc]], 0.0) - EPS
            )
            cand = cand[ok]
            if cand.size == 0:
                continue
            tail_a = tot_a - float(cum[a][ka])
            cb = blk[cand]
            tail_b = np.array(
                [float(cum[b][-1] - cum[b][k]) for b, k in zip(cb, pos[cand], strict=True)]
            )
            pick = np.argsort(tail_b - tail_a, kind="stable")[:BALANCE_CANDIDATES]
            for c in cand[pick].tolist():
                if evals >= max_evals:
                    break
                b = int(blk[c])
                tb = blocks[b]
                kb = int(pos[c])
                na, nb = ta[: ka + 1] + tb[kb + 1 :], tb[: kb + 1] + ta[ka + 1 :]
                va = shortfall_kwh(gp, na, depots[a], day_rate)
                vb = shortfall_kwh(gp, nb, depots[b], day_rate)
                evals += 2
                gain = miss[a] + miss[b] - va - vb
                if gain > EPS and (best is None or gain > best[0]):
                    best = (gain, ka, b, kb, va, vb)
                    if va <= 0 and vb <= 0:
                        break
            if evals >= max_evals or (best is not None and best[4] <= 0 and best[5] <= 0):
                break
        if best is None:
            continue
        _, ka, b, kb, va, vb = best
        tb = blocks[b]
        blocks[a], blocks[b] = ta[: ka + 1] + tb[kb + 1 :], tb[: kb + 1] + ta[ka + 1 :]
        index(a)
        index(b)
        miss[a], miss[b] = va, vb
        todo += [x for x in (a, b) if miss[x] > 0]
    return blocks, depots

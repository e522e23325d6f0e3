"""Fewer vehicles after the energy repair: join blocks end to start where the day still runs.

When energy splits blocks (:func:`fleetopt.planning.blocking._repair`) or the
energy-aware dispatch opens a vehicle for a trip no running vehicle can take, the plan
holds blocks that end early in the day and others that start late. :func:`join_blocks`
lets a block's vehicle go on with a later block: block ``a`` and block ``b`` become one
when ``a``'s last trip reaches ``b``'s first trip in time (deadhead included) and the
joined block passes :func:`fleetopt.planning.block_check.check_block` (the one
definition of feasibility: its depot is that of ``a``'s first trip, as for every
block). Each accepted join removes one vehicle; every block it returns was checked.
"""

from __future__ import annotations

import time

import numpy as np

from fleetopt.planning.block_check import EPS, check_block
from fleetopt.planning.problem import GroupProblem

__all__ = ["JOIN_CANDIDATES", "join_blocks"]

#: Later blocks tried per block and round in :func:`join_blocks` (those that start soonest
#: after it can reach them, then longer waits).
JOIN_CANDIDATES = 30


def join_blocks(
    gp: GroupProblem,
    blocks: list[list[int]],
    depots: list[int],
    deadline: float,
    candidates: int = JOIN_CANDIDATES,
) -> tuple[list[list[int]], list[int]]:
    """Join blocks end to start while the joined block passes the exact check.

    Blocks are taken in the order of their last arrival (then last trip index); each
    tries the blocks its vehicle can reach next, least waiting first (at most
    ``candidates``, ties by block position), and takes the first whose joined day passes
    :func:`check_block`; a joined block tries again from its new end. Deterministic;
    stops early when ``deadline`` (``time.perf_counter``) passes.

    Parameters
    ----------
    gp : GroupProblem
        The group.
    blocks : list of list of int
        Feasible blocks (trip indices in time order).
    depots : list of int
        Depot of each block.
    deadline : float
        ``time.perf_counter`` value after which no more joins are tried.
    candidates : int
        Later blocks tried per block and round.

    Returns
    -------
    (list of list of int, list of int)
        The blocks (never more than given) and their depots, in departure order.
    """
    out = [list(b) for b in blocks]
    alive = np.ones(len(out), bool)
    first = np.array([b[0] for b in out], np.int64)
    dep_first = gp.dep_s[first]
    sp_first = gp.start_place[first]
    order = sorted(range(len(out)), key=lambda k: (gp.arr_s[out[k][-1]], out[k][-1]))
    for a in order:
        if not alive[a]:
            continue
        while time.perf_counter() < deadline:
            last = out[a][-1]
            slack = dep_first - (gp.arr_s[last] + gp.dh_s[gp.end_place[last], sp_first])
            cand = np.flatnonzero(alive & (slack >= -EPS))
            cand = cand[cand != a]
            cand = cand[np.lexsort((cand, slack[cand]))][:candidates]
            joined = False
            for b in cand.tolist():
                trial = out[a] + out[b]
                if check_block(gp, trial, depots[a]).feasible:
                    out[a] = trial
                    alive[b] = False
                    joined = True
                    break
            if not joined:
                break
    keep = sorted(np.flatnonzero(alive).tolist(), key=lambda k: (gp.dep_s[out[k][0]], out[k][0]))
    return [out[k] for k in keep], [depots[k] for k in keep]

"""Rule 4 of :mod:`fleetopt.simulation.taxi`: an idle taxi's drive to a demand hot spot.

With ``reposition_idle_min`` > 0, a taxi idle that long without interruption drives empty to
the nearest (road time; ties: lowest node) of the day's demand hot spots, if it is not at one
already, reaches it with energy above ``min_soc`` and the road path exists.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fleetopt.inputs.routing import split_combined

#: The :class:`fleetopt.simulation.taxi.TaxiDispatch` these functions work on (typed ``Any``:
#: the dispatch imports this module, and a type-only import back would be a cycle).
TaxiDispatch = Any

__all__ = ["ARRIVE", "reposition"]

#: Heap event kind of the dispatch loop: a taxi arriving at its hot spot.
ARRIVE = 2


def reposition(d: TaxiDispatch, i: int, epoch: int, now: float) -> None:
    """After ``reposition_idle_min`` of uninterrupted idling, drive taxi ``i`` to a hot spot."""
    if not d.idle[i] or d.idle_epoch[i] != epoch:
        return
    a = d.pos[i]
    if a in d._hot_set:
        return
    row = d.W[d.R[a]]
    t, ln = split_combined(row[d.hot_nodes])
    h = int(np.argmin(t))  # first minimum = lowest node (hot spots are sorted by rank)
    if not t[h] < d._row_exact_s(a):  # a hot spot beyond the cut row could be nearer
        row = d._full_row(a)
        t, ln = split_combined(row[d.hot_nodes])
        h = int(np.argmin(t))
    ties = np.flatnonzero(t == t[h])
    h = int(ties[np.argmin(d.hot_nodes[ties])])
    dest = int(d.hot_nodes[h])
    t_go, l_m = float(t[h]), float(ln[h])
    km = l_m / 1000.0
    ekm = d._ekm(i, t_go, l_m)
    if not math.isfinite(t_go) or (
        d.level[i] - ekm * d.rate[i] < d.min_level[i] - 1e-12
    ):
        return
    d._take(i)
    vid = d.taxis[i]["vehicle_id"]
    d.m.log.events.append((now, vid, "reposition", d.level[i], ""))
    f0 = d.fuel_used[i]
    e = d._drive(i, km, ekm)
    d.carry_fuel[i] += d.fuel_used[i] - f0
    d.carry_km[i] += km
    d.carry_ekm[i] += ekm
    d.carry_e[i] += e
    d.repo_km[i] += km
    d.repo_n[i] += 1
    if t_go > 0:
        d._push(now + t_go, ARRIVE, i, dest)
    else:
        d.pos[i] = dest
        d._become_idle(i, now)

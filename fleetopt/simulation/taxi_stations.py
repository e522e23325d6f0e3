"""A taxi's visit to a station: which station, the drive there, the charge, swap or refuel.

Rule 3 of :mod:`fleetopt.simulation.taxi`: after a drop-off, a battery taxi below
``taxi_charge_soc`` drives to the station that minimises travel time plus expected queue
wait and charges to ``taxi_target_soc`` (swap stations for swappable taxis, hydrogen
stations for fuel-cell taxis). The visit is the one part of the dispatch that runs as a
SimPy process, where the taxi shares plugs with the other fleets.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from fleetopt.inputs.routing import split_combined
from fleetopt.simulation.routes import energy_m

#: The :class:`fleetopt.simulation.taxi.TaxiDispatch` these functions work on (typed ``Any``:
#: the dispatch imports this module, and a type-only import back would be a cycle).
TaxiDispatch = Any

__all__ = ["PLUG_ONLY_FAST", "charge", "station_table", "to_station"]

#: A swappable taxi with no usable swap station picks its plug with :func:`_choose_plug`
#: (the same arithmetic as :func:`_choose`, with each node's drives kept); ``False`` makes it
#: use :func:`_choose` (the reference the tests compare it with).
PLUG_ONLY_FAST = True


def station_table(d: TaxiDispatch, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stations taxi ``i``'s kind can use: index, node, kind code and power or rate."""
    spec = d.specs[i]
    key = (spec.is_hydrogen, bool(spec.swappable))
    got: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = d._st_tables.get(key)
    if got is None:
        rows = []
        for s, st in enumerate(d.m.stations):
            if d.st_node[s] < 0 or st.plugs is None:
                continue
            if spec.is_hydrogen:
                if st.kind == "hydrogen":
                    rows.append((s, 0, st.kg_per_min))
            elif st.kind == "swap":
                if spec.swappable and st.stock is not None:
                    rows.append((s, 1, st.swap_s))
            elif st.kind in ("public", "depot"):
                rows.append((s, 2, 0.0))
        idx = np.array([x[0] for x in rows], dtype=np.int64)
        got = (
            idx,
            d.st_node[idx],
            np.array([x[1] for x in rows], dtype=np.int64),
            np.array([x[2] for x in rows], dtype=float),
        )
        d._st_tables[key] = got
    return got


def to_station(d: TaxiDispatch, i: int, now: float) -> None:
    """Pick the station with the least travel time plus expected queue; start the drive.

    Stations in file order; one replaces the best so far when it costs more than 1e-9 s
    less (travel time + queue length / plugs x the time to charge there). A taxi whose
    row was searched only part of the way (:meth:`TaxiDispatch._cut_rows`) decides on it
    when every station that could be compared lies inside it, else on its full row.
    """
    m = d.m
    a = d.pos[i]
    row = d.W[d.R[a]]
    best, sure = _choose(d, i, row, d._row_exact_s(a))
    if not sure:
        row = d._full_row(a)
        best, _ = _choose(d, i, row, math.inf)
    if best < 0:
        m.log.events.append(
            (now, d.taxis[i]["vehicle_id"], "no_reachable_station", d.level[i], "")
        )
        d._become_idle(i, now)
        return
    node = int(d.st_node[best])
    t_go, l_m = split_combined(row[node : node + 1])
    t_go_b, l_b = float(t_go[0]), float(l_m[0])
    d._drive(i, l_b / 1000.0, d._ekm(i, t_go_b, l_b))
    m.env.process(charge(d, i, best, node, t_go_b))


def _choose(d: TaxiDispatch, i: int, row: np.ndarray, exact_s: float) -> tuple[int, bool]:
    """Return the station taxi ``i`` picks on ``row`` (-1: none) and whether that is sure.

    ``row`` holds every node whose travel time is below ``exact_s`` (inf: every node). The
    pick is sure when the stations compared are the same as on a full row: every station
    no farther than the nearest one's cost (+1e-6 s) lies inside, and either more than 32
    usable stations lie inside (the comparison is then cut at that cost) or no station is
    missing.
    """
    spec = d.specs[i]
    m = d.m
    lvl = d.level[i]
    idx, nodes, code, par = station_table(d, i)
    best = -1
    if not idx.size:
        return best, True
    if code[0] == 2 and (not spec.swappable or (PLUG_ONLY_FAST and not (code != 2).any())):
        # plugs only (also a swappable taxi where no swap station is usable)
        return _choose_plug(d, i, row, exact_s)
    t_go, l_m = split_combined(row[nodes])
    e_m = energy_m(t_go, l_m) if d.sf_use[i] else l_m
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(t_go) & (
            lvl - e_m / 1000.0 * d.rate[i] >= d.min_level[i] - 1e-12
        )
    if code[0] == 0:  # hydrogen: refill the tank
        service = (spec.tank_kg * (1 - lvl)) / np.maximum(par, 1e-9) * 60.0
    elif code[0] == 1:  # swap bays
        service = par
    else:
        kw = d._kw.get(id(spec))
        if kw is None:
            sts = m.stations
            kw = np.array(
                [
                    min(sts[s].plug_kw, spec.max_charge_kw,
                        sts[s].grid_cap_kw * spec.charge_efficiency)
                    for s in idx.tolist()
                ]
            )
            d._kw[id(spec)] = kw
        service = (
            (m.opts.taxi_target_soc - lvl)
            * spec.battery_kwh
            / np.maximum(kw, 1e-9)
            * 3600.0
        )
    if code.size and (code != code[0]).any():  # swappable taxi: swap bays and plugs
        sts = m.stations
        service = np.array(
            [
                sts[s].swap_s if c == 1
                else (m.opts.taxi_target_soc - lvl) * spec.battery_kwh
                / max(min(sts[s].plug_kw, spec.max_charge_kw,
                          sts[s].grid_cap_kw * spec.charge_efficiency), 1e-9) * 3600.0
                for s, c in zip(idx.tolist(), code.tolist(), strict=True)
            ]
        )
    best_cost = math.inf
    tl, sl = t_go.tolist(), np.broadcast_to(service, t_go.shape).tolist()
    cand = ok.nonzero()[0]
    sure = exact_s == math.inf
    if cand.size > 32 or (not sure and cand.size):
        # a station whose drive alone takes longer than the cost of the nearest one
        # cannot be chosen: only the others are compared (in file order)
        near = int(cand[np.argmin(t_go[cand])])
        plugs = m.stations[int(idx[near])].plugs
        assert plugs is not None  # only stations with plugs are in the table
        busy = len(plugs.queue) + max(plugs.count - plugs.capacity + 1, 0)
        bound = tl[near] + busy / plugs.capacity * sl[near]
        if not sure:
            sure = bound + 1e-6 < exact_s and (
                cand.size > 32 or bool(np.isfinite(t_go).all())
            )
            if not sure:
                return -1, False
        if cand.size > 32:
            cand = cand[t_go[cand] <= bound + 1e-6]
    elif not sure:
        return -1, False  # no usable station inside the cut row
    for k in cand.tolist():
        if tl[k] >= best_cost - 1e-9:
            continue  # cost >= travel time: it cannot beat the best so far
        plugs = m.stations[int(idx[k])].plugs
        assert plugs is not None  # only stations with plugs are in the table
        busy = len(plugs.queue) + max(plugs.count - plugs.capacity + 1, 0)
        cost = tl[k] + busy / plugs.capacity * sl[k]
        if cost < best_cost - 1e-9:
            best, best_cost = int(idx[k]), cost
    return best, sure


def _choose_plug(d: TaxiDispatch, i: int, row: np.ndarray, exact_s: float) -> tuple[int, bool]:
    """:func:`_choose` for a taxi that only plugs in (the same arithmetic, the same pick).

    The drive to every station from the row's node (time, energy per km x rate, finite) is
    kept per node and row, in travel-time order (file order among equal times); only what
    depends on the charge level is computed per call, with array operations (a city offers
    thousands of depots): the stations that can take the taxi, the nearest of them and,
    past 32 of them, those no farther than the nearest one's cost (a prefix of that
    order). The few left are compared one by one in file order, as :func:`_choose` does.
    """
    spec = d.specs[i]
    m = d.m
    lvl = d.level[i]
    a = d.pos[i]
    idx, nodes, _, _ = station_table(d, i)
    key = (a, exact_s == math.inf, spec.is_hydrogen, bool(spec.swappable), d.sf_use[i], d.rate[i])
    got = d._st_rows.get(key)
    if got is None:
        t_go, l_m = split_combined(row[nodes])
        e_m = energy_m(t_go, l_m) if d.sf_use[i] else l_m
        with np.errstate(invalid="ignore"):
            need = e_m / 1000.0 * d.rate[i]
        fin = np.isfinite(t_go)
        srt = np.argsort(t_go, kind="stable")
        got = (srt, t_go[srt], need[srt], fin[srt], bool(fin.all()))
        d._st_rows[key] = got
    srt, t_s, need_s, fin_s, all_in = got
    kw = d._kw.get(id(spec))
    if kw is None:
        sts = m.stations
        kw = np.array(
            [
                min(sts[s].plug_kw, spec.max_charge_kw, sts[s].grid_cap_kw * spec.charge_efficiency)
                for s in idx.tolist()
            ]
        )
        d._kw[id(spec)] = kw
    kw_l = d._kw_l.get(id(spec))
    if kw_l is None:
        kw_l = np.maximum(kw, 1e-9).tolist()
        d._kw_l[id(spec)] = kw_l
    with np.errstate(invalid="ignore"):
        ok = fin_s & (lvl - need_s >= d.min_level[i] - 1e-12)  # in travel-time order
    n_ok = int(np.count_nonzero(ok))
    sure = exact_s == math.inf
    if not n_ok:
        return -1, sure
    energy = (m.opts.taxi_target_soc - lvl) * spec.battery_kwh  # / kW x 3600: service [s]
    idx_l, plugs_l, cap_l = _plug_lists(d, i, idx)
    if n_ok > 32 or not sure:
        first = int(ok.argmax())  # the first nearest (file order among equal times)
        near = int(srt[first])
        plugs = plugs_l[near]
        cap = cap_l[near]
        busy = len(plugs.queue) + max(len(plugs.users) - cap + 1, 0)
        bound = float(t_s[first]) + busy / cap * (energy / kw_l[near] * 3600.0)
        if not sure:
            sure = bound + 1e-6 < exact_s and (n_ok > 32 or all_in)
            if not sure:
                return -1, False
        if n_ok > 32:  # only stations whose drive is no longer than that cost
            ok = ok[: int(np.searchsorted(t_s, bound + 1e-6, side="right"))]
    pos = ok.nonzero()[0]
    files = srt[pos]
    by_file = np.argsort(files)
    best, best_cost = -1, math.inf
    for k, t_k in zip(files[by_file].tolist(), t_s[pos[by_file]].tolist(), strict=True):
        if t_k >= best_cost - 1e-9:
            continue  # cost >= travel time: it cannot beat the best so far
        plugs = plugs_l[k]
        cap = cap_l[k]
        busy = len(plugs.queue) + max(len(plugs.users) - cap + 1, 0)
        cost = t_k + busy / cap * (energy / kw_l[k] * 3600.0)
        if cost < best_cost - 1e-9:
            best, best_cost = idx_l[k], cost
    return best, sure


def _plug_lists(d: TaxiDispatch, i: int, idx: np.ndarray) -> tuple[list[int], list[Any], list[int]]:
    """Taxi ``i``'s stations (:func:`station_table`) as lists: index, plugs, plug count.

    The plugs are each station's ``simpy.Resource``; its users are ``len(plugs.users)``
    (``plugs.count``) and its plug count ``plugs.capacity``, fixed when it is made.
    """
    spec = d.specs[i]
    key = (spec.is_hydrogen, bool(spec.swappable))
    got: tuple[list[int], list[Any], list[int]] | None = d._st_plugs.get(key)
    if got is None:
        plugs = [d.m.stations[s].plugs for s in idx.tolist()]
        assert all(p is not None for p in plugs)  # only stations with plugs are in the table
        got = (idx.tolist(), plugs, [int(p.capacity) for p in plugs])
        d._st_plugs[key] = got
    return got


def charge(
    d: TaxiDispatch, i: int, s: int, node: int, t_go: float
) -> Generator[simpy.Event, Any, None]:
    """Drive to station ``s``, queue and charge (SimPy), then rejoin the dispatch loop."""
    m = d.m
    env = m.env
    spec = d.specs[i]
    st = m.stations[s]
    if t_go > 0:
        yield env.timeout(t_go)
    d.pos[i] = node
    state = d.states[i]
    vid = d.taxis[i]["vehicle_id"]
    if spec.is_hydrogen:
        state["h2"] = d.level[i] * spec.tank_kg
        yield from m.refuel(vid, "taxi", spec, st, state, m.t_end)
        d.level[i] = state["h2"] / spec.tank_kg
    elif st.kind == "swap":
        state["soc"] = d.level[i]
        yield from m.swap(vid, "taxi", spec, st, state, m.t_end)
        d.level[i] = state["soc"]
    else:
        state["soc"] = d.level[i]
        yield from m.charge(
            vid, "taxi", spec, st, state, m.t_end, target=m.opts.taxi_target_soc
        )
        d.level[i] = state["soc"]
    d._become_idle(i, env.now)
    # wake the loop if it sleeps past an event this taxi just scheduled
    if d._heap and d._heap[0][0] < d._wake_at and d._proc is not None:
        d._wake_at = -math.inf
        d._proc.interrupt()

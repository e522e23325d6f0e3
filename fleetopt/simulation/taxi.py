"""Dispatch taxis to ride requests, send them to chargers, and record what they served.

Dispatch rule (documented, deterministic):

1. A request arriving at time t goes to the idle taxi with the shortest road travel time
   to its origin (ties: lowest taxi id) among those that reach it within the request's
   ``max_wait_min`` and can drive pickup + trip without ending below ``min_soc`` (tank
   level for fuel-cell taxis; fuel taxis and plug-in hybrids always can: a phev drives on
   its battery down to ``min_soc``, then on gasoline).
2. If no taxi qualifies, the request waits (first in, first out). A taxi that becomes idle
   takes the oldest waiting request it can still reach in time with enough energy.
   Requests not picked up by their deadline are missed ("no taxi within max_wait").
3. After a drop-off, a battery taxi (bev or phev) below ``taxi_charge_soc`` drives to the
   station that minimises travel time plus expected queue wait (queue length / plugs x the
   time to charge to ``taxi_target_soc`` there; swap stations for swappable taxis,
   hydrogen stations for fuel-cell taxis), queues first come first served and charges to
   ``taxi_target_soc``.
4. Idle taxis wait where they are and draw no idle power - unless ``reposition_idle_min``
   (``[options]``, default 0 = never) is > 0: a taxi idle that long without interruption
   drives empty to the nearest (road time; ties: lowest node) of the
   ``reposition_hotspots`` demand hot spots - the road nodes with the most request origins
   of the day (ties: lowest node index) - if it is not at one already, reaches it with
   energy above ``min_soc`` and the road path exists. While it drives it is not
   dispatchable; on arrival it is idle again (dispatchable, takes the oldest waiting request
   it can reach, and stays at the hot spot). The drive's distance and energy are added to
   the deadhead and energy of the next request it serves (like a pickup drive); a drive
   after its last request counts in the vehicle's extra distance and energy (drawn kWh,
   hydrogen kg, or L / kg of fuel).

Travel times are shortest paths on the road network; distances are the lengths of those
same (time-shortest) paths. Routes are computed once from every node that matters (request
ends, start positions and stations): with a :class:`RouteCache` that days of a year share,
to every node; in a run of its own, a request origin's row to every node and the other
rows only as far as the longest wait (a station or hot-spot drive that the cut row cannot
decide reads the node's full row) - the same numbers either way. With more than 32 usable
stations, rule 3 compares only the stations whose drive alone is no longer than the
nearest station's cost (+1e-6 s): the others cannot win.

Implementation: one event loop (a single SimPy process) keeps requests, drop-offs and idle
timers in its own time-ordered heap and hands a taxi to SimPy only from its drive to a
station until it leaves it (where it shares plugs with the other fleets). Same-time events
keep the order in which they were scheduled, as SimPy orders them.

The route cache, the fleets' set-up, the idle-taxi search, a taxi's station visit, the
repositioning drive and the result tables are their own modules (``routes``, ``taxi_fleet``,
``taxi_search``, ``taxi_stations``, ``taxi_reposition``, ``taxi_tables``).
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import logging
import math
from array import array
from collections.abc import Generator
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import simpy

from fleetopt.inputs.routing import route_matrices as route_matrices  # noqa: PLC0414 (explicit re-export)
from fleetopt.inputs.routing import split_combined
from fleetopt.inputs.scenario import Fleet
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation import (
    taxi_fleet,
    taxi_reposition,
    taxi_search,
    taxi_stations,
    taxi_tables,
)
from fleetopt.simulation.kernel import Model
from fleetopt.simulation.routes import RouteCache, energy_m

logger = logging.getLogger(__name__)

#: Combined path weight per millisecond (see :func:`fleetopt.inputs.routing.route_matrices`).
_SPLIT = 1e6
#: Heap event kinds of the dispatch loop (a drop-off, an idle timer, a hot-spot arrival).
_DROP, _REPO, _ARRIVE = 0, 1, taxi_reposition.ARRIVE


def _flat(code: str, values: np.ndarray) -> array[Any]:
    """Per-request values the loop reads one at a time, as a flat array (8 bytes a value).

    Indexing gives the same Python int or float as a list would, without an object per
    value kept alive (a list of 1.94 M floats holds 32 bytes a value).
    """
    out: array[Any] = array(code)
    out.frombytes(np.ascontiguousarray(values, dtype=np.int64 if code == "q" else float).tobytes())
    return out


class TaxiDispatch:
    """Taxi fleets serving ride requests inside a :class:`~fleetopt.simulation.kernel.Model`.

    The requests and the taxis' drives are events of one loop with its own time-ordered
    heap (one SimPy process, no process per taxi or per request); the loop hands a taxi to
    SimPy only while it drives to and waits at a station, where it shares the plugs with the
    other fleets. ``BUCKETS = True`` finds the nearest idle taxi by scanning road nodes in
    travel-time order; ``False`` compares every idle taxi (the reference the tests check it
    against). Both apply the same rule.

    Parameters
    ----------
    model : Model
        The running model (environment, stations, log).
    fleets : list of (Fleet, DataFrame)
        Taxi fleets and their canonical requests.
    routes : RouteCache, optional
        Shortest-path rows to reuse (a new cache for this run when omitted).
    """

    BUCKETS = True

    def __init__(
        self,
        model: Model,
        fleets: list[tuple[Fleet, pd.DataFrame]],
        routes: RouteCache | None = None,
    ) -> None:
        self.m = model
        sc = model.sc
        opts = sc.options
        net = model.router.net if model.router is not None else None
        if net is None:  # pragma: no cover - engine always passes a router
            msg = "taxi dispatch needs a road network"
            raise ValueError(msg)
        self.net = net
        own = routes is None or routes.net is not net  # a cache of this run only
        if routes is None or routes.net is not net:
            routes = RouteCache(net)
        self.routes = routes
        self.req, self.taxis = taxi_fleet.requests_and_taxis(sc, net, fleets)
        taxis = self.taxis
        r = self.req
        onode, _ = net.nearest_nodes(
            r["origin_lon"].to_numpy(float), r["origin_lat"].to_numpy(float)
        )
        dnode, _ = net.nearest_nodes(
            r["destination_lon"].to_numpy(float), r["destination_lat"].to_numpy(float)
        )
        snode, _ = net.nearest_nodes(
            np.array([t["lon"] for t in taxis]), np.array([t["lat"] for t in taxis])
        )
        onode = np.asarray(onode, dtype=np.int64)
        dnode = np.asarray(dnode, dtype=np.int64)
        snode = np.asarray(snode, dtype=np.int64)
        st = model.prep.stations
        stnode = st["node"].to_numpy(np.int64) if len(st) else np.zeros(0, np.int64)
        # every node a taxi can stand at (request ends, starts, stations) gets its row
        at = np.zeros(net.n_nodes, dtype=bool)  # sorted distinct nodes, as np.unique gives
        for part in (onode, dnode, snode, stnode[stnode >= 0]):
            at[part] = True
        allnodes = np.flatnonzero(at).astype(np.int64)
        n = len(r)
        wait_s = r["max_wait_s"].to_numpy(float) if n else np.zeros(0)
        self._reach_s = float(wait_s.max()) if n else 0.0
        self._full_rows: dict[int, np.ndarray] = {}  # full rows of nodes with a cut row
        #: Combined weight up to which each row is exact (None: every row is full).
        self._row_lim: np.ndarray | None = None
        if own and n:
            trip_w = self._cut_rows(allnodes, onode, dnode)
        else:
            self.W, self.R, self._row_nodes = routes.rows(allnodes)
            trip_w = self.W[self.R[onode], dnode] if n else np.zeros(0)
        self.r_o = onode
        self.r_d = dnode
        self.st_node = stnode
        trip_t, trip_m = split_combined(trip_w)
        self.trip_s = trip_t
        self.trip_km = trip_m / 1000.0
        self._trip_m = trip_m
        self.served = np.zeros(n, dtype=bool)
        self.taken = np.zeros(n, dtype=bool)
        self.reason = np.full(n, "not dispatched before the horizon end", dtype=object)
        self.vehicle_idx = np.full(n, -1, dtype=np.int64)
        self.pickup_s = np.full(n, np.nan)
        self.drop_s = np.full(n, np.nan)
        self.dh_km = np.zeros(n)
        self.kwh = np.zeros(n)
        self.h2 = np.zeros(n)
        self.soc0 = np.full(n, np.nan)
        self.soc1 = np.full(n, np.nan)
        self.run_ekm = np.zeros(n)
        self.fuel_req = np.zeros(n)  # a phev's gasoline per served request [L]
        self.pending: list[int] = []
        self._dep = r["departure_s"].to_numpy(float) if n else np.zeros(0)
        self._wait = r["max_wait_s"].to_numpy(float) if n else np.zeros(0)
        self._limit = self._dep + self._wait  # latest pickup [s]
        self._limit_ok = np.where(np.isfinite(self.trip_s), self._limit, -np.inf)
        k = len(taxis)
        self.idle = [True] * k
        self.n_idle = k
        # per-taxi values the loop reads and writes, stored inline (8 bytes each, no object
        # per value: at 67,000 taxis they stay in the cache)
        self.pos: array[int] = array("q", snode.tolist())
        # idle taxis by road node, for the nearest-first scan
        self.bucket: dict[int, list[int]] = {}  # idle taxi ids by node, ascending
        n_at = np.zeros(net.n_nodes, dtype=np.int64)
        for i, u in enumerate(self.pos):
            self.bucket.setdefault(u, []).append(i)
            n_at[u] += 1
        self._has_idle = n_at > 0  # nodes with an idle taxi (the vectorised scan)
        self._near: dict[int, taxi_search.Near] = {}
        self._st_tables: dict[
            tuple[bool, bool], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ] = {}
        # the same stations' index, plugs and plug count as lists (taxi_stations._plug_lists)
        self._st_plugs: dict[tuple[bool, bool], tuple[list[int], list[Any], list[int]]] = {}
        self._kw: dict[int, np.ndarray] = {}  # plug power per station for a spec [kW]
        self._kw_l: dict[int, list[float]] = {}  # the same, at least 1e-9, as a list
        # drives to the stations from a node in time order: order, times, energy x rate, finite
        self._st_rows: dict[
            tuple[int, bool, bool, bool, bool, float],
            tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool],
        ] = {}
        over = model.sc.vehicles
        self.specs = [
            replace(model.prep.specs[("taxi", t["powertrain"])], **over[t["vehicle_id"]])
            if t["vehicle_id"] in over
            else model.prep.specs[("taxi", t["powertrain"])]
            for t in taxis
        ]
        # per-taxi state as plain lists and flat arrays (the loop reads and writes them per event)
        self.level: array[float] = array("d", [float(s.initial_soc) for s in self.specs])  # or tank
        self._batt = [s.is_battery for s in self.specs]
        self._h2 = [s.is_hydrogen for s in self.specs]
        self._phev = [s.is_plugin_hybrid for s in self.specs]
        self.cap: list[float] = [
            float(s.tank_kg)
            if s.is_hydrogen
            else (float(s.battery_kwh) if s.is_battery else math.inf)
            for s in self.specs
        ]
        self.rate: list[float] = [self._rate(s) for s in self.specs]  # per km in cap units
        # a phev never lacks energy (gasoline takes over at min_soc): no dispatch floor
        self.min_level: list[float] = [
            float(s.min_soc) if (s.is_battery or s.is_hydrogen) and not s.is_plugin_hybrid
            else -math.inf
            for s in self.specs
        ]
        self.km = array("d", [0.0]) * k
        self.drawn = array("d", [0.0]) * k
        self.h2_used = array("d", [0.0]) * k
        self.fuel_used = array("d", [0.0]) * k  # a phev's gasoline [L]
        self.carry_fuel = [0.0] * k
        # speed factor ([options] speed_factor): energy-equivalent lengths E = L x factor(L / T)
        self.sf_use = [
            bool(opts.speed_factor) and sp.energy_model != "constant" for sp in self.specs
        ]
        self._any_sf = any(self.sf_use)
        self.trip_ekm = (
            energy_m(self.trip_s, trip_m) / 1000.0 if self._any_sf
            else self.trip_km
        )
        self.carry_ekm = [0.0] * k
        # the drive to the current request: pickup km, energy km, energies, fuel at its start
        self._ride: list[tuple[float, float, float, float, float, float]] = [
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        ] * k
        # idle repositioning: hot spots, idle epochs, empty km/energy waiting for the next request
        self.repo_s = float(opts.reposition_idle_min) * 60.0
        per_node = np.bincount(onode, minlength=net.n_nodes)  # np.unique's values and counts
        uo = np.flatnonzero(per_node).astype(np.int64)
        counts = per_node[uo]
        order = np.lexsort((uo, -counts))
        k_hot = int(opts.reposition_hotspots)
        self.hot_nodes = uo[order[:k_hot]]
        self._hot_set = set(self.hot_nodes.tolist())
        self._repo_on = self.repo_s > 0 and self.hot_nodes.size > 0
        self.idle_epoch = [0] * k
        self.carry_km = [0.0] * k
        self.carry_e = [0.0] * k
        self.repo_km = [0.0] * k
        self.repo_n = [0] * k
        self.states = [
            {
                "soc": float(self.level[i]),
                "h2": float(self.level[i] * s.tank_kg),
                "charged_kwh": 0.0,
                "refuel_kg": 0.0,
                "idle_kwh": 0.0,
                "drawn": 0.0,
            }
            for i, s in enumerate(self.specs)
        ]
        # plain-list copies of what the loop reads per request, and its records
        self._ro = _flat("q", self.r_o)
        self._rd = _flat("q", self.r_d)
        self._dep_l = _flat("d", self._dep)
        self._lim_l = _flat("d", self._limit)
        self._trip_s_l = _flat("d", self.trip_s)
        self._trip_km_l = _flat("d", self.trip_km)
        self._trip_ekm_l = _flat("d", self.trip_ekm) if self._any_sf else self._trip_km_l
        self._nia_l: list[int] = n_at.tolist()  # idle taxis per node
        self._charges = [b or h for b, h in zip(self._batt, self._h2, strict=True)]
        # a battery taxi without the speed factor: _assign does its two drives inline
        self._plain_bev = [
            b and not p and not f
            for b, p, f in zip(self._batt, self._phev, self.sf_use, strict=True)
        ]
        self._charge_soc = float(opts.taxi_charge_soc)
        # the loop's records as flat doubles (8 bytes a value, no object per record):
        # (request, level, pickup time) per start
        self._starts = array("d")
        # (request, taxi, drop-off time, empty km, energy km, fuel, energy, level)
        self._drops = array("d")
        self._collected = False
        # the event loop: (time, sequence, kind, taxi, payload); sequence = scheduling order
        self._heap: list[tuple[float, int, int, int, int]] = []
        self._seq = 0
        self._wake_at = math.inf
        self._proc: simpy.Process | None = None
        #: Events the loop handled (requests, drop-offs, timers) - for the benchmarks.
        self.events = 0
        self._scan = self._scan_refs()

    def _scan_refs(self) -> tuple[Any, ...]:
        """Return what :func:`.taxi_search.nearest_idle` reads, in its order.

        Lists, dicts and arrays the loop changes in place only (``release_rows`` makes it again).
        """
        return (self._trip_s_l, self._ro, self._near, self._lim_l, self._trip_km_l,
                self._nia_l, self.bucket, self.level, self.rate, self.min_level, self.sf_use,
                self._has_idle)

    def _rate(self, spec: VehicleSpec) -> float:
        if spec.is_hydrogen:
            return float(spec.kg_per_100km / 100.0 / spec.tank_kg)
        if spec.is_battery:
            return float(spec.kwh_per_km * self.m.factor(spec) / spec.battery_kwh)
        return 0.0

    # -- routes ------------------------------------------------------------------------------------
    def _cut_rows(self, nodes: np.ndarray, onode: np.ndarray, dnode: np.ndarray) -> np.ndarray:
        """Rows searched only as far as this run reads them; return the trips' weights.

        A request origin's row is full (its trips); any other node's row (drop-off points,
        starts, stations) only reaches the longest wait, as far as a pickup reads it. The
        values read are the full rows' values (:meth:`RouteCache.rows_within`); station and
        hot-spot drives fall back to a full row where the cut row cannot decide
        (:meth:`_full_row`).
        """
        r_s = self._reach_s
        reach = (math.ceil(r_s * 1000.0) + 2) * _SPLIT if math.isfinite(r_s) else math.inf
        lim = np.full(nodes.size, reach)
        lim[np.searchsorted(nodes, onode)] = math.inf
        self.W, self._row_lim = self.routes.rows_within(nodes, lim)
        row_of = np.full(self.net.n_nodes, -1, dtype=np.int64)
        row_of[nodes] = np.arange(nodes.size)
        self.R, self._row_nodes = row_of, nodes
        trip_w: np.ndarray = self.W[row_of[onode], dnode]
        return trip_w

    def _row_exact_s(self, a: int) -> float:
        """Travel time [s] below which node ``a``'s row holds every node (inf: a full row)."""
        if self._row_lim is None:
            return math.inf
        lim = float(self._row_lim[self.R[a]])
        return math.floor(lim / _SPLIT) / 1000.0 if lim < math.inf else math.inf

    def _full_row(self, a: int) -> np.ndarray:
        """Node ``a``'s row to every node (computed once when its own row is cut)."""
        if self._row_exact_s(a) == math.inf:
            own: np.ndarray = self.W[self.R[a]]
            return own
        got = self._full_rows.get(a)
        if got is None:
            w, row_of, _ = self.routes.rows(np.array([a]))
            got = w[row_of[a]]
            self._full_rows[a] = got
        return got

    def release_rows(self) -> None:
        """Free this run's route rows and search cache after the clock (no table reads them)."""
        self.W, self._full_rows = np.zeros((0, self.net.n_nodes)), {}
        self._near = {}
        self._scan = self._scan_refs()

    def _route(self, a: int, b: int) -> tuple[float, float]:
        """Travel time [s] and length [m] of the time-shortest path from node a to node b."""
        w = float(self.W[self.R[a], b])
        if w == math.inf:
            return math.inf, math.inf
        ms = math.floor(w / _SPLIT)
        return ms / 1000.0, w - ms * _SPLIT

    def _ekm(self, i: int, t_s: float, l_m: float) -> float:
        """Energy-equivalent length [km] of a path of ``t_s`` and ``l_m`` for taxi ``i``."""
        if not self.sf_use[i]:
            return l_m / 1000.0
        return float(energy_m(np.array([t_s]), np.array([l_m]))[0]) / 1000.0

    # -- the loop ----------------------------------------------------------------------------------
    def processes(self) -> list[Generator[simpy.Event, Any, None]]:
        """Return the dispatch loop (one SimPy process for all taxis and requests)."""
        return [self._loop()]

    def _push(self, t: float, kind: int, i: int, x: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, kind, i, x))

    def _loop(self) -> Generator[simpy.Event, Any, None]:
        """Handle requests and taxi events in time order; yield to SimPy only when it matters.

        An event earlier than every pending SimPy event is handled at once (nothing else can
        happen before it); otherwise the loop sleeps until it. Same-time events keep the order
        they were scheduled in, requests of one instant first-come-first-served.
        """
        env = self.m.env
        self._proc = env.active_process
        heap = self._heap
        heappop, drop = heapq.heappop, self._drop
        dep = self._dep_l
        nreq = len(dep)
        t0 = self.m.t0
        t_stop = self.m.t_end + 1e-6
        j = 0
        t_prev = env.now  # when the request stream last advanced
        rseq = -1  # scheduling order of the next request instant
        inf = math.inf
        peek = env.peek
        request = self._request
        nearest = taxi_search.nearest_idle if self.BUCKETS else None
        assign, reason = self._assign, self.reason
        # SimPy's next event: it changes only while the loop yields or starts a station visit
        nxt = peek()
        while True:
            if j < nreq:
                d = dep[j]
                tr = t_prev + (d - t_prev) if d > t_prev else t_prev
            else:
                tr = inf
            if heap:
                h0 = heap[0]
                th = h0[0]
                use_req = tr < th or (tr == th and rseq < h0[1])
                t = tr if use_req else th
            else:
                use_req, t = True, tr
            if t >= t_stop:
                self._wake_at = inf
                with contextlib.suppress(simpy.Interrupt):
                    yield env.event()  # sleep until a taxi leaving a station schedules more
                self._wake_at = inf
                nxt = peek()
                continue
            if t >= nxt:
                self._wake_at = t
                try:  # noqa: SIM105 (a plain try: no context manager made per sleep, 0.37 us)
                    yield env.timeout(t - env.now)
                except simpy.Interrupt:
                    pass
                self._wake_at = inf
                nxt = peek()
                continue  # re-read: SimPy events may have scheduled earlier taxi events
            self.events += 1
            if use_req:
                self._seq += 1
                rseq_next = self._seq  # the next instant was scheduled before this one's drives
                while True:
                    if nearest is None or dep[j] < t0:
                        request(j, t, t0)
                    else:  # _request's nearest-first case, inline
                        best, m, l_m = nearest(self, j, t)
                        if best >= 0:
                            assign(best, j, t, m / 1000.0, l_m)
                        else:
                            self.pending.append(j)
                            reason[j] = "no taxi within max_wait"
                    j += 1
                    if j >= nreq or dep[j] > t:
                        break
                t_prev = t
                rseq = rseq_next
                continue
            _, _, kind, i, x = heappop(heap)
            if kind == _DROP:
                if drop(i, x, t):
                    if env.now < t:  # the station queues must be read at this instant
                        self._wake_at = t
                        yield env.timeout(t - env.now)
                        self._wake_at = inf
                    taxi_stations.to_station(self, i, t)
                    nxt = peek()
            elif kind == _REPO:
                taxi_reposition.reposition(self, i, x, t)
            else:
                self.pos[i] = x
                self._become_idle(i, t)

    def _request(self, j: int, now: float, t0: float) -> None:
        if self._dep_l[j] < t0:
            self.reason[j] = "before the horizon"
            return
        if self.BUCKETS:
            best, m, l_m = taxi_search.nearest_idle(self, j, now)
            if best >= 0:
                self._assign(best, j, now, m / 1000.0, l_m)
                return
        else:
            best = taxi_search.best_taxi(self, j, now)
            if best >= 0:
                self._assign(best, j, now)
                return
        self.pending.append(j)
        self.reason[j] = "no taxi within max_wait"

    def _feasible(self, i: int, j: int, t_s: float, l_m: float) -> bool:
        """Return whether taxi ``i`` can drive a pickup (``t_s``, ``l_m``) and trip ``j``."""
        if self.sf_use[i]:
            need = self._ekm(i, t_s, l_m) + float(self.trip_ekm[j])
        else:
            need = l_m / 1000.0 + float(self.trip_km[j])
        return self.level[i] - need * self.rate[i] >= self.min_level[i] - 1e-12

    def _set_idle(self, i: int, now: float) -> None:
        self.idle[i] = True
        self.n_idle += 1
        u = self.pos[i]
        got = self.bucket.get(u)
        if got is None:
            self.bucket[u] = [i]
        else:
            bisect.insort(got, i)
        nia = self._nia_l
        if not nia[u]:
            self._has_idle[u] = True
        nia[u] += 1
        if self._repo_on:
            self.idle_epoch[i] += 1
            self._push(now + self.repo_s, _REPO, i, self.idle_epoch[i])

    def _take(self, i: int) -> None:
        self.idle[i] = False
        self.n_idle -= 1
        u = self.pos[i]
        got = self.bucket[u]
        del got[bisect.bisect_left(got, i)]
        nia = self._nia_l
        nia[u] -= 1
        if not nia[u]:
            self._has_idle[u] = False

    def _assign(
        self, i: int, j: int, now: float, pick_s: float = -1.0, pick_m: float = 0.0
    ) -> None:
        """Send idle taxi ``i`` to request ``j``: it drives now, drops the rider later.

        ``pick_s`` and ``pick_m`` are the pickup route's time and length when known.
        """
        self._take(i)
        if pick_s < 0:
            pick_s, pick_m = self._route(self.pos[i], self._ro[j])
        pick_km = pick_m / 1000.0
        trip_km = self._trip_km_l[j]
        level = self.level
        soc0 = level[i]
        f0 = self.fuel_used[i]
        if self._plain_bev[i]:
            # _drive twice, inline (the same operations in the same order)
            km, rate, cap, drawn = self.km, self.rate, self.cap, self.drawn
            km[i] += pick_km
            use = pick_km * rate[i]
            level[i] -= use
            e1 = use * cap[i]
            drawn[i] += e1
            km[i] += trip_km
            use = trip_km * rate[i]
            level[i] -= use
            e2 = use * cap[i]
            drawn[i] += e2
            self._ride[i] = (pick_km, pick_km, trip_km, e1, e2, f0)
        else:
            if self.sf_use[i]:
                pick_ekm = self._ekm(i, pick_s, pick_m)
                trip_ekm = self._trip_ekm_l[j]
            else:
                pick_ekm, trip_ekm = pick_km, trip_km
            e1 = self._drive(i, pick_km, pick_ekm)
            e2 = self._drive(i, trip_km, trip_ekm)
            self._ride[i] = (pick_km, pick_ekm, trip_ekm, e1, e2, f0)
        self._starts.fromlist([j, soc0, now + pick_s])  # a list: half extend's time
        self._seq += 1
        heapq.heappush(
            self._heap, (now + (pick_s + self._trip_s_l[j]), self._seq, _DROP, i, j)
        )

    def _drive(self, i: int, km: float, ekm: float) -> float:
        """Drive ``km`` (energy as for ``ekm`` km); return energy in cap units x cap.

        A phev draws its battery down to ``min_soc``; the share of the drive the battery
        cannot cover burns gasoline (added to ``fuel_used``).
        """
        self.km[i] += km
        use = ekm * self.rate[i]
        if self._phev[i]:
            spec = self.specs[i]
            avail = max(self.level[i] - spec.min_soc, 0.0)
            got = min(use, avail)
            self.level[i] = spec.min_soc if got >= avail > 0 else self.level[i] - got
            rest = (use - got) / use if use > 0 else 0.0
            self.fuel_used[i] += rest * ekm * spec.fuel_per_100km / 100.0
            batt = got * self.cap[i]
            self.drawn[i] += batt
            return batt
        if self._batt[i] or self._h2[i]:
            self.level[i] -= use
            amount = use * self.cap[i]
            if self._batt[i]:
                self.drawn[i] += amount
            else:
                self.h2_used[i] += amount
            return amount
        return 0.0

    def _drop(self, i: int, j: int, now: float) -> bool:
        """Record the drop-off of request ``j``; return whether taxi ``i`` must now charge."""
        pick_km, pick_ekm, trip_ekm, e1, e2, f0 = self._ride[i]
        if self._repo_on:
            # a repositioning drive before this pickup is part of its empty drive
            dh = pick_km + self.carry_km[i]
            run = trip_ekm + (pick_ekm + self.carry_ekm[i])
            e1 += self.carry_e[i]
            fuel = self.fuel_used[i] - f0 + self.carry_fuel[i]
            self.carry_km[i] = 0.0
            self.carry_ekm[i] = 0.0
            self.carry_e[i] = 0.0
            self.carry_fuel[i] = 0.0
        else:  # nothing carried (adding 0.0 would change no bit)
            dh = pick_km
            run = trip_ekm + pick_ekm
            fuel = self.fuel_used[i] - f0
        lvl = self.level[i]
        self._drops.fromlist([j, i, now, dh, run, fuel, e1 + e2, lvl])
        self.pos[i] = self._rd[j]
        if self._charges[i] and lvl < self._charge_soc:
            return True
        if self.pending:
            self._become_idle(i, now)
        else:
            self._set_idle(i, now)
        return False

    def _become_idle(self, i: int, now: float) -> None:
        """Mark taxi ``i`` idle, drop expired waiting requests, serve the oldest it can reach."""
        if not self.pending:
            self._set_idle(i, now)
            return
        if len(self.pending) > 48:
            taxi_search.become_idle_many(self, i, now)
            return
        lim = self._lim_l
        alive = [p for p in self.pending if now <= lim[p] + 1e-9]
        self._set_idle(i, now)
        u = self.pos[i]
        for k, p in enumerate(alive):
            if not self._trip_s_l[p] < math.inf:
                continue
            pick, l_m = self._route(u, self._ro[p])
            if now + pick <= lim[p] + 1e-9 and pick < math.inf and self._feasible(i, p, pick, l_m):
                del alive[k]
                self.pending = alive
                self._assign(i, p, now, pick, l_m)
                return
        self.pending = alive

    # -- tables ------------------------------------------------------------------------------------

    def trips_table(self) -> pd.DataFrame:
        """Return the requests as rows of the result's trips table (:mod:`.taxi_tables`)."""
        return taxi_tables.trips_table(self)

    def vehicles_table(self) -> pd.DataFrame:
        """Return one row per taxi and record their totals in the log (:mod:`.taxi_tables`)."""
        return taxi_tables.vehicles_table(self)

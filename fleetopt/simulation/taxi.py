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
ends, start positions and stations) to every node, in a :class:`RouteCache` that days of a
year share. With more than 32 usable stations, rule 3 compares only the stations whose
drive alone is no longer than the nearest station's cost (+1e-6 s): the others cannot win.

Implementation: one event loop (a single SimPy process) keeps requests, drop-offs and idle
timers in its own time-ordered heap and hands a taxi to SimPy only from its drive to a
station until it leaves it (where it shares plugs with the other fleets). Same-time events
keep the order in which they were scheduled, as SimPy orders them.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import logging
import math
import threading
from collections.abc import Generator
from dataclasses import replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import simpy
from scipy import sparse
from scipy.sparse import csgraph

from fleetopt import powertrains as pts
from fleetopt.domain.energy import speed_factor
from fleetopt.inputs.road_graph import RoadNetwork
from fleetopt.inputs.routing import combined_graph, split_combined
from fleetopt.inputs.routing import route_matrices as route_matrices  # noqa: PLC0414 (explicit re-export)
from fleetopt.inputs.scenario import Fleet
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.kernel import Model

logger = logging.getLogger(__name__)

#: Sources per Dijkstra call (bounds the temporary memory of one call).
_CHUNK = 128
#: Combined path weight per millisecond (see :func:`fleetopt.inputs.routing.route_matrices`).
_SPLIT = 1e6
#: Heap event kinds of the dispatch loop.
_DROP, _REPO, _ARRIVE = 0, 1, 2
#: Nearest nodes of an origin scanned as plain lists before the vectorised scan.
_HEAD = 64


class _Taxi(TypedDict):
    """One taxi of the dispatch: id, powertrain, fleet label and start position [deg]."""

    vehicle_id: str
    powertrain: str
    fleet: str
    lon: float
    lat: float


class RouteCache:
    """Time-shortest paths from source nodes to every node of one road network, kept for reuse.

    Each row holds the combined path weights ``time_ms x 1e6 + length_m`` from one source
    node to every node (:func:`fleetopt.inputs.routing.route_matrices` splits the same
    numbers into time and length). Rows are computed on first use and only ever added,
    so days of a year that share request ends reuse them (pass one cache to every
    :class:`TaxiDispatch` of the same network). Thread-safe; the arrays handed out are
    read-only.

    Parameters
    ----------
    net : RoadNetwork
        The road network the rows belong to.
    """

    def __init__(self, net: RoadNetwork) -> None:
        self.net = net
        self._lock = threading.Lock()
        self._graph: sparse.csr_matrix | None = None
        self.row_of = np.full(net.n_nodes, -1, dtype=np.int64)
        self.nodes = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros((0, net.n_nodes))
        self.weights.setflags(write=False)
        #: Rows computed so far (a reused row is not counted again).
        self.computed = 0

    def rows(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Make sure every node in ``nodes`` has its row; return the current arrays.

        Returns
        -------
        weights : numpy.ndarray
            ``rows x n_nodes`` combined weights (inf where unreachable), read-only.
        row_of : numpy.ndarray
            Row of each network node (-1 without a row).
        nodes : numpy.ndarray
            Source node of each row.
        """
        want = np.unique(np.asarray(nodes, dtype=np.int64))
        with self._lock:
            missing = want[self.row_of[want] < 0]
            if missing.size:
                if self._graph is None:
                    self._graph = combined_graph(self.net)
                old = self.weights
                n0 = old.shape[0]
                new = np.empty((n0 + missing.size, old.shape[1]))
                new[:n0] = old
                for a in range(0, missing.size, _CHUNK):
                    src = missing[a : a + _CHUNK]
                    new[n0 + a : n0 + a + src.size] = csgraph.dijkstra(
                        self._graph, directed=True, indices=src
                    )
                new.setflags(write=False)
                row_of = self.row_of.copy()
                row_of[missing] = np.arange(n0, n0 + missing.size)
                self.weights, self.row_of = new, row_of
                self.nodes = np.concatenate([self.nodes, missing])
                self.computed += int(missing.size)
            return self.weights, self.row_of, self.nodes


def _energy_m(time_s: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """Energy-equivalent lengths [m]: length x speed factor of the path's mean speed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = length_m / time_s * 3.6
    out: np.ndarray = length_m * speed_factor(speed)
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
        if routes is None or routes.net is not net:
            routes = RouteCache(net)
        self.routes = routes
        reqs: list[pd.DataFrame] = []
        taxis: list[_Taxi] = []
        for fleet, df in fleets:
            size = fleet.size or int(df.attrs.get("vehicles", 0)) or 1
            d = (
                df.sort_values(["departure_s", "request_id"], kind="stable")
                .reset_index(drop=True)
                .copy()
            )
            d["fleet"] = fleet.name
            wait = (
                d["max_wait_min"].to_numpy(float)
                if "max_wait_min" in d
                else np.full(len(d), np.nan)
            )
            default_wait = (
                fleet.max_wait_min if fleet.max_wait_min is not None else opts.max_wait_min
            )
            d["max_wait_s"] = np.where(np.isnan(wait), default_wait, wait) * 60.0
            reqs.append(d)
            rng = np.random.default_rng([sc.seed, fleet.index, 1])
            pts_ = self._powertrains(fleet, size, rng)
            if fleet.start:
                starts = [fleet.start[i % len(fleet.start)] for i in range(size)]
            elif len(d):
                pick = rng.integers(0, len(d), size=size)
                starts = list(
                    zip(
                        d["origin_lon"].to_numpy()[pick],
                        d["origin_lat"].to_numpy()[pick],
                        strict=True,
                    )
                )
            else:
                starts = [(float(net.lon[0]), float(net.lat[0]))] * size
            multi = len(fleets) > 1
            for i in range(size):
                tid = f"{fleet.name}:taxi-{i + 1:05d}" if multi else f"taxi-{i + 1:05d}"
                taxis.append(
                    {
                        "vehicle_id": tid,
                        "powertrain": pts_[i],
                        "fleet": fleet.name,
                        "lon": float(starts[i][0]),
                        "lat": float(starts[i][1]),
                    }
                )
        self.req = (
            pd.concat(reqs, ignore_index=True)
            .sort_values(["departure_s", "request_id"], kind="stable")
            .reset_index(drop=True)
            if reqs
            else pd.DataFrame()
        )
        self.taxis = taxis
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
        allnodes = np.unique(np.concatenate([onode, dnode, snode, stnode[stnode >= 0]]))
        self.W, self.R, self._row_nodes = routes.rows(allnodes)
        self.r_o = onode
        self.r_d = dnode
        self.st_node = stnode
        n = len(r)
        trip_t, trip_m = split_combined(self.W[self.R[onode], dnode] if n else np.zeros(0))
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
        self._reach_s = float(self._wait.max()) if n else 0.0
        self._limit = self._dep + self._wait  # latest pickup [s]
        self._limit_ok = np.where(np.isfinite(self.trip_s), self._limit, -np.inf)
        k = len(taxis)
        self.idle = [True] * k
        self.n_idle = k
        self.pos: list[int] = snode.tolist()
        # idle taxis by road node, for the nearest-first scan
        self.bucket: dict[int, list[int]] = {}  # idle taxi ids by node, ascending
        self.n_idle_at = np.zeros(net.n_nodes, dtype=np.int64)
        for i, u in enumerate(self.pos):
            self.bucket.setdefault(u, []).append(i)
            self.n_idle_at[u] += 1
        self._near: dict[int, tuple[np.ndarray, np.ndarray, list[int], list[int], int]] = {}
        self._st_tables: dict[
            tuple[bool, bool], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ] = {}
        self._kw: dict[int, np.ndarray] = {}  # plug power per station for a spec [kW]
        over = model.sc.vehicles
        self.specs = [
            replace(model.prep.specs[("taxi", t["powertrain"])], **over[t["vehicle_id"]])
            if t["vehicle_id"] in over
            else model.prep.specs[("taxi", t["powertrain"])]
            for t in taxis
        ]
        # per-taxi state as plain lists (the loop reads and writes them per event)
        self.level: list[float] = [float(s.initial_soc) for s in self.specs]  # soc or tank
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
        self.km = [0.0] * k
        self.drawn = [0.0] * k
        self.h2_used = [0.0] * k
        self.fuel_used = [0.0] * k  # a phev's gasoline [L]
        self.carry_fuel = [0.0] * k
        # speed factor ([options] speed_factor): energy-equivalent lengths E = L x factor(L / T)
        self.sf_use = [
            bool(opts.speed_factor) and sp.energy_model != "constant" for sp in self.specs
        ]
        self._any_sf = any(self.sf_use)
        self.trip_ekm = (
            _energy_m(self.trip_s, trip_m) / 1000.0 if self._any_sf
            else self.trip_km
        )
        self.carry_ekm = [0.0] * k
        # the drive to the current request: pickup km, energy km, energies, fuel at its start
        self._ride: list[tuple[float, float, float, float, float, float]] = [
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        ] * k
        # idle repositioning: hot spots, idle epochs, empty km/energy waiting for the next request
        self.repo_s = float(opts.reposition_idle_min) * 60.0
        uo, counts = (np.unique(onode, return_counts=True) if n
                      else (np.zeros(0, np.int64), np.zeros(0, np.int64)))
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
        self._ro: list[int] = self.r_o.tolist()
        self._rd: list[int] = self.r_d.tolist()
        self._dep_l: list[float] = self._dep.tolist()
        self._lim_l: list[float] = self._limit.tolist()
        self._trip_s_l: list[float] = self.trip_s.tolist()
        self._trip_km_l: list[float] = self.trip_km.tolist()
        self._trip_ekm_l: list[float] = np.asarray(self.trip_ekm, dtype=float).tolist()
        self._rows_l: list[int] = self.R.tolist()
        self._nia_l: list[int] = self.n_idle_at.tolist()
        self._charges = [b or h for b, h in zip(self._batt, self._h2, strict=True)]
        self._charge_soc = float(opts.taxi_charge_soc)
        self._starts: list[tuple[int, float, float]] = []  # (request, level, pickup time)
        # (request, taxi, drop-off time, empty km, energy km, fuel, energy, level)
        self._drops: list[tuple[int, int, float, float, float, float, float, float]] = []
        self._collected = False
        # the event loop: (time, sequence, kind, taxi, payload); sequence = scheduling order
        self._heap: list[tuple[float, int, int, int, int]] = []
        self._seq = 0
        self._wake_at = math.inf
        self._proc: simpy.Process | None = None
        #: Events the loop handled (requests, drop-offs, timers) - for the benchmarks.
        self.events = 0

    def _powertrains(self, fleet: Fleet, size: int, rng: np.random.Generator) -> list[str]:
        pt = fleet.powertrain or "bev"
        if isinstance(pt, str):
            return [pt] * size
        names = sorted(pt)
        raw = np.array([pt[x] for x in names], float) * size
        counts = np.floor(raw).astype(int)
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[: size - counts.sum()]] += 1
        labels = list(np.repeat(names, counts))
        rng.shuffle(labels)
        return [str(x) for x in labels]

    def _rate(self, spec: VehicleSpec) -> float:
        if spec.is_hydrogen:
            return float(spec.kg_per_100km / 100.0 / spec.tank_kg)
        if spec.is_battery:
            return float(spec.kwh_per_km * self.m.factor(spec) / spec.battery_kwh)
        return 0.0

    # -- routes ------------------------------------------------------------------------------------
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
        return float(_energy_m(np.array([t_s]), np.array([l_m]))[0]) / 1000.0

    def _near_of(self, o: int) -> tuple[np.ndarray, np.ndarray, list[int], list[int], int]:
        """Nodes that reach node ``o`` within the longest wait, by travel time (cached per node).

        Returns the nodes, their travel times to ``o`` in whole milliseconds, the first
        :data:`_HEAD` of both as lists (scanned without numpy) and the last time.
        """
        got = self._near.get(o)
        if got is None:
            col = self.W[:, o]
            ok = np.flatnonzero(col <= (self._reach_s * 1000.0 + 1.0) * _SPLIT)
            ms = np.floor(col[ok] / _SPLIT).astype(np.int64)
            order = np.argsort(ms, kind="stable")
            # int32: node ids < 2**31, times < 2**31 ms (half the memory of the full city's lists)
            nodes = self._row_nodes[ok[order]].astype(np.int32)
            ms = ms[order].astype(np.int32)
            got = (
                nodes,
                ms,
                nodes[:_HEAD].tolist(),
                ms[:_HEAD].tolist(),
                int(ms[-1]) if ms.size else -1,
            )
            self._near[o] = got
        return got

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
        dep = self._dep.tolist()
        nreq = len(dep)
        t0 = self.m.t0
        t_stop = self.m.t_end + 1e-6
        j = 0
        t_prev = env.now  # when the request stream last advanced
        rseq = -1  # scheduling order of the next request instant
        inf = math.inf
        while True:
            if j < nreq:
                d = dep[j]
                tr = t_prev + (d - t_prev) if d > t_prev else t_prev
            else:
                tr = inf
            use_req = not heap or (tr, rseq) < heap[0][:2]
            t = tr if use_req else heap[0][0]
            if t >= t_stop:
                self._wake_at = inf
                with contextlib.suppress(simpy.Interrupt):
                    yield env.event()  # sleep until a taxi leaving a station schedules more
                continue
            if t >= env.peek():
                self._wake_at = t
                with contextlib.suppress(simpy.Interrupt):
                    yield env.timeout(t - env.now)
                self._wake_at = inf
                continue  # re-read: SimPy events may have scheduled earlier taxi events
            self._wake_at = inf
            self.events += 1
            if use_req:
                self._seq += 1
                rseq_next = self._seq  # the next instant was scheduled before this one's drives
                while True:
                    self._request(j, t, t0)
                    j += 1
                    if j >= nreq or dep[j] > t:
                        break
                t_prev = t
                rseq = rseq_next
                continue
            _, _, kind, i, x = heapq.heappop(heap)
            if kind == _DROP:
                if self._drop(i, x, t):
                    if env.now < t:  # the station queues must be read at this instant
                        self._wake_at = t
                        yield env.timeout(t - env.now)
                        self._wake_at = inf
                    self._to_station(i, t)
            elif kind == _REPO:
                self._reposition(i, x, t)
            else:
                self.pos[i] = x
                self._become_idle(i, t)

    def _request(self, j: int, now: float, t0: float) -> None:
        if self._dep_l[j] < t0:
            self.reason[j] = "before the horizon"
            return
        if self.BUCKETS:
            best, m, l_m = self._nearest_idle(j, now)
            if best >= 0:
                self._assign(best, j, now, m / 1000.0, l_m)
                return
        else:
            best = self._best_taxi(j, now)
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

    def _best_taxi(self, j: int, now: float) -> int:
        """Apply the rule by comparing every idle taxi (the reference for the node scan)."""
        if not np.isfinite(self.trip_s[j]):
            return -1
        o = int(self.r_o[j])
        limit = float(self._dep[j] + self._wait[j])
        best, best_t = -1, math.inf
        for i, free in enumerate(self.idle):
            if not free:
                continue
            t_s, l_m = self._route(self.pos[i], o)
            if not now + t_s <= limit + 1e-9 or not math.isfinite(t_s):
                continue
            if self._feasible(i, j, t_s, l_m) and (t_s < best_t or (t_s == best_t and i < best)):
                best, best_t = i, t_s
        return best

    def _nearest_idle(self, j: int, now: float) -> tuple[int, int, float]:
        """Apply :meth:`_best_taxi`'s rule, scanning nodes by travel time, not every idle taxi.

        Nodes come nearest first; at a node the idle taxis are kept sorted by id, so the
        first one with enough energy is the node's candidate. Returns the taxi (-1: none),
        its pickup time [ms] and pickup length [m].
        """
        if not self._trip_s_l[j] < math.inf:
            return -1, 0, 0.0
        o = self._ro[j]
        nodes, ms, head_n, head_ms, last = self._near_of(o)
        x = self._lim_l[j] - now + 1e-9  # longest pickup [s]
        # the last whole millisecond c with c / 1000 <= x (the times compare in seconds)
        c = math.floor(x * 1000.0)
        while (c + 1) / 1000.0 <= x:
            c += 1
        while c >= 0 and c / 1000.0 > x:
            c -= 1
        k = len(ms) if c >= last else int(ms.searchsorted(c, side="right"))
        if k == 0:
            return -1, 0, 0.0
        best, best_ms, best_l = -1, -1, 0.0
        nia = self._nia_l
        bucket = self.bucket
        level, rate, min_l, sf = self.level, self.rate, self.min_level, self.sf_use
        trip_km = self._trip_km_l[j]
        wrow, rows = self.W, self._rows_l
        hk = min(k, len(head_n))
        for h in range(hk):
            u = head_n[h]
            if not nia[u]:
                continue
            m = head_ms[h]
            if best >= 0 and m > best_ms:
                return best, best_ms, best_l
            l_m = float(wrow[rows[u], o]) - m * _SPLIT
            need_l = l_m / 1000.0 + trip_km
            for i in bucket[u]:  # ascending ids: the first that can go is the node's pick
                if best >= 0 and m == best_ms and i > best:
                    break
                if sf[i]:
                    ok = self._feasible(i, j, m / 1000.0, l_m)
                else:
                    ok = level[i] - need_l * rate[i] >= min_l[i] - 1e-12
                if ok:
                    best, best_ms, best_l = i, m, l_m
                    break
        if best >= 0 and (hk >= k or int(ms[hk]) > best_ms):
            return best, best_ms, best_l
        nia_a = self.n_idle_at
        # then blocks of about four idle taxis' worth of nodes when they are spread evenly
        a, step = hk, max(16, 4 * nia_a.size // max(self.n_idle, 1))
        while a < k:
            b = min(k, a + step)
            for h in (nia_a[nodes[a:b]] > 0).nonzero()[0].tolist():
                m = int(ms[a + h])
                if best >= 0 and m > best_ms:
                    return best, best_ms, best_l
                u = int(nodes[a + h])
                l_m = float(wrow[rows[u], o]) - m * _SPLIT
                need_l = l_m / 1000.0 + trip_km
                for i in bucket[u]:
                    if best >= 0 and m == best_ms and i > best:
                        break
                    if sf[i]:
                        ok = self._feasible(i, j, m / 1000.0, l_m)
                    else:
                        ok = level[i] - need_l * rate[i] >= min_l[i] - 1e-12
                    if ok:
                        best, best_ms, best_l = i, m, l_m
                        break
            if best >= 0 and (b >= k or int(ms[b]) > best_ms):
                return best, best_ms, best_l
            a, step = b, step * 8
        return best, best_ms, best_l

    def _set_idle(self, i: int, now: float) -> None:
        self.idle[i] = True
        self.n_idle += 1
        u = self.pos[i]
        got = self.bucket.get(u)
        if got is None:
            self.bucket[u] = [i]
        else:
            bisect.insort(got, i)
        self.n_idle_at[u] += 1
        self._nia_l[u] += 1
        if self._repo_on:
            self.idle_epoch[i] += 1
            self._push(now + self.repo_s, _REPO, i, self.idle_epoch[i])

    def _take(self, i: int) -> None:
        self.idle[i] = False
        self.n_idle -= 1
        u = self.pos[i]
        got = self.bucket[u]
        del got[bisect.bisect_left(got, i)]
        self.n_idle_at[u] -= 1
        self._nia_l[u] -= 1

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
        if self.sf_use[i]:
            pick_ekm = self._ekm(i, pick_s, pick_m)
            trip_ekm = self._trip_ekm_l[j]
        else:
            pick_ekm, trip_ekm = pick_km, trip_km
        soc0 = self.level[i]
        f0 = self.fuel_used[i]
        e1 = self._drive(i, pick_km, pick_ekm)
        e2 = self._drive(i, trip_km, trip_ekm)
        self._starts.append((j, soc0, now + pick_s))
        self._ride[i] = (pick_km, pick_ekm, trip_ekm, e1, e2, f0)
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
        # a repositioning drive before this pickup is part of its empty drive
        dh = pick_km + self.carry_km[i]
        run = trip_ekm + (pick_ekm + self.carry_ekm[i])
        e1 += self.carry_e[i]
        fuel = self.fuel_used[i] - f0 + self.carry_fuel[i]
        self.carry_km[i] = 0.0
        self.carry_ekm[i] = 0.0
        self.carry_e[i] = 0.0
        self.carry_fuel[i] = 0.0
        lvl = self.level[i]
        self._drops.append((j, i, now, dh, run, fuel, e1 + e2, lvl))
        self.pos[i] = self._rd[j]
        if self._charges[i] and lvl < self._charge_soc:
            return True
        self._become_idle(i, now)
        return False

    def _reposition(self, i: int, epoch: int, now: float) -> None:
        """After ``reposition_idle_min`` of uninterrupted idling, drive taxi ``i`` to a hot spot."""
        if not self.idle[i] or self.idle_epoch[i] != epoch:
            return
        a = self.pos[i]
        if a in self._hot_set:
            return
        t, _ = split_combined(self.W[self.R[a], self.hot_nodes])
        h = int(np.argmin(t))  # first minimum = lowest node (hot spots are sorted by rank)
        ties = np.flatnonzero(t == t[h])
        h = int(ties[np.argmin(self.hot_nodes[ties])])
        dest = int(self.hot_nodes[h])
        t_go, l_m = self._route(a, dest)
        km = l_m / 1000.0
        ekm = self._ekm(i, t_go, l_m)
        if not math.isfinite(t_go) or (
            self.level[i] - ekm * self.rate[i] < self.min_level[i] - 1e-12
        ):
            return
        self._take(i)
        vid = self.taxis[i]["vehicle_id"]
        self.m.log.events.append((now, vid, "reposition", self.level[i], ""))
        f0 = self.fuel_used[i]
        e = self._drive(i, km, ekm)
        self.carry_fuel[i] += self.fuel_used[i] - f0
        self.carry_km[i] += km
        self.carry_ekm[i] += ekm
        self.carry_e[i] += e
        self.repo_km[i] += km
        self.repo_n[i] += 1
        if t_go > 0:
            self._push(now + t_go, _ARRIVE, i, dest)
        else:
            self.pos[i] = dest
            self._become_idle(i, now)

    def _station_table(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Stations taxi ``i``'s kind can use: index, node, kind code and power or rate."""
        spec = self.specs[i]
        key = (spec.is_hydrogen, bool(spec.swappable))
        got = self._st_tables.get(key)
        if got is None:
            rows = []
            for s, st in enumerate(self.m.stations):
                if self.st_node[s] < 0 or st.plugs is None:
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
                self.st_node[idx],
                np.array([x[1] for x in rows], dtype=np.int64),
                np.array([x[2] for x in rows], dtype=float),
            )
            self._st_tables[key] = got
        return got

    def _to_station(self, i: int, now: float) -> None:
        """Pick the station with the least travel time plus expected queue; start the drive.

        Stations in file order; one replaces the best so far when it costs more than 1e-9 s
        less (travel time + queue length / plugs x the time to charge there).
        """
        spec = self.specs[i]
        m = self.m
        lvl = self.level[i]
        a = self.pos[i]
        idx, nodes, code, par = self._station_table(i)
        best = -1
        if idx.size:
            t_go, l_m = split_combined(self.W[self.R[a], nodes])
            e_m = _energy_m(t_go, l_m) if self.sf_use[i] else l_m
            with np.errstate(invalid="ignore"):
                ok = np.isfinite(t_go) & (
                    lvl - e_m / 1000.0 * self.rate[i] >= self.min_level[i] - 1e-12
                )
            if code[0] == 0:  # hydrogen: refill the tank
                service = (spec.tank_kg * (1 - lvl)) / np.maximum(par, 1e-9) * 60.0
            elif code[0] == 1:  # swap bays
                service = par
            else:
                kw = self._kw.get(id(spec))
                if kw is None:
                    sts = m.stations
                    kw = np.array(
                        [
                            min(sts[s].plug_kw, spec.max_charge_kw,
                                sts[s].grid_cap_kw * spec.charge_efficiency)
                            for s in idx.tolist()
                        ]
                    )
                    self._kw[id(spec)] = kw
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
            if cand.size > 32:
                # a station whose drive alone takes longer than the cost of the nearest one
                # cannot be chosen: only the others are compared (in file order)
                near = int(cand[np.argmin(t_go[cand])])
                plugs = m.stations[int(idx[near])].plugs
                assert plugs is not None  # only stations with plugs are in the table
                busy = len(plugs.queue) + max(plugs.count - plugs.capacity + 1, 0)
                bound = tl[near] + busy / plugs.capacity * sl[near]
                cand = cand[t_go[cand] <= bound + 1e-6]
            for k in cand.tolist():
                if tl[k] >= best_cost - 1e-9:
                    continue  # cost >= travel time: it cannot beat the best so far
                plugs = m.stations[int(idx[k])].plugs
                assert plugs is not None  # only stations with plugs are in the table
                busy = len(plugs.queue) + max(plugs.count - plugs.capacity + 1, 0)
                cost = tl[k] + busy / plugs.capacity * sl[k]
                if cost < best_cost - 1e-9:
                    best, best_cost = int(idx[k]), cost
        if best < 0:
            m.log.events.append(
                (now, self.taxis[i]["vehicle_id"], "no_reachable_station", self.level[i], "")
            )
            self._become_idle(i, now)
            return
        node = int(self.st_node[best])
        t_go_b, l_b = self._route(a, node)
        self._drive(i, l_b / 1000.0, self._ekm(i, t_go_b, l_b))
        m.env.process(self._charge(i, best, node, t_go_b))

    def _charge(self, i: int, s: int, node: int, t_go: float) -> Generator[simpy.Event, Any, None]:
        """Drive to station ``s``, queue and charge (SimPy), then rejoin the dispatch loop."""
        m = self.m
        env = m.env
        spec = self.specs[i]
        st = m.stations[s]
        if t_go > 0:
            yield env.timeout(t_go)
        self.pos[i] = node
        state = self.states[i]
        vid = self.taxis[i]["vehicle_id"]
        if spec.is_hydrogen:
            state["h2"] = self.level[i] * spec.tank_kg
            yield from m.refuel(vid, "taxi", spec, st, state, m.t_end)
            self.level[i] = state["h2"] / spec.tank_kg
        elif st.kind == "swap":
            state["soc"] = self.level[i]
            yield from m.swap(vid, "taxi", spec, st, state, m.t_end)
            self.level[i] = state["soc"]
        else:
            state["soc"] = self.level[i]
            yield from m.charge(
                vid, "taxi", spec, st, state, m.t_end, target=m.opts.taxi_target_soc
            )
            self.level[i] = state["soc"]
        self._become_idle(i, env.now)
        # wake the loop if it sleeps past an event this taxi just scheduled
        if self._heap and self._heap[0][0] < self._wake_at and self._proc is not None:
            self._wake_at = -math.inf
            self._proc.interrupt()

    def _become_idle(self, i: int, now: float) -> None:
        """Mark taxi ``i`` idle, drop expired waiting requests, serve the oldest it can reach."""
        if not self.pending:
            self._set_idle(i, now)
            return
        if len(self.pending) > 48:
            self._become_idle_many(i, now)
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

    def _become_idle_many(self, i: int, now: float) -> None:
        """:meth:`_become_idle` for a long queue of waiting requests (vectorised)."""
        pend = np.array(self.pending, dtype=np.int64)
        lim = self._limit[pend]
        alive = now <= lim + 1e-9
        if not alive.all():
            pend = pend[alive]
        self._set_idle(i, now)
        w = self.W[self.R[self.pos[i]], self.r_o[pend]]
        ms = np.floor(w / _SPLIT)
        # in time (an unreachable origin or destination never is), oldest first
        for k in (now + ms / 1000.0 <= self._limit_ok[pend] + 1e-9).nonzero()[0].tolist():
            p = int(pend[k])
            m = float(ms[k])
            if self._feasible(i, p, m / 1000.0, float(w[k]) - m * _SPLIT):
                rest = pend.tolist()
                del rest[k]
                self.pending = rest
                self._assign(i, p, now)
                return
        self.pending = pend.tolist()

    # -- tables ------------------------------------------------------------------------------------
    def _collect(self) -> None:
        """Write the loop's records into the per-request arrays (once, before the tables)."""
        if self._collected:
            return
        self._collected = True
        if self._starts:
            j, soc0, pick = (np.array(x) for x in zip(*self._starts, strict=True))
            j = j.astype(np.int64)
            self.taken[j] = True
            self.soc0[j] = soc0
            self.pickup_s[j] = pick
        if self._drops:
            cols = [np.array(x) for x in zip(*self._drops, strict=True)]
            j, i = cols[0].astype(np.int64), cols[1].astype(np.int64)
            self.drop_s[j] = cols[2]
            self.served[j] = True
            self.reason[j] = ""
            self.vehicle_idx[j] = i
            self.dh_km[j] = cols[3]
            self.run_ekm[j] = cols[4]
            self.fuel_req[j] = cols[5]
            h2 = np.array(self._h2, dtype=bool)[i]
            batt = np.array(self._batt, dtype=bool)[i] & ~h2
            self.h2[j[h2]] = cols[6][h2]
            self.kwh[j[batt]] = cols[6][batt]
            self.soc1[j] = cols[7]

    def trips_table(self) -> pd.DataFrame:
        """Return the requests as rows of the result's trips table."""
        self._collect()
        r = self.req
        idx = self.vehicle_idx
        has = idx >= 0
        pt_taxi = np.array([t["powertrain"] for t in self.taxis] + [""], dtype=object)
        per_taxi = np.array(
            [0.0 if sp.is_battery or sp.is_hydrogen else sp.fuel_per_100km for sp in self.specs]
            + [0.0]
        )
        col_taxi = np.array(
            [pts.fuel_column(str(p)) or "" for p in pt_taxi[:-1]] + [""], dtype=object
        )
        pick = np.where(has, idx, len(self.taxis))
        pt = pt_taxi[pick]
        fcol = col_taxi[pick]
        # fuel per km x speed factor (run_ekm = run km when the option is off); a phev's
        # gasoline was counted as it drove
        run = np.where(self.served, self.run_ekm, 0.0)
        fuel = run * per_taxi[pick] / 100.0 + np.where(self.served, self.fuel_req, 0.0)
        pax = r["passengers"].to_numpy(float) if "passengers" in r else np.ones(len(r))
        pax = np.where(np.isnan(pax), 1.0, pax)
        return pd.DataFrame(
            {
                "trip_id": r["request_id"].astype(str).to_numpy(),
                # one shared string per taxi (not a copy per request)
                "vehicle_id": np.array(
                    [t["vehicle_id"] for t in self.taxis] + [""], dtype=object
                )[np.where(self.served, idx, len(self.taxis))],
                "vehicle_type": "taxi",
                "powertrain": pt,
                "fleet": r["fleet"].to_numpy(),
                "departure_s": r["departure_s"].to_numpy(float),
                "arrival_s": np.where(self.served, self.drop_s, np.nan),
                "origin_lon": r["origin_lon"].to_numpy(float),
                "origin_lat": r["origin_lat"].to_numpy(float),
                "served": self.served,
                "reason": self.reason,
                "start_s": self.pickup_s,
                "end_s": self.drop_s,
                "delay_s": np.where(
                    self.served, self.pickup_s - r["departure_s"].to_numpy(float), 0.0
                ),
                "distance_km": np.where(self.served, self.trip_km, 0.0),
                "deadhead_km": np.where(self.served, self.dh_km, 0.0),
                "battery_kwh": self.kwh,
                "hydrogen_kg": self.h2,
                **{c: np.where(fcol == c, fuel, 0.0) for c in pts.FUEL_COLUMNS},
                "soc_start": self.soc0,
                "soc_end": self.soc1,
                "passenger_km": np.where(self.served, self.trip_km * pax, 0.0),
                "tonne_km": 0.0,
                "need_kwh": 0.0,
            }
        )

    def vehicles_table(self) -> pd.DataFrame:
        """Return one row per taxi (identity columns) and record their totals in the log."""
        self._collect()
        k = len(self.taxis)
        got = self.served & (self.vehicle_idx >= 0)
        served_km = np.bincount(
            self.vehicle_idx[got], weights=(self.trip_km + self.dh_km)[got], minlength=k
        )
        served_h2 = np.bincount(self.vehicle_idx[got], weights=self.h2[got], minlength=k)
        served_fuel = np.bincount(self.vehicle_idx[got], weights=self.fuel_req[got], minlength=k)
        rows = []
        for i, t in enumerate(self.taxis):
            spec = self.specs[i]
            rows.append(
                {
                    "vehicle_id": t["vehicle_id"],
                    "vehicle_type": "taxi",
                    "powertrain": t["powertrain"],
                    "exempt": False,
                    "fleet": t["fleet"],
                }
            )
            if spec.is_battery or spec.is_hydrogen:
                # driving to chargers adds distance not attached to a request
                extra_km = max(self.km[i] - float(served_km[i]), 0.0)
                self.m.log.vehicles[t["vehicle_id"]] = {
                    "soc_end": float(self.level[i]),
                    "idle_kwh": 0.0,
                    "extra_km": extra_km,
                    "extra_energy": (
                        max(float(self.h2_used[i] - served_h2[i]), 0.0)
                        if self.sf_use[i]
                        else extra_km * self.rate[i] * self.cap[i]
                    )
                    if spec.is_hydrogen
                    else 0.0,
                    # a phev's gasoline on drives to chargers and after its last request
                    "extra_fuel": max(float(self.fuel_used[i] - served_fuel[i]), 0.0),
                    "drawn_kwh": float(self.drawn[i]),
                    "charged_kwh": self.states[i]["charged_kwh"],
                    "refuel_kg": self.states[i]["refuel_kg"],
                    "soc_start": spec.initial_soc,
                }
            elif self.carry_km[i] > 0:
                # a repositioning drive after the last request: its fuel goes to the vehicle
                self.m.log.vehicles[t["vehicle_id"]] = {
                    "soc_end": np.nan,
                    "idle_kwh": 0.0,
                    "extra_km": float(self.carry_km[i]),
                    "extra_energy": 0.0,
                    "extra_fuel": float(self.carry_ekm[i]) * spec.fuel_per_100km / 100.0,
                    "drawn_kwh": 0.0,
                    "charged_kwh": 0.0,
                    "refuel_kg": 0.0,
                    "soc_start": np.nan,
                }
        return pd.DataFrame(rows)

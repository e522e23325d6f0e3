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
same (time-shortest) paths. Routes are computed once between the nodes that matter
(request ends, start positions and stations).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Generator
from dataclasses import replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import simpy

from fleetopt import powertrains as pts
from fleetopt.domain.energy import speed_factor
from fleetopt.inputs.routing import route_matrices as route_matrices  # noqa: PLC0414 (explicit re-export)
from fleetopt.inputs.scenario import Fleet
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.kernel import Model

logger = logging.getLogger(__name__)

class _Taxi(TypedDict):
    """One taxi of the dispatch: id, powertrain, fleet label and start position [deg]."""

    vehicle_id: str
    powertrain: str
    fleet: str
    lon: float
    lat: float


class TaxiDispatch:
    """Taxi fleets serving ride requests inside a :class:`~fleetopt.simulation.kernel.Model`.

    ``BUCKETS = True`` finds the nearest idle taxi by scanning road nodes in travel-time
    order (fast for large fleets); ``False`` compares every idle taxi (the reference the
    tests check it against). Both apply the same rule.

    Parameters
    ----------
    model : Model
        The running model (environment, stations, log).
    fleets : list of (Fleet, DataFrame)
        Taxi fleets and their canonical requests.
    """

    BUCKETS = True

    def __init__(self, model: Model, fleets: list[tuple[Fleet, pd.DataFrame]]) -> None:
        self.m = model
        sc = model.sc
        opts = sc.options
        net = model.router.net if model.router is not None else None
        if net is None:  # pragma: no cover - engine always passes a router
            msg = "taxi dispatch needs a road network"
            raise ValueError(msg)
        self.net = net
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
            pts = self._powertrains(fleet, size, rng)
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
                        "powertrain": pts[i],
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
        st = model.prep.stations
        stnode = st["node"].to_numpy(np.int64) if len(st) else np.zeros(0, np.int64)
        allnodes = np.unique(np.concatenate([onode, dnode, snode, stnode[stnode >= 0]]))
        self.T, self.L = route_matrices(net, allnodes)
        self.r_o = np.searchsorted(allnodes, onode)
        self.r_d = np.searchsorted(allnodes, dnode)
        self.t_pos = np.searchsorted(allnodes, snode)
        self.st_pos = np.where(stnode >= 0, np.searchsorted(allnodes, np.maximum(stnode, 0)), -1)
        self.trip_s = self.T[self.r_o, self.r_d]
        self.trip_km = self.L[self.r_o, self.r_d] / 1000.0
        n = len(r)
        self.served = np.zeros(n, dtype=bool)
        self.taken = np.zeros(n, dtype=bool)
        self.reason = np.full(n, "not dispatched before the horizon end", dtype=object)
        self.vehicle = np.full(n, "", dtype=object)
        self.vehicle_idx = np.full(n, -1, dtype=np.int64)
        self.pickup_s = np.full(n, np.nan)
        self.drop_s = np.full(n, np.nan)
        self.dh_km = np.zeros(n)
        self.kwh = np.zeros(n)
        self.h2 = np.zeros(n)
        self.soc0 = np.full(n, np.nan)
        self.soc1 = np.full(n, np.nan)
        self.pending: deque[int] = deque()
        self._dep = r["departure_s"].to_numpy(float) if n else np.zeros(0)
        self._wait = r["max_wait_s"].to_numpy(float) if n else np.zeros(0)
        k = len(taxis)
        self.idle = np.ones(k, dtype=bool)
        self.pos = self.t_pos.copy()
        # idle taxis by route node, for the nearest-first scan
        self.bucket: list[set[int]] = [set() for _ in range(allnodes.size)]
        self.n_idle_at = np.zeros(allnodes.size, dtype=np.int64)
        for i, u in enumerate(self.pos):
            self.bucket[u].add(i)
            self.n_idle_at[u] += 1
        self._near: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        over = model.sc.vehicles
        self.specs = [
            replace(model.prep.specs[("taxi", t["powertrain"])], **over[t["vehicle_id"]])
            if t["vehicle_id"] in over
            else model.prep.specs[("taxi", t["powertrain"])]
            for t in taxis
        ]
        self.level = np.array([s.initial_soc for s in self.specs])  # soc or tank fill [-]
        # powertrain kind per taxi as plain lists (the hot loop reads them per drive)
        self._batt = [s.is_battery for s in self.specs]
        self._h2 = [s.is_hydrogen for s in self.specs]
        self._phev = [s.is_plugin_hybrid for s in self.specs]
        self.cap = np.array(
            [
                s.tank_kg if s.is_hydrogen else (s.battery_kwh if s.is_battery else np.inf)
                for s in self.specs
            ]
        )
        self.rate = np.array([self._rate(s) for s in self.specs])  # per km in cap units
        # a phev never lacks energy (gasoline takes over at min_soc): no dispatch floor
        self.min_level = np.array(
            [
                s.min_soc if (s.is_battery or s.is_hydrogen) and not s.is_plugin_hybrid
                else -np.inf
                for s in self.specs
            ]
        )
        # constant per-taxi values as plain lists for the nearest-idle scan
        self._rate_l: list[float] = self.rate.tolist()
        self._min_l: list[float] = self.min_level.tolist()
        self.km = np.zeros(k)
        self.drawn = np.zeros(k)
        self.h2_used = np.zeros(k)
        self.fuel_used = np.zeros(k)  # a phev's gasoline [L]
        self.fuel_req = np.zeros(n)  # a phev's gasoline per served request [L]
        self.carry_fuel = np.zeros(k)
        # speed factor ([options] speed_factor): energy-equivalent lengths E = L x factor(L / T)
        self.sf_use = np.array(
            [bool(opts.speed_factor) and sp.energy_model != "constant" for sp in self.specs],
            dtype=bool,
        )
        self._sf_l: list[bool] = self.sf_use.tolist()
        if self.sf_use.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                speed = self.L / self.T * 3.6
            self.E = self.L * speed_factor(speed)
        else:
            self.E = self.L
        self.trip_ekm = self.E[self.r_o, self.r_d] / 1000.0
        self.run_ekm = np.zeros(n)
        self.carry_ekm = np.zeros(k)
        # idle repositioning: hot spots, idle epochs, empty km/energy waiting for the next request
        self.repo_s = float(opts.reposition_idle_min) * 60.0
        counts = np.bincount(self.r_o, minlength=allnodes.size) if n else np.zeros(0, np.int64)
        order = np.lexsort((np.arange(counts.size), -counts))
        k_hot = int(opts.reposition_hotspots)
        self.hotspots = order[:k_hot][counts[order[:k_hot]] > 0]
        self.hot_nodes = allnodes[self.hotspots]
        self.idle_epoch = np.zeros(k, dtype=np.int64)
        self.carry_km = np.zeros(k)
        self.carry_e = np.zeros(k)
        self.repo_km = np.zeros(k)
        self.repo_n = np.zeros(k, dtype=np.int64)
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
            return spec.kg_per_100km / 100.0 / spec.tank_kg
        if spec.is_battery:
            return spec.kwh_per_km * self.m.factor(spec) / spec.battery_kwh
        return 0.0

    # -- processes ---------------------------------------------------------------------------------
    def processes(self) -> list[Generator[simpy.Event, Any, None]]:
        """Return the dispatcher and, with repositioning on, each taxi's first idle timer."""
        procs = [self._dispatcher()]
        if self.repo_s > 0 and self.hotspots.size:
            procs += [self._idle_timer(i, 0) for i in range(len(self.taxis))]
        return procs

    def _idle_timer(self, i: int, epoch: int) -> Generator[simpy.Event, Any, None]:
        """After ``reposition_idle_min`` of uninterrupted idling, drive taxi ``i`` to a hot spot."""
        env = self.m.env
        yield env.timeout(self.repo_s)
        if not self.idle[i] or self.idle_epoch[i] != epoch:
            return
        a = self.pos[i]
        if a in self.hotspots:
            return
        t = self.T[a, self.hotspots]
        h = int(np.argmin(t))  # first minimum = lowest node (hot spots are sorted by rank)
        ties = np.flatnonzero(t == t[h])
        h = int(ties[np.argmin(self.hot_nodes[ties])])
        dest = int(self.hotspots[h])
        t_go, km = float(self.T[a, dest]), float(self.L[a, dest]) / 1000.0
        ekm = self._ekm(i, a, dest)
        if not np.isfinite(t_go) or self.level[i] - ekm * self.rate[i] < self.min_level[i] - 1e-12:
            return
        self.idle[i] = False
        self.bucket[a].discard(i)
        self.n_idle_at[a] -= 1
        vid = self.taxis[i]["vehicle_id"]
        self.m.log.events.append((env.now, vid, "reposition", self.level[i], ""))
        f0 = self.fuel_used[i]
        e = self._drive(i, km, ekm)
        self.carry_fuel[i] += self.fuel_used[i] - f0
        self.carry_km[i] += km
        self.carry_ekm[i] += ekm
        self.carry_e[i] += e
        self.repo_km[i] += km
        self.repo_n[i] += 1
        if t_go > 0:
            yield env.timeout(t_go)
        self.pos[i] = dest
        self._become_idle(i)

    def _dispatcher(self) -> Generator[simpy.Event, Any, None]:
        env = self.m.env
        dep = self._dep
        wait = self._wait
        for j in range(len(dep)):
            if dep[j] > env.now:
                yield env.timeout(dep[j] - env.now)
            if dep[j] < self.m.t0:
                self.reason[j] = "before the horizon"
                continue
            if self.BUCKETS:
                best = self._nearest_idle(j, wait[j], dep[j])
            else:
                best = self._best_taxi(j, np.flatnonzero(self.idle), wait[j], dep[j])
            if best >= 0:
                self._assign(best, j)
            else:
                self.pending.append(j)
                self.reason[j] = "no taxi within max_wait"

    def _best_taxi(self, j: int, cand: np.ndarray, wait_s: float, t_req: float) -> int:
        if cand.size == 0:
            return -1
        pick = self.T[self.pos[cand], self.r_o[j]]
        ok = self.m.env.now + pick <= t_req + wait_s + 1e-9
        a, o = self.pos[cand], self.r_o[j]
        need_km = np.where(
            self.sf_use[cand],
            self.E[a, o] / 1000.0 + self.trip_ekm[j],
            self.L[a, o] / 1000.0 + self.trip_km[j],
        )
        ok &= self.level[cand] - need_km * self.rate[cand] >= self.min_level[cand] - 1e-12
        ok &= np.isfinite(pick) & np.isfinite(self.trip_s[j])
        if not ok.any():
            return -1
        c = cand[ok]
        p = pick[ok]
        return int(c[np.lexsort((c, p))[0]])

    def _near_of(self, o: int) -> tuple[np.ndarray, np.ndarray]:
        """Route nodes sorted by travel time to route node ``o`` (cached per node)."""
        got = self._near.get(o)
        if got is None:
            order = np.argsort(self.T[:, o], kind="stable")
            got = (order, self.T[order, o])
            self._near[o] = got
        return got

    def _nearest_idle(self, j: int, wait_s: float, t_req: float) -> int:
        """Apply :meth:`_best_taxi`'s rule, scanning nodes by travel time, not every idle taxi."""
        if not np.isfinite(self.trip_s[j]):
            return -1
        o = int(self.r_o[j])
        order, times = self._near_of(o)
        k = int(np.searchsorted(times, t_req + wait_s - self.m.env.now + 1e-9, side="right"))
        if k == 0:
            return -1
        nodes = order[:k]
        best, best_t = -1, math.inf
        level, rate, min_l, sf = self.level, self._rate_l, self._min_l, self._sf_l
        trip_km, trip_ekm = float(self.trip_km[j]), float(self.trip_ekm[j])
        for h in np.flatnonzero(self.n_idle_at[nodes] > 0):
            t = float(times[h])
            if t > best_t:
                break
            u = int(nodes[h])
            need_l = float(self.L[u, o]) / 1000.0 + trip_km
            need_e = float(self.E[u, o]) / 1000.0 + trip_ekm
            for i in self.bucket[u]:
                need = need_e if sf[i] else need_l
                if float(level[i]) - need * rate[i] >= min_l[i] - 1e-12 and (
                    t < best_t or i < best
                ):
                    best, best_t = i, t
        return best

    def _set_idle(self, i: int) -> None:
        self.idle[i] = True
        self.bucket[self.pos[i]].add(i)
        self.n_idle_at[self.pos[i]] += 1
        if self.repo_s > 0 and self.hotspots.size:
            self.idle_epoch[i] += 1
            self.m.env.process(self._idle_timer(i, int(self.idle_epoch[i])))

    def _assign(self, i: int, j: int) -> None:
        self.idle[i] = False
        self.bucket[self.pos[i]].discard(i)
        self.n_idle_at[self.pos[i]] -= 1
        self.taken[j] = True
        self.m.env.process(self._serve(i, j))

    def _ekm(self, i: int, a: int, b: int) -> float:
        """Energy-equivalent length [km] of the route a -> b for taxi ``i`` (speed factor)."""
        return float((self.E if self.sf_use[i] else self.L)[a, b]) / 1000.0

    def _drive(self, i: int, km: float, ekm: float | None = None) -> float:
        """Drive ``km`` (energy as for ``ekm`` km); return energy in cap units x cap.

        A phev draws its battery down to ``min_soc``; the share of the drive the battery
        cannot cover burns gasoline (added to ``fuel_used``).
        """
        self.km[i] += km
        e_km = km if ekm is None else ekm
        use = e_km * self.rate[i]
        if self._phev[i]:
            spec = self.specs[i]
            avail = max(self.level[i] - spec.min_soc, 0.0)
            got = min(use, avail)
            self.level[i] = spec.min_soc if got >= avail > 0 else self.level[i] - got
            rest = (use - got) / use if use > 0 else 0.0
            self.fuel_used[i] += rest * e_km * spec.fuel_per_100km / 100.0
            batt: float = got * self.cap[i]
            self.drawn[i] += batt
            return batt
        if self._batt[i] or self._h2[i]:
            self.level[i] -= use
            amount: float = use * self.cap[i]
            if self._batt[i]:
                self.drawn[i] += amount
            else:
                self.h2_used[i] += amount
            return amount
        return 0.0

    def _serve(self, i: int, j: int) -> Generator[simpy.Event, Any, None]:
        env = self.m.env
        a, o = self.pos[i], self.r_o[j]
        pick_s = self.T[a, o]
        pick_km = self.L[a, o] / 1000.0
        pick_ekm = self._ekm(i, a, o)
        trip_ekm = self.trip_ekm[j] if self.sf_use[i] else self.trip_km[j]
        self.soc0[j] = self.level[i]
        f0 = self.fuel_used[i]
        e1 = self._drive(i, pick_km, pick_ekm)
        self.pickup_s[j] = env.now + pick_s
        e2 = self._drive(i, self.trip_km[j], trip_ekm)
        yield env.timeout(pick_s + self.trip_s[j])
        self.drop_s[j] = env.now
        self.served[j] = True
        self.reason[j] = ""
        self.vehicle[j] = self.taxis[i]["vehicle_id"]
        self.vehicle_idx[j] = i
        # a repositioning drive before this pickup is part of its empty drive
        self.dh_km[j] = pick_km + self.carry_km[i]
        self.run_ekm[j] = trip_ekm + (pick_ekm + self.carry_ekm[i])
        e1 += self.carry_e[i]
        self.fuel_req[j] = self.fuel_used[i] - f0 + self.carry_fuel[i]
        self.carry_km[i] = 0.0
        self.carry_ekm[i] = 0.0
        self.carry_e[i] = 0.0
        self.carry_fuel[i] = 0.0
        if self._h2[i]:
            self.h2[j] = e1 + e2
        elif self._batt[i]:
            self.kwh[j] = e1 + e2
        self.soc1[j] = self.level[i]
        self.pos[i] = self.r_d[j]
        if (self._batt[i] or self._h2[i]) and self.level[i] < self.m.opts.taxi_charge_soc:
            yield from self._recharge(i)
        self._become_idle(i)

    def _recharge(self, i: int) -> Generator[simpy.Event, Any, None]:
        env = self.m.env
        spec = self.specs[i]
        m = self.m
        opts = m.opts
        best, best_cost = -1, math.inf
        for s, st in enumerate(m.stations):
            if self.st_pos[s] < 0 or st.plugs is None:
                continue
            if spec.is_hydrogen:
                fits = st.kind == "hydrogen"
                service = (spec.tank_kg * (1 - self.level[i])) / max(st.kg_per_min, 1e-9) * 60.0
            elif st.kind == "swap":
                fits = spec.swappable and st.stock is not None
                service = st.swap_s
            else:
                fits = st.kind in ("public", "depot")
                kw = min(st.plug_kw, spec.max_charge_kw, st.grid_cap_kw * spec.charge_efficiency)
                service = (
                    (opts.taxi_target_soc - self.level[i])
                    * spec.battery_kwh
                    / max(kw, 1e-9)
                    * 3600.0
                )
            if not fits:
                continue
            t_go = self.T[self.pos[i], self.st_pos[s]]
            ekm_go = self._ekm(i, self.pos[i], self.st_pos[s])
            if (
                not np.isfinite(t_go)
                or self.level[i] - ekm_go * self.rate[i] < self.min_level[i] - 1e-12
            ):
                continue
            busy = len(st.plugs.queue) + max(st.plugs.count - st.plugs.capacity + 1, 0)
            cost = t_go + busy / st.plugs.capacity * service
            if cost < best_cost - 1e-9:
                best, best_cost = s, cost
        if best < 0:
            m.log.events.append(
                (env.now, self.taxis[i]["vehicle_id"], "no_reachable_station", self.level[i], "")
            )
            return
        st = m.stations[best]
        km_go = self.L[self.pos[i], self.st_pos[best]] / 1000.0
        t_go = self.T[self.pos[i], self.st_pos[best]]
        self._drive(i, km_go, self._ekm(i, self.pos[i], self.st_pos[best]))
        if t_go > 0:
            yield env.timeout(t_go)
        self.pos[i] = self.st_pos[best]
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
            yield from m.charge(vid, "taxi", spec, st, state, m.t_end, target=opts.taxi_target_soc)
            self.level[i] = state["soc"]

    def _become_idle(self, i: int) -> None:
        """Mark taxi ``i`` idle, drop expired waiting requests, serve the oldest it can reach."""
        env = self.m.env
        if not self.pending:
            self._set_idle(i)
            return
        pend = np.fromiter(self.pending, dtype=np.int64, count=len(self.pending))
        alive = env.now <= self._dep[pend] + self._wait[pend] + 1e-9
        pend = pend[alive]
        pick = self.T[self.pos[i], self.r_o[pend]]
        if self.sf_use[i]:
            need_km = self.E[self.pos[i], self.r_o[pend]] / 1000.0 + self.trip_ekm[pend]
        else:
            need_km = self.L[self.pos[i], self.r_o[pend]] / 1000.0 + self.trip_km[pend]
        ok = (
            (env.now + pick <= self._dep[pend] + self._wait[pend] + 1e-9)
            & np.isfinite(pick)
            & np.isfinite(self.trip_s[pend])
            & (self.level[i] - need_km * self.rate[i] >= self.min_level[i] - 1e-12)
        )
        self._set_idle(i)
        if ok.any():
            k = int(np.argmax(ok))
            chosen = int(pend[k])
            self.pending = deque(np.delete(pend, k).tolist())
            self._assign(i, chosen)
        else:
            self.pending = deque(pend.tolist())

    # -- tables ------------------------------------------------------------------------------------
    def trips_table(self) -> pd.DataFrame:
        """Return the requests as rows of the result's trips table."""
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
                "vehicle_id": self.vehicle.astype(str),
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

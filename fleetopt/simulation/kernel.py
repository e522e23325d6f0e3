"""Run the SimPy day: one process per battery or fuel-cell vehicle, stations as FCFS resources.

Default behaviour is CONTRACT §4: a battery vehicle that ends a trip at a station (within
the station radius) queues for a plug at once, first come first served, and charges
toward full until full or until it must leave for its next trip (departure minus the
deadhead time). Waiting time is arrival to plug-in; a vehicle that must leave before a
plug frees gives up. A trip that would end below ``min_soc`` is not run (missed, with
its reason) and the vehicle stays where it is. Late vehicles start late (delay recorded).
A plug-in hybrid (phev) charges like a bev and drives on its battery while it holds more
than ``min_soc``, then on its fuel (``l_per_100km``) for the rest of the drive: it never
misses a trip for energy. Vehicles that only burn fuel (diesel, gasoline, hev, CNG, LNG)
never queue, so they are computed without SimPy, but on the same clock rule
(``engine.fuel_timeline``: late when the deadhead is longer than the layover).

A vehicle draws ``idle_kw`` only while waiting off-plug between its first departure and
its last arrival (layovers, CONTRACT §4); parked at its depot before pull-out and after
pull-in it draws nothing.

``charging = "smart"`` keeps the plug for the whole stay and charges in the cheapest
tariff hours of it (same energy, shifted). Power is piecewise constant in time.
A Case with a ``charging_schedule`` charges by it instead (:mod:`.scheduled`).

What a vehicle does at a station (queue, charge, swap, refuel) is
:class:`~fleetopt.simulation.station_actions.StationActions`, which ``Model`` inherits.
"""

from __future__ import annotations

import logging
import math
from array import array
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from fleetopt import defaults
from fleetopt.domain.energy import speed_factor, temperature_factor
from fleetopt.inputs.road_graph import haversine_m
from fleetopt.inputs.scenario import Scenario
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.log_frames import Log
from fleetopt.simulation.prepare import Prepared
from fleetopt.simulation.resources import Station, make_station, refill_daily
from fleetopt.simulation.router import Router
from fleetopt.simulation.scheduled import Schedule
from fleetopt.simulation.station_actions import StationActions, take_free_plug

logger = logging.getLogger(__name__)

#: ``Log`` lives in :mod:`fleetopt.simulation.log_frames`; importable from here as before.
__all__ = ["Log", "Model"]

_EPS = 1e-9


def _flat(col: Any, code: str = "d") -> array[Any]:
    """Return a column as an ``array('d')`` or ``array('q')``: Python numbers when indexed."""
    dtype = np.float64 if code == "d" else np.int64
    return array(code, np.ascontiguousarray(col.to_numpy(), dtype=dtype).tobytes())


class Model(StationActions):
    """The running simulation: environment, stations, prepared inputs and the log.

    Parameters
    ----------
    scenario : Scenario
        The scenario (options, temperature, seed).
    prep : Prepared
        Prepared inputs.
    router : Router or None
        Road routing for on-the-fly deadheads (after a missed trip) and taxis.
    horizon : tuple of float
        Start and end of the horizon [s].
    """

    def __init__(
        self,
        scenario: Scenario,
        prep: Prepared,
        router: Router | None,
        horizon: tuple[float, float],
    ) -> None:
        self.sc = scenario
        self.prep = prep
        self.router = router
        self.t0, self.t_end = horizon
        self.env = simpy.Environment(initial_time=self.t0)
        self.log = Log()
        self.live: dict[str, tuple[VehicleSpec, dict[str, float]]] = {}
        self.opts = scenario.options
        self.schedule = Schedule.of(prep.charging_schedule)
        self.temp_factor = float(temperature_factor(scenario.ambient_temperature_c))
        swap_default = defaults.value("chargers", "swap_min", kind="swap")
        self.rack_kw = defaults.value("chargers", "rack_kw", kind="swap")
        self.stations: list[Station] = []
        for i, row in enumerate(prep.stations.to_dict(orient="records")):
            st = make_station(
                self.env,
                i,
                row,
                grid_limit_kw=self.opts.grid_limit_kw,
                default_swap_min=swap_default,
            )
            self.stations.append(st)
            if (
                st.kind == "hydrogen"
                and st.h2_left is not None
                and math.isfinite(float(row["kg_per_day"]))
            ):
                self.env.process(refill_daily(self.env, st, float(row["kg_per_day"]), self.t0))
        self.st_lon = prep.stations["lon"].to_numpy(float)
        self.st_lat = prep.stations["lat"].to_numpy(float)
        # trip columns as flat arrays of C doubles: the vehicle loop reads them one value at a
        # time, and a Python float is several times faster to index and add than a numpy scalar
        t = prep.trips
        self.c_dep = _flat(t["departure_s"])
        self.c_arr = _flat(t["arrival_s"])
        self.c_km = _flat(t["distance_km"])
        self.c_dh_km = _flat(t["deadhead_km"])
        self.c_dh_s = _flat(t["deadhead_s"])
        self.c_sf = _flat(t["speed_factor"])
        self.c_dh_sf = _flat(t["deadhead_speed_factor"])
        self.c_start_st = _flat(t["start_station"], "q")
        self.c_end_st = _flat(t["end_station"], "q")
        self.c_olon = _flat(t["origin_lon"])
        self.c_olat = _flat(t["origin_lat"])
        self.c_dlon = _flat(t["destination_lon"])
        self.c_dlat = _flat(t["destination_lat"])

    # -- physics helpers ---------------------------------------------------------------------
    def factor(self, spec: VehicleSpec) -> float:
        """Temperature factor of a spec (1.0 for the constant model)."""
        return 1.0 if spec.energy_model == "constant" else self.temp_factor

    def idle_kw(self, spec: VehicleSpec) -> float:
        """Auxiliary power off-plug (0 for the constant model) [kW]."""
        return 0.0 if spec.energy_model == "constant" else spec.idle_kw * self.temp_factor

    def drive_energy(self, spec: VehicleSpec, km: float, speed_mult: float = 1.0) -> float:
        """Energy [kWh] (battery) or hydrogen [kg] (fcev) to drive ``km``.

        ``speed_mult`` is the speed factor of the drive (1.0 unless ``speed_factor`` is on).
        """
        if spec.is_hydrogen:
            return km * spec.kg_per_100km / 100.0 * speed_mult
        return km * spec.kwh_per_km * self.factor(spec) * speed_mult

    def phev_drive(
        self, spec: VehicleSpec, state: dict[str, float], need_kwh: float, fuel_km: float
    ) -> tuple[float, float]:
        """Drive a plug-in hybrid: battery down to ``min_soc``, fuel for the rest of the drive.

        Parameters
        ----------
        spec : VehicleSpec
            The phev's spec.
        state : dict
            Its state (``soc`` and ``drawn`` are updated).
        need_kwh : float
            Battery energy the whole drive would take [kWh].
        fuel_km : float
            Length of the drive times its speed factor [km]; the share of it the battery
            cannot cover burns ``l_per_100km``.

        Returns
        -------
        tuple of float
            Battery energy drawn [kWh] and fuel burnt [L].
        """
        avail = max((state["soc"] - spec.min_soc) * spec.battery_kwh, 0.0)
        e_batt = min(need_kwh, avail)
        rest = (need_kwh - e_batt) / need_kwh if need_kwh > 0 else 0.0
        if e_batt >= avail > 0:  # the battery reaches its reserve exactly
            state["soc"] = spec.min_soc
        else:
            state["soc"] -= e_batt / spec.battery_kwh
        state["drawn"] += e_batt
        return e_batt, rest * fuel_km * spec.fuel_per_100km / 100.0

    def speed_mult(self, spec: VehicleSpec, km: float, s: float) -> float:
        """Speed factor of a drive of ``km`` in ``s`` seconds (1.0 when off or constant) [-]."""
        if not self.opts.speed_factor or spec.energy_model == "constant" or km <= 0 or s <= 0:
            return 1.0
        return float(speed_factor(km / s * 3600.0))

    # -- vehicles on trips ----------------------------------------------------------------------
    def vehicle(self, v: dict[str, Any], spec: VehicleSpec) -> Generator[simpy.Event, Any, None]:
        """Process of one battery or fuel-cell vehicle running its trips in time order."""
        env = self.env
        vid, vtype = str(v["vehicle_id"]), str(v["vehicle_type"])
        h2 = spec.is_hydrogen
        cap = spec.tank_kg if h2 else spec.battery_kwh
        state = {
            "soc": spec.initial_soc,
            "h2": spec.initial_soc * spec.tank_kg,
            "charged_kwh": 0.0,
            "refuel_kg": 0.0,
            "idle_kwh": 0.0,
            "drawn": 0.0,
        }
        first, last = int(v["first"]), int(v["last"])
        depot = int(v["depot_station"])
        loc = depot if depot >= 0 else int(self.c_start_st[first])
        if depot >= 0:
            start_pos = (float(self.st_lon[depot]), float(self.st_lat[depot]))
        else:
            start_pos = (self.c_olon[first], self.c_olat[first])
        done_k = -1  # the last trip run (-1: none yet, the vehicle is at start_pos)
        displaced = False
        min_level = spec.min_soc
        phev = spec.is_plugin_hybrid
        idle_kw = 0.0 if h2 else self.idle_kw(spec)
        self.log.events.append(
            (
                env.now,
                vid,
                "start",
                state["soc"] if not h2 else state["h2"] / max(cap, _EPS),
                self.stations[loc].id if loc >= 0 else "",
            )
        )
        self.live[vid] = (spec, state)

        def level() -> float:
            return state["h2"] / cap if h2 else state["soc"]

        def where() -> tuple[float, float]:  # the vehicle's position: where its last trip ended
            return start_pos if done_k < 0 else (self.c_dlon[done_k], self.c_dlat[done_k])

        # the loop reads the trip columns and the spec once per trip: locals, no helper calls
        # (the same arithmetic, in the same order, as drive_energy and level)
        c_dep, c_arr, c_km, c_sf = self.c_dep, self.c_arr, self.c_km, self.c_sf
        c_dh_km, c_dh_s, c_dh_sf = self.c_dh_km, self.c_dh_s, self.c_dh_sf
        c_end_st = self.c_end_st
        trips_log, events_log = self.log.trips, self.log.events
        stations = self.stations
        timeout = env.timeout
        kg_100 = spec.kg_per_100km
        kwh_km, fac = spec.kwh_per_km, self.factor(spec)
        battery_kwh = spec.battery_kwh
        # a stop at a charging station under the charging policy: charge() unless it has
        # nothing to do (full, or no time), which it would return at once
        plain_charge = spec.is_battery and self.schedule is None
        for k in range(first, last):
            dh_km, dh_s = c_dh_km[k], c_dh_s[k]
            dh_sf = c_dh_sf[k]
            if displaced:
                dh_km, dh_s = self._route(where(), (self.c_olon[k], self.c_olat[k]))
                dh_sf = self.speed_mult(spec, dh_km, dh_s)
            dep_k = c_dep[k]
            leave = dep_k - dh_s
            arrived = env.now
            t_before = arrived
            if loc >= 0 and leave > arrived:
                st = stations[loc]
                if not (plain_charge and st.kind in ("depot", "public")):
                    yield from self.at_station(vid, vtype, spec, loc, state, leave)
                elif st.plugs is not None and state["soc"] < 1.0 - _EPS and leave > arrived + _EPS:
                    # a free plug taken at once (take_free_plug: this process is resumed by the
                    # last callback of each of its events), else charge() asks the clock
                    held = take_free_plug(env, st.plugs)
                    if held is None:
                        yield from self.charge(vid, vtype, spec, st, state, leave)
                    else:
                        times, energy = self.start_charge(
                            vid, vtype, spec, st, state, leave, (held, arrived)
                        )
                        if times[3] > env.now:
                            yield timeout(times[3] - env.now)
                        self.book_charge(vid, vtype, spec, st, state, times, energy)
            now = env.now
            station_s = now - t_before
            # idle draw while waiting off-plug between trips (temperature model only); before
            # its first trip the vehicle is parked (at its depot or first origin): no draw
            if idle_kw > 0:
                off = max(leave - arrived - station_s, 0.0) if k > first else 0.0
                e_idle = min(
                    idle_kw * off / 3600.0, max((state["soc"] - min_level) * battery_kwh, 0.0)
                )
                state["soc"] -= e_idle / battery_kwh
                state["idle_kwh"] += e_idle
                state["drawn"] += e_idle
            km_k = c_km[k]
            if h2:
                need_dh = dh_km * kg_100 / 100.0 * dh_sf
                need_trip = km_k * kg_100 / 100.0 * c_sf[k]
            else:
                need_dh = dh_km * kwh_km * fac * dh_sf
                need_trip = km_k * kwh_km * fac * c_sf[k]
            need = need_dh + need_trip
            lvl = state["h2"] / cap if h2 else state["soc"]
            after = lvl - need / cap if cap > 0 else -math.inf
            if after < min_level - 1e-12 and not phev:
                reason = f"energy: would end at {100 * after:.1f}% < min_soc {100 * min_level:.1f}%"
                trips_log.append(
                    (k, False, reason, math.nan, math.nan, 0.0, lvl, lvl, 0.0, 0.0, 0.0, 0.0)
                )
                events_log.append((now, vid, "missed", lvl, ""))
                displaced = True
                continue
            start_drive = max(now, leave)
            delay = max(start_drive - leave, 0.0)
            t_start = start_drive + dh_s
            t_end = t_start + (c_arr[k] - dep_k)
            soc0 = lvl
            fuel = 0.0
            if h2:
                state["h2"] -= need
            elif phev:  # the deadhead comes first, then the trip
                b_dh, f_dh = self.phev_drive(spec, state, need_dh, dh_km * dh_sf)
                b_tr, f_tr = self.phev_drive(spec, state, need_trip, km_k * c_sf[k])
                need, fuel = b_dh + b_tr, f_dh + f_tr
            else:
                state["soc"] -= need / cap
                state["drawn"] += need
            yield timeout(t_end - now)
            trips_log.append(
                (
                    k,
                    True,
                    "",
                    t_start,
                    t_end,
                    delay,
                    soc0,
                    state["h2"] / cap if h2 else state["soc"],
                    0.0 if h2 else need,
                    need if h2 else 0.0,
                    dh_km,
                    fuel,
                )
            )
            loc = c_end_st[k]
            done_k = k
            displaced = False
        # pull in to the depot, then stay there until the horizon ends
        extra_km = 0.0
        extra_energy = extra_fuel = 0.0
        in_sf = 1.0
        if depot >= 0 and loc != depot:
            km, sec = (float(v["pullin_km"]), float(v["pullin_s"]))
            if displaced or (km == 0.0 and sec == 0.0):
                dpos = (float(self.st_lon[depot]), float(self.st_lat[depot]))
                km, sec = self._route(where(), dpos)
            in_sf = self.speed_mult(spec, km, sec)
            need = self.drive_energy(spec, km, in_sf)
            if phev or level() - need / cap >= min_level - 1e-12:
                extra_energy = need
                if h2:
                    state["h2"] -= need
                elif phev:
                    extra_energy, extra_fuel = self.phev_drive(spec, state, need, km * in_sf)
                else:
                    state["soc"] -= need / cap
                    state["drawn"] += need
                if sec > 0:
                    yield env.timeout(sec)
                extra_km = km
                loc = depot
            else:
                self.log.events.append((env.now, vid, "pullin_short_of_energy", level(), ""))
        if loc >= 0 and self.t_end > env.now:
            yield from self.at_station(vid, vtype, spec, loc, state, self.t_end)
        self.log.vehicles[vid] = {
            "soc_end": level(),
            "idle_kwh": state["idle_kwh"],
            "extra_km": extra_km,
            "extra_energy": extra_energy,
            "extra_fuel": extra_fuel,
            "drawn_kwh": state["drawn"],
            "charged_kwh": state["charged_kwh"],
            "refuel_kg": state["refuel_kg"],
            "soc_start": spec.initial_soc,
        }
        self.log.events.append(
            (env.now, vid, "end", level(), self.stations[loc].id if loc >= 0 else "")
        )

    def _route(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        """Road (km, s) between two points (0 within the station radius)."""
        if (
            haversine_m(a[0], a[1], b[0], b[1]) <= self.opts.station_radius_m
            or not self.opts.deadhead
        ):
            return 0.0, 0.0
        if self.router is None:
            return float(haversine_m(a[0], a[1], b[0], b[1])) / 1000.0, 0.0
        (na, nb), _ = self.router.snap(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
        dl, dt = self.router.row(int(na))
        return float(dl[nb]) / 1000.0, float(dt[nb])

    def run(self) -> Log:
        """Start every vehicle process and run the clock to the horizon end."""
        specs = self.prep.specs
        vt = self.prep.vehicles
        cols = [
            "vehicle_id",
            "vehicle_type",
            "powertrain",
            "first",
            "last",
            "depot_station",
            "pullin_km",
            "pullin_s",
        ]
        arrays = [vt[c].to_numpy(dtype=object) for c in cols]
        for values in zip(*arrays, strict=True):
            v = dict(zip(cols, values, strict=True))
            spec = (
                self.prep.vehicle_specs.get(str(v["vehicle_id"]))
                or specs[(v["vehicle_type"], v["powertrain"])]
            )
            if spec.is_battery or spec.is_hydrogen:
                self.env.process(self.vehicle(v, spec))
        for extra in getattr(self, "extra_processes", []):
            self.env.process(extra)
        # events at exactly the horizon end (charging that stops there) still complete
        self.env.run(until=self.t_end + 1e-6)
        for vid, (spec, state) in self.live.items():
            if vid not in self.log.vehicles:  # still busy at the horizon end
                lvl = state["h2"] / spec.tank_kg if spec.is_hydrogen else state["soc"]
                self.log.vehicles[vid] = {
                    "soc_end": lvl,
                    "idle_kwh": state["idle_kwh"],
                    "extra_km": 0.0,
                    "extra_energy": 0.0,
                    "extra_fuel": 0.0,
                    "drawn_kwh": state["drawn"],
                    "charged_kwh": state["charged_kwh"],
                    "refuel_kg": state["refuel_kg"],
                    "soc_start": spec.initial_soc,
                }
        return self.log

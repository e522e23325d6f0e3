"""The station actions of the kernel: queue for a plug, charge, swap, refuel (CONTRACT §4).

:class:`StationActions` is the part of :class:`fleetopt.simulation.kernel.Model` that runs
a vehicle's stop at a station: :meth:`~StationActions.ask` (the one queue rule),
:meth:`~StationActions.charge` and :meth:`~StationActions.end_charge` (charging under the
``charging`` policy; :mod:`.scheduled` charges by a schedule with the same two rules),
:meth:`~StationActions.swap`, :meth:`~StationActions.refuel` and
:meth:`~StationActions.at_station` (which of them a stop takes). ``Model`` inherits it; the
taxi dispatch charges its taxis through ``Model.charge``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from fleetopt.domain import charging as chg
from fleetopt.domain.costs import cheapest_windows, resolve_tariff
from fleetopt.inputs.scenario import Scenario
from fleetopt.inputs.scenario_options import Options
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.log_frames import Log
from fleetopt.simulation.resources import Station
from fleetopt.simulation.scheduled import Schedule
from fleetopt.simulation.scheduled import charge as charge_scheduled

__all__ = ["StationActions"]

_EPS = 1e-9


class _Held:
    """A plug taken by :func:`take_free_plug` (stands in the resource's users for a request)."""

    __slots__ = ()


class _PlugFreed(simpy.Event):
    """The event ``Resource.release`` schedules: when processed, the queue is served.

    ``plugs.release(request)`` frees the plug at once and schedules a triggered ``Release``
    event whose one callback serves the waiting requests (``plugs._trigger_put``); this is
    that event without the ``Release`` bookkeeping around it (its get queue, always empty
    for a plain ``simpy.Resource``, whose releases all succeed at once).
    """

    def __init__(self, env: simpy.Environment, plugs: simpy.Resource) -> None:
        self.env = env
        self.callbacks = [plugs._trigger_put]
        self._ok = True
        self._value = None


def take_free_plug(env: simpy.Environment, plugs: simpy.Resource) -> Any:
    """Take a free plug at once, or return None when the request must go through the clock.

    Only when a plug is free, nobody queues and no other event is due at this instant: then
    ``plugs.request()`` would be granted on the spot, its event would be the next one the
    clock processes and the requester would resume from it with nothing between (for a
    requester resumed by the last callback of the event it is processed in: a kernel vehicle,
    see ``Model.vehicle``).
    The returned object is released with :func:`release_plug` like a request.
    """
    if len(plugs.users) < plugs.capacity and not plugs.put_queue and env.peek() > env.now:
        held = _Held()
        plugs.users.append(held)  # type: ignore[arg-type]
        return held
    return None


def release_plug(env: simpy.Environment, plugs: simpy.Resource, req: Any) -> None:
    """Give a plug back: what ``plugs.release(req)`` does, in the same clock order.

    The plug is free at once and the waiting requests are served when the scheduled
    :class:`_PlugFreed` event is processed, as with the ``Release`` event.
    """
    plugs.users.remove(req)
    env.schedule(_PlugFreed(env, plugs))


class StationActions:
    """What a vehicle does at a station; mixed into the kernel's ``Model``.

    Attributes
    ----------
    env : simpy.Environment
        The clock.
    log : Log
        The kernel's log.
    sc : Scenario
        The scenario (its tariffs).
    opts : Options
        Its options.
    schedule : Schedule or None
        A Case's charging schedule (None: the ``charging`` policy).
    stations : list of Station
        The stations, by row.
    rack_kw : float
        Default power of a swap station's battery rack [kW].
    """

    env: simpy.Environment
    log: Log
    sc: Scenario
    opts: Options
    schedule: Schedule | None
    stations: list[Station]
    rack_kw: float

    def ask(
        self,
        request: Any,
        until_s: float,
        who: tuple[str, str, Station, float, Callable[[], float]],
        *,
        take_if_free: bool = False,
        log_event: bool = False,
    ) -> Generator[simpy.Event, Any, bool]:
        """Ask for a plug (a swap bay, a battery, a dispenser) and give up at ``until_s``.

        The one queue rule of the kernel (CONTRACT §4): wait for ``request`` (a SimPy
        resource request or container / store get) until ``until_s``; when it is not granted
        by then, cancel it, log a ``gave_up`` session and return False. Returns True when
        granted (the caller then owns it and releases it).

        Parameters
        ----------
        request : simpy event
            ``plugs.request()``, ``stock.get(1)``, ...
        until_s : float
            Latest time to be granted [s].
        who : tuple
            ``(vehicle_id, vehicle_type, station, arrive_s, level)`` for the log; ``level()``
            gives the state of charge (or tank fraction) at the moment of giving up.
        take_if_free : bool
            Take a request that is already granted without racing a timeout against it (what
            charging does; the order of same-time events depends on it).
        log_event : bool
            Also add a ``gave_up`` row to the event log (charging does).
        """
        env = self.env
        if take_if_free and request.triggered:
            yield request
            return True
        got = yield request | env.timeout(max(until_s - env.now, 0.0))
        if request in got:
            return True
        request.cancel()
        vid, vtype, st, arrive, level = who
        self.log.gave_up(vid, vtype, st.index, arrive, env.now, level())
        if log_event:
            self.log.events.append((env.now, vid, "gave_up", level(), st.id))
        return False

    def charge(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st: Station,
        state: dict[str, float],
        deadline: float,
        target: float = 1.0,
    ) -> Generator[simpy.Event, Any, None]:
        """Queue for a plug and charge toward ``target`` until ``deadline`` (CONTRACT §4).

        A kernel vehicle that finds a plug it may take at once (:func:`take_free_plug`) runs
        the same steps without this generator: :meth:`start_charge`, the wait to the end,
        :meth:`book_charge`.
        """
        env = self.env
        if st.plugs is None or state["soc"] >= target - _EPS or deadline <= env.now + _EPS:
            return
        arrive = env.now
        req = st.plugs.request()
        if req.triggered:  # a free plug: what ask(take_if_free=True) does, without its frame
            yield req
        else:
            who = (vid, vtype, st, arrive, lambda: state["soc"])
            if not (yield from self.ask(req, deadline, who, take_if_free=True, log_event=True)):
                return
        times, energy = self.start_charge(vid, vtype, spec, st, state, deadline, (req, arrive),
                                          target)
        if times[3] > env.now:  # end_charge, without a generator of its own
            yield env.timeout(times[3] - env.now)
        self.book_charge(vid, vtype, spec, st, state, times, energy)

    def start_charge(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st: Station,
        state: dict[str, float],
        deadline: float,
        held: tuple[Any, float],
        target: float = 1.0,
    ) -> tuple[tuple[Any, float, float, float], tuple[float, float, float]]:
        """Plug in now and lay out the charge toward ``target`` until ``deadline``.

        ``held`` is ``(the granted plug request, arrive_s)``. Logs the plug-in and the grid
        segments; returns the ``times`` and ``energy`` of :meth:`end_charge`.
        """
        req, arrive = held
        plug = self.env.now
        eff = spec.charge_efficiency
        kw = min(st.plug_kw, spec.max_charge_kw, st.grid_cap_kw * eff)
        crv = chg.curve(spec.charging_curve)
        soc_in = state["soc"]
        self.log.events.append((plug, vid, "plug_in", soc_in, st.id))
        if self.opts.charging == "smart":
            soc_out, steps = chg.charge_steps(soc_in, target, math.inf, kw, spec.battery_kwh, crv)
            need = sum(d for d, _ in steps)
            tariff = resolve_tariff(self.opts.tariff, self.sc.tariffs)
            wins = cheapest_windows(plug, deadline, need, tariff)
            segs = chg.lay_out(wins, steps)
            done = sum(b - a for a, b, _ in segs)
            if done < need - 1e-6:  # not enough time: charge what fits
                soc_out, steps = chg.charge_steps(soc_in, target, done, kw, spec.battery_kwh, crv)
                segs = chg.lay_out(wins, steps)
            end = segs[-1][1] if segs else plug
        else:
            soc_out, steps = chg.charge_steps(
                soc_in, target, deadline - plug, kw, spec.battery_kwh, crv
            )
            segs, t = [], plug
            for d, p in steps:
                segs.append((t, t + d, p))
                t += d
            end = t
        e_batt = sum((b - a) * p for a, b, p in segs) / 3600.0
        for a, b, p in segs:
            self.log.segments.append((st.index, vtype, a, b, p / eff))
        return (req, arrive, plug, end), (e_batt, soc_in, soc_out)

    def end_charge(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st: Station,
        state: dict[str, float],
        times: tuple[Any, float, float, float],
        energy: tuple[float, float, float],
    ) -> Generator[simpy.Event, Any, None]:
        """Stay plugged until the end, release the plug and book the session (one rule).

        ``times`` is ``(plug request, arrive_s, plug_s, end_s)``, ``energy`` is
        ``(battery kWh charged, soc at plug-in, soc the charging curve reached)``.
        """
        end = times[3]
        if end > self.env.now:
            yield self.env.timeout(end - self.env.now)
        self.book_charge(vid, vtype, spec, st, state, times, energy)

    def book_charge(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st: Station,
        state: dict[str, float],
        times: tuple[Any, float, float, float],
        energy: tuple[float, float, float],
    ) -> None:
        """Release the plug at the end of a charge and book the session (:meth:`end_charge`)."""
        req, arrive, plug, end = times
        e_batt, soc_in, soc_out = energy
        assert st.plugs is not None
        release_plug(self.env, st.plugs, req)
        state["soc"] = soc_in + e_batt / spec.battery_kwh
        if abs(state["soc"] - soc_out) < 1e-9:
            state["soc"] = soc_out
        state["charged_kwh"] += e_batt
        self.log.sessions.append((vid, vtype, st.index, "charge", arrive, plug, end, e_batt,
                                  e_batt / spec.charge_efficiency, 0.0, soc_in, state["soc"]))
        self.log.events.append((end, vid, "unplug", state["soc"], st.id))

    def swap(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st: Station,
        state: dict[str, float],
        deadline: float,
    ) -> Generator[simpy.Event, Any, None]:
        """Queue for a swap bay and a full battery, then swap (battery recharged in the back)."""
        env = self.env
        if st.plugs is None or st.stock is None or deadline - env.now < st.swap_s:
            return
        arrive = env.now
        who = (vid, vtype, st, arrive, lambda: state["soc"])
        req = st.plugs.request()
        if not (yield from self.ask(req, deadline - st.swap_s, who)):
            return
        if not (yield from self.ask(st.stock.get(1), deadline - st.swap_s, who)):
            release_plug(env, st.plugs, req)
            return
        plug = env.now
        yield env.timeout(st.swap_s)
        release_plug(env, st.plugs, req)
        soc_in = state["soc"]
        e_batt = (1.0 - soc_in) * spec.battery_kwh
        state["soc"] = 1.0
        state["charged_kwh"] += e_batt
        eff = spec.charge_efficiency
        rack_kw = st.plug_kw if st.plug_kw > 0 else self.rack_kw
        env.process(self._recharge_rack(st, vtype, e_batt, rack_kw, eff))
        self.log.sessions.append(
            (
                vid,
                vtype,
                st.index,
                "swap",
                arrive,
                plug,
                env.now,
                e_batt,
                e_batt / eff,
                0.0,
                soc_in,
                1.0,
            )
        )
        self.log.events.append((env.now, vid, "swap", 1.0, st.id))

    def _recharge_rack(
        self, st: Station, vtype: str, e_batt: float, kw: float, eff: float
    ) -> Generator[simpy.Event, Any, None]:
        start = self.env.now
        dur = e_batt / kw * 3600.0 if kw > 0 else 0.0
        if dur > 0:
            self.log.segments.append((st.index, vtype, start, start + dur, kw / eff))
            yield self.env.timeout(dur)
        assert st.stock is not None
        yield st.stock.put(1)

    def refuel(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st: Station,
        state: dict[str, float],
        deadline: float,
    ) -> Generator[simpy.Event, Any, None]:
        """Queue for a dispenser and fill the tank (limited by the day's kg and the deadline)."""
        env = self.env
        if st.plugs is None or st.h2_left is None or spec.tank_kg <= 0:
            return
        if state["h2"] >= self.opts.fcev_refuel_frac * spec.tank_kg - _EPS or deadline <= env.now:
            return
        arrive = env.now
        who = (vid, vtype, st, arrive, lambda: state["h2"] / spec.tank_kg)
        req = st.plugs.request()
        if not (yield from self.ask(req, deadline, who)):
            return
        plug = env.now
        want = min(
            spec.tank_kg - state["h2"], (deadline - plug) / 60.0 * st.kg_per_min, st.h2_left.level
        )
        if want > _EPS:
            yield st.h2_left.get(want)
            yield env.timeout(want / st.kg_per_min * 60.0)
        else:
            want = 0.0
            self.log.events.append(
                (env.now, vid, "h2_unavailable", state["h2"] / spec.tank_kg, st.id)
            )
        release_plug(env, st.plugs, req)
        f_in = state["h2"] / spec.tank_kg
        state["h2"] += want
        state["refuel_kg"] += want
        self.log.sessions.append(
            (
                vid,
                vtype,
                st.index,
                "hydrogen",
                arrive,
                plug,
                env.now,
                0.0,
                0.0,
                want,
                f_in,
                state["h2"] / spec.tank_kg,
            )
        )

    def at_station(
        self,
        vid: str,
        vtype: str,
        spec: VehicleSpec,
        st_idx: int,
        state: dict[str, float],
        deadline: float,
    ) -> Generator[simpy.Event, Any, None]:
        """Do what the vehicle does at a station before ``deadline`` (charge, swap or refuel)."""
        if st_idx < 0:
            return
        st = self.stations[st_idx]
        if spec.is_battery:
            if st.kind in ("depot", "public") and self.schedule is not None:
                yield from charge_scheduled(self, vid, vtype, spec, st, state, deadline)
            elif st.kind in ("depot", "public"):
                yield from self.charge(vid, vtype, spec, st, state, deadline)
            elif st.kind == "swap" and spec.swappable and state["soc"] < 1.0 - _EPS:
                yield from self.swap(vid, vtype, spec, st, state, deadline)
        elif spec.is_hydrogen and st.kind == "hydrogen":
            yield from self.refuel(vid, vtype, spec, st, state, deadline)

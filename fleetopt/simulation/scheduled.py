"""Charge battery vehicles by a given schedule instead of the ``charging`` policy.

The operator plan (CONTRACT §9, issue 15 item 3) hands the simulator its cheapest charging
schedule to check it: a table ``vehicle_id, station_id, start_s, end_s, battery_kwh``
(battery-side energy, the kWh the battery gains) carried by the Case
(``Case.charging_schedule``). With a schedule the kernel calls :func:`charge` where it
would otherwise queue a vehicle for a plug (:meth:`Model.charge
<fleetopt.simulation.kernel.Model.charge>`); every other policy is untouched.

Rules (one per window of the vehicle at the station it stands at):

* the vehicle asks for a plug at the window's start (or when it arrives, if later) and
  queues for it first come first served like any other charge (the kernel's one queue
  rule, :meth:`Model.ask <fleetopt.simulation.kernel.Model.ask>`), giving up at the
  window's end (or its departure, if earlier);
* once plugged it charges the window's ``battery_kwh`` (no more than the battery holds) at
  the plug's full power, ``min(plug_kw, max_charge_kw, grid cap x efficiency)`` along its
  charging curve, and unplugs when done, at the window's end or at its departure,
  whichever comes first. Full power from the window's start is the reading of the
  schedule that needs the least plug time: the plan shares a station's plugs inside a
  step by plug time (energy / power), so holding a plug for a whole step at the step's
  average power would need more plugs than planned. The tariff price is constant inside
  a window (windows do not cross the plan's steps), so the energy cost is the plan's;
* each window is used once (up to the departure that cut it): a vehicle back early at
  the station, after a missed trip, does not charge it again;
* nothing is charged outside the windows. Windows are clock times of the simulated day
  (the plan's cyclic day starts at the horizon start); a vehicle not at the window's
  station when it starts gets nothing from it.

Grid energy is battery energy / ``charge_efficiency`` as everywhere in the kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, Protocol

import numpy as np
import pandas as pd
import simpy

from fleetopt.domain import charging as chg
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.resources import Station

__all__ = ["SCHEDULE_COLUMNS", "Kernel", "Schedule", "charge"]

#: Columns a charging schedule must have (battery-side kWh).
SCHEDULE_COLUMNS = ("vehicle_id", "station_id", "start_s", "end_s", "battery_kwh")

_EPS = 1e-9


class Kernel(Protocol):
    """What :func:`charge` uses of the kernel's ``Model``.

    ``fleetopt.simulation.kernel`` imports this module, so it is not imported here.
    """

    env: simpy.Environment
    schedule: Schedule | None
    log: Any

    def ask(
        self,
        request: Any,
        until_s: float,
        who: tuple[str, str, Station, float, Callable[[], float]],
        *,
        take_if_free: bool = False,
        log_event: bool = False,
    ) -> Generator[simpy.Event, Any, bool]:
        """Ask for a plug and give up at ``until_s`` (the kernel's queue rule)."""
        ...

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
        """Stay plugged until the end, release the plug and book the session (kernel's rule)."""
        ...


class Schedule:
    """Charging windows per (vehicle id, station id), sorted by start.

    Parameters
    ----------
    table : pandas.DataFrame
        ``vehicle_id, station_id, start_s, end_s, battery_kwh`` [s], [kWh]; rows with no
        energy or no duration are dropped.
    """

    def __init__(self, table: pd.DataFrame) -> None:
        missing = [c for c in SCHEDULE_COLUMNS if c not in table.columns]
        if missing:
            msg = f"a charging schedule needs the columns {missing}"
            raise ValueError(msg)
        t = table.loc[
            (table["battery_kwh"].to_numpy(float) > _EPS)
            & (table["end_s"].to_numpy(float) > table["start_s"].to_numpy(float) + _EPS)
        ]
        t = t.sort_values(["vehicle_id", "station_id", "start_s"], kind="stable")
        self.windows: dict[tuple[str, str], np.ndarray] = {
            (str(v), str(s)): g[["start_s", "end_s", "battery_kwh"]].to_numpy(float)
            for (v, s), g in t.groupby(["vehicle_id", "station_id"], sort=False)
        }

    @classmethod
    def of(cls, table: pd.DataFrame | None) -> Schedule | None:
        """Return the schedule of a table, or None without one (the scenario's policy)."""
        return None if table is None else cls(table)

    def between(self, vid: str, station_id: str, t0: float, t1: float) -> np.ndarray:
        """Return a vehicle's windows at a station that end after ``t0``, start before ``t1``.

        Rows are ``(start_s, end_s, battery_kwh)``.
        """
        w = self.windows.get((vid, station_id))
        if w is None:
            return np.zeros((0, 3))
        return w[(w[:, 1] > t0 + _EPS) & (w[:, 0] < t1 - _EPS)]


def charge(
    model: Kernel,
    vid: str,
    vtype: str,
    spec: VehicleSpec,
    st: Station,
    state: dict[str, float],
    deadline: float,
) -> Generator[simpy.Event, Any, None]:
    """Charge a vehicle standing at ``st`` until ``deadline`` by its windows (module rules)."""
    env = model.env
    sched = model.schedule
    if st.plugs is None or sched is None:
        return
    eff = spec.charge_efficiency
    kw = min(st.plug_kw, spec.max_charge_kw, st.grid_cap_kw * eff)
    crv = chg.curve(spec.charging_curve)
    # a window is used once: a vehicle that returns early (a missed trip) does not reuse it
    done = max(env.now, state.get("schedule_done_s", -math.inf))
    for a, b, kwh in sched.between(vid, str(st.id), done, deadline):
        stop = min(float(b), deadline)
        state["schedule_done_s"] = stop
        if float(a) > env.now:
            yield env.timeout(float(a) - env.now)
        soc_in = state["soc"]
        want = min(float(kwh), (1.0 - soc_in) * spec.battery_kwh)
        if want <= _EPS or stop <= env.now + _EPS:
            continue
        arrive = env.now
        who = (vid, vtype, st, arrive, lambda: state["soc"])
        req = st.plugs.request()
        if not (yield from model.ask(req, stop, who, take_if_free=True, log_event=True)):
            continue
        plug = env.now
        model.log.events.append((plug, vid, "plug_in", soc_in, st.id))
        target = min(1.0, soc_in + want / spec.battery_kwh)
        soc_out, steps = chg.charge_steps(soc_in, target, stop - plug, kw, spec.battery_kwh, crv)
        t = plug
        e_batt = 0.0
        for d, p in steps:
            model.log.segments.append((st.index, vtype, t, t + d, p / eff))
            e_batt += d * p / 3600.0
            t += d
        yield from model.end_charge(
            vid, vtype, spec, st, state, (req, arrive, plug, t), (e_batt, soc_in, soc_out)
        )

"""Replay the planned charging schedule against the planned blocks (issue 15, item 3 check).

The charging LP tracks the state of charge only at the boundaries of each vehicle's
segments and shares a station's plugs within a time step. This module takes what the
plan hands out — the blocks' days (:class:`~fleetopt.planning.charging_lp.VehicleDay`)
and the schedule table (``vehicle_id, station_id, start_s, end_s, battery_kwh``) — and
runs each vehicle's day forward in continuous time, independently of the LP:

* every charge must fall inside a stay of that vehicle at that station
  (``charges_outside_stays``);
* the day must run with a starting charge between the reserve and the battery: the
  smallest such start is found from the running sum of charges and drives; when none
  exists, the day is run from a full battery and every trip that would take the charge
  below the reserve is counted as missed (``trips_missed``; the vehicle skips it);
* the day must close: charged energy >= driven energy (``days_not_closed``);
* plugs first: at each station the scheduled intervals are run on the planned plugs,
  earliest end first (preemptive), each vehicle at its full power inside its interval;
  energy that does not fit is ``plug_shortfall_kwh`` and is taken off the vehicle's
  charge before its day is run (so a shortfall shows up as missed trips or an open day);
* energy: ``battery_kwh_charged`` (schedule) minus ``battery_kwh_driven`` (the days'
  drives and deadheads) is ``energy_difference_kwh``.

The plan's ``comparison`` runs the planned blocks in the discrete-event simulator with
the planned plugs under ``immediate`` and ``smart`` and, as ``scheduled``, following this
schedule (:mod:`fleetopt.simulation.scheduled`; each vehicle starts at the charge
:func:`start_charges_kwh` gives, the plan's cyclic day being unrolled from the horizon
start). :func:`replay_schedule` adds the simulator's grid energy minus the plan's for each
policy but ``scheduled`` (``simulator_energy_difference_kwh``) and, from that run,
``simulator_trips_missed``, ``simulator_battery_kwh`` / ``simulator_grid_kwh`` (charged,
battery and grid side), ``simulator_battery_difference_kwh`` and
``simulator_grid_difference_kwh`` (simulator minus plan), ``simulator_vehicles_below_start``
(vehicles whose simulated day ends below the charge it started with),
``simulator_days_closed`` (none does), ``simulator_plug_gave_up`` (windows lost because
the plug did not free before the window ended), ``simulator_plug_wait_max_s`` (longest
wait for a plug at a window's start), and ``idle_kwh`` / ``simulator_idle_kwh`` (the
layovers' off-plug draw in the plan and in the simulator: the plan draws it over whole
layovers, the simulator only after a layover's last charge, so a vehicle following the
schedule holds more charge than planned and charges up to ``idle_kwh -
simulator_idle_kwh`` less: the stated tolerance of ``simulator_battery_difference_kwh``).
Drives in ``battery_kwh_driven`` include the planned idle draw.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.planning.charging_lp import ChargingPlan, VehicleDay
from fleetopt.planning.problem import DAY_S

__all__ = ["replay_schedule", "start_charges_kwh"]

_TOL_S = 1e-3
_TOL_KWH = 1e-4


def _is_idle(sg: Any) -> bool:
    """Return True for a layover's idle draw (a zero-length drive, ``block_check.with_idle``)."""
    return bool(sg.trip < 0 and sg.km == 0 and sg.end_s == sg.start_s and sg.kwh > 0)


def _day_check(
    day: VehicleDay, charges: pd.DataFrame, station_index: dict[str, int]
) -> dict[str, Any]:
    """Run one vehicle's day with its scheduled charges (times on the vehicle's own day)."""
    segs = day.segments
    t_out = segs[0].start_s if segs else 0.0
    outside = 0
    ch_t = np.zeros(0)
    ch_kwh = np.zeros(0)
    if len(charges):
        st = charges["start_s"].to_numpy(float)
        en = charges["end_s"].to_numpy(float)
        ch_kwh = charges["battery_kwh"].to_numpy(float)
        ch_t = t_out + np.mod(st - t_out, DAY_S)  # onto [t_out, t_out + 24 h)
        ch_e = ch_t + (en - st)
        sid = np.array([station_index.get(str(s), -2) for s in charges["station_id"]])
        stays = [sg for sg in segs if sg.kind == "stay" and sg.station >= 0]
        ok = np.zeros(ch_t.size, bool)
        for sg in stays:
            ok |= (sid == sg.station) & (ch_t >= sg.start_s - _TOL_S) & (ch_e <= sg.end_s + _TOL_S)
        outside = int((~ok).sum())
        order = np.argsort(ch_t, kind="stable")
        ch_t, ch_kwh = ch_t[order], ch_kwh[order]
    cum_ch = np.concatenate([[0.0], np.cumsum(ch_kwh)])
    drives = [sg for sg in segs if sg.kind == "drive"]
    d_start = np.array([sg.start_s for sg in drives])
    d_end = np.array([sg.end_s for sg in drives])
    d_kwh = np.array([sg.kwh for sg in drives])
    d_cum = np.concatenate([[0.0], np.cumsum(d_kwh)])
    # charge balance after each drive (charges that start before the drive count)
    after_drive = cum_ch[np.searchsorted(ch_t, d_start, side="left")] - d_cum[1:]
    # and right after each charge (drives that ended before it)
    after_charge = cum_ch[1:] - d_cum[np.searchsorted(d_end, ch_t + _TOL_S, side="right")]
    lo, cap = day.min_kwh, day.cap_kwh
    need_lo = max(lo, lo - float(after_drive.min())) if after_drive.size else lo
    need_hi = cap - max(0.0, float(after_charge.max())) if after_charge.size else cap
    missed = 0
    if need_lo > need_hi + _TOL_KWH:
        # no starting charge works: run from a full battery, skipping what cannot be driven
        soc, k = cap, 0
        for sg in drives:
            while k < ch_t.size and ch_t[k] < sg.start_s:
                soc = min(cap, soc + float(ch_kwh[k]))
                k += 1
            if soc - sg.kwh < lo - _TOL_KWH:
                missed += int(sg.trip >= 0)
                continue
            soc -= sg.kwh
    charged = float(ch_kwh.sum())
    driven = float(d_kwh.sum())
    return {
        "trips_missed": missed,
        "closed": charged >= driven - _TOL_KWH * max(1.0, driven),
        "outside": outside,
        "charged": charged,
        "driven": driven,
    }


def _edf(release: np.ndarray, deadline: np.ndarray, work: np.ndarray, plugs: int) -> np.ndarray:
    """Run jobs on ``plugs`` machines, earliest deadline first, preemptive; return work done.

    A job may run only inside [release, deadline) and at most one machine at a time.
    """
    n = release.size
    done = np.zeros(n)
    if n == 0 or plugs <= 0:
        return done
    left = work.astype(float).copy()
    order = np.argsort(release, kind="stable")
    times = np.unique(np.concatenate([release, deadline]))
    ready: list[tuple[float, int]] = []
    k = ti = 0
    t = float(times[0])
    while True:
        while k < n and release[order[k]] <= t + 1e-9:
            j = int(order[k])
            heapq.heappush(ready, (float(deadline[j]), j))
            k += 1
        while ti < times.size and times[ti] <= t + 1e-9:
            ti += 1
        run: list[tuple[float, int]] = []
        while ready and len(run) < plugs:
            d, j = heapq.heappop(ready)
            if d > t + 1e-9 and left[j] > 1e-9:  # expired or finished jobs are dropped
                run.append((d, j))
        if not run:
            if k >= n:
                break
            t = float(release[order[k]])
            continue
        t_next = float(times[ti]) if ti < times.size else math.inf
        step = min(t_next - t, min(left[j] for _, j in run))
        for d, j in run:
            left[j] -= step
            done[j] += step
            heapq.heappush(ready, (d, j))
        t += step
    return done


def start_charges_kwh(
    days: list[VehicleDay], charging: ChargingPlan, t0_s: float
) -> dict[str, float]:
    """Charge each planned vehicle needs at the horizon start to run its day by the schedule.

    The plan's own charge at that time (``ChargingPlan.start_kwh``) where it has one;
    otherwise as follows.
    The simulator runs the day from ``t0_s`` with the schedule's windows at their clock
    times on ``[t0_s, t0_s + 24 h)`` (the plan's cyclic day), so a charge planned for the
    early morning comes before the pull-out. The start is the highest charge that loses
    none of the scheduled energy to a full battery (so it leaves the most margin above the
    reserve); where the schedule cannot run the day from any start, a full battery.

    Returns
    -------
    dict
        ``vehicle_id -> kWh`` at ``t0_s``.
    """
    sched = charging.schedule
    by_vehicle = {str(v): g for v, g in sched.groupby("vehicle_id")} if len(sched) else {}
    out: dict[str, float] = {}
    for day in days:
        if day.vehicle_id in charging.start_kwh:
            # the LP's own charge at the horizon start: the simulation then follows the
            # planned state of charge (a higher start charges slower along a tapering curve)
            out[day.vehicle_id] = float(charging.start_kwh[day.vehicle_id])
            continue
        g = by_vehicle.get(day.vehicle_id)
        ch_t, ch_kwh = np.zeros(0), np.zeros(0)
        if g is not None:
            ch_t = t0_s + np.mod(g["start_s"].to_numpy(float) - t0_s, DAY_S)
            order = np.argsort(ch_t, kind="stable")
            ch_t, ch_kwh = ch_t[order], g["battery_kwh"].to_numpy(float)[order]
        drives = [sg for sg in day.segments if sg.kind == "drive"]
        d_start = np.array([sg.start_s for sg in drives])
        d_end = np.array([sg.end_s for sg in drives])
        d_cum = np.concatenate([[0.0], np.cumsum([sg.kwh for sg in drives])])
        cum_ch = np.concatenate([[0.0], np.cumsum(ch_kwh)])
        after_drive = cum_ch[np.searchsorted(ch_t, d_start, side="left")] - d_cum[1:]
        after_charge = cum_ch[1:] - d_cum[np.searchsorted(d_end, ch_t + _TOL_S, side="right")]
        lo, cap = day.min_kwh, day.cap_kwh
        need_lo = lo - min(0.0, float(after_drive.min())) if after_drive.size else lo
        need_hi = cap - max(0.0, float(after_charge.max())) if after_charge.size else cap
        start = need_hi if need_lo <= need_hi + _TOL_KWH else cap
        out[day.vehicle_id] = float(min(cap, max(lo, start)))
    return out


def replay_schedule(
    days: list[VehicleDay],
    charging: ChargingPlan,
    station_ids: np.ndarray,
    comparison: dict[str, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Check the planned schedule by running every planned day with it (module rules).

    Parameters
    ----------
    days : list of VehicleDay
        The planned blocks' days, as given to the charging LP.
    charging : ChargingPlan
        The plan's plugs and schedule.
    station_ids : numpy.ndarray
        Station ids indexed like ``VehicleDay.rate_kw``.
    comparison : dict, optional
        The simulator runs of the plan (``{policy: {grid_energy_kwh, ...}}``).

    Returns
    -------
    dict
        ``trips_missed``, ``days_not_closed``, ``charges_outside_stays``,
        ``plug_shortfall_kwh`` {station id: scheduled kWh its plugs could not deliver},
        ``battery_kwh_charged`` (delivered),
        ``battery_kwh_driven``, ``energy_difference_kwh`` and, with a comparison,
        ``simulator_energy_difference_kwh`` {policy: simulator grid kWh - plan grid kWh};
        with a ``scheduled`` run in the comparison, the ``simulator_*`` keys of the module
        docstring.
    """
    station_index = {str(s): k for k, s in enumerate(station_ids)}
    sched = charging.schedule.copy()
    shortfall: dict[str, float] = {}
    if len(sched):
        # what the planned plugs can deliver: every station runs its scheduled intervals
        # earliest end first on its plugs, at the vehicle's full power
        day_of = {d.vehicle_id: d for d in days}
        rate = np.array(
            [
                float(day_of[str(v)].rate_kw[station_index[str(s)]])
                for v, s in zip(sched["vehicle_id"], sched["station_id"], strict=True)
            ]
        )
        want = sched["battery_kwh"].to_numpy(float)
        work = want / np.maximum(rate, 1e-9) * 3600.0
        start = sched["start_s"].to_numpy(float)
        end = sched["end_s"].to_numpy(float)
        got = np.zeros(len(sched))
        for sid, idx in sched.groupby("station_id").indices.items():
            n_plugs = int(charging.plugs.get(str(sid), 0))
            got[idx] = _edf(start[idx], end[idx], work[idx], n_plugs) / 3600.0 * rate[idx]
            miss = float((want[idx] - got[idx]).sum())
            if miss > _TOL_KWH * max(1.0, float(want[idx].sum())):
                shortfall[str(sid)] = miss
        sched["battery_kwh"] = np.minimum(want, got)
    by_vehicle = {str(v): g for v, g in sched.groupby("vehicle_id")} if len(sched) else {}
    empty = sched.iloc[0:0]
    missed = not_closed = outside = 0
    charged = driven = 0.0
    for day in days:
        res = _day_check(day, by_vehicle.get(day.vehicle_id, empty), station_index)
        missed += res["trips_missed"]
        not_closed += not res["closed"]
        outside += res["outside"]
        charged += res["charged"]
        driven += res["driven"]
    out: dict[str, Any] = {
        "trips_missed": missed,
        "days_not_closed": not_closed,
        "charges_outside_stays": outside,
        "plug_shortfall_kwh": shortfall,
        "battery_kwh_charged": charged,
        "battery_kwh_driven": driven,
        "energy_difference_kwh": charged - driven,
    }
    idle = float(
        sum(sg.kwh for d in days for sg in d.segments if sg.kind == "drive" and _is_idle(sg))
    )
    sim = (comparison or {}).get("scheduled")
    if sim is not None:
        # the simulator following the schedule (plan.compare_policies, policy "scheduled")
        plan_batt = float(charging.schedule["battery_kwh"].sum()) if len(sched) else 0.0
        out["simulator_trips_missed"] = int(sim["trips_missed"])
        out["simulator_battery_kwh"] = float(sim["battery_kwh"])
        out["simulator_grid_kwh"] = float(sim["grid_energy_kwh"])
        out["simulator_battery_difference_kwh"] = float(sim["battery_kwh"]) - plan_batt
        out["simulator_grid_difference_kwh"] = float(sim["grid_energy_kwh"]) - charging.grid_kwh
        out["simulator_vehicles_below_start"] = int(sim["vehicles_below_start"])
        out["simulator_days_closed"] = int(sim["vehicles_below_start"]) == 0
        out["simulator_plug_gave_up"] = int(sim.get("plug_gave_up", 0))
        out["simulator_plug_wait_max_s"] = float(sim.get("plug_wait_max_s", 0.0))
        out["idle_kwh"] = idle
        out["simulator_idle_kwh"] = float(sim.get("idle_kwh", math.nan))
    if comparison:
        out["simulator_energy_difference_kwh"] = {
            p: float(v["grid_energy_kwh"]) - charging.grid_kwh
            for p, v in comparison.items()
            if p not in ("plan", "scheduled")
            and math.isfinite(float(v.get("grid_energy_kwh", math.nan)))
        }
    return out

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
* at each station, each scheduled interval's energy is spread evenly over it and
  divided by the vehicle's charging power (plug-equivalents, so plugs time-shared
  within an interval count as shares); the most in use at once, rounded up, is compared
  with the planned plugs (``plug_overuse``: stations where it exceeds them);
* energy: ``battery_kwh_charged`` (schedule) minus ``battery_kwh_driven`` (the days'
  drives and deadheads) is ``energy_difference_kwh``.

The discrete-event simulator itself is not driven by this schedule (its charging
policies are ``immediate`` and ``smart``); the plan's ``comparison`` runs the planned
blocks there with the planned plugs, and :func:`replay_schedule` adds the simulator's
grid energy minus the plan's for each policy (``simulator_energy_difference_kwh``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.planning.charging_lp import ChargingPlan, VehicleDay
from fleetopt.planning.problem import DAY_S

__all__ = ["replay_schedule"]

_TOL_S = 1e-3
_TOL_KWH = 1e-4


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


def _max_in_use(start: np.ndarray, end: np.ndarray, use: np.ndarray) -> float:
    """Largest sum of ``use`` over intervals [start, end) that overlap at one instant."""
    if start.size == 0:
        return 0.0
    t = np.concatenate([start, end])
    d = np.concatenate([use, -use])
    order = np.lexsort((d, t))  # ends before starts at equal times
    return float(np.cumsum(d[order]).max())


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
        ``trips_missed``, ``days_not_closed``, ``charges_outside_stays``, ``plug_overuse``
        {station id: most charging at once - plugs}, ``battery_kwh_charged``,
        ``battery_kwh_driven``, ``energy_difference_kwh`` and, with a comparison,
        ``simulator_energy_difference_kwh`` {policy: simulator grid kWh - plan grid kWh}.
    """
    station_index = {str(s): k for k, s in enumerate(station_ids)}
    sched = charging.schedule
    by_vehicle = {str(v): g for v, g in sched.groupby("vehicle_id")} if len(sched) else {}
    empty = sched.iloc[0:0]
    missed = not_closed = outside = 0
    charged = driven = 0.0
    for day in days:
        got = _day_check(day, by_vehicle.get(day.vehicle_id, empty), station_index)
        missed += got["trips_missed"]
        not_closed += not got["closed"]
        outside += got["outside"]
        charged += got["charged"]
        driven += got["driven"]
    overuse: dict[str, int] = {}
    if len(sched):
        day_of = {d.vehicle_id: d for d in days}
        rate = np.array(
            [
                float(day_of[str(v)].rate_kw[station_index[str(s)]])
                for v, s in zip(sched["vehicle_id"], sched["station_id"], strict=True)
            ]
        )
        start = sched["start_s"].to_numpy(float)
        end = sched["end_s"].to_numpy(float)
        # plug-equivalents in use: the interval's energy spread evenly over it, / power
        use = sched["battery_kwh"].to_numpy(float) / (
            np.maximum(end - start, 1e-9) / 3600.0 * np.maximum(rate, 1e-9)
        )
        for sid, idx in sched.groupby("station_id").indices.items():
            # the cyclic day: an interval's copy one day later meets the next day's starts
            s = np.concatenate([start[idx], start[idx] + DAY_S])
            e = np.concatenate([end[idx], end[idx] + DAY_S])
            most = _max_in_use(s, e, np.concatenate([use[idx], use[idx]]))
            over = math.ceil(most - 1e-6) - int(charging.plugs.get(str(sid), 0))
            if over > 0:
                overuse[str(sid)] = over
    out: dict[str, Any] = {
        "trips_missed": missed,
        "days_not_closed": not_closed,
        "charges_outside_stays": outside,
        "plug_overuse": overuse,
        "battery_kwh_charged": charged,
        "battery_kwh_driven": driven,
        "energy_difference_kwh": charged - driven,
    }
    if comparison:
        out["simulator_energy_difference_kwh"] = {
            p: float(v["grid_energy_kwh"]) - charging.grid_kwh
            for p, v in comparison.items()
            if p != "plan" and math.isfinite(float(v.get("grid_energy_kwh", math.nan)))
        }
    return out

"""Fewer plugs than the rounded LP gives: a greedy per-station reduction that re-checks the LP.

:func:`fleetopt.planning.charging_lp.plan_charging` sizes plugs by the LP relaxation
rounded up per station, then a plug MIP with a short time limit; on many small parts
(terminal pairs) the MIP often stops at the rounded answer. :func:`fewer_plugs` then
takes one plug away at a time, station by station (most plugs first) inside each
connected part of the vehicle-station graph, and keeps the removal when the cost LP
with the plugs fixed still finds a schedule (the curve rows, the plug windows and the
cyclic day all hold, so the schedule is as deliverable as the sized one). The proven
lower bound is the sizing's; the answer is "optimal" only when it meets it.

The trials are counted (``max_trials``), so the plugs do not depend on the machine's speed
or load; the wall-clock ``budget_s`` is only a safety cap for a machine many times slower.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np

from fleetopt.planning.charging_lp import ChargingPlan, VehicleDay, _parts, plan_charging

__all__ = ["fewer_plugs"]

_OK = ("optimal", "feasible")


def fewer_plugs(
    vehicles: list[VehicleDay],
    station_ids: np.ndarray,
    prices_cny_per_kwh: np.ndarray,
    plan: ChargingPlan,
    *,
    budget_s: float = 10.0,
    max_trials: int = 30,
    **lp: Any,
) -> ChargingPlan:
    """Remove plugs one at a time while the fixed-plug LP still schedules the part.

    Parameters
    ----------
    vehicles : list of VehicleDay
        The days ``plan`` was made for.
    station_ids : numpy.ndarray
        Station ids.
    prices_cny_per_kwh : numpy.ndarray
        Hourly prices.
    plan : ChargingPlan
        The sized plan (:func:`plan_charging` without ``plugs``).
    budget_s : float
        Wall-clock safety cap of the trials [s]; the last accepted plugs are kept when it
        ends (then the answer depends on the machine's speed).
    max_trials : int
        Trials (fixed-plug LP solves of a part) at most; the last accepted plugs are kept
        when they are used up. Counted, so the answer does not depend on the machine.
    **lp
        Further keywords of :func:`plan_charging` (``t0_s``, ``step_s``,
        ``grid_limit_kw``, ``demand_cny_per_kw_day``).

    Returns
    -------
    ChargingPlan
        ``plan`` when no plug could go, else the cheapest schedule with the fewer plugs,
        with ``plan``'s proven ``plugs_bound``.
    """
    t0 = time.perf_counter()
    total = sum(plan.plugs.values())
    if plan.status not in _OK or total <= plan.plugs_bound:
        return plan
    plugs = dict(plan.plugs)
    ids = [str(s) for s in station_ids]
    changed = False
    trials = 0
    for part in _parts(vehicles, len(station_ids)):
        sub = [vehicles[k] for k in part]
        used = sorted(
            {
                ids[sg.station]
                for v in sub
                for sg in v.segments
                if sg.kind == "stay" and sg.station >= 0 and v.rate_kw[sg.station] > 0
            }
        )
        for sid in sorted(used, key=lambda s: (-plugs.get(s, 0), s)):
            while plugs.get(sid, 0) > 0:
                left = budget_s - (time.perf_counter() - t0)
                if left <= 0 or trials >= max_trials:
                    break
                trials += 1
                trial = {**plugs, sid: plugs[sid] - 1}
                ans = plan_charging(
                    sub, station_ids, prices_cny_per_kwh, plugs=trial, time_limit_s=left, **lp
                )
                if ans.status not in _OK:
                    break
                plugs = trial
                changed = True
    if not changed:
        return plan
    final = plan_charging(vehicles, station_ids, prices_cny_per_kwh, plugs=plugs, **lp)
    if final.status not in _OK or not math.isfinite(final.cost_cny):
        return plan
    n = sum(plugs.values())
    return dataclasses.replace(
        final,
        plugs_bound=plan.plugs_bound,
        status="optimal" if n <= plan.plugs_bound and final.status == "optimal" else "feasible",
        wall_s=plan.wall_s + (time.perf_counter() - t0),
    )

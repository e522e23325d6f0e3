"""Depot rooftop PV against the grid draw of one simulated day, minute by minute."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fleetopt.domain.solar import pv_kw_per_kwp
from fleetopt.inputs.scenario import Scenario
from fleetopt.simulation.prepare import Prepared
from fleetopt.simulation.result import load_profile_kw


def pv_offset(
    scenario: Scenario, prep: Prepared, seg: pd.DataFrame, t0: float, t1: float
) -> dict[str, Any] | None:
    """Offset depot charging by rooftop PV, per minute; return net profiles and energy used.

    Each depot has ``options.pv_kwp`` of PV (see :mod:`fleetopt.domain.solar`). In every minute
    the depot's grid draw is ``max(load - pv, 0)``; the PV used is shared between vehicle types
    in proportion to their load. With PV, peaks are the largest minute means of the net load.
    """
    kwp = scenario.options.pv_kwp
    if kwp <= 0:
        return None
    st = prep.stations
    grid_s, _ = load_profile_kw(np.zeros(0), np.zeros(0), np.zeros(0), t0, t1)
    net: dict[str, np.ndarray] = {}
    used: dict[str, float] = {}
    station_net: dict[str, np.ndarray] = {}
    generated = 0.0
    step_h = np.diff(np.append(grid_s, t1)) / 3600.0
    for sid in st["id"]:
        row = st[st["id"] == sid].iloc[0]
        d = seg[seg["station_id"] == sid] if len(seg) else seg
        per_type: dict[str, np.ndarray] = {}
        for vt, dd in d.groupby("vehicle_type") if len(d) else []:
            _, kw = load_profile_kw(
                dd["start_s"].to_numpy(float),
                dd["end_s"].to_numpy(float),
                dd["grid_kw"].to_numpy(float),
                t0,
                t1,
            )
            per_type[str(vt)] = kw
        total = sum(per_type.values()) if per_type else np.zeros(grid_s.size)
        offset = np.zeros(grid_s.size)
        if row["kind"] == "depot":
            mid = grid_s + np.diff(np.append(grid_s, t1)) / 2.0
            pv_kw = kwp * pv_kw_per_kwp(
                mid,
                float(row["lat"]),
                float(row["lon"]),
                scenario.options.pv_date,
                scenario.options.pv_yield_kwh_per_kwp_yr,
            )
            generated += float(np.sum(pv_kw * step_h))
            offset = np.minimum(total, pv_kw)
            if per_type:
                station_net[str(sid)] = total - offset
        for vt, kw in per_type.items():
            share = np.divide(kw, total, out=np.zeros_like(kw), where=total > 0)
            off_t = offset * share
            net[vt] = net.get(vt, np.zeros(grid_s.size)) + kw - off_t
            used[vt] = used.get(vt, 0.0) + float(np.sum(off_t * step_h))
        if per_type:
            net["__all__"] = net.get("__all__", np.zeros(grid_s.size)) + total - offset
            used["__all__"] = used.get("__all__", 0.0) + float(np.sum(offset * step_h))
    return {
        "net_kw": net,
        "used_kwh": used,
        "station_net_kw": station_net,
        "generated_kwh": generated,
    }

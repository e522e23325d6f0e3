"""Find the fewest plugs per station and the cheapest cyclic-day charging schedule (HiGHS LP/MIP).

Time is cut into steps of ``step_s`` (15 min by default, 1 min as an option) over the
cyclic day that starts at the horizon start. A vehicle standing at a station during part
of a step may charge up to min(``plug_kw``, ``max_charge_kw``) times that part (battery
side; the grid side is divided by ``charge_efficiency``). State of charge is tracked at
the boundaries of each vehicle's segments (drives and stays): at least ``min_soc``,
at most the battery, and the day ends with at least the charge it started with.

At each station and step the vehicles' plug occupancy (energy / (power x step)) adds up
to at most the station's plugs (within a step the plugs are time-shared) and the grid
power to at most ``options.grid_limit_kw`` per site.

1. Plugs: the LP relaxation of "fewest plugs in total" rounded up per station (feasible:
   a station's plug row only loosens), then a time-limited MIP with one integer plug
   count per station that replaces it when it finds fewer; the proven lower bound on the
   total is the MIP's (or the LP's) bound rounded up.
2. Cost: with those plugs, an LP minimises the energy cost at the tariff's hourly prices
   (plus a demand charge on each site's peak grid power when the tariff has one,
   ``demand_cny_per_kw_month`` x 12 / ``days_per_year`` per day). Its bound is the dual
   objective (weak duality), a proven lower bound of the day's cost for these blocks and
   plugs.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from fleetopt.planning import _solver
from fleetopt.planning.blocking import Segment
from fleetopt.planning.problem import DAY_S

logger = logging.getLogger(__name__)

__all__ = ["ChargingPlan", "VehicleDay", "plan_charging"]


@dataclass
class VehicleDay:
    """One vehicle's day as the LP sees it.

    Attributes
    ----------
    vehicle_id : str
        Block id.
    vehicle_type : str
        Its type.
    segments : list of Segment
        Drives and stays from pull-out to the next pull-out.
    rate_kw : numpy.ndarray
        Battery-side charging power per station [kW].
    efficiency : float
        Charge efficiency (grid energy = battery energy / efficiency) [-].
    cap_kwh, min_kwh : float
        Battery size and reserve [kWh].
    """

    vehicle_id: str
    vehicle_type: str
    segments: list[Segment]
    rate_kw: np.ndarray
    efficiency: float
    cap_kwh: float
    min_kwh: float


@dataclass
class ChargingPlan:
    """Plugs and the cheapest charging schedule.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit_no_solution``.
    plugs : dict
        Station id -> plugs needed.
    cost_cny : float
        Energy (and demand) cost of the day [CNY].
    bound_cny : float
        Proven lower bound of that cost [CNY].
    peak_kw : dict
        Station id -> peak grid power of the schedule (step averages) [kW].
    grid_kwh : float
        Grid energy of the day [kWh].
    schedule : pandas.DataFrame
        ``vehicle_id, vehicle_type, station_id, start_s, end_s, battery_kwh, grid_kwh,
        grid_kw, price_cny_per_kwh, cost_cny`` per vehicle and step with charging.
    energy_by_type_station : dict
        (vehicle type, station id) -> grid energy [kWh] (splits shared plugs in the TCO).
    wall_s : float
        Time spent [s].
    plugs_bound : int
        Proven lower bound on the total plugs (LP relaxation or MIP bound, rounded up).
    """

    status: str
    plugs: dict[str, int]
    cost_cny: float
    bound_cny: float
    peak_kw: dict[str, float]
    grid_kwh: float
    schedule: pd.DataFrame
    energy_by_type_station: dict[tuple[str, str], float]
    wall_s: float
    plugs_bound: int = 0


_SCHEDULE_COLS = [
    "vehicle_id",
    "vehicle_type",
    "station_id",
    "start_s",
    "end_s",
    "battery_kwh",
    "grid_kwh",
    "grid_kw",
    "price_cny_per_kwh",
    "cost_cny",
]


class _Builder:
    """Collect columns and COO entries of the model."""

    def __init__(self) -> None:
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.n = 0
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.rlb: list[float] = []
        self.rub: list[float] = []

    def cols(self, k: int, lb: float | np.ndarray, ub: float | np.ndarray) -> np.ndarray:
        ids = self.n + np.arange(k)
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (k,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (k,)).copy())
        self.n += k
        return ids

    def row(self, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float) -> None:
        i = len(self.rlb)
        self.r.append(np.full(len(cols), i))
        self.c.append(np.asarray(cols))
        self.v.append(np.asarray(vals, float))
        self.rlb.append(lo)
        self.rub.append(hi)

    def matrix(self) -> sparse.csr_matrix:
        m = len(self.rlb)
        if not self.r:
            return sparse.csr_matrix((m, self.n))
        return sparse.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(m, self.n),
        )


def plan_charging(
    vehicles: list[VehicleDay],
    station_ids: np.ndarray,
    prices_cny_per_kwh: np.ndarray,
    *,
    t0_s: float = 0.0,
    step_s: float = 900.0,
    grid_limit_kw: float = math.inf,
    demand_cny_per_kw_day: float = 0.0,
    plugs: dict[str, int] | None = None,
    time_limit_s: float = 60.0,
    mip_time_s: float = 10.0,
    lp_algorithm: str = "default",
) -> ChargingPlan:
    """Size plugs and find the cheapest cyclic-day charging schedule.

    Parameters
    ----------
    vehicles : list of VehicleDay
        Battery vehicles and their days.
    station_ids : numpy.ndarray
        Station ids (indexed like ``VehicleDay.rate_kw``).
    prices_cny_per_kwh : numpy.ndarray
        24 hourly energy prices [CNY/kWh].
    t0_s : float
        Start of the cyclic day [s after the service-day start].
    step_s : float
        Time step [s]; must divide 3600.
    grid_limit_kw : float
        Grid power limit per site [kW].
    demand_cny_per_kw_day : float
        Demand charge per kW of each site's peak, per day [CNY/(kW·d)].
    plugs : dict, optional
        Fixed plugs per station id (skip the plug MIP).
    time_limit_s : float
        Budget for both solves [s].
    mip_time_s : float
        Budget of the plug MIP that tries to beat the rounded-up LP plugs [s].
    lp_algorithm : str
        HiGHS LP algorithm of the cost LP (see :func:`fleetopt.planning._solver.solve`).

    Returns
    -------
    ChargingPlan
    """
    t_start = time.perf_counter()
    if 3600.0 % step_s:
        msg = f"step_s must divide 3600, got {step_s}"
        raise ValueError(msg)
    n_slot = round(DAY_S / step_s)
    n_st = len(station_ids)
    b = _Builder()
    # per (vehicle, stay, step) charge columns
    q_parts: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for vi, veh in enumerate(vehicles):
        segs = veh.segments
        soc = b.cols(len(segs) + 1, veh.min_kwh, veh.cap_kwh)
        for m, sg in enumerate(segs):
            if sg.kind == "drive":
                b.row(np.array([soc[m + 1], soc[m]]), np.array([1.0, -1.0]), -sg.kwh, -sg.kwh)
                continue
            qcols = np.zeros(0, np.int64)
            if sg.station >= 0 and veh.rate_kw[sg.station] > 0:
                k0 = math.floor((sg.start_s - t0_s) / step_s)
                k1 = math.ceil((sg.end_s - t0_s) / step_s)
                ks = np.arange(k0, k1)
                ts = t0_s + ks * step_s
                over = np.minimum(sg.end_s, ts + step_s) - np.maximum(sg.start_s, ts)
                keep = over > 1e-9
                ks, ts, over = ks[keep], ts[keep], over[keep]
                ub = veh.rate_kw[sg.station] * over / 3600.0
                qcols = b.cols(ks.size, 0.0, ub)
                first_s = np.maximum(sg.start_s, ts)
                q_parts.append((vi, sg.station, qcols, ks % n_slot, first_s, over))
            b.row(
                np.concatenate([[soc[m + 1], soc[m]], qcols]),
                np.concatenate([[1.0, -1.0], -np.ones(qcols.size)]),
                0.0,
                0.0,
            )
        b.row(np.array([soc[-1], soc[0]]), np.array([1.0, -1.0]), 0.0, math.inf)  # cyclic day
    n_q_end = b.n
    # station rows
    used = sorted({st for _, st, *_ in q_parts})
    p_col = {s: int(b.cols(1, 0.0, math.inf)[0]) for s in used}
    peak_col = (
        {s: int(b.cols(1, 0.0, math.inf)[0]) for s in used} if demand_cny_per_kw_day > 0 else {}
    )
    step_h = step_s / 3600.0
    if q_parts:
        st_arr = np.concatenate([np.full(p[2].size, p[1]) for p in q_parts])
        slot = np.concatenate([p[3] for p in q_parts])
        qc = np.concatenate([p[2] for p in q_parts])
        rate = np.concatenate([np.full(p[2].size, vehicles[p[0]].rate_kw[p[1]]) for p in q_parts])
        eff = np.concatenate([np.full(p[2].size, vehicles[p[0]].efficiency) for p in q_parts])
        ts_all = np.concatenate([p[4] for p in q_parts])
        over_all = np.concatenate([p[5] for p in q_parts])
        veh_all = np.concatenate([np.full(p[2].size, p[0]) for p in q_parts])
        key = st_arr * n_slot + slot
        order = np.argsort(key, kind="stable")
        uk, start = np.unique(key[order], return_index=True)
        ends = np.r_[start[1:], order.size]
        for kk, a, e in zip(uk, start, ends, strict=True):
            s = int(kk // n_slot)
            sel = order[a:e]
            cols = qc[sel]
            b.row(
                np.r_[cols, p_col[s]],
                np.r_[1.0 / (rate[sel] * step_h), -1.0],
                -math.inf,
                0.0,
            )
            if math.isfinite(grid_limit_kw):
                b.row(cols, 1.0 / eff[sel], -math.inf, grid_limit_kw * step_h)
            if peak_col:
                b.row(
                    np.r_[cols, peak_col[s]],
                    np.r_[1.0 / (eff[sel] * step_h), -1.0],
                    -math.inf,
                    0.0,
                )
        hour = (np.floor(ts_all / 3600.0).astype(np.int64)) % 24
        price = np.asarray(prices_cny_per_kwh, float)[hour]
    else:
        qc = st_arr = slot = rate = eff = ts_all = over_all = price = np.zeros(0)
        veh_all = np.zeros(0, np.int64)
    a = b.matrix()
    col_lb = np.concatenate(b.lb) if b.lb else np.zeros(0)
    col_ub = np.concatenate(b.ub) if b.ub else np.zeros(0)
    row_lb, row_ub = np.array(b.rlb), np.array(b.rub)
    n = b.n
    # 1. plugs
    status = "optimal"
    plugs_bound = 0
    if plugs is None:
        c1 = np.zeros(n)
        integer = np.zeros(n, bool)
        for col in p_col.values():
            c1[col] = 1.0
            integer[col] = True
        # LP relaxation, rounded up per station: feasible (each station's row only loosens)
        relax = _solver.solve(c1, a, row_lb, row_ub, col_lb, col_ub, time_limit_s=time_limit_s / 4)
        if relax.x is None:
            return _empty(relax.status, station_ids, time.perf_counter() - t_start)
        plug_n = {s: math.ceil(float(relax.x[col]) - 1e-6) for s, col in p_col.items()}
        plug_lb = math.ceil(relax.bound - 1e-6)
        if sum(plug_n.values()) > plug_lb:
            # the MIP may find fewer plugs; it is kept only when it does
            left = max(0.5, min(mip_time_s, time_limit_s / 2 - (time.perf_counter() - t_start)))
            ans1 = _solver.solve(c1, a, row_lb, row_ub, col_lb, col_ub, integer,
                                 time_limit_s=left)
            if ans1.x is not None and ans1.objective < sum(plug_n.values()) - 0.5:
                plug_n = {s: round(float(ans1.x[col])) for s, col in p_col.items()}
            if math.isfinite(ans1.bound):
                plug_lb = max(plug_lb, math.ceil(ans1.bound - 1e-6))
        plugs_bound = plug_lb
        if sum(plug_n.values()) > plug_lb:
            status = "feasible"
    else:
        plug_n = {s: int(plugs.get(str(station_ids[s]), 0)) for s in p_col}
        plugs_bound = sum(plug_n.values())
    for s, col in p_col.items():
        col_lb[col] = col_ub[col] = plug_n[s]
    # 2. cost
    c2 = np.zeros(n)
    if qc.size:
        np.add.at(c2, qc.astype(np.int64), price / eff)
    for col in peak_col.values():
        c2[col] = demand_cny_per_kw_day
    left = max(0.5, time_limit_s - (time.perf_counter() - t_start))
    ans2 = _solver.solve(
        c2, a, row_lb, row_ub, col_lb, col_ub, time_limit_s=left, lp_algorithm=lp_algorithm
    )
    if ans2.x is None:
        return _empty(ans2.status, station_ids, time.perf_counter() - t_start)
    if ans2.status != "optimal":
        status = "feasible"
    x = ans2.x
    qv = np.maximum(x[qc.astype(np.int64)], 0.0) if qc.size else np.zeros(0)
    del n_q_end
    keep = qv > 1e-9
    grid = qv / eff if qc.size else qv
    start = ts_all
    sched = pd.DataFrame(
        {
            "vehicle_id": [vehicles[int(v)].vehicle_id for v in veh_all[keep]],
            "vehicle_type": [vehicles[int(v)].vehicle_type for v in veh_all[keep]],
            "station_id": station_ids[st_arr[keep].astype(np.int64)] if qc.size else [],
            "slot_start_s": start[keep],
            "over_s": over_all[keep],
            "battery_kwh": qv[keep],
            "grid_kwh": grid[keep],
            "price_cny_per_kwh": price[keep],
        }
    )
    sched = _clip_to_stays(sched, t0_s)
    sched["grid_kw"] = sched["grid_kwh"] / ((sched["end_s"] - sched["start_s"]) / 3600.0)
    sched["cost_cny"] = sched["grid_kwh"] * sched["price_cny_per_kwh"]
    load = np.zeros((n_st, n_slot))
    if qc.size:
        np.add.at(load, (st_arr[keep].astype(np.int64), slot[keep].astype(np.int64)),
                  grid[keep] / step_h)
    peak = {str(station_ids[s]): float(load[s].max()) for s in used}
    by_ts: dict[tuple[str, str], float] = {}
    for (vt, sid), g in sched.groupby(["vehicle_type", "station_id"])["grid_kwh"]:
        by_ts[(str(vt), str(sid))] = float(g.sum())
    return ChargingPlan(
        status=status,
        plugs={str(station_ids[s]): int(v) for s, v in plug_n.items()},
        cost_cny=float(ans2.objective),
        bound_cny=float(ans2.bound),
        peak_kw=peak,
        grid_kwh=float(grid.sum()),
        schedule=sched[_SCHEDULE_COLS].sort_values(["vehicle_id", "start_s"]).reset_index(
            drop=True
        ),
        energy_by_type_station=by_ts,
        wall_s=time.perf_counter() - t_start,
        plugs_bound=plugs_bound,
    )


def _clip_to_stays(sched: pd.DataFrame, t0_s: float) -> pd.DataFrame:
    """Turn (start inside the step, overlap) into a clock interval on the cyclic day."""
    out = sched.copy()
    out["start_s"] = t0_s + (out["slot_start_s"] - t0_s) % DAY_S
    out["end_s"] = out["start_s"] + out["over_s"]
    return out.drop(columns=["slot_start_s", "over_s"])


def _empty(status: str, station_ids: np.ndarray, wall: float) -> ChargingPlan:
    del station_ids
    return ChargingPlan(
        status=status,
        plugs={},
        cost_cny=math.nan,
        bound_cny=-math.inf,
        peak_kw={},
        grid_kwh=0.0,
        schedule=pd.DataFrame(columns=_SCHEDULE_COLS),
        energy_by_type_station={},
        wall_s=wall,
    )

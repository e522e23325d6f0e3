"""Find the fewest plugs per station and the cheapest cyclic-day charging schedule (HiGHS LP/MIP).

Time is cut into steps of ``step_s`` (15 min by default, 1 min as an option) over the
cyclic day that starts at the horizon start. A vehicle standing at a station during part
of a step may charge up to min(``plug_kw``, ``max_charge_kw``) times that part (battery
side; the grid side is divided by ``charge_efficiency``). State of charge is tracked at
the boundaries of each vehicle's segments (drives and stays): at least ``min_soc``,
at most the battery, and the day ends with at least the charge it started with.

At each station and step the vehicles' plug time (energy / power) adds up to at most the
station's plugs x the time anybody stands there during the step (the union of the stays'
parts in it: within a step the plugs are time-shared, but never with time nobody is
there) and the grid power to at most ``options.grid_limit_kw`` per site. The vehicles
split into parts that share no station; each part is solved on its own.

1. Plugs: the LP relaxation of "fewest plugs in total" rounded up per station (feasible:
   a station's plug row only loosens), then a time-limited MIP with one integer plug
   count per station that replaces it when it finds fewer; the proven lower bound on the
   total is the MIP's (or the LP's) bound rounded up. At steps finer than 15 minutes the
   plugs come from the 15-minute model (a relaxation of the finer one, so its bound
   holds), raised where the finer model needs more (:func:`_plan_fine`).
2. Cost: with those plugs, an LP minimises the energy cost at the tariff's hourly prices
   (plus a demand charge on each site's peak grid power when the tariff has one,
   ``demand_cny_per_kw_month`` x 12 / ``days_per_year`` per day). Its bound is the dual
   objective (weak duality), a proven lower bound of the day's cost for these blocks and
   plugs.

Longer than the size limit because the plug LP/MIP, the cost LP and the fine-step
correction are built on one private column layout (:class:`_Model`: charge columns, state
of charge rows, merged steps) that must stay identical between them for the bounds to hold;
the solver calls live in :mod:`fleetopt.planning._solver`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from fleetopt.planning import _solver
from fleetopt.planning.blocking import Segment
from fleetopt.planning.problem import DAY_S

logger = logging.getLogger(__name__)

__all__ = ["ChargingPlan", "VehicleDay", "plan_charging"]

#: Steps finer than this get their plugs from a model at this step, raised (see _plan_fine).
COARSE_STEP_S = 900.0

#: Merge runs of steps in which nothing changes at a station (exact, see _merge_steps).
MERGE_STEPS = True

#: Price of an added plug in the LP that raises the coarse plugs at a fine step [CNY]: far
#: above a day's energy cost that a plug can shift, so plugs come first.
EXTRA_PLUG_CNY = 1.0e4


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


@dataclass
class _Model:
    """The vehicles' rows of the LP: state of charge, charge columns, cyclic day (COO)."""

    n_cols: int
    col_lb: np.ndarray
    col_ub: np.ndarray
    n_rows: int
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    # per charge column: its index, station, (first) slot of the day, power, efficiency,
    # first second and length of the stay's part in the step(s), vehicle
    q_col: np.ndarray
    q_station: np.ndarray
    q_slot: np.ndarray
    q_rate: np.ndarray
    q_eff: np.ndarray
    q_start: np.ndarray
    q_over: np.ndarray
    q_vehicle: np.ndarray
    q_nslots: np.ndarray  # steps a column spans (merged steps, see _merge_steps)

    @classmethod
    def build(cls, vehicles: list[VehicleDay], t0_s: float, step_s: float, n_slot: int) -> _Model:
        """Build the vehicles' part of the model with array operations (no per-step loop)."""
        nv = len(vehicles)
        n_seg = np.array([len(v.segments) for v in vehicles], dtype=np.int64)
        # SoC columns: vehicle v owns n_seg[v] + 1 of them, from soc0[v]
        soc0 = np.r_[0, np.cumsum(n_seg + 1)][:nv]
        n_soc = int((n_seg + 1).sum())
        segs = [sg for v in vehicles for sg in v.segments]
        veh = np.repeat(np.arange(nv), n_seg)
        pos = np.arange(len(segs)) - np.repeat(np.r_[0, np.cumsum(n_seg)][:nv], n_seg)
        drive = np.array([sg.kind == "drive" for sg in segs], dtype=bool)
        kwh = np.array([sg.kwh for sg in segs], dtype=float)
        start = np.array([sg.start_s for sg in segs], dtype=float)
        end = np.array([sg.end_s for sg in segs], dtype=float)
        station = np.array([sg.station for sg in segs], dtype=np.int64)
        cap = np.array([v.cap_kwh for v in vehicles], dtype=float)
        lo = np.array([v.min_kwh for v in vehicles], dtype=float)
        effv = np.array([v.efficiency for v in vehicles], dtype=float)
        rate_seg = np.zeros(len(segs))
        has_st = (~drive) & (station >= 0)
        for v in np.unique(veh[has_st]):
            sel = has_st & (veh == v)
            rate_seg[sel] = vehicles[int(v)].rate_kw[station[sel]]
        col_lb = np.repeat(lo, n_seg + 1)
        col_ub = np.repeat(cap, n_seg + 1)
        a_col = soc0[veh] + pos  # SoC before the segment
        b_col = a_col + 1  # SoC after it
        n_seg_all = len(segs)
        # charge columns: the steps each charging stay touches
        chg = np.flatnonzero(has_st & (rate_seg > 0))
        k0 = np.floor((start[chg] - t0_s) / step_s).astype(np.int64)
        k1 = np.ceil((end[chg] - t0_s) / step_s).astype(np.int64)
        cnt = np.maximum(k1 - k0, 0)
        seg_of = np.repeat(chg, cnt)
        within = np.arange(int(cnt.sum())) - np.repeat(np.r_[0, np.cumsum(cnt)][:-1], cnt)
        ks = np.repeat(k0, cnt) + within
        ts = t0_s + ks * step_s
        over = np.minimum(end[seg_of], ts + step_s) - np.maximum(start[seg_of], ts)
        keep = over > 1e-9
        seg_of, ks, ts, over = seg_of[keep], ks[keep], ts[keep], over[keep]
        nslots = np.ones(seg_of.size, np.int64)
        if MERGE_STEPS and seg_of.size:
            seg_of, ks, ts, over, nslots = _merge_steps(
                seg_of, ks, ts, over, station[seg_of], t0_s, step_s, n_slot
            )
        nq = seg_of.size
        q_col = n_soc + np.arange(nq)
        q_rate = rate_seg[seg_of]
        # rows: one per segment (drive: b - a = -kwh; stay: b - a - sum q = 0), one cyclic row
        r_seg = np.arange(n_seg_all)
        rhs = np.where(drive, -kwh, 0.0)
        cyc_row = n_seg_all + np.arange(nv)
        last_col = soc0 + n_seg
        rows = np.concatenate([r_seg, r_seg, seg_of, cyc_row, cyc_row])
        cols = np.concatenate([b_col, a_col, q_col, last_col, soc0])
        vals = np.concatenate(
            [np.ones(n_seg_all), -np.ones(n_seg_all), -np.ones(nq), np.ones(nv), -np.ones(nv)]
        )
        return cls(
            n_cols=n_soc + nq,
            col_lb=np.r_[col_lb, np.zeros(nq)],
            col_ub=np.r_[col_ub, q_rate * over / 3600.0],
            n_rows=n_seg_all + nv,
            rows=rows,
            cols=cols,
            vals=vals,
            row_lb=np.r_[rhs, np.zeros(nv)],
            row_ub=np.r_[rhs, np.full(nv, math.inf)],
            q_col=q_col,
            q_station=station[seg_of],
            q_slot=ks % n_slot,
            q_rate=q_rate,
            q_eff=effv[veh[seg_of]],
            q_start=np.maximum(start[seg_of], ts),
            q_over=over,
            q_vehicle=veh[seg_of],
            q_nslots=nslots,
        )


def _sole_stations(vehicles: list[VehicleDay], m: _Model) -> set[int]:
    """Stations that are the only place some driving vehicle can charge."""
    if m.q_vehicle.size == 0:
        return set()
    pairs = np.unique(np.stack([m.q_vehicle, m.q_station]), axis=1)
    veh, cnt = np.unique(pairs[0], return_counts=True)
    out: set[int] = set()
    for v in veh[cnt == 1]:
        drive = sum(sg.kwh for sg in vehicles[int(v)].segments if sg.kind == "drive")
        if drive > 0:
            out.add(int(pairs[1][pairs[0] == v][0]))
    return out


def _merge_steps(
    seg_of: np.ndarray,
    ks: np.ndarray,
    ts: np.ndarray,
    over: np.ndarray,
    st: np.ndarray,
    t0_s: float,
    step_s: float,
    n_slot: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge runs of steps at a station where nothing changes into one column per stay.

    A run is consecutive steps of one station inside one clock hour (one price) in which
    the same stays are present for the whole of every step. Merging the run's rows
    (plugs, grid limit, peak: each a sum over the run's steps, rhs x its steps) and each
    stay's columns over it gives the same LP optimum: any merged answer split evenly over
    the run's steps satisfies every step's row, and the stay and its price see only the
    sum. With 1-minute steps most of a day's steps fall in such runs.
    """
    key = st * (1 << 40) + ks % n_slot  # (station, step of the cyclic day)
    order = np.lexsort((seg_of, key))
    k_o, s_o = key[order], seg_of[order]
    new = np.r_[True, k_o[1:] != k_o[:-1]]
    grp = np.cumsum(new) - 1
    n_grp = int(grp[-1]) + 1
    full = over[order] >= step_s - 1e-9
    # a group's signature: which stays, all of them for the whole step
    h = (s_o.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(0xD1B54A32D192ED03)
    h_sum = np.zeros(n_grp, np.uint64)
    np.add.at(h_sum, grp, h)
    cnt = np.bincount(grp, minlength=n_grp)
    all_full = np.bincount(grp, weights=full.astype(float), minlength=n_grp) == cnt
    g_key = k_o[new]
    g_st = g_key >> 40
    g_k = g_key - (g_st << 40)
    hour = np.floor((t0_s + g_k * step_s) / 3600.0).astype(np.int64)
    same = np.r_[
        False,
        (g_st[1:] == g_st[:-1])
        & (g_k[1:] == g_k[:-1] + 1)
        & (hour[1:] == hour[:-1])
        & all_full[1:]
        & all_full[:-1]
        & (h_sum[1:] == h_sum[:-1])
        & (cnt[1:] == cnt[:-1]),
    ]
    run = np.cumsum(~same) - 1  # run of each group
    r_col = run[grp]  # run of each (sorted) column
    # one column per (stay, run)
    key2 = r_col.astype(np.int64) * (int(s_o.max()) + 1) + s_o
    o2 = np.argsort(key2, kind="stable")
    k2 = key2[o2]
    first = np.r_[True, k2[1:] != k2[:-1]]
    col = np.cumsum(first) - 1
    n_col = int(col[-1]) + 1
    idx = order[o2]
    m_seg = seg_of[idx][first]
    m_ks = np.full(n_col, np.iinfo(np.int64).max)
    np.minimum.at(m_ks, col, ks[idx])
    m_ts = np.full(n_col, np.inf)
    np.minimum.at(m_ts, col, ts[idx])
    m_over = np.bincount(col, weights=over[idx], minlength=n_col)
    m_n = np.bincount(col, minlength=n_col).astype(np.int64)
    return m_seg, m_ks, m_ts, m_over, m_n


def _group_running_max(x: np.ndarray, grp: np.ndarray) -> np.ndarray:
    """Return the running maximum of ``x``, restarted at each group (``grp`` sorted)."""
    if x.size == 0:
        return x
    finite = np.where(np.isfinite(x), x, 0.0)
    span = float(finite.max() - finite.min()) + 1.0
    shifted = x + grp * span  # later groups lie entirely above earlier ones
    return np.maximum.accumulate(shifted) - grp * span


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

    Vehicles interact only through the stations where they can charge (plugs, a site's
    grid limit and peak), so the model splits exactly into the connected parts of the
    vehicle-station graph: each part is solved on its own (:func:`_plan_part`) and the
    answers add up (plugs, cost, and the proven bounds, since the parts share no row
    and no column).

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
        Budget for all solves [s].
    mip_time_s : float
        Budget of the plug MIPs that try to beat the rounded-up LP plugs [s].
    lp_algorithm : str
        HiGHS LP algorithm (see :func:`fleetopt.planning._solver.solve`).

    Returns
    -------
    ChargingPlan
    """
    t_start = time.perf_counter()
    if 3600.0 % step_s:
        msg = f"step_s must divide 3600, got {step_s}"
        raise ValueError(msg)
    parts = _parts(vehicles, len(station_ids))
    kw: dict[str, Any] = {
        "t0_s": t0_s,
        "step_s": step_s,
        "grid_limit_kw": grid_limit_kw,
        "demand_cny_per_kw_day": demand_cny_per_kw_day,
        "plugs": plugs,
        "lp_algorithm": lp_algorithm,
    }
    if len(parts) <= 1:
        return _plan_part(
            vehicles,
            station_ids,
            prices_cny_per_kwh,
            time_limit_s=time_limit_s,
            mip_time_s=mip_time_s,
            **kw,
        )
    answers: list[ChargingPlan] = []
    left_v = len(vehicles)
    for part in parts:
        share = len(part) / left_v
        left_v -= len(part)
        budget = max(1.0, (time_limit_s - (time.perf_counter() - t_start)) * share)
        ans = _plan_part(
            [vehicles[k] for k in part],
            station_ids,
            prices_cny_per_kwh,
            time_limit_s=budget,
            mip_time_s=max(0.2, mip_time_s * len(part) / len(vehicles)),
            **kw,
        )
        if ans.status in ("infeasible", "time_limit_no_solution"):
            return _empty(ans.status, station_ids, time.perf_counter() - t_start)
        answers.append(ans)
    return _combine(answers, time.perf_counter() - t_start)


def _parts(vehicles: list[VehicleDay], n_st: int) -> list[list[int]]:
    """Vehicles grouped by the connected parts of the vehicle-station charging graph."""
    nv = len(vehicles)
    vi: list[int] = []
    si: list[int] = []
    for k, v in enumerate(vehicles):
        for sg in v.segments:
            if sg.kind == "stay" and sg.station >= 0 and v.rate_kw[sg.station] > 0:
                vi.append(k)
                si.append(nv + sg.station)
    g = sparse.coo_matrix((np.ones(len(vi)), (vi, si)), shape=(nv + n_st, nv + n_st))
    _, label = connected_components(g, directed=False)
    lab = label[:nv]
    # vehicles that charge nowhere share one part (they only need their own rows)
    alone = np.ones(nv, bool)
    alone[np.asarray(vi, dtype=np.int64)] = False
    lab = np.where(alone, -1, lab)
    return [np.flatnonzero(lab == u).tolist() for u in np.unique(lab)]


def _combine(answers: list[ChargingPlan], wall: float) -> ChargingPlan:
    """Add up the plans of parts that share no station."""
    status = "optimal" if all(a.status == "optimal" for a in answers) else "feasible"
    sched = pd.concat([a.schedule for a in answers if len(a.schedule)] or [answers[0].schedule])
    by_ts: dict[tuple[str, str], float] = {}
    plugs: dict[str, int] = {}
    peak: dict[str, float] = {}
    for a in answers:
        plugs.update(a.plugs)
        peak.update(a.peak_kw)
        for key, e in a.energy_by_type_station.items():
            by_ts[key] = by_ts.get(key, 0.0) + e
    return ChargingPlan(
        status=status,
        plugs=plugs,
        cost_cny=float(sum(a.cost_cny for a in answers)),
        bound_cny=float(sum(a.bound_cny for a in answers)),
        peak_kw=peak,
        grid_kwh=float(sum(a.grid_kwh for a in answers)),
        schedule=sched.sort_values(["vehicle_id", "start_s"]).reset_index(drop=True),
        energy_by_type_station=by_ts,
        wall_s=wall,
        plugs_bound=int(sum(a.plugs_bound for a in answers)),
    )


def _plan_part(
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
    extra_plug_cny: float = 0.0,
) -> ChargingPlan:
    """Size plugs and schedule charging for vehicles that share stations (one part).

    With ``plugs`` and ``extra_plug_cny`` > 0, plugs may be added to the given ones at
    that price each (continuous); the answer's plugs are the result rounded up.
    """
    t_start = time.perf_counter()
    if plugs is None and step_s < COARSE_STEP_S:
        return _plan_fine(
            vehicles,
            station_ids,
            prices_cny_per_kwh,
            t0_s=t0_s,
            step_s=step_s,
            grid_limit_kw=grid_limit_kw,
            demand_cny_per_kw_day=demand_cny_per_kw_day,
            time_limit_s=time_limit_s,
            mip_time_s=mip_time_s,
            lp_algorithm=lp_algorithm,
        )
    n_slot = round(DAY_S / step_s)
    n_st = len(station_ids)
    step_h = step_s / 3600.0
    m = _Model.build(vehicles, t0_s, step_s, n_slot)
    qc, st_arr, slot = m.q_col, m.q_station, m.q_slot
    rate, eff, ts_all, over_all, veh_all = m.q_rate, m.q_eff, m.q_start, m.q_over, m.q_vehicle
    # station rows: one per (station, slot) with charging columns
    used = sorted(set(st_arr.tolist()))
    n = m.n_cols
    p_col = {s: n + k for k, s in enumerate(used)}
    n += len(used)
    peak_col = {s: n + k for k, s in enumerate(used)} if demand_cny_per_kw_day > 0 else {}
    n += len(peak_col)
    rows, cols, vals = [m.rows], [m.cols], [m.vals]
    row_lb, row_ub = [m.row_lb], [m.row_ub]
    n_row = m.n_rows
    price = np.zeros(0)
    if qc.size:
        key = st_arr * n_slot + slot
        t_day = t0_s + np.mod(ts_all - t0_s, DAY_S)  # onto the cyclic day
        order = np.lexsort((t_day, key))
        ks = key[order]
        new = np.r_[True, ks[1:] != ks[:-1]]
        grp = np.cumsum(new) - 1
        n_grp = int(grp[-1]) + 1
        g_key = ks[new]
        g_st = g_key // n_slot
        g_n = m.q_nslots[order][new]  # steps each row stands for (merged runs)
        # plug-time the station can give in the slot: plugs x the time anybody stands there
        # (the union of the stays' parts in the slot), not the whole step
        s_o = t_day[order]
        e_o = s_o + over_all[order]
        run_end = _group_running_max(e_o, grp)
        prev_end = np.r_[-np.inf, run_end[:-1]]
        prev_end[new] = -np.inf
        covered = np.maximum(0.0, e_o - np.maximum(s_o, prev_end))
        union_h = np.bincount(grp, weights=covered, minlength=n_grp) / 3600.0
        union_h = np.maximum(union_h, 1e-9)
        pcol = np.array([p_col[int(s)] for s in g_st], dtype=np.int64)
        plug_row = n_row + grp
        rows += [plug_row, n_row + np.arange(n_grp)]
        cols += [qc[order], pcol]
        vals += [1.0 / (rate[order] * union_h[grp]), -np.ones(n_grp)]
        row_lb.append(np.full(n_grp, -math.inf))
        row_ub.append(np.zeros(n_grp))
        n_row += n_grp
        if math.isfinite(grid_limit_kw):
            rows.append(n_row + grp)
            cols.append(qc[order])
            vals.append(1.0 / eff[order])
            row_lb.append(np.full(n_grp, -math.inf))
            row_ub.append(grid_limit_kw * step_h * g_n)
            n_row += n_grp
        if peak_col:
            kcol = np.array([peak_col[int(s)] for s in g_st], dtype=np.int64)
            rows += [n_row + grp, n_row + np.arange(n_grp)]
            cols += [qc[order], kcol]
            vals += [1.0 / (eff[order] * step_h * g_n[grp]), -np.ones(n_grp)]
            row_lb.append(np.full(n_grp, -math.inf))
            row_ub.append(np.zeros(n_grp))
            n_row += n_grp
        hour = (np.floor(ts_all / 3600.0).astype(np.int64)) % 24
        price = np.asarray(prices_cny_per_kwh, float)[hour]
    a = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_row, n)
    )
    col_lb = np.r_[m.col_lb, np.zeros(n - m.n_cols)]
    col_ub = np.r_[m.col_ub, np.full(n - m.n_cols, math.inf)]
    row_lb_a, row_ub_a = np.concatenate(row_lb), np.concatenate(row_ub)
    # 1. plugs
    status = "optimal"
    plugs_bound = 0
    if plugs is None:
        c1 = np.zeros(n)
        integer = np.zeros(n, bool)
        for col in p_col.values():
            c1[col] = 1.0
            integer[col] = True
        # a vehicle that drives and can charge at one station only needs a plug there
        # (the cyclic day makes it charge): plugs >= 1, valid for every integer answer
        for st_only in _sole_stations(vehicles, m):
            col_lb[p_col[st_only]] = max(col_lb[p_col[st_only]], 1.0)
        # LP relaxation, rounded up per station: feasible (each station's row only loosens)
        relax = _solver.solve(
            c1,
            a,
            row_lb_a,
            row_ub_a,
            col_lb,
            col_ub,
            time_limit_s=time_limit_s / 4,
            lp_algorithm=lp_algorithm,
        )
        if relax.x is None:
            return _empty(relax.status, station_ids, time.perf_counter() - t_start)
        plug_n = {s: math.ceil(float(relax.x[col]) - 1e-6) for s, col in p_col.items()}
        plug_lb = math.ceil(relax.bound - 1e-6)
        if sum(plug_n.values()) > plug_lb:
            # the MIP may find fewer plugs; it is kept only when it does
            left = max(0.5, min(mip_time_s, time_limit_s / 2 - (time.perf_counter() - t_start)))
            ans1 = _solver.solve(
                c1, a, row_lb_a, row_ub_a, col_lb, col_ub, integer, time_limit_s=left
            )
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
    if extra_plug_cny > 0:
        for col in p_col.values():
            col_ub[col] = math.inf
            c2[col] = extra_plug_cny
    left = max(0.5, time_limit_s - (time.perf_counter() - t_start))
    ans2 = _solver.solve(
        c2, a, row_lb_a, row_ub_a, col_lb, col_ub, time_limit_s=left, lp_algorithm=lp_algorithm
    )
    if ans2.x is None:
        return _empty(ans2.status, station_ids, time.perf_counter() - t_start)
    if ans2.status != "optimal":
        status = "feasible"
    x = ans2.x
    if extra_plug_cny > 0:
        plug_n = {s: math.ceil(float(x[col]) - 1e-6) for s, col in p_col.items()}
        plugs_bound = 0
    qv = np.maximum(x[qc.astype(np.int64)], 0.0) if qc.size else np.zeros(0)
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
        # a merged column's energy is spread evenly over its steps
        k_n = m.q_nslots[keep]
        rep_st = np.repeat(st_arr[keep].astype(np.int64), k_n)
        first_slot = np.repeat(slot[keep].astype(np.int64), k_n)
        within = np.arange(int(k_n.sum())) - np.repeat(np.r_[0, np.cumsum(k_n)][:-1], k_n)
        kw_step = np.repeat(grid[keep] / (step_h * k_n), k_n)
        np.add.at(load, (rep_st, (first_slot + within) % n_slot), kw_step)
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
        schedule=sched[_SCHEDULE_COLS]
        .sort_values(["vehicle_id", "start_s"])
        .reset_index(drop=True),
        energy_by_type_station=by_ts,
        wall_s=time.perf_counter() - t_start,
        plugs_bound=plugs_bound,
    )


def _plan_fine(
    vehicles: list[VehicleDay],
    station_ids: np.ndarray,
    prices_cny_per_kwh: np.ndarray,
    *,
    t0_s: float,
    step_s: float,
    grid_limit_kw: float,
    demand_cny_per_kw_day: float,
    time_limit_s: float,
    mip_time_s: float,
    lp_algorithm: str,
) -> ChargingPlan:
    """Plugs and schedule at a step finer than :data:`COARSE_STEP_S` (module step 1 there).

    The plug LP at fine steps is large and degenerate, so the plugs come from the coarse
    model, which is a relaxation of the fine one (summing a fine station row over the
    steps of a coarse one gives the coarse row: the union of the stays in the coarse step
    is the sum of the unions in its fine steps), so its plug bound is a proven bound
    here too. Those plugs are raised where the fine model needs more: one LP at the fine
    step where extra plugs cost :data:`EXTRA_PLUG_CNY` each, rounded up per station;
    then the cost LP with them.
    """
    t_start = time.perf_counter()
    common: dict[str, Any] = {
        "t0_s": t0_s,
        "grid_limit_kw": grid_limit_kw,
        "demand_cny_per_kw_day": demand_cny_per_kw_day,
        "lp_algorithm": lp_algorithm,
    }
    coarse = _plan_part(
        vehicles,
        station_ids,
        prices_cny_per_kwh,
        step_s=COARSE_STEP_S,
        time_limit_s=time_limit_s / 3,
        mip_time_s=mip_time_s,
        **common,
    )
    if coarse.status in ("infeasible", "time_limit_no_solution"):
        return _empty(coarse.status, station_ids, time.perf_counter() - t_start)
    left = max(1.0, (time_limit_s - (time.perf_counter() - t_start)) / 2)
    raised = _plan_part(
        vehicles,
        station_ids,
        prices_cny_per_kwh,
        step_s=step_s,
        plugs=coarse.plugs,
        extra_plug_cny=EXTRA_PLUG_CNY,
        time_limit_s=left,
        **common,
    )
    if raised.status in ("infeasible", "time_limit_no_solution"):
        return _empty(raised.status, station_ids, time.perf_counter() - t_start)
    left = max(1.0, time_limit_s - (time.perf_counter() - t_start))
    fine = _plan_part(
        vehicles,
        station_ids,
        prices_cny_per_kwh,
        step_s=step_s,
        plugs=raised.plugs,
        time_limit_s=left,
        **common,
    )
    fine.plugs_bound = coarse.plugs_bound
    if fine.status == "optimal" and sum(fine.plugs.values()) > fine.plugs_bound:
        fine.status = "feasible"
    fine.wall_s = time.perf_counter() - t_start
    return fine


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

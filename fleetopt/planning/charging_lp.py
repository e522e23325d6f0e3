"""Find the fewest plugs per station and the cheapest cyclic-day charging schedule (HiGHS LP/MIP).

The model (:mod:`fleetopt.planning.charging_model`) is built on what a plug can do minute
by minute: a vehicle standing at a station charges in pieces of its stay cut at the other
stays' ends and the clock hours where the tariff's price changes (:func:`price_cuts`; and
at the steps of ``step_s`` where per-step rows need them: a grid limit, a demand charge),
each with a plug time; per piece the plug times add
up to at most the station's plugs x its length, and the energy of a piece is what the
vehicle's charging curve delivers in its plug time from the planned state of charge
(battery side, up to min(``plug_kw``, ``max_charge_kw``); the grid side is divided by
``charge_efficiency``). State of charge stays between the reserve and the battery, and
the day ends with at least the charge it started with. The vehicles split into parts
that share no station; each part is solved on its own.

1. Plugs: the LP relaxation of "fewest plugs in total" rounded up per station (feasible:
   a station's plug row only loosens), then a time-limited MIP with one integer plug
   count per station that replaces it when it finds fewer; the lower bound on the total
   is the MIP's (or the LP's) bound rounded up; with a tapering curve (whose tangent rows
   restrict) it is the chord relaxation's instead (:meth:`Model.curve_rows
   <fleetopt.planning.charging_model.Model.curve_rows>`), a bound for every schedule
   the real curve delivers. At steps finer
   than 15 minutes with per-step rows the plugs come from the 15-minute model (a
   relaxation of the finer one), raised where the finer model needs more
   (:func:`_plan_fine`).
2. Cost: with those plugs, an LP minimises the energy cost at the tariff's hourly prices
   (plus a demand charge on each site's peak grid power when the tariff has one,
   ``demand_cny_per_kw_month`` x 12 / ``days_per_year`` per day), re-solved up to
   :data:`CURVE_ROUNDS` times with the curve rows moved to the bands the answer reached
   (each answer stays feasible, so the cost only falls); with a tapering curve the first
   bands are where the chord relaxation's answer starts each piece (in a large part a round
   that lacks plug time is finished by local rounds, :data:`LOCAL_REPAIR`). Its bound is the dual
   objective (weak duality) of the LP for a constant curve, and of the chord relaxation
   (:func:`fleetopt.planning.charging_schedule.dual_bound`) for a tapering one: a proven
   lower bound of the day's cost for these blocks and plugs; the cost is ``optimal``
   when it meets the bound.
3. The schedule: each piece's plug time laid out on the plugs (McNaughton, at most two
   windows per piece and never more windows than plugs at once) as clock times of a
   simulated day from ``t0_s`` (:func:`fleetopt.planning.charging_model.sim_times`), and
   each vehicle's planned charge where that day starts (``ChargingPlan.start_kwh``).

The solver calls live in :mod:`fleetopt.planning._solver`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from fleetopt.planning import _solver
from fleetopt.planning.charging_model import (
    Model,
    VehicleDay,
    parts,
    plug_windows,
    sole_stations,
)
from fleetopt.planning.charging_repair import recover, repair
from fleetopt.planning.charging_schedule import (
    SCHEDULE_COLS as _SCHEDULE_COLS,
)
from fleetopt.planning.charging_schedule import (
    dual_bound,
    end_prices,
    price_cuts,
    spread,
    windows_table,
)
from fleetopt.planning.problem import DAY_S

logger = logging.getLogger(__name__)

_parts = parts  # the vehicles' parts (plug_reduce sizes each on its own)

__all__ = ["ChargingPlan", "VehicleDay", "plan_charging"]

#: Steps finer than this get their plugs from a model at this step, raised (see _plan_fine).
COARSE_STEP_S = 900.0

#: Price of an added plug in the LP that raises the coarse plugs at a fine step [CNY]: far
#: above a day's energy cost that a plug can shift, so plugs come first.
EXTRA_PLUG_CNY = 1.0e4

#: LP re-solves with the curve rows moved to the bands the last answer reached.
CURVE_ROUNDS = 6

#: In a part with at least :data:`REPAIR_PIECES` pieces, a round that lacks plug time is
#: finished by local rounds (:mod:`fleetopt.planning.charging_repair`: ``repair``, then
#: ``recover``); False: whole rounds only (the rule before, kept for comparison).
LOCAL_REPAIR = True

#: Charge pieces from which a part is repaired locally: a whole round there costs seconds
#: (the bench's 15,783 pieces: 3.5-4.5 s under shared load, seven rounds). Smaller parts
#: keep whole rounds and the gain rule, which find a lower cost (the Beijing default with
#: its 85-bus part repaired: 24,422.14 CNY/day, by whole rounds 24,364.78).
REPAIR_PIECES = 10_000

#: Times the sizing adds a plug where the cost LP's curve rows still lack plug time.
PLUG_RAISES = 2

#: The curve rounds stop when the plug time they lack falls by less than this share in a
#: round (stalled: the sizing then adds plugs, fixed plugs are infeasible).
CURVE_STALL = 0.05

#: The cost LP stops moving the curve rows once a round gains less than this share (or
#: its cost is within it of the bound). Measured on the bench's 418 taper buses under
#: shared load: the rounds after one gaining 0.39 % gained 0.19 % and 0.05 % more, at about
#: 2.5 s each.
CURVE_GAIN = 5.0e-3

#: With a tapering curve the cost is proven optimal when it is within this share of the
#: chord relaxation's bound (:meth:`fleetopt.planning.charging_model.Model.curve_rows`).
CURVE_GAP = 1.0e-6

#: Price of an hour of plug time the curve rows lack at their current bands, in the plug
#: LP [plugs/h] and the cost LP [CNY/h]: far above a plug and a day's energy, so the rows'
#: bands move until none is lacking (an answer that still lacks some is infeasible).
SLACK_PLUGS_PER_H = 1.0e4
SLACK_CNY_PER_H = 1.0e7


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
    start_kwh : dict
        Vehicle id -> planned charge at the horizon start (the clock time the cyclic day
        starts at) [kWh]: where a simulation that follows the schedule starts.
    end_price_cny_per_kwh : dict
        Vehicle id -> the cost LP's marginal price of one more battery kWh at the end of
        its day (the dual of its cyclic-day row) [CNY/kWh].
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
    start_kwh: dict[str, float] = field(default_factory=dict)
    end_price_cny_per_kwh: dict[str, float] = field(default_factory=dict)


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


def _combine(answers: list[ChargingPlan], wall: float) -> ChargingPlan:
    """Add up the plans of parts that share no station."""
    status = "optimal" if all(a.status == "optimal" for a in answers) else "feasible"
    sched = pd.concat([a.schedule for a in answers if len(a.schedule)] or [answers[0].schedule])
    by_ts: dict[tuple[str, str], float] = {}
    plugs: dict[str, int] = {}
    peak: dict[str, float] = {}
    start: dict[str, float] = {}
    end_price: dict[str, float] = {}
    for a in answers:
        start.update(a.start_kwh)
        end_price.update(a.end_price_cny_per_kwh)
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
        start_kwh=start,
        end_price_cny_per_kwh=end_price,
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
    steps = math.isfinite(grid_limit_kw) or demand_cny_per_kw_day > 0
    if plugs is None and step_s < COARSE_STEP_S and steps:
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
    step_h = step_s / 3600.0
    m = Model.build(vehicles, t0_s, step_s, steps, price_cuts(prices_cny_per_kwh))
    qc, st_arr = m.q_col, m.q_station
    eff = m.q_eff
    used = sorted(set(st_arr.tolist()))
    n = m.n_cols
    p_col = {s: n + k for k, s in enumerate(used)}
    n += len(used)
    peak_col = {s: n + k for k, s in enumerate(used)} if demand_cny_per_kw_day > 0 else {}
    n += len(peak_col)
    slack0 = n  # plug time the curve rows lack at their bands, one column per tapering piece
    n += m.taper.size
    rows, cols, vals = [m.rows], [m.cols], [m.vals]
    row_lb, row_ub = [m.row_lb], [m.row_ub]
    n_row = m.n_rows
    price = np.zeros(0)
    if qc.size:
        # plugs: per elementary interval, plug time <= plugs x its length
        _, e_idx = np.unique(m.q_elem, return_inverse=True)
        n_e = int(e_idx.max()) + 1
        e_st = np.zeros(n_e, np.int64)
        e_st[e_idx] = st_arr
        rows += [n_row + e_idx, n_row + np.arange(n_e)]
        cols += [m.t_col, np.array([p_col[int(s)] for s in e_st], dtype=np.int64)]
        vals += [3600.0 / m.q_over, -np.ones(n_e)]
        row_lb.append(np.full(n_e, -math.inf))
        row_ub.append(np.zeros(n_e))
        n_row += n_e
        if steps:  # pieces lie inside one step each
            _, grp = np.unique(st_arr * n_slot + m.q_slot, return_inverse=True)
            n_grp = int(grp.max()) + 1
            g_st = np.zeros(n_grp, np.int64)
            g_st[grp] = st_arr
            if math.isfinite(grid_limit_kw):
                rows.append(n_row + grp)
                cols.append(qc)
                vals.append(1.0 / eff)
                row_lb.append(np.full(n_grp, -math.inf))
                row_ub.append(np.full(n_grp, grid_limit_kw * step_h))
                n_row += n_grp
            if peak_col:
                kcol = np.array([peak_col[int(s)] for s in g_st], dtype=np.int64)
                rows += [n_row + grp, n_row + np.arange(n_grp)]
                cols += [qc, kcol]
                vals += [1.0 / (eff * step_h), -np.ones(n_grp)]
                row_lb.append(np.full(n_grp, -math.inf))
                row_ub.append(np.zeros(n_grp))
                n_row += n_grp
        hour = (np.floor(m.q_start / 3600.0).astype(np.int64)) % 24
        price = np.asarray(prices_cny_per_kwh, float)[hour]

    def matrix(
        tangent: np.ndarray, chord: bool = False
    ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        r, c, v, u, k = m.curve_rows(tangent, n_row, chord=chord, slack0=slack0)
        a = sparse.csr_matrix(
            (np.concatenate([*vals, v]), (np.concatenate([*rows, r]), np.concatenate([*cols, c]))),
            shape=(n_row + k, n),
        )
        return a, np.concatenate([*row_lb, np.full(k, -math.inf)]), np.concatenate([*row_ub, u])

    col_lb = np.r_[m.col_lb, np.zeros(n - m.n_cols)]
    col_ub = np.r_[m.col_ub, np.full(n - m.n_cols, math.inf)]

    def lack_h(x: np.ndarray) -> float:
        return float(np.maximum(x[slack0 : slack0 + m.taper.size], 0.0).sum())

    # the bound when tapering: tangent rows restrict, the chord relaxation relaxes
    fpb = [-math.inf]
    chord_ans: list[_solver.Answer | None] = [None]

    def first_tangent(c: np.ndarray) -> np.ndarray:
        """Curve rows at the bands where the chord relaxation starts each piece."""
        if m.taper.size == 0:
            return m.initial_tangents()
        a0, lb0, ub0 = matrix(m.initial_tangents(), chord=True)
        left = max(0.5, time_limit_s - (time.perf_counter() - t_start))
        ans0 = _solver.solve(
            c, a0, lb0, ub0, col_lb, col_ub, time_limit_s=left / 2, lp_algorithm=lp_algorithm
        )
        fpb[0] = dual_bound(c, a0, lb0, ub0, col_lb, col_ub, ans0.duals)
        chord_ans[0] = ans0
        return m.initial_tangents() if ans0.x is None else m.tangents_of(ans0.x)

    tangent = m.initial_tangents()
    # 1. plugs
    status = "optimal"
    plugs_bound = 0
    if plugs is None:
        c1 = np.zeros(n)
        c1[slack0 : slack0 + m.taper.size] = SLACK_PLUGS_PER_H
        integer = np.zeros(n, bool)
        for col in p_col.values():
            c1[col] = 1.0
            integer[col] = True
        # a vehicle that drives and can charge at one station only needs a plug there
        # (the cyclic day makes it charge): plugs >= 1, valid for every integer answer
        for st_only in sole_stations(vehicles, m):
            col_lb[p_col[st_only]] = max(col_lb[p_col[st_only]], 1.0)
        tangent = first_tangent(c1)
        if m.taper.size:
            # the chord relaxation, rounded up per station, with its honest bound; the cost
            # LP below checks these plugs along the curve and adds plugs where it lacks
            relax = chord_ans[0]
            a, row_lb_a, row_ub_a = matrix(tangent, chord=True)
        else:
            a, row_lb_a, row_ub_a = matrix(tangent)
            # LP relaxation, rounded up per station: feasible (a station's row only loosens)
            relax = _solver.solve(
                c1, a, row_lb_a, row_ub_a, col_lb, col_ub, time_limit_s=time_limit_s / 4,
                lp_algorithm=lp_algorithm,
            )
        if relax is None or relax.x is None:
            return _empty(
                "infeasible" if relax is None else relax.status,
                station_ids,
                time.perf_counter() - t_start,
            )
        plug_n = {s: math.ceil(float(relax.x[col]) - 1e-6) for s, col in p_col.items()}
        plug_lb = (
            math.ceil(relax.bound - 1e-6) if not m.taper.size
            else max(0, math.ceil(fpb[0] - 1e-6))
        )
        if sum(plug_n.values()) > plug_lb and not m.taper.size:
            # the MIP may find fewer plugs; it is kept only when it does (not with a
            # tapering curve: fewer plugs than the chord relaxation's rounded up mostly lack
            # plug time along the curve, and the cost LP would add them back)
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
    c2[slack0 : slack0 + m.taper.size] = SLACK_CNY_PER_H
    if qc.size:
        np.add.at(c2, qc.astype(np.int64), price / eff)
    for col in peak_col.values():
        c2[col] = demand_cny_per_kw_day
    if extra_plug_cny > 0:
        for col in p_col.values():
            col_ub[col] = math.inf
            c2[col] = extra_plug_cny
    ans2 = None
    repaired = False
    duals: np.ndarray | None = None
    raised = False
    if m.taper.size:  # the cost's bound, and where the cost LP's curve rows start
        tangent = first_tangent(c2)
        chord = chord_ans[0]
        if chord is not None and chord.status == "infeasible":  # so is the curve
            return _empty("infeasible", station_ids, time.perf_counter() - t_start)
    if m.taper.size or plugs is not None:
        a, row_lb_a, row_ub_a = matrix(tangent)
    for _ in range(1 + PLUG_RAISES):
        ans2 = None
        lack0 = math.inf
        for _ in range(1 + CURVE_ROUNDS):
            left = max(0.5, time_limit_s - (time.perf_counter() - t_start))
            ans = _solver.solve(
                c2, a, row_lb_a, row_ub_a, col_lb, col_ub, time_limit_s=left,
                lp_algorithm=lp_algorithm,
            )
            if ans.x is None:
                break
            xa = ans.x
            full_lack = lack_h(xa)
            # a whole round's duals price the end-of-day charge (end_prices) unless that
            # round lacked plug time (its duals then carry the lack's price): the chord's
            duals = ans.duals if full_lack <= 1e-9 or chord_ans[0] is None else chord_ans[0].duals
            fixed = repaired = False
            if full_lack > 1e-9 and LOCAL_REPAIR and m.q_col.size >= REPAIR_PIECES:
                # only the vehicles that lack plug time and their plug competitors
                left = max(0.5, time_limit_s - (time.perf_counter() - t_start))
                xr, _, _ = repair(
                    m, c2, matrix, col_lb, col_ub, xa, slack0,
                    time_limit_s=left, lp_algorithm=lp_algorithm,
                )
                if lack_h(xr) < full_lack:
                    xa = xr
                    ans = replace(ans, x=xr, objective=float(c2 @ xr))
                    fixed = repaired = lack_h(xr) <= 1e-9
            gain = math.inf if ans2 is None else ans2.objective - ans.objective
            ans2 = ans
            new = m.tangents_of(xa)
            small = CURVE_GAIN * abs(ans.objective)
            lack = lack_h(xa)
            done = lack <= 1e-9 and (gain <= small or ans.objective - fpb[0] <= small or fixed)
            stalled = lack > 1e-9 and lack > (1.0 - CURVE_STALL) * lack0
            lack0 = lack
            if done or stalled or np.array_equal(new, tangent):
                break
            # the curve rows at the bands this answer reached: it stays feasible, the cost
            # can only fall
            tangent = new
            a, row_lb_a, row_ub_a = matrix(tangent)
        if (
            ans2 is None or ans2.x is None or lack_h(ans2.x) <= 1e-6 or plugs is not None
            or time.perf_counter() - t_start > time_limit_s
        ):
            break
        # plugs sized on the chord relaxation, and the curve still lacks plug time: one
        # more plug where it lacks, and on from the bands this answer reached
        lacking = m.taper[np.flatnonzero(ans2.x[slack0 : slack0 + m.taper.size] > 1e-9)]
        for s in {int(v) for v in st_arr[lacking]}:
            plug_n[s] += 1
            col_lb[p_col[s]] = col_ub[p_col[s]] = plug_n[s]
        status, raised = "feasible", True
        tangent = m.tangents_of(ans2.x)
        a, row_lb_a, row_ub_a = matrix(tangent)
    chord = chord_ans[0]
    if repaired and ans2 is not None and ans2.x is not None and chord is not None:
        # the vehicles whose energy cost the lacking round raised, re-solved once
        xr = recover(
            m, c2, matrix, col_lb, col_ub, ans2.x, chord.x, slack0,
            time_limit_s=max(0.5, time_limit_s - (time.perf_counter() - t_start)),
            lp_algorithm=lp_algorithm,
        )
        if lack_h(xr) <= 1e-9 and float(c2 @ xr) < ans2.objective:
            ans2 = replace(ans2, x=xr, objective=float(c2 @ xr))
    if raised and ans2 is not None and ans2.x is not None and lack_h(ans2.x) <= 1e-6:
        first_tangent(c2)  # the chord relaxation's bound with the plugs added
    if ans2 is None or ans2.x is None:
        return _empty("infeasible" if ans2 is None else ans2.status, station_ids,
                      time.perf_counter() - t_start)
    bound = ans2.bound if not m.taper.size else min(fpb[0], ans2.objective)
    if ans2.status != "optimal" or ans2.objective - bound > CURVE_GAP * abs(ans2.objective):
        status = "feasible"
    x = ans2.x
    if lack_h(x) > 1e-6:
        logger.warning(
            "the charging curve cannot deliver the planned charge in %.4f h of plug time",
            lack_h(x),
        )
        return _empty("infeasible", station_ids, time.perf_counter() - t_start)
    if extra_plug_cny > 0:
        plug_n = {s: math.ceil(float(x[col]) - 1e-6) for s, col in p_col.items()}
        plugs_bound = 0
    qv = np.maximum(x[qc], 0.0) if qc.size else np.zeros(0)
    tv = np.maximum(x[m.t_col], 0.0) if qc.size else np.zeros(0)
    wins = plug_windows(m, qv, tv, x, plug_n, vehicles)
    sched = windows_table(wins, m, vehicles, station_ids, price, t0_s)
    load = np.zeros((len(station_ids), n_slot))
    for (p, w0, w1, e), s0 in zip(wins, sched["start_s"].to_numpy(float), strict=True):
        spread(load[int(st_arr[p])], s0 - t0_s, w1 - w0, e / float(eff[p]), step_s)
    peak = {str(station_ids[s]): float(load[s].max()) for s in used}
    by_ts: dict[tuple[str, str], float] = {}
    for (vt, sid), g in sched.groupby(["vehicle_type", "station_id"])["grid_kwh"]:
        by_ts[(str(vt), str(sid))] = float(g.sum())
    return ChargingPlan(
        status=status,
        plugs={str(station_ids[s]): int(v) for s, v in plug_n.items()},
        cost_cny=float(ans2.objective),
        bound_cny=float(bound),
        peak_kw=peak,
        grid_kwh=float((qv / eff).sum()) if qc.size else 0.0,
        schedule=sched[_SCHEDULE_COLS]
        .sort_values(["vehicle_id", "start_s"])
        .reset_index(drop=True),
        energy_by_type_station=by_ts,
        wall_s=time.perf_counter() - t_start,
        plugs_bound=plugs_bound,
        start_kwh=m.soc_at(vehicles, x, t0_s),
        end_price_cny_per_kwh=end_prices(m, vehicles, duals),
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

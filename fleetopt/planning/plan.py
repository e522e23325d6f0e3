"""Run an operator's plan: re-block, size plugs, schedule charging, price the fleet (CONTRACT §9).

Steps for each vehicle type of the scenario's trip fleets:

1. blocks for the scenario's powertrain (:mod:`fleetopt.planning.blocking`), with the
   trips no vehicle can run reported and left out;
2. plugs per station and the cheapest cyclic-day charging of those blocks
   (:mod:`fleetopt.planning.charging_lp`; all battery types share the stations);
3. the same timetable for the other powertrains with a spec and cost defaults (``bev``,
   ``fcev``, and ``diesel``, or ``gasoline`` where the type has no diesel spec): blocks,
   and for ``bev`` its own plugs and charging;
4. life-cycle cost of each (:mod:`fleetopt.planning.tco`);
5. optionally, the planned blocks run in the simulator with the planned plugs under the
   ``immediate`` and ``smart`` policies and following the planned schedule
   (``scheduled``: missed trips, energy, cost and peak);
6. the planned schedule replayed on the planned days (:mod:`fleetopt.planning.replay`:
   missed trips, days that do not close, plug use, energy against the simulator's).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt._csv_text import write_frame_csv
from fleetopt.case import Case, load_case
from fleetopt.domain import charging as chg
from fleetopt.domain.costs import hourly_prices, resolve_tariff
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.costs import resolve_costs
from fleetopt.inputs.plan_options import battery_sizes_of, replacement_options
from fleetopt.inputs.road_graph import RoadNetwork, load_network
from fleetopt.inputs.scenario import Scenario, scenario_from_dict
from fleetopt.inputs.vehicles import VehicleSpec, resolve_spec
from fleetopt.planning.battery_sizes import BatteryOption, battery_options, default_sizes
from fleetopt.planning.block_check import idle_kw, with_idle
from fleetopt.planning.blocking import BlockingResult, block_km, plan_blocks, timeline
from fleetopt.planning.charging_lp import ChargingPlan, VehicleDay, plan_charging
from fleetopt.planning.charging_model import SOC_MARGIN_KWH
from fleetopt.planning.plug_reduce import fewer_plugs
from fleetopt.planning.problem import GroupProblem, build_groups, with_spec
from fleetopt.planning.replacement import (
    ReplacementResult,
    build_replacement_problem,
    solve_replacement,
)
from fleetopt.planning.replay import replay_schedule, start_charges_kwh
from fleetopt.planning.result import PlanResult, TypePlan
from fleetopt.planning.tco import daily_fuel_cost_cny, life_cycle_cost
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.result import SimulationResult

logger = logging.getLogger(__name__)

__all__ = ["compare_policies", "plan_scenario"]

#: Days per month used to turn a monthly demand charge into a daily one [d].
_MONTHS_PER_YEAR = 12.0

#: A simulated day "closes" when the vehicle ends at least at its start charge, to this
#: state-of-charge tolerance (float rounding of the kernel's SOC updates) [-].
_SOC_TOL = 1e-6


def _alternatives(
    vehicle_type: str, have: str, scenario: Scenario
) -> list[tuple[str, VehicleSpec]]:
    out = []
    fuel = "diesel"
    try:
        resolve_spec(vehicle_type, "diesel", scenario.vehicle_types)
    except InputError:
        fuel = "gasoline"
    for pt in ("bev", fuel, "fcev"):
        if pt == have:
            continue
        try:
            spec = resolve_spec(vehicle_type, pt, scenario.vehicle_types)
            resolve_costs(scenario.costs, vehicle_type, pt)
        except (InputError, KeyError):
            continue
        out.append((pt, spec))
    return out


#: Share of the plan's solver budget the greedy plug reduction may use at most
#: (:func:`fleetopt.planning.plug_reduce.fewer_plugs`), a safety cap only [-]: the
#: reduction stops after :data:`PLUG_REDUCE_TRIALS` trials, so its plugs do not depend on
#: the machine's load unless the cap is reached.
PLUG_REDUCE_SHARE = 0.25
#: Fixed-plug LP trials of the plug reduction [-]. Measured on the embedded default on a
#: quiet 2-core machine (2026-12-06): 30 trials take about 6 s of the plan's 50 s.
PLUG_REDUCE_TRIALS = 30


def _vehicle_days(gp: GroupProblem, br: BlockingResult, prefix: str) -> list[VehicleDay]:
    days = []
    crv = chg.curve(gp.spec.charging_curve)
    kw_idle = idle_kw(gp)
    for k, (b, d) in enumerate(zip(br.blocks, br.depots, strict=True)):
        segs = timeline(gp, b, d)
        assert not isinstance(segs, str)  # blocks passed the check
        days.append(
            VehicleDay(
                vehicle_id=f"{prefix}{k + 1:05d}",
                vehicle_type=gp.vehicle_type,
                segments=with_idle(segs, kw_idle),
                rate_kw=gp.rate_kw,
                efficiency=gp.spec.charge_efficiency,
                cap_kwh=gp.cap_kwh,
                min_kwh=gp.min_kwh,
                curve_knees=crv.knees_soc,
                curve_fracs=crv.fracs,
            )
        )
    return days


def _charging(
    vehicles: list[VehicleDay],
    gp: GroupProblem,
    scenario: Scenario,
    prices: np.ndarray,
    demand_day: float,
    step_s: float,
    time_limit_s: float,
) -> ChargingPlan:
    lp: dict[str, Any] = {
        "t0_s": scenario.options.horizon_start_s,
        "step_s": step_s,
        "grid_limit_kw": scenario.options.grid_limit_kw,
        "demand_cny_per_kw_day": demand_day,
    }
    sized = plan_charging(vehicles, gp.station_ids, prices, time_limit_s=time_limit_s, **lp)
    return fewer_plugs(
        vehicles,
        gp.station_ids,
        prices,
        sized,
        budget_s=PLUG_REDUCE_SHARE * time_limit_s,
        max_trials=PLUG_REDUCE_TRIALS,
        **lp,
    )


def _plug_kw_share(
    ch: ChargingPlan, vehicle_type: str, plug_kw_of: dict[str, float]
) -> float:
    """Plug power attributed to a type: each station's plug kW x the type's energy share."""
    total: dict[str, float] = {}
    for (_, sid), e in ch.energy_by_type_station.items():
        total[sid] = total.get(sid, 0.0) + e
    kw = 0.0
    for sid, n in ch.plugs.items():
        if n <= 0:
            continue
        mine = ch.energy_by_type_station.get((vehicle_type, sid), 0.0)
        share = mine / total[sid] if total.get(sid, 0.0) > 0 else 0.0
        kw += n * plug_kw_of[sid] * share
    return kw


def plan_scenario(
    scenario: Scenario,
    *,
    network: RoadNetwork | None = None,
    time_limit_s: float = 60.0,
    step_s: float = 900.0,
    compare: bool = True,
    battery_trade_off: bool = False,
) -> PlanResult:
    """Plan the scenario's trip fleets (module steps).

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    network : RoadNetwork, optional
        Its road network (loaded when not given).
    time_limit_s : float
        Budget for the solvers [s].
    step_s : float
        Time step of the charging LP [s] (900 or 60).
    compare : bool
        Also simulate the planned blocks under ``immediate`` and ``smart`` charging.
    battery_trade_off : bool
        Compare battery sizes (:mod:`fleetopt.planning.battery_sizes`) with the default
        lists even when ``[plan] battery_kwh`` is not given.

    Returns
    -------
    PlanResult
    """
    t0 = time.perf_counter()
    if network is None:
        network = load_network(scenario.network, base_dir=scenario.base_dir)
    prep = prepare(load_case(scenario, network))
    if prep.requests:
        logger.warning("taxi fleets served by ride requests are not planned (no fixed trips)")
    groups = build_groups(scenario, prep, network)
    if not groups:
        msg = "the scenario has no trips to plan (fleets with trips, GTFS or a bus generator)"
        raise InputError(msg, [Problem(msg, None, "fleets", scenario.file)])
    tariff = resolve_tariff(scenario.options.tariff, scenario.tariffs)
    prices = hourly_prices(tariff)
    demand_month = float(
        scenario.raw.get("tariffs", {}).get(scenario.options.tariff, {}).get(
            "demand_cny_per_kw_month", 0.0
        )
    )
    st = prep.stations
    plug_kw_of = dict(zip(st["id"].astype(str), np.nan_to_num(st["plug_kw"].to_numpy(float)),
                          strict=True))
    # 1. blocks of the scenario's powertrain
    main: dict[tuple[str, str], tuple[GroupProblem, BlockingResult]] = {}
    for gp in groups:
        main[(gp.vehicle_type, gp.powertrain)] = (gp, plan_blocks(gp, time_limit_s=time_limit_s))
    # 2. plugs and charging of all battery groups together
    days: list[VehicleDay] = []
    for (vt, pt), (gp, br) in main.items():
        if gp.battery:
            days += _vehicle_days(gp, br, f"{vt}-{pt}-")
    any_gp = groups[0]
    charging = None
    if days:
        c0 = resolve_costs(scenario.costs, any_gp.vehicle_type, any_gp.powertrain)
        demand_day = demand_month * _MONTHS_PER_YEAR / c0["days_per_year"]
        charging = _charging(
            days, any_gp, scenario, prices, demand_day, step_s, time_limit_s
        )
    # 3.-4. per type: the plan's powertrain and the alternatives, with their TCO
    types: list[TypePlan] = []
    for (vt, pt), (gp, br) in main.items():
        options: list[tuple[str, GroupProblem, BlockingResult, ChargingPlan | None]] = [
            (pt, gp, br, charging if gp.battery else None)
        ]
        for apt, spec in _alternatives(vt, pt, scenario):
            agp = with_spec(gp, spec, scenario)
            abr = plan_blocks(agp, time_limit_s=time_limit_s)
            ach = None
            if agp.battery:
                c0 = resolve_costs(scenario.costs, vt, apt)
                ach = _charging(
                    _vehicle_days(agp, abr, f"{vt}-{apt}-"),
                    agp,
                    scenario,
                    prices,
                    demand_month * _MONTHS_PER_YEAR / c0["days_per_year"],
                    step_s,
                    time_limit_s,
                )
            options.append((apt, agp, abr, ach))
        tco: dict[str, dict[str, Any]] = {}
        for opt_pt, ogp, obr, och in options:
            costs = resolve_costs(scenario.costs, vt, opt_pt)
            km = block_km(ogp, obr)
            if ogp.battery and och is not None:
                sub = och.schedule[och.schedule["vehicle_type"] == vt]
                energy = float(sub["cost_cny"].sum())
                if demand_month > 0 and och.grid_kwh > 0:
                    # the demand charge is shared like the energy
                    share = float(sub["grid_kwh"].sum()) / och.grid_kwh
                    energy += share * (och.cost_cny - float(och.schedule["cost_cny"].sum()))
                plug_kw = _plug_kw_share(och, vt, plug_kw_of)
            else:
                energy = daily_fuel_cost_cny(ogp.spec, km, costs)
                plug_kw = 0.0
            t = life_cycle_cost(
                vehicles=obr.vehicles,
                costs=costs,
                plug_kw=plug_kw,
                daily_energy_cny=energy,
                daily_km=km,
                battery_kwh=ogp.spec.battery_kwh if ogp.spec.powertrain in ("bev", "phev") else 0.0,
            )
            tco[opt_pt] = {
                "npv_cny": t.npv_cny,
                "cny_per_km": t.cny_per_km,
                "vehicles": obr.vehicles,
                "vehicles_bound": obr.lower_bound,
                "daily_km": km,
                "daily_energy_cny": energy,
                "plug_kw": plug_kw,
                "terms": t.terms,
            }
        types.append(TypePlan(vehicle_type=vt, powertrain=pt, group=gp, blocking=br, tco=tco))
    result = PlanResult(scenario=scenario.name, types=types, charging=charging, step_s=step_s)
    # 5.-6. battery sizes and replacement over years (issue 15 items 5, 6)
    result.battery_options = _battery_trade_off(
        scenario, main, prices, demand_month, step_s, time_limit_s, battery_trade_off
    )
    result.replacement = _replacement(scenario, groups, prices, time_limit_s)
    if compare and charging is not None and charging.status in ("optimal", "feasible"):
        result.comparison = compare_policies(
            scenario, result, network, profiles=result.load_profiles, days=days
        )
    if charging is not None and charging.status in ("optimal", "feasible"):
        result.replay = replay_schedule(days, charging, any_gp.station_ids, result.comparison)
    result.wall_s = time.perf_counter() - t0
    return result


def _battery_trade_off(
    scenario: Scenario,
    main: dict[tuple[str, str], tuple[GroupProblem, BlockingResult]],
    prices: np.ndarray,
    demand_month: float,
    step_s: float,
    time_limit_s: float,
    always: bool,
) -> dict[str, list[BatteryOption]]:
    """Battery sizes of each battery group: ``[plan] battery_kwh``, else the defaults."""
    given = battery_sizes_of(scenario.raw)
    if given is None and not always:
        return {}
    out: dict[str, list[BatteryOption]] = {}
    for (vt, pt), (gp, _) in main.items():
        if not gp.battery:
            continue
        sizes = given if given is not None else default_sizes(vt, float(gp.spec.battery_kwh))
        if not sizes:
            continue
        demand_day = demand_month * _MONTHS_PER_YEAR / resolve_costs(
            scenario.costs, vt, pt
        )["days_per_year"]
        share = time_limit_s  # each size gets the plan's limit (a split starves the plugs MIP)

        def charge(
            g: GroupProblem, b: BlockingResult, d: float = demand_day, tl: float = share
        ) -> ChargingPlan:
            return _charging(
                _vehicle_days(g, b, f"{g.vehicle_type}-{g.powertrain}-"),
                g, scenario, prices, d, step_s, tl,
            )

        out[vt] = battery_options(
            gp, sizes, scenario=scenario, charge=charge, time_limit_s=share
        )
    return out


def _replacement(
    scenario: Scenario, groups: list[GroupProblem], prices: np.ndarray, time_limit_s: float
) -> ReplacementResult | None:
    """Return the replacement over years when ``[plan.replacement]`` is given (else None)."""
    opts = replacement_options(scenario.raw, scenario.base_dir)
    if opts is None:
        return None
    problem = build_replacement_problem(scenario, groups, opts, float(np.mean(prices)))
    return solve_replacement(problem, time_limit_s=time_limit_s)


def compare_policies(
    scenario: Scenario,
    result: PlanResult,
    network: RoadNetwork | None,
    profiles: dict[str, pd.Series] | None = None,
    days: list[VehicleDay] | None = None,
) -> dict[str, dict[str, float]]:
    """Simulate the planned blocks with the planned plugs under ``immediate`` and ``smart``.

    With ``days`` (the planned blocks' days given to the charging LP) also ``scheduled``:
    the simulator follows the plan's schedule (:mod:`fleetopt.simulation.scheduled`), each
    vehicle starting at :func:`~fleetopt.planning.replay.start_charges_kwh`.

    Returns
    -------
    dict
        ``{policy: {trips_missed, grid_energy_kwh, cost_cny, peak_grid_kw}}``, plus
        ``plan`` with the LP's cost, grid energy and peak (sum of site peaks); ``scheduled``
        also has ``battery_kwh`` (charged, battery side), ``vehicles_below_start``,
        ``plug_gave_up`` (windows whose plug did not free before the window ended),
        ``plug_wait_max_s`` (longest wait for a plug) and ``idle_kwh`` (off-plug draw).
        Every policy ends with ``cost_equal_end_cny``: its cost plus each vehicle's
        end-of-day shortfall below its start charge at the plan's marginal price
        (:func:`_end_deficit_cny`), so all compare at the plan's end-of-day charge.
    """
    assert result.charging is not None
    trips = result.trips_table()
    out: dict[str, dict[str, float]] = {
        "plan": {
            "trips_missed": 0.0,
            "grid_energy_kwh": result.charging.grid_kwh,
            "cost_cny": result.charging.cost_cny,
            "peak_grid_kw": float(sum(result.charging.peak_kw.values())),
        }
    }
    with tempfile.TemporaryDirectory(prefix="fleetopt-plan-") as tmp:
        path = Path(tmp) / "planned_trips.csv"
        write_frame_csv(trips, path)
        raw = {k: v for k, v in scenario.raw.items() if k not in ("base",)}
        raw["fleets"] = [{"trips": str(path)}]
        recs = []
        for row in scenario.stations.to_dict(orient="records"):
            rec = {k: v for k, v in row.items() if k != "existing" and not _missing(v)}
            if str(row["id"]) in result.charging.plugs:
                rec["plugs"] = max(1, result.charging.plugs[str(row["id"])])
            recs.append(rec)
        raw["stations"] = recs
        for policy in ("immediate", "smart", "scheduled"):
            if policy == "scheduled" and days is None:
                continue
            opt = "immediate" if policy == "scheduled" else policy
            raw["options"] = {**scenario.raw.get("options", {}), "charging": opt}
            sc = scenario_from_dict(raw, base_dir=scenario.base_dir, file=scenario.file)
            case = load_case(sc, network)
            if policy == "scheduled":
                assert days is not None
                case = _scheduled_case(case, days, result.charging, sc)
            sim = simulate(case)
            if policy == "scheduled":
                out[policy] = _scheduled_summary(sim)
                out[policy]["cost_equal_end_cny"] = out[policy]["cost_cny"] + _end_deficit_cny(
                    sim, result.charging
                )
                continue
            s = sim.summary()
            if profiles is not None and not sim.load_kw.empty:
                # grid power of all stations per minute [kW] (index: minute start [s])
                profiles[policy] = sim.load_kw.sum(axis=1)
            cost = float(sim.stations["cost_cny"].sum()) if "cost_cny" in sim.stations else math.nan
            out[policy] = {
                "trips_missed": float(s["trips_missed"]),
                "grid_energy_kwh": float(s["grid_energy_kwh"]),
                "cost_cny": cost,
                "peak_grid_kw": float(s["peak_grid_kw"]),
                "cost_equal_end_cny": cost + _end_deficit_cny(sim, result.charging),
            }
    out["plan"]["cost_equal_end_cny"] = result.charging.cost_cny
    return out


def _end_deficit_cny(sim: SimulationResult, charging: ChargingPlan) -> float:
    """Price each vehicle's end-of-day shortfall (below its start charge) at the plan's margin.

    The plan ends every vehicle's day at least at its start charge; a policy that does not
    leaves that energy for tomorrow. Each missing battery kWh is priced at the cost LP's
    marginal price of one more kWh at that vehicle's day end (the dual of its cyclic-day
    row, ``ChargingPlan.end_price_cny_per_kwh``), so the policies compare at equal
    end-of-day charge. A vehicle the plan does not price adds nothing.
    """
    veh = sim.vehicles.dropna(subset=["soc_start", "soc_end"])
    if veh.empty or not charging.end_price_cny_per_kwh:
        return 0.0
    short = np.maximum(
        veh["soc_start"].to_numpy(float) - veh["soc_end"].to_numpy(float), 0.0
    ) * veh["capacity_kwh"].to_numpy(float)
    price = np.array(
        [charging.end_price_cny_per_kwh.get(str(v), 0.0) for v in veh["vehicle_id"]]
    )
    return float((short * price).sum())


def _scheduled_case(
    case: Case, days: list[VehicleDay], charging: ChargingPlan, sc: Scenario
) -> Case:
    """Return the Case of the planned blocks charging by the schedule from its start charges."""
    start = start_charges_kwh(days, charging, sc.options.horizon_start_s)
    vt_of = case.fleet_trips.drop_duplicates("vehicle_id").set_index("vehicle_id")
    specs = dict(case.vehicle_specs)
    for vid, kwh in start.items():
        if vid not in vt_of.index:
            continue
        key = (str(vt_of.at[vid, "vehicle_type"]), str(vt_of.at[vid, "powertrain"]))
        spec = specs.get(vid) or case.specs[key]
        if spec.battery_kwh > 0:
            specs[vid] = dataclasses.replace(spec, initial_soc=kwh / spec.battery_kwh)
    return dataclasses.replace(case, vehicle_specs=specs, charging_schedule=charging.schedule)


def _scheduled_summary(sim: SimulationResult) -> dict[str, float]:
    s = sim.summary()
    ses = sim.sessions[sim.sessions["action"] == "charge"]
    veh = sim.vehicles.dropna(subset=["soc_start", "soc_end"])
    # the start charge handed to the simulator is SOC_MARGIN_KWH above the plan's, which a
    # tapering curve may not give back in full: a day closes to that much
    tol = np.maximum(_SOC_TOL, SOC_MARGIN_KWH / veh["capacity_kwh"].to_numpy(float))
    below = veh["soc_end"].to_numpy(float) < veh["soc_start"].to_numpy(float) - tol
    cost = float(sim.stations["cost_cny"].sum()) if "cost_cny" in sim.stations else math.nan
    return {
        "trips_missed": float(s["trips_missed"]),
        "grid_energy_kwh": float(s["grid_energy_kwh"]),
        "cost_cny": cost,
        "peak_grid_kw": float(s["peak_grid_kw"]),
        "battery_kwh": float(ses["battery_kwh"].sum()),
        "vehicles_below_start": float(below.sum()),
        "plug_gave_up": float((sim.sessions["action"] == "gave_up").sum()),
        "plug_wait_max_s": float(ses["wait_s"].max()) if len(ses) else 0.0,
        "idle_kwh": float(sim.vehicles["idle_kwh"].sum()) if len(sim.vehicles) else 0.0,
    }


def _missing(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)

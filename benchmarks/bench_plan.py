"""Benchmark the operator plan (issue 15): re-blocking, the charging LP, the default's full plan.

Cases:

* ``reblock_1600``: 1,600 generated BEV bus blocks x 16 trips = 25,600 trips (the
  ``bus`` case of ``bench_simulation.build_case``: 100 routes on ``beijing-central-2024``,
  GENERATED timetables) with depot charging only (the terminal stations removed),
  re-blocked by :func:`fleetopt.planning.blocking.plan_blocks` (``reblock_cpu_s``: its
  process CPU time, less sensitive to the shared machine's load). Goals: <= 120 s and
  vehicles within 2 % of the proven lower bound (``gap_to_bound`` = (vehicles - bound) /
  bound). ``vehicles_no_energy`` is the same dispatch with the battery ignored: when it
  meets the bound, the rest of the gap is energy (the bound ignores it).
* ``charging_lp_500``: the plugs and cheapest charging of 500 of those buses' planned days
  at 15-min and 1-min steps, plugs sized at each step (``plugs_s``: LP relaxation + MIP
  polish; without a grid limit or demand charge the model is cut at the stays' ends and
  the clock hours only, so both steps give one model). Goal <= 10 s for the LP
  (``lp_s``: the cost LP with the plugs fixed). The schedule is replayed on the days
  (``replay_*``: missed trips, days that do not close, energy delivered - driven, kWh
  the planned plugs could not deliver). The days carry the spec's ``taper`` charging
  curve and layover idle draw; the re-blocking's check counts both as the LP does
  (:mod:`fleetopt.planning.block_check`), so every planned day can close. The taper LP
  (about 63k rows x 76k columns for 416 buses) is solved as a chord relaxation (the
  bound) and then curve rounds (one LP each, the bands moved to where the answer is),
  finished by local rounds on the vehicles that still lack plug time in a part this large;
  ``lp_rounds`` counts all LP solves of the cost call, ``lp_local_solves`` the local ones
  among them, ``gap`` = (cost - bound) / cost. Under heavy load the plugs can
  still hit the 60 s budget: ``plugs_status`` ``time_limit_no_solution`` and ``status``
  ``infeasible`` then mean "no answer in time", not a day that cannot close.
* ``beijing_default``: ``fleetopt plan`` on the embedded default (``beijing-default.toml``)
  with the simulator check. Goal <= 60 s.

Quick mode uses 160 blocks, 50 buses and skips the default's plan. Wall times depend on the
shared machine's load; the load average is reported.

Run alone: ``python benchmarks/bench_plan.py [--quick] [--blocks N] [--no-default]
[--reblock-only] [--rounds new|old|both]`` (``--blocks 560 --no-default``: the charging LP
part on about 500 buses without the 1,600-block re-blocking and the default's plan;
``--reblock-only``: the re-blocking case alone; ``--rounds both``: the cost LP with the
local repair of large parts, then with whole curve rounds only (``old_rounds``), back to
back on the same plugs).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _depot_only(path: Path) -> None:
    st = path.parent / "generated_bus_stations.csv"
    lines = st.read_text(encoding="utf-8").splitlines()
    keep = [ln for ln in lines if ",public," not in ln]
    st.write_text("\n".join(keep) + "\n", encoding="utf-8")


_CALLS: dict[str, int] = {}


def _calls(module: object, name: str) -> int:
    """Calls of ``module.name`` so far (wraps it once; later calls only read the count)."""
    key = f"{getattr(module, '__name__', module)}.{name}"
    if key not in _CALLS:
        _CALLS[key] = 0
        real = getattr(module, name)

        def counted(*a: object, **k: object) -> object:
            _CALLS[key] += 1
            return real(*a, **k)

        setattr(module, name, counted)
    return _CALLS[key]


def _count_solves() -> int:
    """LP/MIP solves of the planner so far (``_solver.solve``)."""
    from fleetopt.planning import _solver

    return _calls(_solver, "solve")


def _count_local() -> int:
    """Local-round LP solves of the charging repair so far (``charging_repair._sub_solve``)."""
    from fleetopt.planning import charging_repair

    return _calls(charging_repair, "_sub_solve")


def _cost_lp(days: list, station_ids: object, plugs: dict, step: float) -> dict[str, object]:
    """The cost LP with fixed plugs at ``step``: time, LP solves, cost, bound, gap, replay."""
    from fleetopt.domain.costs import hourly_prices
    from fleetopt.planning.charging_lp import plan_charging
    from fleetopt.planning.replay import replay_schedule

    n_solves, n_local = _count_solves(), _count_local()
    t0 = time.perf_counter()
    fixed = plan_charging(
        days,
        station_ids,  # type: ignore[arg-type]
        hourly_prices("beijing-general-commercial-1-10kv"),
        step_s=step,
        plugs=plugs,
    )
    t1 = time.perf_counter()
    rep = replay_schedule(days, fixed, station_ids) if fixed.plugs else {}  # type: ignore[arg-type]
    return {
        "load_avg": os.getloadavg(),
        "lp_s": t1 - t0,
        "lp_rounds": _count_solves() - n_solves,
        "lp_local_solves": _count_local() - n_local,
        "status": fixed.status,
        "cost_cny": fixed.cost_cny,
        "bound_cny": fixed.bound_cny,
        "gap": (fixed.cost_cny - fixed.bound_cny) / fixed.cost_cny,
        "replay_trips_missed": rep.get("trips_missed"),
        "replay_days_not_closed": rep.get("days_not_closed"),
        "replay_energy_difference_kwh": rep.get("energy_difference_kwh"),
        "replay_plug_shortfall_kwh": (
            sum(rep["plug_shortfall_kwh"].values()) if rep else None
        ),
    }


def run(
    quick: bool,
    blocks: int = 0,
    default: bool = True,
    reblock_only: bool = False,
    rounds: str = "new",
) -> dict[str, object]:
    """Run the cases; return timings, vehicles, bounds and goals.

    ``blocks`` > 0 replaces the generated blocks' number; ``default`` False skips the
    default's plan; ``reblock_only`` runs the re-blocking case alone; ``rounds`` picks the
    cost LP's curve rounds: ``new`` (local repair in large parts), ``old`` (whole rounds
    only) or ``both`` (new then old, back to back, the old under ``old_rounds``).
    """
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(REPO))
    from bench_simulation import build_case

    from fleetopt.case import load_case
    from fleetopt.domain.costs import hourly_prices
    from fleetopt.inputs.road_graph import load_network
    from fleetopt.inputs.scenario import read_scenario
    from fleetopt.planning import charging_lp
    from fleetopt.planning.blocking import _dispatch, plan_blocks
    from fleetopt.planning.charging_lp import plan_charging
    from fleetopt.planning.plan import _vehicle_days, plan_scenario
    from fleetopt.planning.problem import build_groups
    from fleetopt.simulation.prepare import prepare

    out: dict[str, object] = {"load_avg": os.getloadavg()}
    net = load_network("beijing-central-2024")
    blocks_n = blocks or (160 if quick else 1600)
    with tempfile.TemporaryDirectory() as tmp:
        path = build_case("bus", blocks_n, tmp, net)
        _depot_only(path)
        sc = read_scenario(path)
        t0 = time.perf_counter()
        prep = prepare(load_case(sc, net))
        groups = build_groups(sc, prep, net)
        t1 = time.perf_counter()
        gp = groups[0]
        c1 = time.process_time()
        res = plan_blocks(gp)
        t2 = time.perf_counter()
        c2 = time.process_time()
        no_energy = _dispatch(replace(gp, battery=False, cap_kwh=math.inf), list(range(gp.n)))
        out["reblock"] = {
            "trips": gp.n,
            "input_blocks": res.input_blocks,
            "broken_input_blocks": len(res.broken_blocks),
            "vehicles": res.vehicles,
            "lower_bound": res.lower_bound,
            "bound_method": res.bound_method,
            "gap_to_bound": (res.vehicles - res.lower_bound) / max(1, res.lower_bound),
            "vehicles_no_energy": len(no_energy[0]),
            "unrunnable_trips": len(res.unrunnable),
            "kept_input": res.kept_input,
            "prepare_s": t1 - t0,
            "reblock_s": t2 - t1,
            "reblock_cpu_s": c2 - c1,
            "total_s": t2 - t0,
            "goal_s": 120.0,
            "goal_gap": 0.02,
        }
        if reblock_only:
            return out
        n_bus = 50 if quick else 500
        days = _vehicle_days(gp, res, "bus-")[:n_bus]
        lp: dict[str, object] = {"buses": len(days)}
        for step in (900.0, 60.0):
            # plugs sized at this step (15-minute plugs are a relaxation of 1-minute ones)
            t3 = time.perf_counter()
            sized = plan_charging(days, gp.station_ids, hourly_prices("flat-rate"), step_s=step)
            t4 = time.perf_counter()
            case: dict[str, object] = {
                "plugs_s": t4 - t3,
                "plugs_status": sized.status,
                "plugs": sum(sized.plugs.values()),
                "plugs_bound": sized.plugs_bound,
                "goal_s": 10.0,
            }
            for rule in ("new", "old") if rounds == "both" else (rounds,):
                charging_lp.LOCAL_REPAIR = rule == "new"
                res_lp = _cost_lp(days, gp.station_ids, sized.plugs, step)
                if rule == rounds or (rounds == "both" and rule == "new"):
                    case.update(res_lp)
                else:
                    case["old_rounds"] = res_lp
            charging_lp.LOCAL_REPAIR = True
            lp[f"step_{int(step)}s"] = case
        out["charging_lp"] = lp
    if not quick and default:
        sc = read_scenario(REPO / "fleetopt" / "data" / "scenarios" / "beijing-default.toml")
        t6 = time.perf_counter()
        r = plan_scenario(sc, network=net, compare=True)
        t7 = time.perf_counter()
        s = r.summary()
        out["beijing_default"] = {
            "wall_s": t7 - t6,
            "goal_s": 60.0,
            "status": s["status"],
            "gap": s["gap"],
            "vehicles_needed": s["vehicles_needed"],
            "vehicles_bound": s["vehicles_bound"],
            "plugs": sum(s["plugs_needed"].values()),
            "plugs_bound": s["plugs_bound"],
            "charging_cost_cny": s["charging_cost_cny"],
            "comparison": s["comparison"],
        }
    return out


if __name__ == "__main__":
    import json

    argv = sys.argv[1:]
    n_blocks = int(argv[argv.index("--blocks") + 1]) if "--blocks" in argv else 0
    res = run(
        quick="--quick" in argv,
        blocks=n_blocks,
        default="--no-default" not in argv,
        reblock_only="--reblock-only" in argv,
        rounds=argv[argv.index("--rounds") + 1] if "--rounds" in argv else "new",
    )
    print(json.dumps(res, indent=1, default=str))

"""Benchmark the replacement MIP (issue 15 item 6) and the battery-size trade-off (item 5).

Cases:

* ``replacement_2000``: 2,000 GENERATED buses (60 % diesel, ages 0-13 from the scenario
  seed 0, running costs per powertrain as the scenario build gives them) over 5 years with
  a 500 M CNY yearly budget and fleet NEV targets 80 % (2027) and 100 % (2029), solved by
  :func:`fleetopt.planning.replacement.solve_replacement` (SCIP). Interchangeable vehicles
  are one integer count per class. No goal is set by the issue; ``baseline`` is the
  same problem with every vehicle its own class (a binary per vehicle, the plain model),
  capped at 60 s (quick: 20 s): ``ratio`` = baseline wall / class wall.
* ``battery_example``: ``fleetopt plan`` of the packaged example with its three battery sizes
  (``plan-example.toml``), without the simulator check.

Wall times depend on the shared machine's load; the load average is reported.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _problem(n: int, distinct: bool) -> object:
    import numpy as np

    from fleetopt.planning.replacement import FleetVehicle, Purchase, ReplacementProblem

    rng = np.random.default_rng(0)
    m = 1e6
    vehicles, purchases = [], []
    for i in range(n):
        pt = "diesel" if rng.random() < 0.6 else "bev"
        run = 0.35 * m if pt == "diesel" else 0.15 * m
        # the plain model: a unique datum per vehicle makes every vehicle its own class
        vehicles.append(FleetVehicle(f"v{i:05d}", "bus", pt, float(rng.integers(0, 14)), 13,
                                     run + (i * 1e-3 if distinct else 0.0)))
        opts = [Purchase("bev", 1.5 * m, 0.0, 13, 0.15 * m)]
        if pt == "diesel":
            opts.append(Purchase("diesel", 0.8 * m, 0.0, 13, 0.35 * m))
        purchases.append(opts)
    return ReplacementProblem(vehicles, purchases, [2025, 2026, 2027, 2028, 2029],
                              [500 * m] * 5, 0.05, {"bus": {2027: 0.8, 2029: 1.0}})


def run(quick: bool) -> dict[str, object]:
    """Run the cases; return timings, statuses and the ratio."""
    sys.path.insert(0, str(REPO))
    from fleetopt import api
    from fleetopt.planning.replacement import solve_replacement

    out: dict[str, object] = {"load_avg": os.getloadavg()}
    cap = 20.0 if quick else 60.0
    t0 = time.perf_counter()
    res = solve_replacement(_problem(2000, False), time_limit_s=cap)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = solve_replacement(_problem(2000, True), time_limit_s=cap)  # type: ignore[arg-type]
    base_wall = time.perf_counter() - t0
    out["replacement_2000"] = {
        "wall_s": round(wall, 3),
        "status": res.status,
        "gap": res.gap,
        "replaced": len(res.schedule),
        "baseline": {"per_vehicle_wall_s": round(base_wall, 3), "status": base.status,
                     "cap_s": cap},
        "ratio": round(base_wall / wall, 2) if wall > 0 else None,
    }
    t0 = time.perf_counter()
    doc = api.plan(api.plan_example_path(), compare=False, time_limit_s=20.0)
    out["battery_example"] = {
        "wall_s": round(time.perf_counter() - t0, 3),
        "sizes": [o["battery_kwh"] for o in doc["battery_options"].get("bus", [])],
        "vehicles": [o["vehicles"] for o in doc["battery_options"].get("bus", [])],
    }
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2, default=str))

"""Time ``simulate --annual`` of the default scenario: local and on a 2-worker Dask cluster.

Goal (issue 14): the default scenario's annual run takes <= 60 s on a 2-core machine. The
baseline is one representative day simulated from scratch (``engine.simulate`` with the
road network already loaded, after one warm-up day that loads the tables), timed in the
same run; ``ratio`` = annual wall time /
(one-day wall time x representative days): below 1 because days with identical inputs
run once and the taxi dispatch's route matrices are reused between days. The Dask time
includes starting the ``LocalCluster`` (2 worker processes on 127.0.0.1). The two yearly
results are compared (wall times excluded) to show the executor does not change them.

``quick`` runs a smaller copy of the default (20/10/5/5 vehicles) to prove the benchmark runs.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from fleetopt.case import load_case
from fleetopt.inputs.default_demand import default_scenario_path
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.simulation import annual, engine

GOAL_WALL_S = 60.0


def _no_wall(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _no_wall(v) for k, v in doc.items() if k != "wall_s"}
    if isinstance(doc, list):
        return [_no_wall(v) for v in doc]
    return doc


def _scenario_path(tmp: Path, quick: bool) -> Path:
    base = default_scenario_path()
    if not quick:
        return base
    small = tmp / "small.toml"
    fleets = "".join(
        f'[[fleets]]\nname = "{k}"\ngenerator = "beijing-{k}"\nsize = {s}\npowertrain = "bev"\n\n'
        for k, s in (("bus", 20), ("taxi", 10), ("sanitation", 5), ("delivery", 5))
    )
    small.write_text(f'base = "{base}"\n{fleets}', encoding="utf-8")
    return small


def run(quick: bool = False) -> dict[str, object]:
    """Time one day, the local annual run and the Dask annual run; return the JSON record."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = _scenario_path(tmp, quick)
        scenario = read_scenario(path)
        network = load_network(scenario.network, base_dir=scenario.base_dir)
        days = annual.representative_days(scenario.year)
        distinct = len({(d.ambient_temperature_c, d.demand_factor) for d in days})

        engine.simulate(load_case(annual.day_scenario(scenario, days[0]), network))  # warm-up
        t0 = time.perf_counter()
        engine.simulate(load_case(annual.day_scenario(scenario, days[0]), network))
        one_day_s = time.perf_counter() - t0

        annual._ROUTES.clear()  # start the annual run without reused matrices
        t0 = time.perf_counter()
        local = annual.simulate_annual(scenario, out_dir=tmp / "local", network=network)
        local_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        dask = annual.simulate_annual(scenario, executor="dask", out_dir=tmp / "dask")
        dask_s = time.perf_counter() - t0
    naive_s = one_day_s * len(days)
    return {
        "scenario": scenario.name,
        "year": scenario.year,
        "representative_days": len(days),
        "distinct_days": distinct,
        "trips_per_year": local["trips_total"],
        "baseline": {
            "what": "one representative day from scratch (network loaded, warm), x days",
            "one_day_wall_s": round(one_day_s, 2),
            "days_x_one_day_s": round(naive_s, 2),
        },
        "local_wall_s": round(local_s, 2),
        "ratio": round(local_s / naive_s, 3),
        "goal_local_wall_s": GOAL_WALL_S,
        "goal_met": bool(local_s <= GOAL_WALL_S),
        "dask_2_workers_wall_s": round(dask_s, 2),
        "dask_ratio_vs_local": round(dask_s / local_s, 3),
        "results_identical": bool(_no_wall(local) == _no_wall(dask)),
        "cpus": os.cpu_count(),
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

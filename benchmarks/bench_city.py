"""Benchmark the full city (issue 16 item 2): one day, and its year on Dask vs one process.

The scenario is ``fleetopt/data/scenarios/beijing-full-city.toml``: the four embedded fleets
at ``scale = 1.0`` on ``beijing-central-2024`` (built by ``demand/build_full_city_scenario.py``).

* ``day``: ``fleetopt simulate <scenario> --json`` as a whole process; wall time, the
  child's CPU time and peak memory (``resource.RUSAGE_CHILDREN``). Goal <= 120 s, <= 4 GB.
* ``year``: ``simulate_annual`` of the same scenario (the representative days of its year)
  in one process (``executor="local"``) and on a 2-worker Dask LocalCluster on 127.0.0.1
  (``executor="dask"``), each from an empty store; the same totals are checked. Goal: Dask
  >= 1.8 x faster.

LONG: the day takes minutes on a shared 2-core machine and the year tens of minutes, so this
area does nothing in quick mode (``{"skipped": ...}``); run ``python benchmarks/run.py city``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCENARIO = REPO / "fleetopt" / "data" / "scenarios" / "beijing-full-city.toml"

_YEAR = r"""
import json, sys, time
from fleetopt.inputs.scenario import read_scenario
from fleetopt.simulation.annual import simulate_annual
sc = read_scenario(sys.argv[1])
t0 = time.perf_counter()
doc = simulate_annual(sc, executor=sys.argv[2], out_dir=sys.argv[3], workers=2)
print(json.dumps({"wall_s": time.perf_counter() - t0, "days": len(doc["days"]),
                  "grid_energy_kwh": doc["grid_energy_kwh"], "trips_served": doc["trips_served"]}))
"""


def _children_usage() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024


def _day() -> dict[str, object]:
    cpu0, _ = _children_usage()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "fleetopt", "simulate", str(SCENARIO), "--json",
             "--no-progress", "--out", tmp],
            capture_output=True, text=True, check=False, timeout=7200, cwd=str(REPO),
        )
        wall = time.perf_counter() - t0
    cpu1, rss = _children_usage()
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    s = json.loads(proc.stdout)
    return {
        "whole_process_s": wall,
        "cpu_s": cpu1 - cpu0,
        "peak_rss_mb": rss,
        "vehicles": s["vehicles"],
        "trips_total": s["trips_total"],
        "trips_served": s["trips_served"],
        "goal_s": 120.0,
        "goal_rss_mb": 4096,
    }


def _year(executor: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", _YEAR, str(SCENARIO), executor, tmp],
            capture_output=True, text=True, check=False, timeout=6 * 3600, cwd=str(REPO),
        )
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def run(quick: bool) -> dict[str, object]:
    """Run the long city cases (nothing in quick mode)."""
    if quick:
        return {"skipped": "long benchmark (minutes to hours); run without --quick"}
    out: dict[str, object] = {"machine_load_1min": os.getloadavg()[0], "scenario": str(SCENARIO)}
    out["day"] = _day()
    local = _year("local")
    dask = _year("dask")
    year: dict[str, object] = {"local": local, "dask_2_workers": dask, "goal_speedup": 1.8}
    if "wall_s" in local and "wall_s" in dask:
        year["speedup"] = float(local["wall_s"]) / float(dask["wall_s"])
        year["same_totals"] = (
            local["grid_energy_kwh"] == dask["grid_energy_kwh"]
            and local["trips_served"] == dask["trips_served"]
        )
    out["year"] = year
    out["machine_load_1min_end"] = os.getloadavg()[0]
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

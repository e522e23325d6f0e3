"""Time ``fleetopt demo`` end to end in a fresh process (goal: <= 60 s on 2 cores).

Two runs: the first with an empty network cache (cold), the second warm. The baseline is
the time of starting Python and importing fleetopt's dependencies, measured in the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        msg = f"{cmd} failed ({proc.returncode}): {proc.stderr[-2000:]}"
        raise RuntimeError(msg)
    return wall, proc.stdout


def run(quick: bool = False) -> dict[str, object]:
    exe = str(Path(sys.executable).with_name("fleetopt"))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FLEETOPT_CACHE_DIR=str(Path(tmp) / "cache"))
        base_s, _ = _timed([sys.executable, "-c",
                            "import osmnx, ortools.linear_solver.pywraplp, simpy, pandas"], env)
        cold_s, out = _timed([exe, "demo", "--json", "--out", str(Path(tmp) / "cold")], env)
        warm_s = cold_s
        if not quick:
            warm_s, out = _timed([exe, "demo", "--json", "--out", str(Path(tmp) / "warm")], env)
    doc = json.loads(out)
    sim = doc["simulation"]
    return {
        "demo_cold_s": round(cold_s, 2),
        "demo_warm_s": round(warm_s, 2),
        "goal_s": 60.0,
        "baseline_import_s": round(base_s, 2),
        "ratio_warm_to_import": round(warm_s / base_s, 2),
        "vehicles": sim["vehicles"],
        "trips_total": sim["trips_total"],
        "simulation_wall_s": sim["wall_s"],
        "siting_wall_s": doc["siting"]["wall_s"],
        "siting_status": doc["siting"]["status"],
    }

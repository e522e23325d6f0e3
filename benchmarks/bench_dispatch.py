"""Benchmark the taxi dispatch (issue 16 item 3): today's dispatcher vs the new one, same run.

Cases:

* ``taxi_200x20000``: 200 BEV taxis x 20,000 requests on ``beijing-central-2024`` (the
  ``bench_simulation`` case; about 2,000 distinct request ends of the 10,166-node graph), as a
  whole process (interpreter start, imports, scenario, simulation; the case files are written
  beforehand by another process): ``whole_process_s`` (wall, under the machine's load) and
  ``whole_process_cpu_s`` (the child's CPU from start to the end of ``simulate``). Goal <= 3 s.
* ``curve``: generated city-like days (the ``beijing-taxi`` generator, fleet sizes giving about
  10 k, 100 k, 1 M and 1.94 M requests; quick mode 10 k and 100 k), CPU seconds per request of
  the whole ``simulate`` call (request generation, routes, dispatch, tables) and peak memory.
  The 1.94 M point is the full cruising fleet, 67,000 taxis: goal <= 60 s CPU, <= 3 GB, served
  share within 0.5 points of today's dispatcher on the same seed.

The baseline ("old") is the dispatcher of commit ``3805b0a`` (``git show`` of
``fleetopt/simulation/taxi.py``: a SimPy process per drive), loaded in the child process in
place of the new one; it runs on the same inputs in the same run. In full mode it runs at
every point (the 1.94 M point takes minutes); quick mode runs both at 10 k only. Every
point is a fresh subprocess; CPU times are the child's own (``resource``), wall times include
the shared machine's load (reported as the 1-minute load average). ``dijkstra_cpu_s`` is the
CPU inside scipy's Dijkstra (the route rows), ``clock_cpu_s`` the CPU of the simulated clock
(the dispatch loop and the station visits), ``imports_cpu_s`` the CPU before the scenario is
read (interpreter start and imports); ``tables_hash`` hashes the trips, sessions and vehicles
tables (equal hashes: the same day, bit for bit). ``BENCH_DISPATCH_OLD_MAX`` (requests, in
the environment) skips the baseline at larger points of the full curve.

Run: ``python benchmarks/run.py dispatch [--quick]``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE_COMMIT = "3805b0a"
#: Requests per taxi of the beijing-taxi generator (1.94 M requests / 67,000 taxis).
REQ_PER_TAXI = 1_940_000 / 67_000
#: Largest curve point (target requests) the baseline runs at (the environment may lower it).
OLD_MAX = int(os.environ.get("BENCH_DISPATCH_OLD_MAX", "2000000"))

_CHILD = r"""
import json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
impl, folder, here, old_src = sys.argv[1:5]
sys.path.insert(0, here)
from scipy.sparse import csgraph
from fleetopt.simulation import taxi
if impl == "old":
    import types
    mod = types.ModuleType("fleetopt.simulation._taxi_baseline")
    exec(compile(open(old_src, encoding="utf-8").read(), "taxi_baseline", "exec"), mod.__dict__)
    class _Old(mod.TaxiDispatch):
        def __init__(self, model, fleets, routes=None):
            super().__init__(model, fleets)
        def release_rows(self):
            pass
    taxi.TaxiDispatch = _Old
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.case import load_case
from fleetopt.simulation.engine import simulate
sssp = [0.0]
_dijkstra = csgraph.dijkstra
def _timed(*a, **k):
    c = cpu()
    try:
        return _dijkstra(*a, **k)
    finally:
        sssp[0] += cpu() - c
csgraph.dijkstra = _timed
from fleetopt.simulation import kernel
clock = [0.0]
_run = kernel.Model.run
def _timed_run(self):
    c = cpu()
    try:
        return _run(self)
    finally:
        clock[0] += cpu() - c
kernel.Model.run = _timed_run
c_start = cpu()
net = load_network("beijing-central-2024")
net.csr_time; net.csr_length; net.nearest_nodes(116.4, 39.9)
sc = read_scenario(folder + "/s.toml")
t0, c0 = time.perf_counter(), cpu()
r = simulate(load_case(sc, net))
t1, c1 = time.perf_counter(), cpu()
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
s = r.summary()
t = r.trips
import hashlib
import pandas as pd
h = hashlib.sha256()
for df in (r.trips, r.sessions, r.vehicles):
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
print(json.dumps({"impl": impl, "wall_s": t1 - t0, "cpu_s": c1 - c0,
                  "dijkstra_cpu_s": sssp[0], "clock_cpu_s": clock[0],
                  "tables_hash": h.hexdigest()[:16],
                  "whole_process_cpu_s": c1,
                  "imports_cpu_s": c_start,
                  "requests": s["trips_total"], "served": s["trips_served"],
                  "served_share_pct": 100.0 * s["trips_served"] / max(s["trips_total"], 1),
                  "deadhead_km": float(t["deadhead_km"].sum()),
                  "battery_kwh": float(t["battery_kwh"].sum()),
                  "peak_rss_mb": rss_mb}))
"""

_BUILD = r"""
import sys
kind, size, folder, here = sys.argv[1:5]
sys.path.insert(0, here)
from bench_simulation import build_case
from fleetopt.inputs.road_graph import load_network
build_case(kind, int(size), folder, load_network("beijing-central-2024"))
"""


def _old_source(folder: Path) -> Path | None:
    """Write the baseline dispatcher's source into ``folder``; None without git history."""
    proc = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{BASELINE_COMMIT}:fleetopt/simulation/taxi.py"],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        return None
    path = folder / "taxi_baseline.py"
    path.write_text(proc.stdout, encoding="utf-8")
    return path


def _build(kind: str, size: int, folder: str) -> str | None:
    """Write the case into ``folder`` (its own process); return an error text or None."""
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD, kind, str(size), folder, str(HERE)],
        capture_output=True, text=True, check=False, timeout=3600, cwd=str(REPO),
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return None if proc.returncode == 0 else proc.stderr[-2000:]


def _child(impl: str, folder: str, old_src: Path | None) -> dict[str, object]:
    """Run one dispatcher on the case in ``folder`` as a whole process (fresh interpreter)."""
    if impl == "old" and old_src is None:
        return {"error": f"baseline commit {BASELINE_COMMIT} not in this checkout's history"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, impl, folder, str(HERE), str(old_src or "")],
        capture_output=True, text=True, check=False, timeout=7200, cwd=str(REPO),
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    whole = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"impl": impl, "error": proc.stderr[-2000:]}
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["whole_process_s"] = whole
    out["us_cpu_per_request"] = 1e6 * float(out["cpu_s"]) / max(int(out["requests"]), 1)
    return out


def _case(kind: str, size: int, impls: tuple[str, ...], old_src: Path | None
          ) -> dict[str, dict[str, object]]:
    """Build one case, run each implementation on it; results by implementation."""
    with tempfile.TemporaryDirectory() as tmp:
        err = _build(kind, size, tmp)
        if err is not None:
            return {impl: {"impl": impl, "error": err} for impl in impls}
        return {impl: _child(impl, tmp, old_src) for impl in impls}


def _pair(new: dict[str, object], old: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {"new": new, "baseline": old}
    if "cpu_s" in new and "cpu_s" in old:
        out["ratio_cpu"] = float(old["cpu_s"]) / float(new["cpu_s"])
        out["served_share_diff_points"] = float(new["served_share_pct"]) - float(
            old["served_share_pct"]
        )
        out["same_totals"] = (
            new["served"] == old["served"]
            and new["deadhead_km"] == old["deadhead_km"]
            and new["battery_kwh"] == old["battery_kwh"]
        )
    return out


def run(quick: bool) -> dict[str, object]:
    """Run the cases; return JSON-able results with baselines and ratios."""
    out: dict[str, object] = {"machine_load_1min": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        old_src = _old_source(Path(tmp))
        got = _case("taxi", 20000, ("new", "old"), old_src)
        small = _pair(got["new"], got["old"])
        small.update({"taxis": 200, "requests": 20000, "goal_whole_process_s": 3.0})
        out["taxi_200x20000"] = small
        targets = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000, 1_940_000]
        curve = []
        for n in targets:
            taxis = 67_000 if n == 1_940_000 else max(1, round(n / REQ_PER_TAXI))
            point: dict[str, object] = {"target_requests": n, "taxis": taxis}
            both = not (quick and n > 10_000) and n <= OLD_MAX
            got = _case("taxifleet", taxis, ("new", "old") if both else ("new",), old_src)
            if both:
                point.update(_pair(got["new"], got["old"]))
            else:
                point["new"] = got["new"]
            if n == 1_940_000:
                point.update({"goal_cpu_s": 60.0, "goal_rss_mb": 3072,
                              "goal_served_share_diff_points": 0.5})
            curve.append(point)
        out["curve"] = curve
    out["machine_load_1min_end"] = os.getloadavg()[0]
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

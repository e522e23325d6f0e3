"""Time loading beijing-5thring-2013 and building its CSR form, cold and warm (goal: <= 3 s).

Each measurement runs in a fresh Python process with its own cache folder, so "cold"
really parses the GraphML (and writes the .npz array cache) and "warm" really reads the
.npz. Timed inside the process, after imports: ``load_network(name)`` plus both CSR
matrices and one Dijkstra from a node (to prove the arrays work). The baseline is the
plain way, ``osmnx.load_graphml`` of the same file, timed the same way in the same run;
``ratio`` = warm / baseline (below 1 = faster than plain osmnx).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

NETWORK = "beijing-5thring-2013"

_FLEETOPT = """
import json, time
import numpy as np
from fleetopt.inputs.road_graph import load_network
t0 = time.perf_counter()
net = load_network({name!r})
t_load = time.perf_counter() - t0
net.csr_time, net.csr_length
t_csr = time.perf_counter() - t0
d = net.shortest([int(np.flatnonzero(net.routable)[0])])
t_all = time.perf_counter() - t0
print(json.dumps({{"load_s": t_load, "load_csr_s": t_csr, "total_s": t_all, "nodes": net.n_nodes,
                   "edges": net.n_edges, "reached": int(np.isfinite(d).sum())}}))
"""

_BASELINE = """
import json, time
import osmnx as ox
from fleetopt.inputs.road_graph import resolve_network
path = resolve_network({name!r})
t0 = time.perf_counter()
g = ox.load_graphml(path)
print(json.dumps({{"total_s": time.perf_counter() - t0, "nodes": g.number_of_nodes()}}))
"""


def _run(code: str, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        msg = f"benchmark subprocess failed: {proc.stderr[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict[str, object]:
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        cold, warm = [], []
        for i in range(repeats):
            env = dict(os.environ, FLEETOPT_CACHE_DIR=str(Path(tmp) / f"cache{i}"))
            cold.append(_run(_FLEETOPT.format(name=NETWORK), env))
            warm.append(_run(_FLEETOPT.format(name=NETWORK), env))
        env = dict(os.environ, FLEETOPT_CACHE_DIR=str(Path(tmp) / "cache0"))
        base = [_run(_BASELINE.format(name=NETWORK), env) for _ in range(repeats)]
    cold_s = min(r["total_s"] for r in cold)
    warm_s = min(r["total_s"] for r in warm)
    base_s = min(r["total_s"] for r in base)
    return {
        "network": NETWORK,
        "nodes": int(cold[0]["nodes"]),
        "edges": int(cold[0]["edges"]),
        "repeats": repeats,
        "cold_s": round(cold_s, 3),
        "cold_load_s": round(min(r["load_s"] for r in cold), 3),
        "warm_s": round(warm_s, 3),
        "warm_load_s": round(min(r["load_s"] for r in warm), 3),
        "goal_s": 3.0,
        "meets_goal_warm": warm_s <= 3.0,
        "meets_goal_cold": cold_s <= 3.0,
        "baseline": "osmnx.load_graphml of the same file (no speeds, no arrays)",
        "baseline_s": round(base_s, 3),
        "ratio": round(warm_s / base_s, 3),
        "ratio_cold": round(cold_s / base_s, 3),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

"""Benchmark the taxi dispatch (issue 16 item 3): today's dispatcher vs the new one, same run.

Cases:

* ``taxi_200x20000``: 200 BEV taxis x 20,000 requests on ``beijing-central-2024`` (the
  ``bench_simulation`` case; about 2,000 distinct request ends of the 10,166-node graph), as a
  whole process (interpreter start, imports, scenario, simulation; the case files are written
  beforehand by another process): ``whole_process_s`` (wall, under the machine's load) and
  ``whole_process_cpu_s`` (the child's CPU from start to the end of ``simulate``). Goal <= 3 s
  (the issue's goal is for a ~4,000-node graph: the next case; this one is kept as before).
* ``taxi_200x20000_cut4k``: the same day on a ~4,000-node graph, the size the issue names
  (public ride-hailing simulators' example cases). No shipped network has that size, so the
  bench cuts one from ``beijing-central-2024`` (real OSM, ODbL 1.0, (c) OpenStreetMap
  contributors; not generated): the largest strongly connected part of the nodes inside a
  square box around the centre of its extent, the box's size bisected to give the node count
  nearest 4,000 (:func:`cut_nodes`; 4,000 nodes, 9,075 edges, 116.330-116.430 E,
  39.866-39.944 N), written as the original GraphML with only those nodes and the edges
  between them (:func:`cut_graphml`). The same generator and seed draw the 20,000 requests
  on the cut (activity that snaps onto it); the stations are the default ones inside its
  extent.
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
net = load_network(sys.argv[5])
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
if kind == "taxicut":
    from bench_dispatch import cut_case
    cut_case(int(size), folder)
else:
    build_case(kind, int(size), folder, load_network("beijing-central-2024"))
"""

#: The network the curve and ``taxi_200x20000`` run on (``taxicut`` cuts it).
NETWORK = "beijing-central-2024"
#: Nodes the ``taxi_200x20000_cut4k`` graph is cut to (the issue's ~4,000-node graph).
CUT_NODES = 4000
#: File name of the cut graph inside a case folder.
CUT_FILE = "central-2024-cut.graphml.gz"


def cut_nodes(net, want: int):
    """Node indices of ``net``'s cut: the largest strongly connected part inside a box.

    The box is centred on the centre of ``net``'s node extent, as wide as it is high in
    metres; its half-size is bisected (40 steps) to the one whose largest strongly
    connected part of the nodes inside (edges with both ends inside) has the node count
    nearest ``want`` (ties: the smaller box). Deterministic: the same file gives the same cut.
    """
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    lon0 = (float(net.lon.min()) + float(net.lon.max())) / 2
    lat0 = (float(net.lat.min()) + float(net.lat.max())) / 2
    x = (net.lon - lon0) * np.cos(np.deg2rad(lat0)) * 111_320.0
    y = (net.lat - lat0) * 111_320.0

    def part(h: float):
        inside = (np.abs(x) <= h) & (np.abs(y) <= h)
        idx = np.flatnonzero(inside)
        keep = inside[net.edge_u] & inside[net.edge_v]
        pos = np.full(net.n_nodes, -1)
        pos[idx] = np.arange(idx.size)
        g = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (pos[net.edge_u[keep]], pos[net.edge_v[keep]])),
            shape=(idx.size, idx.size),
        )
        _, lab = csgraph.connected_components(g, directed=True, connection="strong")
        big = np.bincount(lab).argmax()
        return idx[lab == big]

    lo, hi = 0.0, float(max(np.abs(x).max(), np.abs(y).max()))
    best = part(hi)
    for _ in range(40):
        mid = (lo + hi) / 2
        got = part(mid)
        if abs(got.size - want) < abs(best.size - want) or (
            abs(got.size - want) == abs(best.size - want) and got.size <= best.size
        ):
            best = got
        if got.size < want:
            lo = mid
        else:
            hi = mid
    return best


def cut_graphml(src: Path, keep_ids: set[str], dst: Path) -> None:
    """Write ``src``'s GraphML with only the nodes ``keep_ids`` and the edges between them.

    Node and edge elements are copied as they are (every attribute kept); the graph's own
    data (creation date, note with the OSM attribution) stays.
    """
    import gzip
    import re

    with gzip.open(src, "rt", encoding="utf-8") as fh:
        text = fh.read()
    node = re.compile(r'\s*<node id="([^"]*)">.*?</node>|\s*<node id="([^"]*)"\s*/>', re.DOTALL)
    edge = re.compile(r'\s*<edge source="([^"]*)" target="([^"]*)"[^>]*>.*?</edge>', re.DOTALL)
    text = node.sub(lambda m: m.group(0) if (m.group(1) or m.group(2)) in keep_ids else "", text)
    text = edge.sub(
        lambda m: m.group(0) if m.group(1) in keep_ids and m.group(2) in keep_ids else "", text
    )
    with gzip.open(dst, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write(text)


def cut_case(size: int, folder: str) -> None:
    """Write the ``taxi`` case (``size`` requests, 200 taxis) on the ~4,000-node cut."""
    import csv

    from bench_simulation import build_case

    from fleetopt.inputs.road_graph import load_network

    full = load_network(NETWORK)
    idx = cut_nodes(full, CUT_NODES)
    dst = Path(folder) / CUT_FILE
    cut_graphml(full.path, {str(i) for i in full.node_ids[idx].tolist()}, dst)
    net = load_network(dst)  # also writes the array cache the timed child reads
    build_case("taxi", size, folder, net)
    toml = Path(folder) / "s.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(f'"{NETWORK}"', f'"{CUT_FILE}"'),
        encoding="utf-8",
    )
    # stations inside the cut's extent only (the others would snap onto its edge)
    st = Path(folder) / "stations.csv"
    rows = list(csv.DictReader(st.open(encoding="utf-8")))
    lon0, lon1 = float(net.lon.min()), float(net.lon.max())
    lat0, lat1 = float(net.lat.min()), float(net.lat.max())
    inside = [r for r in rows
              if lon0 <= float(r["lon"]) <= lon1 and lat0 <= float(r["lat"]) <= lat1]
    with st.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(inside)


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


def _child(impl: str, folder: str, old_src: Path | None, network: str = NETWORK
           ) -> dict[str, object]:
    """Run one dispatcher on the case in ``folder`` as a whole process (fresh interpreter)."""
    if impl == "old" and old_src is None:
        return {"error": f"baseline commit {BASELINE_COMMIT} not in this checkout's history"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, impl, folder, str(HERE), str(old_src or ""), network],
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
        network = str(Path(tmp) / CUT_FILE) if kind == "taxicut" else NETWORK
        return {impl: _child(impl, tmp, old_src, network) for impl in impls}


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
        got = _case("taxicut", 20000, ("new", "old"), old_src)
        cut = _pair(got["new"], got["old"])
        cut.update({"taxis": 200, "requests": 20000, "goal_whole_process_s": 3.0,
                    "network": f"cut of {NETWORK} to {CUT_NODES} nodes (see cut_nodes)"})
        out["taxi_200x20000_cut4k"] = cut
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

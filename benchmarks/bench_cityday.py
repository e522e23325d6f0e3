"""Benchmark the full city's day stage by stage (issue 16 item 2): where its CPU and memory go.

``bench_city.py`` times the day as one process; this runs the same day
(``fleetopt/data/scenarios/beijing-full-city.toml``, or every fleet scaled by ``--scale``)
through the steps ``fleetopt simulate --out DIR`` takes, one after the other in one child
process, and reports for each stage its CPU time [s] and the process's resident memory
after it (and the peak so far) [MB]:

* ``network``: reading the scenario and loading the road network;
* ``demand.<fleet>``: generating (or reading) each fleet's table (:func:`fleetopt.case.load_fleet`);
* ``case``: :func:`fleetopt.case.build_case`;
* ``prepare``: :func:`fleetopt.simulation.prepare.prepare`;
* ``model``: the SimPy model and the taxi dispatcher;
* ``run``: the SimPy day put in its canonical order, then the taxi route rows released (as
  :func:`fleetopt.simulation.engine.run_clock` does), split into ``run.taxi`` (CPU inside
  the taxi dispatch's process, measured with a thread-CPU clock around each of its steps;
  includes the charging the dispatch asks of the kernel) and ``run.kernel`` (the rest:
  buses, sanitation, delivery, their stations and SimPy's event loop);
* ``assemble``: the taxi dispatch's tables (:func:`fleetopt.simulation.engine.finish_clock`),
  then, with the model and the dispatcher freed as ``fleetopt simulate`` frees them, the
  result tables (:func:`fleetopt.simulation.tables.assemble`); after it only the result is
  held while it is written. Split into ``assemble.finish_clock`` (the taxi tables and the
  collection of the freed model) and ``assemble.tables``;
* ``export``: writing them (:func:`fleetopt.results.export.write_result`), split into
  ``export.parquet`` (the Parquet files) and ``export.csv`` (the rest: the CSV files and
  ``summary.json``).

Sub-stages (``run.*``, ``assemble.*``, ``export.*``) are parts of their stage, not added to
the total again.

Unlike ``fleetopt simulate``, the Case stays alive until after ``assemble`` here (its fleet
tables are freed after ``prepare`` there), so this bench's peak is somewhat above the CLI's
(measure that with ``/usr/bin/time -v fleetopt simulate ... --out DIR``).

Goal of the whole day: <= 120 s and <= 4 GB (``bench_city.py`` measures it as a whole
process). LONG at full scale (minutes, ~5 GB): ``python benchmarks/bench_cityday.py``;
quick mode (``run.py --quick cityday``) runs every fleet x ``QUICK_SCALE``, which is NOT the
full city (fixed costs weigh more), to show the stages and prove the bench runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_city import SCENARIO, scaled_scenario  # noqa: E402

#: Prefixes of the sub-stages (parts of a stage, not added to the total).
_SUB_STAGES = ("run.", "assemble.", "export.")

#: Fleet scale of quick mode (about 5,000 vehicles and 145,000 trips and requests).
QUICK_SCALE = 0.05

_CHILD = r"""
import gc, json, sys, tempfile, time
from pathlib import Path
from fleetopt.case import build_case, load_fleet
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.results import export as export_module
from fleetopt.results.export import write_result
from fleetopt.simulation import engine
from fleetopt.simulation.kernel import Model
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.router import Router
from fleetopt.simulation.tables import assemble
from fleetopt.simulation.taxi import TaxiDispatch

stages = {}
def rss_mb():
    out = {}
    for line in open("/proc/self/status"):
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out["VmRSS"], out["VmHWM"]
clock = [time.process_time()]
def stage(name):
    now = time.process_time()
    rss, hwm = rss_mb()
    stages[name] = {"cpu_s": round(now - clock[0], 3), "rss_mb": round(rss),
                    "peak_rss_mb": round(hwm)}
    clock[0] = time.process_time()

taxi_cpu = [0.0]
def timed(gen):
    # run a SimPy process generator, adding the thread CPU of each of its steps to taxi_cpu
    value, exc = None, None
    while True:
        t = time.thread_time()
        try:
            ev = gen.throw(exc) if exc is not None else gen.send(value)
        except StopIteration as stop:
            taxi_cpu[0] += time.thread_time() - t
            return stop.value
        taxi_cpu[0] += time.thread_time() - t
        value, exc = None, None
        try:
            value = yield ev
        except BaseException as e:
            exc = e

sc = read_scenario(Path(sys.argv[1]))
net = load_network(sc.network, base_dir=sc.base_dir)
stage("network")
fleets = []
for f in sc.fleets:
    fleets.append(load_fleet(f, sc, net))
    stage(f"demand.{f.name}")
case = build_case(sc, net, tuple(fleets))
del fleets
stage("case")
prep = prepare(case)
stage("prepare")
horizon = engine._horizon(sc, prep)
model = Model(sc, prep, Router(net), horizon)
taxis = None
if prep.requests:
    taxis = TaxiDispatch(model, prep.requests)
    model.extra_processes = [timed(p) for p in taxis.processes()]
stage("model")
gc.disable()
t_run = time.process_time()
log = engine.canonical_log(model.run())
gc.enable()
run_cpu = time.process_time() - t_run
if taxis is not None:
    taxis.release_rows()  # as engine.run_clock does before the tables
stage("run")
stages["run.taxi"] = {"cpu_s": round(taxi_cpu[0], 3)}
stages["run.kernel"] = {"cpu_s": round(run_cpu - taxi_cpu[0], 3)}
t_sub = time.process_time()
clock_end, taxi_tables = engine.finish_clock(model, taxis)
del model, taxis  # as engine.run_prepared: the clock and the dispatcher go before the tables
gc.collect()
finish_cpu = time.process_time() - t_sub
result = assemble(sc, prep, clock_end, log, taxi_tables)
del log, taxi_tables, prep, case  # what simulate_file holds while it writes: the result
stage("assemble")
stages["assemble.finish_clock"] = {"cpu_s": round(finish_cpu, 3)}
stages["assemble.tables"] = {"cpu_s": round(stages["assemble"]["cpu_s"] - finish_cpu, 3)}
parquet_cpu = [0.0]
write_parquet = export_module._atomic_parquet
def timed_parquet(frame, path):
    t = time.process_time()
    try:
        return write_parquet(frame, path)
    finally:
        parquet_cpu[0] += time.process_time() - t
export_module._atomic_parquet = timed_parquet
with tempfile.TemporaryDirectory() as tmp:
    write_result(result.tables(), Path(tmp), summary=result.summary_doc())
stage("export")
stages["export.parquet"] = {"cpu_s": round(parquet_cpu[0], 3)}
stages["export.csv"] = {"cpu_s": round(stages["export"]["cpu_s"] - parquet_cpu[0], 3)}
tot = result.totals
print(json.dumps({"stages": stages, "vehicles": tot["vehicles"],
                  "trips_total": tot["trips_total"], "trips_served": tot["trips_served"]}))
"""


def _stages(scenario: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(scenario)],
        capture_output=True, text=True, check=False, timeout=7200, cwd=str(REPO),
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    stages = out["stages"]
    assert isinstance(stages, dict)
    out["cpu_s_total"] = round(
        sum(float(v["cpu_s"]) for k, v in stages.items() if not k.startswith(_SUB_STAGES)), 3
    )
    out["peak_rss_mb"] = max(int(v.get("peak_rss_mb", 0)) for v in stages.values())
    out["goal_cpu_s"] = 120.0
    out["goal_rss_mb"] = 4096
    return out


def run(quick: bool, scale: float | None = None) -> dict[str, object]:
    """Run the city's day stage by stage: full scale, or every fleet scaled (quick: QUICK_SCALE)."""
    if scale is None:
        scale = QUICK_SCALE if quick else 1.0
    out: dict[str, object] = {
        "machine_load_1min": os.getloadavg()[0],
        "scenario": str(SCENARIO),
        "scale": scale,
        "label": "full city" if scale == 1.0 else f"every fleet x{scale:g}: NOT the full city",
    }
    with tempfile.TemporaryDirectory() as folder:
        out["day"] = _stages(scaled_scenario(scale, Path(folder)))
    out["machine_load_1min_end"] = os.getloadavg()[0]
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    given = float(args[args.index("--scale") + 1]) if "--scale" in args else None
    print(json.dumps(run(quick="--quick" in args, scale=given), indent=2))

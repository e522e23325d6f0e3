"""Time a 20-variant sweep of the default scenario: Dask (2 worker processes) vs one process.

Goal (issue 5): the Dask run is >= 1.8x faster than one process. The baseline is the same
sweep with ``executor="local", workers=1`` (every variant in this one process), timed in
the same run. The Dask time includes starting the ``LocalCluster`` on 127.0.0.1 (started
first, timed, then idle while the baseline runs). Each worker's peak resident memory is
read in the worker (``resource.getrusage``), and its resident memory after the sweep (psutil). The
local executor's process pool (2 workers) is timed too, for comparison. All tables
are compared (``wall_s`` excluded) to show the executor does not change results.

``quick`` runs 4 variants of a smaller copy of the default (20/10/5/5 vehicles) to prove
the benchmark still runs.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from fleetopt.api import run_sweep
from fleetopt.inputs.default_demand import default_scenario_path

VARIANTS = 20
QUICK_VARIANTS = 4


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1024.0**2


def _write_inputs(tmp: Path, quick: bool) -> Path:
    base = default_scenario_path()
    n = QUICK_VARIANTS if quick else VARIANTS
    temps = [round(-15 + i * (35 / max(n - 1, 1)), 2) for i in range(n)]  # -15 .. 20 degC
    scenario = base
    if quick:
        scenario = tmp / "small.toml"
        fleets = "".join(
            f'[[fleets]]\nname = "{k}"\ngenerator = "beijing-{k}"\nsize = {s}\n'
            'powertrain = "bev"\n\n'
            for k, s in (("bus", 20), ("taxi", 10), ("sanitation", 5), ("delivery", 5))
        )
        scenario.write_text(f'base = "{base}"\n{fleets}', encoding="utf-8")
    sweep = tmp / "sweep.toml"
    sweep.write_text(
        f'base = "{scenario}"\nname = "bench"\n[grid]\nambient_temperature_c = {temps}\n',
        encoding="utf-8",
    )
    return sweep


def _timing_free(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in df.columns if c.endswith("wall_s")])


def run(quick: bool = False) -> dict[str, object]:
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sweep = _write_inputs(tmp, quick)
        # Start the cluster first, while this process is small: Linux keeps ru_maxrss across
        # fork/exec, so workers started later would report this process's peak as theirs.
        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        startup_s = time.perf_counter() - t0
        try:
            with Client(cluster) as client:
                worker_cpu0 = sum(client.run(_cpu_s).values())
            t0, c0 = time.perf_counter(), _cpu_s()
            one = run_sweep(sweep, executor="local", workers=1, out_dir=tmp / "one", progress=False)
            one_s, one_cpu = time.perf_counter() - t0, _cpu_s() - c0

            t0 = time.perf_counter()
            dask_table = run_sweep(
                sweep,
                executor="dask",
                scheduler=cluster.scheduler_address,
                out_dir=tmp / "dask",
                progress=False,
            )
            dask_s = startup_s + time.perf_counter() - t0
            with Client(cluster) as client:
                dask_cpu = sum(client.run(_cpu_s).values()) - worker_cpu0
            with Client(cluster) as client:
                worker_mb = sorted(client.run(_peak_rss_mb).values())
                worker_now_mb = sorted(client.run(_rss_mb).values())
        finally:
            cluster.close()
        # for comparison: the local executor's process pool with two workers (after the
        # cluster is closed, so the pool forks a process without the cluster's threads)
        t0 = time.perf_counter()
        pool = run_sweep(sweep, executor="local", workers=2, out_dir=tmp / "pool", progress=False)
        pool_s = time.perf_counter() - t0
    identical = _timing_free(one).equals(_timing_free(dask_table)) and _timing_free(one).equals(
        _timing_free(pool)
    )
    return {
        "variants": len(one),
        "trips_per_variant": int(one.trips_total.iloc[0]),
        "baseline": {"what": "one process (executor local, workers=1)", "wall_s": round(one_s, 2)},
        "dask_2_workers_wall_s": round(dask_s, 2),
        # CPU seconds used and cores obtained (cpu_s / wall_s): on a shared machine this shows
        # whether the two workers got two cores
        "baseline_cpu_s": round(one_cpu, 2),
        "dask_workers_cpu_s": round(dask_cpu, 2),
        "baseline_cores_used": round(one_cpu / one_s, 2),
        "dask_cores_used": round(dask_cpu / max(dask_s - startup_s, 1e-9), 2),
        "ratio": round(one_s / dask_s, 3),
        # what the ratio would be if each process had a whole core: CPU seconds of the one
        # process vs the busier of two equal halves of the workers' CPU plus cluster start-up
        "ratio_if_cores_free_estimate": round(one_cpu / (dask_cpu / 2 + startup_s), 3),
        "goal_ratio": 1.8,
        "local_pool_2_workers_wall_s": round(pool_s, 2),
        "local_pool_ratio": round(one_s / pool_s, 3),
        "cluster_startup_s": round(startup_s, 2),
        "worker_peak_rss_mb": [round(m, 1) for m in worker_mb],
        "worker_rss_after_mb": [round(m, 1) for m in worker_now_mb],
        "client_peak_rss_mb": round(_peak_rss_mb(), 1),
        "results_identical": bool(identical),
        "cpus": os.cpu_count(),
        "load_avg_1min_at_end": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

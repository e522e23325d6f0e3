"""Benchmark ``fleetopt targets --json`` without a simulation: goal <= 3 s wall (issue 14).

Also times ``--report FILE.pdf`` once (``report_pdf_wall_s``, no goal).

Runs the command in fresh subprocesses (imports included, as a user sees it) and reports
the median wall time, the CPU time of the children and the 1-minute load average (the
machine is shared, so wall time alone can mislead). ``baseline`` is the goal (3 s);
``ratio`` = goal / median wall time (>= 1 meets the goal).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_S = 3.0


def _once(*extra: str) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "fleetopt", "targets", "--json", *extra],
        check=True,
        capture_output=True,
        env=env,
        cwd=HERE.parent,
    )
    wall = time.perf_counter() - t0
    return wall, len(json.loads(out.stdout))


def run(quick: bool = False) -> dict[str, object]:
    """Time ``fleetopt targets --json`` (1 run when quick, else 5) and compare with the goal."""
    n = 1 if quick else 5
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    walls, rows = [], 0
    for _ in range(n):
        wall, rows = _once()
        walls.append(wall)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    median = statistics.median(walls)
    with tempfile.TemporaryDirectory() as tmp:  # the one-click PDF report, once (no goal)
        report_wall, _ = _once("--report", str(Path(tmp) / "targets.pdf"))
    return {
        "runs": n,
        "rows": rows,
        "wall_s": [round(w, 3) for w in walls],
        "median_wall_s": round(median, 3),
        "cpu_s_per_run": round(cpu / n, 3),
        "load_1min": round(os.getloadavg()[0], 2),
        "report_pdf_wall_s": round(report_wall, 3),
        "baseline": {"goal_wall_s": GOAL_S},
        "ratio": round(GOAL_S / median, 3),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))

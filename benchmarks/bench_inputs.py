"""Benchmark trips validation: a 1,000,000-row file must validate in <= 10 s and <= 2 GB.

The file is generated from the real-shaped template tests/data/inputs/generated_trips_line10.csv
(line 10's timetable) by repeating it for as many vehicles as needed, each with its own
Chinese vehicle id and trip ids; it is written to a temporary folder as
``generated_trips_<rows>.csv`` and removed afterwards. Validation runs in a fresh
subprocess so that its peak memory (ru_maxrss) is measured alone.

Wall time depends on how busy the machine is (a shared 2-core box runs several jobs), so
the result also carries the CPU time of the validation and the 1-minute load average.

Baseline: a straightforward row-by-row reader (``csv`` module, ``units.parse_clock_s`` and
``float`` per cell, a set for duplicate trip ids) on the same file; ``ratio`` = baseline
time / fleetopt time.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent / "tests" / "data" / "inputs" / "generated_trips_line10.csv"

_CHILD = r"""
import json, os, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0 = time.perf_counter()
from fleetopt.inputs.validate import validate_file
t1, c1 = time.perf_counter(), cpu()
doc = validate_file(sys.argv[1], kind="trips")
t2, c2 = time.perf_counter(), cpu()
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"valid": doc["valid"], "errors": len(doc["errors"]),
                  "warnings": len(doc["warnings"]), "import_s": t1 - t0, "validate_s": t2 - t1,
                  "validate_cpu_s": c2 - c1,
                  "peak_rss_mb": peak_kb / 1024, "load_avg_1min": os.getloadavg()[0]}))
"""


def generate(path: Path, rows: int, *, bad_every: int = 0, encoding: str = "utf-8") -> int:
    """Write a trips file of ``rows`` rows by repeating the template per vehicle.

    With ``bad_every = k``, every k-th row gets an unreadable arrival time (an error to
    locate); ``encoding`` chooses the file's encoding (e.g. ``gb18030``).
    """
    with TEMPLATE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        template = list(reader)
    by_bus: dict[str, list[list[str]]] = {}
    for r in template:
        by_bus.setdefault(r[0], []).append(r)
    blocks = list(by_bus.values())
    written = 0
    k = 0
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        while written < rows:
            block = blocks[k % len(blocks)]
            vid = f"京B·{k:07d}"
            for n, r in enumerate(block):
                if written >= rows:
                    break
                row = [vid, r[1], r[2], f"{vid}-{n:02d}", *r[4:]]
                if bad_every and written % bad_every == bad_every - 1:
                    row[5] = "晚点"
                w.writerow(row)
                written += 1
            k += 1
    return written


def baseline(path: Path) -> dict[str, float]:
    """Validate row by row in plain Python (the approach fleetopt's vectorised reader replaces)."""
    from fleetopt.units import parse_clock_s

    t0 = time.perf_counter()
    seen: set[str] = set()
    errors = 0
    last: dict[str, float] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            try:
                dep = parse_clock_s(rec["departure"])
                arr = parse_clock_s(rec["arrival"])
                for c in ("origin_lon", "origin_lat", "destination_lon", "destination_lat"):
                    float(rec[c])
                if rec["distance_km"]:
                    float(rec["distance_km"])
            except ValueError:
                errors += 1
                continue
            if rec["trip_id"] in seen:
                errors += 1
            seen.add(rec["trip_id"])
            if arr < dep or dep < last.get(rec["vehicle_id"], -1.0):
                errors += 1
            last[rec["vehicle_id"]] = arr
    return {"baseline_s": time.perf_counter() - t0, "baseline_errors": errors}


def run(quick: bool) -> dict[str, object]:
    """Generate, validate in a subprocess, compare with the row-by-row baseline."""
    rows = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="fleetopt-bench-") as tmp:
        path = Path(tmp) / f"generated_trips_{rows}.csv"
        t0 = time.perf_counter()
        n = generate(path, rows)
        gen_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        base = baseline(path)
        bad_path = Path(tmp) / f"generated_trips_{rows}_gb18030_with_errors.csv"
        generate(bad_path, rows, bad_every=100, encoding="gb18030")
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(bad_path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        bad = json.loads(proc.stdout.strip().splitlines()[-1])
    total_s = child["import_s"] + child["validate_s"]
    return {
        "rows": n,
        "file_mb": round(size_mb, 1),
        "generate_s": round(gen_s, 2),
        "valid": child["valid"],
        "errors": child["errors"],
        "warnings": child["warnings"],
        "validate_s": round(child["validate_s"], 2),
        "validate_cpu_s": round(child["validate_cpu_s"], 2),
        "load_avg_1min": round(child["load_avg_1min"], 2),
        "cpus": os.cpu_count(),
        "import_s": round(child["import_s"], 2),
        "peak_rss_mb": round(child["peak_rss_mb"], 1),
        "goal": {"validate_s": 10.0, "peak_rss_mb": 2048.0, "rows": 1_000_000},
        "meets_goal": bool(total_s <= 10.0 and child["peak_rss_mb"] <= 2048.0)
        if not quick
        else None,
        "gb18030_1pct_errors": {
            "errors_listed": bad["errors"],
            "validate_s": round(bad["validate_s"], 2),
            "validate_cpu_s": round(bad["validate_cpu_s"], 2),
            "peak_rss_mb": round(bad["peak_rss_mb"], 1),
        },
        "baseline": {
            "what": "row-by-row csv module + units.parse_clock_s (same file, same process load)",
            "seconds": round(base["baseline_s"], 2),
        },
        "ratio": round(base["baseline_s"] / child["validate_s"], 2)
        if child["validate_s"] > 0
        else None,
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))

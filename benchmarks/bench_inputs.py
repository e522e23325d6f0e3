"""Benchmark trips validation: a 1,000,000-row file must validate in <= 10 s and <= 2 GB.

The file is generated from the real-shaped template tests/data/inputs/generated_trips_line10.csv
(line 10's timetable) by repeating it for as many vehicles as needed, each with its own
Chinese vehicle id and trip ids; it is written to a temporary folder as
``generated_trips_<rows>.csv`` and removed afterwards. Validation runs in a fresh
subprocess so that its peak memory (ru_maxrss) is measured alone.

Wall time depends on how busy the machine is (a shared 2-core box runs several jobs), so
the result also carries the CPU time of the validation and the 1-minute load average.

GTFS memory (issue 17: at most 2x a plain pandas read): a generated feed shaped like a
large North-American bus network (37,900 trips, 1,174,900 stop_times; ``generate_gtfs``)
is read by ``fleetopt.domain.blocks.read_gtfs_trips`` and, for the baseline, by
``pandas.read_csv`` of the same members, each in its own process; peak memory is the
whole process's maximum resident set size (``/usr/bin/time -v`` when installed, else the
child's rusage), and ``gtfs_memory.ratio`` = fleetopt / plain pandas.

Baseline: a straightforward row-by-row reader (``csv`` module, ``units.parse_clock_s`` and
``float`` per cell, a set for duplicate trip ids) on the same file; ``ratio`` = baseline
time / fleetopt time.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
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


def generate_gtfs(path: Path, trips: int = 37_900, stops_per_trip: int = 31, *,
                  blocks: int = 822, seed: int = 17) -> dict[str, int]:
    """Write a generated GTFS zip shaped like the issue's North-American bus feed.

    ``trips`` trips on 200 routes (two directions each, own shape), every trip with a
    ``block_id`` (``blocks`` blocks, each running trips of one route back to back on
weekdays, Saturdays and Sundays: a third of its trips on each service), 8,000
    stops and ``stops_per_trip`` stop_times per trip with the optional columns a real feed
    carries (stop_headsign, pickup/drop-off types, shape_dist_traveled, timepoint). Default
    sizes: 37,900 trips and 1,174,900 stop_times (~80 MB of text), as in issue 17.
    Deterministic (``seed``).
    """
    import zipfile

    import numpy as np

    rng = np.random.default_rng(seed)
    n_stops, n_routes = 8_000, 200
    lon0, lat0 = -79.40, 43.70
    stop_lon = lon0 + rng.uniform(-0.25, 0.25, n_stops)
    stop_lat = lat0 + rng.uniform(-0.15, 0.15, n_stops)
    route_stops = [rng.choice(n_stops, stops_per_trip, replace=False) for _ in range(n_routes)]
    hop_s = 90
    trip_s = hop_s * (stops_per_trip - 1)
    per_block = -(-trips // blocks)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "GEN,Generated Transit,https://example.invalid,America/Toronto\n")
        zf.writestr("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,"
                    "saturday,sunday,start_date,end_date\nWKDY,1,1,1,1,1,0,0,20250106,20250704\n"
                    "SAT,0,0,0,0,0,1,0,20250106,20250704\n"
                    "SUN,0,0,0,0,0,0,1,20250106,20250704\n")
        zf.writestr("routes.txt", "route_id,route_short_name,route_type\n" + "".join(
            f"R{r},{r + 1},3\n" for r in range(n_routes)))
        zf.writestr("stops.txt", "stop_id,stop_code,stop_name,stop_lat,stop_lon\n" + "".join(
            f"{10000 + s},{s},Stop {s},{stop_lat[s]:.6f},{stop_lon[s]:.6f}\n"
            for s in range(n_stops)))
        shape_lines = ["shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled"]
        for r in range(n_routes):
            for d in (0, 1):
                seq = route_stops[r] if d == 0 else route_stops[r][::-1]
                k = 0
                for a, b in itertools.pairwise(seq):
                    for f in np.linspace(0.0, 1.0, 6)[:-1]:
                        k += 1
                        shape_lines.append(
                            f"S{r}_{d},{stop_lat[a] + f * (stop_lat[b] - stop_lat[a]):.6f},"
                            f"{stop_lon[a] + f * (stop_lon[b] - stop_lon[a]):.6f},{k},")
        zf.writestr("shapes.txt", "\n".join(shape_lines) + "\n")
        trip_lines = ["route_id,service_id,trip_id,trip_headsign,direction_id,block_id,shape_id"]
        st_lines = [("trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,"
                     "pickup_type,drop_off_type,shape_dist_traveled,timepoint")]
        made = 0
        services = ("WKDY", "SAT", "SUN")
        for b in range(blocks):
            r = b % n_routes
            for k in range(per_block):
                if made >= trips:
                    break
                svc = services[k * len(services) // per_block]
                if k == 0 or svc != services[(k - 1) * len(services) // per_block]:
                    t = 5 * 3600 + int(rng.integers(0, 3 * 3600))  # the block's pull-out
                d = k % 2
                tid = f"{48_000_000 + made}"
                trip_lines.append(f"R{r},{svc},{tid},Headsign {r}-{d},{d},B{b},S{r}_{d}")
                seq = route_stops[r] if d == 0 else route_stops[r][::-1]
                for q, s in enumerate(seq):
                    x = t + q * hop_s
                    clock = f"{x // 3600:02d}:{x % 3600 // 60:02d}:{x % 60:02d}"
                    st_lines.append(f"{tid},{clock},{clock},{10000 + s},{q + 1},,0,0,"
                                    f"{q * 0.4:.3f},1")
                t += trip_s + 300
                made += 1
        zf.writestr("trips.txt", "\n".join(trip_lines) + "\n")
        zf.writestr("stop_times.txt", "\n".join(st_lines) + "\n")
    return {"trips": made, "stop_times": len(st_lines) - 1, "stops": n_stops}


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


_GTFS_PLAIN = r"""
import sys, zipfile
import pandas as pd
members = ("stops.txt", "trips.txt", "stop_times.txt", "calendar.txt", "calendar_dates.txt",
           "frequencies.txt", "shapes.txt")
with zipfile.ZipFile(sys.argv[1]) as zf:
    names = set(zf.namelist())
    tables = {m: pd.read_csv(zf.open(m)) for m in members if m in names}
print(sum(len(t) for t in tables.values()))
"""

_GTFS_FLEETOPT = r"""
import sys
from fleetopt.domain.blocks import read_gtfs_trips
print(len(read_gtfs_trips(sys.argv[1])))
"""


def _peak_rss_mb(code: str, path: Path) -> tuple[float, float, str]:
    """Run ``code`` on ``path`` in a fresh Python; return (peak RSS [MB], wall [s], stdout)."""
    cmd = [sys.executable, "-c", code, str(path)]
    time_bin = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    t0 = time.perf_counter()
    if time_bin:
        proc = subprocess.run([time_bin, "-v", *cmd], capture_output=True, text=True, check=True,
                              timeout=600)
        wall = time.perf_counter() - t0
        kb = next(int(line.rsplit(":", 1)[1]) for line in proc.stderr.splitlines()
                  if "Maximum resident set size" in line)
        return kb / 1024, wall, proc.stdout.strip()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise RuntimeError(f"{cmd[:3]} failed with status {status}")
    return usage.ru_maxrss / 1024, time.perf_counter() - t0, out.strip()


def gtfs_memory(quick: bool) -> dict[str, object]:
    """Peak memory of fleetopt's GTFS reader against a plain pandas read of the same feed."""
    trips = 3_790 if quick else 37_900
    with tempfile.TemporaryDirectory(prefix="fleetopt-bench-") as tmp:
        path = Path(tmp) / f"generated_gtfs_{trips}_trips.zip"
        sizes = generate_gtfs(path, trips=trips, blocks=max(trips // 46, 1))
        plain_mb, plain_s, _ = _peak_rss_mb(_GTFS_PLAIN, path)
        fo_mb, fo_s, out = _peak_rss_mb(_GTFS_FLEETOPT, path)
        zip_mb = path.stat().st_size / 1e6
    base_mb = plain_mb
    return {
        **sizes,
        "zip_mb": round(zip_mb, 1),
        "trips_of_the_day": int(out.splitlines()[-1]) if out else None,
        "fleetopt_peak_rss_mb": round(fo_mb, 1),
        "fleetopt_wall_s": round(fo_s, 2),
        "baseline": {
            "what": "pandas.read_csv of the same members, default options, fresh process",
            "peak_rss_mb": round(base_mb, 1),
            "wall_s": round(plain_s, 2),
        },
        "ratio": round(fo_mb / base_mb, 2),
        "goal_ratio": 2.0,
        "meets_goal": bool(fo_mb <= 2.0 * base_mb),
    }


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
    gtfs = gtfs_memory(quick)
    return {
        "gtfs_memory": gtfs,
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

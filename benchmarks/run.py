"""Run fleetopt's benchmarks and write JSON results (``make bench``).

Each ``benchmarks/bench_<area>.py`` exposes ``run(quick: bool) -> dict``; its result is
written to ``benchmarks/results/<area>.json`` together with the machine and the time.
Ratios against baselines are computed inside each benchmark, in the same run.

Usage: ``python benchmarks/run.py [--quick] [AREA ...]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("areas", nargs="*", help="areas to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to prove they run")
    args = parser.parse_args(argv)
    files = sorted(HERE.glob("bench_*.py"))
    if args.areas:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.areas]
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    failures = 0
    for path in files:
        area = path.stem.removeprefix("bench_")
        spec = importlib.util.spec_from_file_location(f"bench_{area}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(HERE))
        t0 = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            result = module.run(quick=args.quick)
            status = "ok"
        except Exception:  # noqa: BLE001 - a failing benchmark is reported, the others still run
            result = {"error": traceback.format_exc()}
            status = "error"
            failures += 1
        doc = {
            "area": area,
            "status": status,
            "quick": args.quick,
            "wall_s": round(time.perf_counter() - t0, 3),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": _machine(),
            "result": result,
        }
        (out_dir / f"{area}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False))
        sys.stderr.write(f"{area}: {status} in {doc['wall_s']} s -> {out_dir / (area + '.json')}\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

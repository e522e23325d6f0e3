"""`fleetopt demo` end to end, and the spine's exit codes for bad networks (CONTRACT §2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FLEETOPT = [sys.executable, "-m", "fleetopt"]

SIMULATE_KEYS = {
    "scenario", "seed", "vehicles", "trips_total", "trips_served", "trips_missed", "distance_km",
    "battery_energy_kwh", "grid_energy_kwh", "hydrogen_kg", "diesel_l", "gasoline_l", "co2_kg",
    "peak_grid_kw", "charge_wait_mean_min", "charge_wait_max_min", "by_type", "wall_s",
}
SITE_KEYS = {"model", "status", "objective", "bound", "gap", "open_sites", "wall_s"}
TARGET_IDS = {
    "green_travel_share_2025", "green_travel_share_2030", "nev_stock_2025",
    "new_vehicle_nev_share_2030", "operating_co2_intensity_2030", "bus_nev_share_2025",
    "taxi_nev_share_2025", "sanitation_new_nev_share_2025", "light_logistics_nev_share_2025",
}


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FLEETOPT_RUNS_DIR=str(cwd / "runs"))
    return subprocess.run([*FLEETOPT, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:
    tmp = tmp_path_factory.mktemp("demo")
    proc = _run(["demo", "--json"], cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), tmp, tmp / "runs"


def test_demo_json_has_the_contract_shape(demo_run: tuple[dict, Path, Path]) -> None:
    """GIVEN the embedded default WHEN `fleetopt demo --json` runs THEN stdout is the
    CONTRACT document on the real central Beijing graph."""
    doc, _, _ = demo_run
    assert {"network", "simulation", "siting", "targets"} <= set(doc)
    assert doc["network"] == {"name": "beijing-central-2024", "nodes": 10166, "edges": 22500}
    sim = doc["simulation"]
    assert set(sim) == SIMULATE_KEYS
    assert sim["trips_served"] + sim["trips_missed"] == sim["trips_total"] > 0
    assert set(sim["by_type"]) == {"bus", "taxi", "sanitation", "delivery"}
    assert sum(t["vehicles"] for t in sim["by_type"].values()) == sim["vehicles"]
    # all-electric default: CO2 is grid electricity times the North-China factor
    assert sim["diesel_l"] == 0
    assert sim["gasoline_l"] == 0
    assert sim["co2_kg"] == pytest.approx(sim["grid_energy_kwh"] * 0.6361, rel=1e-6)
    # vehicles both drove on battery and charged from the grid during the day
    assert sim["battery_energy_kwh"] > 0
    assert sim["grid_energy_kwh"] > 0
    assert sim["distance_km"] > 0
    site = doc["siting"]
    assert set(site) >= SITE_KEYS
    assert site["status"] in ("optimal", "feasible")
    assert site["gap"] is not None
    assert 0 <= site["gap"] <= 0.01
    assert site["bound"] <= site["objective"] * (1 + 1e-9)
    ids = {row["id"] for row in doc["targets"]}
    assert ids >= TARGET_IDS
    for row in doc["targets"]:
        assert row["status"] in ("met", "on_track", "at_risk", "off_track", "no_data")
        assert row["source"]


def test_demo_writes_a_whole_run(demo_run: tuple[dict, Path, Path]) -> None:
    doc, _, runs = demo_run
    run_dirs = [d for d in runs.iterdir() if not d.name.startswith(".")]
    assert len(run_dirs) == 1
    run = run_dirs[0]
    assert (
        json.loads((run / "demo.json").read_text(encoding="utf-8"))["simulation"]
        == doc["simulation"]
    )
    assert (run / "simulation" / "trips.parquet").is_file()
    assert (run / "siting" / "sites.geojson").is_file()


def test_demo_is_deterministic(demo_run: tuple[dict, Path, Path], tmp_path: Path) -> None:
    doc, _, _ = demo_run
    proc = _run(["demo", "--json", "--out", str(tmp_path / "again")], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    again = json.loads(proc.stdout)
    for d in (doc, again):
        d["simulation"].pop("wall_s")
        d["siting"].pop("wall_s")
        d.pop("out_dir", None)
    assert again["simulation"] == doc["simulation"]
    assert again["siting"]["open_sites"] == doc["siting"]["open_sites"]
    assert again["siting"]["objective"] == pytest.approx(doc["siting"]["objective"])


def _scenario(tmp: Path, network: str) -> Path:
    trips = tmp / "trips.csv"
    trips.write_text(
        "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
        "destination_lon,destination_lat,distance_km\n"
        "b1,bus,diesel,t1,08:00,08:30,116.40,39.91,116.41,39.92,10\n",
        encoding="utf-8",
    )
    path = tmp / "s.toml"
    path.write_text(
        f'name = "x"\nseed = 1\nnetwork = "{network}"\n[[fleets]]\ntrips = "trips.csv"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("network", "content", "needle"),
    [
        ("no-such-network", None, "unknown network 'no-such-network'"),
        ("missing.graphml", None, "does not exist"),
        ("corrupt.graphml", "<graphml><node id=", "corrupt.graphml"),
        ("corrupt.graphml.gz", "not gzip at all", "corrupt.graphml.gz"),
        ("nocoords.graphml",
         ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
          '<key id="d0" for="edge" attr.name="length" attr.type="double"/>'
          '<graph edgedefault="directed"><node id="1"/><node id="2"/>'
          '<edge source="1" target="2"><data key="d0">10</data></edge></graph></graphml>'),
         "coordinates"),
    ],
)
def test_bad_networks_exit_2_with_a_message(
    tmp_path: Path, network: str, content: str | None, needle: str
) -> None:
    """GIVEN a scenario naming a bad network WHEN simulated THEN exit 2, a message that says
    what is wrong, and no traceback."""
    if content is not None:
        (tmp_path / network).write_text(content, encoding="utf-8")
    proc = _run(["simulate", str(_scenario(tmp_path, network)), "--json"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.strip() == ""


def test_demo_prints_a_readable_summary(tmp_path: Path) -> None:
    """GIVEN no --json WHEN the demo runs THEN a person sees the network, the simulation table,
    the siting line and the targets table, and where results went."""
    proc = _run(["demo", "--out", str(tmp_path / "out")], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    for needle in ("beijing-central-2024", "Simulation (one service day)", "Siting (p-median)",
                   "Carbon Peak Plan targets", "results written to"):
        assert needle in text
    assert "Traceback" not in proc.stderr

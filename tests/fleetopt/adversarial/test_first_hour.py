"""The first hour of a new user: --version, output readable at 80 columns with units and
rounding, and the siting objective printed with its unit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from fleetopt import __version__
from fleetopt.cli._render import format_number, format_objective, summary_table
from tests.fleetopt.adversarial._cli import REPO, fleetopt

DATA = Path(__file__).resolve().parents[2] / "data"

SUMMARY = {
    "vehicles": 822,
    "trips_total": 37_900,
    "trips_served": 37_873,
    "trips_missed": 27,
    "distance_km": 1_234_567.891,
    "battery_energy_kwh": 2_345_678.9,
    "grid_energy_kwh": 2_606_309.9,
    "hydrogen_kg": 0.0,
    "diesel_l": 12.345,
    "gasoline_l": 0.0,
    "co2_kg": 1_657_862.3,
    "peak_grid_kw": 48_123.4,
    "charge_wait_mean_min": 1.4449,
    "charge_wait_max_min": 39.42,
}


def test_version() -> None:
    out = fleetopt("--version")
    assert out.code == 0
    assert out.stdout.strip() == f"fleetopt {__version__}"


def test_summary_fits_80_columns_without_cutting_numbers() -> None:
    s = dict(SUMMARY)
    s["by_type"] = {t: dict(SUMMARY) for t in ("bus", "taxi", "sanitation", "delivery")}
    console = Console(width=80, record=True, color_system=None)
    console.print(summary_table(s, title="Simulation totals over the horizon"))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    for needle in (
        "1,234,568",
        "37,900",
        "distance [km]",
        "grid peak [kW]",
        "CO2 [kg]",
        "charge wait max [min]",
        "vehicles (blocks)",
        "1.44",
        "39.4",
    ):
        assert needle in text, needle


def test_rounding_and_objective_units() -> None:
    assert format_number(3355388.755576527) == "3,355,389"
    assert format_number(12.345) == "12.3"
    assert format_number(1.23456) == "1.23"
    assert format_number(None) == "—"
    assert format_objective(3355388.755576527, "s x weight") == "3,355,389 s x weight"


def test_simulate_human_output_at_80_columns(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(REPO)}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "fleetopt",
            "simulate",
            str(DATA / "simulation" / "hand.toml"),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert "…" not in r.stdout
    assert "distance [km]" in r.stdout
    assert "270.0" in r.stdout


def test_site_prints_the_objective_with_its_unit() -> None:
    out = fleetopt("site", "--orlib-pmed", str(DATA / "siting" / "pmed1.txt"))
    assert out.code == 0, out.stderr
    assert "objective 5,819 file units" in out.stdout
    out = fleetopt("site", "--problem", str(DATA / "siting" / "tiny_problem.json"))
    assert out.code == 0, out.stderr
    assert "s x weight" in out.stdout

"""Register ``fleetopt simulate``: run one scenario file and print or store its results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fleetopt.cli import _render as _render_80
from fleetopt.cli import app
from fleetopt.cli._common import JsonOpt, run


def _render(s: dict[str, Any]) -> None:
    console = Console()
    console.print(f"[bold]scenario[/bold] {s['scenario']} (seed {s['seed']}), {s['wall_s']:.2f} s")
    console.print(_render_80.summary_table(s, title="Simulation totals over the horizon"))


def summary_table(s: dict[str, Any], *, title: str) -> Table:
    """Return a rich table of a ``simulate --json`` summary: one row per vehicle type, then all."""
    table = Table(title=title)
    for col in (
        "type",
        "vehicles",
        "trips",
        "served",
        "missed",
        "distance km",
        "battery kWh",
        "grid kWh",
        "diesel L",
        "gasoline L",
        "H2 kg",
        "CO2 kg",
        "peak kW",
        "wait mean/max min",
    ):
        table.add_column(col, justify="right")
    for name, r in [*sorted(s["by_type"].items()), ("all", s)]:
        table.add_row(
            name,
            f"{r['vehicles']:,}",
            f"{r['trips_total']:,}",
            f"{r['trips_served']:,}",
            f"{r['trips_missed']:,}",
            f"{r['distance_km']:,.1f}",
            f"{r['battery_energy_kwh']:,.1f}",
            f"{r['grid_energy_kwh']:,.1f}",
            f"{r['diesel_l']:,.1f}",
            f"{r['gasoline_l']:,.1f}",
            f"{r['hydrogen_kg']:,.2f}",
            f"{r['co2_kg']:,.1f}",
            f"{r['peak_grid_kw']:,.1f}",
            f"{r['charge_wait_mean_min']:.1f} / {r['charge_wait_max_min']:.1f}",
        )
    return table


@app.command("simulate")
def simulate_cmd(
    scenario: Path = typer.Argument(..., help="Scenario TOML file (CONTRACT §4)."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the result tables (default: a new run under runs/)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Simulate one scenario: trips, charging queues, energy, CO2 and grid peak."""
    from fleetopt import api

    run(lambda: api.simulate_file(scenario, out_dir=out), as_json=as_json, render=_render)

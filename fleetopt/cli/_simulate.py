"""Register ``fleetopt simulate``: run one scenario file and print or store its results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

import fleetopt.cli._render as _render_80
from fleetopt import api
from fleetopt.cli._app import app
from fleetopt.cli._clock import ClockBar
from fleetopt.cli._common import JsonOpt, run
from fleetopt.errors import InputError, Problem


def _render(s: dict[str, Any]) -> None:
    console = Console()
    console.print(f"[bold]scenario[/bold] {s['scenario']} (seed {s['seed']}), {s['wall_s']:.2f} s")
    if "days" not in s:
        console.print(_render_80.summary_table(s, title="Simulation totals over the horizon"))
        for fleet, g in s.get("gtfs", {}).items():
            console.print(
                f"GTFS {fleet}: service day {g['service_date']} "
                f"({g.get('service_date_chosen', 'given')}); {g['vehicles']:,} vehicles = "
                f"distinct blocks ({g['blocks_from_block_id']:,} from block_id, "
                f"{g['chained_vehicles']:,} chained); at most "
                f"{g.get('peak_vehicles_in_service', 0):,} in service at once"
            )
        return
    console.print(_render_80.summary_table(s, title=f"Totals over the year {s['year']}"))
    days = Table(title=f"{len(s['days'])} representative days")
    for col in ("day", "days", "°C", "grid kWh", "CO2 kg", "peak kW", "missed"):
        days.add_column(col, justify="right")
    for d in s["days"]:
        days.add_row(
            d["label"],
            f"{d['weight_days']}",
            f"{d['ambient_temperature_c']:.1f}",
            _render_80.format_number(d["grid_energy_kwh"]),
            _render_80.format_number(d["co2_kg"]),
            _render_80.format_number(d["peak_grid_kw"]),
            _render_80.format_number(d["trips_missed"], integer=True),
        )
    console.print(days)


@app.command("simulate")
def simulate_cmd(
    scenario: Path = typer.Argument(..., help="Scenario TOML file (CONTRACT §4)."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the result tables (default: a new run under runs/)."
    ),
    annual: bool = typer.Option(
        False, "--annual", help="A year of representative days of the scenario's year (§7)."
    ),
    executor: str | None = typer.Option(
        None, "--executor", help="With --annual: local (this process, default) or dask."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="With --executor dask: scheduler address (tcp://host:8786)."
    ),
    no_progress: bool = typer.Option(
        False, "--no-progress", help="No progress on stderr (simulated clock, or days)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Simulate one scenario: trips, charging queues, energy, CO2 and grid peak.

    With --annual: the representative days of the scenario's year (monthly Beijing climate,
    weekdays and weekends), each stored under --out so a rerun resumes. Progress on stderr
    (a bar on a terminal, lines otherwise): the simulated clock of one day, or the days.
    """
    def go() -> dict[str, Any]:
        if not annual:
            for flag, given in (("--executor", executor), ("--scheduler", scheduler)):
                if given is not None:
                    msg = f"{flag} needs --annual"
                    raise InputError(msg, [Problem(msg, None, flag, None)])
            bar = ClockBar(f"simulate {scenario.stem}", enabled=not no_progress)
            try:
                return api.simulate_file(scenario, out_dir=out, progress=bar)
            finally:
                bar.close()
        return api.simulate_annual(
            scenario,
            executor=executor or "local",
            scheduler=scheduler,
            out_dir=out,
            progress=not no_progress,
        )

    run(go, as_json=as_json, render=_render)

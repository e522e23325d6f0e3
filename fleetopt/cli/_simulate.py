"""Run ``fleetopt simulate``: one scenario file, its results printed or stored.

Its options are in :mod:`fleetopt.cli._commands`; :func:`simulate` runs it. It imports the
api's simulate functions from :mod:`fleetopt.results.simulate_file` (not the api, which also
loads the planner, siting and OR-Tools).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import fleetopt.cli._render as _render_80
from fleetopt.cli._clock import ClockBar
from fleetopt.cli._common import run
from fleetopt.errors import InputError, Problem
from fleetopt.results.simulate_file import simulate_annual, simulate_file


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


def simulate(*, scenario: Path, out: Path | None, annual: bool, executor: str | None,
             scheduler: str | None, no_progress: bool, as_json: bool) -> None:
    """Simulate one scenario, a day or ``annual`` a year (``fleetopt simulate``)."""
    def go() -> dict[str, Any]:
        if not annual:
            for flag, given in (("--executor", executor), ("--scheduler", scheduler)):
                if given is not None:
                    msg = f"{flag} needs --annual"
                    raise InputError(msg, [Problem(msg, None, flag, None)])
            bar = ClockBar(f"simulate {scenario.stem}", enabled=not no_progress)
            try:
                return simulate_file(scenario, out_dir=out, progress=bar)
            finally:
                bar.close()
        return simulate_annual(
            scenario,
            executor=executor or "local",
            scheduler=scheduler,
            out_dir=out,
            progress=not no_progress,
        )

    run(go, as_json=as_json, render=_render)

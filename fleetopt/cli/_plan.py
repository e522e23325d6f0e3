"""Run ``fleetopt plan``: an operator's vehicles, plugs, cheapest charging, life-cycle cost.

Its options are in :mod:`fleetopt.cli._commands`; :func:`plan` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fleetopt import api
from fleetopt.cli._common import run


def _render(s: dict[str, Any]) -> None:
    console = Console()
    console.print(
        f"[bold]plan[/bold] {s['status']} (gap {s['gap']:.2%}), {s['wall_s']:.2f} s; "
        f"charging {s['charging_cost_cny']:,.2f} CNY/day "
        f"(bound {s['charging_cost_bound_cny']:,.2f})"
    )
    t = Table(title="Vehicles")
    for col in ("type", "input", "needed", "bound"):
        t.add_column(col, justify="right")
    for vt, n in s["vehicles_needed"].items():
        t.add_row(vt, str(s["vehicles_input"].get(vt, 0)), str(n), str(s["vehicles_bound"][vt]))
    console.print(t)
    if s["plugs_needed"]:
        p = Table(title="Plugs per station")
        p.add_column("station")
        p.add_column("plugs", justify="right")
        for sid, n in s["plugs_needed"].items():
            p.add_row(sid, str(n))
        console.print(p)
    c = Table(title="Life-cycle cost")
    for col in ("type", "powertrain", "vehicles", "NPV CNY", "CNY/km"):
        c.add_column(col, justify="right")
    for vt, per in s["tco_detail"].items():
        for pt, d in per.items():
            c.add_row(vt, pt, str(d["vehicles"]), f"{d['npv_cny']:,.0f}", f"{d['cny_per_km']:.2f}")
    console.print(c)
    for vt, opts in s.get("battery_options", {}).items():
        b = Table(title=f"Battery sizes: {vt}")
        for col in ("kWh", "vehicles", "plugs", "CNY/day", "NPV CNY", "cheapest"):
            b.add_column(col, justify="right")
        for o in opts:
            b.add_row(f"{o['battery_kwh']:g}", str(o["vehicles"]), str(o["plugs"]),
                      f"{o['charging_cost_cny']:,.2f}", f"{o['npv_cny']:,.0f}",
                      "*" if o["cheapest"] else "")
        console.print(b)
    rep = s.get("replacement")
    if rep:
        console.print(f"[bold]replacement[/bold] {rep['status']} (gap {rep['gap']:.2%}), "
                      f"NPV {rep['npv_cny']:,.0f} CNY; per year: {rep['vehicles_replaced']}")
    for bad in s["infeasible_trips"][:20]:
        console.print(f"[red]cannot run[/red] {bad['reason']}")
    for b in s["broken_blocks"][:20]:
        console.print(f"[yellow]block {b['vehicle_id']} breaks:[/yellow] {b['reason']}")


def plan(*, scenario: Path, out: Path | None, time_limit: float | None, step_min: float,
         compare: bool, battery_options: bool, as_json: bool) -> None:
    """Plan an operator's fleet (``fleetopt plan``)."""
    run(
        lambda: api.plan(
            scenario,
            out_dir=out,
            time_limit_s=time_limit,
            step_s=step_min * 60.0,
            compare=compare,
            battery_options=battery_options,
        ),
        as_json=as_json,
        render=_render,
    )

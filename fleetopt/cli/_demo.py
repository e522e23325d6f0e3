"""Register ``fleetopt demo``: the whole chain on the embedded Beijing default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fleetopt.cli import app
from fleetopt.cli._common import JsonOpt, run
from fleetopt.cli._simulate import summary_table


def _render(result: dict[str, Any]) -> None:
    console = Console()
    net = result["network"]
    console.print(
        f"[bold]fleetopt demo[/bold] on road network [cyan]{net['name']}[/cyan] "
        f"({net['nodes']:,} nodes, {net['edges']:,} edges; © OpenStreetMap contributors, ODbL)"
    )
    console.print(summary_table(result["simulation"], title="Simulation (one service day)"))
    site = result["siting"]
    gap = site.get("gap")
    console.print(
        f"[bold]Siting[/bold] ({site['model']}): status {site['status']}, "
        f"objective {site.get('objective')}, bound {site.get('bound')}, "
        f"gap {'n/a' if gap is None else f'{100 * gap:.2f} %'}, "
        f"{len(site.get('open_sites', []))} sites open (existing stations included), "
        f"{site['wall_s']:.1f} s"
    )
    ttable = Table(title="Carbon Peak Plan targets, section (16)")
    for col in ("target", "goal", "year", "value", "status"):
        ttable.add_column(col)
    colours = {"met": "green", "on_track": "green", "at_risk": "yellow", "off_track": "red"}
    for row in result["targets"]:
        status = row["status"]
        value = row["value"]
        shown = (
            "—" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))
        )
        target = row["target"]
        goal = (
            str(target)
            if row["unit"] == "text"
            else f"{target:,.10g} {row['unit']}"
            if isinstance(target, (int, float))
            else f"{target} {row['unit']}"
        )
        ttable.add_row(
            row["description"],
            goal,
            str(row["year"] or ""),
            shown,
            f"[{colours.get(status, 'white')}]{status}[/]",
        )
    console.print(ttable)
    if result.get("out_dir"):
        console.print(f"results written to [cyan]{result['out_dir']}[/cyan]")


@app.command()
def demo(
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the results (default: a new run under runs/)."
    ),
    scale: float | None = typer.Option(
        None, "--scale", help="Fleet scale factor over the embedded sample; 1.0 = the full city."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Run the whole chain on the embedded Beijing default: graph, fleets, simulate, site, targets."""  # noqa: E501
    from fleetopt import api

    run(
        lambda: api.demo(out_dir=out, scale=scale, progress=not as_json),
        as_json=as_json,
        render=_render,
    )

"""Run ``fleetopt demo``: the whole chain on the embedded Beijing default.

Its options are in :mod:`fleetopt.cli._commands`; :func:`demo` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from fleetopt import api
from fleetopt.cli._common import run
from fleetopt.cli._render import format_objective, summary_table, targets_table
from fleetopt.siting.result import OBJECTIVE_UNITS


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
    unit = OBJECTIVE_UNITS.get(str(site["model"]))
    console.print(
        f"[bold]Siting[/bold] ({site['model']}): {site['status']}, objective "
        f"{escape(format_objective(site.get('objective'), unit))} (bound "
        f"{format_objective(site.get('bound'), None)}, gap "
        f"{'n/a' if gap is None else f'{100 * gap:.2f} %'}), "
        f"{len(site.get('open_sites', []))} sites open (existing included), "
        f"{site['wall_s']:.1f} s"
    )
    console.print(targets_table(result["targets"], title="Carbon Peak Plan targets, section (16)"))
    if result.get("out_dir"):
        console.print(f"results written to [cyan]{result['out_dir']}[/cyan]")


def demo(*, out: Path | None, scale: float | None, as_json: bool) -> None:
    """Run the whole chain on the embedded Beijing default (``fleetopt demo``)."""
    run(
        lambda: api.demo(out_dir=out, scale=scale, progress=not as_json),
        as_json=as_json,
        render=_render,
    )

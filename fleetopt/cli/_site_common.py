"""What both ways of running ``fleetopt site`` share: the flag checks and the rendering.

``fleetopt site`` runs in :mod:`fleetopt.cli._site` (through :func:`fleetopt.api.site`) or,
for a p-median OR-Library file, in :mod:`fleetopt.cli._site_pmed` (without the api); both
check the flags with :func:`check_site_flags` before any work and print with
:func:`render`. Nothing here imports the api or pandas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from fleetopt.cli._render import format_objective
from fleetopt.errors import InputError, Problem
from fleetopt.siting.summary import OBJECTIVE_UNITS

__all__ = ["check_site_flags", "render"]


def check_site_flags(*, scenario: Path | None, orlib_pmed: Path | None, p: int | None,
                     orlib_cap: Path | None, uncapacitated: bool, capacity: float | None,
                     problem: Path | None, model: str | None, time_limit: float | None,
                     solver: str, verify: bool) -> None:
    """Check the combination of ``fleetopt site`` flags before any work.

    Raises
    ------
    InputError
        Not exactly one input, an unknown solver, a non-positive time limit, or a flag
        that does not apply to the input given.
    """
    given = [k for k, v in (("SCENARIO.toml", scenario), ("--orlib-pmed", orlib_pmed),
                            ("--orlib-cap", orlib_cap), ("--problem", problem)) if v]
    if len(given) != 1:
        msg = ("give exactly one of SCENARIO.toml, --orlib-pmed FILE, --orlib-cap FILE, "
               f"--problem FILE.json (got {', '.join(given) or 'none'})")
        raise InputError(msg, [Problem(msg)])
    if solver not in ("highs", "scip"):
        msg = f"--solver must be highs or scip, got {solver!r}"
        raise InputError(msg, [Problem(msg, column="--solver")])
    if time_limit is not None and not time_limit > 0:
        msg = f"--time-limit must be > 0 seconds, got {time_limit}"
        raise InputError(msg, [Problem(msg, column="--time-limit")])
    if p is not None and not orlib_pmed and not problem and not scenario:
        msg = "--p applies to --orlib-pmed, --problem and scenarios only"
        raise InputError(msg, [Problem(msg, column="--p")])
    if (capacity is not None or uncapacitated) and not orlib_cap:
        msg = "--capacity and --uncapacitated apply to --orlib-cap only"
        raise InputError(msg, [Problem(msg, column="--capacity")])
    if verify and not scenario:
        msg = "--verify applies to SCENARIO.toml only (it simulates the scenario)"
        raise InputError(msg, [Problem(msg, column="--verify")])
    if orlib_cap and model not in (None, "cflp", "uflp"):
        msg = f"model {model!r} does not apply to a warehouse file; use cflp or uflp"
        raise InputError(msg, [Problem(msg, column="--model")])


def render(s: dict[str, Any], *, unit: str | None = None) -> None:
    """Print a ``site`` document for a person to read (``unit``: the objective's)."""
    console = Console()
    gap = s.get("gap")
    gap_txt = "-" if gap is None else f"{100 * gap:.4f} %"
    unit = unit or OBJECTIVE_UNITS.get(str(s.get("model")))
    console.print(f"[bold]{s['model']}[/bold]: {s['status']}, objective "
                  f"{escape(format_objective(s['objective'], unit))} (bound "
                  f"{format_objective(s['bound'], None)}, gap {gap_txt}), {s['wall_s']:.2f} s")
    if s.get("reason"):
        console.print(f"reason: {s['reason']}")
    years = s.get("open_year")
    if years:
        by: dict[int, list[str]] = {}
        for site, year in years.items():
            by.setdefault(int(year), []).append(str(site))
        for year in sorted(by):
            console.print(f"opens in {year}: {', '.join(by[year])}")
    sites = s.get("open_sites", [])
    shown = ", ".join(str(x) for x in sites[:30])
    more = f" … (+{len(sites) - 30})" if len(sites) > 30 else ""
    console.print(f"open sites ({len(sites)}): {shown}{more}")
    v = s.get("verify")
    if v:
        target = 100 * v["target_share"]
        console.print(f"verify: {100 * v['share_waiting_longer']:.1f} % of station visits waited "
                      f"> {v['service_level_min']:g} min (target ≤ {target:.0f} %)"
                      f" → {'met' if v['met'] else 'NOT met'}; mean wait "
                      f"{v['charge_wait_mean_min']:.1f} min, trips missed {v['trips_missed']}")

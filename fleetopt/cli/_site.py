"""Register ``fleetopt site``: station siting on a scenario, OR-Library file or problem JSON.

The flag checks live here (:func:`check_site_flags`); the work is :func:`fleetopt.api.site`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from fleetopt import api
from fleetopt.cli._app import app
from fleetopt.cli._common import JsonOpt, err, run
from fleetopt.cli._render import format_objective
from fleetopt.errors import InputError, Problem
from fleetopt.results.export import escape_csv_tree
from fleetopt.siting.result import OBJECTIVE_UNITS


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


def _render(s: dict[str, Any], *, unit: str | None = None) -> None:
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


@app.command("site")
def site_cmd(
    scenario: Path | None = typer.Argument(None, help="Scenario TOML file (CONTRACT §4)."),
    orlib_pmed: Path | None = typer.Option(
        None, "--orlib-pmed", help="OR-Library p-median file (pmedN.txt)."),
    p: int | None = typer.Option(
        None, "--p", help="Medians / new sites (default: the file's header)."),
    orlib_cap: Path | None = typer.Option(
        None, "--orlib-cap", help="OR-Library warehouse file (capNN, capa/b/c)."),
    uncapacitated: bool = typer.Option(
        False, "--uncapacitated", help="Ignore capacities (UFLP)."),
    capacity: float | None = typer.Option(
        None, "--capacity", help="Value of the word 'capacity' in capa/capb/capc."),
    problem: Path | None = typer.Option(
        None, "--problem", help="Siting problem JSON (docs/siting.md)."),
    model: str | None = typer.Option(
        None, "--model",
        help="p-median, p-center, set-cover, max-coverage, uflp, cflp, service-level, "
             "flow-refuelling, rollout."),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="Wall-clock limit [s] (default 60)."),
    assignments: bool = typer.Option(
        False, "--assignments", help="Include assignments for OR-Library input."),
    out: Path | None = typer.Option(
        None, "--out", help="Write sites.geojson, assignments.csv, summary.json here."),
    solver: str = typer.Option("highs", "--solver", help="MIP back-end: highs or scip."),
    verify: bool = typer.Option(
        False, "--verify", help="Simulate with the new sites; check the service level."),
    as_json: bool = JsonOpt,
) -> None:
    """Site stations and prove how good the answer is (status, bound, gap)."""
    def go() -> dict[str, Any]:
        check_site_flags(scenario=scenario, orlib_pmed=orlib_pmed, p=p, orlib_cap=orlib_cap,
                         uncapacitated=uncapacitated, capacity=capacity, problem=problem,
                         model=model, time_limit=time_limit, solver=solver, verify=verify)
        out_doc = api.site(scenario=scenario, orlib_pmed=orlib_pmed, p=p, orlib_cap=orlib_cap,
                           uncapacitated=uncapacitated, capacity=capacity, problem=problem,
                           model=model, time_limit=time_limit, assignments=assignments,
                           out_dir=out, solver=solver, with_size_line=True,
                           verify=verify)
        if out is not None:
            escape_csv_tree(out)  # the same escaping as every CSV fleetopt writes
        size = out_doc.pop("_model_size_line", None)
        if size:
            err(size)
        return out_doc

    orlib = orlib_pmed is not None or orlib_cap is not None
    unit = "file units" if orlib else None  # OR-Library objectives are in the file's units
    run(go, as_json=as_json, render=lambda s: _render(s, unit=unit))

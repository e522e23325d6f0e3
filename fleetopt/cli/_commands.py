"""The command table and every command's options: what ``fleetopt --help`` needs, nothing more.

The pattern of pip's command table (``pip/_internal/commands/__init__.py``): :data:`COMMANDS`
maps a command to the module and function that run it, and :func:`dispatch` imports that
module with :func:`importlib.import_module` only when the command is chosen. So
``fleetopt --version``, ``fleetopt --help`` and ``fleetopt CMD --help`` import Typer and
this module only, and each command loads what it uses (``site --orlib-pmed`` the p-median
solver, not the api with its simulation, pandas and road networks).

Each command's options are one function below (its Typer signature and docstring, which
are its ``--help``); the function passes its arguments on to :func:`dispatch`. The module a
command runs in imports at its top what it needs (no function-local imports of fleetopt's
modules, issue 13); the one import by name is :func:`dispatch`'s, and
``tests/fleetopt/test_architecture.py`` checks that every module of the table imports and
keeps the layers. Adding a command: a row in :data:`COMMANDS`, one function here (its
position sets the ``--help`` order) and the module that runs it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, NamedTuple

import typer

from fleetopt.cli._app import app, network_app, runs_app
from fleetopt.cli._common import JsonOpt

__all__ = ["COMMANDS", "CommandSpec", "dispatch"]


class CommandSpec(NamedTuple):
    """Where a command runs: module, function and the one-line summary of ``fleetopt --help``."""

    module: str
    function: str
    summary: str


#: Command (``"network build"`` for a sub-command) → where it runs. ``site:orlib-pmed`` is
#: not a command of its own: ``site --orlib-pmed FILE`` (p-median, no ``--out``) runs there
#: without the api. A summary of "" marks such an internal entry.
COMMANDS: dict[str, CommandSpec] = {
    "demo": CommandSpec(
        "fleetopt.cli._demo", "demo",
        "Run the whole chain on the embedded Beijing default: graph, fleets, simulate, site, "
        "targets."),
    "simulate": CommandSpec(
        "fleetopt.cli._simulate", "simulate",
        "Simulate one scenario: trips, charging queues, energy, CO2 and grid peak."),
    "site": CommandSpec(
        "fleetopt.cli._site", "site",
        "Site stations and prove how good the answer is (status, bound, gap)."),
    "site:orlib-pmed": CommandSpec("fleetopt.cli._site_pmed", "site_pmed", ""),
    "targets": CommandSpec(
        "fleetopt.cli._targets", "targets",
        "Show the plan's targets with the scenario's projected values and statuses."),
    "validate": CommandSpec(
        "fleetopt.cli._validate", "validate",
        "Check an input file; list every problem with its row and column."),
    "sweep": CommandSpec(
        "fleetopt.cli._sweep", "sweep",
        "Run every variant of a sweep file and write one result row per variant."),
    "network build": CommandSpec(
        "fleetopt.cli._network", "build",
        "Build a drive graph with speeds and travel times and save it as GraphML."),
    "runs list": CommandSpec(
        "fleetopt.cli._runs", "runs_list",
        "List stored runs in the order they started (the newest last)."),
    "runs show": CommandSpec(
        "fleetopt.cli._runs", "runs_show",
        "Show one stored run: scenario, input hashes, version, result files."),
    "plan": CommandSpec(
        "fleetopt.cli._plan", "plan",
        "Plan an operator's fleet: vehicles, plugs per station, cheapest charging, TCO."),
}


def dispatch(command: str, **kwargs: Any) -> None:
    """Import the module that runs ``command`` (:data:`COMMANDS`) and call it with ``kwargs``."""
    spec = COMMANDS[command]
    getattr(importlib.import_module(spec.module), spec.function)(**kwargs)


# --------------------------------------------------------------------------- the options
# One function per command, in ``fleetopt --help`` order; each passes its arguments on.


@app.command("demo", short_help=COMMANDS["demo"].summary)
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
    dispatch("demo", out=out, scale=scale, as_json=as_json)


@app.command("simulate", short_help=COMMANDS["simulate"].summary)
def simulate(
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
    dispatch("simulate", scenario=scenario, out=out, annual=annual, executor=executor,
             scheduler=scheduler, no_progress=no_progress, as_json=as_json)


@app.command("site", short_help=COMMANDS["site"].summary)
def site(
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
    # a p-median OR-Library file without --out runs without the api (start-up: the solver's
    # imports only); every other combination, bad ones included, takes the full path
    light = (orlib_pmed is not None and model in (None, "p-median") and out is None
             and not any((scenario, orlib_cap, problem, uncapacitated, verify))
             and capacity is None)
    dispatch("site:orlib-pmed" if light else "site", scenario=scenario,
             orlib_pmed=orlib_pmed, p=p, orlib_cap=orlib_cap, uncapacitated=uncapacitated,
             capacity=capacity, problem=problem, model=model, time_limit=time_limit,
             assignments=assignments, out=out, solver=solver, verify=verify, as_json=as_json)


@app.command("targets", short_help=COMMANDS["targets"].summary)
def targets(
    scenario: Path | None = typer.Argument(None, help="Scenario TOML (optional)."),
    calibration: bool = typer.Option(
        False, "--calibration", help="Show the models' error against the published figures instead."
    ),
    annual_from: Path | None = typer.Option(
        None,
        "--annual-from",
        help="A simulate --annual result (its folder or summary.json): yearly energy and CO2 "
        "feed the CO2-intensity row.",
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        help="Also write a report of every target with band and trace (FILE.pdf or FILE.html).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Show the plan's targets with the scenario's projected values and statuses."""
    dispatch("targets", scenario=scenario, calibration=calibration, annual_from=annual_from,
             report=report, as_json=as_json)


@app.command("validate", short_help=COMMANDS["validate"].summary)
def validate(
    file: Path = typer.Argument(
        ..., help="The file to check (CSV, .xlsx, GTFS .zip, scenario .toml)."
    ),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="trips | requests | stations | gtfs | scenario (default: from the content).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Check an input file; list every problem with its row and column."""
    dispatch("validate", file=file, kind=kind, as_json=as_json)


@app.command("sweep", short_help=COMMANDS["sweep"].summary)
def sweep(
    sweep_file: Path = typer.Argument(
        ..., help="Sweep TOML (base scenario + grid, list or monte_carlo table)."
    ),
    executor: str = typer.Option("local", "--executor", help="local (process pool) or dask."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Result folder (default runs/sweep-<name>)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Worker processes (default: local all cores, dask 2)."
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide the progress bar."),
    as_json: bool = JsonOpt,
) -> None:
    """Run every variant of a sweep file and write one result row per variant."""
    dispatch("sweep", sweep_file=sweep_file, executor=executor, scheduler=scheduler, out=out,
             workers=workers, no_progress=no_progress, as_json=as_json)


@network_app.command("build", short_help=COMMANDS["network build"].summary)
def network_build(
    osm: Path | None = typer.Option(None, "--osm", help="OSM XML file (.osm or .osm.gz), offline."),
    place: str | None = typer.Option(
        None, "--place", help="Place name for Overpass (needs the internet)."),
    out: Path = typer.Option(..., "--out", help="Output .graphml or .graphml.gz file."),
    as_json: bool = JsonOpt,
) -> None:
    """Build a drive graph with speeds and travel times and save it as GraphML."""
    dispatch("network build", osm=osm, place=place, out=out, as_json=as_json)


RootOpt = typer.Option(
    None, "--root", help="Runs folder (default: settings.RUNS_DIR, FLEETOPT_RUNS_DIR)."
)


@runs_app.command("list", short_help=COMMANDS["runs list"].summary)
def runs_list(root: Path | None = RootOpt, as_json: bool = JsonOpt) -> None:
    """List stored runs in the order they started (the newest last)."""
    dispatch("runs list", root=root, as_json=as_json)


@runs_app.command("show", short_help=COMMANDS["runs show"].summary)
def runs_show(
    run_id: str = typer.Argument(..., help="Run id as printed by 'fleetopt runs list'."),
    root: Path | None = RootOpt,
    verify: bool = typer.Option(
        False, "--verify", help="Check every file against its stored SHA-256."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Show one stored run: scenario, input hashes, version, result files."""
    dispatch("runs show", run_id=run_id, root=root, verify=verify, as_json=as_json)


@app.command("plan", short_help=COMMANDS["plan"].summary)
def plan(
    scenario: Path = typer.Argument(..., help="Scenario TOML file (CONTRACT §4, §9)."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the new blocks (trips file) and the charging schedule."
    ),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="Solver budget [s] (default: settings.SITING_TIME_LIMIT_S, 60)."
    ),
    step_min: float = typer.Option(
        15.0, "--step-min", help="Time step of the charging LP [min] (15 or 1)."
    ),
    compare: bool = typer.Option(
        True, "--compare/--no-compare", help="Also simulate the plan (immediate, smart)."
    ),
    battery_options: bool = typer.Option(
        False,
        "--battery-options",
        help="Compare battery sizes (default lists) even without [plan] battery_kwh.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Plan an operator's fleet: vehicles, plugs per station, cheapest charging, TCO."""
    dispatch("plan", scenario=scenario, out=out, time_limit=time_limit, step_min=step_min,
             compare=compare, battery_options=battery_options, as_json=as_json)

"""Orchestrate fleetopt's steps for scripts, the CLI and the app (the one orchestrator).

Each function resolves defaults once, calls the layer that does the work (inputs,
simulation, siting, results) and returns plain results. Nothing here parses command
lines or renders output; the CLI checks its flags (``fleetopt/cli``), the app caches
(``apps/services.py``). Simulation and siting never call each other: where a step needs
both (``site --verify``, the demo, siting a scenario's trips) it is done here.

The app imports only this module and public data classes (an import-linter contract in
``pyproject.toml``), so the functions in the "for the app" section are the app's whole
view of the library.

Longer than the size limit because it is the one orchestrator and the app's whole view
of the library: one short function per command, app page or table the app shows (none
over ~60 lines), each calling the layer that does the work. Splitting it by command would
give the app (which may import only this module) several entry points again.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults, settings, sweeps
from fleetopt import demo as _demo
from fleetopt.case import load_case
from fleetopt.domain.mode_share import project_mode_share
from fleetopt.domain.transition import project_transition
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import road_graph
from fleetopt.inputs.default_demand import default_scenario_path, public_dc_stations
from fleetopt.inputs.scenario import Scenario, load_scenario_dict, read_scenario
from fleetopt.inputs.scenario import scenario_from_dict as _scenario_from_dict
from fleetopt.inputs.validate import validate_file
from fleetopt.planning.battery_sizes import options_table as battery_options_table
from fleetopt.planning.plan import plan_scenario
from fleetopt.planning.replacement import SCHEDULE_COLUMNS as REPLACEMENT_COLUMNS
from fleetopt.planning.result import PlanResult
from fleetopt.results import store
from fleetopt.results.export import (
    to_csv_bytes,
    to_excel_bytes,
    write_csv,
)
from fleetopt.results.simulate_file import (
    run_scenario,
    simulate_annual,
    simulate_file,
)
from fleetopt.results.targets import (
    calibration_tables,
    evaluate_targets,
    operating_co2_intensity_change_pct,
    pandemic_load_factors,
    targets_for_path,
)
from fleetopt.results.targets.report import (
    check_report_path,
    report_html,
    report_pdf,
    write_report,
)
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.result import TYPE_KEYS, SimulationResult
from fleetopt.siting import candidates as siting_candidates
from fleetopt.siting import registry as siting_registry
from fleetopt.siting.answer import SOLVED
from fleetopt.siting.problem import SitingProblem, read_problem_json
from fleetopt.siting.result import SitingResult
from fleetopt.siting.scenario import problem_from_scenario
from fleetopt.siting.solve import site_for_demo, solve, solve_orlib_cap, solve_orlib_pmed
from fleetopt.siting.verify import scenario_with_sites, service_level_verdict

logger = logging.getLogger(__name__)

__all__ = [
    "TYPE_KEYS",
    "Scenario",
    "SimulationResult",
    "SitingResult",
    "aggregate_demand",
    "calibration",
    "charging_profile",
    "default_scenario_dict",
    "default_scenario_path",
    "demo",
    "evaluate_targets",
    "evaluate_variant",
    "existing_stations",
    "list_runs",
    "load_network",
    "load_run",
    "network_names",
    "new_run",
    "plan",
    "plan_details",
    "plan_example_path",
    "plan_tables",
    "run_scenario",
    "run_sweep",
    "scenario_from_dict",
    "simulate_annual",
    "simulate_file",
    "site",
    "site_for_demo",
    "siting_models",
    "siting_problem",
    "target_trajectories",
    "targets",
    "targets_report",
    "to_csv_bytes",
    "to_excel_bytes",
    "validate",
    "verify_siting",
]


# --------------------------------------------------------------------------- siting
def siting_problem(
    path: str | Path, *, p: int | None = None, model: str | None = None
) -> SitingProblem:
    """Read a scenario, prepare its fleets and build its siting problem.

    Parameters
    ----------
    path : path
        ``SCENARIO.toml``.
    p : int, optional
        New sites (default ``scenario_new_sites`` in ``siting_params.csv``).
    model : str, optional
        The model that will be solved (``service-level`` weighs demand in sessions/h).

    Returns
    -------
    SitingProblem
        With ``network`` set (the scenario's road network).
    """
    scenario = read_scenario(Path(path))
    network = road_graph.load_network(scenario.network, base_dir=scenario.base_dir)
    prep = prepare(load_case(scenario, network))
    return problem_from_scenario(scenario, network, prep.trips, prep.requests, prep.specs,
                                 path=path, p=p, model=model)


def verify_siting(scenario: Scenario, result: SitingResult, *, network: Any = None,
                  max_wait_min: float | None = None,
                  max_wait_prob: float | None = None) -> dict[str, Any]:
    """Simulate a scenario with the new sites of ``result`` added and check the service level.

    The closed loop of ``fleetopt site SCENARIO.toml --verify``: the new sites become
    public stations (:func:`fleetopt.siting.verify.scenario_with_sites`), the scenario is
    simulated, and the share of visits that waited longer than W minutes is compared
    with q (:func:`fleetopt.siting.verify.service_level_verdict`).

    Parameters
    ----------
    scenario : Scenario
        The checked scenario the siting was done for.
    result : SitingResult
        The siting answer.
    network : RoadNetwork, optional
        The scenario's road network (loaded when not given).
    max_wait_min : float, optional
        W (default ``max_wait_min`` of ``siting_params.csv``) [min].
    max_wait_prob : float, optional
        q (default ``max_wait_prob``) [-].

    Returns
    -------
    dict
        ``service_level_min``, ``share_waiting_longer``, ``target_share``, ``met``,
        ``charge_wait_mean_min``, ``charge_wait_max_min``, ``trips_missed``,
        ``stations_added``.
    """
    raw, n_added = scenario_with_sites(scenario, result)
    file = getattr(scenario, "file", None)
    modified = _scenario_from_dict(raw, base_dir=scenario.base_dir,
                                   file=str(file) if file is not None else None)
    sim = simulate(load_case(modified, network))
    return service_level_verdict(sim.summary(), sim.sessions, n_added,
                                 max_wait_min=max_wait_min, max_wait_prob=max_wait_prob)


def _existing(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        msg = f"{p}: no such file"
        raise InputError(msg, [Problem("no such file", file=str(p))])
    return p


def site(
    *,
    scenario: str | Path | None = None,
    orlib_pmed: str | Path | None = None,
    p: int | None = None,
    orlib_cap: str | Path | None = None,
    uncapacitated: bool = False,
    capacity: float | None = None,
    problem: str | Path | None = None,
    model: str | None = None,
    time_limit: float | None = None,
    assignments: bool = False,
    out_dir: str | Path | None = None,
    solver: str = "highs",
    with_size_line: bool = False,
    verify: bool = False,
) -> dict[str, Any]:
    """Run ``fleetopt site`` and return the ``site --json`` document.

    One of ``scenario``, ``orlib_pmed``, ``orlib_cap``, ``problem`` is given (the CLI
    checks its flags: :func:`fleetopt.cli._site.check_site_flags`). ``assignments`` adds
    the assignment list for OR-Library input (always present otherwise). ``out_dir``
    writes ``sites.geojson``, ``assignments.csv``, ``summary.json``. ``with_size_line``
    adds ``_model_size_line`` (the CLI prints it on stderr). ``verify`` (scenarios only)
    simulates the scenario with the new sites added as public stations and adds a
    ``verify`` key (:func:`verify_siting`).

    Raises
    ------
    InputError
        A missing or malformed input file.
    """
    orlib = bool(orlib_pmed or orlib_cap)
    check = None
    if orlib_pmed:
        res = solve_orlib_pmed(_existing(orlib_pmed), p=p, model=model or "p-median",
                               time_limit_s=time_limit, solver=solver)
    elif orlib_cap:
        res = solve_orlib_cap(_existing(orlib_cap), capacity=capacity,
                              uncapacitated=uncapacitated or model == "uflp",
                              time_limit_s=time_limit, solver=solver)
    elif problem:
        prob, file_model = read_problem_json(_existing(problem))
        if p is not None:
            prob.p = int(p)
        res = solve(prob, model=model or file_model, time_limit_s=time_limit, solver=solver)
    else:
        if scenario is None:
            msg = "no SCENARIO.toml given"
            raise InputError(msg, [Problem(msg)])
        prob = siting_problem(_existing(scenario), p=p, model=model)
        res = solve(prob, model=model or prob.default_model, time_limit_s=time_limit,
                    solver=solver, rel_gap=1e-4)
        if verify and res.status in SOLVED:
            svc = prob.service or {}
            check = verify_siting(read_scenario(Path(scenario)), res, network=prob.network,
                                  max_wait_min=svc.get("max_wait_min"),
                                  max_wait_prob=svc.get("max_wait_prob"))
    logger.info("%s", res.model_size_line())
    if out_dir is not None:
        res.write(Path(out_dir))
    doc = res.summary(assignments=assignments or not orlib)
    if verify:
        doc["verify"] = check  # None when siting found no solution to simulate
    if with_size_line:
        doc["_model_size_line"] = res.model_size_line()
    return doc


# --------------------------------------------------------------------------- targets
def targets(
    scenario_path: Path | None = None,
    *,
    annual: Path | dict[str, Any] | None = None,
    report: Path | None = None,
) -> list[dict[str, Any]]:
    """Return the plan's targets with the scenario's projected values (``targets --json`` rows).

    ``annual``: a ``simulate --annual`` result (its ``summary.json``, the run folder or the
    dict :func:`simulate_annual` returns); its yearly energy and CO2 feed the CO2-intensity
    row (:mod:`fleetopt.results.targets.annual`). ``report``: also write the one-click
    report of every row with band and trace there (``.pdf`` or ``.html``).
    """
    if report is not None:
        check_report_path(report)  # before the work
    rows = targets_for_path(scenario_path, annual=annual)
    if report is not None:
        write_report(rows, report)
    return rows


def targets_report(rows: list[dict[str, Any]], kind: str = "pdf") -> bytes:
    """Return the one-click report of ``targets`` rows as bytes (``kind`` ``pdf`` or ``html``).

    The same report ``targets(report=path)`` writes, for rows already computed (the app's
    download buttons).
    """
    if kind == "pdf":
        return report_pdf(rows)
    if kind == "html":
        return report_html(rows).encode("utf-8")
    msg = f"unknown report kind {kind!r}; valid kinds: pdf, html"
    raise ValueError(msg)


def calibration(scenario_path: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return the transition and mode-share models' error against the published figures."""
    return calibration_tables(scenario_path)


def validate(path: Path, *, kind: str | None = None, with_file: bool = False) -> dict[str, Any]:
    """Validate an upload; return ``{"valid", "errors", "warnings"}`` (CONTRACT §2).

    ``with_file``: each problem also names the file it is in (a ``base =`` file, a file the
    scenario names), for human output; the JSON form has no such key.
    """
    return validate_file(path, kind=kind, with_file=with_file)


# --------------------------------------------------------------------------- sweeps
def evaluate_variant(
    scenario_dict: dict[str, Any], *, base_dir: str | Path, file: str | None, simulate: bool,
    targets: bool
) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """Run one sweep variant: simulate it and/or evaluate the plan's targets.

    Module-level so that process pools and Dask workers can pickle it
    (:func:`fleetopt.sweeps.run_variant` calls it).

    Returns
    -------
    tuple of (dict, list or None)
        The ``simulate --json`` summary (empty when not simulated) and the targets rows
        (None unless asked).
    """
    scenario = _scenario_from_dict(scenario_dict, base_dir=base_dir, file=file)
    result = run_scenario(scenario) if simulate else None
    summary: dict[str, Any] = {} if result is None else result.summary()
    rows = evaluate_targets(scenario=scenario, simulation=result) if targets else None
    return summary, rows


def run_sweep(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Run a sweep file; returns the result table (one row per variant)."""
    return sweeps.run_sweep(path, evaluate=evaluate_variant, **kwargs)


# --------------------------------------------------------------------------- demo
def demo(
    *, out_dir: Path | None = None, scale: float | None = None, progress: Any = None
) -> dict[str, Any]:
    """Run the whole chain on the embedded default: graph, fleets, simulate, site, targets.

    Parameters
    ----------
    out_dir : Path, optional
        Folder for the result tables; default a new run under ``runs/``.
    scale : float, optional
        Fleet scale over the full city (1.0 = the whole city); default the sample of the
        embedded scenario.
    progress : bool, optional
        Show progress on stderr.

    Returns
    -------
    dict
        ``{"network", "simulation", "siting", "targets"}`` as CONTRACT §2 ``demo --json``
        (plus ``out_dir``).
    """
    t0 = time.perf_counter()
    path, scenario = _demo.demo_scenario(scale)
    network = road_graph.load_network(scenario.network, base_dir=path.parent)
    logger.info("network %s loaded in %.2f s", network.name, time.perf_counter() - t0)
    sim = simulate(load_case(scenario, network), progress=progress)
    siting = site_for_demo(network, sim, p_new=_demo.DEMO_NEW_SITES,
                           time_limit_s=_demo.DEMO_SITING_TIME_LIMIT_S)
    rows = evaluate_targets(scenario=scenario, simulation=sim, siting=siting)
    doc: dict[str, Any] = {
        "network": {"name": network.name, "nodes": network.n_nodes, "edges": network.n_edges},
        "simulation": sim.summary(),
        "siting": siting.summary(assignments=False),
        "targets": rows,
    }
    written = _demo.write_demo(doc, sim, siting, scenario_path=path, out_dir=out_dir)
    doc_out = dict(doc)
    if written is not None:
        doc_out["out_dir"] = str(written)
    return doc_out


def _plan_result(
    source: Path | tuple[dict[str, Any], Path | None],
    *,
    time_limit_s: float | None,
    step_s: float,
    compare: bool,
    battery_options: bool,
) -> tuple[Scenario, PlanResult]:
    if time_limit_s is None:  # resolved once, here (settings.SITING_TIME_LIMIT_S)
        time_limit_s = settings.SITING_TIME_LIMIT_S
    if not time_limit_s > 0:
        msg = f"--time-limit must be > 0 s, got {time_limit_s}"
        raise InputError(msg, [Problem(msg, None, "--time-limit", None)])
    if step_s <= 0 or 3600.0 % step_s:
        msg = f"--step-min must divide 60 minutes, got {step_s / 60.0:g}"
        raise InputError(msg, [Problem(msg, None, "--step-min", None)])
    if isinstance(source, tuple):
        scenario = _scenario_from_dict(source[0], base_dir=source[1] or Path.cwd(),
                                       file="app scenario")
    else:
        scenario = read_scenario(Path(source))
    return scenario, plan_scenario(
        scenario,
        time_limit_s=time_limit_s,
        step_s=step_s,
        compare=compare,
        battery_trade_off=battery_options,
    )


def charging_profile(result: PlanResult) -> pd.DataFrame:
    """Return the mean grid power per clock hour [kW] of the plan and the simulator runs.

    Columns ``hour``, ``plan`` (the cheapest schedule) and, when the plan was simulated,
    ``immediate`` and ``smart``. An hour's mean power equals the grid energy drawn in it
    [kWh]; hours after 24:00 fold onto the day (the plan's day is cyclic).
    """
    hours = np.arange(24)
    out = pd.DataFrame({"hour": hours})
    plan_kwh = np.zeros(24)
    ch = result.charging
    if ch is not None and not ch.schedule.empty:
        for s0, s1, e in ch.schedule[["start_s", "end_s", "grid_kwh"]].itertuples(index=False):
            dur = float(s1) - float(s0)
            if dur <= 0:
                continue
            h = math.floor(float(s0) / 3600.0)
            while h * 3600.0 < float(s1):
                over = min(float(s1), (h + 1) * 3600.0) - max(float(s0), h * 3600.0)
                plan_kwh[h % 24] += float(e) * over / dur
                h += 1
    out["plan"] = plan_kwh
    for policy, series in result.load_profiles.items():
        kwh = np.zeros(24)
        minute_s = np.asarray(series.index, dtype=float)
        np.add.at(kwh, (np.floor(minute_s / 3600.0).astype(int)) % 24,
                  series.to_numpy(dtype=float) / 60.0)
        out[policy] = kwh
    return out


def plan_example_path() -> Path:
    """Return the packaged small operator timetable scenario (``plan-example.toml``)."""
    return default_scenario_path().parent / "plan-example.toml"


def plan_tables(
    result: PlanResult, stations: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Return the plan's tables for the app and ``--out``.

    Keys: ``planned_trips``, ``charging_schedule``, ``battery_options``,
    ``replacement_schedule`` and ``stations`` (id, kind, lon, lat, plugs needed).
    """
    ch = result.charging
    schedule = ch.schedule.copy() if ch is not None else pd.DataFrame()
    plugs = ch.plugs if ch is not None else {}
    st = stations if stations is not None else pd.DataFrame(columns=["id", "kind", "lon", "lat"])
    st = st[["id", "kind", "lon", "lat"]].copy()
    st["id"] = st["id"].astype(str)
    st["plugs"] = [int(plugs.get(sid, 0)) for sid in st["id"]]
    rep = result.replacement
    profile = charging_profile(result)
    return {
        "charging_profile": profile,
        "planned_trips": result.trips_table(),
        "charging_schedule": schedule,
        "battery_options": battery_options_table(result.battery_options),
        "replacement_schedule": rep.schedule if rep is not None else pd.DataFrame(
            columns=list(REPLACEMENT_COLUMNS)
        ),
        "stations": st,
    }


def plan(
    path: Path,
    *,
    out_dir: Path | None = None,
    time_limit_s: float | None = None,
    step_s: float = 900.0,
    compare: bool = True,
    battery_options: bool = False,
) -> dict[str, Any]:
    """Run ``fleetopt plan``: blocks, plugs, cheapest charging and TCO (CONTRACT §9).

    Writes the new blocks and the charging schedule to ``out_dir`` when given (and
    ``battery_options.csv`` / ``replacement_schedule.csv`` when the plan has them);
    returns the ``plan --json`` document (CONTRACT keys first, then ``battery_options``
    and ``replacement`` among the extra keys).
    """
    scenario, result = _plan_result(
        path,
        time_limit_s=time_limit_s,
        step_s=step_s,
        compare=compare,
        battery_options=battery_options,
    )
    if out_dir is not None:
        result.write(out_dir)
        tables = plan_tables(result, scenario.stations)
        if result.battery_options:
            write_csv(tables["battery_options"], Path(out_dir) / "battery_options.csv")
        if result.replacement is not None:
            write_csv(tables["replacement_schedule"], Path(out_dir) / "replacement_schedule.csv")
    summary: dict[str, Any] = result.summary()
    return summary


def plan_details(
    path: Path | None = None,
    *,
    raw: dict[str, Any] | None = None,
    base_dir: Path | None = None,
    time_limit_s: float | None = None,
    step_s: float = 900.0,
    compare: bool = True,
    battery_options: bool = False,
) -> dict[str, Any]:
    """Run a plan for the app: ``{"summary", "tables", "network"}``.

    ``summary`` is the ``plan --json`` document, ``tables`` :func:`plan_tables`, ``network``
    the scenario's road network name.

    Give a scenario file ``path``, or a scenario dictionary ``raw`` (TOML keys) whose
    relative paths are resolved against ``base_dir``.
    """
    if raw is None and path is None:
        msg = "plan_details needs a scenario path or a scenario dictionary"
        raise InputError(msg, [Problem(msg, None, None, None)])
    source: Path | tuple[dict[str, Any], Path | None] = (
        (raw, base_dir) if raw is not None else Path(str(path))
    )
    scenario, result = _plan_result(
        source,
        time_limit_s=time_limit_s,
        step_s=step_s,
        compare=compare,
        battery_options=battery_options,
    )
    return {
        "summary": result.summary(),
        "tables": plan_tables(result, scenario.stations),
        "network": scenario.network,
    }


# --------------------------------------------------------------------------- for the app
def network_names() -> list[str]:
    """Return the built-in road network names (:data:`~fleetopt.inputs.road_graph.BUILTIN_NETWORKS`)."""  # noqa: E501
    return list(road_graph.BUILTIN_NETWORKS)


def load_network(name_or_path: str | Path) -> road_graph.RoadNetwork:
    """Return a road network by built-in name or path (cached by the reader)."""
    return road_graph.load_network(name_or_path)


def default_scenario_dict() -> dict[str, Any]:
    """Return the embedded default scenario's merged dictionary."""
    return load_scenario_dict(default_scenario_path())


def scenario_from_dict(raw: dict[str, Any], *, base_dir: str | Path,
                       file: str | None = None) -> Scenario:
    """Check a scenario dictionary and build its :class:`Scenario` (``InputError`` if bad)."""
    return _scenario_from_dict(raw, base_dir=base_dir, file=file)


def existing_stations() -> pd.DataFrame:
    """Return Beijing's 711 public DC charging stations (stations columns, WGS84)."""
    return public_dc_stations()


def siting_models() -> list[str]:
    """Return the siting models ``site --model`` accepts (the registry's names)."""
    return list(siting_registry.MODELS)


def aggregate_demand(network: road_graph.RoadNetwork, points: pd.DataFrame) -> pd.DataFrame:
    """Snap demand points (``lon``, ``lat``, weight) to graph nodes and sum them per node."""
    return siting_candidates.aggregate_demand(network, points)


def list_runs() -> list[dict[str, Any]]:
    """Return the stored runs under ``runs/`` (oldest first)."""
    return store.list_runs()


def _share_of_eligible(fleet: Any, segment: str, year: int) -> float:
    return float(fleet.nev_share_of_eligible_pct(segment, year))


def target_trajectories(years: Iterable[int]) -> pd.DataFrame:
    """Return yearly observed and projected values per target id (the calibrated defaults).

    Each series is the library's own function of the target evaluated for every year
    (the same calls :func:`fleetopt.results.targets.evaluate_targets` makes for the
    target year), plus the observed points the models were calibrated to.

    Parameters
    ----------
    years : iterable of int
        Years of the projected series [year].

    Returns
    -------
    pandas.DataFrame
        Columns ``id, year, value, kind`` (``observed`` | ``projected``), ``low, high``
        (uncertainty band where the model gives one).
    """
    years = range(min(years), max(years) + 1) if not isinstance(years, range) else years
    fleet = project_transition({})
    modes = project_mode_share({}, seed=None)
    ref_year = int(defaults.value("target_rules", "reference_year"))
    rows: list[dict[str, Any]] = []

    def add(target_id: str, span: range, fn: Callable[[int], float]) -> None:
        for year in span:
            rows.append({"id": target_id, "year": year, "value": fn(year), "kind": "projected"})

    for target_id in ("green_travel_share_2025", "green_travel_share_2030"):
        for year in years:
            rows.append(
                {
                    "id": target_id,
                    "year": year,
                    "value": float(modes.green_pct.loc[year]),
                    "kind": "projected",
                    "low": float(modes.green_low_pct.loc[year]),
                    "high": float(modes.green_high_pct.loc[year]),
                }
            )
        obs = modes.calibration[modes.calibration["mode"] == "green"]
        rows += [
            {"id": target_id, "year": float(r.year), "value": float(r.observed), "kind": "observed"}
            for r in obs.itertuples()
        ]
    add("nev_stock_2025", years, fleet.nev_stock_total)
    for target_id, segment in (
        ("bus_nev_share_2025", "bus"),
        ("taxi_nev_share_2025", "taxi"),
        ("light_logistics_nev_share_2025", "light_logistics"),
    ):
        add(target_id, years, functools.partial(_share_of_eligible, fleet, segment))
    add(
        "sanitation_new_nev_share_2025",
        range(2021, 2031),
        lambda y: fleet.new_nev_share_pct("sanitation", 2021, y),
    )
    add("public_sector_electrified_2025", years, fleet.public_sector_share_pct)
    add("new_vehicle_nev_share_2030", years, fleet.new_clean_share_pct)
    load_2020 = pandemic_load_factors()
    add(
        "operating_co2_intensity_2030",
        range(ref_year, 2031),
        lambda y: operating_co2_intensity_change_pct(
            fleet, y, reference_year=ref_year, reference_load_factors=load_2020
        ),
    )
    observed_ids: dict[tuple[str, str], str] = {
        ("all", "nev_stock_vehicles"): "nev_stock_2025",
        ("bus", "nev_share_pct"): "bus_nev_share_2025",
        ("taxi", "nev_share_pct"): "taxi_nev_share_2025",
    }
    for r in fleet.calibration.itertuples():
        observed_id = observed_ids.get((str(r.segment), str(r.metric)))
        if observed_id is not None:
            rows.append(
                {
                    "id": observed_id,
                    "year": float(r.time_year),
                    "value": float(r.observed),
                    "kind": "observed",
                }
            )
    table = pd.DataFrame(rows, columns=["id", "year", "value", "kind", "low", "high"])
    return table[table["value"].notna()].reset_index(drop=True)


def load_run(run_id: str) -> store.Run:
    """Return a stored run (manifest, folder) by id."""
    return store.load_run(run_id)


new_run = store.new_run

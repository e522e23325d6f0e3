"""Simulate one scenario file, a day or a year, and store its tables (``fleetopt simulate``).

:mod:`fleetopt.api` re-exports these functions; ``fleetopt simulate`` imports this module
instead, so its start-up loads the simulation, the case and the result writers only, not
the planner, siting, sweeps or OR-Tools the api also imports (issue 16).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fleetopt.case import load_case
from fleetopt.inputs.scenario import Scenario, load_scenario_dict, read_scenario
from fleetopt.results import store
from fleetopt.results.export import write_result
from fleetopt.simulation import annual
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.result import SimulationResult

__all__ = ["gtfs_service_days", "run_scenario", "simulate_annual", "simulate_file"]


def run_scenario(scenario: Any, *, network: Any = None, progress: Any = None) -> SimulationResult:
    """Simulate one scenario (a :class:`~fleetopt.inputs.scenario.Scenario` or a TOML path).

    Returns
    -------
    fleetopt.simulation.result.SimulationResult
    """
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(Path(scenario))
    return simulate(load_case(scenario, network), progress=progress)


def simulate_file(
    path: Path, *, out_dir: Path | None = None, progress: Any = None
) -> dict[str, Any]:
    """Run ``fleetopt simulate``: read, simulate, write tables; return the summary.

    Tables go to ``out_dir`` when given, else into a new run under ``runs/`` (atomic store).
    """
    result = run_scenario(path, progress=progress)
    if out_dir is not None:  # each file atomic, every CSV cell escaped
        write_result(result.tables(), out_dir, summary=result.summary_doc())
    else:
        with store.new_run(
            "simulate",
            scenario_path=path,
            scenario=load_scenario_dict(path),
            inputs=[path],
            meta={"seed": result.seed},
        ) as tmp:
            write_result(result.tables(), tmp, summary=result.summary_doc())
    summary: dict[str, Any] = result.summary()
    if result.extras.get("gtfs"):  # an extra key after the contract's (issue 17)
        summary["gtfs"] = gtfs_service_days(result.extras["gtfs"])
    return summary


def gtfs_service_days(gtfs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return, per GTFS fleet, its service day and what its vehicle count means.

    ``vehicles`` counts distinct blocks (``block_id``, or chains built where the feed
    has none); ``peak_vehicles_in_service`` is the most blocks between their first
    departure and last arrival at once.
    """
    return {
        fleet: {**info, "vehicles_are": "distinct blocks (block_id, else chained trips)"}
        for fleet, info in gtfs.items()
    }


def simulate_annual(
    scenario: Any,
    *,
    executor: str = "local",
    scheduler: str | None = None,
    out_dir: Path | None = None,
    progress: bool = False,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run ``fleetopt simulate --annual``: the representative days of the scenario's year.

    Parameters
    ----------
    scenario : Scenario or path
        A :class:`~fleetopt.inputs.scenario.Scenario` or a TOML path.
    executor, scheduler, out_dir, progress, workers
        See :func:`fleetopt.simulation.annual.simulate_annual`.

    Returns
    -------
    dict
        The ``simulate --json`` keys as yearly totals, ``year`` and ``days`` (CONTRACT §7).
    """
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(Path(scenario))
    return annual.simulate_annual(
        scenario,
        executor=executor,
        scheduler=scheduler,
        out_dir=out_dir,
        progress=progress,
        workers=workers,
    )

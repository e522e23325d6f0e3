"""Orchestrate fleetopt's steps for scripts, the CLI and the app (the one orchestrator).

Each function resolves defaults once, calls the layer that does the work and returns
plain results. Nothing here parses command lines or renders output.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "calibration",
    "demo",
    "plan",
    "run_scenario",
    "run_sweep",
    "simulate_file",
    "site",
    "targets",
    "validate",
]


def run_scenario(scenario: Any, *, network: Any = None, progress: Any = None) -> Any:
    """Simulate one scenario (a :class:`~fleetopt.inputs.scenario.Scenario` or a TOML path).

    Returns
    -------
    fleetopt.simulation.result.SimulationResult
    """
    from fleetopt.inputs.scenario import Scenario, read_scenario
    from fleetopt.simulation.engine import simulate

    if not isinstance(scenario, Scenario):
        scenario = read_scenario(Path(scenario))
    return simulate(scenario, network=network, progress=progress)


def simulate_file(
    path: Path, *, out_dir: Path | None = None, progress: Any = None
) -> dict[str, Any]:
    """Run ``fleetopt simulate``: read, simulate, write tables; return the summary.

    Tables go to ``out_dir`` when given, else into a new run under ``runs/`` (atomic store).
    """
    from fleetopt.inputs.scenario import load_scenario_dict

    result = run_scenario(path, progress=progress)
    if out_dir is not None:
        result.write(out_dir)
    else:
        from fleetopt.results.store import new_run

        with new_run(
            "simulate",
            scenario_path=path,
            scenario=load_scenario_dict(path),
            inputs=[path],
            meta={"seed": result.seed},
        ) as tmp:
            result.write(tmp)
    summary: dict[str, Any] = result.summary()
    return summary


def site(**kwargs: Any) -> dict[str, Any]:
    """Run ``fleetopt site``; keyword arguments mirror the CLI options."""
    from fleetopt.siting.solve import site_command

    out: dict[str, Any] = site_command(**kwargs)
    return out


def targets(scenario_path: Path | None = None) -> list[dict[str, Any]]:
    """Return the plan's targets with the scenario's projected values (``targets --json`` rows)."""
    from fleetopt.results.targets import targets_for_path

    return targets_for_path(scenario_path)


def calibration(scenario_path: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return the transition and mode-share models' error against the published figures."""
    from fleetopt.results.targets import calibration_tables

    return calibration_tables(scenario_path)


def validate(path: Path, *, kind: str | None = None) -> dict[str, Any]:
    """Validate an upload; return ``{"valid", "errors", "warnings"}`` (CONTRACT §2)."""
    from fleetopt.inputs.validate import validate_file

    return validate_file(path, kind=kind)


def run_sweep(path: Path, **kwargs: Any) -> Any:
    """Run a sweep file; returns the result table (one row per variant)."""
    from fleetopt.sweeps import run_sweep as _run_sweep

    return _run_sweep(path, **kwargs)


def demo(
    *, out_dir: Path | None = None, scale: float | None = None, progress: Any = None
) -> dict[str, Any]:
    """Run the whole chain on the embedded default: graph, fleets, simulate, site, targets."""
    from fleetopt.demo import run_demo

    return run_demo(out_dir=out_dir, scale=scale, progress=progress)


def plan(
    path: Path,
    *,
    out_dir: Path | None = None,
    time_limit_s: float = 60.0,
    step_s: float = 900.0,
    compare: bool = True,
) -> dict[str, Any]:
    """Run ``fleetopt plan``: blocks, plugs, cheapest charging and TCO (CONTRACT §9).

    Writes the new blocks and the charging schedule to ``out_dir`` when given; returns the
    ``plan --json`` document.
    """
    from fleetopt.inputs.scenario import read_scenario
    from fleetopt.planning.plan import plan_scenario

    if not time_limit_s > 0:
        from fleetopt.errors import InputError, Problem

        msg = f"--time-limit must be > 0 s, got {time_limit_s}"
        raise InputError(msg, [Problem(msg, None, "--time-limit", None)])
    if step_s <= 0 or 3600.0 % step_s:
        from fleetopt.errors import InputError, Problem

        msg = f"--step-min must divide 60 minutes, got {step_s / 60.0:g}"
        raise InputError(msg, [Problem(msg, None, "--step-min", None)])
    result = plan_scenario(
        read_scenario(Path(path)), time_limit_s=time_limit_s, step_s=step_s, compare=compare
    )
    if out_dir is not None:
        result.write(out_dir)
    summary: dict[str, Any] = result.summary()
    return summary

"""The plan's charging schedule fed back into the simulator (issue 15 item 3, CONTRACT §9).

``plan --json`` runs the planned blocks in the SimPy kernel following the plan's schedule
(comparison policy ``scheduled``) and reports it under ``replay`` as ``simulator_*`` keys.

Tolerance on energy: the schedule's kWh are the LP's values, which HiGHS meets to its
primal feasibility tolerance (1e-7 per row), and the kernel adds them to a state of
charge in floating point; a window the simulator did not deliver (a full battery, a
missing plug, a vehicle elsewhere) costs whole kWh. So 1e-6 x the day's energy separates
rounding from a real difference.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.planning.plan import _vehicle_days, compare_policies, plan_scenario
from fleetopt.planning.replay import replay_schedule

runner = CliRunner()

EXAMPLE = Path(str(resources.files("fleetopt") / "data" / "scenarios" / "plan-example.toml"))


def _tol(kwh: float) -> float:
    return 1e-6 * max(1.0, kwh)


def test_plan_example_schedule_runs_in_the_simulator() -> None:
    """GIVEN the packaged plan example WHEN planned THEN the simulator following the schedule
    misses no trip, charges the plan's battery and grid energy, and every bus ends the day
    at least at its start charge."""
    res = runner.invoke(app, ["plan", str(EXAMPLE), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    rep = out["replay"]
    for key in ("trips_missed", "days_not_closed", "energy_difference_kwh"):  # kept
        assert key in rep
    assert rep["simulator_trips_missed"] == 0
    plan_batt = rep["battery_kwh_charged"]
    assert plan_batt > 0
    assert rep["simulator_battery_kwh"] == pytest.approx(plan_batt, abs=_tol(plan_batt))
    assert abs(rep["simulator_battery_difference_kwh"]) <= _tol(plan_batt)
    grid = out["comparison"]["plan"]["grid_energy_kwh"]
    assert rep["simulator_grid_kwh"] == pytest.approx(grid, abs=_tol(grid))
    assert abs(rep["simulator_grid_difference_kwh"]) <= _tol(grid)
    assert rep["simulator_vehicles_below_start"] == 0
    assert rep["simulator_days_closed"] is True
    assert rep["simulator_plug_gave_up"] == 0
    # same energy at the same times: the simulated cost is the plan's
    sim = out["comparison"]["scheduled"]
    assert sim["cost_cny"] == pytest.approx(out["charging_cost_cny"], rel=1e-6)


def test_a_schedule_that_charges_too_little_misses_trips_in_the_simulator() -> None:
    """GIVEN the plan example's schedule with every window halved WHEN the simulator
    follows it THEN it misses trips and the replay reports them (the check can fail)."""
    sc = read_scenario(EXAMPLE)
    net = load_network(sc.network, base_dir=sc.base_dir)
    result = plan_scenario(sc, network=net, compare=False)
    assert result.charging is not None
    days = []
    for tp in result.types:
        days += _vehicle_days(tp.group, tp.blocking, f"{tp.vehicle_type}-{tp.powertrain}-")
    full = compare_policies(sc, result, net, days=days)["scheduled"]
    assert full["trips_missed"] == 0
    sched = result.charging.schedule
    sched["battery_kwh"] = sched["battery_kwh"] * 0.5
    sched["grid_kwh"] = sched["grid_kwh"] * 0.5
    cmp = compare_policies(sc, result, net, days=days)
    assert cmp["scheduled"]["trips_missed"] >= 1
    assert cmp["scheduled"]["battery_kwh"] <= 0.5 * full["battery_kwh"] + 1e-6
    rep = replay_schedule(days, result.charging, result.types[0].group.station_ids, cmp)
    assert rep["simulator_trips_missed"] == cmp["scheduled"]["trips_missed"]

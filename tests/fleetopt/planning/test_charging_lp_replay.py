"""Replaying the planned charging schedule on the planned days (issue 15, item 3)."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.planning.blocking import Segment
from fleetopt.planning.charging_lp import ChargingPlan, VehicleDay, plan_charging
from fleetopt.planning.problem import DAY_S
from fleetopt.planning.replay import replay_schedule

STATIONS = np.array(["S"])
FLAT = np.full(24, 0.5)


def _day(name: str, stay: tuple[float, float], kwh: float) -> VehicleDay:
    """Drive ``kwh`` 00:00-``stay[0]``, stand at S during ``stay``, then a trip of ``kwh``."""
    a, b = stay
    segs = [
        Segment("drive", 0.0, a, kwh=kwh, km=kwh, trip=0),
        Segment("stay", a, b, station=0),
        Segment("drive", b, b + 600.0, kwh=kwh, km=kwh, trip=1),
        Segment("stay", b + 600.0, DAY_S, station=-1, night=True),
    ]
    return VehicleDay(name, "bus", segs, np.array([150.0]), 1.0, 100.0, 0.0)


def _plan_with(sched: list[tuple[str, float, float, float]], plugs: int) -> ChargingPlan:
    rows = pd.DataFrame(
        [
            {
                "vehicle_id": v,
                "vehicle_type": "bus",
                "station_id": "S",
                "start_s": a,
                "end_s": b,
                "battery_kwh": e,
                "grid_kwh": e,
            }
            for v, a, b, e in sched
        ]
    )
    return ChargingPlan(
        "optimal", {"S": plugs}, 0.0, 0.0, {}, float(rows["grid_kwh"].sum()), rows, {}, 0.0
    )


def test_the_one_minute_lp_schedule_replays_without_a_missed_trip() -> None:
    """GIVEN three buses that stand at S for 40 min each, partly at the same time, and need
    2 x 30 kWh a day THEN the 1-minute LP's schedule, replayed on its plugs, misses no
    trip, closes every day, charges only inside stays, and delivers exactly the 180 kWh
    driven."""
    days = [_day(f"v{k}", (3600.0 + 600.0 * k, 6000.0 + 600.0 * k), 30.0) for k in range(3)]
    plan = plan_charging(days, STATIONS, FLAT, step_s=60.0)
    assert plan.status in ("optimal", "feasible")
    rep = replay_schedule(days, plan, STATIONS)
    assert rep["plug_shortfall_kwh"] == {}
    assert rep["trips_missed"] == 0
    assert rep["days_not_closed"] == 0
    assert rep["charges_outside_stays"] == 0
    assert rep["battery_kwh_driven"] == pytest.approx(180.0)
    assert rep["energy_difference_kwh"] == pytest.approx(0.0, abs=1e-6)


def test_the_fifteen_minute_schedule_shows_what_its_plugs_cannot_deliver() -> None:
    """GIVEN the same three buses planned at 15-minute steps (plugs time-shared within a
    step) THEN the replay accounts for every scheduled kWh: delivered + short = scheduled,
    and a day is reported open exactly when its bus was short."""
    days = [_day(f"v{k}", (3600.0 + 600.0 * k, 6000.0 + 600.0 * k), 30.0) for k in range(3)]
    plan = plan_charging(days, STATIONS, FLAT, step_s=900.0)
    rep = replay_schedule(days, plan, STATIONS)
    short = sum(rep["plug_shortfall_kwh"].values())
    assert rep["battery_kwh_charged"] + short == pytest.approx(plan.schedule["battery_kwh"].sum())
    assert (rep["days_not_closed"] > 0) == (short > 1e-6)


def test_a_short_schedule_misses_trips_and_leaves_the_day_open() -> None:
    """GIVEN a 100 kWh bus driving 2 x 60 kWh with a schedule that charges only 10 kWh in
    its stay THEN no starting charge runs the day: from a full battery the second trip is
    missed, and the day does not close (10 < 120 kWh)."""
    days = [_day("v0", (3600.0, 7200.0), 60.0)]
    rep = replay_schedule(days, _plan_with([("v0", 3600.0, 3840.0, 10.0)], 1), STATIONS)
    assert rep["trips_missed"] == 1
    assert rep["days_not_closed"] == 1
    assert rep["energy_difference_kwh"] == pytest.approx(-110.0)


def test_a_charge_outside_the_stay_and_two_buses_on_one_plug_are_reported() -> None:
    """GIVEN a charge placed after the stay ended and two buses that each need the one plug
    for the same whole 10 minutes (25 kWh at 150 kW) THEN one charge is outside a stay, the
    plug delivers only one of them (25 kWh short at S), and that bus's day does not close;
    with two plugs nothing is short and every day closes."""
    days = [_day(f"v{k}", (3600.0, 7200.0), 12.5) for k in range(2)]
    sched = [
        ("v0", 3600.0, 4200.0, 25.0),
        ("v1", 3600.0, 4200.0, 25.0),
        ("v1", 7300.0, 7400.0, 2.0),  # v1 drives then: outside its stay
    ]
    rep = replay_schedule(days, _plan_with(sched, 1), STATIONS)
    assert rep["charges_outside_stays"] == 1
    assert rep["plug_shortfall_kwh"] == {"S": pytest.approx(25.0)}
    assert rep["days_not_closed"] == 1
    ok = replay_schedule(days, _plan_with(sched[:2], 2), STATIONS)
    assert ok["plug_shortfall_kwh"] == {}
    assert ok["charges_outside_stays"] == 0
    assert ok["days_not_closed"] == 0


def test_earliest_end_first_fits_staggered_stays_on_one_plug() -> None:
    """GIVEN one plug, bus A standing 60 min needing 30 min of charge and bus B standing
    only the first 30 min of it needing all 30 THEN earliest-end-first charges B first and
    A after: nothing is short (charging A first would leave B 15 kWh short)."""
    days = [_day("A", (3600.0, 7200.0), 37.5), _day("B", (3600.0, 5400.0), 37.5)]
    sched = [("A", 3600.0, 7200.0, 75.0), ("B", 3600.0, 5400.0, 75.0)]
    rep = replay_schedule(days, _plan_with(sched, 1), STATIONS)
    assert rep["plug_shortfall_kwh"] == {}
    assert rep["days_not_closed"] == 0
    assert rep["trips_missed"] == 0


def test_plan_json_reports_the_replay(make_scenario: Callable) -> None:
    """GIVEN the four-trip hand timetable THEN ``plan --json`` has a ``replay`` with no
    missed trip, every day closed, and the schedule's energy equal to the driven energy
    (240 kWh at a flat tariff), next to the simulator's energy difference per policy."""
    res = CliRunner().invoke(app, ["plan", str(make_scenario()), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)["replay"]
    assert rep["trips_missed"] == 0
    assert rep["days_not_closed"] == 0
    assert rep["charges_outside_stays"] == 0
    assert rep["battery_kwh_driven"] == pytest.approx(240.0)
    assert rep["energy_difference_kwh"] == pytest.approx(0.0, abs=1e-6)
    assert set(rep["simulator_energy_difference_kwh"]) == {"immediate", "smart"}
